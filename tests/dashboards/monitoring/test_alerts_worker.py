"""A real Celery worker against Redis and PostgreSQL delivers a new alert: the e-mail, and the
webhook retried with backoff after a 503."""

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np
import pytest

from dashboards.monitoring.models import Alert, AlertDelivery, AlertRule, WebhookEndpoint
from dashboards.monitoring.services import alert_rules_create_defaults, alerts_evaluate
from tests.dashboards.monitoring.alerts_support import (
    monitored_touchpoint,
    organisation_with_department,
    receiver_url,
    simulate,
    webhook_receiver,
)
from tests.dashboards.statistics.test_worker import Worker, worker  # noqa: F401

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
END = date(2026, 6, 30)


def wait_for(condition: Callable[[], Any], seconds: float = 45) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.3)
    return condition()


def test_worker_delivers_mail_and_retries_the_webhook(worker: Worker) -> None:  # noqa: F811
    # Given a drop, and a webhook receiver that is briefly unavailable
    org, phase, dept = organisation_with_department(email="logistik@example.org")
    m = monitored_touchpoint(phase=phase, dept=dept, name="Lieferung")
    simulate(m, np.random.default_rng(1), end=END, days=70, volume=30, drop=1.5, drop_days=5)
    with webhook_receiver([503, 200]) as server:
        endpoint = WebhookEndpoint.objects.create(
            organisation=org, name="Tickets", url=receiver_url(server)
        )
        alert_rules_create_defaults(organisation=org)
        AlertRule.objects.filter(organisation=org).update(webhook=endpoint)

        # When the evaluation commits a new alert (the deliveries go through Redis)
        result = alerts_evaluate(day=END, organisation_ids=[org.pk])
        assert len(result.created) == 1
        alert = Alert.objects.get(pk=result.created[0])

        # Then the worker mails it and delivers the webhook on the second, later attempt
        sent = wait_for(
            lambda: AlertDelivery.objects.filter(alert=alert, status="sent").count() == 2
        )
        assert sent, worker.output()[-3000:]
    deliveries = list(AlertDelivery.objects.filter(alert=alert).order_by("created_at"))
    webhook = [d for d in deliveries if d.channel == "webhook"]
    assert [(d.attempt, d.status, d.response_code) for d in webhook] == [
        (1, "failed", 503),
        (2, "sent", 200),
    ]
    # with the backoff between the attempts
    assert (webhook[1].created_at - webhook[0].created_at).total_seconds() >= 9
    email = [d for d in deliveries if d.channel == "email"]
    assert [(d.status, d.target) for d in email] == [("sent", "logistik@example.org")]
    body = server.received[-1].body
    timestamp = server.received[-1].headers["x-cx-timestamp"]
    signature = hmac.new(endpoint.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    assert server.received[-1].headers["x-cx-signature"] == "sha256=" + signature.hexdigest()
    assert json.loads(body)["alert_id"] == alert.pk
