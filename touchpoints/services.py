"""Writes for organisations, journeys and roles."""

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from .models import CONSULTANTS_GROUP, MANAGERS_GROUP, Journey, Organisation, Phase

# (order, German, English): the default journey of the seeds.
DEFAULT_PHASES: tuple[tuple[int, str, str], ...] = (
    (1, "Aufmerksamkeit", "Awareness"),
    (2, "Abwägung", "Consideration"),
    (3, "Kauf", "Purchase"),
    (4, "Bindung", "Retention"),
    (5, "Empfehlung", "Advocacy"),
)

CONFIGURATION_APPS = ("touchpoints", "surveys", "dashboards")


def phases_create_defaults(*, journey: Journey) -> list[Phase]:
    """Give a journey without phases the five default phases."""
    if journey.phases.exists():
        return list(journey.phases.all())
    return Phase.objects.bulk_create(
        Phase(journey=journey, order=order, name_de=de, name_en=en)
        for order, de, en in DEFAULT_PHASES
    )


@transaction.atomic
def journey_create(*, organisation: Organisation, name: str) -> Journey:
    """Create a journey with the default phases."""
    journey = Journey.objects.create(organisation=organisation, name=name)
    phases_create_defaults(journey=journey)
    return journey


def roles_sync() -> None:
    """Create the role groups: consultants configure everything, managers read dashboards."""
    consultants, _ = Group.objects.get_or_create(name=CONSULTANTS_GROUP)
    Group.objects.get_or_create(name=MANAGERS_GROUP)
    configuration = Permission.objects.filter(content_type__app_label__in=CONFIGURATION_APPS)
    # Logins yes; editing what a group may do stays with superusers.
    user_admin = Permission.objects.filter(
        content_type__app_label="auth",
        codename__in=["add_user", "change_user", "view_user", "view_group"],
    )
    consultants.permissions.set([*configuration, *user_admin])


def roles_sync_after_migrate(**kwargs: Any) -> None:
    roles_sync()
