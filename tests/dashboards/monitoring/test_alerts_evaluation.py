"""Evaluation writes each breach once, respects the cooldown, and delivers by mail and webhook
(retried, signed, every attempt recorded) without one failure stopping the others."""

import hashlib
import hmac
import itertools
import json
import subprocess
import sys
from datetime import date, timedelta

import numpy as np
import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.utils import timezone

from dashboards.monitoring.models import Alert, AlertDelivery, AlertRule, WebhookEndpoint
from dashboards.monitoring.services import (
    alert_deliveries_heal,
    alert_email_message,
    alert_rules_create_defaults,
    alert_webhook_deliver,
    alerts_evaluate,
    webhook_signature,
)
from tests.dashboards.monitoring.alerts_support import (
    Monitored,
    eager_celery,  # noqa: F401
    monitored_touchpoint,
    organisation_with_department,
    receiver_url,
    simulate,
    webhook_receiver,
)
from touchpoints.models import Department, Organisation, Phase

END = date(2026, 6, 30)


def dropping(
    org_phase_dept: tuple[Organisation, Phase, Department],
    name: str,
    seed: int,
    *,
    drop_days: int = 5,
) -> Monitored:
    _org, phase, dept = org_phase_dept
    m = monitored_touchpoint(phase=phase, dept=dept, name=name)
    simulate(
        m, np.random.default_rng(seed), end=END, days=70, volume=30, drop=1.5, drop_days=drop_days
    )
    return m


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_celery")
def test_evaluating_twice_creates_each_alert_once(
    django_capture_on_commit_callbacks: object,
) -> None:
    # Given a touchpoint whose satisfaction dropped in the last days
    setup = organisation_with_department()
    m = dropping(setup, "Lieferung", 1)
    org = setup[0]

    # When the same day is evaluated twice, and then the following days
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        first = alerts_evaluate(day=END, organisation_ids=[org.pk])
        again = alerts_evaluate(day=END, organisation_ids=[org.pk])
        later = alerts_evaluate(day=END + timedelta(days=2), organisation_ids=[org.pk])

    # Then one alert exists, found again rather than created again, and mailed once
    alerts = list(Alert.objects.filter(touchpoint=m.touchpoint))
    assert len(first.created) == 1 and len(alerts) == 1
    assert again.created == () and again.existing + again.suppressed == first.breaches
    assert later.created == ()
    assert len(mail.outbox) == 1
    assert alerts[0].status == Alert.Status.OPEN
    assert alerts[0].organisation == org


@pytest.mark.django_db
def test_the_database_refuses_a_second_alert_for_the_same_breach() -> None:
    setup = organisation_with_department()
    m = dropping(setup, "Hotline", 2)
    alerts_evaluate(day=END, organisation_ids=[setup[0].pk])
    alert = Alert.objects.get(touchpoint=m.touchpoint)
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(
            organisation=alert.organisation,
            touchpoint=alert.touchpoint,
            rule=alert.rule,
            kpi=alert.kpi,
            direction="down",
            value=1.0,
            day=alert.day + timedelta(days=1),
            breach_start=alert.breach_start,
        )


@pytest.mark.django_db
def test_cooldown_mutes_other_rules_and_later_breaches_of_the_touchpoint() -> None:
    # Given a long drop that several rules see on several days
    setup = organisation_with_department()
    org = setup[0]
    m = dropping(setup, "Filiale", 3, drop_days=20)
    alert_rules_create_defaults(organisation=org)
    # A rule that raises a new breach (a new start) on every day of the drop
    AlertRule.objects.create(
        organisation=org,
        name="Tagesschwelle",
        kpi="satisfaction",
        condition="threshold",
        threshold=4.5,
        period_days=1,
        min_n=5,
        cooldown_days=7,
    )

    # When the drop's days are evaluated one after the other
    result = alerts_evaluate(day=END, days=20, organisation_ids=[org.pk])

    # Then alerts are at least a cooldown apart, and the muted breaches are counted
    days = sorted(Alert.objects.filter(touchpoint=m.touchpoint).values_list("day", flat=True))
    assert days, "the drop must alert"
    assert all((b - a).days >= 7 for a, b in itertools.pairwise(days))
    assert result.suppressed > 0
    assert len(days) <= 3


