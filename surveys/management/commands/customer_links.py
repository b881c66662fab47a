"""Personalised survey links for a CRM mail merge: one signed link per customer id."""

import csv
import io
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, no_translations

from surveys.customer_links import customer_link_url
from surveys.forms import CUSTOMER_ID_MAX_LENGTH
from touchpoints.selectors import touchpoint_get_public


class Command(BaseCommand):
    help = (
        "Read customer ids (one a line, or the first column of a CSV file) and write a CSV of "
        "customer_id,link with a signed link per customer; the raw id appears in no link."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--touchpoint", required=True, help="The touchpoint's public key.")
        parser.add_argument("--input", default="-", help="File of customer ids ('-': stdin).")
        parser.add_argument("--output", default="-", help="CSV file to write ('-': stdout).")
        parser.add_argument("--language", choices=["de", "en"], help="Language of the page.")

    @no_translations  # every command speaks English, whatever LANGUAGE_CODE says
    def handle(self, *args: Any, **options: Any) -> None:
        touchpoint = touchpoint_get_public(public_key=options["touchpoint"])
        if touchpoint is None:
            raise CommandError(f"Unknown touchpoint: {options['touchpoint']!r}.")
        ids = _read_ids(options["input"])
        problems = [
            f"line {number}: {reason}"
            for number, value in ids
            if (reason := _problem(value)) is not None
        ]
        if problems:
            # Nothing is written: a half-finished mail merge is worse than none.
            raise CommandError("No links written:\n" + "\n".join(problems[:20]))
        rows = [
            (value, customer_link_url(
                public_key=touchpoint.public_key, customer_id=value,
                language=options["language"],
            ))
            for _, value in ids
        ]  # fmt: skip
        if options["output"] == "-":
            buffer = io.StringIO()
            _write(buffer, rows)
            self.stdout.write(buffer.getvalue(), ending="")
        else:
            with Path(options["output"]).open("w", newline="", encoding="utf-8") as out:
                _write(out, rows)
            self.stderr.write(f"{len(rows)} links written to {options['output']}")


def _read_ids(source: str) -> list[tuple[int, str]]:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"Cannot read {source}: {error}.") from error
    rows = [
        (number, row[0].strip() if row else "")
        for number, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1)
    ]
    if rows and rows[0][1].lower() in {"customer_id", "kundennummer", "id"}:
        rows = rows[1:]  # a header line
    if not rows:
        raise CommandError("No customer ids given.")
    return rows


def _problem(value: str) -> str | None:
    if not value:
        return "empty customer id"
    if len(value) > CUSTOMER_ID_MAX_LENGTH:
        return f"longer than {CUSTOMER_ID_MAX_LENGTH} characters"
    if not value.isprintable():
        return "contains control characters"
    return None


def _write(out: TextIO, rows: list[tuple[str, str]]) -> None:
    writer = csv.writer(out)
    writer.writerow(["customer_id", "link"])
    writer.writerows(rows)
