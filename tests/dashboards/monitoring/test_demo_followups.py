"""The follow-up queue can be tried in the demo: contact items, consenting detractors, the scan
as a command that `make demo` runs."""

import io
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from dashboards.models import FollowUp
from surveys.demo import ORGANISATION_SLUG
from surveys.demo_contacts import CONTACT_TOUCHPOINTS
from surveys.models import Answer, Item, Response
from tests import factories
from touchpoints.models import Organisation

pytestmark = pytest.mark.django_db


def _scan(*args: str) -> str:
    out = io.StringIO()
    call_command("followups_scan", *args, stdout=out)
    return out.getvalue()


def test_demo_fills_the_follow_up_queue_through_the_scan_command() -> None:
    # given: the demo client as `make demo` seeds it (shorter), ending yesterday
    call_command("seed_demo", "--days", "21", stdout=io.StringIO())
    org = Organisation.objects.get(slug=ORGANISATION_SLUG)

    # when: the scan runs as a command
    output = _scan()

    # then: each contact touchpoint asks for contact details; the consenting detractors are queued
    contact_items = Item.objects.filter(
        kind=Item.Kind.CONTACT, survey__touchpoint__phase__journey__organisation=org
    )
    assert sorted(contact_items.values_list("survey__touchpoint__name", flat=True)) == sorted(
        CONTACT_TOUCHPOINTS
    )
    queued = FollowUp.objects.filter(organisation=org).select_related("response", "department")
    assert queued.count() >= 10
    assert f"{queued.count()} new follow-ups" in output
    assert {f.department.name for f in queued} >= {"Support", "Logistik"}
    for followup in queued:
        assert followup.response.contact_consent
        assert (followup.nps is not None and followup.nps <= 6) or (
            followup.worst_gap is not None and followup.worst_gap <= -2
        )
    consented = Response.objects.filter(touchpoint__phase__journey__organisation=org).filter(
        contact_consent=True
    )
    assert Answer.objects.filter(response__in=consented, item__kind=Item.Kind.CONTACT).count() == (
        consented.count()
    )
    # idempotent: the second run queues nothing
    assert "0 new follow-ups" in _scan()
    assert FollowUp.objects.filter(organisation=org).count() == queued.count()

    # and the department's queue page lists them
    manager = factories.manager(org)
    client = Client()
    client.force_login(manager)
    page = client.get(f"/dashboard/followups/?org={ORGANISATION_SLUG}")
    assert page.status_code == 200
    assert "Hotline" in page.content.decode()


def test_scan_command_refuses_a_bad_window() -> None:
    with pytest.raises(CommandError, match="--days must lie between 1 and 366"):
        _scan("--days", "0")


def test_make_demo_runs_the_scan_after_the_alerts() -> None:
    dry_run = subprocess.run(
        ["make", "-n", "demo", f"BIN={os.path.dirname(sys.executable)}"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    commands = [
        line.split("manage.py ")[1] for line in dry_run.stdout.splitlines() if "manage.py" in line
    ]
    names = [command.split()[0] for command in commands]
    assert names.index("followups_scan") > names.index("evaluate_alerts")
    assert names.index("followups_scan") < names.index("runserver")
