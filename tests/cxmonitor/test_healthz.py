"""/healthz reports each component; 503 when one is down, readable by a load balancer."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from dashboards.statistics.models import WorkerHeartbeat
from surveys.throttling import cache_breaker
from tests.faults.servers import PrivateRedis

pytestmark = pytest.mark.django_db


def _health(client: Client, query: str = "") -> tuple[int, dict[str, Any]]:
    answer = client.get("/healthz" + query)
    assert answer["Content-Type"] == "application/json"
    assert answer["Cache-Control"] == "no-store"
    return answer.status_code, answer.json()


@pytest.fixture
def production_redis() -> Iterator[PrivateRedis]:
    """Cache and broker on a private Redis the test may kill; the worker and sweep just ran."""
    redis = PrivateRedis().start()
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis.url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    now = timezone.now()
    WorkerHeartbeat.objects.create(pk=1, beat_at=now, swept_at=now, hostname="w1")
    try:
        with override_settings(
            CACHES=caches, CELERY_BROKER_URL=redis.url, CELERY_TASK_ALWAYS_EAGER=False
        ):
            yield redis
    finally:
        redis.stop()
        cache_breaker.reset()


@override_settings(
    CELERY_TASK_ALWAYS_EAGER=True,
    CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
)
def test_embedded_mode_is_healthy_without_broker_or_worker(client: Client) -> None:
    status, body = _health(client)
    assert status == 200 and body["status"] == "ok"
    states = {name: c["status"] for name, c in body["components"].items()}
    assert states == {
        "database": "ok",
        "cache": "ok",
        "broker": "off",
        "worker": "off",
        "sweep": "off",
    }


def test_every_component_up(client: Client, production_redis: PrivateRedis) -> None:
    status, body = _health(client)
    assert status == 200, body
    assert {c["status"] for c in body["components"].values()} == {"ok"}
    assert body["components"]["worker"]["age_seconds"] < 60


def test_redis_down_is_503_and_names_cache_and_broker(
    client: Client, production_redis: PrivateRedis
) -> None:
    production_redis.kill()
    status, body = _health(client)
    assert status == 503 and body["status"] == "down"
    states = {name: c["status"] for name, c in body["components"].items()}
    assert states == {
        "database": "ok",
        "cache": "down",
        "broker": "down",
        "worker": "ok",
        "sweep": "ok",
    }
    assert body["duration_ms"] < 3000
    # A load balancer that asks only for what a web node needs to serve pages and capture
    status, narrowed = _health(client, "?only=database")
    assert status == 200 and list(narrowed["components"]) == ["database"]


def test_a_stale_worker_or_sweep_is_down(client: Client, production_redis: PrivateRedis) -> None:
    WorkerHeartbeat.objects.update(
        beat_at=timezone.now() - timedelta(minutes=6), swept_at=timezone.now()
    )
    status, body = _health(client)
    assert status == 503
    assert body["components"]["worker"]["status"] == "down"
    assert body["components"]["worker"]["age_seconds"] >= 360
    assert body["components"]["sweep"]["status"] == "ok"


def test_an_unknown_component_is_a_field_error(client: Client) -> None:
    answer = client.get("/healthz?only=database,disk")
    assert answer.status_code == 400
    assert answer.json()["errors"] == {"only": ["disk"]}
