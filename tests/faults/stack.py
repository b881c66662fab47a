"""A production-shaped stack of private processes, a load that retries like a real client, and an
independent recount of the daily statistics.

gunicorn, a Celery worker and beat run with production variables (DEBUG off, PostgreSQL, Redis)
against a PostgreSQL cluster and a Redis of their own on free loopback ports.
"""

import http.client
import json
import os
import random
import secrets
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from django.conf import settings

from .servers import CeleryProcess, PrivatePostgres, PrivateRedis, free_port, wait_for

API = "/api/v1/responses/"
RETRYABLE = {429, 502, 503, 504}
SETUP = """
import json
from tests import factories as f
out = []
org = f.organisation(name="Fault GmbH")
for i in range(3):
    tp = f.touchpoint(org=org, name=f"Fault {i}")
    srv = f.survey(tp=tp, paired=1, nps=True, comment=False)
    paired, nps = srv.items.order_by("order")
    out.append({"key": tp.public_key, "paired": paired.pk, "nps": nps.pk})
print("SETUP=" + json.dumps(out))
"""


@dataclass(frozen=True)
class Target:
    key: str
    paired: int
    nps: int


class Stack:
    """PostgreSQL, Redis, gunicorn, worker and beat of the test's own."""

    def __init__(self, *, sweep_seconds: int) -> None:
        self.pg = PrivatePostgres()
        self.redis = PrivateRedis()
        self.port = free_port()
        self.env = {
            "DATABASE_URL": "",
            "REDIS_URL": self.redis.url,
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(40),
            "CUSTOMER_KEY_SECRET": secrets.token_urlsafe(40),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "AGGREGATION_SWEEP_SECONDS": str(sweep_seconds),
            "THROTTLE_CAPTURE_IP": "1000000/min",
            "THROTTLE_CAPTURE_TOUCHPOINT": "1000000/min",
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "cxmonitor.settings",
        }
        self.web: subprocess.Popen[bytes] | None = None
        self.worker: CeleryProcess | None = None
        self.beat: CeleryProcess | None = None
        self.targets: list[Target] = []

    def _manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=settings.BASE_DIR,
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode:
            raise RuntimeError(f"manage.py {args[0]} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def start(self) -> "Stack":
        self.pg.start()
        self.pg.createdb("cx")
        self.env["DATABASE_URL"] = self.pg.url("cx")
        self.redis.start()
        self._manage("migrate", "--noinput", "-v0")
        line = next(x for x in self._manage("shell", "-c", SETUP).splitlines() if "SETUP=" in x)
        self.targets = [Target(**t) for t in json.loads(line.split("SETUP=", 1)[1])]
        self.web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "cxmonitor.wsgi", "--workers", "2",
             "--bind", f"127.0.0.1:{self.port}", "--graceful-timeout", "5"],
            cwd=settings.BASE_DIR,
            env={**os.environ, **self.env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        if not wait_for(lambda: self.get("/healthz?only=database")[0] == 200, seconds=60):
            raise RuntimeError("gunicorn did not answer")
        self.worker = self.start_worker()
        self.beat = CeleryProcess(kind="beat", env=self.env).start()
        return self

    def start_worker(self) -> CeleryProcess:
        worker = CeleryProcess(kind="worker", env=self.env).start()
        worker.wait_ready()
        return worker

    def get(self, path: str) -> tuple[int, str]:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            connection.request("GET", path)
            answer = connection.getresponse()
            return answer.status, answer.read().decode()
        except OSError:
            return 0, ""

    def stop(self) -> None:
        for process in (self.beat, self.worker):
            if process is not None:
                process.cleanup()
        if self.web is not None and self.web.poll() is None:
            self.web.terminate()
            try:
                self.web.wait(15)
            except subprocess.TimeoutExpired:
                self.web.kill()
        self.redis.stop()
        self.pg.cleanup()

    def sql(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.pg.url("cx"), connect_timeout=5) as connection:
            return list(connection.execute(query.encode(), params).fetchall())

    def stored(self, prefix: str) -> set[str]:
        rows = self.sql(
            "SELECT submission_id FROM surveys_response WHERE submission_id LIKE %s", prefix + "%"
        )
        return {row[0] for row in rows}

    def statistics_diff(self) -> int:
        """Touchpoint × item × day cells where the daily statistics differ from a recount."""
        recount = self.sql(RECOUNT)
        stored = self.sql(
            "SELECT touchpoint_id, item_id, day, n, sum_e, sum_s, sum_v FROM dashboards_dailystat"
        )
        expected = {row[:3]: tuple(int(v) for v in row[3:]) for row in recount}
        actual = {row[:3]: tuple(int(v) for v in row[3:]) for row in stored}
        return sum(
            1 for cell in expected.keys() | actual.keys() if expected.get(cell) != actual.get(cell)
        )

    def wait_healed(self, *, seconds: float) -> float | None:
        """Seconds until the statistics equal the recount, or None if they did not in time."""
        started = time.monotonic()
        healed = wait_for(lambda: self._diff_or_none() == 0, seconds=seconds, step=1.0)
        return round(time.monotonic() - started, 1) if healed else None

    def _diff_or_none(self) -> int | None:
        try:
            return self.statistics_diff()
        except psycopg.Error:
            return None


# Independent of the aggregation code: plain sums over the raw answers by local day.
RECOUNT = """
SELECT r.touchpoint_id, a.item_id, (r.submitted_at AT TIME ZONE o.time_zone)::date AS day,
       count(*), coalesce(sum(a.expectation), 0), coalesce(sum(a.satisfaction), 0),
       coalesce(sum(a.value), 0)
FROM surveys_answer a
JOIN surveys_response r ON r.id = a.response_id
JOIN touchpoints_touchpoint t ON t.id = r.touchpoint_id
JOIN touchpoints_phase p ON p.id = t.phase_id
JOIN touchpoints_journey j ON j.id = p.journey_id
JOIN touchpoints_organisation o ON o.id = j.organisation_id
GROUP BY 1, 2, 3
"""


@dataclass
class LoadResult:
    acknowledged: set[str] = field(default_factory=set)
    statuses: Counter[int] = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Load:
    """Clients that post answers for a while; on 429/5xx or a dropped connection they send the
    same submission again (as an integration would), so every answer ends acknowledged."""

    def __init__(
        self, stack: Stack, *, prefix: str, clients: int, seconds: float, days_back: int = 0
    ) -> None:
        self.stack, self.prefix, self.clients = stack, prefix, clients
        self.seconds, self.days_back = seconds, days_back
        self.result = LoadResult()
        self._threads: list[threading.Thread] = []

    def start(self) -> "Load":
        deadline = time.monotonic() + self.seconds
        for number in range(self.clients):
            thread = threading.Thread(target=self._client, args=(number, deadline), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def join(self) -> LoadResult:
        for thread in self._threads:
            thread.join()
        return self.result

    def _body(self, rng: random.Random, submission_id: str) -> bytes:
        target = rng.choice(self.stack.targets)
        back = timedelta(days=rng.randint(0, self.days_back), minutes=rng.randint(0, 600))
        submitted = datetime.now(UTC) - back if self.days_back else None
        body: dict[str, Any] = {
            "touchpoint": target.key,
            "submission_id": submission_id,
            "language": "de",
            "answers": [
                {"item": target.paired, "expectation": rng.randint(1, 7),
                 "satisfaction": rng.randint(1, 7)},
                {"item": target.nps, "value": rng.randint(0, 10)},
            ],
        }  # fmt: skip
        if submitted is not None:
            body["submitted_at"] = submitted.isoformat()
        return json.dumps(body).encode()

    def _client(self, number: int, deadline: float) -> None:
        rng = random.Random(f"{self.prefix}-{number}")
        connection: http.client.HTTPConnection | None = None
        sent = 0
        while time.monotonic() < deadline:
            submission_id = f"{self.prefix}-{number}-{sent}"
            body = self._body(rng, submission_id)
            sent += 1
            # Retry the same submission for up to two minutes past the load's end.
            while time.monotonic() < deadline + 120:
                status = 0
                try:
                    if connection is None:
                        connection = http.client.HTTPConnection(
                            "127.0.0.1", self.stack.port, timeout=10
                        )
                    connection.request(
                        "POST", API, body=body, headers={"Content-Type": "application/json"}
                    )
                    answer = connection.getresponse()
                    answer.read()
                    status = answer.status
                except (OSError, http.client.HTTPException):
                    if connection is not None:
                        connection.close()
                    connection = None
                with self.result.lock:
                    self.result.statuses[status] += 1
                    if status in (200, 201):
                        self.result.acknowledged.add(submission_id)
                    elif status and status not in RETRYABLE:
                        self.result.unexpected.append(f"{status} for {submission_id}")
                if status in (200, 201) or (status and status not in RETRYABLE):
                    break
                time.sleep(0.2)
        if connection is not None:
            connection.close()
