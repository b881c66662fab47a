"""Celery tasks: names, reliability settings, the beat schedule, sweep, nightly recompute."""

from datetime import UTC, date, datetime, timedelta

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from cxmonitor.aggregation_contract import aggregation_pending_key
from cxmonitor.celery import app as celery_app
from cxmonitor.days import local_today
from dashboards.statistics import tasks
from dashboards.statistics.models import (
    DailyStat,
    TouchpointDay,
    TouchpointImportance,
    WorkerHeartbeat,
)
from dashboards.statistics.selectors.kpis import data_as_of, worker_heartbeat_age
from dashboards.statistics.services.periodic import HEARTBEAT_CACHE_KEY, aggregation_sweep_recent
from surveys.models import Response
from tests import factories as f

TASK_NAMES = {
    "dashboards.aggregate_touchpoint_day",
    "dashboards.sweep_recent",
    "dashboards.recompute_recent",
    "dashboards.heartbeat",
}


def test_reliability_settings_are_global() -> None:
    conf = celery_app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.task_serializer == "json"
    assert list(conf.accept_content) == ["json"]
    assert conf.task_time_limit == 300
    assert conf.task_soft_time_limit == 240
    assert conf.worker_prefetch_multiplier == 1


def test_tasks_have_explicit_names_and_retry_transient_database_errors() -> None:
    celery_app.loader.import_default_modules()
    assert set(celery_app.tasks) >= TASK_NAMES
    task = celery_app.tasks["dashboards.aggregate_touchpoint_day"]
    # Task options documented by celery but missing from its type stubs.
    assert set(task.autoretry_for) == {OperationalError, InterfaceError}  # type: ignore[attr-defined]
    assert task.max_retries == 5
    assert task.retry_backoff and task.retry_jitter  # type: ignore[attr-defined]
    # Every task ends before Redis would hand its message to a second worker.
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert settings.WORKER_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] == visibility
    limits = [t.time_limit or celery_app.conf.task_time_limit for t in celery_app.tasks.values()]
    assert max(limits) < visibility
    assert celery_app.tasks["dashboards.recompute_recent"].time_limit == 600


def test_the_beat_schedule_is_declared_in_one_place() -> None:
    schedule = celery_app.conf.beat_schedule
    by_task = {entry["task"]: entry for entry in schedule.values()}
    assert by_task["dashboards.sweep_recent"]["schedule"] == crontab(minute="*/5")
    assert by_task["dashboards.recompute_recent"]["schedule"] == crontab(hour=2, minute=30)
    assert by_task["dashboards.heartbeat"]["schedule"] == 60.0
    assert by_task["dashboards.heartbeat"]["options"]["expires"] < 60


@pytest.mark.django_db
def test_the_task_clears_the_pending_key_then_recomputes() -> None:
    tp = f.touchpoint()
    survey = f.survey(tp=tp, paired=1, nps=False, comment=False)
    at = datetime(2024, 3, 3, 12, tzinfo=UTC)
    f.response(srv=survey, scores={survey.items.get().pk: (2, 5)}, submitted_at=at)
    key = aggregation_pending_key(touchpoint_id=tp.pk, day=date(2024, 3, 3))
    assert key == f"agg-pending:{tp.pk}:2024-03-03"
    cache.add(key, 1, timeout=300)

    tasks.aggregate_touchpoint_day.apply(kwargs={"touchpoint_id": tp.pk, "day": "2024-03-03"}).get()

    assert cache.get(key) is None
    assert DailyStat.objects.get(touchpoint=tp).sum_gap == 3


@pytest.mark.django_db
def test_the_task_returns_quietly_when_the_touchpoint_is_gone() -> None:
    result = tasks.aggregate_touchpoint_day.apply(
        kwargs={"touchpoint_id": 999_999, "day": "2024-03-03"}
    )
    assert result.successful()
    assert not DailyStat.objects.exists()


