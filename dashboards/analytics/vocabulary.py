"""The KPI vocabulary: one key per figure, used by statistics, monitoring, pages and exports.

Labels live here too (German and English, the languages the product itself writes), so adding a
KPI means adding it here and teaching the sums how to compute it, nothing else.
"""

from enum import StrEnum


class Kpi(StrEnum):
    SATISFACTION = "satisfaction"
    EXPECTATION = "expectation"
    GAP = "gap"
    NPS = "nps"
    VOLUME = "volume"
    TOP2 = "top2"


SERIES_KPIS: tuple[Kpi, ...] = (Kpi.SATISFACTION, Kpi.GAP, Kpi.NPS, Kpi.VOLUME)
"""KPIs with a daily series: trends, control charts, correlations and lags."""

ALERT_KPIS: tuple[Kpi, ...] = (Kpi.SATISFACTION, Kpi.GAP, Kpi.NPS, Kpi.VOLUME, Kpi.TOP2)
"""KPIs an alert rule can watch."""

_KEYS = frozenset(k.value for k in Kpi)
_LABELS: dict[Kpi, tuple[str, str]] = {
    Kpi.SATISFACTION: ("Zufriedenheit", "Satisfaction"),
    Kpi.EXPECTATION: ("Erwartung", "Expectation"),
    Kpi.GAP: ("Lücke", "Gap"),
    Kpi.NPS: ("NPS", "NPS"),
    Kpi.VOLUME: ("Antwortvolumen", "Volume"),
    Kpi.TOP2: ("Top-Two-Box-Zufriedenheit", "Top-two-box satisfaction"),
}


def kpi_label(kpi: str, language: str, *, in_sentence: bool = False) -> str:
    """The KPI's name in German ("de…") or English; in a sentence English words are lower-case.

    An unknown key comes back unchanged, so a label never fails a page.
    """
    if kpi not in _KEYS:
        return kpi
    german, english = _LABELS[Kpi(kpi)]
    if language.lower().startswith("de"):
        return german
    if in_sentence and kpi != Kpi.NPS:
        return english[0].lower() + english[1:]
    return english
