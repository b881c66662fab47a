"""POST /api/v1/responses/: each status code the contract promises, and no write on any failure."""

import json
from datetime import timedelta
from typing import Any, cast

import pytest
from django.test import Client

from surveys.models import Answer, Response

from .capture_support import API_URL, api_payload, counts, make_setup, post

pytestmark = pytest.mark.django_db


def refused(client: Any, body: Any, status: int, **extra: Any) -> dict[str, Any]:
    """Post, expect this status and no rows written; return the JSON body."""
    before = counts()
    answer = post(client, body, **extra)
    assert answer.status_code == status, answer.content
    assert counts() == before
    assert answer["Content-Type"] == "application/json"
    return cast(dict[str, Any], answer.json())


def test_valid_post_is_201_with_id(client: Client) -> None:
    setup = make_setup()
    body = api_payload(setup, customer_id="CRM-1", segment={"campaign": "spring"})
    answer = post(client, body)
    assert answer.status_code == 201
    data = answer.json()
    assert data["created"] is True and set(data) == {"id", "created"}
    stored = Response.objects.get(pk=data["id"])
    assert (stored.channel, stored.language, stored.segment) == (
        "api",
        "de",
        {"campaign": "spring"},
    )
    assert Answer.objects.filter(response=stored).count() == 4
    assert not answer.has_header("Access-Control-Allow-Credentials")


def test_channel_and_submitted_at_are_taken_from_the_body(client: Client) -> None:
    from django.utils import timezone

    setup = make_setup()
    when = (timezone.now() - timedelta(hours=3)).replace(microsecond=0)
    body = api_payload(setup, channel="kiosk", submitted_at=when.isoformat(), language="en")
    answer = post(client, body)
    assert answer.status_code == 201
    stored = Response.objects.get(pk=answer.json()["id"])
    assert (stored.channel, stored.language, stored.submitted_at) == ("kiosk", "en", when)


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b, s: b.update(extra="x"), "extra"),
        (lambda b, s: b["answers"][0].update(note="x"), "answers[0].note"),
        (lambda b, s: b.pop("submission_id"), "submission_id"),
        (lambda b, s: b.pop("answers"), "answers"),
        (lambda b, s: b.pop("language"), "language"),
        (lambda b, s: b.update(language="fr"), "language"),
        (lambda b, s: b.update(channel="fax"), "channel"),
        (lambda b, s: b.update(answers="none"), "answers"),
        (lambda b, s: b.update(answers=[]), "answers"),
        (lambda b, s: b.update(answers=[5]), "answers[0]"),
        (lambda b, s: b["answers"][0].update(satisfaction=True), "answers[0].satisfaction"),
        (lambda b, s: b["answers"][0].update(satisfaction=4.5), "answers[0].satisfaction"),
        (lambda b, s: b["answers"][0].update(satisfaction="4"), "answers[0].satisfaction"),
        (lambda b, s: b["answers"][0].update(satisfaction=9), "answers[0].satisfaction"),
        (lambda b, s: b["answers"][0].update(item="1"), "answers[0].item"),
        (lambda b, s: b["answers"][2].update(value=11), "answers[2].value"),
        (lambda b, s: b["answers"][3].update(text="x" * 2001), "answers[3].text"),
        (lambda b, s: b["answers"].append({"item": s.nps.id, "value": 3}), "answers[4].item"),
        (lambda b, s: b["answers"].pop(2), lambda s: f"item.{s.nps.id}"),
        (lambda b, s: b.update(submission_id="has space"), "submission_id"),
        (lambda b, s: b.update(submission_id="x" * 65), "submission_id"),
        (lambda b, s: b.update(segment={"email": "a@b.c"}), "segment"),
        (lambda b, s: b.update(segment={"region": {"nested": 1}}), "segment.region"),
        (lambda b, s: b.update(customer_id="c" * 201), "customer_id"),
        (lambda b, s: b.update(customer_id=["x"]), "customer_id"),
        (lambda b, s: b.update(submitted_at="yesterday"), "submitted_at"),
        (lambda b, s: b.update(submitted_at="2000-01-01T00:00:00Z"), "submitted_at"),
        (lambda b, s: b.update(submitted_at="2999-01-01T00:00:00Z"), "submitted_at"),
        (lambda b, s: b.update(contact_consent="true"), "contact_consent"),
    ],
)
def test_bad_body_is_400_with_message_per_field(client: Client, mutate: Any, field: Any) -> None:
    setup = make_setup()
    body = api_payload(setup)
    mutate(body, setup)
    field = field(setup) if callable(field) else field
    data = refused(client, body, 400)
    assert data["detail"]
    assert field in data["errors"], data["errors"]
    assert all(isinstance(m, str) and m for m in data["errors"][field])


