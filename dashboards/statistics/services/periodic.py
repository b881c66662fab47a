"""The periodic jobs behind the beat schedule: sweep, nightly recompute, worker heartbeat."""

import logging
import socket
from datetime import date, datetime, timedelta

from django.core.cache import cache
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from cxmonitor.days import local_today
from dashboards.statistics.models import WorkerHeartbeat
from dashboards.statistics.services.aggregation import aggregate_range
from dashboards.statistics.services.importance import importance_refresh
from surveys.models import Response
from surveys.selectors import touchpoint_days_received_since
from touchpoints.models import Organisation, Touchpoint

logger = logging.getLogger(__name__)

# Responses submitted this recently are swept even when their touchpoint was switched off since.
RECENT_WINDOW = timedelta(hours=2)
RECOMPUTE_DAYS = 35
CHUNK_DAYS = 7
HEARTBEAT_CACHE_KEY = "worker-heartbeat"


def aggregation_sweep_recent(*, now: datetime | None = None) -> int:
    """Re-aggregate today and yesterday (local) of active or recently answered touchpoints, and
    every other day that received answers in the last two hours.

    Heals aggregation tasks that were lost (broker down at capture, worker killed). Returns the
    number of DailyStat rows written.
    """
    now = now or timezone.now()
    recent = set(
        Response.objects.filter(submitted_at__gte=now - RECENT_WINDOW)
        .values_list("touchpoint_id", flat=True)
        .distinct()
    )
    scope: dict[int, set[int]] = {}
    for pk, organisation_id, active in Touchpoint.objects.values_list(
        "pk", "phase__journey__organisation_id", "is_active"
    ):
        if active or pk in recent:
            scope.setdefault(organisation_id, set()).add(pk)
    written = 0
    swept: set[tuple[int, date]] = set()
    for organisation in Organisation.objects.filter(pk__in=scope):
        today = local_today(tz=organisation.tzinfo, now=now)
        written += aggregate_range(
            start=today - timedelta(days=1),
            end=today,
            organisation_id=organisation.pk,
            touchpoint_ids=sorted(scope[organisation.pk]),
        )
        swept |= {(organisation.pk, today), (organisation.pk, today - timedelta(days=1))}
    written += _sweep_received_days(since=now - RECENT_WINDOW, swept=swept)
    _record_sweep(now)
    return written


def _sweep_received_days(*, since: datetime, swept: set[tuple[int, date]]) -> int:
    """Older days that received answers recently (sent late, or whose task a dead worker held).

    Without this they would wait for the broker's visibility timeout or the nightly recompute.
    """
    written = 0
    for organisation_id, days in touchpoint_days_received_since(since=since).items():
        for day, touchpoint_ids in sorted(days.items()):
            if (organisation_id, day) not in swept:
                written += aggregate_range(
                    start=day,
                    end=day,
                    organisation_id=organisation_id,
                    touchpoint_ids=sorted(touchpoint_ids),
                )
    return written


def _record_sweep(now: datetime) -> None:
    # Unchanged rows keep the time of their last change; this records that every active
    # touchpoint's recent days were checked at `now` ("data as of").
    WorkerHeartbeat.objects.bulk_create(
        [WorkerHeartbeat(pk=1, beat_at=now, swept_at=now, hostname=socket.gethostname()[:200])],
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=["swept_at"],
    )


def aggregation_recompute_recent(*, days: int = RECOMPUTE_DAYS) -> int:
    """Recompute the last `days` local days of every organisation, then refresh importance."""
    began = timezone.now()
    written = 0
    for organisation in Organisation.objects.all():
        today = local_today(tz=organisation.tzinfo)
        start = today - timedelta(days=days - 1)
        while start <= today:
            end = min(start + timedelta(days=CHUNK_DAYS - 1), today)
            written += aggregate_range(start=start, end=end, organisation_id=organisation.pk)
            start = end + timedelta(days=1)
        try:
            importance_refresh(organisation_id=organisation.pk, end=today)
        except (OperationalError, InterfaceError):
            raise
        except Exception:  # one organisation's analysis must not stop the others'
            logger.exception("importance refresh failed for organisation %s", organisation.pk)
    _record_sweep(began)
    return written


def heartbeat_record(*, now: datetime | None = None) -> None:
    """Store when a worker last ran the heartbeat task (one row; the cache gets a copy)."""
    now = now or timezone.now()
    WorkerHeartbeat.objects.bulk_create(
        [WorkerHeartbeat(pk=1, beat_at=now, hostname=socket.gethostname()[:200])],
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=["beat_at", "hostname"],
    )
    try:
        cache.set(HEARTBEAT_CACHE_KEY, now.isoformat(), timeout=None)
    except Exception:  # the database row is the record; the cache copy is a convenience
        logger.warning("could not write the heartbeat to the cache")
