"""Identifier kinds: customer_id stays built in; the API schema documents the identifiers."""


import pytest
import yaml
from django.core.exceptions import ValidationError
from django.test import Client

from surveys.models import IdentifierKind
from tests.surveys.page_support import PageSetup, make_page_setup

pytestmark = pytest.mark.django_db


def _setup() -> PageSetup:
    setup = make_page_setup()
    IdentifierKind.objects.create(
        organisation=setup.touchpoint.phase.journey.organisation,
        code="phone",
        label_de="Telefon",
        label_en="Phone",
        normalisation="phone",
    )
    return setup


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
