"""Streamed reading of history files: one row at a time, whatever the file's size.

CSV through the csv module (UTF-8 with or without BOM; `;`, `,` or tab as the delimiter, taken
from the header line), XLSX through openpyxl in read-only mode (the first sheet).
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from django.utils.translation import gettext as _

from cxmonitor.errors import ApplicationError

DELIMITERS = (";", ",", "\t")


@dataclass(frozen=True)
class SourceRow:
    """One data row: its line (spreadsheet row) number and its cells by column name."""

    line: int
    cells: dict[str, str]


def file_format(name: str) -> str:
    """`csv` or `xlsx` from a file name; ApplicationError for anything else."""
    suffix = Path(name).suffix.lower()
    if suffix in (".csv", ".txt"):
        return "csv"
    if suffix == ".xlsx":
        return "xlsx"
    raise ApplicationError(
        _("Upload a CSV or XLSX file."), fields={"file": [_("Upload a CSV or XLSX file.")]}
    )


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _unique_headers(raw: list[object]) -> list[str]:
    headers = [_cell_text(h) for h in raw]
    if not any(headers):
        raise ApplicationError(
            _("The file has no header row."), fields={"file": [_("The file has no header row.")]}
        )
    seen: set[str] = set()
    for header in headers:
        if header and header in seen:
            message = _("The column %(name)s appears twice.") % {"name": header}
            raise ApplicationError(message, fields={"file": [message]})
        seen.add(header)
    return headers


def _csv_rows(path: Path) -> Iterator[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        first = handle.readline()
        delimiter = max(DELIMITERS, key=first.count)
        yield from csv.reader(io.StringIO(first), delimiter=delimiter)
        yield from csv.reader(handle, delimiter=delimiter)


def _xlsx_rows(path: Path) -> Iterator[list[object]]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield list(row)
    finally:
        workbook.close()


def rows_read(path: Path, *, fmt: str) -> tuple[list[str], Iterator[SourceRow]]:
    """The header names and an iterator over the data rows (empty rows skipped)."""
    try:
        raw: Iterator[list[object]] = (
            iter(_csv_rows(path)) if fmt == "csv" else iter(_xlsx_rows(path))  # type: ignore[arg-type]
        )
        headers = _unique_headers(next(raw, []))
    except (UnicodeDecodeError, csv.Error, OSError, ValueError, KeyError) as error:
        message = _("The file cannot be read: %(error)s") % {"error": error}
        raise ApplicationError(message, fields={"file": [message]}) from None

    def rows() -> Iterator[SourceRow]:
        try:
            for line, values in enumerate(raw, start=2):
                cells = {
                    header: _cell_text(value)
                    for header, value in zip(headers, values, strict=False)
                    if header
                }
                if any(cells.values()):
                    yield SourceRow(line=line, cells=cells)
        except (UnicodeDecodeError, csv.Error) as error:
            message = _("The file cannot be read: %(error)s") % {"error": error}
            raise ApplicationError(message, fields={"file": [message]}) from None

    return headers, rows()


def data_row_count(path: Path, *, fmt: str) -> int | None:
    """Data rows in a CSV file (a quick line count, for the progress bar); None for XLSX."""
    if fmt != "csv":
        return None
    with path.open("rb") as handle:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    return max(lines - 1, 0)
