"""Aggregation benchmark on PostgreSQL (prints figures; not a test).

    python bench/aggregate/run.py [--answers 1000000] [--touchpoints 200] [--days 365]
                                  [--runs 50] [--rounds 3] [--fresh]

Creates and migrates the database named in DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/cx_bench_agg), generates the answers inside PostgreSQL with
generate_series, then measures in one run:
  1. a full recompute through aggregate_range against a plain SQL GROUP BY of the same sums;
  2. the latency of recomputing one touchpoint-day (p50/p95);
  3. the KPI rollup (kpi_rollup) over all touchpoints x days of daily statistics (p50/p95).
The generated data is kept and reused when its size matches (--fresh regenerates it).
"""

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from bench.pg import ensure_database  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/cx_bench_agg"
SLUG = "bench-aggregate"
ZONE = "Europe/Berlin"


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.pop("REDIS_URL", None)  # the benchmark needs no broker; tasks are not involved
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxmonitor.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def generate(*, answers: int, touchpoints: int, days: int, fresh: bool) -> tuple[Any, date, date]:
    """The benchmark organisation with `answers` scored answers over `days` local days."""
    from django.db import connection, transaction

    from surveys.models import Answer, Item, Response, Survey
    from touchpoints.models import Department, Organisation, Touchpoint
    from touchpoints.services import journey_create

    end = date(2025, 12, 31)
    start = end - timedelta(days=days - 1)
    org = Organisation.objects.filter(slug=SLUG).first()
    scored_per_response = 3  # two paired items and the NPS item
    responses = answers // scored_per_response
    if org is not None and not fresh:
        have = Response.objects.filter(touchpoint__phase__journey__organisation=org).count()
        tps = Touchpoint.objects.filter(phase__journey__organisation=org).count()
        if have == responses and tps == touchpoints:
            print(f"reusing {have:,} responses of {tps} touchpoints", flush=True)
            return org, start, end
    began = time.perf_counter()
    with connection.cursor() as cursor:
        # The database belongs to the benchmark: empty every table below the organisations.
        cursor.execute(f"TRUNCATE {Organisation._meta.db_table} CASCADE")
    with transaction.atomic():
        org = Organisation.objects.create(name="Bench GmbH", slug=SLUG, time_zone=ZONE)
        journey = journey_create(organisation=org, name="Journey")
        phases = list(journey.phases.all())
        department = Department.objects.create(organisation=org, name="Service")
        for i in range(touchpoints):
            tp = Touchpoint.objects.create(
                phase=phases[i % len(phases)],
                department=department,
                name=f"Touchpoint {i:03d}",
                channel="online" if i % 2 else "offline",
            )
            survey = Survey.objects.create(
                touchpoint=tp, title_de="Umfrage", title_en="Survey", is_active=True
            )
            Item.objects.bulk_create(
                [
                    Item(survey=survey, kind="paired", label_de="A", label_en="A", order=1),
                    Item(survey=survey, kind="paired", label_de="B", label_en="B", order=2),
                    Item(survey=survey, kind="nps", label_de="NPS", label_en="NPS", order=3),
                    Item(survey=survey, kind="comment", label_de="K", label_en="C", order=4),
                ]
            )
    surveys = dict(
        Survey.objects.filter(touchpoint__phase__journey__organisation=org).values_list(
            "touchpoint_id", "pk"
        )
    )
    tp_ids = sorted(surveys)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_tp (k int PRIMARY KEY, tp bigint, survey bigint)")
        cursor.executemany(
            "INSERT INTO bench_tp VALUES (%s, %s, %s)",
            [(k, tp, surveys[tp]) for k, tp in enumerate(tp_ids)],
        )
        # Responses spread evenly over the touchpoints and the days (UTC moments in the range).
        cursor.execute(
            f"""
            INSERT INTO {Response._meta.db_table}
                (touchpoint_id, survey_id, submitted_at, channel, language, customer_key,
                 submission_id, segment, contact_consent)
            SELECT t.tp, t.survey,
                   %s::timestamptz + (random() * %s) * interval '1 day',
                   'api', 'de',
                   CASE WHEN random() < 0.3 THEN 'c' || (g %% 20000) END,
                   'b' || g, '{{}}'::jsonb, false
            FROM generate_series(0, %s - 1) AS g
            JOIN bench_tp t ON t.k = g %% %s
            """,
            [f"{start.isoformat()}T00:00:00+01:00", days, responses, touchpoints],
        )
        cursor.execute(
            f"""
            INSERT INTO {Answer._meta.db_table}
                (response_id, item_id, expectation, satisfaction, value, text)
            SELECT r.id, i.id,
                   CASE WHEN i.kind = 'paired' THEN 1 + floor(random() * 7)::int END,
                   CASE WHEN i.kind = 'paired' THEN 1 + floor(random() * 7)::int END,
                   CASE WHEN i.kind = 'nps' THEN floor(random() * 11)::int END,
                   ''
            FROM {Response._meta.db_table} r
            JOIN {Item._meta.db_table} i ON i.survey_id = r.survey_id
            WHERE r.touchpoint_id = ANY(%s) AND i.kind IN ('paired', 'nps')
            """,
            [tp_ids],
        )
        cursor.execute("DROP TABLE bench_tp")
        cursor.execute("ANALYZE")
    print(
        f"generated {responses:,} responses, {responses * scored_per_response:,} answers "
        f"in {time.perf_counter() - began:.1f} s",
        flush=True,
    )
    return org, start, end


