"""Aggregation: daily statistics equal sums over the raw answers, by local day, idempotently."""

import random
import zoneinfo
from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cxmonitor.days import utc_bounds
from dashboards.statistics.models import DailyStat, TouchpointDay
from dashboards.statistics.services.aggregation import aggregate_range, aggregate_touchpoint_day
from surveys.models import Answer, Item, Response
from tests import factories as f

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
PAIRED_COLUMNS = ("n", "sum_e", "sum_s", "sumsq_e", "sumsq_s", "sum_es", "sum_gap", "sumsq_gap")


def _rows(touchpoint_id: int) -> dict[tuple[int, date], Mapping[str, Any]]:
    return {
        (row["item_id"], row["day"]): row
        for row in DailyStat.objects.filter(touchpoint_id=touchpoint_id).values()
    }


def _expected_paired(pairs: list[tuple[int, int]], scale: tuple[int, int]) -> dict[str, Any]:
    e = np.array([p[0] for p in pairs], dtype=np.int64)
    s = np.array([p[1] for p in pairs], dtype=np.int64)
    low, high = scale
    return {
        "n": len(pairs),
        "sum_e": int(e.sum()),
        "sum_s": int(s.sum()),
        "sumsq_e": int((e * e).sum()),
        "sumsq_s": int((s * s).sum()),
        "sum_es": int((e * s).sum()),
        "sum_gap": int((s - e).sum()),
        "sumsq_gap": int(((s - e) ** 2).sum()),
        "top2_e": int((e >= high - 1).sum()),
        "top2_s": int((s >= high - 1).sum()),
        "hist_e": np.bincount(e - low, minlength=high - low + 1).tolist(),
        "hist_s": np.bincount(s - low, minlength=high - low + 1).tolist(),
    }


def _expected_values(values: list[int], *, nps: bool, scale: tuple[int, int]) -> dict[str, Any]:
    v = np.array(values, dtype=np.int64)
    low, high = (0, 10) if nps else scale
    return {
        "n": len(values),
        "sum_v": int(v.sum()),
        "sumsq_v": int((v * v).sum()),
        "top2_v": int((v >= high - 1).sum()),
        "hist_v": np.bincount(v - low, minlength=high - low + 1).tolist(),
        "promoters": int((v >= 9).sum()) if nps else 0,
        "passives": int(((v >= 7) & (v <= 8)).sum()) if nps else 0,
        "detractors": int((v <= 6).sum()) if nps else 0,
    }


@pytest.mark.django_db
def test_daily_columns_equal_numpy_sums_of_the_raw_answers() -> None:
    # Given a survey with two paired items on 1..5, an NPS item, an overall item and a comment,
    # and 120 random responses over three local days
    tp = f.touchpoint()
    survey = f.survey(tp=tp, paired=2, scale=(1, 5))
    overall = Item.objects.create(
        survey=survey, kind=Item.Kind.OVERALL, label_de="Gesamt", label_en="Overall", order=10
    )
    paired_items = list(survey.items.filter(kind=Item.Kind.PAIRED))
    nps_item = survey.items.get(kind=Item.Kind.NPS)
    comment_item = survey.items.get(kind=Item.Kind.COMMENT)
    rng = random.Random(7)
    raw: dict[tuple[int, date], list[Any]] = defaultdict(list)
    responses_per_day: dict[date, int] = defaultdict(int)
    comments_per_day: dict[date, int] = defaultdict(int)
    linked_per_day: dict[date, int] = defaultdict(int)
    start = datetime(2024, 5, 1, 0, 0, tzinfo=UTC)
    for i in range(120):
        at = start + timedelta(minutes=rng.randrange(3 * 24 * 60))
        day = at.astimezone(BERLIN).date()
        scores: dict[int, Any] = {}
        for item in paired_items:
            pair = (rng.randint(1, 5), rng.randint(1, 5))
            scores[item.pk] = pair
            raw[(item.pk, day)].append(pair)
        value = rng.randint(0, 10)
        scores[nps_item.pk] = value
        raw[(nps_item.pk, day)].append(value)
        if i % 3:
            level = rng.randint(1, 5)
            scores[overall.pk] = level
            raw[(overall.pk, day)].append(level)
        if i % 4 == 0:
            scores[comment_item.pk] = f"comment {i}"
            comments_per_day[day] += 1
        key = f"customer-{i % 7}" if i % 2 else None
        linked_per_day[day] += key is not None
        responses_per_day[day] += 1
        f.response(srv=survey, scores=scores, submitted_at=at, customer_key=key)

    # When the whole range is aggregated
    written = aggregate_range(start=date(2024, 4, 30), end=date(2024, 5, 4))

    # Then every column equals the numpy sums, exactly, and nothing else was stored
    rows = _rows(tp.pk)
    assert written == len(raw) == len(rows)
    for (item_id, day), values in raw.items():
        row = rows[(item_id, day)]
        if item_id == nps_item.pk:
            expected = _expected_values(values, nps=True, scale=(1, 5))
        elif item_id == overall.pk:
            expected = _expected_values(values, nps=False, scale=(1, 5))
        else:
            expected = _expected_paired(values, (1, 5))
            assert row["hist_v"] == [] and row["sum_v"] == 0
        for column, value in expected.items():
            assert row[column] == value, (item_id, day, column)
    days = {d.day: d for d in TouchpointDay.objects.filter(touchpoint=tp)}
    assert {d: days[d].responses for d in days} == dict(responses_per_day)
    assert {d: days[d].comments for d in days} == {d: comments_per_day[d] for d in days}
    assert {d: days[d].linked for d in days} == {d: linked_per_day[d] for d in days}


