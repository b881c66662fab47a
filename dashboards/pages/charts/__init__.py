"""Plotly figures for the analysis page: the only package that knows Plotly.

Each builder takes analytics results and returns a `Chart`: the figure (Plotly's figure format:
a dict of data and layout, serialised with plotly.io; tests check every figure against Plotly's
schema with `plotly.graph_objects.Figure`, building those objects on each request would cost
several milliseconds per chart), a one-sentence text summary naming the key finding, and the
data as a table. Numbers follow the active language (layout.separators, and the summaries).
One module per chart family.
"""

from dashboards.pages.builders.analysis import AnalysisPage
from dashboards.pages.charts.base import Chart, Table
from dashboards.pages.charts.gaps import gap_chart
from dashboards.pages.charts.importance import ipa_chart, quadrant_label, satrec_chart
from dashboards.pages.charts.links import heatmap_chart, lag_chart
from dashboards.pages.charts.segments import segment_chart, segment_label
from dashboards.pages.charts.trend import trend_chart

__all__ = [
    "Chart",
    "Table",
    "analysis_charts",
    "gap_chart",
    "heatmap_chart",
    "ipa_chart",
    "lag_chart",
    "quadrant_label",
    "satrec_chart",
    "segment_chart",
    "segment_label",
    "trend_chart",
]


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
