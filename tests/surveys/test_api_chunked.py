"""A chunked body without Content-Length is read up to the limit, never taken as empty."""

import io
import json
from typing import Any

import pytest
from django.test import RequestFactory

from surveys.api import ResponseCreateApi
from surveys.api_body import MAX_BODY_BYTES
from surveys.models import Response

from .capture_support import API_URL, api_payload, make_setup

pytestmark = pytest.mark.django_db


def _chunked_post(body: bytes, *, terminated: bool) -> Any:
    """A request as a WSGI server hands over a chunked upload: no Content-Length, decoded body."""
    request = RequestFactory().generic(
        "POST", API_URL, b"", CONTENT_TYPE="application/json", HTTP_TRANSFER_ENCODING="chunked"
    )
    request.META.pop("CONTENT_LENGTH", None)
    request.META["wsgi.input"] = io.BytesIO(body)
    if terminated:
        request.META["wsgi.input_terminated"] = True
    return ResponseCreateApi.as_view()(request)


def test_a_chunked_body_is_stored() -> None:
    body = api_payload(make_setup())
    answer = _chunked_post(json.dumps(body).encode(), terminated=True)
    assert answer.status_code == 201, answer.data
    assert Response.objects.filter(submission_id=body["submission_id"]).count() == 1


def test_a_chunked_body_over_the_limit_is_413() -> None:
    setup = make_setup()
    body = json.dumps(api_payload(setup, segment={"store": "x"}, pad="y" * MAX_BODY_BYTES))
    assert _chunked_post(body.encode(), terminated=True).status_code == 413
    assert Response.objects.count() == 0


def test_a_server_that_cannot_read_chunks_gets_411() -> None:
    body = json.dumps(api_payload(make_setup())).encode()
    answer = _chunked_post(body, terminated=False)
    assert answer.status_code == 411
    assert answer.data["detail"]
