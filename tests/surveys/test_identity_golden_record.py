"""The golden record: identifiers of two silos merged into one customer, statistics recomputed,
undo from a mapping file, erasure by a secondary identifier."""

import json
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from dashboards.models import TouchpointImportance
from surveys.models import (
    Answer,
    Customer,
    CustomerIdentifier,
    CustomerMerge,
    IdentifierKind,
    IdentifierLink,
    Item,
    Response,
    ResponseIdentifier,
)
from surveys.privacy import customer_key_from_id
from surveys.services import AnswerInput, SubmissionInput, response_submit
from tests import factories
from tests.surveys.history_support import eager_tasks, english  # noqa: F401
from touchpoints.models import Touchpoint

# Tasks sent by name run in-process, also when REDIS_URL points Celery at a broker.
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("eager_tasks", "english"),
]
CUSTOMERS = 40


def _phone(i: int) -> str:
    return f"0151 2345{i:04d}"


def _submit(tp: Touchpoint, sub: str, answers: list[AnswerInput], **kw: object) -> int:
    result = response_submit(
        submission=SubmissionInput(
            public_key=tp.public_key,
            submission_id=sub,
            answers=answers,
            channel="api",
            language="de",
            **kw,  # type: ignore[arg-type]
        )
    )
    return result.response_id


@pytest.fixture
def silos() -> dict[str, Any]:
    """A shop that knows account numbers and a hotline that knows phone numbers."""
    org = factories.organisation()
    phase = factories.journey(org=org).phases.get(order=1)
    shop = factories.touchpoint(phase=phase, name="Onlineshop")
    hotline = factories.touchpoint(phase=phase, name="Hotline", channel="offline")
    shop_survey = factories.survey(tp=shop, paired=1, comment=False)
    hotline_survey = factories.survey(tp=hotline, paired=1, nps=False, comment=False)
    IdentifierKind.objects.create(
        organisation=org,
        code="shop_account",
        label_de="Kundenkonto",
        label_en="Account",
        normalisation="number",
        strip_leading_zeros=True,
    )
    IdentifierKind.objects.create(
        organisation=org, code="phone", label_de="Telefon", label_en="Phone", normalisation="phone"
    )
    shop_paired, shop_nps = shop_survey.items.order_by("order")
    hotline_paired = hotline_survey.items.get(kind=Item.Kind.PAIRED)
    rng = np.random.default_rng(12)
    truth = []
    base = timezone.now() - timedelta(days=3)
    for i in range(CUSTOMERS):
        satisfaction = int(rng.integers(1, 8))
        nps = int(np.clip(round(satisfaction * 10 / 7 + rng.normal(0, 1.5)), 0, 10))
        _submit(
            shop,
            f"s{i}",
            [
                AnswerInput(shop_paired.pk, 5, int(rng.integers(1, 8))),
                AnswerInput(shop_nps.pk, value=nps),
            ],
            identifiers={"shop_account": f"00{1000 + i}"},
            submitted_at=base,
        )
        _submit(
            hotline,
            f"h{i}",
            [AnswerInput(hotline_paired.pk, 6, satisfaction)],
            identifiers={"phone": _phone(i)},
            submitted_at=base + timedelta(hours=1),
        )
        truth.append((satisfaction, nps))
    return {"org": org, "shop": shop, "hotline": hotline, "truth": truth}


