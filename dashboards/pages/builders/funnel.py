"""Funnel plot beside the gap chart: small touchpoints compared fairly instead of ranked."""

from dataclasses import dataclass

from dashboards.analytics import PairedSums, sample_variance
from dashboards.analytics.funnel import Funnel, funnel
from dashboards.analytics.intervals import ClusterSums, cluster_variance
from dashboards.statistics.selectors.kpis import TouchpointPeriod


@dataclass(frozen=True)
class FunnelView:
    """Touchpoint gaps against their responses with limits around the organisation's gap."""

    funnel: Funnel[str]
    unit: str
    """"responses" (per-response spread) or "answers" (before per-response sums existed)."""


def funnel_view(periods: list[TouchpointPeriod]) -> FunnelView | None:
    """Funnel of the touchpoints' gaps (Spiegelhalter 2005): target the organisation's gap, spread
    the pooled within-touchpoint per-response standard deviation, n the responses."""
    with_answers = [tp for tp in periods if tp.paired.n]
    if not with_answers:
        return None
    total = PairedSums.sum_of(tp.paired for tp in with_answers)
    target = total.sum_gap / total.n
    clustered = [
        tp for tp in with_answers if tp.response_sums and tp.response_sums.covers(tp.paired)
    ]
    if len(clustered) == len(with_answers):
        pooled = dof = 0.0
        points: dict[str, tuple[float | None, int]] = {}
        for tp in clustered:
            r = tp.response_sums
            assert r is not None
            sums = ClusterSums(
                r.responses, tp.paired.n, tp.paired.sum_gap, r.sum_m2, r.sumsq_gap, r.sum_mgap
            )
            var = cluster_variance(sums)
            if var is not None:
                pooled += var * r.responses * (r.responses - 1)
                dof += r.responses - 1
            points[tp.name] = (tp.paired.sum_gap / tp.paired.n, r.responses)
        if dof > 0:
            return FunnelView(funnel(points, target=target, sd=(pooled / dof) ** 0.5), "responses")
    variance = sample_variance(total.n, total.sum_gap, total.sumsq_gap)
    if not variance:
        return None
    answers = {tp.name: (tp.paired.sum_gap / tp.paired.n, tp.paired.n) for tp in with_answers}
    return FunnelView(funnel(answers, target=target, sd=variance**0.5), "answers")
