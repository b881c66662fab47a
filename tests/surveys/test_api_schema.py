"""The responses API is described in the OpenAPI 3 schema and the interactive docs load."""

import pytest
import yaml
from django.test import Client

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
