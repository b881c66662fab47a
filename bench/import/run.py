"""History import benchmark on PostgreSQL (prints figures; not a test).

    python bench/import/run.py [--rows 100000] [--runs 1] [--million]

Creates and migrates the database named in DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/cx_bench_import), writes a CSV file of `--rows` rows
(two paired items, the NPS item, a comment in every fifth row; spread over two years), then
measures in one process:
  1. the import (`responses_import`: streamed rows, the capture rules per row, chunked bulk
     inserts, the duplicate check, the batch) plus the one-pass aggregation of its days;
  2. a re-import of the same file (every row found stored; nothing written);
  3. two baselines: the same file read with the csv module and the same Response and Answer
     rows written without any check in the same chunks, once with the import's COPY writer and
     once with Django's bulk_create.
Prints rows/s of each, the ratio import/baseline and the peak resident memory.
`--million` is short for `--rows 1000000`; `--baselines copy` skips the slow bulk_create one.
"""

import argparse
import csv
import os
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from bench.pg import ensure_database  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/cx_bench_import"
SLUG = "bench-import"
HEADER = ["Datum", "Wartezeit E", "Wartezeit S", "Kompetenz E", "Kompetenz S", "NPS", "Kommentar"]


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.pop("REDIS_URL", None)  # tasks run in-process: the aggregation is timed too
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxmonitor.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.DEBUG = False  # no query log: it would grow with every chunk

    call_command("migrate", verbosity=0)


def setup_touchpoint() -> tuple[Any, Any, list[Any]]:
    from django.db import connection

    from surveys.models import Item, Survey
    from touchpoints.models import Department, Organisation, Touchpoint
    from touchpoints.services import journey_create

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {Organisation._meta.db_table} CASCADE")
    org = Organisation.objects.create(name="Bench GmbH", slug=SLUG, time_zone="Europe/Berlin")
    journey = journey_create(organisation=org, name="Journey")
    department = Department.objects.create(organisation=org, name="Service")
    tp = Touchpoint.objects.create(
        phase=journey.phases.first(), department=department, name="Hotline", channel="offline"
    )
    survey = Survey.objects.create(touchpoint=tp, title_de="U", title_en="S", is_active=True)
    kinds = [("paired", "Wartezeit"), ("paired", "Kompetenz"), ("nps", "NPS"), ("comment", "K")]
    items = [
        Item.objects.create(
            survey=survey, kind=kind, label_de=label, label_en=label, order=i, required=i < 3
        )
        for i, (kind, label) in enumerate(kinds)
    ]
    return org, tp, items


def write_file(path: Path, rows: int) -> None:
    rng = random.Random(7)
    start = datetime.now(UTC) - timedelta(days=730)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        for i in range(rows):
            moment = start + timedelta(seconds=rng.randrange(729 * 86400))
            e1, e2 = rng.randint(3, 7), rng.randint(3, 7)
            writer.writerow(
                [
                    moment.strftime("%Y-%m-%d %H:%M:%S+00:00"),
                    e1,
                    max(1, e1 - rng.randint(0, 3)),
                    e2,
                    min(7, e2 + rng.randint(-2, 1)),
                    rng.randint(0, 10),
                    f"Kommentar {i}" if i % 5 == 0 else "",
                ]
            )


def mapping_for(tp: Any, items: list[Any]) -> Any:
    from surveys.imports.mapping import mapping_from_json

    columns = {
        "Wartezeit E": f"item:{items[0].pk}:expectation",
        "Wartezeit S": f"item:{items[0].pk}:satisfaction",
        "Kompetenz E": f"item:{items[1].pk}:expectation",
        "Kompetenz S": f"item:{items[1].pk}:satisfaction",
        "NPS": f"item:{items[2].pk}:value",
        "Kommentar": f"item:{items[3].pk}:text",
    }
    data = {"touchpoint": tp.public_key, "submitted_at": "Datum", "columns": columns}
    return mapping_from_json(data, headers=HEADER)


def baseline(path: Path, tp: Any, items: list[Any]) -> int:
    """csv.reader and bulk_create of the same rows in the same chunks, no checks at all."""
    from django.db import transaction

    from surveys.imports.services import CHUNK_ROWS
    from surveys.models import Answer, Response

    survey_id = items[0].survey_id
    written = 0
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter=";")
        next(reader)
        chunk: list[list[str]] = []
        for row in reader:
            chunk.append(row)
            if len(chunk) == CHUNK_ROWS:
                written += _baseline_chunk(chunk, tp.pk, survey_id, items, Response, Answer)
                chunk = []
        if chunk:
            with transaction.atomic():
                written += _baseline_chunk(chunk, tp.pk, survey_id, items, Response, Answer)
    return written