@pytest.mark.django_db
def test_an_organisation_without_rules_gets_the_defaults_once() -> None:
    org, _phase, _dept = organisation_with_department()
    assert not AlertRule.objects.filter(organisation=org).exists()
    alerts_evaluate(day=END, organisation_ids=[org.pk])
    alerts_evaluate(day=END, organisation_ids=[org.pk])
    names = list(AlertRule.objects.filter(organisation=org).values_list("name", flat=True))
    assert len(names) == 3
    # German organisation, German rule names
    assert any("Zufriedenheit" in name for name in names) or settings.LANGUAGE_CODE != "de"
    # A consultant who deactivated all rules is respected
    AlertRule.objects.filter(organisation=org).update(is_active=False)
    alerts_evaluate(day=END, organisation_ids=[org.pk])
    assert AlertRule.objects.filter(organisation=org, is_active=True).count() == 0


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_celery")
def test_webhook_is_retried_after_a_500_and_its_signature_verifies(
    django_capture_on_commit_callbacks: object,
) -> None:
    # Given a rule with a webhook endpoint whose server answers 500 once, then 200
    setup = organisation_with_department()
    org = setup[0]
    m = dropping(setup, "Rechnung", 4)
    with webhook_receiver([500, 200]) as server:
        endpoint = WebhookEndpoint.objects.create(
            organisation=org, name="Ticketsystem", url=receiver_url(server)
        )
        alert_rules_create_defaults(organisation=org)
        AlertRule.objects.filter(organisation=org).update(webhook=endpoint)

        # When the evaluation creates the alert (tasks run in-process, retries at once)
        with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
            result = alerts_evaluate(day=END, organisation_ids=[org.pk])

    # Then the receiver got two identical, validly signed bodies
    alert = Alert.objects.get(touchpoint=m.touchpoint)
    assert result.created == (alert.pk,)
    assert len(server.received) == 2
    for received in server.received:
        timestamp = received.headers["x-cx-timestamp"]
        expected = hmac.new(
            endpoint.secret.encode(), timestamp.encode() + b"." + received.body, hashlib.sha256
        ).hexdigest()
        assert received.headers["x-cx-signature"] == f"sha256={expected}"
        assert received.headers["content-type"] == "application/json"
    payload = json.loads(server.received[1].body)
    assert payload["alert_id"] == alert.pk
    assert payload["organisation"] == org.slug
    assert payload["touchpoint"] == m.touchpoint.public_key
    assert payload["kpi"] == "satisfaction" and payload["direction"] == "down"
    assert payload["value"] == pytest.approx(alert.value)
    assert payload["day"] == alert.day.isoformat()
    assert payload["link"] == (
        f"{settings.SITE_URL}/dashboard/?org={org.slug}&touchpoint={m.touchpoint.public_key}"
    )
    # A tampered body does not verify
    tampered = server.received[1].body.replace(b"satisfaction", b"nps")
    assert (
        webhook_signature(
            secret=endpoint.secret,
            timestamp=server.received[1].headers["x-cx-timestamp"],
            body=tampered,
        )
        != (server.received[1].headers["x-cx-signature"])
    )
    # and every attempt is recorded
    attempts = list(
        AlertDelivery.objects.filter(alert=alert, channel="webhook").order_by("attempt")
    )
    assert [(d.attempt, d.status, d.response_code) for d in attempts] == [
        (1, "failed", 500),
        (2, "sent", 200),
    ]


@pytest.mark.django_db
def test_webhook_timeouts_and_client_errors(django_capture_on_commit_callbacks: object) -> None:
    setup = organisation_with_department()
    org = setup[0]
    dropping(setup, "Chatbot", 5)
    alerts_evaluate(day=END, organisation_ids=[org.pk])
    alert = Alert.objects.get(organisation=org)
    with webhook_receiver([200], delay=1.5) as slow, webhook_receiver([404]) as wrong:
        endpoint = WebhookEndpoint.objects.create(
            organisation=org, name="langsam", url=receiver_url(slow)
        )
        AlertRule.objects.filter(pk=alert.rule_id).update(webhook=endpoint)
        # A slow receiver times out and is worth retrying
        timed_out = alert_webhook_deliver(alert_id=alert.pk, attempt=1, timeout=0.3)
        assert timed_out.status == "failed" and timed_out.retry
        # A 404 is not
        endpoint.url = receiver_url(wrong)
        endpoint.save()
        not_found = alert_webhook_deliver(alert_id=alert.pk, attempt=2)
        assert not_found.status == "failed" and not not_found.retry
        assert not_found.response_code == 404
        # The last attempt is never followed by another
        endpoint.url = receiver_url(slow)
        endpoint.save()
        assert not alert_webhook_deliver(alert_id=alert.pk, attempt=5, timeout=0.3).retry
    recorded = AlertDelivery.objects.filter(alert=alert, channel="webhook").order_by("attempt")
    assert [d.status for d in recorded] == ["failed", "failed", "failed"]
    assert "timed out" in recorded[0].error.lower()


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_celery")
@override_settings(EMAIL_BACKEND="tests.dashboards.monitoring.alerts_support.FailingEmailBackend")
def test_a_failing_mail_server_stops_neither_other_alerts_nor_webhooks(
    django_capture_on_commit_callbacks: object,
) -> None:
    # Given two touchpoints with drops, a webhook, and a mail server that refuses everything
    setup = organisation_with_department()
    org = setup[0]
    first = dropping(setup, "Lieferung", 6)
    second = dropping(setup, "Hotline", 7)
    with webhook_receiver([200, 200]) as server:
        endpoint = WebhookEndpoint.objects.create(
            organisation=org, name="Ticketsystem", url=receiver_url(server)
        )
        alert_rules_create_defaults(organisation=org)
        AlertRule.objects.filter(organisation=org).update(webhook=endpoint)

        # When the evaluation runs
        with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
            result = alerts_evaluate(day=END, organisation_ids=[org.pk])

    # Then both alerts exist and both webhooks were delivered
    alerts = list(Alert.objects.filter(organisation=org))
    assert {a.touchpoint_id for a in alerts} == {first.touchpoint.pk, second.touchpoint.pk}
    assert len(result.created) == 2
    assert len(server.received) == 2
    for alert in alerts:
        mails = AlertDelivery.objects.filter(alert=alert, channel="email").order_by("attempt")
        # Every mail attempt failed and was recorded, five times, with the server's answer
        assert [d.attempt for d in mails] == [1, 2, 3, 4, 5]
        assert {d.status for d in mails} == {"failed"}
        assert "421" in mails[0].error
        assert AlertDelivery.objects.get(alert=alert, channel="webhook").status == "sent"
    assert mail.outbox == []


