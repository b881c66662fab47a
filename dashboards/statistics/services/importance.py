"""Derived importance of each touchpoint for loyalty, computed nightly and stored for the pages."""

from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from cxmonitor.days import utc_bounds
from dashboards.analytics import PairedSums, ValueSums, nps_kpi, paired_kpis
from dashboards.analytics.importance import importance
from dashboards.statistics.models import TouchpointImportance
from dashboards.statistics.selectors.importance import linked_satisfaction_nps
from dashboards.statistics.selectors.kpis import daily_series
from touchpoints.models import Organisation, Touchpoint


@dataclass(frozen=True)
class ImportanceRefresh:
    """What one refresh stored: the period and how many touchpoints used each method."""

    organisation_id: int
    period_start: date
    period_end: date
    methods: dict[str, int]


@transaction.atomic
def importance_refresh(*, organisation_id: int, end: date, days: int = 90) -> ImportanceRefresh:
    """Compute every active touchpoint's importance over the `days` up to `end` and store it."""
    if days < 1:
        raise ValueError("days must be at least 1")
    organisation = Organisation.objects.get(pk=organisation_id)
    start = end - timedelta(days=days - 1)
    touchpoint_ids = list(
        Touchpoint.objects.filter(
            phase__journey__organisation_id=organisation_id, is_active=True
        ).values_list("pk", flat=True)
    )
    lower, upper = utc_bounds(tz=organisation.tzinfo, start=start, end=end)
    linked: dict[int, list[tuple[Hashable, float, float]]] = defaultdict(list)
    for row in linked_satisfaction_nps(organisation_id=organisation_id, lower=lower, upper=upper):
        linked[row.touchpoint_id].append((row.customer_key, row.satisfaction, row.nps))

    # Fallback input from the daily statistics: each touchpoint's daily mean satisfaction
    # against the organisation's daily NPS (all touchpoints' NPS answers of that day).
    series = daily_series(touchpoint_ids=touchpoint_ids, start=start, end=end)
    day_count = (end - start).days + 1
    daily_nps_sums = [
        ValueSums.sum_of(days_of[i].nps for days_of in series.values()) for i in range(day_count)
    ]
    daily_nps = [nps_kpi(sums).value for sums in daily_nps_sums]
    daily = {
        tp: [paired_kpis(day.paired).satisfaction.value for day in days_of]
        for tp, days_of in series.items()
    }
    performance = {
        tp: paired_kpis(PairedSums.sum_of(day.paired for day in days_of)).satisfaction.value
        for tp, days_of in series.items()
    }
    result = importance(
        {tp: linked.get(tp, []) for tp in touchpoint_ids}, daily=daily, daily_nps=daily_nps
    )
    now = timezone.now()
    rows = [
        TouchpointImportance(
            organisation_id=organisation_id,
            touchpoint_id=entry.key,
            computed_at=now,
            period_start=start,
            period_end=end,
            method=entry.method,
            n=entry.correlation.n,
            linked=entry.linked,
            r=entry.correlation.r,
            r_low=entry.correlation.ci[0] if entry.correlation.ci else None,
            r_high=entry.correlation.ci[1] if entry.correlation.ci else None,
            p_value=entry.correlation.p_value,
            beta=entry.beta,
            ridge=result.ridge_linked if entry.method == "linked" else result.ridge_daily,
            performance=performance.get(entry.key),
        )
        for entry in result.touchpoints
    ]
    fields = [
        f.name
        for f in TouchpointImportance._meta.concrete_fields
        if f.name not in ("id", "touchpoint")
    ]
    TouchpointImportance.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["touchpoint"], update_fields=fields
    )
    TouchpointImportance.objects.filter(organisation_id=organisation_id).exclude(
        touchpoint_id__in=touchpoint_ids
    ).delete()
    methods: dict[str, int] = defaultdict(int)
    for entry in result.touchpoints:
        methods[entry.method] += 1
    return ImportanceRefresh(organisation_id, start, end, dict(methods))
