"""The responses API is described in the OpenAPI 3 schema and the interactive docs load."""

import pytest
import yaml
from django.test import Client

from .capture_support import api_payload, make_setup, post

pytestmark = pytest.mark.django_db


def test_schema_documents_request_and_every_status(client: Client) -> None:
    answer = client.get("/api/schema/")
    assert answer.status_code == 200
    schema = yaml.safe_load(answer.content)
    assert schema["openapi"].startswith("3.")
    operation = schema["paths"]["/api/v1/responses/"]["post"]
    assert set(operation["responses"]) >= {
        "200", "201", "400", "404", "410", "413", "415", "429"
    }  # fmt: skip
    # no security requirement: anonymous clients may post
    assert operation.get("security") in (None, [], [{}])
    assert "security" not in schema
    request_ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    request = schema["components"]["schemas"][request_ref.rsplit("/", 1)[1]]
    assert set(request["required"]) == {"touchpoint", "submission_id", "answers", "language"}
    assert {"customer_id", "submitted_at", "segment", "channel", "contact_consent"} <= set(
        request["properties"]
    )
    created = operation["responses"]["201"]["content"]["application/json"]["schema"]["$ref"]
    output = schema["components"]["schemas"][created.rsplit("/", 1)[1]]
    assert set(output["properties"]) == {"id", "created"}


def test_docs_page_loads(client: Client) -> None:
    answer = client.get("/api/docs/")
    assert answer.status_code == 200
    assert b"swagger" in answer.content.lower()


def test_schema_states_the_identifiers_form(client: Client) -> None:
    schema = yaml.safe_load(client.get("/api/schema/").content)
    properties = schema["components"]["schemas"]["ResponseCreateInput"]["properties"]
    for name, pattern in (
        ("touchpoint", "^[A-Za-z0-9_-]{1,64}$"),
        ("submission_id", "^[A-Za-z0-9_.:-]{1,64}$"),
    ):
        assert properties[name]["minLength"] == 1, name
        assert properties[name]["maxLength"] == 64, name
        assert properties[name]["pattern"] == pattern, name


def test_an_empty_or_malformed_submission_id_is_a_field_error(client: Client) -> None:
    setup = make_setup()
    for value in ("", "has space", "x" * 65, "ü"):
        answer = post(client, api_payload(setup, submission_id=value))
        assert answer.status_code == 400, value
        assert "submission_id" in answer.json()["errors"], value
