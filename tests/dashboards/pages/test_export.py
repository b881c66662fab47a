"""GET /api/v1/responses/export.csv: consultants only, every answer, formula-safe cells."""

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from django.http import StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.test import Client

from surveys.models import Response
from tests import factories as f
from touchpoints.models import Organisation, Touchpoint

URL = "/api/v1/responses/export.csv"
COLUMNS = [
    "response_id",
    "touchpoint",
    "touchpoint_name",
    "phase",
    "submitted_at",
    "local_day",
    "channel",
    "language",
    "customer_key",
    "item_id",
    "item_kind",
    "item_label",
    "expectation",
    "satisfaction",
    "value",
    "text",
]


def _rows(response: HttpResponseBase) -> list[dict[str, str]]:
    assert isinstance(response, StreamingHttpResponse)
    body = response.getvalue().decode()
    return list(csv.DictReader(io.StringIO(body)))


@dataclass
class Data:
    org: Organisation
    other_org: Organisation
    tp: Touchpoint
    late: Response
    early: Response


@pytest.fixture
def data(db: None) -> Data:
    org, other_org = f.organisation(), f.organisation()
    tp = f.touchpoint(org=org, name="=Hotline")
    survey = f.survey(tp=tp, paired=1, nps=True, comment=True)
    paired, nps, comment = survey.items.order_by("order")
    late = f.response(
        srv=survey,
        scores={paired.pk: (6, 2), nps.pk: 3, comment.pk: '=HYPERLINK("http://x.example","click")'},
        submitted_at=datetime(2024, 3, 30, 23, 30, tzinfo=UTC),  # 31 March, 00:30 in Berlin
        customer_key="abc123",
        channel="qr",
    )
    early = f.response(
        srv=survey,
        scores={paired.pk: (4, 4), comment.pk: "@SUM(A1)"},
        submitted_at=datetime(2024, 3, 29, 9, 0, tzinfo=UTC),
    )
    other_tp = f.touchpoint(org=other_org)
    other_survey = f.survey(tp=other_tp, paired=1, nps=False, comment=True)
    f.response(
        srv=other_survey,
        scores={
            other_survey.items.get(order=1).pk: (1, 1),
            other_survey.items.get(order=2).pk: "-2+3",
        },
        submitted_at=datetime(2024, 3, 30, 8, 0, tzinfo=UTC),
    )
    return Data(org, other_org, tp, late, early)


def test_only_consultants_may_export(data: Data, client: Client) -> None:
    assert client.get(URL).status_code == 401
    client.force_login(f.manager(data.org))
    assert client.get(URL).status_code == 403
    client.force_login(f.consultant())
    response = client.get(URL)
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]


def test_every_answer_with_its_context_and_formulas_defused(data: Data, client: Client) -> None:
    client.force_login(f.consultant())
    response = client.get(
        URL, {"organisation": data.org.slug}, HTTP_ACCEPT="text/csv", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    rows = _rows(response)
    assert list(rows[0]) == COLUMNS
    assert len(rows) == 5  # 3 answers of the late response + 2 of the early one
    assert [int(r["response_id"]) for r in rows] == [data.early.pk] * 2 + [data.late.pk] * 3
    paired = rows[2]
    assert paired["touchpoint"] == data.tp.public_key
    assert paired["touchpoint_name"] == "'=Hotline"
    assert paired["phase"] == "Awareness"
    assert paired["submitted_at"] == "2024-03-30T23:30:00Z"
    assert paired["local_day"] == "2024-03-31"
    assert (paired["channel"], paired["language"], paired["customer_key"]) == ("qr", "de", "abc123")
    assert (paired["item_kind"], paired["item_label"]) == ("paired", "Attribute 1")
    assert (paired["expectation"], paired["satisfaction"], paired["value"]) == ("6", "2", "")
    assert rows[3]["value"] == "3"
    assert rows[4]["text"] == '\'=HYPERLINK("http://x.example","click")'
    assert rows[1]["text"] == "'@SUM(A1)"


def test_period_and_organisation_filters(data: Data, client: Client) -> None:
    client.force_login(f.consultant())
    # Local days in Berlin: the late response belongs to 31 March
    only_31 = _rows(client.get(URL, {"from": "2024-03-31", "to": "2024-03-31"}))
    assert {int(r["response_id"]) for r in only_31} == {data.late.pk}
    other = _rows(client.get(URL, {"organisation": data.other_org.slug}))
    assert [r["text"] for r in other if r["item_kind"] == "comment"] == ["'-2+3"]
    assert client.get(URL, {"from": "2024-04-02", "to": "2024-04-01"}).status_code == 400
    assert client.get(URL, {"organisation": "nope"}).status_code == 404
    assert client.get(URL, {"from": "31.03.2024"}).json()["errors"]["from"]