@pytest.mark.django_db
def test_local_days_follow_berlin_daylight_saving_changes() -> None:
    # Given answers just before and after local midnight around both DST changes of 2024
    tp = f.touchpoint()
    survey = f.survey(tp=tp, paired=1, nps=False, comment=False)
    item = survey.items.get()
    moments = {
        datetime(2024, 3, 30, 22, 59, 59, tzinfo=UTC): date(2024, 3, 30),  # 23:59:59 CET
        datetime(2024, 3, 30, 23, 0, 0, tzinfo=UTC): date(2024, 3, 31),  # 00:00 CET
        datetime(2024, 3, 31, 1, 0, 0, tzinfo=UTC): date(2024, 3, 31),  # 03:00 CEST (02:xx skipped)
        datetime(2024, 3, 31, 21, 59, 59, tzinfo=UTC): date(2024, 3, 31),  # 23:59:59 CEST
        datetime(2024, 3, 31, 22, 0, 0, tzinfo=UTC): date(2024, 4, 1),  # 00:00 CEST
        datetime(2024, 10, 26, 22, 0, 0, tzinfo=UTC): date(2024, 10, 27),  # 00:00 CEST
        datetime(2024, 10, 27, 0, 30, 0, tzinfo=UTC): date(2024, 10, 27),  # 02:30 CEST
        datetime(2024, 10, 27, 1, 30, 0, tzinfo=UTC): date(2024, 10, 27),  # 02:30 CET (again)
        datetime(2024, 10, 27, 22, 59, 59, tzinfo=UTC): date(2024, 10, 27),  # 23:59:59 CET
        datetime(2024, 10, 27, 23, 0, 0, tzinfo=UTC): date(2024, 10, 28),  # 00:00 CET
    }
    for at in moments:
        f.response(srv=survey, scores={item.pk: (2, 3)}, submitted_at=at)
    expected: dict[date, int] = defaultdict(int)
    for day in moments.values():
        expected[day] += 1

    # When each local day is aggregated on its own
    for day in expected:
        aggregate_touchpoint_day(touchpoint_id=tp.pk, day=day)

    # Then the counts per day follow the local calendar (23- and 25-hour days included)
    stored = dict(DailyStat.objects.filter(touchpoint=tp).values_list("day", "n"))
    assert stored == dict(expected)
    assert utc_bounds(tz=BERLIN, start=date(2024, 3, 31), end=date(2024, 3, 31)) == (
        datetime(2024, 3, 30, 23, tzinfo=UTC),
        datetime(2024, 3, 31, 22, tzinfo=UTC),
    )
    lower, upper = utc_bounds(tz=BERLIN, start=date(2024, 10, 27), end=date(2024, 10, 27))
    assert upper - lower == timedelta(hours=25)

    # And a range over the same days gives the same rows
    DailyStat.objects.all().delete()
    aggregate_range(start=date(2024, 3, 29), end=date(2024, 10, 29), organisation_id=None)
    assert dict(DailyStat.objects.filter(touchpoint=tp).values_list("day", "n")) == dict(expected)


