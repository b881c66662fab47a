"""The segments section: KPIs per response channel and language, read from answers."""

import hashlib
from dataclasses import dataclass
from datetime import date

from cxmonitor.days import utc_bounds
from dashboards.analytics import Estimate, PairedKpis, PairedSums, ValueSums, nps_kpi, paired_kpis
from dashboards.pages.page_cache import cache_get, cache_set
from dashboards.pages.scope import OrgScope
from surveys import selectors as surveys_selectors

SEGMENT_CACHE_SECONDS = 600


@dataclass(frozen=True)
class SegmentRow:
    dimension: str
    value: str
    responses: int
    kpis: PairedKpis
    nps: Estimate


PAIRED_FIELDS = tuple(PairedSums.__dataclass_fields__)
VALUE_FIELDS = tuple(ValueSums.__dataclass_fields__)


def segment_rows(
    scope: OrgScope, *, touchpoint_ids: list[int], start: date, end: date
) -> list[SegmentRow]:
    """Satisfaction, gap and NPS per response channel and per language (cached ten minutes).

    Daily statistics have no channel or language split, so this one read sums the period's
    answers in a single GROUP BY; the cache keeps repeated page views off the answers table.
    """
    ids = sorted(touchpoint_ids)
    digest = hashlib.sha1(",".join(map(str, ids)).encode()).hexdigest()[:16]
    key = f"dash:segments:{scope.organisation.pk}:{start}:{end}:{digest}"
    _, raw = cache_get(key)
    if raw is None:
        lower, upper = utc_bounds(tz=scope.organisation.tzinfo, start=start, end=end)
        raw = surveys_selectors.segment_sums(
            touchpoint_ids=ids, submitted_from=lower, submitted_to=upper
        )
        cache_set(key, raw, SEGMENT_CACHE_SECONDS)
    groups: dict[tuple[str, str], tuple[int, PairedSums, ValueSums]] = {}
    for row in raw:
        for dimension, value in (("channel", row.channel), ("language", row.language)):
            responses, paired, nps = groups.get(
                (dimension, value), (0, PairedSums.zero(), ValueSums.zero())
            )
            if row.kind == "paired":
                paired = paired + PairedSums(**{f: getattr(row, f) for f in PAIRED_FIELDS})
            else:
                nps = nps + ValueSums(**{f: getattr(row, f) for f in VALUE_FIELDS})
            # Every survey has paired items; counting their responses counts each response once.
            if row.kind == "paired":
                responses += row.responses
            groups[(dimension, value)] = (responses, paired, nps)
    out = [
        SegmentRow(dimension, value, responses, paired_kpis(paired), nps_kpi(nps))
        for (dimension, value), (responses, paired, nps) in groups.items()
    ]
    out.sort(key=lambda r: (r.dimension, -r.responses))
    return out
