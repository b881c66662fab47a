"""The default rules on simulated touchpoints: few false alerts on stable series, one true alert
on a planted drop. Evaluated day by day over the whole period, as the nightly runs would."""

from collections import Counter
from datetime import date

import numpy as np
import pytest
from django.core import mail

from dashboards.monitoring.models import Alert, AlertRule
from dashboards.monitoring.services import DEFAULT_RULES, alerts_evaluate
from tests.dashboards.monitoring.alerts_support import (
    eager_celery,  # noqa: F401
    monitored_touchpoint,
    organisation_with_department,
    simulate,
)

END = date(2026, 6, 30)
DAYS = 90
VOLUMES = (5, 10, 20, 40, 80)


@pytest.mark.django_db
def test_stable_series_raise_at_most_one_false_alert_per_touchpoint(
    capsys: pytest.CaptureFixture[str], django_capture_on_commit_callbacks: object
) -> None:
    # Given 20 touchpoints with 90 stable days each (volumes from 5 to 80 answers a day,
    # day-to-day swings of 0.1 points) and the default rules
    rng = np.random.default_rng(2026)
    org, phase, dept = organisation_with_department()
    touchpoints = []
    for i in range(20):
        m = monitored_touchpoint(phase=phase, dept=dept, name=f"Stabil {i}")
        simulate(
            m,
            rng,
            end=END,
            days=DAYS,
            volume=VOLUMES[i % len(VOLUMES)],
            satisfaction=float(rng.uniform(4.0, 6.0)),
            nps_mean=float(rng.uniform(5.5, 8.5)),
        )
        touchpoints.append(m.touchpoint)

    # When every day is evaluated in turn
    result = alerts_evaluate(day=END, days=DAYS, organisation_ids=[org.pk])

    # Then the organisation got the default rules and no touchpoint has more than one alert
    assert AlertRule.objects.filter(organisation=org).count() == len(DEFAULT_RULES)
    per_touchpoint = Counter(
        Alert.objects.filter(organisation=org).values_list("touchpoint_id", flat=True)
    )
    total = sum(per_touchpoint.values())
    per_rule = Counter(Alert.objects.filter(organisation=org).values_list("rule__name", flat=True))
    with capsys.disabled():
        print(
            f"\nstable simulation: {len(touchpoints)} touchpoints x {DAYS} days: "
            f"{total} false alerts ({result.breaches} breach-days, {result.suppressed} in "
            f"cooldown); per rule {dict(per_rule)}"
        )
    assert max(per_touchpoint.values(), default=0) <= 1
    # and far fewer than one per touchpoint overall
    assert total <= 4
    assert len(result.created) == total


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_celery")
def test_a_planted_drop_alerts_once_and_reaches_the_owner(
    django_capture_on_commit_callbacks: object,
) -> None:
    # Given three stable touchpoints and one whose satisfaction drops 1.5 points for a week
    rng = np.random.default_rng(7)
    org, phase, dept = organisation_with_department(email="logistik@example.org")
    for _ in range(3):
        simulate(monitored_touchpoint(phase=phase, dept=dept), rng, end=END, days=DAYS, volume=30)
    falling = monitored_touchpoint(phase=phase, dept=dept, name="Lieferung")
    simulate(falling, rng, end=END, days=DAYS, volume=30, drop=1.5, drop_days=7)

    # When the last 14 days are evaluated in turn (deliveries run after commit)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        alerts_evaluate(day=END, days=14, organisation_ids=[org.pk])

    # Then exactly one alert names the falling touchpoint, sent once to the owner's address
    alerts = list(Alert.objects.filter(touchpoint=falling.touchpoint))
    assert len(alerts) == 1
    assert alerts[0].kpi == "satisfaction" and alerts[0].direction == "down"
    assert alerts[0].breach_start >= date(2026, 6, 24)
    sent = [m for m in mail.outbox if "Lieferung" in m.subject]
    assert len(sent) == 1 and sent[0].to == ["logistik@example.org"]
