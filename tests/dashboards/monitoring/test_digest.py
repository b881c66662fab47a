"""The weekly digest: significant movements, open alerts, follow-ups due; once a week, opt-in,
in the organisation's language."""

from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from scipy import stats

from dashboards.monitoring.models import Alert, DigestSubscription, FollowUp
from dashboards.monitoring.selectors.digest import digest_content_for
from dashboards.monitoring.services import (
    alert_rules_create_defaults,
    digest_send,
    digest_subscribe,
)
from dashboards.monitoring.tasks import digest_send_weekly
from tests import factories
from tests.dashboards.monitoring.alerts_support import (
    eager_celery,  # noqa: F401
    monitored_touchpoint,
    organisation_with_department,
    simulate,
)

WEEK_END = date(2026, 6, 28)  # a Sunday


def setup_client(language: str = "de") -> dict[str, Any]:
    org, phase, dept = organisation_with_department(language=language)
    falling = monitored_touchpoint(phase=phase, dept=dept, name="Lieferung")
    steady = monitored_touchpoint(phase=phase, dept=dept, name="Website")
    rng = np.random.default_rng(12)
    sim = simulate(
        falling, rng, end=WEEK_END, days=14, volume=40, satisfaction=5.5, drop=1.0, drop_days=7
    )
    simulate(steady, rng, end=WEEK_END, days=14, volume=40, satisfaction=5.0, day_sd=0.0)
    alert = Alert.objects.create(
        organisation=org,
        touchpoint=falling.touchpoint,
        rule=alert_rules_create_defaults(organisation=org)[0],
        kpi="satisfaction",
        direction="down",
        value=4.5,
        expected=5.5,
        limit=5.2,
        n=200,
        day=WEEK_END - timedelta(days=5),
        breach_start=WEEK_END - timedelta(days=6),
    )
    response = factories.response(srv=falling.survey, scores={falling.nps.pk: 2})
    FollowUp.objects.create(
        response=response,
        organisation=org,
        touchpoint=falling.touchpoint,
        department=dept,
        nps=2,
        due_date=WEEK_END + timedelta(days=1),
    )
    manager = factories.manager(org)
    manager.email = "leitung@example.org"
    manager.save()
    return {"org": org, "manager": manager, "alert": alert, "sim": sim, "falling": falling}


@pytest.mark.django_db
def test_digest_content_equals_a_computation_on_the_raw_answers() -> None:
    data = setup_client()
    content = digest_content_for(user=data["manager"], week_end=WEEK_END)
    assert content.week_start == WEEK_END - timedelta(days=6)
    # Lieferung's drop is a significant movement; the steady Website is not
    satisfaction = [m for m in content.movements if m.kpi == "satisfaction"]
    assert [m.touchpoint_name for m in satisfaction] == ["Lieferung"]
    raw = data["sim"].raw
    before = np.concatenate([raw[d].s for d in sorted(raw) if d <= WEEK_END - timedelta(7)])
    after = np.concatenate([raw[d].s for d in sorted(raw) if d > WEEK_END - timedelta(7)])
    assert satisfaction[0].diff == pytest.approx(after.mean() - before.mean(), abs=1e-9)
    welch = stats.ttest_ind(after, before, equal_var=False)
    assert satisfaction[0].p_value == pytest.approx(welch.pvalue, rel=1e-6)
    assert satisfaction[0].direction == "down"
    assert [a.id for a in content.open_alerts] == [data["alert"].pk]
    assert len(content.followups_due) == 1 and content.followups_due_total == 1


@pytest.mark.django_db
def test_digest_is_sent_once_per_week_in_german() -> None:
    data = setup_client("de")
    digest_subscribe(user=data["manager"], active=True)

    assert digest_send(user_id=data["manager"].pk, week_end=WEEK_END) is True
    assert digest_send(user_id=data["manager"].pk, week_end=WEEK_END) is False

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["leitung@example.org"]
    assert message.subject == "[cxmonitor] Wochenüberblick, 2026-06-22 bis 2026-06-28"
    assert "Lieferung" in message.body and "Zufriedenheit" in message.body
    assert "Lieferung: Zufriedenheit gesunken" in message.body
    assert "Fällige Nachfassaktionen" in message.body
    assert isinstance(message, EmailMultiAlternatives)
    html = str(message.alternatives[0][0])
    assert "Größte Veränderungen gegenüber der Vorwoche" in html
    assert DigestSubscription.objects.get(user=data["manager"]).last_week_end == WEEK_END


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_celery")
def test_weekly_task_sends_to_subscribers_only_in_their_language() -> None:
    data = setup_client("en")
    other = factories.manager(data["org"])
    other.email = "other@example.org"
    other.save()
    digest_subscribe(user=data["manager"], active=True)
    digest_subscribe(user=other, active=False)

    assert digest_send_weekly.apply(kwargs={"week_end": WEEK_END.isoformat()}).get() == 1
    assert [m.to for m in mail.outbox] == [["leitung@example.org"]]
    assert mail.outbox[0].subject.startswith("[cxmonitor] Weekly digest")
    assert "Top movements" in mail.outbox[0].body
    # The next run of the same week sends nothing more
    assert digest_send_weekly.apply(kwargs={"week_end": WEEK_END.isoformat()}).get() == 0
    assert len(mail.outbox) == 1
