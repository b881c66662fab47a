"""Per-response sums of paired answers, summed per touchpoint-day: the response as the unit.

A response answers several paired items; its answers share the respondent's mood and are not
independent. With m_i paired answers and sums S_i (satisfaction), E_i (expectation) and
G_i = S_i - E_i (gap) per response i, the sums of m_i^2, S_i^2 and m_i S_i (and likewise for E
and G) give the cluster-robust variance of the touchpoint's means (see analytics.intervals),
and they add up over days like every other sufficient statistic.
"""

from typing import Any

from django.db.models import (
    BigIntegerField,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from dashboards.statistics.models import RESPONSE_SUMS
from surveys.models import Answer, Item

__all__ = ["RESPONSE_SUMS", "response_sum_aggregates", "response_sum_annotations"]


def _per_response(aggregate: Any) -> Coalesce:
    paired = Answer.objects.filter(
        response_id=OuterRef("pk"),
        item__kind=Item.Kind.PAIRED,
        expectation__isnull=False,
        satisfaction__isnull=False,
    )
    column = paired.values("response_id").annotate(total=aggregate).values("total")
    return Coalesce(Subquery(column, output_field=IntegerField()), Value(0))


def response_sum_annotations() -> dict[str, Any]:
    """Per response (annotate a Response queryset): m, S and E of its paired answers."""
    return {
        "p_m": _per_response(Count("id")),
        "p_s": _per_response(Sum("satisfaction")),
        "p_e": _per_response(Sum("expectation")),
    }


def response_sum_aggregates() -> dict[str, Any]:
    """Per touchpoint-day (after response_sum_annotations): the RESPONSE_SUMS columns."""
    big: BigIntegerField[int, int] = BigIntegerField()
    m, s, e = F("p_m"), F("p_s"), F("p_e")

    def total(expression: Any) -> Sum:
        return Sum(ExpressionWrapper(expression, output_field=big), default=0)

    return {
        "resp_paired": Count("id", filter=Q(p_m__gt=0)),
        "resp_answers": total(m),
        "resp_sum_m2": total(m * m),
        "resp_sumsq_s": total(s * s),
        "resp_sum_ms": total(m * s),
        "resp_sumsq_e": total(e * e),
        "resp_sum_me": total(m * e),
        "resp_sumsq_gap": total((s - e) * (s - e)),
        "resp_sum_mgap": total(m * (s - e)),
    }
