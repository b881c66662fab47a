"""The survey page (and so the embed's data-id-<kind>) passes identifiers to the golden record."""

from urllib.parse import urlencode

import pytest
import yaml
from django.core.exceptions import ValidationError
from django.test import Client

from surveys.models import CustomerIdentifier, IdentifierKind, Response, ResponseIdentifier
from surveys.privacy import customer_key_from_id
from tests.surveys.page_support import PageSetup, filled_form, make_page_setup, open_form

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


def test_page_links_the_identifiers_of_its_link_and_keeps_them_out_of_urls() -> None:
    setup = _setup()
    client = Client()
    query = urlencode({"channel": "link", "cid": "K-1", "id-phone": "0170 1234567"})
    fields = open_form(client, f"{setup.url}?{query}")
    assert fields["id-phone"] == "0170 1234567"

    response = client.post(setup.url, filled_form(setup, fields))

    assert response.status_code == 303
    assert "1234567" not in response["Location"]
    stored = Response.objects.get()
    # The customer id came first, so its historical key is the customer's key.
    assert stored.customer_key == customer_key_from_id("K-1")
    kinds = set(
        CustomerIdentifier.objects.filter(customer__key=stored.customer_key).values_list(
            "kind", flat=True
        )
    )
    assert kinds == {"customer_id", "phone"}
    assert ResponseIdentifier.objects.filter(response=stored).count() == 2


def test_an_unreadable_identifier_never_costs_the_answer() -> None:
    setup = _setup()
    client = Client()
    fields = open_form(client, f"{setup.url}?{urlencode({'id-phone': '12', 'id-fax': '1'})}")

    response = client.post(setup.url, filled_form(setup, fields))

    assert response.status_code == 303
    stored = Response.objects.get()
    assert stored.customer_key is None
    assert not CustomerIdentifier.objects.exists()


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
