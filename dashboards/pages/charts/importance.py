"""Importance against performance, and satisfaction against recommendation."""

from typing import Any

from django.utils.translation import gettext as _

from dashboards.analytics.importance import Quadrant
from dashboards.pages.builders.analysis import (
    IpaView,
    SatRecView,
)
from dashboards.pages.charts.base import (
    ACCENT,
    BAD,
    GOOD,
    INK,
    MUTED,
    QUADRANT_COLOURS,
    WARN,
    Chart,
    Table,
    chart_axis,
    chart_layout,
    empty_chart,
)
from dashboards.pages.formatting import num, percent, signed


def quadrant_label(quadrant: Quadrant | None) -> str:
    if quadrant is None:
        return "–"
    return {
        Quadrant.CONCENTRATE_HERE: _("Concentrate here"),
        Quadrant.KEEP_UP: _("Keep up the good work"),
        Quadrant.LOW_PRIORITY: _("Low priority"),
        Quadrant.POSSIBLE_OVERKILL: _("Possible overkill"),
    }[quadrant]


def ipa_chart(view: IpaView) -> Chart:
    """Importance against performance with the split lines and the four quadrants labelled."""
    chart_id = "chart-ipa"
    points = [r for r in view.rows if r.importance is not None and r.performance is not None]
    if not points or view.importance_split is None or view.performance_split is None:
        return empty_chart(
            chart_id, _("Importance has not been computed for this organisation yet.")
        )
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

    def corner(
        x: float, y: float, text: str, xanchor: str, yanchor: str, colour: str
    ) -> dict[str, Any]:
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
    layout = chart_layout(
        460,
        xaxis=chart_axis(_("Performance: mean satisfaction (1–7)"), range=[x_lo, x_hi]),
        yaxis=chart_axis(_("Importance: correlation with recommendation"), range=[y_lo, y_hi]),
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


def satrec_chart(view: SatRecView) -> Chart:
    """Mean satisfaction against NPS; touchpoints that satisfy without promoters stand out."""
    chart_id = "chart-satrec"
    points = [r for r in view.rows if r.satisfaction.value is not None and r.nps.value is not None]
    if not points:
        return empty_chart(chart_id, _("No answers in this period."))
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
    layout = chart_layout(
        420,
        xaxis=chart_axis(_("Mean satisfaction (1–7)")),
        yaxis=chart_axis(_("Net Promoter Score"), zeroline=True),
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
