"""Delivery of alerts: e-mail to the owning department and signed JSON webhooks.

Each function makes one attempt, records it as an AlertDelivery and says whether a retry makes
sense; the Celery tasks do the retrying with backoff. An attempt is skipped once the channel has
succeeded, so a task that runs twice sends once.
"""

import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from cxmonitor.outbound import OutboundRefusedError, post_to_public_address
from dashboards.monitoring.models import Alert, AlertDelivery
from dashboards.monitoring.selectors.alerts import (
    alert_explanation,
    alert_headline,
    alert_page_path,
    dashboard_link,
    kpi_label,
)

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
WEBHOOK_TIMEOUT = 5.0
SIGNATURE_HEADER = "X-CX-Signature"
TIMESTAMP_HEADER = "X-CX-Timestamp"
_ERROR_LENGTH = 1000


@dataclass(frozen=True)
class DeliveryOutcome:
    """The result of one attempt; retry: a later attempt may succeed."""

    status: str
    retry: bool
    response_code: int | None = None


def _alert_for_delivery(alert_id: int) -> Alert | None:
    return (
        Alert.objects.select_related("organisation", "touchpoint__department", "rule__webhook")
        .filter(pk=alert_id)
        .first()
    )


def _record(
    *,
    alert: Alert,
    channel: str,
    target: str,
    attempt: int,
    status: str,
    response_code: int | None = None,
    error: str = "",
) -> None:
    AlertDelivery.objects.create(
        alert=alert,
        channel=channel,
        target=target[:500],
        attempt=attempt,
        status=status,
        response_code=response_code,
        error=error[:_ERROR_LENGTH],
    )


def _already_sent(alert: Alert, channel: str) -> bool:
    return alert.deliveries.filter(channel=channel, status=AlertDelivery.Status.SENT).exists()


# --- e-mail --------------------------------------------------------------------------------


def alert_email_message(*, alert: Alert) -> EmailMultiAlternatives:
    """The alert e-mail (plain text and HTML) in the organisation's language."""
    department = alert.touchpoint.department
    with translation.override(alert.organisation.default_language):
        context = {
            "alert": alert,
            "organisation": alert.organisation,
            "touchpoint": alert.touchpoint,
            "department": department,
            "headline": alert_headline(alert),
            "explanation": alert_explanation(alert),
            "kpi_label": kpi_label(alert.kpi),
            "link": dashboard_link(alert),
            "alerts_link": settings.SITE_URL + alert_page_path(alert),
            "language": alert.organisation.default_language,
        }
        subject = f"[cxmonitor] {context['headline']}"
        text = render_to_string("emails/alert.txt", context)
        html = render_to_string("emails/alert.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[department.notification_email],
    )
    message.attach_alternative(html, "text/html")
    return message


def alert_email_deliver(*, alert_id: int, attempt: int = 1) -> DeliveryOutcome:
    """One attempt to e-mail an alert to its touchpoint's owning department."""
    alert = _alert_for_delivery(alert_id)
    if alert is None:
        return DeliveryOutcome("gone", retry=False)
    channel = AlertDelivery.Channel.EMAIL
    if _already_sent(alert, channel):
        return DeliveryOutcome(AlertDelivery.Status.SENT, retry=False)
    address = alert.touchpoint.department.notification_email
    if not address:
        _record(
            alert=alert,
            channel=channel,
            target="",
            attempt=attempt,
            status=AlertDelivery.Status.SKIPPED,
            error="the department has no notification address",
        )
        return DeliveryOutcome(AlertDelivery.Status.SKIPPED, retry=False)
    try:
        alert_email_message(alert=alert).send(fail_silently=False)
    except Exception as error:  # any mail server trouble: record, retry later
        logger.warning("alert %s: e-mail attempt %s failed: %s", alert.pk, attempt, error)
        _record(
            alert=alert,
            channel=channel,
            target=address,
            attempt=attempt,
            status=AlertDelivery.Status.FAILED,
            error=f"{type(error).__name__}: {error}",
        )
        return DeliveryOutcome(AlertDelivery.Status.FAILED, retry=attempt < MAX_ATTEMPTS)
    _record(
        alert=alert,
        channel=channel,
        target=address,
        attempt=attempt,
        status=AlertDelivery.Status.SENT,
    )
    return DeliveryOutcome(AlertDelivery.Status.SENT, retry=False)


