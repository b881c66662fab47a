"""Ingest benchmark: POST /api/v1/responses/ against a bare Django view writing the same rows.

Starts gunicorn (sync workers) on a free loopback port against PostgreSQL, drives both endpoints
with the same bounded load (threads, one keep-alive http.client connection each) in alternating
rounds, and prints requests per second, p50/p99 latency and the ratio. Prints figures; not a test.

    .venv/bin/python bench/ingest/run.py [--clients 8] [--requests 2000] [--workers 2]

DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/cx_bench_ingest (created and migrated
here). REDIS_URL, when set, is the server's cache (rate-limit counters) and broker, as in
production; without it a dedicated local Redis db is used if one answers, else none.
"""

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(BASE_DIR))
from bench.pg import ensure_database  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/cx_bench_ingest"
FALLBACK_REDIS_URL = "redis://127.0.0.1:6379/13"
API_PATH = "/api/v1/responses/"
BARE_PATH = "/bench/bare/"
TOUCHPOINT_NAME = "Bench ingest"


@dataclass(frozen=True)
class Phase:
    name: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _redis_url() -> str:
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"]
    try:
        import redis

        redis.Redis.from_url(FALLBACK_REDIS_URL, socket_connect_timeout=0.5).ping()
        return FALLBACK_REDIS_URL
    except Exception:
        return ""


def _server_env(database_url: str, redis_url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.ingest.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": "bench-ingest",
        "DEBUG": "false",
        "SECRET_KEY": "bench-ingest-secret-key-not-for-production-0123456789abcdefghij",
        "CUSTOMER_KEY_SECRET": "bench-ingest-customer-key-secret",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
        # Lift the capture rate limits: the counters are still kept, nobody is refused.
        "THROTTLE_CAPTURE_IP": "100000000/min",
        "THROTTLE_CAPTURE_TOUCHPOINT": "100000000/min",
        "PYTHONPATH": str(BASE_DIR),
    }
    return env


