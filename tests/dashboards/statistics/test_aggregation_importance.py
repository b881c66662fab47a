"""Derived importance: the linked input (one query) and the stored nightly result."""

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cxmonitor.days import utc_bounds
from dashboards.statistics.models import TouchpointImportance
from dashboards.statistics.selectors.importance import importance_for, linked_satisfaction_nps
from dashboards.statistics.services.aggregation import aggregate_range
from dashboards.statistics.services.importance import importance_refresh
from tests import factories as f

END = date(2024, 6, 30)


@pytest.mark.django_db
def test_linked_input_and_stored_importance_match_numpy() -> None:
    # Given two touchpoints: 40 customers answer at the first (satisfaction drives their NPS),
    # a few at the second; plus answers without a customer key and one before the period
    rng = random.Random(5)
    org = f.organisation()
    strong, weak = f.touchpoint(org=org, name="Hotline"), f.touchpoint(org=org, name="Website")
    s_strong = f.survey(tp=strong, paired=2, nps=True, comment=False)
    s_weak = f.survey(tp=weak, paired=1, nps=True, comment=False)
    a, b, strong_nps = s_strong.items.order_by("order")
    c, weak_nps = s_weak.items.order_by("order")
    satisfaction: dict[tuple[int, str], list[int]] = defaultdict(list)
    loyalty: dict[str, list[int]] = defaultdict(list)
    base = datetime(2024, 6, 1, 10, tzinfo=UTC)
    for i in range(40):
        key = f"customer-{i}"
        for visit in range(2):
            sat_a, sat_b = rng.randint(1, 7), rng.randint(1, 7)
            value = max(0, min(10, sat_a + sat_b - 4 + rng.randint(-1, 1)))
            f.response(
                srv=s_strong,
                scores={a.pk: (4, sat_a), b.pk: (4, sat_b), strong_nps.pk: value},
                submitted_at=base + timedelta(days=visit * 10, hours=i % 8),
                customer_key=key,
            )
            satisfaction[(strong.pk, key)] += [sat_a, sat_b]
            loyalty[key].append(value)
        if i % 8 == 0:
            sat = rng.randint(1, 7)
            f.response(
                srv=s_weak,
                scores={c.pk: (5, sat), weak_nps.pk: 5},
                submitted_at=base + timedelta(days=3),
                customer_key=key,
            )
            satisfaction[(weak.pk, key)].append(sat)
            loyalty[key].append(5)
    f.response(srv=s_strong, scores={a.pk: (1, 1), strong_nps.pk: 0}, submitted_at=base)
    f.response(
        srv=s_strong,
        scores={a.pk: (1, 1), strong_nps.pk: 0},
        submitted_at=datetime(2024, 1, 1, tzinfo=UTC),
        customer_key="customer-1",
    )
    aggregate_range(start=date(2024, 3, 1), end=END)

    # When the linked input is read (one query) ...
    lower, upper = utc_bounds(tz=org.tzinfo, start=END - timedelta(days=89), end=END)
    with CaptureQueriesContext(connection) as captured:
        rows = linked_satisfaction_nps(organisation_id=org.pk, lower=lower, upper=upper)
    assert len(captured.captured_queries) == 1
    # ... it holds each customer's mean satisfaction there and their mean NPS everywhere
    got = {(r.touchpoint_id, r.customer_key): (r.satisfaction, r.nps) for r in rows}
    assert set(got) == set(satisfaction)
    for (tp, key), values in satisfaction.items():
        assert got[(tp, key)][0] == pytest.approx(np.mean(values), abs=1e-9)
        assert got[(tp, key)][1] == pytest.approx(np.mean(loyalty[key]), abs=1e-9)

    # When the nightly refresh runs
    refresh = importance_refresh(organisation_id=org.pk, end=END)

    # Then the strong touchpoint uses linked customers and its r equals numpy's
    assert refresh.methods["linked"] == 1
    stored = {row.touchpoint_id: row for row in TouchpointImportance.objects.all()}
    keys = sorted(k for tp, k in satisfaction if tp == strong.pk)
    x = [np.mean(satisfaction[(strong.pk, k)]) for k in keys]
    y = [np.mean(loyalty[k]) for k in keys]
    assert stored[strong.pk].method == "linked"
    assert stored[strong.pk].linked == 40
    assert stored[strong.pk].r == pytest.approx(float(np.corrcoef(x, y)[0, 1]), abs=1e-9)
    strong_r = stored[strong.pk].r
    assert strong_r is not None
    assert strong_r > 0.5
    assert stored[weak.pk].method in ("daily", "none")
    assert stored[strong.pk].period_start == END - timedelta(days=89)

    # And the pages read the stored rows
    listed = importance_for(organisation_ids=[org.pk])
    assert {row.public_key for row in listed} == {strong.public_key, weak.public_key}
    hotline = next(row for row in listed if row.touchpoint_id == strong.pk)
    assert hotline.r is not None
    assert hotline.ci is not None and hotline.ci[0] < hotline.r < hotline.ci[1]

    # A second refresh replaces, never duplicates
    importance_refresh(organisation_id=org.pk, end=END)
    assert TouchpointImportance.objects.filter(organisation=org).count() == 2
