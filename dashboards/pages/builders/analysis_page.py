"""The analytical dashboard as one page: each section computed only when it is asked for."""

from datetime import date, timedelta
from typing import Any

from dashboards.pages.builders.analysis import (
    TREND_BASELINE_DAYS,
    AnalysisPage,
    Window,
    analysis_window,
    gap_rows,
    heatmap_view,
    ipa_view,
    kpi_series,
    lag_view,
    link_candidates,
    newest_signal,
    satrec_view,
    strongest_link,
    trend_view,
)
from dashboards.pages.builders.changes import SERIES_DAYS
from dashboards.pages.builders.comments import CommentsView, comments_view
from dashboards.pages.builders.dashboard import touchpoint_signals
from dashboards.pages.builders.funnel import funnel_view
from dashboards.pages.builders.segments import segment_rows
from dashboards.pages.builders.themes import themes_view
from dashboards.pages.builders.why import why_view
from dashboards.pages.filters import AnalysisChoices, Filters
from dashboards.pages.scope import OrgScope
from dashboards.statistics.selectors import kpis
from dashboards.statistics.selectors.importance import importance_for
from dashboards.statistics.selectors.kpis import DaySums


# One place decides which sections a request computes; split, the sections' shared reads
# (periods, daily series, first days) would be passed around or repeated.
# size: the sections share their reads, see above
def analysis_page(  # noqa: C901
    *,
    scope: OrgScope,
    filters: Filters,
    choices: AnalysisChoices,
    language: str,
    section: str | None,
) -> AnalysisPage:
    """The analysis page, or one section of it (an htmx request), from the daily statistics."""
    org_ids = [scope.organisation.pk]
    window = analysis_window(start=filters.start, end=filters.end, today=scope.today)
    everything = section is None
    out: dict[str, Any] = {}
    by_key = scope.touchpoint_by_key

    periods = kpis.kpi_rollup(
        organisation_ids=org_ids, start=filters.start, end=filters.end, **filters.rollup_kwargs()
    )
    if everything or section == "comments":
        out["comments"] = _comments(scope, periods, filters.start, filters.end, choices)
    if everything:
        # What customers write about: themes ranked by impact × share (daily theme sums only).
        out["themes"] = themes_view(
            organisation_id=scope.organisation.pk,
            touchpoint_ids=[tp.touchpoint_id for tp in periods],
            start=filters.start,
            end=filters.end,
        )
        stored = importance_for(organisation_ids=org_ids)
        weights = {s.touchpoint_id: s.r for s in stored}
        out["gaps"] = gap_rows(periods, weights, language)
        out["funnel"] = funnel_view(periods)
        out["ipa"] = ipa_view(periods, stored)
        out["satrec"] = satrec_view(periods)
        out["why"] = why_view(
            scope, periods=periods, start=filters.start, end=filters.end, language=language
        )
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
        # One read covers the period, the trend's baseline before it and the monitoring window.
        read_start = min(
            window.series_start - timedelta(days=TREND_BASELINE_DAYS),
            window.series_end - timedelta(days=SERIES_DAYS - 1),
        )
        raw = kpis.daily_series(
            touchpoint_ids=sorted(wanted), start=read_start, end=window.series_end
        )
        first_days = kpis.first_days(touchpoint_ids=sorted(wanted))
        # Correlations and lags cover exactly the filtered period.
        series = {
            tp_id: kpi_series(
                [d for d in days if d.day >= window.series_start], first_days.get(tp_id)
            )
            for tp_id, days in raw.items()
        }
        by_id = {t.id: t for t in scope.touchpoints}

        if everything or section == "correlations":
            out["heatmap"] = heatmap_view(
                candidates, series, kpi=choices.corr_kpi, total=len(periods)
            )
        if everything or section == "lag_explorer":
            pair: tuple[int, int] | None = None
            default = significant = False
            tests: int | None = None
            if choices.lag_a and choices.lag_b:
                pair = (by_key[choices.lag_a].id, by_key[choices.lag_b].id)
            else:
                found = strongest_link(candidates, series)
                if found is not None:
                    (pair, significant, tests), default = found, True
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
                    tests=tests,
                )
        if everything or section == "trend":
            trend_id: int | None = by_key[choices.trend].id if choices.trend else None
            kpi, default = choices.trend_kpi or "satisfaction", False
            if trend_id is None:
                newest = newest_signal(
                    touchpoint_signals(
                        periods=candidates,
                        series=raw,
                        end=window.series_end,
                        first_days=first_days,
                    )
                )
                if newest is not None:
                    trend_id, default = newest.touchpoint_id, True
                    kpi = choices.trend_kpi or newest.signal.kpi
                elif candidates:
                    trend_id, default = candidates[0].touchpoint_id, True
            if trend_id is not None:
                shown = _trend_days(raw.get(trend_id, []), window, first_days.get(trend_id))
                out["trend"] = trend_view(
                    by_id[trend_id],
                    kpi,
                    shown,
                    chosen_by_default=default,
                    period_start=window.series_start,
                )
    return AnalysisPage(
        start=window.start,
        end=window.end,
        series_start=window.series_start,
        series_end=window.series_end,
        **out,
    )


def _trend_days(days: list[DaySums], window: Window, first: date | None) -> list[DaySums]:
    """The period and up to TREND_BASELINE_DAYS before it, from the touchpoint's first answer."""
    earliest = window.series_start - timedelta(days=TREND_BASELINE_DAYS)
    return [d for d in days if d.day >= earliest and (first is None or d.day >= first)]


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
