"""Page-level reads of the two dashboards, composed from `selectors.kpis` and the analytics.

Computed pages are cached under a key that contains the organisation's data version (the last
aggregation time to the minute, one cheap query per request), so repeated views skip the
arithmetic and the templates can cache their rendered fragments under the same key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import astuple, dataclass
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.core.cache import cache

from dashboards.selectors import kpis
from dashboards.selectors.importance import importance_for

from .analysis import (
    AnalysisPage,
    CommentsView,
    analysis_window,
    comments_view,
    gap_rows,
    heatmap_view,
    ipa_view,
    kpi_series,
    lag_view,
    link_candidates,
    newest_signal,
    satrec_view,
    segment_rows,
    strongest_link,
    trend_view,
)
from .dashboard import (
    DashboardPage,
    Freshness,
    dashboard_page,
    freshness,
    tiles_sorted,
    touchpoint_signals,
)
from .scope import OrgChoice, OrgScope, organisation_choose, organisation_scope

if TYPE_CHECKING:
    from dashboards.forms import AnalysisChoices, Filters

__all__ = [
    "AnalysisPage",
    "Computed",
    "DashboardPage",
    "Freshness",
    "OrgChoice",
    "OrgScope",
    "PageHandle",
    "analysis_page",
    "dashboard_page",
    "dashboard_page_cached",
    "freshness",
    "organisation_choose",
    "organisation_scope",
    "tiles_sorted",
]

PAGE_CACHE_SECONDS = 600

P = TypeVar("P")


@dataclass(frozen=True)
class Computed(Generic[P]):
    """A computed page and the time of the statistics it was computed from ("data as of")."""

    page: P
    data_as_of: datetime | None


class PageHandle(Generic[P]):
    """A page's cache key, and the page itself fetched (or computed) only when first used.

    Templates cache their rendered fragments under the same key, so a repeated view that finds
    every fragment cached never unpickles the page at all.
    """

    def __init__(self, key: str, compute: Callable[[], P], data_as_of: datetime | None) -> None:
        self.key = key
        self._compute = compute
        self._data_as_of = data_as_of

    @cached_property
    def computed(self) -> Computed[P]:
        found: Computed[P] | None = cache.get(self.key)
        if found is None:
            found = Computed(self._compute(), self._data_as_of)
            cache.set(self.key, found, PAGE_CACHE_SECONDS)
        return found

    @property
    def page(self) -> P:
        return self.computed.page


def _version(data_as_of: datetime | None) -> str:
    """The data version in the cache key: the last aggregation, to the minute.

    Under steady traffic aggregation runs every few seconds; recomputing a page at most once a
    minute keeps it day-current without recomputing it on every view. The page shows the time of
    the statistics it was computed from, so "data as of" stays true.
    """
    return data_as_of.strftime("%Y-%m-%dT%H:%M") if data_as_of else "none"


def _cache_key(kind: str, *parts: Any) -> str:
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return f"dash:{kind}:{digest}"


def _filter_kwargs(filters: Filters) -> dict[str, Any]:
    return {
        "touchpoint_keys": [filters.touchpoint_key] if filters.touchpoint_key else None,
        "phase_ids": [filters.phase_id] if filters.phase_id is not None else None,
        "channel": filters.channel,
        "department_ids": [filters.department_id] if filters.department_id is not None else None,
    }


def dashboard_page_cached(
    *, scope: OrgScope, filters: Filters, language: str, data_as_of: datetime | None
) -> PageHandle[DashboardPage]:
    """The management dashboard's figures, computed at most once per data version and minute."""
    org_id = scope.organisation.pk
    key = _cache_key(
        "dashboard",
        org_id,
        filters.start,
        filters.end,
        _filter_kwargs(filters),
        language,
        _version(data_as_of),
        scope.today,
    )
    return PageHandle(
        key,
        lambda: dashboard_page(
            organisation_id=org_id,
            start=filters.start,
            end=filters.end,
            language=language,
            today=scope.today,
            **_filter_kwargs(filters),
        ),
        data_as_of,
    )


def analysis_page(
    *,
    scope: OrgScope,
    filters: Filters,
    choices: AnalysisChoices,
    language: str,
    section: str | None = None,
    data_as_of: datetime | None,
) -> PageHandle[AnalysisPage]:
    """The analysis page, or one section of it (htmx), computed at most once per data version
    and minute."""
    key = _cache_key(
        "analysis",
        scope.organisation.pk,
        filters.start,
        filters.end,
        _filter_kwargs(filters),
        astuple(choices),
        language,
        section,
        _version(data_as_of),
        scope.today,
    )
    return PageHandle(
        key,
        lambda: _analysis_compute(
            scope=scope, filters=filters, choices=choices, language=language, section=section
        ),
        data_as_of,
    )