@pytest.mark.parametrize(
    "raw",
    [
        b"{bad json",
        b"",
        b"   ",
        b"[1, 2]",
        b'"text"',
        b"null",
        b"\xff\xfe{}",
        b'{"a": NaN}',
        b'{"\\ud800": 1}',  # an escaped lone surrogate as a key ...
        b'{"touchpoint": "x", "submission_id": "\\udc00"}',  # ... or a value
    ],
)
def test_malformed_or_non_object_json_is_400(client: Client, raw: bytes) -> None:
    make_setup()
    # The test client drops the content type of an empty body; a real client may well send it.
    data = refused(client, raw, 400, CONTENT_TYPE="application/json")
    assert data["detail"] and data["errors"]


def test_escaped_surrogate_pair_is_fine(client: Client) -> None:
    setup = make_setup()
    body = json.dumps(api_payload(setup)).replace("Freundlich", "\\ud83d\\ude00 Freundlich")
    answer = post(client, body)
    assert answer.status_code == 201
    assert Answer.objects.get(response_id=answer.json()["id"], item=setup.comment).text.startswith(
        "\U0001f600"
    )


def test_deeply_nested_json_is_400_not_500(client: Client) -> None:
    make_setup()
    refused(client, b"[" * 5000 + b"]" * 5000, 400)


def test_unknown_touchpoint_is_404_and_says_the_same_as_a_random_key(client: Client) -> None:
    setup = make_setup()
    other_org = make_setup()
    other_org.touchpoint.delete()  # existed once elsewhere
    a = refused(client, api_payload(setup, touchpoint=other_org.touchpoint.public_key), 404)
    b = refused(client, api_payload(setup, touchpoint="neverExisted0000"), 404)
    c = refused(client, api_payload(setup, touchpoint="../?x=1"), 404)
    assert a == b == c == {"detail": a["detail"]}


def test_inactive_touchpoint_or_no_active_survey_is_410(client: Client) -> None:
    inactive = make_setup()
    inactive.touchpoint.is_active = False
    inactive.touchpoint.save()
    refused(client, api_payload(inactive), 410)

    closed = make_setup()
    closed.survey.is_active = False
    closed.survey.save()
    refused(client, api_payload(closed), 410)


def test_body_above_16_kb_is_413(client: Client) -> None:
    setup = make_setup()
    body = api_payload(setup)
    body["answers"][3]["text"] = "x" * 17000
    refused(client, body, 413)


def test_declared_length_above_16_kb_is_413_before_reading(client: Client) -> None:
    setup = make_setup()
    refused(client, api_payload(setup), 413, CONTENT_LENGTH="16385")


def test_body_of_exactly_16_kb_is_read(client: Client) -> None:
    setup = make_setup()
    body = api_payload(setup)
    # pad with whitespace (valid JSON) to the limit
    raw = json.dumps(body)
    raw += " " * (16 * 1024 - len(raw.encode()))
    assert len(raw.encode()) == 16 * 1024
    assert post(client, raw).status_code == 201


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""],
)
def test_non_json_content_type_is_415(client: Client, content_type: str) -> None:
    setup = make_setup()
    refused(client, json.dumps(api_payload(setup)), 415, content_type=content_type)


def test_json_with_charset_is_accepted(client: Client) -> None:
    setup = make_setup()
    answer = post(client, api_payload(setup), content_type="application/json; charset=utf-8")
    assert answer.status_code == 201


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete", "head"])
def test_other_methods_are_405_and_write_nothing(client: Client, method: str) -> None:
    make_setup()
    before = counts()
    answer = getattr(client, method)(API_URL)
    assert answer.status_code == 405
    assert counts() == before


def test_accept_header_does_not_turn_into_406(client: Client) -> None:
    setup = make_setup()
    answer = post(client, api_payload(setup), HTTP_ACCEPT="text/html")
    assert answer.status_code == 201


def test_no_csrf_token_or_session_needed(client: Client) -> None:
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    setup = make_setup()
    assert post(strict, api_payload(setup)).status_code == 201
    assert "sessionid" not in strict.cookies and "csrftoken" not in strict.cookies


def test_errors_are_in_german_when_asked(client: Client) -> None:
    setup = make_setup()
    body = api_payload(setup)
    body["answers"][2]["value"] = 11
    de = refused(client, body, 400, HTTP_ACCEPT_LANGUAGE="de")
    en = refused(client, body, 400, HTTP_ACCEPT_LANGUAGE="en")
    assert en["errors"]["answers[2].value"] == ["Enter a number from 0 to 10."]
    assert de["errors"]["answers[2].value"] == ["Geben Sie eine Zahl von 0 bis 10 ein."]
    assert en["detail"] == "The submission is invalid."
    assert de["detail"] == "Die Antwort ist ungültig."
