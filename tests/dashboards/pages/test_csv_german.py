"""CSV downloads open correctly in a German Excel: UTF-8 with BOM, semicolons, decimal comma and
words for booleans on German pages (or when `csv=de` asks); `csv=en` gives commas and points."""

import csv
import io
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from django.test import Client

from dashboards.pages.csv_format import ENGLISH, GERMAN, csv_cell
from tests import factories as f
from tests.dashboards.pages.pages_data import Built, build
from tests.dashboards.pages.test_exports import today


@pytest.fixture
def built(db: None) -> Built:
    return build(
        touchpoints=2, days=10, per_day=4, end=today() - timedelta(days=1), names=["Shop", "Kasse"]
    )


def _client(built: Built, language: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(f.manager(built.org))
    return client


def _read(content: bytes, delimiter: str) -> list[dict[str, str]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=delimiter))


def test_german_page_downloads_semicolons_decimal_commas_and_words(built: Built) -> None:
    response = _client(built, "de").get("/dashboard/export.csv", {"period": "7"})
    assert response.status_code == 200
    text = response.content.decode("utf-8")
    assert text.splitlines()[0].count(";") >= 20 and "," not in text.splitlines()[0]
    rows = _read(response.content, ";")
    shop = next(r for r in rows if r["Touchpoint"] == "Shop")
    _e, s = built.paired("Shop", today() - timedelta(days=6), today())
    assert "," in shop["Zufriedenheit"] and "." not in shop["Zufriedenheit"]
    assert float(shop["Zufriedenheit"].replace(",", ".")) == pytest.approx(s.mean(), abs=5e-4)
    few = next(name for name in shop if name.startswith("Wenige"))
    # "Few answers" counts responses (the unit of the touchpoint's intervals): one NPS each.
    responses = len(built.nps("Shop", today() - timedelta(days=6), today()))
    assert shop[few] == ("ja" if responses < 30 else "nein")
    assert all(value not in ("True", "False") for r in rows for value in r.values())


def test_explicit_choice_wins_over_the_page_language(built: Built) -> None:
    english = _client(built, "de").get("/dashboard/export.csv", {"period": "7", "csv": "en"})
    rows = _read(english.content, ",")
    assert len(rows) == 2 and "." in rows[0]["Zufriedenheit"]
    german = _client(built, "en").get("/dashboard/export.csv", {"period": "7", "csv": "de"})
    rows = _read(german.content, ";")
    assert len(rows) == 2 and "," in rows[0]["Satisfaction"]
    assert rows[0]["Few answers"] in ("yes", "no")


def test_unknown_choice_is_a_400_naming_the_field(built: Built) -> None:
    response = _client(built, "en").get("/dashboard/export.csv", {"csv": "fr"})
    assert response.status_code == 400
    assert "csv" in response.text and "semicolon" in response.text


@pytest.mark.django_db
def test_raw_answer_export_follows_the_same_rules(client: Client) -> None:
    org = f.organisation()
    survey = f.survey(tp=f.touchpoint(org=org, name="Hotline; Nord"), paired=1, comment=True)
    paired, _nps, comment = survey.items.order_by("order")
    f.response(
        srv=survey,
        scores={paired.pk: (6, 2), comment.pk: "Zu lang; gewartet"},
        submitted_at=datetime(2024, 3, 29, 9, 0, tzinfo=UTC),
    )
    client.force_login(f.consultant())
    url = "/api/v1/responses/export.csv"
    german = client.get(url, {"organisation": org.slug}, HTTP_ACCEPT_LANGUAGE="de")
    body = german.getvalue()
    rows = _read(body, ";")
    texts = {r["touchpoint_name"] for r in rows}
    assert texts == {"Hotline; Nord"} and {r["text"] for r in rows} >= {"Zu lang; gewartet"}
    english = client.get(url, {"organisation": org.slug, "csv": "en"}, HTTP_ACCEPT_LANGUAGE="de")
    assert len(_read(english.getvalue(), ",")) == len(rows)
    wrong = client.get(url, {"csv": "xx"}, HTTP_ACCEPT_LANGUAGE="en")
    assert wrong.status_code == 400 and "csv" in wrong.json()["errors"]


def test_cells() -> None:
    assert csv_cell(4.25, fmt=GERMAN) == "4,25" and csv_cell(4.25, fmt=ENGLISH) == "4.25"
    assert csv_cell(-0.5, fmt=GERMAN) == "-0,5"  # a negative number is no formula
    assert csv_cell(np.float64(1.5).item(), fmt=GERMAN) == "1,5"
    assert csv_cell(None, fmt=GERMAN) == "" and csv_cell(12, fmt=GERMAN) == "12"
    assert csv_cell("Hotline; Nord", fmt=GERMAN) == "Hotline; Nord"  # the writer quotes it
