"""Alerts and follow-ups show times in each organisation's time zone, as the dashboard does."""

from datetime import UTC, date, datetime

import pytest
from django.contrib.auth.models import User
from django.test import Client

from dashboards.models import Alert, AlertComment, FollowUp
from surveys.models import Item
from tests import factories
from tests.dashboards.monitoring.test_alerts_views import make_alert

pytestmark = pytest.mark.django_db

MOMENT = datetime(2026, 7, 1, 6, 16, tzinfo=UTC)  # 08:16 in Berlin, 02:16 in New York


def _client(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    client.force_login(user)
    return client


def test_alert_times_are_in_each_organisations_time_zone() -> None:
    berlin = factories.organisation(name="Berlin GmbH")
    new_york = factories.organisation(name="NY Inc", time_zone="America/New_York")
    user = factories.consultant()
    for org in (berlin, new_york):
        alert = make_alert(org, name=f"Lieferung {org.slug}")
        Alert.objects.filter(pk=alert.pk).update(acknowledged_at=MOMENT, acknowledged_by=user)
        comment = AlertComment.objects.create(alert=alert, author=user, text="Kümmere mich.")
        AlertComment.objects.filter(pk=comment.pk).update(created_at=MOMENT)

    page = _client(user).get("/dashboard/alerts/?status=all").content.decode()

    berlin_card = page[page.index("<dd>Berlin GmbH") :]
    berlin_card = berlin_card[: berlin_card.index("</article>")]
    assert berlin_card.count("01.07.2026 08:16") == 2 and "06:16" not in berlin_card
    ny_card = page[page.index("<dd>NY Inc") :]
    ny_card = ny_card[: ny_card.index("</article>")]
    assert ny_card.count("01.07.2026 02:16") == 2 and "06:16" not in ny_card


def test_follow_up_times_are_in_the_organisations_time_zone() -> None:
    org = factories.organisation()
    tp = factories.touchpoint(org=org, name="Hotline")
    survey = factories.survey(tp=tp, paired=1)
    nps = survey.items.get(kind=Item.Kind.NPS)
    response = factories.response(srv=survey, scores={nps.pk: 2}, submitted_at=MOMENT)
    user = factories.manager(org)
    FollowUp.objects.create(
        response=response,
        organisation=org,
        touchpoint=tp,
        department=tp.department,
        nps=2,
        due_date=date(2026, 7, 3),
        status=FollowUp.Status.CONTACTED,
        contacted_by=user,
        contacted_at=MOMENT,
    )

    page = _client(user).get(f"/dashboard/followups/?org={org.slug}&status=all").content.decode()

    assert page.count("01.07.2026 08:16") == 2
    assert "06:16" not in page
