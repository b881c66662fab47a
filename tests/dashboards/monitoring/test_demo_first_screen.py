"""The demo's first screen: what `make demo` shows a manager first is the planted Lieferung drop.

Seeded with a fixed end day so the result does not depend on the day the test runs.
"""

import io
import re
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.test import Client

from dashboards.monitoring.models import Alert
from dashboards.pages.builders.dashboard import dashboard_page
from tests import factories
from touchpoints.models import Organisation

END = date(2026, 11, 23)

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def test_first_alert_and_change_on_the_demo_are_the_planted_lieferung_drop() -> None:
    # given: the demo as `make demo` builds it (90 days), statistics, one nightly evaluation
    quiet = io.StringIO()
    call_command("seed_demo", days=90, end=END.isoformat(), stdout=quiet)
    call_command("aggregate", no_importance=True, stdout=quiet, stderr=quiet)
    call_command("evaluate_alerts", date=END.isoformat(), stdout=quiet)
    org = Organisation.objects.get(slug="beispiel")

    # then: the one alert is Lieferung's satisfaction drop (no chance dip of a small touchpoint)
    alerts = list(Alert.objects.filter(organisation=org).values_list("touchpoint__name", "kpi"))
    assert alerts == [("Lieferung", "satisfaction")]

    # and the dashboard shows it first among the open alerts
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    client.force_login(factories.manager(org))
    html = client.get(f"/dashboard/?org={org.slug}").content.decode()
    panel = html[html.index('class="alerts-panel"') :]
    assert re.findall(r"<strong>([^<]+)</strong>", panel)[0] == "Lieferung: Zufriedenheit gesunken"
    # and, on the morning after END, "what changed" includes Lieferung's satisfaction drop
    page = dashboard_page(
        organisation_id=org.pk,
        start=END - timedelta(days=6),
        end=END + timedelta(days=1),
        language="de",
        today=END + timedelta(days=1),
    )
    changes = {(row.touchpoint, row.signal.kpi, row.signal.direction) for row in page.signals}
    assert ("Lieferung", "satisfaction", "down") in changes
