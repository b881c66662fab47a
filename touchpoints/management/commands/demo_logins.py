"""manage.py demo_logins: a consultant and a manager login for the demo client, printed once."""

import secrets
from typing import Any

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from touchpoints.models import CONSULTANTS_GROUP, MANAGERS_GROUP, Membership, Organisation
from touchpoints.services import roles_sync

DEMO_SLUG = "beispiel"
CONSULTANT = "berater"
MANAGER = "manager"


def _new_password() -> str:
    # Readable groups of letters and digits, long enough for the password validators.
    alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(3))


class Command(BaseCommand):
    help = (
        f"Create the demo logins {CONSULTANT!r} (consultant) and {MANAGER!r} (manager of the "
        "demo client) with random passwords, printed only when they are created."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--url", default="http://127.0.0.1:8000/", help="where the site is served"
        )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        url = options["url"].rstrip("/")
        organisation = Organisation.objects.filter(slug=DEMO_SLUG).first()
        if organisation is None:
            raise CommandError("The demo client does not exist yet: run manage.py seed_demo first.")
        roles_sync()
        created: list[tuple[str, str, str]] = []

        consultant = User.objects.filter(username=CONSULTANT).first()
        if consultant is None:
            password = _new_password()
            consultant = User.objects.create_user(
                username=CONSULTANT, password=password, is_staff=True
            )
            consultant.groups.add(Group.objects.get(name=CONSULTANTS_GROUP))
            created.append(("consultant", CONSULTANT, password))

        manager = User.objects.filter(username=MANAGER).first()
        if manager is None:
            password = _new_password()
            manager = User.objects.create_user(username=MANAGER, password=password)
            manager.groups.add(Group.objects.get(name=MANAGERS_GROUP))
            created.append(("manager", MANAGER, password))
        # A reset of the demo data recreates the client; the manager must keep access to it.
        Membership.objects.get_or_create(user=manager, organisation=organisation)

        if created:
            self.stdout.write(f"cxmonitor runs at {url}/")
            for role, username, password in created:
                where = f"{url}/admin/" if role == "consultant" else f"{url}/dashboard/"
                self.stdout.write(f"  {role:<10} {username} / {password}   {where}")
            self.stdout.write("These passwords are shown only now; note them.")
        existing = [u for u in (CONSULTANT, MANAGER) if u not in {c[1] for c in created}]
        if existing:
            self.stdout.write(
                f"The demo login(s) {', '.join(existing)} exist already; their passwords are "
                "not shown again. To set a new one: python manage.py changepassword USERNAME"
            )
