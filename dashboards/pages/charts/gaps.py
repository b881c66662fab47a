"""Gap analysis: expectation against satisfaction per touchpoint and attribute."""

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from dashboards.pages.builders.analysis import (
    GapRow,
)
from dashboards.pages.charts.base import (
    BAD,
    EXPECT,
    GOOD,
    INK,
    Chart,
    Table,
    chart_axis,
    chart_layout,
    empty_chart,
    interval_text,
)
from dashboards.pages.formatting import num, signed


def gap_chart(rows: Sequence[GapRow], *, limit: int = 20) -> Chart:
    """Dumbbell plot of expectation and satisfaction (with 95% intervals), by priority."""
    chart_id = "chart-gaps"
    if not rows:
        return empty_chart(chart_id, _("No paired answers in this period."))
    shown = list(rows[:limit])[::-1]  # Plotly draws the first category at the bottom
    labels = [r.label for r in shown]
    e = [r.kpis.expectation.value for r in shown]
    s = [r.kpis.satisfaction.value for r in shown]

    def errors(values: list[float | None], cis: list[tuple[float, float] | None]) -> dict[str, Any]:
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
    layout = chart_layout(
        height,
        xaxis=chart_axis(_("Mean score (1–7) with 95% CI"), range=[1, 7.2], dtick=1),
        yaxis=chart_axis("", gridcolor="#f3f4f6"),
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
                interval_text(r.kpis.gap.ci),
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
