"""Per-response sums of paired answers equal numpy over the raw responses, also in blocks."""

import random
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from dashboards.statistics.models import TouchpointBlock, TouchpointDay
from dashboards.statistics.services.aggregation import aggregate_range
from dashboards.statistics.services.response_sums import RESPONSE_SUMS
from tests import factories as f


def _expected(responses: list[list[tuple[int, int]]]) -> dict[str, int]:
    used = [r for r in responses if r]
    m = np.array([len(r) for r in used], dtype=np.int64)
    s = np.array([sum(p[1] for p in r) for r in used], dtype=np.int64)
    e = np.array([sum(p[0] for p in r) for r in used], dtype=np.int64)
    g = s - e
    return {
        "resp_paired": len(used),
        "resp_answers": int(m.sum()),
        "resp_sum_m2": int((m * m).sum()),
        "resp_sumsq_s": int((s * s).sum()),
        "resp_sum_ms": int((m * s).sum()),
        "resp_sumsq_e": int((e * e).sum()),
        "resp_sum_me": int((m * e).sum()),
        "resp_sumsq_gap": int((g * g).sum()),
        "resp_sum_mgap": int((m * g).sum()),
    }


@pytest.mark.django_db
def test_response_sums_equal_numpy_and_blocks_add_them_up() -> None:
    # Given responses with zero to three paired answers (some skip items) over 10 days
    tp = f.touchpoint()
    survey = f.survey(tp=tp, paired=3)
    items = list(survey.items.filter(kind="paired").order_by("order"))
    nps = survey.items.get(kind="nps")
    rng = random.Random(3)
    first = date(2026, 3, 2)
    per_day: dict[date, list[list[tuple[int, int]]]] = {}
    for offset in range(10):
        day = first + timedelta(days=offset)
        per_day[day] = []
        for _ in range(rng.randint(3, 9)):
            pairs = {
                i.pk: (rng.randint(1, 7), rng.randint(1, 7)) for i in items if rng.random() < 0.7
            }
            scores: dict[int, tuple[int, int] | int | str] = dict(pairs)
            scores[nps.pk] = rng.randint(0, 10)
            f.response(
                srv=survey,
                scores=scores,
                submitted_at=datetime(day.year, day.month, day.day, 11, tzinfo=UTC),
            )
            per_day[day].append(list(pairs.values()))
    # When the days are aggregated
    aggregate_range(start=first, end=first + timedelta(days=9))
    # Then each touchpoint-day holds the per-response sums
    for day, responses in per_day.items():
        row = TouchpointDay.objects.values(*RESPONSE_SUMS).get(touchpoint=tp, day=day)
        assert row == _expected(responses)
    # and an aligned block of 8 days holds the sum of its days
    block = TouchpointBlock.objects.filter(touchpoint=tp, size=8).values("start", *RESPONSE_SUMS)
    for row in block:
        days = [row["start"] + timedelta(days=i) for i in range(8)]
        expected = _expected([r for d in days for r in per_day.get(d, [])])
        assert {k: row[k] for k in RESPONSE_SUMS} == expected
    assert block.exists()
