"""PostgreSQL: make a table's rows in a scope equal the rows of a SELECT, inside the database."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

SOURCE_TABLE = "cx_upsert_source"
# Touchpoint-days above which the source rows are first collected in a temporary table.
LARGE_SCOPE = 100


def is_large_scope(*, touchpoints: int, days: int) -> bool:
    """Whether a recompute is big enough to be worth a parallel SELECT into a temporary table."""
    return touchpoints * days > LARGE_SCOPE


@dataclass(frozen=True)
class Target:
    """The table written: unique key columns, value columns, and an optional time stamp column.

    With `rewrite_unchanged` False a row whose values did not change is left alone (no new row
    version, no index churn, its stamp keeps the time of its last change).
    """

    table: str
    keys: tuple[str, ...]
    values: tuple[str, ...]
    stamp: str | None = None
    rewrite_unchanged: bool = False


def replace_in_scope(
    *,
    target: Target,
    source_sql: str,
    source_params: Sequence[Any],
    scope_sql: str,
    scope_params: Sequence[Any],
    large: bool,
) -> int:
    """Upsert the source rows and delete the target rows in scope whose key the source lacks.

    `source_sql` selects columns named like the target's keys, values and stamp; `scope_sql` is a
    condition on the target aliased `old`. One statement does the insert/update and the delete;
    a large source is first materialised in a temporary table, because PostgreSQL runs the
    SELECT of CREATE TABLE AS with parallel workers but never that of an INSERT. Returns the
    number of source rows.
    """
    columns = [*target.keys, *target.values, *([target.stamp] if target.stamp else [])]
    column_list = ", ".join(columns)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c not in target.keys)
    condition = ""
    if not target.rewrite_unchanged:
        mine = ", ".join(f"t.{c}" for c in target.values)
        theirs = ", ".join(f"EXCLUDED.{c}" for c in target.values)
        condition = f" WHERE ({mine}) IS DISTINCT FROM ({theirs})"
    same_key = " AND ".join(f"s.{k} = old.{k}" for k in target.keys)
    with connection.cursor() as cursor:
        if large:
            cursor.execute(f"DROP TABLE IF EXISTS {SOURCE_TABLE}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {SOURCE_TABLE} ON COMMIT DROP AS {source_sql}",
                list(source_params),
            )
            head, source, params = "WITH ", SOURCE_TABLE, []
        else:
            head, source = f"WITH src AS MATERIALIZED ({source_sql}), ", "src"
            params = list(source_params)
        # The insert (in a CTE) touches only keys present in the source, the delete only keys
        # absent from it, so the two never meet on a row within the one statement.
        cursor.execute(
            f"{head}written AS (INSERT INTO {target.table} AS t ({column_list}) "
            f"SELECT {column_list} FROM {source} "
            f"ON CONFLICT ({', '.join(target.keys)}) DO UPDATE SET {updates}{condition}), "
            f"stale AS (DELETE FROM {target.table} AS old WHERE {scope_sql} "
            f"AND NOT EXISTS (SELECT 1 FROM {source} AS s WHERE {same_key})) "
            f"SELECT count(*) FROM {source}",
            [*params, *scope_params],
        )
        (rows,) = cursor.fetchone()
        if large:
            cursor.execute(f"DROP TABLE {SOURCE_TABLE}")
    return int(rows)
