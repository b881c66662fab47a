"""The one cache of computed pages: a page is computed at most once per data version and minute.

The key names the page, its organisation, filters, language, today and the data version (the
last aggregation, to the minute). Under steady traffic aggregation runs every few seconds;
recomputing a page at most once a minute keeps it day-current without recomputing it on every
view, and the page shows the time of the statistics it was computed from, so "data as of" stays
true.
"""

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar, cast

from django.core.cache import cache

logger = logging.getLogger(__name__)

PAGE_CACHE_SECONDS = 600
CACHE_PAUSE_SECONDS = 10.0

P = TypeVar("P")


@dataclass(frozen=True)
class Computed(Generic[P]):
    """A computed page and the time of the statistics it was computed from ("data as of")."""

    page: P
    data_as_of: datetime | None
    # True when the cache did not answer: computed for this view alone, the page says so.
    without_cache: bool = False


class _CachePause:
    """After a failed cache call, pages skip the cache for a while (one timeout, not one each)."""

    def __init__(self, seconds: float = CACHE_PAUSE_SECONDS) -> None:
        self.seconds = seconds
        self._until = 0.0

    def active(self) -> bool:
        return time.monotonic() < self._until

    def start(self) -> None:
        self._until = time.monotonic() + self.seconds

    def reset(self) -> None:
        self._until = 0.0


cache_pause = _CachePause()


def cache_get(key: str) -> tuple[bool, Any]:
    """(cache answered, value); never raises: pages fail open on the cache like capture does."""
    if cache_pause.active():
        return False, None
    try:
        return True, cache.get(key)
    except Exception:
        cache_pause.start()
        logger.warning("page cache unavailable: computing without it", exc_info=True)
        return False, None


def cache_set(key: str, value: object, timeout: int) -> None:
    """Store if the cache answers; a failure only pauses the cache for pages."""
    if cache_pause.active():
        return
    try:
        cache.set(key, value, timeout)
    except Exception:
        cache_pause.start()
        logger.warning("page cache unavailable: result not stored", exc_info=True)


def page_cache_key(kind: str, *, data_as_of: datetime | None, parts: tuple[object, ...]) -> str:
    """The cache key of one page (or one htmx section of it) at the current data version."""
    version = data_as_of.strftime("%Y-%m-%dT%H:%M") if data_as_of else "none"
    digest = hashlib.sha256(repr((*parts, version)).encode()).hexdigest()[:32]
    return f"dash:{kind}:{digest}"


def page_cached(*, key: str, compute: Callable[[], P], data_as_of: datetime | None) -> Computed[P]:
    """The page stored under key, or computed now and stored (computed alone if no cache)."""
    answered, found = cache_get(key)
    if not answered:
        return Computed(compute(), data_as_of, without_cache=True)
    if found is None:
        found = Computed(compute(), data_as_of)
        cache_set(key, found, PAGE_CACHE_SECONDS)
    return cast(Computed[P], found)
