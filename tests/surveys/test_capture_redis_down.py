"""A dead or hung Redis never costs an answer and never makes the customer wait."""

import time
from collections.abc import Iterator
from datetime import date

import pytest
from django.test import Client, override_settings
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks

from surveys.models import Response
from surveys.services import aggregation_schedule, broker_breaker
from surveys.throttling import cache_breaker

from .capture_support import API_URL, DeadRedis, api_payload, celery_conf, make_setup, post

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["refused", "hung"])
def dead_redis(request: pytest.FixtureRequest) -> Iterator[DeadRedis]:
    """Broker and cache both pointed at a Redis that refuses connections or never answers."""
    dead = DeadRedis(hung=request.param == "hung")
    cache_breaker.reset()
    broker_breaker.reset()
    try:
        with (
            override_settings(CACHES=dead.caches()),
            celery_conf(
                broker_url=dead.url,
                task_always_eager=False,
                broker_transport_options={
                    "socket_connect_timeout": 0.5,
                    "socket_timeout": 0.5,
                    "max_retries": 0,
                },
            ),
        ):
            yield dead
    finally:
        cache_breaker.reset()
        broker_breaker.reset()
        dead.close()


def test_api_stores_the_answer_quickly_when_redis_is_unreachable(
    client: Client,
    dead_redis: DeadRedis,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    # given
    setup = make_setup()
    body = api_payload(setup)
    assert client.get(API_URL).status_code == 405  # warm up imports; touches neither cache nor DB
    # when: the request runs its on-commit scheduling too
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        answer = post(client, body)
    elapsed = time.monotonic() - started
    # then
    assert answer.status_code == 201, answer.content
    assert len(callbacks) == 1
    assert elapsed < 2.0, f"took {elapsed:.2f} s"
    assert Response.objects.filter(
        pk=answer.json()["id"], submission_id=body["submission_id"]
    ).exists()


def test_following_requests_do_not_wait_for_the_dead_cache_again(
    client: Client,
    dead_redis: DeadRedis,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    setup = make_setup()
    post(client, api_payload(setup))  # the first one finds out that Redis is gone
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        statuses = [post(client, api_payload(setup)).status_code for _ in range(5)]
    elapsed = time.monotonic() - started
    assert statuses == [201] * 5
    assert elapsed < 1.0, f"five requests took {elapsed:.2f} s"
    assert Response.objects.count() == 6


def test_scheduling_swallows_broker_errors_within_a_second(dead_redis: DeadRedis) -> None:
    started = time.monotonic()
    aggregation_schedule(touchpoint_id=1, day=date(2024, 5, 1))  # must not raise
    assert time.monotonic() - started < 1.2


def test_publish_to_a_dead_broker_fails_fast_even_when_the_cache_works() -> None:
    """The broker settings alone bound the wait (here the cache is the test's normal one)."""
    from celery import signature

    dead = DeadRedis(hung=False)
    broker_breaker.reset()
    try:
        with celery_conf(broker_url=dead.url, task_always_eager=False) as app:
            started = time.monotonic()
            with pytest.raises(Exception):  # noqa: B017 - kombu's OperationalError
                signature("dashboards.aggregate_touchpoint_day", app=app).apply_async(
                    kwargs={"touchpoint_id": 1, "day": "2024-05-01"}, countdown=2
                )
            elapsed = time.monotonic() - started
            started = time.monotonic()
            aggregation_schedule(touchpoint_id=1, day=date(2024, 5, 2))  # logged, not raised
            elapsed_service = time.monotonic() - started
            assert not broker_breaker.available()
    finally:
        broker_breaker.reset()
    assert elapsed < 1.0, f"apply_async blocked {elapsed:.2f} s"
    assert elapsed_service < 1.0


def test_hung_broker_with_a_working_cache_delays_one_request_per_pause(
    client: Client, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    dead = DeadRedis(hung=True)
    setup = make_setup()
    broker_breaker.reset()
    assert client.get(API_URL).status_code == 405  # warm up
    try:
        with celery_conf(
            broker_url=dead.url,
            task_always_eager=False,
            broker_transport_options={"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        ):
            timings = []
            for _ in range(4):
                started = time.monotonic()
                with django_capture_on_commit_callbacks(execute=True):
                    assert post(client, api_payload(setup)).status_code == 201
                timings.append(time.monotonic() - started)
    finally:
        broker_breaker.reset()
        dead.close()
    assert timings[0] < 2.5, timings
    assert sum(timings[1:]) < 1.0, timings  # the breaker spares the next customers
    assert Response.objects.count() == 4
