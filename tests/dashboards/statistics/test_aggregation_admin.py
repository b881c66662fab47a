"""The daily statistics in admin: consultants may look, nobody may edit by hand."""

from datetime import UTC, date, datetime

import pytest
from django.test import Client

from dashboards.statistics.models import DailyStat
from dashboards.statistics.services.aggregation import aggregate_touchpoint_day
from tests import factories as f


@pytest.mark.django_db
def test_consultants_see_daily_statistics_read_only(client: Client) -> None:
    tp = f.touchpoint(name="Hotline")
    survey = f.survey(tp=tp, paired=1, nps=False, comment=False)
    f.response(
        srv=survey,
        scores={survey.items.get().pk: (6, 3)},
        submitted_at=datetime(2024, 5, 5, 9, tzinfo=UTC),
    )
    aggregate_touchpoint_day(touchpoint_id=tp.pk, day=date(2024, 5, 5))
    row = DailyStat.objects.get()
    client.force_login(f.consultant())

    listing = client.get("/admin/dashboards/dailystat/")
    assert listing.status_code == 200
    assert "Hotline" in listing.content.decode()
    assert client.get(f"/admin/dashboards/dailystat/{row.pk}/change/").status_code == 200
    assert client.get("/admin/dashboards/dailystat/add/").status_code == 403
    assert client.post(f"/admin/dashboards/dailystat/{row.pk}/delete/").status_code == 403
    assert client.get("/admin/dashboards/touchpointday/").status_code == 200
    assert client.get("/admin/dashboards/touchpointimportance/").status_code == 200


@pytest.mark.django_db
def test_managers_do_not_reach_the_statistics_admin(client: Client) -> None:
    client.force_login(f.manager(f.organisation()))
    response = client.get("/admin/dashboards/dailystat/")
    assert response.status_code in (302, 403)
