"""Plotly figures for the analysis page: the only module that knows Plotly.

Each builder takes analytics results and returns a `Chart`: the figure (Plotly's figure format:
a dict of data and layout, serialised with plotly.io; tests check every figure against Plotly's
schema with `plotly.graph_objects.Figure`, building those objects on each request would cost
several milliseconds per chart), a one-sentence text summary naming the key finding, and the
data as a table. Numbers follow the active language (layout.separators, and the summaries).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import plotly.io
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .analytics.importance import Quadrant
from .formatting import kpi_label, num, percent, signed
from .selectors.pages.analysis import (
    AnalysisPage,
    GapRow,
    HeatmapView,
    IpaView,
    LagView,
    SatRecView,
    SegmentRow,
    TrendView,
)

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


def quadrant_label(quadrant: Quadrant | None) -> str:
    if quadrant is None:
        return "–"
    return {
        Quadrant.CONCENTRATE_HERE: _("Concentrate here"),
        Quadrant.KEEP_UP: _("Keep up the good work"),
        Quadrant.LOW_PRIORITY: _("Low priority"),
        Quadrant.POSSIBLE_OVERKILL: _("Possible overkill"),
    }[quadrant]


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
        text = plotly.io.to_json(self.figure, validate=False)
        text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        # Escaped above, so the text cannot close the script element it is placed in.
        return mark_safe(text)


def _separators() -> str:
    return ",." if (get_language() or "de").startswith("de") else ".,"


def _layout(height: int, **extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "height": height,
        "separators": _separators(),
        "font": {"family": FONT, "size": 13, "color": INK},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "margin": {"l": 10, "r": 20, "t": 20, "b": 40},
        "hoverlabel": {"font": {"family": FONT}},
        "showlegend": False,
    }
    layout.update(extra)
    return layout


def _axis(title: str = "", **extra: Any) -> dict[str, Any]:
    axis: dict[str, Any] = {
        "title": {"text": title},
        "gridcolor": GRID,
        "zerolinecolor": "#c4c8cf",
        "automargin": True,
    }
    axis.update(extra)
    return axis


def _empty(chart_id: str, summary: str) -> Chart:
    return Chart(chart_id, {"data": [], "layout": _layout(120)}, summary, Table([], []), 120, True)


def _day(value: date) -> str:
    return date_format(value, "SHORT_DATE_FORMAT")


# --- gap analysis --------------------------------------------------------------------------


def gap_chart(rows: Sequence[GapRow], *, limit: int = 20) -> Chart:
    """Dumbbell plot of expectation and satisfaction (with 95% intervals), by priority."""
    chart_id = "chart-gaps"
    if not rows:
        return _empty(chart_id, _("No paired answers in this period."))
    shown = list(rows[:limit])[::-1]  # Plotly draws the first category at the bottom
    labels = [r.label for r in shown]
    e = [r.kpis.expectation.value for r in shown]
    s = [r.kpis.satisfaction.value for r in shown]

    def errors(values: list[float | None], cis: list[tuple[float, float] | None]) -> dict:
        plus = [ci[1] - v if ci and v is not None else 0 for v, ci in zip(values, cis, strict=True)]
        minus = [
            v - ci[0] if ci and v is not None else 0 for v, ci in zip(values, cis, strict=True)
        ]
        return {"type": "data", "array": plus, "arrayminus": minus, "thickness": 1.2, "width": 3}

    connector_x: list[float | None] = []
    connector_y: list[str | None] = []
    for label, ev, sv in zip(labels, e, s, strict=True):
        connector_x += [ev, sv, None]
        connector_y += [label, label, None]
    gap_text = [signed(r.kpis.gap.value) for r in shown]
    data = [
        {
            "type": "scatter",
            "mode": "lines",
            "x": connector_x,
            "y": connector_y,
            "line": {"color": "#c4c8cf", "width": 3},
            "hoverinfo": "skip",
            "showlegend": False,
        },
        {
            "type": "scatter",
            "mode": "markers",
            "name": _("Expectation"),
            "x": e,
            "y": labels,
            "error_x": errors(e, [r.kpis.expectation.ci for r in shown]) | {"color": EXPECT},
            "marker": {"color": EXPECT, "size": 10, "symbol": "circle-open", "line": {"width": 2}},
            "hovertemplate": "%{y}<br>" + _("Expectation") + ": %{x:.2f}<extra></extra>",
        },
        {
            "type": "scatter",
            "mode": "markers",
            "name": _("Satisfaction"),
            "x": s,
            "y": labels,
            "customdata": gap_text,
            "error_x": errors(s, [r.kpis.satisfaction.ci for r in shown]) | {"color": INK},
            "marker": {
                "color": [BAD if (r.kpis.gap.value or 0) < 0 else GOOD for r in shown],
                "size": 11,
            },
            "hovertemplate": "%{y}<br>"
            + _("Satisfaction")
            + ": %{x:.2f}<br>"
            + _("Gap")
            + ": %{customdata}<extra></extra>",
        },
    ]
    height = 70 + 26 * len(shown)
    layout = _layout(
        height,
        xaxis=_axis(_("Mean score (1–7) with 95% CI"), range=[1, 7.2], dtick=1),
        yaxis=_axis("", gridcolor="#f3f4f6"),
        showlegend=True,
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
        margin={"l": 10, "r": 20, "t": 30, "b": 40},
    )
    overall = [r for r in rows if r.item is None and r.kpis.gap.value is not None]
    worst = min(overall, key=lambda r: r.kpis.gap.value or 0.0, default=None)
    top = rows[0]
    parts = []
    if worst is not None and (worst.kpis.gap.value or 0) < 0:
        parts.append(
            _("Largest gap: %(tp)s (%(gap)s).")
            % {"tp": worst.touchpoint, "gap": signed(worst.kpis.gap.value)}
        )
    if top.priority > 0:
        parts.append(
            _("Highest priority: %(label)s (gap %(gap)s, importance %(imp)s).")
            % {"label": top.label, "gap": signed(top.kpis.gap.value), "imp": num(top.importance, 2)}
        )
    summary = " ".join(parts) or _("No touchpoint falls short of expectations.")
    table = Table(
        [
            _("Touchpoint"),
            _("Item"),
            _("Expectation"),
            _("Satisfaction"),
            _("Gap"),
            _("95% CI of the gap"),
            _("Importance"),
            _("Priority"),
            _("Answers"),
        ],
        [
            [
                r.touchpoint,
                r.item or _("all items"),
                num(r.kpis.expectation.value, 2),
                num(r.kpis.satisfaction.value, 2),
                signed(r.kpis.gap.value, 2),
                _interval(r.kpis.gap.ci),
                num(r.importance, 2),
                num(r.priority, 2),
                str(r.kpis.n),
            ]
            for r in rows
        ],
    )
    notes = []
    if len(rows) > limit:
        notes.append(_("The chart shows the %(n)s rows of highest priority.") % {"n": limit})
    return Chart(chart_id, {"data": data, "layout": layout}, summary, table, height, notes=notes)


def _interval(ci: tuple[float, float] | None, digits: int = 2) -> str:
    if ci is None:
        return "–"
    return f"[{num(ci[0], digits)}; {num(ci[1], digits)}]"


# --- importance-performance ----------------------------------------------------------------


def ipa_chart(view: IpaView) -> Chart:
    """Importance against performance with the split lines and the four quadrants labelled."""
    chart_id = "chart-ipa"
    points = [r for r in view.rows if r.importance is not None and r.performance is not None]
    if not points or view.importance_split is None or view.performance_split is None:
        return _empty(chart_id, _("Importance has not been computed for this organisation yet."))
    xs = [r.performance or 0.0 for r in points]
    ys = [r.importance or 0.0 for r in points]
    x_lo, x_hi = min(xs) - 0.25, max(xs) + 0.25
    y_lo, y_hi = min(ys) - 0.08, max(ys) + 0.08
    data = [
        {
            "type": "scatter",
            "mode": "markers+text",
            "x": xs,
            "y": ys,
            "text": [r.touchpoint for r in points],
            "textposition": "top center",
            "textfont": {"size": 11, "color": INK},
            "customdata": [quadrant_label(r.quadrant) for r in points],
            "marker": {
                "size": 11,
                "color": [QUADRANT_COLOURS[r.quadrant] if r.quadrant else MUTED for r in points],
                "line": {"color": "#ffffff", "width": 1},
            },
            "hovertemplate": "%{text}<br>"
            + _("Satisfaction")
            + ": %{x:.2f}<br>"
            + _("Importance")
            + ": %{y:.2f}<br>%{customdata}<extra></extra>",
        }
    ]
    line = {"color": "#9ca3af", "width": 1, "dash": "dash"}
    shapes = [
        {
            "type": "line",
            "x0": view.performance_split,
            "x1": view.performance_split,
            "y0": y_lo,
            "y1": y_hi,
            "line": line,
        },
        {
            "type": "line",
            "x0": x_lo,
            "x1": x_hi,
            "y0": view.importance_split,
            "y1": view.importance_split,
            "line": line,
        },
    ]

    def corner(x: float, y: float, text: str, xanchor: str, yanchor: str, colour: str) -> dict:
        return {
            "x": x,
            "y": y,
            "text": f"<b>{text}</b>",
            "showarrow": False,
            "xanchor": xanchor,
            "yanchor": yanchor,
            "font": {"color": colour, "size": 12},
        }

    annotations = [
        corner(x_lo, y_hi, quadrant_label(Quadrant.CONCENTRATE_HERE), "left", "top", BAD),
        corner(x_hi, y_hi, quadrant_label(Quadrant.KEEP_UP), "right", "top", GOOD),
        corner(x_lo, y_lo, quadrant_label(Quadrant.LOW_PRIORITY), "left", "bottom", MUTED),
        corner(x_hi, y_lo, quadrant_label(Quadrant.POSSIBLE_OVERKILL), "right", "bottom", WARN),
    ]
    layout = _layout(
        460,
        xaxis=_axis(_("Performance: mean satisfaction (1–7)"), range=[x_lo, x_hi]),
        yaxis=_axis(_("Importance: correlation with recommendation"), range=[y_lo, y_hi]),
        shapes=shapes,
        annotations=annotations,
    )
    focus = [r.touchpoint for r in points if r.quadrant == Quadrant.CONCENTRATE_HERE]
    summary = (
        _("Concentrate here: %(names)s.") % {"names": ", ".join(focus)}
        if focus
        else _("No touchpoint is both important and below average.")
    )
    table = Table(
        [_("Touchpoint"), _("Importance"), _("Performance"), _("Quadrant"), _("Method")],
        [
            [
                r.touchpoint,
                num(r.importance, 2),
                num(r.performance, 2),
                quadrant_label(r.quadrant),
                _method_label(r.method),
            ]
            for r in view.rows
        ],
    )
    return Chart(chart_id, {"data": data, "layout": layout}, summary, table, 460)


def _method_label(method: str | None) -> str:
    return {
        "linked": _("customers linked across touchpoints"),
        "daily": _("daily series"),
        "none": _("not enough data"),
    }.get(method or "none", "–")


# --- satisfaction against recommendation ---------------------------------------------------


def satrec_chart(view: SatRecView) -> Chart:
    """Mean satisfaction against NPS; touchpoints that satisfy without promoters stand out."""
    chart_id = "chart-satrec"
    points = [r for r in view.rows if r.satisfaction.value is not None and r.nps.value is not None]
    if not points:
        return _empty(chart_id, _("No answers in this period."))
    data = [
        {
            "type": "scatter",
            "mode": "markers+text",
            "x": [r.satisfaction.value for r in points],
            "y": [r.nps.value for r in points],
            "text": [r.touchpoint for r in points],
            "textposition": "top center",
            "textfont": {"size": 11, "color": [WARN if r.flagged else INK for r in points]},
            "customdata": [percent(r.top2.value) for r in points],
            "marker": {
                "size": [14 if r.flagged else 10 for r in points],
                "color": [WARN if r.flagged else ACCENT for r in points],
                "symbol": ["diamond" if r.flagged else "circle" for r in points],
            },
            "hovertemplate": "%{text}<br>"
            + _("Satisfaction")
            + ": %{x:.2f}<br>"
            + _("Top-two-box")
            + ": %{customdata}<br>NPS: %{y:.0f}<extra></extra>",
        }
    ]
    shapes = []
    if view.nps_median is not None:
        shapes.append(
            {
                "type": "line",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "y0": view.nps_median,
                "y1": view.nps_median,
                "line": {"color": "#9ca3af", "width": 1, "dash": "dot"},
            }
        )
    layout = _layout(
        420,
        xaxis=_axis(_("Mean satisfaction (1–7)")),
        yaxis=_axis(_("Net Promoter Score"), zeroline=True),
        shapes=shapes,
    )
    flagged = [r for r in points if r.flagged]
    if flagged:
        summary = _("Satisfied, yet few promoters: %(items)s.") % {
            "items": "; ".join(
                _("%(tp)s (satisfaction %(s)s, NPS %(nps)s)")
                % {
                    "tp": r.touchpoint,
                    "s": num(r.satisfaction.value),
                    "nps": signed(r.nps.value, 0),
                }
                for r in flagged
            )
        }
    else:
        summary = _("Every satisfying touchpoint also creates promoters.")
    table = Table(
        [
            _("Touchpoint"),
            _("Satisfaction"),
            _("Top-two-box"),
            _("NPS"),
            _("Satisfies without promoters"),
        ],
        [
            [
                r.touchpoint,
                num(r.satisfaction.value, 2),
                percent(r.top2.value),
                signed(r.nps.value, 0),
                _("yes") if r.flagged else _("no"),
            ]
            for r in view.rows
        ],
    )
    return Chart(chart_id, {"data": data, "layout": layout}, summary, table, 420)


# --- correlation heatmap and lag explorer --------------------------------------------------


def _diverging() -> list[list[Any]]:
    return [[0.0, BAD], [0.5, "#f7f7f7"], [1.0, ACCENT]]


def heatmap_chart(view: HeatmapView) -> Chart:
    """Correlation of daily KPIs between touchpoints (red negative, blue positive)."""
    chart_id = "chart-heatmap"
    names = view.names
    if len(names) < 2:
        return _empty(chart_id, _("At least two touchpoints are needed."))
    z = [[None if v is None else round(v, 3) for v in row] for row in view.matrix.r]
    data = [
        {
            "type": "heatmap",
            "z": z,
            "x": names,
            "y": names,
            "zmin": -1,
            "zmax": 1,
            "colorscale": _diverging(),
            "customdata": view.matrix.n,
            "hovertemplate": "%{y} × %{x}<br>r = %{z:.2f} (n = %{customdata})<extra></extra>",
            "colorbar": {"title": {"text": "r"}, "thickness": 12},
            "xgap": 1,
            "ygap": 1,
        }
    ]
    size = max(360, 26 * len(names) + 140)
    layout = _layout(
        size,
        xaxis=_axis("", tickangle=-45, showgrid=False),
        yaxis=_axis("", autorange="reversed", showgrid=False),
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
    )
    best: tuple[float, int, int] | None = None
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            r = view.matrix.r[i][j]
            if r is not None and (best is None or abs(r) > abs(best[0])):
                best = (r, i, j)
    summary = (
        _("Strongest same-day link of %(kpi)s: %(a)s and %(b)s (r = %(r)s).")
        % {
            "kpi": kpi_label(view.kpi),
            "a": names[best[1]],
            "b": names[best[2]],
            "r": num(best[0], 2),
        }
        if best
        else _("Not enough daily values for correlations.")
    )
    table = Table(
        ["", *names],
        [[names[i], *[num(v, 2) for v in row]] for i, row in enumerate(view.matrix.r)],
    )
    notes = []
    if view.considered < view.total:
        notes.append(
            _("Showing the %(n)s touchpoints with the most responses of %(total)s.")
            % {"n": view.considered, "total": view.total}
        )
    return Chart(chart_id, {"data": data, "layout": layout}, summary, table, size, notes=notes)


def lag_chart(view: LagView) -> Chart:
    """Correlation of x today with y k days later, k = 0..14, with the ±band; best lag marked."""
    chart_id = "chart-lag"
    result = view.result
    r = [0.0 if v is None else v for v in result.r]
    best = result.best_lag
    colours = [
        (BAD if (v or 0) < 0 else ACCENT) if k == best else "#b8c2d1"
        for k, v in zip(result.lags, result.r, strict=True)
    ]
    data = [
        {
            "type": "bar",
            "x": result.lags,
            "y": r,
            "marker": {"color": colours},
            "hovertemplate": _("Lag") + " %{x}: r = %{y:.2f}<extra></extra>",
        }
    ]
    shapes = []
    if result.band is not None:
        for y in (result.band, -result.band):
            shapes.append(
                {
                    "type": "line",
                    "xref": "paper",
                    "x0": 0,
                    "x1": 1,
                    "y0": y,
                    "y1": y,
                    "line": {"color": MUTED, "width": 1, "dash": "dash"},
                }
            )
    layout = _layout(
        320,
        xaxis=_axis(_("Days later (lag)"), dtick=1),
        yaxis=_axis(_("Correlation r"), range=[-1, 1], zeroline=True),
        shapes=shapes,
        bargap=0.25,
    )
    names = {
        "a": view.a.name,
        "ak": kpi_label(view.a_kpi),
        "b": view.b.name,
        "bk": kpi_label(view.b_kpi),
    }
    if best is None or result.best_r is None:
        summary = _("No correlation can be computed for %(a)s (%(ak)s) and %(b)s (%(bk)s).") % names
    else:
        values = names | {"lag": best, "r": num(result.best_r, 2), "band": num(result.band, 2)}
        if result.significant:
            summary = (
                _(
                    "Strongest link: %(a)s (%(ak)s) → %(b)s (%(bk)s) after %(lag)s days "
                    "(r = %(r)s, outside the ±%(band)s band)."
                )
                % values
            )
        else:
            summary = (
                _(
                    "No significant link: the strongest is after %(lag)s days (r = %(r)s, "
                    "inside the ±%(band)s band)."
                )
                % values
            )
    table = Table(
        [_("Lag (days)"), _("Correlation r")],
        [[str(k), num(v, 3)] for k, v in zip(result.lags, result.r, strict=True)],
    )
    return Chart(chart_id, {"data": data, "layout": layout}, summary, table, 320)


# --- trend with control limits ---------------------------------------------------------------


def trend_chart(view: TrendView) -> Chart:
    """Daily values, their EWMA and the control limits; days outside the limits marked."""
    chart_id = "chart-trend"
    chart = view.chart
    days = [d.isoformat() for d in view.days]
    label = kpi_label(view.kpi)
    digits = 0 if view.kpi in ("nps", "volume") else 2
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "markers",
            "name": _("Daily value"),
            "x": days,
            "y": chart.values,
            "marker": {"color": "#9ca3af", "size": 5},
            "hovertemplate": "%{x}: %{y:." + str(digits) + "f}<extra></extra>",
        },
    ]
    if chart.center is not None:
        data += [
            {
                "type": "scatter",
                "mode": "lines",
                "name": _("Upper limit"),
                "x": days,
                "y": chart.upper,
                "line": {"color": MUTED, "width": 1, "dash": "dash"},
                "hoverinfo": "skip",
                "connectgaps": True,
            },
            {
                "type": "scatter",
                "mode": "lines",
                "name": _("Lower limit"),
                "x": days,
                "y": chart.lower,
                "line": {"color": MUTED, "width": 1, "dash": "dash"},
                "hoverinfo": "skip",
                "connectgaps": True,
            },
            {
                "type": "scatter",
                "mode": "lines",
                "name": _("Smoothed (EWMA)"),
                "x": days,
                "y": chart.ewma,
                "line": {"color": ACCENT, "width": 2.5},
                "connectgaps": True,
                "hovertemplate": "%{x}: %{y:." + str(digits) + "f}<extra>EWMA</extra>",
            },
        ]
    flagged = chart.flagged
    data.append(
        {
            "type": "scatter",
            "mode": "markers",
            "name": _("Outside the limits"),
            "x": [days[i] for i in flagged],
            "y": [chart.ewma[i] for i in flagged],
            "marker": {"color": BAD, "size": 9, "symbol": "x"},
            "hovertemplate": "%{x}: %{y:." + str(digits) + "f}<extra>" + _("outside") + "</extra>",
        }
    )
    layout = _layout(
        340,
        xaxis=_axis("", type="date"),
        yaxis=_axis(label),
        showlegend=True,
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        margin={"l": 10, "r": 20, "t": 30, "b": 30},
    )
    values: dict[str, str | int] = {"tp": view.touchpoint.name, "kpi": label}
    if chart.center is None:
        summary = _("%(tp)s, %(kpi)s: too few days for control limits.") % values
    elif flagged:
        since = view.days[flagged[0]]
        direction = chart.direction(flagged[-1])
        values |= {
            "n": len(flagged),
            "since": _day(since),
            "last": _day(view.days[flagged[-1]]),
            "dir": _("above") if direction == "up" else _("below"),
        }
        summary = (
            _(
                "%(tp)s, %(kpi)s: %(n)s days outside the control limits, most recently %(dir)s "
                "them on %(last)s."
            )
            % values
        )
    else:
        summary = _("%(tp)s, %(kpi)s: every day within the control limits.") % values
    table = Table(
        [_("Day"), label, "EWMA", _("Lower limit"), _("Upper limit"), _("Outside")],
        [
            [
                _day(day),
                num(chart.values[i], digits),
                num(chart.ewma[i], digits),
                num(chart.lower[i], digits),
                num(chart.upper[i], digits),
                _("yes") if i in flagged else "",
            ]
            for i, day in enumerate(view.days)
        ],
    )
    return Chart(chart_id, {"data": data, "layout": layout}, summary, table, 340)


# --- segments --------------------------------------------------------------------------------


def segment_label(row: SegmentRow) -> str:
    if row.dimension == "language":
        return _("Language: %(v)s") % {
            "v": {"de": _("German"), "en": _("English")}.get(row.value, row.value)
        }
    return _("Channel: %(v)s") % {"v": row.value}


def segment_chart(rows: Sequence[SegmentRow]) -> Chart:
    """Mean satisfaction (95% interval) per response channel and language."""
    chart_id = "chart-segments"
    shown = [r for r in rows if r.kpis.satisfaction.value is not None][::-1]
    if not shown:
        return _empty(chart_id, _("No answers in this period."))
    labels = [segment_label(r) for r in shown]
    values = [r.kpis.satisfaction.value or 0.0 for r in shown]
    cis = [r.kpis.satisfaction.ci or (v, v) for r, v in zip(shown, values, strict=True)]
    plus = [ci[1] - v for ci, v in zip(cis, values, strict=True)]
    minus = [v - ci[0] for ci, v in zip(cis, values, strict=True)]
    data = [
        {
            "type": "scatter",
            "mode": "markers",
            "x": values,
            "y": labels,
            "error_x": {"type": "data", "array": plus, "arrayminus": minus, "color": ACCENT},
            "marker": {"color": ACCENT, "size": 10},
            "customdata": [
                [signed(r.kpis.gap.value), signed(r.nps.value, 0), r.responses] for r in shown
            ],
            "hovertemplate": "%{y}<br>"
            + _("Satisfaction")
            + ": %{x:.2f}<br>"
            + _("Gap")
            + ": %{customdata[0]}<br>NPS: %{customdata[1]}<br>n = %{customdata[2]}<extra></extra>",
        }
    ]
    height = 60 + 28 * len(shown)
    layout = _layout(
        height,
        xaxis=_axis(_("Mean satisfaction (1–7) with 95% CI")),
        yaxis=_axis(""),
    )
    lowest = min(shown, key=lambda r: r.kpis.satisfaction.value or 0.0)
    summary = _("Lowest satisfaction: %(seg)s (%(s)s, n = %(n)s).") % {
        "seg": segment_label(lowest),
        "s": num(lowest.kpis.satisfaction.value, 2),
        "n": lowest.responses,
    }
    table = Table(
        [_("Segment"), _("Responses"), _("Expectation"), _("Satisfaction"), _("Gap"), _("NPS")],
        [
            [
                segment_label(r),
                str(r.responses),
                num(r.kpis.expectation.value, 2),
                num(r.kpis.satisfaction.value, 2),
                signed(r.kpis.gap.value, 2),
                signed(r.nps.value, 0),
            ]
            for r in rows
        ],
    )
    return Chart(chart_id, {"data": data, "layout": layout}, summary, table, height)


def analysis_charts(page: AnalysisPage) -> dict[str, Chart]:
    """The charts of whatever sections the page holds, by section name."""
    charts: dict[str, Chart] = {}
    if page.gaps is not None:
        charts["gaps"] = gap_chart(page.gaps)
    if page.ipa is not None:
        charts["ipa"] = ipa_chart(page.ipa)
    if page.satrec is not None:
        charts["satrec"] = satrec_chart(page.satrec)
    if page.heatmap is not None:
        charts["heatmap"] = heatmap_chart(page.heatmap)
    if page.lag is not None:
        charts["lag"] = lag_chart(page.lag)
    if page.trend is not None:
        charts["trend"] = trend_chart(page.trend)
    if page.segments is not None:
        charts["segments"] = segment_chart(page.segments)
    return charts
