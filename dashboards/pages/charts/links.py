"""How touchpoints move together: the correlation heatmap and the lag explorer."""

from typing import Any

from django.utils.translation import gettext as _

from dashboards.pages.builders.analysis import (
    HeatmapView,
    LagView,
)
from dashboards.pages.charts.base import (
    ACCENT,
    BAD,
    MUTED,
    Chart,
    Table,
    chart_axis,
    chart_layout,
    empty_chart,
)
from dashboards.pages.formatting import kpi_label, num


def _diverging() -> list[list[Any]]:
    return [[0.0, BAD], [0.5, "#f7f7f7"], [1.0, ACCENT]]


def heatmap_chart(view: HeatmapView) -> Chart:
    """Correlation of daily KPIs between touchpoints (red negative, blue positive)."""
    chart_id = "chart-heatmap"
    names = view.names
    if len(names) < 2:
        return empty_chart(chart_id, _("At least two touchpoints are needed."))
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
    layout = chart_layout(
        size,
        xaxis=chart_axis("", tickangle=-45, showgrid=False),
        yaxis=chart_axis("", autorange="reversed", showgrid=False),
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
    layout = chart_layout(
        320,
        xaxis=chart_axis(_("Days later (lag)"), dtick=1),
        yaxis=chart_axis(_("Correlation r"), range=[-1, 1], zeroline=True),
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
