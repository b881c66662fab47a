"""Celery app. Configured from Django settings (CELERY_*); periodic schedules live here."""

import os
from typing import Any

from celery import Celery
from celery.schedules import crontab
from celery.signals import celeryd_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxmonitor.settings")

app = Celery("cxmonitor")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@celeryd_init.connect
def _worker_transport_options(conf: Any = None, **kwargs: Any) -> None:
    """A worker consumes without the web processes' short socket timeout (see settings)."""
    from django.conf import settings

    if conf is not None:
        # The namespaced key: it is what the Django settings source answers first.
        conf["CELERY_BROKER_TRANSPORT_OPTIONS"] = dict(settings.WORKER_BROKER_TRANSPORT_OPTIONS)


# The sweep heals lost aggregations every five minutes; AGGREGATION_SWEEP_SECONDS shortens
# that (e.g. in the fault tests, which cannot wait five minutes per fault).
SWEEP_SECONDS = int(os.environ.get("AGGREGATION_SWEEP_SECONDS", "0") or 0)

# Every periodic task, in one place. Times are UTC (CELERY_TIMEZONE). "expires" drops runs that
# waited in the queue past their next turn, so a stopped worker does not face a backlog.
app.conf.beat_schedule = {
    "dashboards-heartbeat": {
        "task": "dashboards.heartbeat",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
    "dashboards-sweep-recent": {
        "task": "dashboards.sweep_recent",
        "schedule": float(SWEEP_SECONDS) if SWEEP_SECONDS else crontab(minute="*/5"),
        "options": {"expires": max(SWEEP_SECONDS or 300, 30) - 20},
    },
    "dashboards-recompute-recent": {
        "task": "dashboards.recompute_recent",
        "schedule": crontab(hour=2, minute=30),
        "options": {"expires": 6 * 3600},
    },
    # Monitoring: yesterday after the nightly recompute, the running day every hour.
    "dashboards-alerts-evaluate": {
        "task": "dashboards.alerts_evaluate",
        "schedule": crontab(hour=3, minute=15),
        "options": {"expires": 6 * 3600},
    },
    "dashboards-alerts-evaluate-current": {
        "task": "dashboards.alerts_evaluate_current",
        "schedule": crontab(minute=40),
        "options": {"expires": 3000},
    },
    "dashboards-followups-scan": {
        "task": "dashboards.followups_scan",
        "schedule": crontab(minute="*/10"),
        "options": {"expires": 540},
    },
    "dashboards-digest-weekly": {
        "task": "dashboards.digest_send_weekly",
        "schedule": crontab(day_of_week="mon", hour=6, minute=0),
        "options": {"expires": 6 * 3600},
    },
    # Comment themes: rediscover nightly (keeps consultants' edits), after the recompute.
    "dashboards-themes-discover": {
        "task": "dashboards.themes_discover_all",
        "schedule": crontab(hour=2, minute=50),
        "options": {"expires": 6 * 3600},
    },
}