@pytest.mark.django_db
def test_evaluate_alerts_command(capsys: pytest.CaptureFixture[str]) -> None:
    setup = organisation_with_department()
    dropping(setup, "Website", 8)
    call_command("evaluate_alerts", date=END.isoformat())
    assert "1" in capsys.readouterr().out
    assert Alert.objects.count() == 1
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("evaluate_alerts", date="30.06.2026")
    with pytest.raises(CommandError):
        call_command("evaluate_alerts", days=3)
    with pytest.raises(CommandError):
        call_command("evaluate_alerts", date=END.isoformat(), organisation="no-such-client")


def test_evaluate_alerts_bad_date_exits_non_zero() -> None:
    done = subprocess.run(
        [sys.executable, "manage.py", "evaluate_alerts", "--date", "2026-13-01"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "YYYY-MM-DD" in done.stderr


@pytest.mark.django_db
def test_default_rules_follow_the_organisation_language() -> None:
    org = Organisation.objects.create(name="Example Ltd", slug="example", default_language="en")
    rules = alert_rules_create_defaults(organisation=org)
    assert {r.kpi for r in rules} == {"satisfaction", "nps"}
    assert any(r.name.startswith("Satisfaction") for r in rules)


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_celery")
def test_lost_deliveries_are_queued_again() -> None:
    # Given an alert whose delivery tasks were lost (the broker was down after commit)
    setup = organisation_with_department(email="ops@example.org")
    dropping(setup, "Support-Mail", 9)
    result = alerts_evaluate(day=END, organisation_ids=[setup[0].pk])  # on_commit never ran
    alert = Alert.objects.get(pk=result.created[0])
    assert not AlertDelivery.objects.filter(alert=alert).exists()
    # When the next run heals (it waits a while, so as not to race a queued task)
    assert alert_deliveries_heal() == 0
    later = timezone.now() + timedelta(minutes=20)
    assert alert_deliveries_heal(now=later) == 1
    # Then the mail goes out once, and healing again changes nothing
    assert [m.to for m in mail.outbox] == [["ops@example.org"]]
    assert alert_deliveries_heal(now=later) == 0
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_the_running_day_is_evaluated_without_judging_its_volume() -> None:
    # Given a touchpoint with ordinary volume, a quiet yesterday, and a today only hours old
    org, phase, dept = organisation_with_department()
    m = monitored_touchpoint(phase=phase, dept=dept, name="Hotline")
    today = timezone.now().astimezone(org.tzinfo).date()
    rng = np.random.default_rng(10)
    simulate(m, rng, end=today - timedelta(days=2), days=68, volume=40, day_sd=0.0)
    simulate(m, rng, end=today, days=2, volume=3, day_sd=0.0)
    AlertRule.objects.create(
        organisation=org, name="Volumen", kpi="volume", condition="control_limits", min_n=0
    )
    # When the hourly run evaluates today, its low count is not judged
    assert alerts_evaluate(current_day=True, organisation_ids=[org.pk]).created == ()
    # while the same count on a finished day is a volume alert
    finished = alerts_evaluate(day=today - timedelta(days=1), organisation_ids=[org.pk])
    assert len(finished.created) == 1
    alert = Alert.objects.get()
    assert alert.limit is not None
    assert (alert.kpi, alert.direction, alert.value < alert.limit) == ("volume", "down", True)


@pytest.mark.django_db
def test_the_alert_mail_speaks_the_organisations_language() -> None:
    setup = organisation_with_department(email="delivery@example.org", language="en")
    m = dropping(setup, "Delivery", 11)
    result = alerts_evaluate(day=END, organisation_ids=[setup[0].pk])
    alert = Alert.objects.select_related("organisation", "touchpoint__department", "rule").get(
        pk=result.created[0]
    )
    message = alert_email_message(alert=alert)
    assert message.subject == "[cxmonitor] Delivery: satisfaction dropped"
    assert message.to == ["delivery@example.org"]
    assert "Open the dashboard for this touchpoint:" in message.body
    assert (
        f"{settings.SITE_URL}/dashboard/?org={setup[0].slug}&touchpoint={m.touchpoint.public_key}"
        in message.body
    )
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and '<html lang="en">' in str(html)