@pytest.mark.django_db
def test_a_day_is_recomputed_without_touching_its_neighbours() -> None:
    # Given answers on two adjacent local days and stored statistics for both
    tp = f.touchpoint()
    survey = f.survey(tp=tp, paired=1, nps=False, comment=False)
    item = survey.items.get()
    f.response(
        srv=survey, scores={item.pk: (1, 2)}, submitted_at=datetime(2024, 6, 1, 21, tzinfo=UTC)
    )
    f.response(
        srv=survey, scores={item.pk: (3, 4)}, submitted_at=datetime(2024, 6, 1, 22, tzinfo=UTC)
    )
    aggregate_range(start=date(2024, 6, 1), end=date(2024, 6, 2))
    before = _rows(tp.pk)
    # When a new answer arrives for 1 June (local) and only that day is recomputed
    f.response(
        srv=survey, scores={item.pk: (5, 5)}, submitted_at=datetime(2024, 6, 1, 6, tzinfo=UTC)
    )
    aggregate_touchpoint_day(touchpoint_id=tp.pk, day=date(2024, 6, 1))
    # Then 1 June holds both answers and 2 June (22:00 UTC = midnight in Berlin) is unchanged
    after = _rows(tp.pk)
    assert after[(item.pk, date(2024, 6, 1))]["n"] == 2
    assert after[(item.pk, date(2024, 6, 1))]["sum_e"] == 6
    assert after[(item.pk, date(2024, 6, 2))] == before[(item.pk, date(2024, 6, 2))]


@pytest.mark.django_db
def test_rows_whose_answers_are_gone_are_removed() -> None:
    tp = f.touchpoint()
    survey = f.survey(tp=tp, paired=2, nps=True, comment=True)
    first, second, nps, comment = survey.items.order_by("order")
    day_at = datetime(2024, 2, 10, 12, tzinfo=UTC)
    kept = f.response(
        srv=survey, scores={first.pk: (4, 5), nps.pk: 10, comment.pk: "fine"}, submitted_at=day_at
    )
    dropped = f.response(srv=survey, scores={second.pk: (2, 2), nps.pk: 3}, submitted_at=day_at)
    day = date(2024, 2, 10)
    aggregate_touchpoint_day(touchpoint_id=tp.pk, day=day)
    assert set(DailyStat.objects.values_list("item_id", flat=True)) == {first.pk, second.pk, nps.pk}
    assert TouchpointDay.objects.get(touchpoint=tp, day=day).responses == 2

    # When one response is deleted, the second item's row goes and the NPS row shrinks
    dropped.delete()
    aggregate_touchpoint_day(touchpoint_id=tp.pk, day=day)
    rows = {r.item_id: r for r in DailyStat.objects.filter(touchpoint=tp)}
    assert set(rows) == {first.pk, nps.pk}
    assert (rows[nps.pk].n, rows[nps.pk].promoters, rows[nps.pk].detractors) == (1, 1, 0)
    assert TouchpointDay.objects.get(touchpoint=tp, day=day).responses == 1

    # When the last response is deleted too, nothing is left for that day
    Answer.objects.filter(response=kept).delete()
    Response.objects.filter(pk=kept.pk).delete()
    assert aggregate_touchpoint_day(touchpoint_id=tp.pk, day=day) == 0
    assert not DailyStat.objects.filter(touchpoint=tp).exists()
    assert not TouchpointDay.objects.filter(touchpoint=tp).exists()


@pytest.mark.django_db
def test_aggregating_twice_changes_nothing_and_other_touchpoints_are_untouched() -> None:
    tp, other = f.touchpoint(), f.touchpoint()
    survey, other_survey = f.survey(tp=tp), f.survey(tp=other)
    at = datetime(2024, 1, 15, 9, tzinfo=UTC)
    for s in (survey, other_survey):
        item = s.items.filter(kind=Item.Kind.PAIRED).first()
        assert item is not None
        f.response(srv=s, scores={item.pk: (3, 6)}, submitted_at=at)
    aggregate_range(start=date(2024, 1, 15), end=date(2024, 1, 15))
    first = {
        r["id"]: {k: v for k, v in r.items() if k != "computed_at"}
        for r in DailyStat.objects.values()
    }
    other_before = list(DailyStat.objects.filter(touchpoint=other).values())

    aggregate_touchpoint_day(touchpoint_id=tp.pk, day=date(2024, 1, 15))
    aggregate_touchpoint_day(touchpoint_id=tp.pk, day=date(2024, 1, 15))

    second = {
        r["id"]: {k: v for k, v in r.items() if k != "computed_at"}
        for r in DailyStat.objects.values()
    }
    assert second == first  # same rows, same ids: updated in place
    assert list(DailyStat.objects.filter(touchpoint=other).values()) == other_before


