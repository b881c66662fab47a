"""Block sums: rewritten with the days they contain (see block_calendar for the layout)."""

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from django.db import connection
from django.db.models import Model

from dashboards.statistics.block_calendar import BLOCK_SIZES, block_start
from dashboards.statistics.models import (
    DAILY_STAT_SUMS,
    TOUCHPOINT_DAY_SUMS,
    DailyStat,
    StatBlock,
    TouchpointBlock,
    TouchpointDay,
)
from dashboards.statistics.services.pg_upsert import Target, is_large_scope, replace_in_scope


def blocks_refresh(*, touchpoint_ids: Sequence[int], start: date, end: date) -> None:
    """Rewrite the blocks that hold the days start..end of these touchpoints (in a transaction)."""
    if not touchpoint_ids:
        return
    biggest = BLOCK_SIZES[0]
    low = block_start(start, biggest)
    high = block_start(end, biggest) + timedelta(days=biggest - 1)
    large = is_large_scope(touchpoints=len(touchpoint_ids), days=(end - start).days + 1)
    for target, source, keys, sums in (
        (StatBlock, DailyStat, ("touchpoint_id", "item_id"), DAILY_STAT_SUMS),
        (TouchpointBlock, TouchpointDay, ("touchpoint_id",), TOUCHPOINT_DAY_SUMS),
    ):
        if connection.vendor == "postgresql":
            _pg_refresh(target, source, keys, sums, touchpoint_ids, low, high, large=large)
        else:
            _python_refresh(target, source, keys, sums, touchpoint_ids, low, high)


def _pg_refresh(
    target: type[Model],
    source: type[Model],
    keys: Sequence[str],
    sums: Sequence[str],
    touchpoint_ids: Sequence[int],
    low: date,
    high: date,
    *,
    large: bool,
) -> None:
    sizes = ", ".join(f"({size})" for size in BLOCK_SIZES)
    key_list = ", ".join(f"d.{k} AS {k}" for k in keys)
    totals = ", ".join(f"SUM(d.{f}) AS {f}" for f in sums)
    group = ", ".join(str(i) for i in range(1, len(keys) + 3))
    # Both block sizes from one pass over the days.
    source_sql = f"""
        SELECT {key_list}, lv.size AS size,
               d.day - ((d.day - DATE '0001-01-01' + 1) %% lv.size) AS start, {totals}
        FROM {source._meta.db_table} AS d CROSS JOIN (VALUES {sizes}) AS lv(size)
        WHERE d.touchpoint_id = ANY(%s) AND d.day BETWEEN %s AND %s
        GROUP BY {group}
    """
    ids = list(touchpoint_ids)
    replace_in_scope(
        target=Target(
            table=target._meta.db_table, keys=(*keys, "size", "start"), values=tuple(sums)
        ),
        source_sql=source_sql,
        source_params=[ids, low, high],
        scope_sql="old.touchpoint_id = ANY(%s) AND old.start BETWEEN %s AND %s",
        scope_params=[ids, low, high],
        large=large,
    )


def _python_refresh(
    target: type[Model],
    source: type[Model],
    keys: Sequence[str],
    sums: Sequence[str],
    touchpoint_ids: Sequence[int],
    low: date,
    high: date,
) -> None:
    totals: dict[tuple[Any, ...], dict[str, int]] = {}
    rows = source._default_manager.filter(
        touchpoint_id__in=touchpoint_ids, day__gte=low, day__lte=high
    ).values_list(*keys, "day", *sums)
    for row in rows:
        key_values, day, values = row[: len(keys)], row[len(keys)], row[len(keys) + 1 :]
        for size in BLOCK_SIZES:
            bucket = totals.setdefault(
                (*key_values, size, block_start(day, size)), dict.fromkeys(sums, 0)
            )
            for name, value in zip(sums, values, strict=True):
                bucket[name] += value
    objects = [
        target(
            **dict(zip(keys, key[: len(keys)], strict=True)), size=key[-2], start=key[-1], **values
        )
        for key, values in totals.items()
    ]
    target._default_manager.bulk_create(
        objects,
        batch_size=500,
        update_conflicts=True,
        unique_fields=[*(k.removesuffix("_id") for k in keys), "size", "start"],
        update_fields=list(sums),
    )
    existing = target._default_manager.filter(
        touchpoint_id__in=touchpoint_ids, start__gte=low, start__lte=high
    ).values_list("pk", *keys, "size", "start")
    stale = [row[0] for row in existing if tuple(row[1:]) not in totals]
    for index in range(0, len(stale), 500):
        target._default_manager.filter(pk__in=stale[index : index + 500]).delete()
