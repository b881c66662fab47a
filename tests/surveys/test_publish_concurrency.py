"""Publishing while customers submit, on PostgreSQL: no gap, no error, every answer kept with the
version it was given with."""

import json
import threading
import time

import pytest
from django.db import connection
from django.test import Client

from surveys.authoring import survey_draft_get_or_create, survey_publish
from surveys.models import Response, Survey

from .capture_support import API_URL
from .page_support import filled_form, make_page_setup, open_form

THREADS = 6
POSTS_PER_THREAD = 14


def _api_body(public_key: str, submission_id: str) -> str:
    # By key: the integration does not care which version is live.
    return json.dumps(
        {
            "touchpoint": public_key,
            "submission_id": submission_id,
            "language": "de",
            "answers": [
                {"item": "attribute-1", "expectation": 6, "satisfaction": 4},
                {"item": "attribute-2", "expectation": 5, "satisfaction": 6},
                {"item": "nps", "value": 7},
            ],
        }
    )


@pytest.mark.django_db(transaction=True)
def test_threads_posting_during_two_publishes_meet_no_gap(require_postgres: None) -> None:
    # given: version 1 live, forms opened on it, and a draft of version 2 ready
    setup = make_page_setup()
    opener = Client()
    forms = [
        filled_form(setup, open_form(opener, setup.url)) for _ in range(THREADS * POSTS_PER_THREAD)
    ]
    draft, _ = survey_draft_get_or_create(touchpoint_id=setup.touchpoint.pk)
    statuses: list[tuple[str, int, str]] = []
    lock = threading.Lock()
    started = threading.Event()
    failures: list[BaseException] = []

    def customer(thread: int) -> None:
        client = Client(REMOTE_ADDR=f"10.0.0.{thread + 1}")
        try:
            for n in range(POSTS_PER_THREAD):
                if n % 2:
                    sid = f"api-{thread}-{n}"
                    response = client.generic(
                        "POST",
                        API_URL,
                        _api_body(setup.touchpoint.public_key, sid),
                        content_type="application/json",
                    )
                    kind = "api"
                else:
                    data = forms[thread * POSTS_PER_THREAD + n]
                    sid = str(data["submission_id"])
                    response = client.post(setup.url, data)
                    kind = "page"
                with lock:
                    statuses.append((kind, response.status_code, sid))
                started.set()
                time.sleep(0.01)
        except BaseException as error:  # reported by the assertions below, not swallowed
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=customer, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    # when: two versions go live while the customers post
    assert started.wait(20)
    survey_publish(survey_id=draft.pk)
    third, _ = survey_draft_get_or_create(touchpoint_id=setup.touchpoint.pk)
    survey_publish(survey_id=third.pk)
    for thread in threads:
        thread.join(60)

    # then: no 410, no 5xx, no other refusal
    assert not failures
    assert len(statuses) == THREADS * POSTS_PER_THREAD
    assert {code for kind, code, _ in statuses if kind == "page"} == {303}
    assert {code for kind, code, _ in statuses if kind == "api"} == {201}
    # and every response is stored with the version it was given with
    stored = {r.submission_id: r for r in Response.objects.prefetch_related("answers__item")}
    assert len(stored) == len(statuses)
    versions: dict[str, set[int]] = {"page": set(), "api": set()}
    for kind, _, sid in statuses:
        response = stored[sid]
        assert {a.item.survey_id for a in response.answers.all()} == {response.survey_id}
        versions[kind].add(response.survey.version)
    assert versions["page"] == {1}  # every page form was opened on version 1
    assert versions["api"] <= {1, 2, 3} and 3 in versions["api"]
    assert Survey.objects.get(touchpoint=setup.touchpoint, is_active=True).pk == third.pk
