"""Identifier kinds: customer_id stays built in; the API schema documents the identifiers."""

from typing import Any

import pytest
import yaml
from django.core.exceptions import ValidationError
from django.test import Client

from surveys.models import IdentifierKind, Response
from surveys.privacy import customer_key_from_id
from surveys.services import AnswerInput, SubmissionInput, response_submit
from tests.surveys.page_support import make_page_setup

pytestmark = pytest.mark.django_db


def test_customer_id_cannot_be_redefined_as_a_kind() -> None:
    setup = make_page_setup()
    kind = IdentifierKind(
        organisation=setup.touchpoint.phase.journey.organisation,
        code="customer_id",
        label_de="Kundennummer",
        label_en="Customer number",
        normalisation="number",
    )
    with pytest.raises(ValidationError) as error:
        kind.full_clean()
    assert list(error.value.message_dict) == ["code"]


def test_schema_documents_the_identifier_fields(client: Client) -> None:
    schema = yaml.safe_load(client.get("/api/schema/").content)
    operation = schema["paths"]["/api/v1/responses/"]["post"]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    fields = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"]
    assert fields["identifiers"]["type"] == "object"
    assert fields["identifiers"]["additionalProperties"]["type"] == "string"
    assert "E.164" in fields["identifiers"]["description"]
    channels = fields["channel"].get("enum") or schema["components"]["schemas"][
        fields["channel"]["allOf"][0]["$ref"].rsplit("/", 1)[1]
    ].get("enum")
    assert "import" not in channels and "api" in channels


def test_a_signed_link_key_resolves_to_the_golden_record() -> None:
    setup = make_page_setup()
    IdentifierKind.objects.create(
        organisation=setup.touchpoint.phase.journey.organisation,
        code="phone",
        label_de="Telefon",
        label_en="Phone",
        normalisation="phone",
    )
    answers = [
        AnswerInput(setup.paired[0].pk, 5, 5),
        AnswerInput(setup.paired[1].pk, 5, 5),
        AnswerInput(setup.nps.pk, value=8),
    ]

    def submit(sub: str, **who: Any) -> Response:
        result = response_submit(
            submission=SubmissionInput(
                public_key=setup.touchpoint.public_key,
                submission_id=sub,
                answers=answers,
                channel="link",
                language="de",
                **who,
            )
        )
        return Response.objects.get(pk=result.response_id)

    by_phone = submit("a", identifiers={"phone": "0170 1234567"})
    submit("b", customer_id="K1", identifiers={"phone": "0170 1234567"})
    # A personalised link carries only the customer id's key; the older phone cluster won.
    from_link = submit("c", customer_key=customer_key_from_id("K1"))
    assert from_link.customer_key == by_phone.customer_key != customer_key_from_id("K1")
