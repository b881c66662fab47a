"""The raw-answer export: one row per answer, streamed from the database in chunks."""

import zoneinfo
from collections.abc import Iterator
from datetime import UTC, date
from typing import Any

from django.db.models import Q

from cxmonitor.days import utc_bounds
from surveys.models import Answer
from touchpoints.models import Organisation

EXPORT_COLUMNS = (
    "response_id",
    "touchpoint",
    "touchpoint_name",
    "phase",
    "submitted_at",
    "local_day",
    "channel",
    "language",
    "customer_key",
    "item_id",
    "item_kind",
    "item_label",
    "expectation",
    "satisfaction",
    "value",
    "text",
)
CHUNK_SIZE = 2000


def answer_export_rows(
    *,
    organisations: list[Organisation],
    start: date | None = None,
    end: date | None = None,
    language: str = "en",
) -> Iterator[tuple[Any, ...]]:
    """Answers of the organisations, local days start..end (each organisation's time zone).

    Yields tuples in EXPORT_COLUMNS order, oldest first; reads the database lazily.
    """
    scope = Q()
    for organisation in organisations:
        condition = Q(response__touchpoint__phase__journey__organisation=organisation)
        if start is not None:
            lower, _ = utc_bounds(tz=organisation.tzinfo, start=start, end=start)
            condition &= Q(response__submitted_at__gte=lower)
        if end is not None:
            _, upper = utc_bounds(tz=organisation.tzinfo, start=end, end=end)
            condition &= Q(response__submitted_at__lt=upper)
        scope |= condition
    if not organisations:
        return
    rows = (
        Answer.objects.filter(scope)
        .order_by("response__submitted_at", "response_id", "item__order", "item_id")
        .values_list(
            "response_id",
            "response__touchpoint__public_key",
            "response__touchpoint__name",
            "response__touchpoint__phase__name_de",
            "response__touchpoint__phase__name_en",
            "response__submitted_at",
            "response__touchpoint__phase__journey__organisation__time_zone",
            "response__channel",
            "response__language",
            "response__customer_key",
            "item_id",
            "item__kind",
            "item__label_de",
            "item__label_en",
            "expectation",
            "satisfaction",
            "value",
            "text",
        )
    )
    german = language == "de"
    zones: dict[str, zoneinfo.ZoneInfo] = {}
    for row in rows.iterator(chunk_size=CHUNK_SIZE):
        (rid, key, name, phase_de, phase_en, at, zone, channel, lang, customer) = row[:10]
        (item_id, kind, label_de, label_en, expectation, satisfaction, value, text) = row[10:]
        tz = zones.setdefault(zone, zoneinfo.ZoneInfo(zone))
        yield (
            rid,
            key,
            name,
            phase_de if german else phase_en,
            at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            at.astimezone(tz).date().isoformat(),
            channel,
            lang,
            customer or "",
            item_id,
            kind,
            label_de if german else label_en,
            expectation,
            satisfaction,
            value,
            text,
        )