def _prepare(env: dict[str, str]) -> dict[str, object]:
    """Migrate, create one touchpoint with a survey, clear earlier runs' responses."""
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=BASE_DIR,
        env=env,
        check=True,
    )
    script = f"""
import json, django
django.setup()
from surveys.models import Item, Response, Survey
from touchpoints.models import Department, Organisation, Touchpoint
from touchpoints.services import journey_create
org, _ = Organisation.objects.get_or_create(slug="bench-ingest", defaults={{"name": "Bench"}})
dept, _ = Department.objects.get_or_create(organisation=org, name="Service")
journey = org.journeys.first() or journey_create(organisation=org, name="Bench")
tp, _ = Touchpoint.objects.get_or_create(
    phase=journey.phases.get(order=1), name={TOUCHPOINT_NAME!r},
    defaults={{"department": dept, "channel": "online"}},
)
survey = Survey.objects.filter(touchpoint=tp, is_active=True).first()
if survey is None:
    survey = Survey.objects.create(touchpoint=tp, title_de="B", title_en="B", is_active=True)
    for order, (kind, required) in enumerate(
        [("paired", True), ("paired", True), ("nps", True), ("comment", False)], start=1
    ):
        Item.objects.create(survey=survey, kind=kind, label_de=kind, label_en=kind,
                            order=order, required=required)
Response.objects.filter(touchpoint=tp).delete()
items = {{kind: [i.id for i in survey.items.filter(kind=kind).order_by("order")]
         for kind in ("paired", "nps", "comment")}}
print(json.dumps({{"key": tp.public_key, "items": items}}))
"""
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _start_server(env: dict[str, str], port: int, workers: int) -> subprocess.Popen[bytes]:
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    server = subprocess.Popen(
        [
            gunicorn,
            "cxmonitor.wsgi:application",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{port}",
            "--backlog",
            "256",
            "--log-level",
            "warning",
        ],
        cwd=BASE_DIR,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn exited during start")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            conn.close()
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not answer within 60 s")


def _body_factory(seed: dict[str, object], phase: str) -> Callable[[int, int], bytes]:
    key = seed["key"]
    items = seed["items"]
    assert isinstance(items, dict)
    paired, nps, comment = items["paired"], items["nps"][0], items["comment"][0]
    run = f"{int(time.time())}"

    def body(client: int, index: int) -> bytes:
        return json.dumps(
            {
                "touchpoint": key,
                "submission_id": f"{phase}-{run}-{client}-{index}",
                "language": "de",
                "channel": "api",
                "answers": [
                    {"item": paired[0], "expectation": 1 + index % 7, "satisfaction": 4},
                    {"item": paired[1], "expectation": 5, "satisfaction": 1 + client % 7},
                    {"item": nps, "value": index % 11},
                    {"item": comment, "text": "Schnell und freundlich."},
                ],
            }
        ).encode()

    return body


def _drive(
    port: int,
    path: str,
    make_body: Callable[[int, int], bytes],
    *,
    clients: int,
    per_client: int,
    max_seconds: float,
    name: str,
) -> Phase:
    """Bounded load: `clients` threads each send up to `per_client` requests before the deadline."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    barrier = threading.Barrier(clients + 1)
    deadline = [0.0]

    def client(number: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Content-Type": "application/json", "Connection": "keep-alive"}
        barrier.wait()
        for index in range(per_client):
            if time.monotonic() > deadline[0]:
                break
            body = make_body(number, index)
            started = time.perf_counter()
            try:
                conn.request("POST", path, body, headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 201
            except (OSError, http.client.HTTPException):
                conn.close()
                ok = False
            latencies[number].append((time.perf_counter() - started) * 1000)
            if not ok:
                errors[number] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    deadline[0] = time.monotonic() + max_seconds
    started = time.perf_counter()
    barrier.wait()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    flat = [value for per in latencies for value in per]
    return Phase(name, len(flat), sum(errors), seconds, flat)


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _combine(name: str, phases: list[Phase]) -> Phase:
    return Phase(
        name,
        sum(p.requests for p in phases),
        sum(p.errors for p in phases),
        sum(p.seconds for p in phases),
        [v for p in phases for v in p.latencies_ms],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=2000, help="per client and endpoint")
    parser.add_argument("--rounds", type=int, default=10, help="alternating rounds per endpoint")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-seconds", type=float, default=120, help="per round")
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    if not database_url.startswith("postgres"):
        raise SystemExit("the ingest benchmark needs PostgreSQL in DATABASE_URL")
    redis_url = _redis_url()
    ensure_database(database_url)
    env = _server_env(database_url, redis_url)
    seed = _prepare(env)
    port = _free_port()
    server = _start_server(env, port, args.workers)
    try:
        api_body = _body_factory(seed, "api")
        bare_body = _body_factory(seed, "bare")
        # Warm both paths (imports, connections, caches) before measuring.
        for path, phase in ((API_PATH, "warm-api"), (BARE_PATH, "warm-bare")):
            _drive(
                port,
                path,
                _body_factory(seed, phase),
                clients=2,
                per_client=50,
                max_seconds=30,
                name=phase,
            )
        per_round = max(1, args.requests // args.rounds)
        bare_rounds: list[Phase] = []
        api_rounds: list[Phase] = []
        for number in range(args.rounds):
            offset = number * per_round
            bare_rounds.append(
                _drive(
                    port,
                    BARE_PATH,
                    lambda c, i, o=offset: bare_body(c, i + o),
                    clients=args.clients,
                    per_client=per_round,
                    max_seconds=args.max_seconds,
                    name="bare",
                )
            )
            api_rounds.append(
                _drive(
                    port,
                    API_PATH,
                    lambda c, i, o=offset: api_body(c, i + o),
                    clients=args.clients,
                    per_client=per_round,
                    max_seconds=args.max_seconds,
                    name="api",
                )
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    bare = _combine("bare Django view (same rows, no checks)", bare_rounds)
    api = _combine("POST /api/v1/responses/", api_rounds)
    print(
        f"ingest benchmark: gunicorn {args.workers} sync workers, {args.clients} clients, "
        f"{args.rounds} alternating rounds, PostgreSQL "
        f"{urllib.parse.urlsplit(database_url).path.lstrip('/')}, "
        f"Redis {'yes' if redis_url else 'no'}, {os.cpu_count()} CPUs"
    )
    print(
        f"{'endpoint':<42} {'requests':>8} {'errors':>6} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}"
    )
    for phase in (api, bare):
        print(
            f"{phase.name:<42} {phase.requests:>8} {phase.errors:>6} {phase.rps:>8.1f} "
            f"{statistics.median(phase.latencies_ms):>8.2f} "
            f"{_percentile(phase.latencies_ms, 0.99):>8.2f}"
        )
    ratio = api.rps / bare.rps if bare.rps else float("nan")
    print(f"ratio api/bare: {ratio:.2f} (aim: at least 0.70)")


if __name__ == "__main__":
    main()