@pytest.mark.django_db
def test_survey_versions_and_scales_stay_in_separate_rows() -> None:
    # Given version 1 on 1..7 and version 2 on 1..5 answered on the same day
    tp = f.touchpoint()
    v1 = f.survey(tp=tp, paired=1, nps=False, comment=False, version=1, active=False)
    v2 = f.survey(tp=tp, paired=1, nps=False, comment=False, version=2, scale=(1, 5))
    at = datetime(2024, 4, 4, 10, tzinfo=UTC)
    f.response(srv=v1, scores={v1.items.get().pk: (7, 6)}, submitted_at=at)
    f.response(srv=v2, scores={v2.items.get().pk: (5, 4)}, submitted_at=at)
    aggregate_touchpoint_day(touchpoint_id=tp.pk, day=date(2024, 4, 4))
    rows = {r.item_id: r for r in DailyStat.objects.filter(touchpoint=tp)}
    old, new = rows[v1.items.get().pk], rows[v2.items.get().pk]
    assert (old.hist_e, old.top2_e, old.top2_s) == ([0, 0, 0, 0, 0, 0, 1], 1, 1)
    assert (new.hist_e, new.hist_s, new.top2_e, new.top2_s) == (
        [0, 0, 0, 0, 1],
        [0, 0, 0, 1, 0],
        1,
        1,
    )


@pytest.mark.django_db
def test_one_touchpoint_day_costs_the_same_queries_however_many_answers() -> None:
    def queries_for(responses: int) -> int:
        tp = f.touchpoint()
        survey = f.survey(tp=tp)
        items = list(survey.items.order_by("order"))
        for i in range(responses):
            f.response(
                srv=survey,
                scores={items[0].pk: (i % 7 + 1, 4), items[1].pk: (2, 5), items[2].pk: i % 11},
                submitted_at=datetime(2024, 7, 7, 10, i % 60, tzinfo=UTC),
            )
        with CaptureQueriesContext(connection) as captured:
            aggregate_touchpoint_day(touchpoint_id=tp.pk, day=date(2024, 7, 7))
        return len(captured.captured_queries)

    assert queries_for(2) == queries_for(40)
    assert queries_for(3) <= 16


@pytest.mark.django_db
def test_range_covers_organisations_in_their_own_time_zones() -> None:
    # Given the same UTC moment answered in Berlin and in New York
    berlin_tp = f.touchpoint(org=f.organisation(time_zone="Europe/Berlin"))
    york_tp = f.touchpoint(org=f.organisation(time_zone="America/New_York"))
    at = datetime(2024, 8, 1, 2, 0, tzinfo=UTC)  # 04:00 on 1 Aug in Berlin, 22:00 on 31 Jul in NY
    for tp in (berlin_tp, york_tp):
        survey = f.survey(tp=tp, paired=1, nps=False, comment=False)
        f.response(srv=survey, scores={survey.items.get().pk: (1, 1)}, submitted_at=at)
    aggregate_range(start=date(2024, 7, 31), end=date(2024, 8, 1))
    assert list(DailyStat.objects.filter(touchpoint=berlin_tp).values_list("day", flat=True)) == [
        date(2024, 8, 1)
    ]
    assert list(DailyStat.objects.filter(touchpoint=york_tp).values_list("day", flat=True)) == [
        date(2024, 7, 31)
    ]


@pytest.mark.django_db
def test_a_missing_touchpoint_aggregates_nothing() -> None:
    assert aggregate_touchpoint_day(touchpoint_id=987654321, day=date(2024, 1, 1)) == 0
    with pytest.raises(ValueError):
        aggregate_range(start=date(2024, 1, 2), end=date(2024, 1, 1))


@pytest.mark.django_db
def test_large_and_small_recomputes_agree_and_both_remove_stale_rows() -> None:
    # Given answers on three days; a 150-day range takes the bulk path on PostgreSQL
    tp = f.touchpoint()
    survey = f.survey(tp=tp, paired=1, nps=True, comment=False)
    paired, nps = survey.items.order_by("order")
    responses = [
        f.response(
            srv=survey,
            scores={paired.pk: (i + 1, 7 - i), nps.pk: 3 * i},
            submitted_at=datetime(2024, 5, 10 + i, 9, tzinfo=UTC),
        )
        for i in range(3)
    ]
    aggregate_range(start=date(2024, 3, 1), end=date(2024, 7, 28))
    bulk = _rows(tp.pk)
    DailyStat.objects.all().delete()
    for i in range(3):
        aggregate_touchpoint_day(touchpoint_id=tp.pk, day=date(2024, 5, 10 + i))
    strip = {"id", "computed_at"}
    assert {k: {c: v for c, v in r.items() if c not in strip} for k, r in _rows(tp.pk).items()} == {
        k: {c: v for c, v in r.items() if c not in strip} for k, r in bulk.items()
    }

    # When a response is deleted and the range is recomputed in bulk
    responses[1].delete()
    aggregate_range(start=date(2024, 3, 1), end=date(2024, 7, 28))

    # Then that day's rows are gone and the others remain
    assert {day for _, day in _rows(tp.pk)} == {date(2024, 5, 10), date(2024, 5, 12)}
    assert set(TouchpointDay.objects.filter(touchpoint=tp).values_list("day", flat=True)) == {
        date(2024, 5, 10),
        date(2024, 5, 12),
    }