# --- webhook -------------------------------------------------------------------------------


def alert_webhook_payload(*, alert: Alert) -> dict[str, Any]:
    """The JSON body of the webhook; field names are a contract with receivers."""
    return {
        "alert_id": alert.pk,
        "organisation": alert.organisation.slug,
        "touchpoint": alert.touchpoint.public_key,
        "touchpoint_name": alert.touchpoint.name,
        "department": alert.touchpoint.department.name,
        "kpi": alert.kpi,
        "condition": alert.rule.condition,
        "direction": alert.direction,
        "value": alert.value,
        "expected": alert.expected,
        "limit": alert.limit,
        "p_value": alert.p_value,
        "n": alert.n,
        "day": alert.day.isoformat(),
        "breach_start": alert.breach_start.isoformat(),
        "link": dashboard_link(alert),
    }


def webhook_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=` + hex HMAC-SHA256 over `<timestamp>.<raw body>` with the endpoint's secret.

    Signing the timestamp too lets a receiver reject replays of an old, validly signed body.
    """
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def _retryable(code: int) -> bool:
    return code >= 500 or code in (408, 425, 429)


def alert_webhook_deliver(
    *, alert_id: int, attempt: int = 1, timeout: float = WEBHOOK_TIMEOUT
) -> DeliveryOutcome:
    """One signed POST of an alert to its rule's webhook endpoint."""
    alert = _alert_for_delivery(alert_id)
    if alert is None:
        return DeliveryOutcome("gone", retry=False)
    endpoint = alert.rule.webhook
    channel = AlertDelivery.Channel.WEBHOOK
    if endpoint is None or not endpoint.is_active:
        return DeliveryOutcome(AlertDelivery.Status.SKIPPED, retry=False)
    if _already_sent(alert, channel):
        return DeliveryOutcome(AlertDelivery.Status.SENT, retry=False)
    body = json.dumps(alert_webhook_payload(alert=alert), separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "cxmonitor-webhook/1",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: webhook_signature(secret=endpoint.secret, timestamp=timestamp, body=body),
        "X-CX-Event": "alert.created",
        "X-CX-Delivery": f"{alert.pk}-{attempt}",
    }
    try:
        code = post_to_public_address(endpoint.url, body, headers, timeout=timeout)
    except OutboundRefusedError as error:
        # Checked again before every send (DNS may have changed); nothing was connected to.
        _record(
            alert=alert,
            channel=channel,
            target=endpoint.url,
            attempt=attempt,
            status=AlertDelivery.Status.FAILED,
            error=f"refused: {error}",
        )
        return DeliveryOutcome(AlertDelivery.Status.FAILED, retry=False)
    except (OSError, ValueError) as error:  # refused, DNS, TLS, timeout (all OSError)
        _record(
            alert=alert,
            channel=channel,
            target=endpoint.url,
            attempt=attempt,
            status=AlertDelivery.Status.FAILED,
            error=f"{type(error).__name__}: {error}",
        )
        return DeliveryOutcome(AlertDelivery.Status.FAILED, retry=attempt < MAX_ATTEMPTS)
    if 200 <= code < 300:
        _record(
            alert=alert,
            channel=channel,
            target=endpoint.url,
            attempt=attempt,
            status=AlertDelivery.Status.SENT,
            response_code=code,
        )
        return DeliveryOutcome(AlertDelivery.Status.SENT, retry=False, response_code=code)
    _record(
        alert=alert,
        channel=channel,
        target=endpoint.url,
        attempt=attempt,
        status=AlertDelivery.Status.FAILED,
        response_code=code,
        error=f"HTTP {code}",
    )
    return DeliveryOutcome(
        AlertDelivery.Status.FAILED,
        retry=_retryable(code) and attempt < MAX_ATTEMPTS,
        response_code=code,
    )


def retry_countdown(*, attempt: int, base: float) -> float:
    """Seconds before attempt + 1: base, 2 base, 4 base, ... (exponential backoff)."""
    return base * 2.0 ** (attempt - 1)
