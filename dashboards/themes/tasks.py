"""Celery tasks of the comment themes: thin wrappers over the services, safe to run twice."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.db import InterfaceError, OperationalError

from dashboards.themes.models import Theme
from dashboards.themes.services.analysis import comments_analyse
from dashboards.themes.services.discovery import themes_discover
from dashboards.themes.services.edits import themes_reassign
from dashboards.themes.services.processing import (
    BATCH,
    commented_response_ids,
    response_comment_process,
    touchpoint_day_comments_process,
)
from touchpoints.models import Organisation

TRANSIENT = (OperationalError, InterfaceError)


@shared_task(
    name="dashboards.comments_process_day",
    autoretry_for=TRANSIENT,
    retry_backoff=2,
    retry_backoff_max=120,
    retry_jitter=True,
    max_retries=5,
)
def comments_process_day(touchpoint_id: int, day: str) -> int:
    """After a touchpoint-day's aggregation: sentiment, themes and sums of its new comments."""
    return touchpoint_day_comments_process(touchpoint_id=touchpoint_id, day=date.fromisoformat(day))


@shared_task(
    name="dashboards.comment_process",
    autoretry_for=TRANSIENT,
    retry_backoff=2,
    retry_backoff_max=120,
    retry_jitter=True,
    max_retries=5,
)
def comment_process(response_id: int) -> bool:
    """One response's comment: sentiment, themes, daily theme sums (e.g. after a correction)."""
    return response_comment_process(response_id=response_id)


@shared_task(
    name="dashboards.themes_discover_all",
    # Below the broker's visibility timeout (900 s), so a running task is never delivered twice.
    time_limit=600,
    soft_time_limit=540,
    autoretry_for=TRANSIENT,
    retry_backoff=2,
    max_retries=3,
)
def themes_discover_all() -> int:
    """Nightly: analyse comments a lost task missed, rediscover every organisation's themes
    (keeping consultants' edits), reassign and recompute the daily theme sums."""
    found = 0
    for organisation_id in Organisation.objects.order_by("pk").values_list("pk", flat=True):
        missed = commented_response_ids(organisation_id=organisation_id, only_new=True)
        for start in range(0, len(missed), BATCH):
            comments_analyse(response_ids=missed[start : start + BATCH])
        found += themes_discover(organisation_id=organisation_id).themes
    return found


@shared_task(name="dashboards.themes_reassign", autoretry_for=TRANSIENT, max_retries=3)
def themes_reassign_organisation(organisation_id: int) -> int:
    """After a consultant's edit: assign every comment of the organisation again."""
    if not Theme.objects.filter(organisation_id=organisation_id).exists():
        return 0
    return themes_reassign(organisation_id=organisation_id)
