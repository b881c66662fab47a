"""Dashboard benchmark on PostgreSQL (prints figures; not a test).

    python bench/dashboard/run.py [--touchpoints 200] [--days 365] [--requests 30] [--raw 200000]

Creates and migrates the database named in DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/cx_bench_dash) and writes daily statistics directly (COPY):
touchpoints x days of DailyStat rows (two paired items and an NPS item per touchpoint) and
TouchpointDay rows, plus stored importance. Then, in one run:
  1. server time of both pages through Django's test Client (p50/p95 over --requests requests):
     "cold" clears the cache before each request (every figure computed), "warm" repeats the
     request (the page cache, keyed by the data version, answers); and the analysis page's
     segments section, which the page requests after loading (the one read of raw answers);
  2. the time of the pages' own queries alone (the selectors, no analytics, no rendering);
  3. the same page timings after --raw raw answers were added, to show that page time does not
     follow the number of answers (only comments and segment sums read answers).
The statistics are kept and reused when their size matches (--fresh regenerates them).
"""

import argparse
import os
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from bench.pg import ensure_database  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/cx_bench_dash"
SLUG = "bench-dashboard"
ZONE = "Europe/Berlin"


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxmonitor.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def generate(*, touchpoints: int, days: int, fresh: bool) -> Any:
    """The benchmark organisation with daily statistics for touchpoints x days."""
    import numpy as np
    from django.db import connection, transaction
    from django.utils import timezone

    from dashboards.statistics.models import (
        DailyStat,
        StatBlock,
        TouchpointDay,
        TouchpointImportance,
    )
    from dashboards.statistics.services.blocks import blocks_refresh
    from surveys.models import Answer, Item, Response, Survey
    from touchpoints.models import Department, Organisation, Touchpoint
    from touchpoints.services import journey_create

    org = Organisation.objects.filter(slug=SLUG).first()
    end = timezone.now().astimezone(timezone.get_default_timezone()).date()
    if org is not None and not fresh:
        have = Touchpoint.objects.filter(phase__journey__organisation=org).count()
        span = TouchpointDay.objects.filter(touchpoint__phase__journey__organisation=org)
        first = span.order_by("day").values_list("day", flat=True).first()
        last = span.order_by("-day").values_list("day", flat=True).first()
        blocks = StatBlock.objects.filter(touchpoint__phase__journey__organisation=org).exists()
        if (
            have == touchpoints
            and blocks
            and first
            and last == end
            and (last - first).days + 1 == days
        ):
            print(f"reusing {touchpoints} touchpoints x {days} days of statistics")
            return org
    if org is not None:
        # Children first: touchpoints, phases and answers' items are protected references.
        scoped = {"touchpoint__phase__journey__organisation": org}
        Answer.objects.filter(**{f"response__{k}": v for k, v in scoped.items()}).delete()
        Response.objects.filter(**scoped).delete()
        for model in (DailyStat, StatBlock, TouchpointDay, TouchpointImportance):
            model.objects.filter(**scoped).delete()
        Touchpoint.objects.filter(phase__journey__organisation=org).delete()
        org.delete()
    print(f"writing {touchpoints} touchpoints x {days} days of statistics ...", flush=True)
    started = time.perf_counter()
    rng = np.random.default_rng(7)
    with transaction.atomic():
        org = Organisation.objects.create(name="Bench GmbH", slug=SLUG, time_zone=ZONE)
        phases = list(journey_create(organisation=org, name="Journey").phases.order_by("order"))
        departments = [
            Department.objects.create(organisation=org, name=f"Abteilung {i}") for i in range(8)
        ]
        tps = Touchpoint.objects.bulk_create(
            Touchpoint(
                phase=phases[i % len(phases)],
                department=departments[i % len(departments)],
                name=f"Touchpoint {i:03d}",
                channel="online" if i % 2 else "offline",
            )
            for i in range(touchpoints)
        )
        surveys = Survey.objects.bulk_create(
            Survey(touchpoint=tp, title_de="Umfrage", title_en="Survey", is_active=True)
            for tp in tps
        )
        items: list[Item] = []
        for srv in surveys:
            items += [
                Item(survey=srv, kind="paired", label_de="Wartezeit", label_en="Waiting", order=1),
                Item(survey=srv, kind="paired", label_de="Lösung", label_en="Solution", order=2),
                Item(survey=srv, kind="nps", label_de="Empfehlung", label_en="Recommend", order=3),
                Item(survey=srv, kind="comment", label_de="Kommentar", label_en="Comment", order=4),
            ]
        Item.objects.bulk_create(items)
        day_list = [end - timedelta(days=d) for d in range(days - 1, -1, -1)]
        now = timezone.now()
        stat_cols = [f.column for f in DailyStat._meta.concrete_fields if f.column != "id"]
        day_cols = [f.column for f in TouchpointDay._meta.concrete_fields if f.column != "id"]
        with connection.cursor() as cursor:
            stat_copy = f"COPY {DailyStat._meta.db_table} ({', '.join(stat_cols)}) FROM STDIN"
            day_copy = f"COPY {TouchpointDay._meta.db_table} ({', '.join(day_cols)}) FROM STDIN"
            for index, tp in enumerate(tps):
                tp_items = items[4 * index : 4 * index + 4]
                responses = rng.poisson(12, size=days) + 1
                level = rng.normal(5.2, 0.4)
                stat_rows: list[dict[str, Any]] = []
                for d, day in enumerate(day_list):
                    n = int(responses[d])
                    for item in tp_items[:2]:
                        e = np.clip(np.rint(rng.normal(5.6, 1.0, n)), 1, 7)
                        s = np.clip(np.rint(rng.normal(level, 1.0, n)), 1, 7)
                        stat_rows.append(_paired_row(tp.pk, item.pk, day, e, s, now))
                    v = np.clip(np.rint(rng.normal(7.5, 2.0, n)), 0, 10)
                    stat_rows.append(_nps_row(tp.pk, tp_items[2].pk, day, v, now))
                with cursor.copy(stat_copy) as copy:
                    for row in stat_rows:
                        copy.write_row([row[c] for c in stat_cols])
                with cursor.copy(day_copy) as copy:
                    for d, day in enumerate(day_list):
                        values = {
                            "touchpoint_id": tp.pk,
                            "day": day,
                            "responses": int(responses[d]),
                            "comments": 0,
                            "linked": 0,
                            "computed_at": now,
                        }
                        copy.write_row([values[c] for c in day_cols])
        # Long periods read aligned blocks of days; keep them in step as the aggregation does.
        blocks_refresh(touchpoint_ids=[tp.pk for tp in tps], start=day_list[0], end=end)
        TouchpointImportance.objects.bulk_create(
            TouchpointImportance(
                organisation=org,
                touchpoint=tp,
                computed_at=now,
                period_start=end - timedelta(days=89),
                period_end=end,
                method="daily",
                n=90,
                r=float(rng.uniform(0.1, 0.8)),
            )
            for tp in tps
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)
    return org


