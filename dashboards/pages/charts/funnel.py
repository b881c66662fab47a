"""Funnel plot of the touchpoints' gaps against their number of responses."""

from typing import Any

from django.utils.translation import gettext as _

from dashboards.pages.builders.funnel import FunnelView
from dashboards.pages.charts.base import (
    ACCENT,
    BAD,
    GOOD,
    MUTED,
    Chart,
    Table,
    chart_axis,
    chart_layout,
)
from dashboards.pages.formatting import signed

VERDICT_COLOURS = {"in_line": ACCENT, "watch": MUTED}


def _verdict_label(verdict: str) -> str:
    return {
        # xgettext:no-python-format
        "in_line": _("within the 95% limits"),
        # xgettext:no-python-format
        "watch": _("between the 95% and 99.8% limits"),
        # xgettext:no-python-format
        "outside": _("outside the 99.8% limits"),
    }[verdict]


def _limit_line(grid: list[int], values: list[float], dash: str, name: str) -> dict[str, Any]:
    return {
        "type": "scatter",
        "mode": "lines",
        "x": grid,
        "y": values,
        "name": name,
        "line": {"color": MUTED, "width": 1, "dash": dash},
        "hoverinfo": "skip",
    }


def funnel_chart(view: FunnelView) -> Chart:
    """Gap against responses; limits at 95% (dotted) and 99.8% (dashed) around the target."""
    chart_id = "chart-funnel"
    f = view.funnel
    colours = [
        VERDICT_COLOURS.get(p.verdict, BAD if p.value < f.target else GOOD) for p in f.points
    ]
    data: list[dict[str, Any]] = [
        # xgettext:no-python-format
        _limit_line(f.grid, [lo for lo, _hi in f.outer], "dash", _("99.8% limits")),
        # xgettext:no-python-format
        _limit_line(f.grid, [hi for _lo, hi in f.outer], "dash", _("99.8% limits")),
        # xgettext:no-python-format
        _limit_line(f.grid, [lo for lo, _hi in f.inner], "dot", _("95% limits")),
        # xgettext:no-python-format
        _limit_line(f.grid, [hi for _lo, hi in f.inner], "dot", _("95% limits")),
        {
            "type": "scatter",
            "mode": "markers+text",
            "x": [p.n for p in f.points],
            "y": [p.value for p in f.points],
            "text": [str(p.key) for p in f.points],
            "textposition": "top center",
            "textfont": {"size": 10},
            "marker": {"color": colours, "size": 10},
            "hovertemplate": "%{text}<br>n = %{x}<br>" + _("Gap") + ": %{y:.2f}<extra></extra>",
            "showlegend": False,
        },
    ]
    unit = _("Responses") if view.unit == "responses" else _("Answers")
    layout = chart_layout(
        360,
        xaxis=chart_axis(unit, type="log"),
        yaxis=chart_axis(_("Gap (satisfaction − expectation)"), zeroline=True),
        shapes=[
            {
                "type": "line",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "y0": f.target,
                "y1": f.target,
                "line": {"color": "#9ca3af", "width": 1},
            }
        ],
        showlegend=False,
    )
    summary = _funnel_summary(view)
    table = Table(
        [
            _("Touchpoint"),
            _("Gap"),
            unit,
            _("Compared with the organisation (%(gap)s)") % {"gap": signed(f.target, 2)},
        ],
        [[str(p.key), signed(p.value, 2), str(p.n), _verdict_label(p.verdict)] for p in f.points],
    )
    return Chart(chart_id, {"data": data, "layout": layout}, summary, table, 360)


def _funnel_summary(view: FunnelView) -> str:
    """Names only the touchpoints outside the 99.8 % limits, below and above."""
    f = view.funnel
    below = [str(p.key) for p in f.points if p.verdict == "outside" and p.value < f.target]
    above = [str(p.key) for p in f.points if p.verdict == "outside" and p.value > f.target]
    parts = []
    if below:
        parts.append(
            _("Below the organisation beyond chance: %(names)s.") % {"names": ", ".join(below)}
        )
    if above:
        parts.append(
            _("Above the organisation beyond chance: %(names)s.") % {"names": ", ".join(above)}
        )
    return " ".join(parts) or _(
        "Every touchpoint lies within the limits chance allows for its number of responses."
    )
