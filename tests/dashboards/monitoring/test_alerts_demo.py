"""On the demo client the planted Lieferung drop raises one alert that reaches Logistik by mail."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.management import call_command, get_commands
from django.test import Client
from django.urls import Resolver404, resolve

from dashboards.monitoring.models import Alert, AlertDelivery
from tests import factories
from tests.dashboards.monitoring.alerts_support import eager_celery  # noqa: F401
from touchpoints.models import Organisation

DEMO_DAYS = 60
EVALUATED_DAYS = 14


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_celery")
def test_the_lieferung_drop_alerts_logistik_once(
    capsys: pytest.CaptureFixture[str], django_capture_on_commit_callbacks: object
) -> None:
    commands = get_commands()
    if "seed_demo" not in commands or "aggregate" not in commands:
        pytest.skip("needs the seed_demo and aggregate commands")
    from surveys.demo import demo_end_default

    # Given the demo client with its daily statistics
    call_command("seed_demo", days=DEMO_DAYS, stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("aggregate", no_importance=True, stdout=open("/dev/null", "w"))  # noqa: SIM115
    end = demo_end_default()
    org = Organisation.objects.get(slug="beispiel")

    # When the nightly evaluation runs for each of the last two weeks' days
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        call_command(
            "evaluate_alerts",
            date=end.isoformat(),
            days=EVALUATED_DAYS,
            stdout=open("/dev/null", "w"),  # noqa: SIM115
        )

    alerts = list(Alert.objects.filter(organisation=org).select_related("touchpoint", "rule"))
    with capsys.disabled():
        print(f"\ndemo client, {EVALUATED_DAYS} nightly evaluations: {len(alerts)} alerts")
        for a in alerts:
            print(
                f"  {a.day} {a.touchpoint.name}: {a.kpi} {a.direction} {a.value:.2f} "
                f"(expected {a.expected:.2f}) by {a.rule.condition}, since {a.breach_start}"
            )

    # Then Lieferung has exactly one alert, for its satisfaction, from the last week
    lieferung = [a for a in alerts if a.touchpoint.name == "Lieferung"]
    assert len(lieferung) == 1
    alert = lieferung[0]
    assert alert.kpi == "satisfaction" and alert.direction == "down"
    assert end - timedelta(days=6) <= alert.breach_start <= end
    assert alert.touchpoint.department.name == "Logistik"

    # and one e-mail reached the Logistik address, with an absolute link to the filtered dashboard
    to_logistik = [m for m in mail.outbox if "logistik@beispiel.example" in m.to]
    assert len(to_logistik) == 1
    message = to_logistik[0]
    link = f"{settings.SITE_URL}/dashboard/?org=beispiel&touchpoint={alert.touchpoint.public_key}"
    assert message.subject == "[cxmonitor] Lieferung: Zufriedenheit gesunken"  # German client
    assert link in message.body
    assert isinstance(message, EmailMultiAlternatives)
    html = message.alternatives[0]
    assert html[1] == "text/html" and link.replace("&", "&amp;") in str(html[0])
    assert urlsplit(link).scheme in ("http", "https") and urlsplit(link).netloc
    assert AlertDelivery.objects.filter(
        alert=alert, channel="email", status="sent", target="logistik@beispiel.example"
    ).exists()

    # The link leads a manager of the client to the dashboard (where the dashboard exists)
    try:
        resolve("/dashboard/")
    except Resolver404:
        return
    client = Client()
    client.force_login(factories.manager(org))
    response = client.get(link.removeprefix(settings.SITE_URL))
    assert response.status_code == 200
    assert "Lieferung" in response.content.decode()
