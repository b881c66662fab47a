"""Theme pages: the analysis section, tiles' top themes, comment browsing, search and export."""

import csv
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dashboards.themes.models import CommentAnalysis, Theme
from dashboards.themes.services.discovery import themes_discover
from dashboards.themes.services.processing import commented_response_ids, comments_backfill
from surveys.models import Item
from tests import factories
from tests.dashboards.themes.themes_support import commented_responses
from touchpoints.models import Organisation, Touchpoint

pytestmark = pytest.mark.django_db
SECRET_MAIL = "erika.muster@example.org"
SECRET_PHONE = "0171 9876543"
SECRET_IBAN = "DE89 3704 0044 0532 0130 00"


def _organisation() -> tuple[Organisation, Client]:
    tp = factories.touchpoint(name="Lieferung")
    srv = factories.survey(tp=tp)
    commented_responses(srv)
    items = {item.kind: item.pk for item in srv.items.all()}
    factories.response(
        srv=srv,
        scores={
            items[Item.Kind.NPS]: 2,
            items[Item.Kind.COMMENT]: (
                f"Paket beschädigt. Bitte an {SECRET_MAIL} oder {SECRET_PHONE}, "
                f"Geld zurück auf {SECRET_IBAN}."
            ),
        },
    )
    org = tp.phase.journey.organisation
    comments_backfill(
        organisation_id=org.pk, response_ids=commented_response_ids(organisation_id=org.pk)
    )
    themes_discover(organisation_id=org.pk, topics=3)
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    client.force_login(factories.manager(org))
    return org, client


def _parcel(org: Organisation) -> Theme:
    return next(t for t in Theme.objects.filter(organisation=org) if "paket" in t.keywords)


def test_analysis_section_ranks_themes_without_reading_comments() -> None:
    org, client = _organisation()
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/dashboard/analysis/?org={org.slug}&period=30").content.decode()
    assert "Worüber Kunden schreiben" in page
    rows = page.split('id="themes"')[1].split("</table>")[0]
    first_row = rows.split("<tr data-theme=")[1]
    assert first_row.startswith(f'"{_parcel(org).pk}"')  # lowest scores, ranked first
    assert "▼" in first_row
    assert not any("commentanalysis" in q["sql"] for q in queries.captured_queries)


def test_tile_detail_shows_its_top_themes() -> None:
    org, client = _organisation()
    page = client.get(f"/dashboard/?org={org.slug}&period=30").content.decode()
    key = Touchpoint.objects.get(phase__journey__organisation=org).public_key
    detail = client.get(f"/dashboard/tile-themes/?org={org.slug}&period=30&touchpoint={key}")
    assert "Top-Themen" in page and "/dashboard/tile-themes/?" in page
    assert f"theme={_parcel(org).pk}" in detail.content.decode()


def test_comment_browser_masks_personal_data_and_filters() -> None:
    org, client = _organisation()
    parcel = _parcel(org)

    page = client.get(f"/dashboard/comments/?org={org.slug}&theme={parcel.pk}").content.decode()
    searched = client.get(f"/dashboard/comments/?org={org.slug}&q=Rechnung").content.decode()

    for secret in (SECRET_MAIL, SECRET_PHONE, "0532"):
        assert secret not in page
    assert "[E-Mail]" in page and "[Telefon]" in page and "[IBAN]" in page
    assert page.count('<li class="comment') == 20  # a full first page of the 31
    found = searched.split('id="comment-results"')[1]
    assert "Rechnung" in found and "beschädigt" not in found


def test_comment_export_has_the_filtered_masked_comments() -> None:
    org, client = _organisation()
    parcel = _parcel(org)

    response = client.get(f"/dashboard/comments/export.csv?org={org.slug}&theme={parcel.pk}")

    assert response.status_code == 200
    body = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert len(rows) - 1 == CommentAnalysis.objects.filter(themes__theme=parcel).count()
    for secret in (SECRET_MAIL, SECRET_PHONE, "0532"):
        assert secret not in body
    assert all("paket" in row[3].lower() or "karton" in row[3].lower() for row in rows[1:])


def test_comment_browser_rejects_bad_and_foreign_filters() -> None:
    org, client = _organisation()
    other = factories.organisation()
    foreign = Theme.objects.create(organisation=other, label="x")

    bad = client.get(f"/dashboard/comments/?org={org.slug}&sentiment=angry")
    too_long = client.get(f"/dashboard/comments/?org={org.slug}&q={'x' * 201}")
    not_yours = client.get(f"/dashboard/comments/?org={org.slug}&theme={foreign.pk}")

    assert bad.status_code == 400 and "sentiment" in bad.content.decode()
    assert too_long.status_code == 400
    assert not_yours.status_code == 404