@pytest.mark.django_db
def test_the_sweep_heals_today_and_yesterday() -> None:
    # Given answers that were never aggregated: today, yesterday and four days ago (active
    # touchpoint), and just now at a touchpoint that was switched off since
    now = timezone.now()
    org = f.organisation()
    active = f.touchpoint(org=org)
    switched_off = f.touchpoint(org=org)
    survey = f.survey(tp=active, paired=1, nps=False, comment=False)
    off_survey = f.survey(tp=switched_off, paired=1, nps=False, comment=False)
    item, off_item = survey.items.get(), off_survey.items.get()
    today = local_today(tz=org.tzinfo, now=now)
    responses = {}
    for days_ago in (0, 1, 4, 20):
        moment = datetime.combine(today - timedelta(days=days_ago), datetime.min.time())
        at = moment.replace(hour=12, tzinfo=org.tzinfo)
        responses[days_ago] = f.response(
            srv=survey, scores={item.pk: (4, 4)}, submitted_at=min(at, now)
        )
    # four days ago arrived three hours ago; twenty days ago (sent late) arrived just now
    Response.objects.filter(pk=responses[4].pk).update(received_at=now - timedelta(hours=3))
    f.response(srv=off_survey, scores={off_item.pk: (1, 7)}, submitted_at=now)
    switched_off.is_active = False
    switched_off.save()

    # When the periodic sweep runs
    tasks.sweep_recent.apply().get()

    # Then today, yesterday and the day that received an answer recently are there; the day
    # whose answers arrived hours ago waits for the nightly recompute
    days = set(DailyStat.objects.filter(touchpoint=active).values_list("day", flat=True))
    assert days == {today, today - timedelta(days=1), today - timedelta(days=20)}
    assert DailyStat.objects.filter(touchpoint=switched_off, sum_gap=6).exists()


@pytest.mark.django_db
def test_the_nightly_recompute_covers_35_days_and_refreshes_importance() -> None:
    org = f.organisation()
    tp = f.touchpoint(org=org)
    survey = f.survey(tp=tp, paired=1, nps=True, comment=False)
    paired, nps = survey.items.order_by("order")
    today = local_today(tz=org.tzinfo)
    for days_ago in (2, 30, 40):
        at = datetime.combine(today - timedelta(days=days_ago), datetime.min.time()).replace(
            hour=12, tzinfo=org.tzinfo
        )
        f.response(srv=survey, scores={paired.pk: (3, 5), nps.pk: 8}, submitted_at=at)

    tasks.recompute_recent.apply().get()

    days = set(TouchpointDay.objects.filter(touchpoint=tp).values_list("day", flat=True))
    assert days == {today - timedelta(days=2), today - timedelta(days=30)}
    stored = TouchpointImportance.objects.get(touchpoint=tp)
    assert stored.period_end == today
    assert stored.period_start == today - timedelta(days=89)
    assert stored.performance == 5.0


@pytest.mark.django_db
def test_the_heartbeat_records_when_a_worker_last_ran() -> None:
    assert worker_heartbeat_age() is None
    tasks.heartbeat.apply().get()
    age = worker_heartbeat_age()
    assert age is not None and age < timedelta(seconds=5)
    assert WorkerHeartbeat.objects.count() == 1
    tasks.heartbeat.apply().get()
    assert WorkerHeartbeat.objects.count() == 1
    assert cache.get(HEARTBEAT_CACHE_KEY)
    # An old heartbeat reads as an old one: the page can say since when the worker is gone.
    WorkerHeartbeat.objects.update(beat_at=timezone.now() - timedelta(minutes=7))
    age = worker_heartbeat_age()
    assert age is not None and timedelta(minutes=7) <= age < timedelta(minutes=8)


@pytest.mark.django_db
def test_data_as_of_follows_changes_and_sweeps() -> None:
    org = f.organisation()
    tp = f.touchpoint(org=org)
    survey = f.survey(tp=tp, paired=1, nps=False, comment=False)
    assert data_as_of(organisation_ids=[org.pk]) is None
    f.response(srv=survey, scores={survey.items.get().pk: (3, 3)}, submitted_at=timezone.now())
    before = timezone.now()
    tasks.sweep_recent.apply().get()
    first = data_as_of(organisation_ids=[org.pk])
    assert first is not None and first >= before
    # A later sweep that finds nothing new still moves "data as of" forward
    later = timezone.now() + timedelta(minutes=5)
    aggregation_sweep_recent(now=later)
    assert data_as_of(organisation_ids=[org.pk]) == later
