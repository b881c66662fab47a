"""Celery app. Configured from Django settings (CELERY_*); periodic schedules live here."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxmonitor.settings")

app = Celery("cxmonitor")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
