"""Property: aggregating day by day, in any batches and order, equals aggregating all at once."""

import itertools
import random
import zoneinfo
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboards.statistics.models import DailyStat, TouchpointDay
from dashboards.statistics.services.aggregation import aggregate_range, aggregate_touchpoint_day
from tests import factories as f

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
# Four local days around the spring DST change, in UTC minutes.
ORIGIN = datetime(2024, 3, 29, 0, 0, tzinfo=UTC)
SPAN_MINUTES = 4 * 24 * 60

answer = st.tuples(
    st.integers(0, SPAN_MINUTES - 1),  # submitted at, minutes after ORIGIN
    st.tuples(st.integers(1, 7), st.integers(1, 7)),  # first paired item
    st.none() | st.tuples(st.integers(1, 7), st.integers(1, 7)),  # second, optional
    st.none() | st.integers(0, 10),  # NPS, optional
)
COLUMNS = (
    "n",
    "sum_e",
    "sum_s",
    "sumsq_e",
    "sumsq_s",
    "sum_es",
    "sum_gap",
    "sumsq_gap",
    "top2_e",
    "top2_s",
    "sum_v",
    "sumsq_v",
    "top2_v",
    "promoters",
    "passives",
    "detractors",
)


def _state(touchpoint_id: int) -> tuple[dict[Any, Any], dict[Any, Any]]:
    stats = {
        (r["item_id"], r["day"]): {k: r[k] for k in (*COLUMNS, "hist_e", "hist_s", "hist_v")}
        for r in DailyStat.objects.filter(touchpoint_id=touchpoint_id).values(
            "item_id", "day", *COLUMNS, "hist_e", "hist_s", "hist_v"
        )
    }
    days = {
        r["day"]: (r["responses"], r["comments"], r["linked"])
        for r in TouchpointDay.objects.filter(touchpoint_id=touchpoint_id).values()
    }
    return stats, days


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    answers=st.lists(answer, min_size=1, max_size=25),
    cuts=st.lists(st.integers(0, 25), max_size=4),
    seed=st.integers(0, 2**16),
)
def test_batches_in_any_order_sum_to_the_whole(
    answers: list[Any], cuts: list[int], seed: int
) -> None:
    # Given a fresh touchpoint with two paired items and an NPS item
    tp = f.touchpoint()
    survey = f.survey(tp=tp, paired=2, nps=True, comment=False)
    first, second, nps = survey.items.order_by("order")
    rng = random.Random(seed)
    order = list(range(len(answers)))
    rng.shuffle(order)
    bounds = sorted({0, len(order), *(min(c, len(order)) for c in cuts)})

    # When the answers arrive in random batches and, after each batch, the touched
    # touchpoint-days are recomputed one by one in a random order
    for low, high in itertools.pairwise(bounds):
        touched = set()
        for index in order[low:high]:
            minute, pair, other, value = answers[index]
            at = ORIGIN + timedelta(minutes=minute)
            scores: dict[int, Any] = {first.pk: pair}
            if other is not None:
                scores[second.pk] = other
            if value is not None:
                scores[nps.pk] = value
            f.response(srv=survey, scores=scores, submitted_at=at)
            touched.add(at.astimezone(BERLIN).date())
        for day in rng.sample(sorted(touched), len(touched)):
            aggregate_touchpoint_day(touchpoint_id=tp.pk, day=day)
    incremental = _state(tp.pk)

    # Then recomputing everything at once from nothing gives the same rows
    DailyStat.objects.filter(touchpoint=tp).delete()
    TouchpointDay.objects.filter(touchpoint=tp).delete()
    aggregate_range(start=date(2024, 3, 28), end=date(2024, 4, 2), organisation_id=None)
    assert _state(tp.pk) == incremental

    # And summing the days equals numpy over all the raw answers
    stats = incremental[0]
    e = np.array([a[1][0] for a in answers] + [a[2][0] for a in answers if a[2]], dtype=np.int64)
    s = np.array([a[1][1] for a in answers] + [a[2][1] for a in answers if a[2]], dtype=np.int64)
    paired_rows = [r for (item, _), r in stats.items() if item in (first.pk, second.pk)]
    assert sum(r["n"] for r in paired_rows) == e.size
    assert sum(r["sum_es"] for r in paired_rows) == int((e * s).sum())
    assert sum(r["sumsq_gap"] for r in paired_rows) == int(((s - e) ** 2).sum())
    values = np.array([a[3] for a in answers if a[3] is not None], dtype=np.int64)
    nps_rows = [r for (item, _), r in stats.items() if item == nps.pk]
    assert sum(r["sumsq_v"] for r in nps_rows) == int((values * values).sum())
    assert sum(r["promoters"] for r in nps_rows) == int((values >= 9).sum())
    histogram = np.sum([r["hist_v"] for r in nps_rows], axis=0) if nps_rows else np.zeros(11)
    assert list(histogram) == list(np.bincount(values, minlength=11))
    per_day: dict[date, int] = defaultdict(int)
    for minute, *_ in answers:
        per_day[(ORIGIN + timedelta(minutes=minute)).astimezone(BERLIN).date()] += 1
    assert {d: v[0] for d, v in incremental[1].items()} == dict(per_day)
