"""CSV and XLSX downloads of the KPI table, under the same filters as the page.

Numbers are written as numbers (CSV with a decimal point, so other systems can read it); text
cells that a spreadsheet would read as a formula are prefixed with an apostrophe (CSV injection).
"""

import csv
import io
import re
from collections.abc import Sequence
from typing import Any, TypeVar

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from dashboards.pages.builders.dashboard import Tile
from dashboards.pages.filters import Filters
from touchpoints.models import Organisation

# A cell a spreadsheet reads as a formula: "=", "@" and control characters always; a leading sign
# unless the rest is a plain identifier (a public key such as "-HKhX_9" stays as it is).
T = TypeVar("T")

FORMULA_START = ("=", "@", "\t", "\r", "\n")
SIGNED_IDENTIFIER = re.compile(r"[+-][\w-]*[A-Za-z_][\w-]*")
SIGNED_NUMBER = re.compile(r"[+-]\d+(?:[.,]\d+)?(?:[eE][+-]?\d+)?")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def spreadsheet_safe(cell: T) -> T | str:
    """A cell that no spreadsheet evaluates (CSV/formula injection); non-text passes unchanged."""
    if not isinstance(cell, str) or not cell:
        return cell
    if cell.startswith(FORMULA_START):
        return "'" + cell
    signed = cell[0] in "+-"
    if signed and (SIGNED_NUMBER.fullmatch(cell) or not SIGNED_IDENTIFIER.fullmatch(cell)):
        return "'" + cell
    return cell


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _ci(ci: tuple[float, float] | None, digits: int) -> tuple[float | None, float | None]:
    if ci is None:
        return None, None
    return round(ci[0], digits), round(ci[1], digits)


def header() -> list[str]:
    return [
        _("Phase"),
        _("Touchpoint"),
        _("Channel"),
        _("Department"),
        _("Responses"),
        _("Paired answers"),
        _("Expectation"),
        _("Expectation CI low"),
        _("Expectation CI high"),
        _("Satisfaction"),
        _("Satisfaction CI low"),
        _("Satisfaction CI high"),
        _("Gap"),
        _("Gap CI low"),
        _("Gap CI high"),
        _("Top-two-box satisfaction"),
        _("NPS"),
        _("NPS CI low"),
        _("NPS CI high"),
        _("NPS answers"),
        _("Change in satisfaction"),
        _("Change significant"),
        _("Few answers"),
    ]


def row(tile: Tile) -> list[Any]:
    """One table row: text made safe, numbers rounded but kept numeric."""
    k = tile.kpis
    return [
        spreadsheet_safe(tile.phase_name),
        spreadsheet_safe(tile.name),
        tile.channel,
        spreadsheet_safe(tile.department),
        tile.responses,
        k.n,
        _round(k.expectation.value, 3),
        *_ci(k.expectation.ci, 3),
        _round(k.satisfaction.value, 3),
        *_ci(k.satisfaction.ci, 3),
        _round(k.gap.value, 3),
        *_ci(k.gap.ci, 3),
        _round(k.top2_satisfaction.value, 4),
        _round(tile.nps.value, 1),
        *_ci(tile.nps.ci, 1),
        tile.nps.n,
        _round(tile.satisfaction_change.diff, 3),
        tile.satisfaction_change.significant,
        tile.small_n,
    ]


def filename(organisation: Organisation, filters: Filters, extension: str) -> str:
    return f"cxmonitor-{organisation.slug}-{filters.start}-{filters.end}.{extension}"


def kpi_table_csv(
    *, organisation: Organisation, filters: Filters, rows: Sequence[Tile]
) -> HttpResponse:
    """The KPI table as UTF-8 CSV (with a byte-order mark so spreadsheets detect UTF-8)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(header())
    for tile in rows:
        writer.writerow(["" if v is None else v for v in row(tile)])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{filename(organisation, filters, "csv")}"'
    )
    return response


def kpi_table_xlsx(
    *, organisation: Organisation, filters: Filters, rows: Sequence[Tile]
) -> HttpResponse:
    """The KPI table as an Excel workbook with one sheet."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("KPIs")
    sheet.append(header())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for tile in rows:
        sheet.append(row(tile))
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            # openpyxl reads a string starting with "=" as a formula; keep every string a string.
            if isinstance(cell.value, str):
                cell.data_type = "s"
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = (
        f'attachment; filename="{filename(organisation, filters, "xlsx")}"'
    )
    return response