def _mapping(tmp_path: Path, rows: list[str], name: str = "crm.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(["shop_account;phone", *rows]) + "\n", encoding="utf-8")
    return path


def test_mapping_merges_silos_and_importance_is_recomputed(
    silos: dict[str, Any], tmp_path: Path
) -> None:
    org, hotline = silos["org"], silos["hotline"]
    call_command("aggregate", organisation=org.slug, stdout=StringIO(), stderr=StringIO())
    assert TouchpointImportance.objects.get(touchpoint=hotline).linked == 0
    assert Customer.objects.filter(organisation=org).count() == 2 * CUSTOMERS

    # The CRM's file spells numbers its own way: normalisation makes them meet.
    rows = [f"{1000 + i};+49 151 2345{i:04d}" for i in range(CUSTOMERS)]
    out = StringIO()
    call_command(
        "identity_mapping", str(_mapping(tmp_path, rows)), organisation=org.slug, stdout=out
    )
    assert out.getvalue().strip() == (
        f"{CUSTOMERS} rows, {CUSTOMERS} used; customers {2 * CUSTOMERS} → {CUSTOMERS}; "
        f"{CUSTOMERS} merges, 0 splits, {CUSTOMERS} responses re-keyed."
    )
    # The older key (the shop's, seen first) survived; each customer's two responses share it.
    keys = Response.objects.values("customer_key").distinct().count()
    assert keys == CUSTOMERS
    first_shop = Response.objects.get(submission_id="s0")
    first_call = Response.objects.get(submission_id="h0")
    assert first_call.customer_key == first_shop.customer_key
    assert CustomerMerge.objects.filter(surviving_key=first_shop.customer_key).count() == 1

    # Importance was recomputed (eager task by name): every customer now links hotline
    # satisfaction with the NPS given at the shop; r equals numpy's over the same pairs.
    row = TouchpointImportance.objects.get(touchpoint=hotline)
    assert row.linked == CUSTOMERS
    s, n = np.array(silos["truth"], dtype=float).T
    assert row.r == pytest.approx(float(np.corrcoef(s, n)[0, 1]), abs=1e-9)


def test_undo_from_a_mapping_file_restores_the_old_keys(
    silos: dict[str, Any], tmp_path: Path
) -> None:
    org = silos["org"]
    call_command(
        "identity_mapping",
        str(_mapping(tmp_path, [f"{1000 + i};{_phone(i)}" for i in range(3)])),
        organisation=org.slug,
        stdout=StringIO(),
    )
    before = Response.objects.get(submission_id="h1").customer_key
    assert before == Response.objects.get(submission_id="s1").customer_key
    out = StringIO()
    call_command(
        "identity_mapping",
        str(_mapping(tmp_path, ["1001;", f";{_phone(1)}"], "undo.csv")),
        organisation=org.slug,
        undo=True,
        stdout=out,
    )
    assert "1 splits, 1 responses re-keyed." in out.getvalue()
    call = Response.objects.get(submission_id="h1")
    shop = Response.objects.get(submission_id="s1")
    assert shop.customer_key == before
    assert call.customer_key != before
    phone_digest = CustomerIdentifier.objects.get(response_links__response=call).digest
    assert call.customer_key == phone_digest  # the key it had before the merge
    # The other merged customers stay merged.
    assert (
        Response.objects.get(submission_id="h2").customer_key
        == Response.objects.get(submission_id="s2").customer_key
    )


def test_erasure_by_a_secondary_identifier_removes_every_linked_response(
    silos: dict[str, Any], tmp_path: Path
) -> None:
    org = silos["org"]
    call_command(
        "identity_mapping",
        str(_mapping(tmp_path, [f"{1000 + i};{_phone(i)}" for i in range(CUSTOMERS)])),
        organisation=org.slug,
        stdout=StringIO(),
    )
    key = Response.objects.get(submission_id="s7").customer_key
    gone = list(Response.objects.filter(customer_key=key).values_list("pk", flat=True))
    assert len(gone) == 2
    identifiers = list(Customer.objects.get(key=key).identifiers.values_list("pk", flat=True))

    out = StringIO()
    call_command(
        "customer_data",
        identifier="phone=+4915123450007",
        organisation=org.slug,
        export=True,
        stdout=out,
    )
    assert {r["touchpoint"] for r in json.loads(out.getvalue())["responses"]} == {
        "Onlineshop",
        "Hotline",
    }
    call_command(
        "customer_data",
        identifier="phone=0151 2345 0007",
        organisation=org.slug,
        erase=True,
        stdout=StringIO(),
    )
    assert not Response.objects.filter(pk__in=gone).exists()
    assert not Answer.objects.filter(response_id__in=gone).exists()
    assert not Customer.objects.filter(key=key).exists()
    assert not CustomerIdentifier.objects.filter(pk__in=identifiers).exists()
    assert not IdentifierLink.objects.filter(left_id__in=identifiers).exists()
    assert not ResponseIdentifier.objects.filter(identifier_id__in=identifiers).exists()
    assert not CustomerMerge.objects.filter(surviving_key=key).exists()
    assert not CustomerMerge.objects.filter(other_key=key).exists()
    assert Response.objects.count() == 2 * CUSTOMERS - 2


def test_api_links_identifiers_sent_together_and_refuses_bad_ones(silos: dict[str, Any]) -> None:
    shop = silos["shop"]
    item = shop.surveys.get().items.order_by("order")
    body = {
        "touchpoint": shop.public_key,
        "submission_id": "api-1",
        "language": "de",
        "customer_id": "K-4711",
        "identifiers": {"shop_account": "1003", "phone": "0151 23459999"},
        "answers": [
            {"item": item[0].pk, "expectation": 5, "satisfaction": 6},
            {"item": item[1].pk, "value": 9},
        ],
    }
    client = Client()
    answer = client.post("/api/v1/responses/", json.dumps(body), content_type="application/json")
    assert answer.status_code == 201, answer.content
    stored = Response.objects.get(submission_id="api-1")
    # The account's customer (seen first) absorbed the new identifiers; the raw values are nowhere.
    assert stored.customer_key == Response.objects.get(submission_id="s3").customer_key
    assert CustomerIdentifier.objects.filter(customer__key=stored.customer_key).count() == 3
    assert CustomerIdentifier.objects.filter(digest=customer_key_from_id("K-4711")).exists()
    assert ResponseIdentifier.objects.filter(response=stored).count() == 3

    bad = {**body, "submission_id": "api-2", "identifiers": {"phone": "12", "fax": "1"}}
    answer = client.post("/api/v1/responses/", json.dumps(bad), content_type="application/json")
    assert answer.status_code == 400
    assert set(answer.json()["errors"]) == {"identifiers.phone", "identifiers.fax"}
    assert not Response.objects.filter(submission_id="api-2").exists()
