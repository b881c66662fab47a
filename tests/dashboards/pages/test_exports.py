"""CSV and XLSX downloads of the KPI table: content, headers, same filters, no formula injection."""

import csv
import io
import zoneinfo
from datetime import date, timedelta

import numpy as np
import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from dashboards.pages.exports import spreadsheet_safe
from tests import factories as f
from tests.dashboards.pages.pages_data import Built, build

INJECTION = '=HYPERLINK("http://evil.example","x")'


def today() -> date:
    return timezone.now().astimezone(zoneinfo.ZoneInfo("Europe/Berlin")).date()


@pytest.fixture
def built(db: None) -> Built:
    return build(
        touchpoints=3,
        days=12,
        per_day=5,
        end=today() - timedelta(days=1),
        names=["Shop", INJECTION, "@Kasse"],
    )


def client_for(built: Built, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(f.manager(built.org))
    return client


def csv_rows(content: bytes) -> list[dict[str, str]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")  # spreadsheets detect UTF-8 by the byte-order mark
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_csv_content_and_headers(built: Built) -> None:
    response = client_for(built).get("/dashboard/export.csv", {"period": "7"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    end = today()
    start = end - timedelta(days=6)
    assert response["Content-Disposition"] == (
        f'attachment; filename="cxmonitor-{built.org.slug}-{start}-{end}.csv"'
    )
    rows = csv_rows(response.content)
    assert len(rows) == 3
    shop = next(r for r in rows if r["Touchpoint"] == "Shop")
    e, s = built.paired("Shop", start, end)
    assert float(shop["Satisfaction"]) == pytest.approx(s.mean(), abs=5e-4)
    assert float(shop["Expectation"]) == pytest.approx(e.mean(), abs=5e-4)
    assert float(shop["Gap"]) == pytest.approx((s - e).mean(), abs=5e-4)
    assert int(shop["Paired answers"]) == len(s)
    nps = built.nps("Shop", start, end)
    assert float(shop["NPS"]) == pytest.approx(
        100 * (np.mean(nps >= 9) - np.mean(nps <= 6)), abs=0.05
    )
    # "Few answers" counts responses (the unit of the touchpoint's intervals): one NPS each.
    assert shop["Few answers"] == ("yes" if len(nps) < 30 else "no")


def test_csv_is_safe_against_formula_injection(built: Built) -> None:
    rows = csv_rows(client_for(built).get("/dashboard/export.csv").content)
    names = {r["Touchpoint"] for r in rows}
    assert "'" + INJECTION in names and INJECTION not in names
    assert "'@Kasse" in names
    # Numbers stay numbers: a negative gap is not escaped.
    assert all(not r["Gap"].startswith("'") for r in rows)


def test_spreadsheet_safe() -> None:
    for dangerous in ("=1+1", "+1", "-1", "-1.5e3", "@SUM(A1)", "\tx", "\rx", "\nx", "-2+3"):
        assert spreadsheet_safe(dangerous) == "'" + dangerous
    for dangerous in ("+cmd|' /C calc'!A0", '-HYPERLINK("x")'):
        assert spreadsheet_safe(dangerous) == "'" + dangerous
    # Identifiers that begin with a sign are no formula: public keys stay intact.
    for plain in ("Hotline", "-HKhX_9z-Q", "+abc", "", "Lücke −1,2"):
        assert spreadsheet_safe(plain) == plain
    assert spreadsheet_safe(-1.5) == -1.5


def test_xlsx_content_and_injection(built: Built) -> None:
    response = client_for(built, "de").get("/dashboard/export.xlsx", {"period": "7"})
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    assert header[:2] == ["Phase", "Touchpoint"] and "Zufriedenheit" in header
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    names = [r[1] for r in rows]
    assert "'" + INJECTION in names
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f"  # no cell is a formula
    shop = rows[names.index("Shop")]
    _e, s = built.paired("Shop", today() - timedelta(days=6), today())
    assert shop[header.index("Zufriedenheit")] == pytest.approx(s.mean(), abs=5e-4)
    assert isinstance(shop[header.index("Lücke")], float)


def test_exports_apply_the_same_filters_and_sort(built: Built) -> None:
    client = client_for(built)
    online = [t.name for t in built.touchpoints if t.channel == "online"]
    rows = csv_rows(client.get("/dashboard/export.csv", {"channel": "online"}).content)
    assert sorted(r["Touchpoint"].lstrip("'") for r in rows) == sorted(online)
    rows = csv_rows(client.get("/dashboard/export.csv", {"sort": "-satisfaction"}).content)
    values = [float(r["Satisfaction"]) for r in rows]
    assert values == sorted(values, reverse=True)


def test_page_links_to_exports_with_its_filters(built: Built) -> None:
    page = client_for(built).get("/dashboard/", {"period": "7", "channel": "online"}).text
    assert f"/dashboard/export.csv?org={built.org.slug}&amp;period=7&amp;channel=online" in page
    assert f"/dashboard/export.xlsx?org={built.org.slug}&amp;period=7&amp;channel=online" in page