def _baseline_chunk(
    rows: list[list[str]], tp_id: int, survey_id: int, items: list[Any], response: Any, answer: Any
) -> int:
    from django.db import transaction

    with transaction.atomic():
        created = response.objects.bulk_create(
            [
                response(
                    touchpoint_id=tp_id,
                    survey_id=survey_id,
                    submitted_at=datetime.fromisoformat(row[0]),
                    channel="import",
                    language="de",
                    submission_id=f"base:{row[0]}:{i}",
                )
                for i, row in enumerate(rows)
            ]
        )
        answers = []
        for r, row in zip(created, rows, strict=True):
            answers.append(
                answer(
                    response_id=r.pk,
                    item_id=items[0].pk,
                    expectation=int(row[1]),
                    satisfaction=int(row[2]),
                )
            )
            answers.append(
                answer(
                    response_id=r.pk,
                    item_id=items[1].pk,
                    expectation=int(row[3]),
                    satisfaction=int(row[4]),
                )
            )
            answers.append(answer(response_id=r.pk, item_id=items[2].pk, value=int(row[5])))
            if row[6]:
                answers.append(answer(response_id=r.pk, item_id=items[3].pk, text=row[6]))
        answer.objects.bulk_create(answers)
    return len(rows)


def baseline_copy(path: Path, tp: Any, items: list[Any], batch_id: int) -> int:
    """csv.reader and the import's own COPY writer for the same rows, without any check."""
    from django.db import transaction

    from surveys.imports.services import CHUNK_ROWS
    from surveys.imports.writer import ResponseRow, responses_write
    from surveys.services import AnswerInput

    def row_of(i: int, cells: list[str]) -> ResponseRow:
        answers = [
            AnswerInput(items[0].pk, int(cells[1]), int(cells[2])),
            AnswerInput(items[1].pk, int(cells[3]), int(cells[4])),
            AnswerInput(items[2].pk, value=int(cells[5])),
        ]
        if cells[6]:
            answers.append(AnswerInput(items[3].pk, text=cells[6]))
        return ResponseRow(
            touchpoint_id=tp.pk,
            survey_id=items[0].survey_id,
            submitted_at=datetime.fromisoformat(cells[0]),
            language="de",
            customer_key=None,
            submission_id=f"copy:{i}",
            segment={},
            answers=answers,
        )

    written = 0
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter=";")
        next(reader)
        chunk: list[ResponseRow] = []
        for i, cells in enumerate(reader):
            chunk.append(row_of(i, cells))
            if len(chunk) == CHUNK_ROWS:
                with transaction.atomic():
                    written += len(responses_write(rows=chunk, batch_id=batch_id))
                chunk = []
        if chunk:
            with transaction.atomic():
                written += len(responses_write(rows=chunk, batch_id=batch_id))
    return written


def empty_responses() -> None:
    from django.db import connection

    from surveys.models import Response

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {Response._meta.db_table} CASCADE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--million", action="store_true", help="1,000,000 rows")
    parser.add_argument("--profile", action="store_true", help="print a profile of the import")
    parser.add_argument(
        "--baselines",
        choices=["all", "copy", "none"],
        default="all",
        help="which baselines to run (bulk_create takes longest)",
    )
    args = parser.parse_args()
    rows = 1_000_000 if args.million else args.rows
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        sys.exit("needs PostgreSQL: DATABASE_URL=postgres://...")
    ensure_database(url)
    setup_django(url)
    from surveys.imports.services import responses_import
    from surveys.models import Answer, Response

    org, tp, items = setup_touchpoint()
    mapping = mapping_for(tp, items)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "history.csv"
        began = time.perf_counter()
        write_file(path, rows)
        size = path.stat().st_size / 1e6
        print(f"file: {rows:,} rows, {size:.1f} MB, written in {time.perf_counter() - began:.1f} s")

        def run_import() -> tuple[float, Any]:
            began = time.perf_counter()
            report = responses_import(
                organisation=org, path=path, fmt="csv", file_name="history.csv", mapping=mapping
            )
            return time.perf_counter() - began, report

        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.enable()
        seconds, report = run_import()
        if args.profile:
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(22)
        assert report.imported == rows, report
        stored = Response.objects.count(), Answer.objects.count()
        print(
            f"import + aggregation: {seconds:.1f} s, {rows / seconds:,.0f} rows/s "
            f"({stored[0]:,} responses, {stored[1]:,} answers)"
        )
        from dashboards.statistics.services.aggregation import aggregate_range

        began = time.perf_counter()
        aggregate_range(start=report.first_day, end=report.last_day, organisation_id=org.pk)
        alone = time.perf_counter() - began
        print(f"  of which the one-pass aggregation (run again alone): {alone:.1f} s")
        again, report = run_import()
        assert report.imported == 0 and report.duplicates == rows, report
        print(f"re-import (nothing new): {again:.1f} s, {rows / again:,.0f} rows/s")
        if args.baselines == "none":
            report_memory()
            return
        empty_responses()
        began = time.perf_counter()
        written = baseline_copy(path, tp, items, report.batch_id or 0)
        copy_seconds = time.perf_counter() - began
        print(
            f"baseline csv + COPY, no checks: {copy_seconds:.1f} s, "
            f"{written / copy_seconds:,.0f} rows/s"
        )
        print(f"ratio import / COPY baseline: {seconds / copy_seconds:.2f}x")
        if args.baselines == "copy":
            report_memory()
            return
        empty_responses()
        began = time.perf_counter()
        written = baseline(path, tp, items)
        base = time.perf_counter() - began
        print(f"baseline csv + bulk_create, no checks: {base:.1f} s, {written / base:,.0f} rows/s")
        print(f"ratio import / bulk_create baseline: {seconds / base:.2f}x")
        report_memory()


def report_memory() -> None:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of the process: {peak:.0f} MB")


if __name__ == "__main__":
    main()
