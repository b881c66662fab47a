"""Health of each component, for a load balancer (status code) and a monitor (JSON body).

Each check is bounded: the database answers or fails, the cache and the broker are asked with
half-second socket timeouts, the worker and the sweep are judged by when they last ran.
"""

import time
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.utils import timezone

OK, DOWN, OFF = "ok", "down", "off"
# The heartbeat task runs every minute and the sweep every five: a few missed turns is down.
WORKER_STALE = timedelta(minutes=5)
SWEEP_STALE = timedelta(minutes=15)
COMPONENTS = ("database", "cache", "broker", "worker", "sweep")


@dataclass(frozen=True)
class ComponentHealth:
    status: str  # ok | down | off (not part of this deployment, e.g. no broker when embedded)
    detail: str = ""
    last: str | None = None  # ISO time of the last worker heartbeat or sweep
    age_seconds: int | None = None


def _error_name(error: Exception) -> str:
    return type(error).__name__


def check_database() -> ComponentHealth:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        return ComponentHealth(DOWN, _error_name(error))
    return ComponentHealth(OK)


def check_cache() -> ComponentHealth:
    key = f"healthz:{uuid.uuid4().hex}"
    try:
        cache.set(key, 1, timeout=5)
        answered = cache.get(key)
        cache.delete(key)
    except Exception as error:  # any backend's connection error
        return ComponentHealth(DOWN, _error_name(error))
    return ComponentHealth(OK) if answered == 1 else ComponentHealth(DOWN, "value not kept")


def _broker_configured() -> bool:
    return not settings.CELERY_TASK_ALWAYS_EAGER


def check_broker() -> ComponentHealth:
    if not _broker_configured():
        return ComponentHealth(OFF, "tasks run in the web process")
    import redis

    client = redis.Redis.from_url(
        settings.CELERY_BROKER_URL, socket_connect_timeout=0.5, socket_timeout=0.5
    )
    try:
        client.ping()
    except redis.RedisError as error:
        return ComponentHealth(DOWN, _error_name(error))
    finally:
        client.close()
    return ComponentHealth(OK)


def _by_age(moment: datetime | None, *, stale: timedelta, now: datetime) -> ComponentHealth:
    if moment is None:
        return ComponentHealth(DOWN, "never ran")
    age = max(now - moment, timedelta(0))
    status = OK if age <= stale else DOWN
    detail = "" if status == OK else f"older than {int(stale.total_seconds())} s"
    return ComponentHealth(status, detail, moment.isoformat(), int(age.total_seconds()))


def check_background(database: ComponentHealth) -> tuple[ComponentHealth, ComponentHealth]:
    """The worker's last heartbeat and the last sweep (from the database)."""
    if not _broker_configured():
        off = ComponentHealth(OFF, "tasks run in the web process")
        return off, off
    if database.status != OK:
        unknown = ComponentHealth(DOWN, "unknown: the database is down")
        return unknown, unknown
    from dashboards.statistics.models import WorkerHeartbeat

    try:
        row = WorkerHeartbeat.objects.values_list("beat_at", "swept_at").first()
    except DatabaseError as error:
        failed = ComponentHealth(DOWN, _error_name(error))
        return failed, failed
    beat_at, swept_at = row if row else (None, None)
    now = timezone.now()
    return (
        _by_age(beat_at, stale=WORKER_STALE, now=now),
        _by_age(swept_at, stale=SWEEP_STALE, now=now),
    )


def health_report(*, only: list[str] | None = None) -> tuple[bool, dict[str, object]]:
    """(healthy, body): healthy when no checked component is down."""
    started = time.monotonic()
    wanted = [name for name in COMPONENTS if not only or name in only]
    results: dict[str, ComponentHealth] = {}
    database = check_database()
    if "database" in wanted:
        results["database"] = database
    if "cache" in wanted:
        results["cache"] = check_cache()
    if "broker" in wanted:
        results["broker"] = check_broker()
    if "worker" in wanted or "sweep" in wanted:
        worker, sweep = check_background(database)
        results.update({k: v for k, v in (("worker", worker), ("sweep", sweep)) if k in wanted})
    healthy = all(result.status != DOWN for result in results.values())
    body: dict[str, object] = {
        "status": OK if healthy else DOWN,
        "checked_at": timezone.now().isoformat(),
        "duration_ms": round((time.monotonic() - started) * 1000),
        "components": {
            name: {k: v for k, v in asdict(result).items() if v not in (None, "")}
            for name, result in results.items()
        },
    }
    return healthy, body
