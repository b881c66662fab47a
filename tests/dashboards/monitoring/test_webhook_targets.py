"""Webhooks reach public addresses only: refused at save and before each send, no redirects."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from cxmonitor.outbound import (
    IPAddress,
    OutboundRefusedError,
    post_to_public_address,
    resolve,
    target_problem,
)
from dashboards.monitoring.models import Alert, AlertDelivery, AlertRule, WebhookEndpoint
from dashboards.monitoring.services import alert_webhook_deliver, alerts_evaluate
from tests.dashboards.monitoring.alerts_support import (
    monitored_touchpoint,
    organisation_with_department,
    simulate,
)

END = date(2026, 6, 30)
INTERNAL = [
    "http://127.0.0.1:6379/",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1/",
    "http://192.168.1.20:8080/hook",
    "http://172.16.5.5/",
    "http://[::1]:8000/",
    "http://[fe80::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://0.0.0.0/",
    "http://224.0.0.1/",
    "http://100.64.0.1/",
    "http://localhost:5432/",
]


@pytest.mark.parametrize("url", INTERNAL)
def test_internal_targets_are_refused(url: str) -> None:
    problem = target_problem(url)
    assert problem is not None and "internal" in problem


@pytest.mark.parametrize(
    "url", ["ftp://example.org/", "http://user:pw@93.184.215.14/", "http:///nohost", "file:///etc"]
)
def test_only_plain_http_urls_with_a_host_are_called(url: str) -> None:
    assert target_problem(url) is not None


def test_a_public_address_passes() -> None:
    # An address literal resolves to itself: no name service is asked.
    assert target_problem("https://93.184.215.14/hooks/cx") is None


def test_the_allow_list_admits_named_internal_networks_and_hosts() -> None:
    with override_settings(WEBHOOK_ALLOWED_TARGETS=["10.1.0.0/16", "localhost"]):
        assert target_problem("http://10.1.2.3/hook") is None
        assert target_problem("http://localhost:8080/hook") is None
        assert target_problem("http://10.2.0.1/hook") is not None
        assert target_problem("http://169.254.169.254/") is not None


@pytest.mark.django_db
def test_an_internal_webhook_cannot_be_saved() -> None:
    org = organisation_with_department()[0]
    endpoint = WebhookEndpoint(organisation=org, name="Redis", url="http://127.0.0.1:6379/")
    with pytest.raises(ValidationError) as raised:
        endpoint.full_clean()
    assert "url" in raised.value.message_dict


class _Recorder(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, code: int, location: str = "") -> None:
        super().__init__(("127.0.0.1", 0), _RecordingHandler)
        self.code, self.location, self.hits = code, location, 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


class _RecordingHandler(BaseHTTPRequestHandler):
    server: _Recorder

    def do_POST(self) -> None:
        self._answer()

    def do_GET(self) -> None:
        self._answer()

    def _answer(self) -> None:
        self.server.hits += 1
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(self.server.code)
        if self.server.location:
            self.send_header("Location", self.server.location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return None


@contextmanager
def recorder(code: int, location: str = "") -> Iterator[_Recorder]:
    server = _Recorder(code, location)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_a_name_that_turns_internal_after_the_check_is_not_connected_to() -> None:
    # Given a receiver on loopback and a name that resolves to a public address when checked,
    # and to loopback a moment later (DNS rebinding)
    with recorder(200) as server:
        answers: list[list[IPAddress]] = []

        def rebinding(host: str, port: int) -> list[IPAddress]:
            answers.append(resolve("93.184.215.14" if not answers else "127.0.0.1", port))
            return answers[-1]

        url = f"http://hooks.example:{server.server_address[1]}/hook"
        with pytest.raises(OutboundRefusedError):
            post_to_public_address(url, b"{}", {}, timeout=2, resolver=rebinding)
        assert server.hits == 0
        assert len(answers) == 2  # checked, then resolved again to connect


def test_redirects_are_answers_not_followed() -> None:
    with recorder(200) as inside, recorder(302, location="") as outside:
        outside.location = inside.url
        with override_settings(WEBHOOK_ALLOWED_TARGETS=["127.0.0.1"]):
            code = post_to_public_address(outside.url, b"{}", {}, timeout=2)
        assert code == 302
        assert (outside.hits, inside.hits) == (1, 0)


@pytest.mark.django_db
def test_each_send_checks_the_target_again(django_capture_on_commit_callbacks: object) -> None:
    # Given an alert whose rule names a webhook saved while its host was allow-listed
    org, phase, dept = organisation_with_department()
    m = monitored_touchpoint(phase=phase, dept=dept, name="Lieferung")
    simulate(m, np.random.default_rng(1), end=END, days=70, volume=30, drop=1.5, drop_days=5)
    alerts_evaluate(day=END, organisation_ids=[org.pk])
    alert = Alert.objects.get(organisation=org)
    with recorder(200) as server:
        with override_settings(WEBHOOK_ALLOWED_TARGETS=["127.0.0.1"]):
            endpoint = WebhookEndpoint(organisation=org, name="intern", url=server.url)
            endpoint.full_clean()
            endpoint.save()
        AlertRule.objects.filter(pk=alert.rule_id).update(webhook=endpoint)
        # When it is sent after the allow-list no longer names the host
        outcome = alert_webhook_deliver(alert_id=alert.pk, attempt=1)
        # Then nothing is connected to, the attempt is recorded as refused, and not retried
        assert server.hits == 0
    assert outcome.status == "failed" and not outcome.retry
    recorded = AlertDelivery.objects.get(alert=alert, channel="webhook")
    assert recorded.error.startswith("refused:") and recorded.response_code is None
