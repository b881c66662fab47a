"""The one cache of computed pages: a page is computed at most once per data version and minute.

The key names the page, its organisation, filters, language, today and the data version (the
last aggregation, to the minute). Under steady traffic aggregation runs every few seconds;
recomputing a page at most once a minute keeps it day-current without recomputing it on every
view, and the page shows the time of the statistics it was computed from, so "data as of" stays
true.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from django.core.cache import cache

PAGE_CACHE_SECONDS = 600

P = TypeVar("P")


@dataclass(frozen=True)
class Computed(Generic[P]):
    """A computed page and the time of the statistics it was computed from ("data as of")."""

    page: P
    data_as_of: datetime | None


def page_cache_key(kind: str, *, data_as_of: datetime | None, parts: tuple[object, ...]) -> str:
    """The cache key of one page (or one htmx section of it) at the current data version."""
    version = data_as_of.strftime("%Y-%m-%dT%H:%M") if data_as_of else "none"
    digest = hashlib.sha256(repr((*parts, version)).encode()).hexdigest()[:32]
    return f"dash:{kind}:{digest}"


def page_cached(*, key: str, compute: Callable[[], P], data_as_of: datetime | None) -> Computed[P]:
    """The page stored under key, or computed now and stored."""
    found: Computed[P] | None = cache.get(key)
    if found is None:
        found = Computed(compute(), data_as_of)
        cache.set(key, found, PAGE_CACHE_SECONDS)
    return found
