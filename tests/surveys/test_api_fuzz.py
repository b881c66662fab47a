"""Random payloads never give a 500: the API and the validator answer with a 2xx or a 4xx."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from cxmonitor.errors import ApplicationError
from surveys.services import AnswerInput, SubmissionInput, SubmissionResult, response_submit

from .capture_support import Setup, counts, make_setup, post

pytestmark = pytest.mark.django_db

FUZZ = hypothesis_settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NO_LIMITS = {
    **settings.REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"capture_ip": "100000/min", "capture_touchpoint": "100000/min"},
}

# Text with lone surrogates, NUL and other troublemakers drawn often, not once in a million.
troublemakers = st.sampled_from(["\x00", "\ud800", "\udfff", "\x07", "\u2028", "😀", "\\", '"'])
any_text = st.lists(
    st.one_of(troublemakers, st.characters(codec=None, exclude_categories=())), max_size=40
).map("".join)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    any_text,
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(any_text, inner, max_size=4)
    ),
    max_leaves=12,
)


def _maybe(strategy: st.SearchStrategy[Any], setup_values: list[Any]) -> st.SearchStrategy[Any]:
    """Mostly plausible values, sometimes anything at all."""
    return st.one_of(st.sampled_from(setup_values), strategy, json_values)


@st.composite
def payloads(draw: st.DrawFn, setup: Setup) -> Any:
    """A valid body with up to four random mutations, or now and then any JSON at all."""
    if draw(st.integers(0, 9)) == 0:
        return draw(json_values)  # not even shaped like a submission
    item_ids = [i.id for i in (*setup.paired, setup.nps, setup.comment)]
    body: dict[str, Any] = {
        "touchpoint": setup.touchpoint.public_key,
        "submission_id": draw(st.from_regex(r"[A-Za-z0-9_.:-]{1,64}", fullmatch=True)),
        "language": draw(st.sampled_from(["de", "en"])),
        "answers": [
            {"item": setup.paired[0].id, "expectation": draw(st.integers(1, 7)), "satisfaction": 4},
            {"item": setup.paired[1].id, "expectation": 3, "satisfaction": draw(st.integers(1, 7))},
            {"item": setup.nps.id, "value": draw(st.integers(0, 10))},
        ],
    }
    top_level = {
        "touchpoint": _maybe(any_text, [setup.touchpoint.public_key, "unknownKey000000"]),
        "submission_id": _maybe(st.from_regex(r"[A-Za-z0-9_.:-]{1,70}"), ["s-1"]),
        "answers": json_values,
        "language": _maybe(any_text, ["de", "en", "fr"]),
        "channel": _maybe(any_text, ["api", "embed", "kiosk"]),
        "customer_id": _maybe(any_text, ["CRM-1", None, ""]),
        "submitted_at": _maybe(
            any_text,
            [
                datetime.now(UTC).isoformat(),
                (datetime.now(UTC) - timedelta(days=40)).isoformat(),
                "0001-01-01T00:00:00+14:00",
                "9999-12-31T23:59:59-14:00",
            ],
        ),
        "segment": st.one_of(
            st.dictionaries(st.sampled_from(["region", "store", "x"]), json_values, max_size=3),
            json_values,
        ),
        "contact_consent": _maybe(json_values, [True, False]),
        "extra": json_values,
    }
    answer_fields = {
        "item": _maybe(st.integers(), item_ids),
        "expectation": _maybe(st.integers(-2, 9), [1, 4, 7, None]),
        "satisfaction": _maybe(st.integers(-2, 9), [1, 4, 7, None]),
        "value": _maybe(st.integers(-2, 12), [0, 5, 10]),
        "text": _maybe(any_text, ["gut", "", "x" * 2001]),
        "note": json_values,
    }
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(
            st.sampled_from(["set", "drop", "answer", "add_answer", "drop_answer", "odd_key"])
        )
        if kind == "odd_key":  # unknown keys are echoed in the errors: any text must survive
            target = body
            if isinstance(body.get("answers"), list) and body["answers"] and draw(st.booleans()):
                target = body["answers"][0] if isinstance(body["answers"][0], dict) else body
            target[draw(any_text)] = draw(json_values)
        elif kind == "set":
            key = draw(st.sampled_from(sorted(top_level)))
            body[key] = draw(top_level[key])
        elif kind == "drop" and body:
            body.pop(draw(st.sampled_from(sorted(body))))
        elif isinstance(body.get("answers"), list) and body["answers"]:
            answers = body["answers"]
            index = draw(st.integers(0, len(answers) - 1))
            if kind == "answer" and isinstance(answers[index], dict):
                key = draw(st.sampled_from(sorted(answer_fields)))
                answers[index][key] = draw(answer_fields[key])
            elif kind == "add_answer":
                answers.append(
                    draw(
                        st.fixed_dictionaries(
                            {"item": answer_fields["item"]},
                            optional={k: v for k, v in answer_fields.items() if k != "item"},
                        )
                    )
                )
            elif kind == "drop_answer":
                answers.pop(index)
    return body


@pytest.fixture
def fuzz_setup() -> Setup:
    return make_setup(origins="https://shop.example.com")


def test_random_api_payloads_never_give_a_500(client: Client, fuzz_setup: Setup) -> None:
    @FUZZ
    @given(body=payloads(fuzz_setup))
    def run(body: Any) -> None:
        raw = json.dumps(body, ensure_ascii=True).encode()
        before = counts()
        with override_settings(REST_FRAMEWORK=NO_LIMITS):
            answer = post(client, raw, HTTP_ORIGIN="https://shop.example.com")
        assert answer.status_code in {200, 201, 400, 404, 410, 413}, answer.content
        data = answer.json()
        if answer.status_code == 201:
            assert counts()[0] == before[0] + 1
        else:
            assert counts() == before
        if answer.status_code >= 400:
            assert isinstance(data["detail"], str) and data["detail"]

    run()


def test_random_bytes_never_give_a_500(client: Client, fuzz_setup: Setup) -> None:
    @FUZZ
    @given(
        raw=st.binary(max_size=300),
        content_type=st.sampled_from(["application/json", "text/plain"]),
    )
    def run(raw: bytes, content_type: str) -> None:
        before = counts()
        with override_settings(REST_FRAMEWORK=NO_LIMITS):
            answer = post(client, raw, content_type=content_type, CONTENT_TYPE=content_type)
        assert answer.status_code in {400, 415}, answer.content
        assert counts() == before

    run()


def test_random_service_inputs_give_a_result_or_an_application_error(fuzz_setup: Setup) -> None:
    item_ids = [i.id for i in (*fuzz_setup.paired, fuzz_setup.nps, fuzz_setup.comment)]
    python_values = st.one_of(
        scalars,
        st.datetimes(timezones=st.just(UTC)),
        st.datetimes(),  # naive
        st.just(datetime.now(UTC) - timedelta(days=1)),
    )
    answers = st.builds(
        AnswerInput,
        item_id=_maybe(python_values, item_ids),
        expectation=_maybe(python_values, [1, 7]),
        satisfaction=_maybe(python_values, [1, 7]),
        value=_maybe(python_values, [0, 10]),
        text=_maybe(python_values, ["ok"]),
    )
    inputs = st.builds(
        SubmissionInput,
        public_key=_maybe(python_values, [fuzz_setup.touchpoint.public_key]),
        submission_id=_maybe(python_values, ["fuzz-1", "fuzz-2"]),
        answers=st.one_of(st.lists(answers, max_size=5), python_values),
        channel=_maybe(python_values, ["api"]),
        language=_maybe(python_values, ["de"]),
        customer_id=_maybe(python_values, [None, "c"]),
        submitted_at=python_values,
        segment=st.one_of(st.dictionaries(any_text, python_values, max_size=3), python_values),
        contact_consent=_maybe(python_values, [True, False]),
    )

    @FUZZ
    @given(submission=inputs)
    def run(submission: SubmissionInput) -> None:
        before = counts()
        try:
            result = response_submit(submission=submission)
        except ApplicationError as error:
            assert 400 <= error.status_code < 500
            assert counts() == before
        else:
            assert isinstance(result, SubmissionResult)

    run()


def test_any_text_in_echoed_places_never_gives_a_500(client: Client, fuzz_setup: Setup) -> None:
    """Unknown keys and bad choices are named in the errors; no text may break that."""
    from .capture_support import api_payload

    @FUZZ
    @given(key=any_text, choice=any_text, where=st.sampled_from(["top", "answer", "choice"]))
    def run(key: str, choice: str, where: str) -> None:
        body = api_payload(fuzz_setup)
        if where == "top":
            body[key] = 1
        elif where == "answer":
            body["answers"][0][key] = 1
        else:
            body["language"] = choice
        raw = json.dumps(body, ensure_ascii=True).encode()
        before = counts()
        with override_settings(REST_FRAMEWORK=NO_LIMITS):
            answer = post(client, raw)
        assert answer.status_code in {201, 400}, answer.content
        if answer.status_code == 400:
            assert counts() == before

    run()