def _analysis_compute(
    *,
    scope: OrgScope,
    filters: Filters,
    choices: AnalysisChoices,
    language: str,
    section: str | None,
) -> AnalysisPage:
    org_ids = [scope.organisation.pk]
    window = analysis_window(start=filters.start, end=filters.end, today=scope.today)
    everything = section is None
    out: dict[str, Any] = {}
    by_key = scope.touchpoint_by_key

    periods = kpis.kpi_rollup(
        organisation_ids=org_ids, start=filters.start, end=filters.end, **_filter_kwargs(filters)
    )
    if everything or section == "comments":
        out["comments"] = _comments(scope, periods, filters.start, filters.end, choices)
    if everything:
        stored = importance_for(organisation_ids=org_ids)
        weights = {s.touchpoint_id: s.r for s in stored}
        out["gaps"] = gap_rows(periods, weights, language)
        out["ipa"] = ipa_view(periods, stored)
        out["satrec"] = satrec_view(periods)
    if section == "segments":
        # Requested by the page after it loaded: the one section that sums raw answers.
        out["segments"] = segment_rows(
            scope,
            touchpoint_ids=[tp.touchpoint_id for tp in periods],
            start=filters.start,
            end=filters.end,
        )

    needs_series = everything or section in ("lag_explorer", "trend", "correlations")
    if needs_series:
        candidates = link_candidates(periods)
        wanted = {tp.touchpoint_id for tp in candidates}
        for chosen in (choices.lag_a, choices.lag_b, choices.trend):
            if chosen:
                wanted.add(by_key[chosen].id)
        raw = kpis.daily_series(
            touchpoint_ids=sorted(wanted), start=window.series_start, end=window.series_end
        )
        series = {tp_id: kpi_series(days) for tp_id, days in raw.items()}
        by_id = {t.id: t for t in scope.touchpoints}

        if everything or section == "correlations":
            out["heatmap"] = heatmap_view(
                candidates, series, kpi=choices.corr_kpi, total=len(periods)
            )
        if everything or section == "lag_explorer":
            pair: tuple[int, int] | None = None
            default = significant = False
            if choices.lag_a and choices.lag_b:
                pair = (by_key[choices.lag_a].id, by_key[choices.lag_b].id)
            else:
                found = strongest_link(candidates, series)
                if found is not None:
                    (pair, significant), default = found, True
            a_kpi = choices.lag_a_kpi or "volume"
            b_kpi = choices.lag_b_kpi or "satisfaction"
            if pair is not None:
                out["lag"] = lag_view(
                    by_id[pair[0]],
                    a_kpi,
                    by_id[pair[1]],
                    b_kpi,
                    series,
                    chosen_by_default=default,
                    default_significant=significant,
                )
        if everything or section == "trend":
            trend_id: int | None = by_key[choices.trend].id if choices.trend else None
            kpi, default = choices.trend_kpi or "satisfaction", False
            if trend_id is None:
                newest = newest_signal(
                    touchpoint_signals(periods=candidates, series=raw, end=window.series_end)
                )
                if newest is not None:
                    trend_id, default = newest.touchpoint_id, True
                    kpi = choices.trend_kpi or newest.signal.kpi
                elif candidates:
                    trend_id, default = candidates[0].touchpoint_id, True
            if trend_id is not None:
                out["trend"] = trend_view(
                    by_id[trend_id], kpi, raw[trend_id], chosen_by_default=default
                )
    return AnalysisPage(
        start=window.start,
        end=window.end,
        series_start=window.series_start,
        series_end=window.series_end,
        **out,
    )


def _comments(
    scope: OrgScope,
    periods: list[kpis.TouchpointPeriod],
    start: date,
    end: date,
    choices: AnalysisChoices,
) -> CommentsView:
    ids = [tp.touchpoint_id for tp in periods]
    if choices.comment_touchpoint:
        only = scope.touchpoint_by_key[choices.comment_touchpoint].id
        ids = [i for i in ids if i == only]
    if choices.comment_phase is not None:
        in_phase = {t.id for t in scope.touchpoints if t.phase_id == choices.comment_phase}
        ids = [i for i in ids if i in in_phase]
    return comments_view(
        scope,
        touchpoint_ids=ids,
        start=start,
        end=end,
        nps_class=choices.comment_score,
        page=choices.comment_page,
    )
