"""The themes section ("Worüber Kunden schreiben") and each tile's top themes, from daily sums."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from dashboards.analytics.theme_impact import Interval, ThemeImpact
from dashboards.themes.selectors import RankedTheme, theme_impacts

THEMES_SHOWN = 12
TILE_THEMES = 3


@dataclass(frozen=True)
class ThemeLine:
    """One ranked theme as a page shows it."""

    theme_id: int
    name: str
    mentions: int
    share: Interval
    satisfaction_with: float | None
    satisfaction_without: float | None
    satisfaction_impact: Interval
    nps_impact: Interval
    trend: Interval
    contribution: float | None

    @property
    def share_ci_points(self) -> tuple[float, float] | None:
        """The share's interval in percent (for display)."""
        ci = self.share.ci
        return None if ci is None else (100 * ci[0], 100 * ci[1])

    @property
    def trend_points(self) -> float | None:
        return None if self.trend.value is None else 100 * self.trend.value

    @property
    def trend_ci_points(self) -> tuple[float, float] | None:
        ci = self.trend.ci
        return None if ci is None else (100 * ci[0], 100 * ci[1])

    @property
    def growing(self) -> bool:
        return self.trend.above_zero

    @property
    def hurts(self) -> bool:
        return self.satisfaction_impact.below_zero

    @property
    def helps(self) -> bool:
        return self.satisfaction_impact.above_zero


@dataclass(frozen=True)
class ThemesView:
    lines: list[ThemeLine]
    comments: int


def _line(ranked: RankedTheme) -> ThemeLine:
    impact: ThemeImpact = ranked.impact
    return ThemeLine(
        theme_id=ranked.id,
        name=ranked.name,
        mentions=impact.mentions,
        share=impact.share,
        satisfaction_with=impact.satisfaction_with,
        satisfaction_without=impact.satisfaction_without,
        satisfaction_impact=impact.satisfaction_impact,
        nps_impact=impact.nps_impact,
        trend=impact.trend,
        contribution=impact.contribution,
    )


def themes_view(
    *, organisation_id: int, touchpoint_ids: Sequence[int], start: date, end: date
) -> ThemesView:
    """Themes of the period ranked by impact × share (most negative first)."""
    ranked = theme_impacts(
        organisation_id=organisation_id, start=start, end=end, touchpoint_ids=touchpoint_ids
    ).get(None, [])
    comments = ranked[0].impact.comments if ranked else 0
    return ThemesView(lines=[_line(r) for r in ranked[:THEMES_SHOWN]], comments=comments)


def tile_themes(
    *, organisation_id: int, touchpoint_ids: Sequence[int], start: date, end: date
) -> dict[int, tuple[ThemeLine, ...]]:
    """Per touchpoint, its top themes of the period (by impact × share), in one query."""
    by_touchpoint = theme_impacts(
        organisation_id=organisation_id,
        start=start,
        end=end,
        touchpoint_ids=touchpoint_ids,
        by_touchpoint=True,
    )
    return {
        touchpoint_id: tuple(_line(r) for r in ranked[:TILE_THEMES])
        for touchpoint_id, ranked in by_touchpoint.items()
        if touchpoint_id is not None
    }
