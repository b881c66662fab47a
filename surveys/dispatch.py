"""Send dashboards' tasks by name after commit: surveys never imports the dashboards app."""

import logging
from typing import Any

from django.core.cache import cache
from kombu.exceptions import OperationalError as KombuOperationalError

from cxmonitor.celery import app as celery_app

logger = logging.getLogger(__name__)

AGGREGATE_RANGE_TASK = "dashboards.aggregate_days"
IMPORTANCE_TASK = "dashboards.importance_refresh"
# Merges come in bursts (an import, a mapping file): one importance refresh per minute suffices.
IMPORTANCE_COALESCE_SECONDS = 60


def task_send(name: str, *, kwargs: dict[str, Any], countdown: float = 0) -> bool:
    """Send one task by name; never raises (the nightly recompute heals a lost one)."""
    try:
        if celery_app.conf.task_always_eager:
            # Eager mode runs the task here; Celery imports task modules only in a worker.
            celery_app.loader.import_default_modules()
        celery_app.signature(name, kwargs=kwargs).apply_async(countdown=countdown)
    except (KombuOperationalError, OSError):
        logger.warning("task %s not sent: broker unavailable", name, exc_info=True)
        return False
    except Exception:
        logger.exception("task %s failed", name)
        return False
    return True


def importance_schedule(*, organisation_id: int) -> None:
    """Ask for the organisation's importance to be recomputed (after merges), coalesced."""
    key = f"importance-pending:{organisation_id}"
    try:
        if not cache.add(key, 1, timeout=IMPORTANCE_COALESCE_SECONDS):
            return
    except Exception:
        logger.warning("importance refresh not coalesced: cache unavailable", exc_info=True)
    task_send(IMPORTANCE_TASK, kwargs={"organisation_id": organisation_id})
