"""A KPI over time with its control limits and flagged days."""

from typing import Any

from django.utils.translation import gettext as _

from dashboards.pages.builders.analysis import (
    TrendView,
)
from dashboards.pages.charts.base import (
    ACCENT,
    BAD,
    MUTED,
    Chart,
    Table,
    chart_axis,
    chart_layout,
    day_label,
)
from dashboards.pages.formatting import kpi_label, num


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
    layout = chart_layout(
        340,
        xaxis=chart_axis("", type="date"),
        yaxis=chart_axis(label),
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
            "since": day_label(since),
            "last": day_label(view.days[flagged[-1]]),
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
                day_label(day),
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
