"""Two workers aggregating the same touchpoint-day at once on PostgreSQL leave correct rows."""

import threading
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.db import connection, transaction

from dashboards.statistics.models import DailyStat, TouchpointDay
from dashboards.statistics.services.aggregation import aggregate_range, aggregate_touchpoint_day
from tests import factories as f

DAY = date(2024, 9, 10)
NOON = datetime(2024, 9, 10, 10, 0, tzinfo=UTC)  # 12:00 in Berlin


def _snapshot(touchpoint_id: int) -> tuple[dict[Any, Any], dict[Any, Any]]:
    stats = {
        (r["item_id"], r["day"]): {k: v for k, v in r.items() if k not in ("id", "computed_at")}
        for r in DailyStat.objects.filter(touchpoint_id=touchpoint_id).values()
    }
    days = {
        r["day"]: (r["responses"], r["comments"], r["linked"])
        for r in TouchpointDay.objects.filter(touchpoint_id=touchpoint_id).values()
    }
    return stats, days


def _recount(touchpoint_id: int) -> tuple[dict[Any, Any], dict[Any, Any]]:
    """Throw the rows away and aggregate once on a quiet database."""
    DailyStat.objects.filter(touchpoint_id=touchpoint_id).delete()
    TouchpointDay.objects.filter(touchpoint_id=touchpoint_id).delete()
    aggregate_range(start=DAY, end=DAY, touchpoint_ids=[touchpoint_id])
    return _snapshot(touchpoint_id)


def _in_thread(target: Any, errors: list[BaseException]) -> threading.Thread:
    def run() -> None:
        try:
            target()
        except BaseException as error:  # surfaced by the assertion on `errors`
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_a_second_aggregation_waits_for_the_first_to_commit(require_postgres: None) -> None:
    # Given a touchpoint without answers yet, and another touchpoint with one
    tp, other = f.touchpoint(), f.touchpoint()
    survey, other_survey = f.survey(tp=tp), f.survey(tp=other)
    first, second, *_ = survey.items.order_by("order")
    other_item = other_survey.items.order_by("order").first()
    assert other_item is not None
    f.response(srv=other_survey, scores={other_item.pk: (1, 1)}, submitted_at=NOON)
    errors: list[BaseException] = []

    # When one aggregation of the touchpoint holds its transaction open (it found nothing)
    with transaction.atomic():
        aggregate_touchpoint_day(touchpoint_id=tp.pk, day=DAY)
        # ... new answers commit from elsewhere, and a second worker starts on the same day
        writer = _in_thread(
            lambda: [
                f.response(srv=survey, scores={first.pk: (3, 4)}, submitted_at=NOON),
                f.response(srv=survey, scores={second.pk: (6, 2)}, submitted_at=NOON),
            ],
            errors,
        )
        writer.join(10)
        waiting = _in_thread(lambda: aggregate_touchpoint_day(touchpoint_id=tp.pk, day=DAY), errors)
        unrelated = _in_thread(
            lambda: aggregate_touchpoint_day(touchpoint_id=other.pk, day=DAY), errors
        )
        unrelated.join(10)
        time.sleep(0.5)
        # Then the second waits for the first, while another touchpoint goes ahead
        assert waiting.is_alive()
        assert not unrelated.is_alive()
    waiting.join(10)
    assert not waiting.is_alive()
    assert errors == []

    # And the rows are those of a recount, including the answers that came in between
    final = _snapshot(tp.pk)
    assert {item for item, _ in final[0]} == {first.pk, second.pk}
    assert final == _recount(tp.pk)


@pytest.mark.django_db(transaction=True)
def test_concurrent_aggregations_during_writes_end_equal_to_a_recount(
    require_postgres: None,
) -> None:
    # Given a touchpoint-day with answers and wrong leftovers (a stale item row, wrong sums)
    tp = f.touchpoint()
    survey = f.survey(tp=tp, paired=3, nps=True, comment=True)
    items = list(survey.items.order_by("order"))
    paired, nps, comment = items[:3], items[3], items[4]
    for i in range(30):
        f.response(
            srv=survey,
            scores={paired[0].pk: (i % 7 + 1, (i * 3) % 7 + 1), nps.pk: i % 11},
            submitted_at=NOON + timedelta(minutes=i),
        )
    DailyStat.objects.create(touchpoint=tp, item=paired[0], day=DAY, n=999, sum_e=1)
    DailyStat.objects.create(touchpoint=tp, item=paired[2], day=DAY, n=5, sum_e=5)
    errors: list[BaseException] = []
    stop = threading.Event()

    def writer() -> None:
        for i in range(40):
            scores: dict[int, Any] = {paired[i % 2].pk: (i % 7 + 1, 7 - i % 7), nps.pk: 10 - i % 11}
            if i % 5 == 0:
                scores[comment.pk] = f"note {i}"
            f.response(
                srv=survey,
                scores=scores,
                submitted_at=NOON + timedelta(hours=1, minutes=i),
                customer_key=f"c{i % 4}" if i % 2 else None,
            )
        stop.set()

    def aggregator() -> None:
        while not stop.is_set():
            aggregate_touchpoint_day(touchpoint_id=tp.pk, day=DAY)

    # When two workers keep aggregating the day while answers arrive, and then both run once
    # more at the same moment after the last answer
    threads = [_in_thread(writer, errors), _in_thread(aggregator, errors)]
    threads.append(_in_thread(aggregator, errors))
    for thread in threads:
        thread.join(60)
    barrier = threading.Barrier(2)

    def final_run() -> None:
        barrier.wait(10)
        aggregate_touchpoint_day(touchpoint_id=tp.pk, day=DAY)

    finals = [_in_thread(final_run, errors), _in_thread(final_run, errors)]
    for thread in finals:
        thread.join(60)
    assert errors == []

    # Then the rows equal a recount: stale row gone, sums right, one row per key
    final = _snapshot(tp.pk)
    assert final == _recount(tp.pk)
    assert (paired[2].pk, DAY) not in final[0]
    assert final[0][(paired[0].pk, DAY)]["n"] == 30 + 20
    assert final[1][DAY] == (70, 8, 20)
