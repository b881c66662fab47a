"""Helpers for the monitoring tests: daily statistics from raw arrays, a webhook receiver, eager
Celery, a mail backend that fails."""

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from smtplib import SMTPException
from typing import Any

import numpy as np
import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.test import override_settings

from dashboards.statistics.models import DailyStat, TouchpointDay
from surveys.models import Item, Survey
from tests import factories
from touchpoints.models import Department, Organisation, Phase, Touchpoint


@pytest.fixture
def eager_celery() -> Iterator[None]:
    """Run queued tasks in-process also when REDIS_URL makes Celery asynchronous."""
    from cxmonitor.celery import app

    # The app reads Django's CELERY_* settings, and the namespaced key outranks the plain one.
    keys = ["task_always_eager", "task_eager_propagates"]
    keys += [f"CELERY_{key.upper()}" for key in keys if f"CELERY_{key.upper()}" in app.conf]
    before = {key: app.conf[key] for key in keys}
    app.conf.update(dict.fromkeys(keys, True))
    yield
    app.conf.update(before)


class FailingEmailBackend(BaseEmailBackend):
    """A mail server that refuses every message."""

    def send_messages(self, email_messages: Any) -> int:
        raise SMTPException("421 service not available")


@dataclass
class Monitored:
    """A touchpoint with a one-paired-item survey and an NPS item."""

    touchpoint: Touchpoint
    survey: Survey
    paired: Item
    nps: Item


def monitored_touchpoint(*, phase: Phase, dept: Department, name: str | None = None) -> Monitored:
    tp = factories.touchpoint(phase=phase, dept=dept, name=name)
    srv = factories.survey(tp=tp, paired=1, nps=True, comment=False)
    paired, nps = list(srv.items.order_by("order"))
    return Monitored(tp, srv, paired, nps)


def organisation_with_department(
    *, email: str = "team@example.org", language: str = "de"
) -> tuple[Organisation, Phase, Department]:
    org = factories.organisation()
    if language != org.default_language:
        org.default_language = language
        org.save(update_fields=["default_language"])
    phase = factories.journey(org=org).phases.get(order=1)
    dept = factories.department(org=org, email=email)
    return org, phase, dept


def day_rows(
    m: Monitored, day: date, e: np.ndarray, s: np.ndarray, v: np.ndarray
) -> tuple[list[DailyStat], TouchpointDay]:
    """The daily statistics the aggregation would store for these raw answers of one day."""
    e, s, v = (np.asarray(x, dtype=int) for x in (e, s, v))
    g = s - e
    paired = DailyStat(
        touchpoint=m.touchpoint,
        item=m.paired,
        day=day,
        n=len(s),
        sum_e=int(e.sum()),
        sum_s=int(s.sum()),
        sumsq_e=int((e * e).sum()),
        sumsq_s=int((s * s).sum()),
        sum_es=int((e * s).sum()),
        sum_gap=int(g.sum()),
        sumsq_gap=int((g * g).sum()),
        top2_e=int((e >= 6).sum()),
        top2_s=int((s >= 6).sum()),
        hist_e=np.bincount(e - 1, minlength=7).tolist(),
        hist_s=np.bincount(s - 1, minlength=7).tolist(),
    )
    nps = DailyStat(
        touchpoint=m.touchpoint,
        item=m.nps,
        day=day,
        n=len(v),
        sum_v=int(v.sum()),
        sumsq_v=int((v * v).sum()),
        top2_v=int((v >= 9).sum()),
        hist_v=np.bincount(v, minlength=11).tolist(),
        promoters=int((v >= 9).sum()),
        passives=int(((v >= 7) & (v <= 8)).sum()),
        detractors=int((v <= 6).sum()),
    )
    return [paired, nps], TouchpointDay(touchpoint=m.touchpoint, day=day, responses=len(s))


@dataclass
class RawDay:
    e: np.ndarray
    s: np.ndarray
    v: np.ndarray


@dataclass
class Simulated:
    monitored: Monitored
    raw: dict[date, RawDay] = field(default_factory=dict)


def simulate(
    m: Monitored,
    rng: np.random.Generator,
    *,
    end: date,
    days: int,
    volume: float,
    satisfaction: float = 5.2,
    expectation: float = 5.3,
    nps_mean: float = 7.5,
    day_sd: float = 0.1,
    drop: float = 0.0,
    drop_days: int = 0,
) -> Simulated:
    """Write `days` days of daily statistics ending on `end`; the last `drop_days` days drop."""
    out = Simulated(m)
    stats: list[DailyStat] = []
    tp_days: list[TouchpointDay] = []
    for i in range(days):
        day = end - timedelta(days=days - 1 - i)
        n = int(rng.poisson(volume))
        if n == 0:
            continue
        shift = rng.normal(0.0, day_sd) - (drop if i >= days - drop_days else 0.0)
        e = np.clip(np.rint(rng.normal(expectation, 1.0, n)), 1, 7).astype(int)
        s = np.clip(np.rint(rng.normal(satisfaction + shift, 1.1, n)), 1, 7).astype(int)
        v = np.clip(np.rint(rng.normal(nps_mean + 0.6 * (s - satisfaction), 1.8, n)), 0, 10)
        v = v.astype(int)
        out.raw[day] = RawDay(e, s, v)
        rows, tp_day = day_rows(m, day, e, s, v)
        stats.extend(rows)
        tp_days.append(tp_day)
    DailyStat.objects.bulk_create(stats, batch_size=1000)
    TouchpointDay.objects.bulk_create(tp_days, batch_size=1000)
    return out


@dataclass
class Received:
    headers: dict[str, str]  # names in lower case: HTTP header names ignore case
    body: bytes


class _Receiver(ThreadingHTTPServer):
    daemon_threads = True
    host = "127.0.0.1"

    def __init__(self, codes: list[int], delay: float) -> None:
        super().__init__((self.host, 0), _Handler)
        self.codes = codes
        self.delay = delay
        self.received: list[Received] = []


class _Handler(BaseHTTPRequestHandler):
    server: _Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.server.received.append(Received({k.lower(): v for k, v in self.headers.items()}, body))
        if self.server.delay:
            time.sleep(self.server.delay)
        code = self.server.codes.pop(0) if self.server.codes else 200
        payload = json.dumps({"status": code}).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        return None


@contextmanager
def webhook_receiver(codes: list[int], *, delay: float = 0.0) -> Iterator[_Receiver]:
    """A real HTTP server on loopback answering POSTs with the given status codes in turn.

    Loopback is internal: the receiver is allow-listed as a deployment would list its own.
    """
    server = _Receiver(list(codes), delay)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with override_settings(WEBHOOK_ALLOWED_TARGETS=["127.0.0.1"]):
            yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def receiver_url(server: _Receiver) -> str:
    return f"http://{server.host}:{server.server_port}/hooks/cx"
