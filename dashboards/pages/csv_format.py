"""CSV that opens correctly in the reader's spreadsheet.

A German Excel splits a CSV at its list separator, the semicolon, and reads numbers with a
decimal comma; English spreadsheets and most other programs expect a comma and a decimal point.
Every download is UTF-8 with a byte-order mark (so Excel does not guess a legacy code page) and
booleans are words in the page's language; callers make text cells safe against formulas first
(`exports.spreadsheet_safe`). The format follows the page's language unless `csv=de|en` chooses.
"""

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from cxmonitor.errors import ApplicationError

BOM = "\ufeff"
QUERY_PARAMETER = "csv"


@dataclass(frozen=True)
class CsvFormat:
    delimiter: str
    decimal: str


GERMAN = CsvFormat(delimiter=";", decimal=",")
ENGLISH = CsvFormat(delimiter=",", decimal=".")
FORMATS = {"de": GERMAN, "en": ENGLISH}


def csv_format_choose(*, choice: str | None, language: str) -> CsvFormat:
    """The format asked for with `csv=de|en`, else the one of the page's language."""
    if choice in (None, ""):
        return GERMAN if language.startswith("de") else ENGLISH
    if choice not in FORMATS:
        message = _("Choose de (semicolon, decimal comma) or en (comma, decimal point).")
        raise ApplicationError(message, fields={QUERY_PARAMETER: [message]})
    return FORMATS[choice]


def csv_cell(value: Any, *, fmt: CsvFormat) -> str:
    """One cell as text: empty for None, a word for a boolean, the format's decimal mark."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, float):
        return repr(value).replace(".", fmt.decimal)
    if isinstance(value, int):
        return str(value)
    return str(value)


class _Echo:
    """csv.writer target that hands each formatted line back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def csv_lines(
    *, header: Iterable[str], rows: Iterable[Iterable[Any]], fmt: CsvFormat
) -> Iterator[str]:
    """The lines of the file, the first with the byte-order mark; rows are read lazily."""
    writer = csv.writer(_Echo(), delimiter=fmt.delimiter)
    yield BOM + writer.writerow([csv_cell(name, fmt=fmt) for name in header])
    for row in rows:
        yield writer.writerow([csv_cell(cell, fmt=fmt) for cell in row])
