"""Blocks of days: periods read as days plus blocks give exactly the sums of their days."""

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db.models import Sum
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboards.statistics.block_calendar import BLOCK_SIZES, block_start, period_units
from dashboards.statistics.models import DAILY_STAT_SUMS as STAT_SUMS
from dashboards.statistics.models import DailyStat, StatBlock, TouchpointBlock, TouchpointDay
from dashboards.statistics.selectors.kpis import kpi_rollup
from dashboards.statistics.services.aggregation import aggregate_range, aggregate_touchpoint_day
from tests import factories as f

FIRST = date(2024, 1, 1)
SPAN = 300


@given(st.dates(date(2000, 1, 1), date(2030, 1, 1)), st.integers(0, 800))
def test_period_units_cover_each_day_exactly_once(start: date, length: int) -> None:
    end = start + timedelta(days=length)
    units = period_units(start, end)
    covered: list[date] = []
    for first, last in units.days:
        covered += [first + timedelta(days=i) for i in range((last - first).days + 1)]
    for size, runs in units.blocks.items():
        for first, last in runs:
            assert first.toordinal() % size == 0 and (last - first).days % size == 0
            for block in range(0, (last - first).days + 1, size):
                covered += [first + timedelta(days=block + i) for i in range(size)]
    assert sorted(covered) == [start + timedelta(days=i) for i in range(length + 1)]
    assert len(covered) == len(set(covered))
    # At most 7 single days and 7 blocks of 8 at each end, plus the blocks of 64 between
    singles = sum((last - first).days + 1 for first, last in units.days)
    eights = sum((last - first).days // 8 + 1 for first, last in units.blocks.get(8, []))
    assert singles <= 14 and eights <= 14


def _direct(touchpoint_id: int, start: date, end: date) -> dict[int, dict[str, int]]:
    rows = (
        DailyStat.objects.filter(touchpoint_id=touchpoint_id, day__gte=start, day__lte=end)
        .values("item_id")
        .annotate(**{c: Sum(c) for c in STAT_SUMS})
    )
    return {row["item_id"]: {c: row[c] for c in STAT_SUMS} for row in rows}


@pytest.mark.django_db
def test_rollup_over_any_period_equals_the_sum_of_its_days() -> None:
    # Given one touchpoint with answers every third day over 300 days
    tp = f.touchpoint()
    survey = f.survey(tp=tp, paired=1, nps=True, comment=False)
    paired, nps = survey.items.order_by("order")
    for i in range(0, SPAN, 3):
        f.response(
            srv=survey,
            scores={paired.pk: (i % 7 + 1, (i // 3) % 7 + 1), nps.pk: i % 11},
            submitted_at=datetime.combine(FIRST + timedelta(days=i), time(12), UTC),
        )
    aggregate_range(start=FIRST, end=FIRST + timedelta(days=SPAN))

    # Then any period's rollup (days at the ends, blocks between) equals the sum of its days
    @settings(max_examples=80, deadline=None)
    @given(st.integers(0, SPAN - 1), st.integers(0, SPAN))
    def check(offset: int, length: int) -> None:
        start = FIRST + timedelta(days=offset)
        end = start + timedelta(days=min(length, SPAN - offset))
        (period,) = kpi_rollup(
            organisation_ids=[tp.phase.journey.organisation_id], start=start, end=end
        )
        expected = _direct(tp.pk, start, end)
        assert {item.item_id for item in period.items} == set(expected)
        for item in period.items:
            sums = item.paired or item.value
            assert sums is not None
            for column, value in expected[item.item_id].items():
                if hasattr(sums, column):
                    assert getattr(sums, column) == value, column
        responses = TouchpointDay.objects.filter(
            touchpoint=tp, day__gte=start, day__lte=end
        ).aggregate(total=Sum("responses"))["total"]
        assert period.responses == (responses or 0)

    check()


@pytest.mark.django_db
def test_blocks_follow_their_days_when_answers_change() -> None:
    tp = f.touchpoint()
    survey = f.survey(tp=tp, paired=1, nps=False, comment=False)
    item = survey.items.get()
    at = datetime(2024, 2, 20, 12, tzinfo=UTC)
    gone = f.response(srv=survey, scores={item.pk: (2, 6)}, submitted_at=at)
    f.response(srv=survey, scores={item.pk: (5, 5)}, submitted_at=at + timedelta(days=1))
    aggregate_range(start=date(2024, 2, 1), end=date(2024, 2, 28))

    def check() -> None:
        blocks: dict[tuple[int, date], int] = defaultdict(int)
        for day, n in DailyStat.objects.filter(touchpoint=tp).values_list("day", "n"):
            for size in BLOCK_SIZES:
                blocks[(size, block_start(day, size))] += n
        stored = {
            (b.size, b.start): b.n for b in StatBlock.objects.filter(touchpoint=tp, item=item)
        }
        assert stored == dict(blocks)

    check()
    gone.delete()
    aggregate_touchpoint_day(touchpoint_id=tp.pk, day=date(2024, 2, 20))
    check()
    assert StatBlock.objects.filter(touchpoint=tp, size=8).aggregate(t=Sum("n"))["t"] == 1
    assert (
        TouchpointBlock.objects.filter(touchpoint=tp, size=64).aggregate(t=Sum("responses"))["t"]
        == 1
    )