def _paired_row(tp: int, item: int, day: date, e: Any, s: Any, now: Any) -> dict[str, Any]:
    g = s - e
    return {
        "touchpoint_id": tp,
        "item_id": item,
        "day": day,
        "n": int(e.size),
        "sum_e": int(e.sum()),
        "sum_s": int(s.sum()),
        "sumsq_e": int((e * e).sum()),
        "sumsq_s": int((s * s).sum()),
        "sum_es": int((e * s).sum()),
        "sum_gap": int(g.sum()),
        "sumsq_gap": int((g * g).sum()),
        "top2_e": int((e >= 6).sum()),
        "top2_s": int((s >= 6).sum()),
        "hist_e": "[]",
        "hist_s": "[]",
        "sum_v": 0,
        "sumsq_v": 0,
        "top2_v": 0,
        "hist_v": "[]",
        "promoters": 0,
        "passives": 0,
        "detractors": 0,
        "computed_at": now,
    }


def _nps_row(tp: int, item: int, day: date, v: Any, now: Any) -> dict[str, Any]:
    return {
        "touchpoint_id": tp,
        "item_id": item,
        "day": day,
        "n": int(v.size),
        **dict.fromkeys(
            ("sum_e", "sum_s", "sumsq_e", "sumsq_s", "sum_es", "sum_gap", "sumsq_gap"), 0
        ),
        "top2_e": 0,
        "top2_s": 0,
        "hist_e": "[]",
        "hist_s": "[]",
        "sum_v": int(v.sum()),
        "sumsq_v": int((v * v).sum()),
        "top2_v": int((v >= 9).sum()),
        "hist_v": "[]",
        "promoters": int((v >= 9).sum()),
        "passives": int(((v >= 7) & (v <= 8)).sum()),
        "detractors": int((v <= 6).sum()),
        "computed_at": now,
    }


