"""Satisfaction per response channel and language."""

from collections.abc import Sequence

from django.utils.translation import gettext as _

from dashboards.pages.builders.segments import SegmentRow
from dashboards.pages.charts.base import (
    ACCENT,
    Chart,
    Table,
    chart_axis,
    chart_layout,
    empty_chart,
)
from dashboards.pages.formatting import num, signed


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
        return empty_chart(chart_id, _("No answers in this period."))
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
    layout = chart_layout(
        height,
        xaxis=chart_axis(_("Mean satisfaction (1–7) with 95% CI")),
        yaxis=chart_axis(""),
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
