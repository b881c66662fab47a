"""Settings for the ingest benchmark's server only: the product's settings plus the bare view."""

from cxmonitor.settings import *  # noqa: F403

ROOT_URLCONF = "bench.ingest.urls"
# Capture is measured, not aggregation: publish to the broker instead of running inline.
CELERY_TASK_ALWAYS_EAGER = False