def add_raw_answers(org: Any, answers: int) -> int:
    """Raw responses and answers over the last 30 days, written inside PostgreSQL."""
    from django.db import connection

    from surveys.models import Answer, Item, Response
    from touchpoints.models import Touchpoint

    have = Answer.objects.filter(response__touchpoint__phase__journey__organisation=org).count()
    if have >= answers:
        return have
    responses = (answers - have) // 3 + 1  # two paired answers and an NPS answer each
    tp = Touchpoint._meta.db_table
    phase_table = "touchpoints_phase"
    journey_table = "touchpoints_journey"
    with connection.cursor() as cursor:
        # Responses spread evenly over the touchpoints and the last 30 days.
        cursor.execute(
            f"""
            WITH tps AS (
                SELECT row_number() OVER (ORDER BY t.id) - 1 AS rn, t.id AS tp, s.id AS survey
                FROM {tp} t
                JOIN {phase_table} p ON p.id = t.phase_id
                JOIN {journey_table} j ON j.id = p.journey_id
                JOIN surveys_survey s ON s.touchpoint_id = t.id AND s.is_active
                WHERE j.organisation_id = %s
            ), n AS (SELECT count(*)::int AS c FROM tps)
            INSERT INTO {Response._meta.db_table}
                (touchpoint_id, survey_id, submitted_at, channel, language, customer_key,
                 submission_id, segment, contact_consent)
            SELECT tps.tp, tps.survey, now() - random() * interval '30 days',
                   (ARRAY['page','qr','embed','link'])[1 + floor(random() * 4)::int],
                   CASE WHEN random() < 0.12 THEN 'en' ELSE 'de' END, NULL,
                   'bench-' || %s || '-' || g, '{{}}'::jsonb, false
            FROM generate_series(1, %s) g CROSS JOIN n
            JOIN tps ON tps.rn = g %% n.c
            """,
            [org.pk, have, responses],
        )
        cursor.execute(
            f"""
            INSERT INTO {Answer._meta.db_table}
                (response_id, item_id, expectation, satisfaction, value, text)
            SELECT r.id, i.id,
                   CASE WHEN i.kind = 'paired' THEN 1 + floor(random() * 7)::int END,
                   CASE WHEN i.kind = 'paired' THEN 1 + floor(random() * 7)::int END,
                   CASE WHEN i.kind = 'nps' THEN floor(random() * 11)::int END,
                   CASE WHEN i.kind = 'comment' THEN 'Kommentar ' || r.id ELSE '' END
            FROM {Response._meta.db_table} r
            JOIN {Item._meta.db_table} i ON i.survey_id = r.survey_id
            WHERE r.submission_id LIKE %s
              AND (i.kind IN ('paired', 'nps') OR (i.kind = 'comment' AND r.id %% 10 = 0))
            """,
            [f"bench-{have}-%"],
        )
        cursor.execute("ANALYZE")
    return Answer.objects.filter(response__touchpoint__phase__journey__organisation=org).count()


