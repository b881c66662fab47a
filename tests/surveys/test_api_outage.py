"""A database outage answers 503 JSON with Retry-After; only stored answers use up the budget."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from surveys.models import Response

from .capture_support import api_payload, make_setup, post
from .test_throttling import rates

DEAD_PORT = 9  # the discard port: nothing listens there on the test machines


@contextmanager
def database_unreachable() -> Iterator[None]:
    """Point the default connection at a port where no server listens, then put it back."""
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["PORT"] = DEAD_PORT
    connection.settings_dict["OPTIONS"] = {**saved.get("OPTIONS", {}), "connect_timeout": 2}
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_database_answers_503_json_with_retry_after(
    client: Client, require_postgres: None
) -> None:
    # Given a touchpoint, then a database that does not answer
    body = api_payload(make_setup())
    with database_unreachable():
        answer = post(client, body)
    # Then the client is told to retry: JSON, 503, Retry-After, no HTML 500 page
    assert answer.status_code == 503, answer.content[:300]
    assert answer["Content-Type"] == "application/json"
    assert answer.json()["detail"]
    assert int(answer["Retry-After"]) > 0
    # And the same request stores once the database is back
    again = post(client, body)
    assert again.status_code == 201
    assert Response.objects.filter(submission_id=body["submission_id"]).count() == 1


@pytest.mark.django_db(transaction=True)
def test_requests_failed_by_an_outage_leave_the_touchpoint_budget_intact(
    client: Client, require_postgres: None
) -> None:
    setup = make_setup()
    with rates("1000/min", "3/min"):
        with database_unreachable():
            failed = [
                post(client, api_payload(setup), REMOTE_ADDR=f"198.51.100.{i}").status_code
                for i in range(6)
            ]
        stored = [
            post(client, api_payload(setup), REMOTE_ADDR=f"203.0.113.{i}").status_code
            for i in range(4)
        ]
    assert failed == [503] * 6
    assert stored == [201, 201, 201, 429]


@pytest.mark.django_db
def test_refused_requests_do_not_use_up_the_touchpoint_budget(client: Client) -> None:
    # Given a touchpoint allowed three answers a minute
    setup = make_setup()
    bad: dict[str, Any] = api_payload(setup, language="xx")
    with rates("1000/min", "3/min"):
        # When ten invalid submissions arrive first, from many clients
        refused = [
            post(client, {**bad, "submission_id": f"bad-{i}"}, REMOTE_ADDR=f"198.51.100.{i}")
            for i in range(10)
        ]
        # Then three valid ones are still stored, and only the fourth is over the limit
        valid = [
            post(client, api_payload(setup), REMOTE_ADDR=f"203.0.113.{i}").status_code
            for i in range(4)
        ]
    assert [r.status_code for r in refused] == [400] * 10
    assert valid == [201, 201, 201, 429]
