"""Rate limits for capture: per hashed client IP and per touchpoint, counted in the cache.

Fixed windows counted with `cache.add` + `cache.incr` (atomic in Redis, shared by every web
process). When the cache is unreachable the limits fail open: answers keep arriving and the error is
logged; a short in-process pause stops each request from waiting for a dead cache again.
"""

import hashlib
import hmac
import logging
import math
import threading
import time
import weakref
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest

from cxmonitor.client_address import client_address

logger = logging.getLogger(__name__)

CACHE_PAUSE_SECONDS = 10.0
_PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


class CacheBreaker:
    """Skips cache calls for a while after one failed, so a dead cache costs one timeout."""

    def __init__(self, pause: float = CACHE_PAUSE_SECONDS) -> None:
        self.pause = pause
        self._open_until = 0.0
        self._lock = threading.Lock()

    def available(self) -> bool:
        return time.monotonic() >= self._open_until

    def failed(self) -> None:
        with self._lock:
            self._open_until = time.monotonic() + self.pause

    def reset(self) -> None:
        with self._lock:
            self._open_until = 0.0


cache_breaker = CacheBreaker()


def parse_rate(rate: str) -> tuple[int, int]:
    """'60/min' -> (60, 60): requests allowed per window of so many seconds."""
    count, _, period = rate.partition("/")
    unit = period.strip().lower()
    digits = "".join(ch for ch in unit if ch.isdigit())
    multiplier = int(digits) if digits else 1
    seconds = _PERIODS.get(unit.lstrip("0123456789"))
    if seconds is None:
        raise ValueError(f"unknown rate period in {rate!r}")
    return int(count), seconds * multiplier


def _rates() -> tuple[tuple[int, int], tuple[int, int]]:
    framework: Mapping[str, Any] = settings.REST_FRAMEWORK
    configured: Mapping[str, str] = framework.get("DEFAULT_THROTTLE_RATES") or {}
    return (
        parse_rate(configured.get("capture_ip", "60/min")),
        parse_rate(configured.get("capture_touchpoint", "6000/min")),
    )


def client_ip_hash(client_ip: str) -> str:
    """Keyed hash of a client IP (HMAC-SHA256 under SECRET_KEY): usable as a key, not reversible."""
    return hmac.new(
        settings.SECRET_KEY.encode(), f"client-ip:{client_ip}".encode(), hashlib.sha256
    ).hexdigest()[:32]


def client_ip_from_request(request: HttpRequest) -> str:
    """The client address the lockout uses too (PROXY_COUNT honoured)."""
    return client_address(request)


def _wait(count: int, limit: int, start: int, window: int, now: float) -> int | None:
    return max(1, math.ceil(start + window - now)) if count > limit else None


def _count_generic(key: str, window: int, start: int) -> int:
    """Count one request in a window through the plain cache API (any backend)."""
    window_key = f"{key}:{start}"
    # add() creates the counter with a lifetime (incr alone would keep it forever in Redis).
    cache.add(window_key, 0, timeout=window + 1)
    try:
        return int(cache.incr(window_key))
    except ValueError:
        # The counter expired between add and incr: this request opens the window again.
        cache.add(window_key, 1, timeout=window + 1)
        return 1


_redis_clients: "weakref.WeakKeyDictionary[Any, Any]" = weakref.WeakKeyDictionary()


def redis_client(backend: RedisCache) -> Any:
    """A redis-py client on the cache backend's own connection pool, made once per backend.

    Django builds a new client object for every cache call; on the capture path that object's
    construction cost as much CPU as the Redis round trip itself.
    """
    inner = backend._cache  # type: ignore[attr-defined]
    client = _redis_clients.get(inner)
    if client is None:
        client = _redis_clients[inner] = inner.get_client(write=True)
    return client


def _count_redis(backend: RedisCache, counters: list[tuple[str, int, int]]) -> list[int]:
    """Count in every window with one round trip: SET NX EX + INCR per counter, pipelined.

    Django's Redis backend stores integers as plain Redis integers, so these counters are the
    same values cache.get/incr would see.
    """
    pipe = redis_client(backend).pipeline(transaction=False)
    for key, window, start in counters:
        full_key = backend.make_and_validate_key(f"{key}:{start}")
        pipe.set(full_key, 0, ex=window + 1, nx=True)
        pipe.incr(full_key)
    return [int(value) for value in pipe.execute()[1::2]]


def _touchpoint_key(public_key: str) -> str:
    # Hashed too: unknown keys from the wire never become raw cache keys.
    return f"rl:tp:{hashlib.sha256(public_key.encode('utf-8', 'replace')).hexdigest()[:32]}"


def rate_limit_check(*, client_ip: str, public_key: str) -> int | None:
    """Seconds to wait when this client or touchpoint is over its limit, else None (fail open)."""
    if not cache_breaker.available():
        return None
    (ip_limit, ip_window), (tp_limit, tp_window) = _rates()
    now = time.time()
    ip_start = int(now // ip_window) * ip_window
    tp_start = int(now // tp_window) * tp_window
    ip_key = f"rl:ip:{client_ip_hash(client_ip)}"
    tp_key = _touchpoint_key(public_key)
    backend = caches["default"]
    try:
        if isinstance(backend, RedisCache):
            counters = [(ip_key, ip_window, ip_start)]
            if public_key:
                counters.append((tp_key, tp_window, tp_start))
            counts = _count_redis(backend, counters)
            wait = _wait(counts[0], ip_limit, ip_start, ip_window, now)
            if wait is not None and public_key:
                # A client already over its own limit does not use up the touchpoint's budget.
                backend.decr(f"{tp_key}:{tp_start}")
            elif public_key:
                wait = _wait(counts[1], tp_limit, tp_start, tp_window, now)
            return wait
        wait = _wait(
            _count_generic(ip_key, ip_window, ip_start), ip_limit, ip_start, ip_window, now
        )
        if wait is None and public_key:
            count = _count_generic(tp_key, tp_window, tp_start)
            wait = _wait(count, tp_limit, tp_start, tp_window, now)
        return wait
    except Exception:
        cache_breaker.failed()
        logger.warning("rate limits not counted: cache unavailable (failing open)", exc_info=True)
        return None


def touchpoint_budget_refund(*, public_key: str, counted_at: float) -> None:
    """Give back a request's count in its touchpoint's window: it was refused or not stored.

    Only validated, stored answers use up a touchpoint's budget, so a burst of bad requests or
    of requests failed by a database outage does not lock the touchpoint afterwards.
    """
    if not public_key or not cache_breaker.available():
        return
    _, (_, tp_window) = _rates()
    tp_start = int(counted_at // tp_window) * tp_window
    try:
        caches["default"].decr(f"{_touchpoint_key(public_key)}:{tp_start}")
    except ValueError:
        pass  # the window is over and its counter gone
    except Exception:
        cache_breaker.failed()
        logger.warning("rate-limit count not given back: cache unavailable", exc_info=True)
