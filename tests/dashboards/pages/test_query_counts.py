"""The number of queries per page does not grow with touchpoints or days."""

import zoneinfo
from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboards.statistics.services.importance import importance_refresh
from tests import factories as f
from tests.dashboards.pages.pages_data import build

# Periods chosen so that every setup below has data in the period and in the one before (7
# days) or in neither previous period (90 days): the rollup skips its item query when a period
# holds no statistics at all, which is about presence, not size.
PAGES = [
    ("/dashboard/", {"period": "7"}),
    ("/dashboard/", {"period": "90"}),
    ("/dashboard/analysis/", {"period": "7"}),
    ("/dashboard/analysis/", {"period": "90"}),
    ("/dashboard/export.csv", {"period": "7"}),
    ("/dashboard/export.xlsx", {"period": "90"}),
]
PARTIALS = [
    ("lag-explorer", {"period": "7"}),
    ("trend", {"period": "7"}),
    ("comments", {"period": "7"}),
    ("correlations", {"period": "7"}),
    ("segments-body", {"period": "7"}),
]


def today() -> date:
    return timezone.now().astimezone(zoneinfo.ZoneInfo("Europe/Berlin")).date()


def counts(touchpoints: int, days: int) -> dict[str, int]:
    built = build(touchpoints=touchpoints, days=days, per_day=2, end=today() - timedelta(days=1))
    importance_refresh(organisation_id=built.org.pk, end=built.end, days=90)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(f.manager(built.org))
    client.get("/dashboard/")  # session and first-request work out of the way
    out: dict[str, int] = {}
    for path, params in PAGES:
        cache.clear()  # count the full computation, not a cache hit
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, params)
        assert response.status_code == 200
        out[f"{path}{params}"] = len(queries)
    for target, params in PARTIALS:
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(
                "/dashboard/analysis/", params, HTTP_HX_REQUEST="true", HTTP_HX_TARGET=target
            )
        assert response.status_code == 200
        out[target] = len(queries)
    return out


@pytest.mark.django_db
def test_queries_stay_flat_as_touchpoints_and_days_grow() -> None:
    small = counts(touchpoints=3, days=10)
    more_touchpoints = counts(touchpoints=12, days=10)
    more_days = counts(touchpoints=3, days=60)
    print("query counts", small)
    assert small == more_touchpoints
    assert small == more_days
    # And the pages stay small in absolute terms (the analysis page has 22: its comment themes,
    # "why?" reasons and "not experienced" sections read one or two rows sets each).
    assert max(small.values()) <= 24, small
