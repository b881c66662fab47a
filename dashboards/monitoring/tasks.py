"""Celery tasks for monitoring: thin wrappers over the alert, follow-up and digest services.

A delivery that fails queues its next attempt itself, with exponential backoff, and never
raises: every attempt is recorded on the alert, and in eager mode (no Redis) an exception here
would reach the evaluation that queued it.
"""

import logging
from datetime import date, timedelta
from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from dashboards.monitoring import services as alert_services
from dashboards.monitoring.selectors.digest import digest_recipient_ids
from dashboards.monitoring.services.followups import followups_scan

logger = logging.getLogger(__name__)

__all__ = [
    "alert_email_send",
    "alert_webhook_send",
    "alerts_evaluate_current",
    "alerts_evaluate_nightly",
    "digest_send",
    "digest_send_weekly",
    "followups_scan_recent",
]

# Seconds before the second attempt; each further wait doubles (5 attempts in all).
EMAIL_BACKOFF = 60.0
WEBHOOK_BACKOFF = 10.0
DB_RETRY: dict[str, Any] = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 3,
}


@shared_task(name="dashboards.alerts_evaluate", **DB_RETRY)
def alerts_evaluate_nightly(day: str | None = None) -> int:
    """After the nightly aggregation: evaluate yesterday (or `day`) for every organisation."""
    alert_services.alert_deliveries_heal()
    result = alert_services.alerts_evaluate(day=date.fromisoformat(day) if day else None)
    logger.info(
        "alerts evaluated: %s breaches, %s new, %s known, %s in cooldown",
        result.breaches,
        len(result.created),
        result.existing,
        result.suppressed,
    )
    return len(result.created)


@shared_task(name="dashboards.alerts_evaluate_current", **DB_RETRY)
def alerts_evaluate_current() -> int:
    """Hourly: evaluate the running day, so a drop shows up before the night."""
    alert_services.alert_deliveries_heal()
    return len(alert_services.alerts_evaluate(current_day=True).created)


def _again(task: Any, kwargs: dict[str, Any], *, attempt: int, base: float) -> None:
    """Queue the next attempt with exponential backoff (in eager mode it runs at once)."""
    countdown = alert_services.retry_countdown(attempt=attempt, base=base)
    try:
        task.apply_async(kwargs={**kwargs, "attempt": attempt + 1}, countdown=countdown)
    except Exception:
        logger.exception("could not queue attempt %s of %s %s", attempt + 1, task.name, kwargs)


@shared_task(name="dashboards.alert_email_send")
def alert_email_send(alert_id: int, attempt: int = 1) -> str:
    """E-mail one alert to the owning department; the next attempt follows with backoff."""
    outcome = alert_services.alert_email_deliver(alert_id=alert_id, attempt=attempt)
    if outcome.retry:
        _again(alert_email_send, {"alert_id": alert_id}, attempt=attempt, base=EMAIL_BACKOFF)
    return outcome.status


@shared_task(name="dashboards.alert_webhook_send")
def alert_webhook_send(alert_id: int, attempt: int = 1) -> str:
    """POST one alert to its webhook; 5xx and timeouts are retried with backoff."""
    outcome = alert_services.alert_webhook_deliver(alert_id=alert_id, attempt=attempt)
    if outcome.retry:
        _again(alert_webhook_send, {"alert_id": alert_id}, attempt=attempt, base=WEBHOOK_BACKOFF)
    return outcome.status


@shared_task(name="dashboards.followups_scan", **DB_RETRY)
def followups_scan_recent() -> int:
    """Every ten minutes: queue follow-ups for recent consenting detractors."""
    return followups_scan().created


@shared_task(name="dashboards.digest_send_weekly", **DB_RETRY)
def digest_send_weekly(week_end: str | None = None) -> int:
    """Monday morning: queue one digest per subscriber for the week that ended on Sunday."""
    end = date.fromisoformat(week_end) if week_end else timezone.now().date() - timedelta(days=1)
    recipients = digest_recipient_ids(week_end=end)
    for user_id in recipients:
        digest_send.apply_async(kwargs={"user_id": user_id, "week_end": end.isoformat()})
    return len(recipients)


@shared_task(name="dashboards.digest_send")
def digest_send(user_id: int, week_end: str, attempt: int = 1) -> bool:
    """Send one subscriber's weekly digest (once per week); retried when the mail server fails."""
    try:
        return alert_services.digest_send(user_id=user_id, week_end=date.fromisoformat(week_end))
    except Exception as error:
        logger.warning("digest for user %s, attempt %s, failed: %s", user_id, attempt, error)
        if attempt < alert_services.MAX_ATTEMPTS:
            kwargs = {"user_id": user_id, "week_end": week_end}
            _again(digest_send, kwargs, attempt=attempt, base=EMAIL_BACKOFF)
        return False
