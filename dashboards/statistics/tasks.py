"""Celery tasks of the dashboards app: thin wrappers over the aggregation services.

acks_late, reject-on-worker-lost, JSON serialisation and the default time limits are global
(CELERY_* in settings); the periodic schedule lives in cxmonitor/celery.py.
"""

import logging
from datetime import date
from typing import Any

from celery import current_app, shared_task
from django.core.cache import cache
from django.db import InterfaceError, OperationalError

from cxmonitor.aggregation_contract import aggregation_pending_key
from dashboards.statistics.services import aggregation, importance, periodic

logger = logging.getLogger(__name__)

# Transient database trouble (a restart, a dropped connection, a deadlock victim): retry later
# with exponential backoff (2 s, 4 s, ... capped at 2 min) and jitter, at most five times.
TRANSIENT = (OperationalError, InterfaceError)
# Transient database errors are retried with backoff and jitter, the same way by every task here.
RETRY_TRANSIENT: dict[str, Any] = {
    "autoretry_for": TRANSIENT,
    "retry_backoff": 2,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(
    name="dashboards.aggregate_touchpoint_day",
    **RETRY_TRANSIENT,
)
def aggregate_touchpoint_day(touchpoint_id: int, day: str) -> None:
    """Recompute one touchpoint-day after new answers (scheduled by the capture service)."""
    parsed = date.fromisoformat(day)
    # Delete the coalescing key before reading: an answer committed from now on schedules a new
    # run, one committed before is seen by this one.
    try:
        cache.delete(aggregation_pending_key(touchpoint_id=touchpoint_id, day=parsed))
    except Exception:  # a cache outage must not stop the recompute
        logger.warning("could not clear the aggregation key of %s/%s", touchpoint_id, day)
    aggregation.aggregate_touchpoint_day(touchpoint_id=touchpoint_id, day=parsed)
    # The day's new comments get their sentiment and themes next, in the worker (by task name:
    # the themes part is not a dependency of the statistics); a failure here is healed nightly.
    try:
        current_app.signature(
            "dashboards.comments_process_day",
            kwargs={"touchpoint_id": touchpoint_id, "day": day},
        ).apply_async()
    except Exception:
        logger.warning("comment analysis of %s/%s not scheduled", touchpoint_id, day, exc_info=True)


@shared_task(
    name="dashboards.sweep_recent",
    **RETRY_TRANSIENT,
)
def sweep_recent() -> int:
    """Every few minutes: re-aggregate recent days, healing lost aggregation tasks."""
    return periodic.aggregation_sweep_recent()


@shared_task(
    name="dashboards.recompute_recent",
    # Below the broker's visibility timeout (settings), or Redis would hand it out twice.
    time_limit=600,
    soft_time_limit=540,
    **RETRY_TRANSIENT,
)
def recompute_recent() -> int:
    """Nightly: recompute the last 35 days of every organisation and refresh importance."""
    return periodic.aggregation_recompute_recent()


@shared_task(
    name="dashboards.aggregate_days",
    # Below the broker's visibility timeout (900 s), so a running task is never delivered twice.
    time_limit=600,
    soft_time_limit=540,
    **RETRY_TRANSIENT,
)
def aggregate_days(organisation_id: int, start: str, end: str) -> int:
    """Recompute a range of days in one pass (after a history import or its rollback)."""
    written = aggregation.aggregate_range(
        start=date.fromisoformat(start),
        end=date.fromisoformat(end),
        organisation_id=organisation_id,
    )
    importance.importance_refresh_today(organisation_id=organisation_id)
    return written


@shared_task(
    name="dashboards.importance_refresh",
    **RETRY_TRANSIENT,
)
def importance_refresh(organisation_id: int) -> None:
    """Recompute derived importance after customers were merged or split."""
    importance.importance_refresh_today(organisation_id=organisation_id)


@shared_task(name="dashboards.heartbeat")
def heartbeat() -> None:
    """Record that a worker is consuming tasks; the pages show when it stopped."""
    periodic.heartbeat_record()
