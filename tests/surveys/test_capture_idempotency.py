"""Exactly once: a submission id is stored once per touchpoint, even when two arrive together."""

import threading
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client

from surveys.models import Answer, Response
from surveys.services import SubmissionResult, response_submit

from .capture_support import api_payload, counts, make_setup, post, submission


@pytest.mark.django_db
def test_api_repeat_returns_200_and_the_same_id(client: Client) -> None:
    setup = make_setup()
    body = api_payload(setup)
    first = post(client, body)
    before = counts()
    body["answers"][2]["value"] = 0  # a changed payload is still a repeat
    again = post(client, body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == {"id": again.json()["id"], "created": True}
    assert again.json()["created"] is False
    assert counts() == before
    assert Answer.objects.get(response_id=first.json()["id"], item=setup.nps).value == 8


@pytest.mark.django_db
def test_repeat_inside_an_outer_transaction_leaves_it_usable() -> None:
    """On a duplicate key the service's savepoint rolls back alone, the caller can go on."""
    setup = make_setup()
    first = response_submit(submission=submission(setup, submission_id="dup"))
    # A valid repeat passes validation, so the unique constraint decides (IntegrityError path).
    again = response_submit(submission=submission(setup, submission_id="dup"))
    assert again == SubmissionResult(response_id=first.response_id, created=False)
    assert Response.objects.filter(submission_id="dup").count() == 1  # connection still usable


def _race(setup: Any, submission_id: str, workers: int) -> list[Any]:
    """Submit the same id from `workers` threads, each on its own connection, at one moment."""
    barrier = threading.Barrier(workers)
    results: list[Any] = [None] * workers

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = response_submit(
                submission=submission(setup, submission_id=submission_id)
            )
        except Exception as error:  # surfaced by the assertions below
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_on_postgresql_store_one_row(require_postgres: None) -> None:
    # given
    assert connection.vendor == "postgresql"
    setup = make_setup()
    for attempt in range(3):
        submission_id = f"race-{attempt}"
        # when: four posts of one submission arrive at the same moment
        results = _race(setup, submission_id, workers=4)
        # then: one created it, the others got its id back, and one row exists
        assert all(isinstance(r, SubmissionResult) for r in results), results
        assert sorted(r.created for r in results) == [False, False, False, True]
        assert len({r.response_id for r in results}) == 1
        stored = Response.objects.filter(submission_id=submission_id)
        assert stored.count() == 1
        assert stored.get().pk == results[0].response_id
        assert Answer.objects.filter(response__submission_id=submission_id).count() == 3
