"""Shared look of every chart: colours, layout, axes, and the Chart and Table records."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import plotly.io
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from dashboards.analytics.importance import Quadrant
from dashboards.pages.formatting import num

INK = "#1a1a1a"
MUTED = "#6b7280"
GRID = "#e5e7eb"
ACCENT = "#0b5cad"
EXPECT = "#8a94a6"
BAD = "#b3261e"
GOOD = "#1b7a3a"
WARN = "#8a5a00"
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'

QUADRANT_COLOURS = {
    Quadrant.CONCENTRATE_HERE: BAD,
    Quadrant.KEEP_UP: GOOD,
    Quadrant.LOW_PRIORITY: MUTED,
    Quadrant.POSSIBLE_OVERKILL: WARN,
}


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Chart:
    """A figure with its accessible summary and its data as a table."""

    id: str
    figure: dict[str, Any]
    summary: str
    table: Table
    height: int = 360
    empty: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def json(self) -> SafeString:
        """The figure as JSON that is safe inside <script type="application/json">."""
        text: str = plotly.io.to_json(self.figure, validate=False)
        text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        # Escaped above, so the text cannot close the script element it is placed in.
        return mark_safe(text)


def chart_separators() -> str:
    return ",." if (get_language() or "de").startswith("de") else ".,"


def chart_layout(height: int, **extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "height": height,
        "separators": chart_separators(),
        "font": {"family": FONT, "size": 13, "color": INK},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "margin": {"l": 10, "r": 20, "t": 20, "b": 40},
        "hoverlabel": {"font": {"family": FONT}},
        "showlegend": False,
    }
    layout.update(extra)
    return layout


def chart_axis(title: str = "", **extra: Any) -> dict[str, Any]:
    axis: dict[str, Any] = {
        "title": {"text": title},
        "gridcolor": GRID,
        "zerolinecolor": "#c4c8cf",
        "automargin": True,
    }
    axis.update(extra)
    return axis


def empty_chart(chart_id: str, summary: str) -> Chart:
    return Chart(
        chart_id, {"data": [], "layout": chart_layout(120)}, summary, Table([], []), 120, True
    )


def day_label(value: date) -> str:
    return date_format(value, "SHORT_DATE_FORMAT")


def interval_text(ci: tuple[float, float] | None, digits: int = 2) -> str:
    if ci is None:
        return "–"
    return f"[{num(ci[0], digits)}; {num(ci[1], digits)}]"
