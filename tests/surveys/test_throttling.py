"""Rate limits per hashed client IP and per touchpoint; the client IP behind trusted proxies."""

import time
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, RequestFactory, override_settings

from surveys.throttling import (
    CacheBreaker,
    cache_breaker,
    client_ip_from_request,
    client_ip_hash,
    parse_rate,
    rate_limit_check,
)

from .capture_support import DeadRedis, api_payload, counts, make_setup, post


def rates(ip: str, touchpoint: str) -> Any:
    framework = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"capture_ip": ip, "capture_touchpoint": touchpoint},
    }
    return override_settings(REST_FRAMEWORK=framework)


def test_parse_rate() -> None:
    assert parse_rate("60/min") == (60, 60)
    assert parse_rate("5/s") == (5, 1)
    assert parse_rate("1000/hour") == (1000, 3600)
    assert parse_rate("10/5m") == (10, 300)
    with pytest.raises(ValueError):
        parse_rate("10/fortnight")


def test_ip_limit_counts_per_client() -> None:
    with rates("3/min", "1000/min"):
        first = [rate_limit_check(client_ip="198.51.100.7", public_key="tp1") for _ in range(3)]
        over = rate_limit_check(client_ip="198.51.100.7", public_key="tp1")
        other = rate_limit_check(client_ip="198.51.100.8", public_key="tp1")
    assert first == [None, None, None]
    assert over is not None and 1 <= over <= 60
    assert other is None


def test_touchpoint_limit_counts_across_clients() -> None:
    with rates("1000/min", "2/min"):
        results = [rate_limit_check(client_ip=f"203.0.113.{i}", public_key="tpA") for i in range(3)]
        elsewhere = rate_limit_check(client_ip="203.0.113.99", public_key="tpB")
    assert results[:2] == [None, None]
    assert results[2] is not None
    assert elsewhere is None


def test_blocked_client_does_not_use_up_the_touchpoint_budget() -> None:
    with rates("1/min", "3/min"):
        for _ in range(10):
            rate_limit_check(client_ip="192.0.2.1", public_key="tpC")
        others = [rate_limit_check(client_ip=f"192.0.2.{i}", public_key="tpC") for i in (2, 3)]
    assert others == [None, None]


@pytest.mark.django_db
def test_api_answers_429_with_retry_after_and_writes_nothing(client: Client) -> None:
    setup = make_setup()
    with rates("2/min", "1000/min"):
        statuses = [post(client, api_payload(setup)).status_code for _ in range(2)]
        before = counts()
        throttled = post(client, api_payload(setup))
    assert statuses == [201, 201]
    assert throttled.status_code == 429
    assert 1 <= int(throttled["Retry-After"]) <= 60
    assert throttled.json()["detail"]
    assert counts() == before


@pytest.mark.django_db
def test_api_per_touchpoint_limit_applies_to_many_addresses(client: Client) -> None:
    setup = make_setup()
    with rates("1000/min", "2/min"):
        answers = [
            post(client, api_payload(setup), REMOTE_ADDR=f"198.51.100.{i}") for i in range(3)
        ]
    assert [a.status_code for a in answers] == [201, 201, 429]
    assert answers[2].has_header("Retry-After")


@pytest.mark.django_db
def test_malformed_requests_count_against_the_client_too(client: Client) -> None:
    make_setup()
    with rates("2/min", "1000/min"):
        statuses = [post(client, b"{broken").status_code for _ in range(3)]
    assert statuses == [400, 400, 429]


def test_cache_never_holds_the_raw_ip() -> None:
    from django.core.cache import cache

    ip = "198.51.100.123"
    rate_limit_check(client_ip=ip, public_key="tpD")
    store: Any = getattr(cache, "_cache", None)  # the backend's private client or dict
    if isinstance(store, dict):
        keys = list(store)  # local memory cache
    else:
        client = store.get_client()  # Redis cache
        keys = [k.decode() for k in client.keys("*")]
    assert keys, "the counter should be in the cache"
    assert not any(ip in key for key in keys)
    assert any(client_ip_hash(ip) in key for key in keys)


def test_ip_hash_is_keyed_and_stable() -> None:
    assert client_ip_hash("192.0.2.1") == client_ip_hash("192.0.2.1")
    assert client_ip_hash("192.0.2.1") != client_ip_hash("192.0.2.2")
    plain = client_ip_hash("192.0.2.1")
    with override_settings(SECRET_KEY="another-secret-key-for-this-test-only-0123456789abcdef"):
        assert client_ip_hash("192.0.2.1") != plain


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "10.0.0.1"),  # no proxy configured: X-Forwarded-For is ignored
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # a spoofed left entry is not believed
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (2, "203.0.113.9", "10.0.0.1"),  # fewer entries than proxies: fall back
        (1, "not-an-ip", "10.0.0.1"),
        (1, "", "10.0.0.1"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_ip_behind_proxies(proxies: int, forwarded: str, expected: str) -> None:
    request = RequestFactory().post(
        "/api/v1/responses/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded
    )
    with override_settings(PROXY_COUNT=proxies):
        assert client_ip_from_request(request) == expected


def test_limits_fail_open_and_fast_when_the_cache_is_down() -> None:
    dead = DeadRedis(hung=True)
    cache_breaker.reset()
    try:
        with override_settings(CACHES=dead.caches()), rates("1/min", "1/min"):
            started = time.monotonic()
            first = rate_limit_check(client_ip="192.0.2.1", public_key="tp")
            first_took = time.monotonic() - started
            started = time.monotonic()
            rest = [rate_limit_check(client_ip="192.0.2.1", public_key="tp") for _ in range(19)]
            rest_took = time.monotonic() - started
    finally:
        cache_breaker.reset()
        dead.close()
    assert [first, *rest] == [None] * 20  # fail open: nobody is blocked
    assert first_took < 2.0, f"the first call waited {first_took:.2f} s"
    assert rest_took < 0.2, f"{rest_took:.2f} s: later calls must not wait for the dead cache"


def test_breaker_closes_again_after_its_pause() -> None:
    breaker = CacheBreaker(pause=0.05)
    breaker.failed()
    assert not breaker.available()
    time.sleep(0.06)
    assert breaker.available()