def plain_group_by_sql() -> str:
    """The same sums as the aggregation, written by hand as one SELECT ... GROUP BY."""
    paired = "i.kind = 'paired' AND a.expectation IS NOT NULL AND a.satisfaction IS NOT NULL"
    valued = "i.kind <> 'paired' AND a.value IS NOT NULL"
    nps = "i.kind = 'nps' AND a.value IS NOT NULL"
    columns = [
        f"count(*) FILTER (WHERE ({paired}) OR ({valued}))",
        f"sum(a.expectation) FILTER (WHERE {paired})",
        f"sum(a.satisfaction) FILTER (WHERE {paired})",
        f"sum(a.expectation * a.expectation) FILTER (WHERE {paired})",
        f"sum(a.satisfaction * a.satisfaction) FILTER (WHERE {paired})",
        f"sum(a.expectation * a.satisfaction) FILTER (WHERE {paired})",
        f"sum(a.satisfaction - a.expectation) FILTER (WHERE {paired})",
        f"sum((a.satisfaction - a.expectation) * (a.satisfaction - a.expectation)) "
        f"FILTER (WHERE {paired})",
        f"count(*) FILTER (WHERE {paired} AND a.expectation >= s.scale_max - 1)",
        f"count(*) FILTER (WHERE {paired} AND a.satisfaction >= s.scale_max - 1)",
        f"sum(a.value) FILTER (WHERE {valued})",
        f"sum(a.value * a.value) FILTER (WHERE {valued})",
        f"count(*) FILTER (WHERE ({nps} AND a.value >= 9) OR ({valued} AND i.kind <> 'nps'"
        " AND a.value >= s.scale_max - 1))",
        f"count(*) FILTER (WHERE {nps} AND a.value >= 9)",
        f"count(*) FILTER (WHERE {nps} AND a.value BETWEEN 7 AND 8)",
        f"count(*) FILTER (WHERE {nps} AND a.value <= 6)",
    ]
    for score in range(11):
        columns.append(f"count(*) FILTER (WHERE {paired} AND a.expectation = {score})")
        columns.append(f"count(*) FILTER (WHERE {paired} AND a.satisfaction = {score})")
        columns.append(f"count(*) FILTER (WHERE {valued} AND a.value = {score})")
    return f"""
        SELECT r.touchpoint_id, a.item_id, (r.submitted_at AT TIME ZONE %s)::date AS day,
               i.kind, s.scale_min, s.scale_max, {", ".join(columns)}
        FROM surveys_answer a
        JOIN surveys_response r ON r.id = a.response_id
        JOIN surveys_item i ON i.id = a.item_id
        JOIN surveys_survey s ON s.id = i.survey_id
        WHERE r.touchpoint_id = ANY(%s) AND r.submitted_at >= %s AND r.submitted_at < %s
          AND i.kind IN ('paired', 'nps', 'overall', 'effort')
        GROUP BY 1, 2, 3, 4, 5, 6
    """


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    began = time.perf_counter()
    result = action()
    return time.perf_counter() - began, result


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {p50 * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--touchpoints", type=int, default=200)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3, help="full recomputes per scenario")
    parser.add_argument("--fresh", action="store_true", help="regenerate the data")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or DEFAULT_URL
    if not url.startswith("postgres"):
        sys.exit("the aggregation benchmark needs PostgreSQL (DATABASE_URL=postgres://...)")
    ensure_database(url)
    setup_django(url)

    from django.db import connection

    from cxmonitor.days import utc_bounds
    from dashboards.statistics.models import DailyStat, TouchpointDay
    from dashboards.statistics.selectors.kpis import kpi_rollup
    from dashboards.statistics.services.aggregation import aggregate_range, aggregate_touchpoint_day
    from touchpoints.models import Touchpoint

    org, start, end = generate(
        answers=args.answers, touchpoints=args.touchpoints, days=args.days, fresh=args.fresh
    )
    tp_ids = list(
        Touchpoint.objects.filter(phase__journey__organisation=org).values_list("pk", flat=True)
    )
    lower, upper = utc_bounds(tz=org.tzinfo, start=start, end=end)
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        print(cursor.fetchone()[0].split(" on ")[0])
    answers = 3 * (args.answers // 3)
    print(
        f"{answers:,} answers, {len(tp_ids)} touchpoints, {args.days} days ({start} .. {end})\n",
        flush=True,
    )

    def plain() -> int:
        with connection.cursor() as cursor:
            cursor.execute(plain_group_by_sql(), [ZONE, tp_ids, lower, upper])
            return len(cursor.fetchall())

    def recompute() -> int:
        return aggregate_range(start=start, end=end, organisation_id=org.pk)

    def vacuum(*, full: bool = False) -> None:
        # What autovacuum does between real runs; outside the timings.
        with connection.cursor() as cursor:
            for table in ("dailystat", "touchpointday", "statblock", "touchpointblock"):
                cursor.execute(f"VACUUM {'FULL ' if full else ''}ANALYZE dashboards_{table}")

    def set_jit(on: bool) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"SET jit = {'on' if on else 'off'}")

    # Warm the caches once so that neither side pays for the first read from disk.
    plain()
    recompute()
    vacuum(full=True)
    plain_times: dict[bool, list[float]] = {True: [], False: []}
    unchanged, changed, empty = [], [], []
    rows = 0
    for round_ in range(args.rounds):
        for jit in (True, False):  # the baseline gets the better of PostgreSQL's JIT settings
            set_jit(jit)
            seconds, rows = timed(plain)
            plain_times[jit].append(seconds)
        set_jit(True)  # the aggregation decides for itself (it switches JIT off locally)
        seconds, written = timed(recompute)  # rows present and unchanged (nightly recompute)
        unchanged.append(seconds)
        vacuum()
        with connection.cursor() as cursor:  # every row different: each one is rewritten
            cursor.execute(
                "UPDATE dashboards_dailystat SET n = n + 1 WHERE touchpoint_id = ANY(%s)",
                [tp_ids],
            )
        vacuum()
        seconds, written = timed(recompute)
        changed.append(seconds)
        DailyStat.objects.filter(touchpoint_id__in=tp_ids).delete()
        TouchpointDay.objects.filter(touchpoint_id__in=tp_ids).delete()
        vacuum()
        seconds, written = timed(recompute)  # empty table: every row inserted (first backfill)
        empty.append(seconds)
        vacuum()
        print(f"   round {round_ + 1} done", flush=True)
    assert written == rows, (written, rows)
    jit_on, jit_off = min(plain_times[True]), min(plain_times[False])
    base = min(jit_on, jit_off)
    print(
        f"1. full recompute of {rows:,} daily rows from {answers:,} answers (best of {args.rounds})"
    )
    print(
        f"   plain SQL GROUP BY, select only            {base:6.2f} s  "
        f"(JIT on {jit_on:.2f} s, off {jit_off:.2f} s)"
    )
    for label, times in (
        ("rows present, unchanged", unchanged),
        ("rows present, all changed", changed),
        ("empty table (backfill)", empty),
    ):
        print(f"   aggregate_range, {label:25} {min(times):6.2f} s  ratio {min(times) / base:.2f}x")
    print(flush=True)

    # Repeated full rewrites leave dead rows that autovacuum would clear over time;
    # compact once so the reads below see the tables in their steady state.
    vacuum(full=True)

    rng = random.Random(1)
    samples = []
    for _ in range(args.runs):
        tp = rng.choice(tp_ids)
        day = start + timedelta(days=rng.randrange(args.days))
        seconds, _ = timed(
            lambda tp=tp, day=day: aggregate_touchpoint_day(touchpoint_id=tp, day=day)
        )
        samples.append(seconds)
    per_day = answers / len(tp_ids) / args.days
    print(
        f"2. one touchpoint-day (~{per_day:.0f} answers), {args.runs} runs: {percentiles(samples)}"
    )

    kpi_samples = []
    periods = kpi_rollup(organisation_ids=[org.pk], start=start, end=end)  # warm
    for _ in range(max(10, args.runs // 2)):
        seconds, periods = timed(
            lambda: kpi_rollup(organisation_ids=[org.pk], start=start, end=end)
        )
        kpi_samples.append(seconds)
    stat_rows = DailyStat.objects.filter(touchpoint_id__in=tp_ids).count()
    assert sum(p.paired.n for p in periods) == 2 * answers // 3
    print(
        f"3. kpi_rollup, {len(periods)} touchpoints x {args.days} days "
        f"({stat_rows:,} daily rows), {len(kpi_samples)} runs: {percentiles(kpi_samples)}"
    )


if __name__ == "__main__":
    main()