def timed(fn: Callable[[], Any], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def line(label: str, values: list[float]) -> str:
    return f"  {label:<48} p50 {p(values, 0.5):7.1f} ms   p95 {p(values, 0.95):7.1f} ms"


def measure_pages(client: Any, runs: int) -> dict[str, list[float]]:
    from django.core.cache import cache

    out: dict[str, list[float]] = {}
    for name, path in (("dashboard", "/dashboard/"), ("analysis", "/dashboard/analysis/")):

        def cold(path: str = path) -> None:
            cache.clear()
            response = client.get(path)
            assert response.status_code == 200, response.status_code

        def warm(path: str = path) -> None:
            response = client.get(path)
            assert response.status_code == 200, response.status_code

        client.get(path)  # templates compiled, imports done
        out[f"{name} page, cold (cache cleared)"] = timed(cold, runs)
        client.get(path)
        out[f"{name} page, warm (page cache)"] = timed(warm, runs)

    def segments() -> None:
        cache.clear()
        response = client.get(
            "/dashboard/analysis/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="segments-body"
        )
        assert response.status_code == 200, response.status_code

    out["analysis segments section (after load), cold"] = timed(segments, runs)
    return out


def measure_selectors(org: Any, user: Any, runs: int) -> dict[str, list[float]]:
    """The pages' own reads, without analytics or rendering (cache bypassed)."""
    from dashboards.monitoring.selectors.alerts import open_alerts_for
    from dashboards.pages.builders import organisation_choose, organisation_scope
    from dashboards.pages.builders.analysis import LINK_CANDIDATES
    from dashboards.statistics.selectors import kpis
    from dashboards.statistics.selectors.importance import importance_for
    from surveys import selectors as surveys_selectors

    choice = organisation_choose(user=user, slug=org.slug)
    scope = organisation_scope(choice=choice)
    end = scope.today
    start = end - timedelta(days=29)
    ids = [org.pk]

    def dashboard_reads() -> None:
        s = organisation_scope(choice=organisation_choose(user=user, slug=org.slug))
        kpis.data_as_of(organisation_ids=ids)
        current = kpis.kpi_rollup(organisation_ids=ids, start=start, end=end)
        kpis.kpi_rollup(
            organisation_ids=ids, start=start - timedelta(days=30), end=start - timedelta(days=1)
        )
        kpis.daily_series(
            touchpoint_ids=[t.touchpoint_id for t in current],
            start=end - timedelta(days=59),
            end=end,
        )
        open_alerts_for(organisation_ids=ids, limit=5)
        assert s.touchpoints

    def analysis_reads() -> None:
        from datetime import datetime
        from datetime import time as day_time

        organisation_scope(choice=organisation_choose(user=user, slug=org.slug))
        kpis.data_as_of(organisation_ids=ids)
        current = kpis.kpi_rollup(organisation_ids=ids, start=start, end=end)
        importance_for(organisation_ids=ids)
        top = sorted(current, key=lambda t: -t.responses)[:LINK_CANDIDATES]
        kpis.daily_series(
            touchpoint_ids=[t.touchpoint_id for t in top],
            start=end - timedelta(days=90),
            end=end - timedelta(days=1),
        )
        tz = org.tzinfo
        lower = datetime.combine(start, day_time.min, tzinfo=tz)
        upper = datetime.combine(end + timedelta(days=1), day_time.min, tzinfo=tz)
        all_ids = [t.touchpoint_id for t in current]
        surveys_selectors.comment_list(
            touchpoint_ids=all_ids, submitted_from=lower, submitted_to=upper, limit=11
        )

    def segment_reads() -> None:
        from datetime import datetime
        from datetime import time as day_time

        tz = org.tzinfo
        current = kpis.kpi_rollup(organisation_ids=ids, start=start, end=end)
        surveys_selectors.segment_sums(
            touchpoint_ids=[t.touchpoint_id for t in current],
            submitted_from=datetime.combine(start, day_time.min, tzinfo=tz),
            submitted_to=datetime.combine(end + timedelta(days=1), day_time.min, tzinfo=tz),
        )

    return {
        "dashboard: its queries alone": timed(dashboard_reads, runs),
        "analysis: its queries alone": timed(analysis_reads, runs),
        "analysis segments section: its queries alone": timed(segment_reads, runs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--touchpoints", type=int, default=200)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--raw", type=int, default=200_000, help="raw answers for the last step")
    parser.add_argument("--fresh", action="store_true", help="regenerate the statistics")
    parser.add_argument(
        "--quantile-cache",
        action="store_true",
        help="memoise the analytics' t/normal quantiles for this run (shows a proposed fix)",
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        sys.exit("bench/dashboard needs PostgreSQL: DATABASE_URL=postgres://...")
    ensure_database(url)
    setup_django(url)

    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client

    from surveys.models import Answer, Response
    from touchpoints.models import Membership

    if args.quantile_cache:
        import functools

        from dashboards.analytics import kpis as analytics_kpis

        analytics_kpis._quantile_t = functools.cache(analytics_kpis._quantile_t)  # type: ignore[assignment]
        analytics_kpis._quantile_z = functools.cache(analytics_kpis._quantile_z)  # type: ignore[assignment]
        print("analytics quantiles memoised for this run (--quantile-cache)")
    org = generate(touchpoints=args.touchpoints, days=args.days, fresh=args.fresh)
    # Start without raw answers; the last step adds them.
    Answer.objects.filter(response__touchpoint__phase__journey__organisation=org).delete()
    Response.objects.filter(touchpoint__phase__journey__organisation=org).delete()
    user, _ = User.objects.get_or_create(username="bench-manager")
    Membership.objects.get_or_create(user=user, organisation=org)
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    client.force_login(user)

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
    from django.conf import settings

    cache = "Redis" if settings.REDIS_URL else "local memory"
    print(
        f"\n{args.touchpoints} touchpoints x {args.days} days of daily statistics, {version}, "
        f"cache: {cache}, {args.requests} requests each"
    )
    print("\nwithout raw answers:")
    for label, values in measure_pages(client, args.requests).items():
        print(line(label, values))
    for label, values in measure_selectors(org, user, args.requests).items():
        print(line(label, values))

    total = add_raw_answers(org, args.raw)
    print(f"\nwith {total:,} raw answers (last 30 days):")
    for label, values in measure_pages(client, args.requests).items():
        print(line(label, values))
    for label, values in measure_selectors(org, user, args.requests).items():
        print(line(label, values))


if __name__ == "__main__":
    main()
