"""Capture service: a valid submission is stored whole; a bad one is refused, writes nothing."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from cxmonitor.days import day_in_time_zone
from cxmonitor.errors import ApplicationError
from surveys.models import Answer, Item, Response
from surveys.privacy import customer_key_from_id
from surveys.selectors import response_list_for_customer
from surveys.services import (
    SEGMENT_KEYS,
    AnswerInput,
    response_submit,
    responses_delete_for_customer,
)
from tests import factories

from .capture_support import add_item, counts, make_setup, submission

pytestmark = pytest.mark.django_db


def refused(sub: object, *, status: int = 400) -> dict[str, list[str]]:
    """Submit, expect an ApplicationError with this status and no rows written; its fields."""
    before = counts()
    with pytest.raises(ApplicationError) as caught:
        response_submit(submission=sub)  # type: ignore[arg-type]
    assert caught.value.status_code == status
    assert counts() == before
    return caught.value.fields


def test_valid_submission_stores_response_and_answers() -> None:
    # given
    setup = make_setup()
    sub = submission(
        setup,
        customer_id="  CRM-4711 ",
        segment={"region": "Nord", "store": "Hamburg"},
        language="en",
        channel="qr",
    )
    # when
    result = response_submit(submission=sub)
    # then
    assert result.created is True
    stored = Response.objects.get(pk=result.response_id)
    assert stored.touchpoint_id == setup.touchpoint.pk
    assert stored.survey_id == setup.survey.pk
    assert stored.submission_id == sub.submission_id
    assert (stored.channel, stored.language) == ("qr", "en")
    assert stored.customer_key == customer_key_from_id("CRM-4711")
    assert stored.segment == {"region": "Nord", "store": "Hamburg"}
    assert abs((stored.submitted_at - timezone.now()).total_seconds()) < 60
    answers = {
        a.item_id: (a.expectation, a.satisfaction, a.value, a.text) for a in stored.answers.all()
    }
    assert answers == {
        setup.paired[0].id: (6, 4, None, ""),
        setup.paired[1].id: (5, 5, None, ""),
        setup.nps.id: (None, None, 8, ""),
    }


def test_comment_is_stored_and_blank_comment_is_no_answer() -> None:
    setup = make_setup()
    base = submission(setup).answers
    with_text = response_submit(
        submission=submission(
            setup, answers=[*base, AnswerInput(item_id=setup.comment.id, text=" Zu laut. ")]
        )
    )
    blank = response_submit(
        submission=submission(
            setup, answers=[*base, AnswerInput(item_id=setup.comment.id, text="  ")]
        )
    )
    assert (
        Answer.objects.get(response_id=with_text.response_id, item=setup.comment).text == "Zu laut."
    )
    assert not Answer.objects.filter(response_id=blank.response_id, item=setup.comment).exists()


def test_scale_edges_and_nps_edges_are_accepted() -> None:
    setup = make_setup(scale=(1, 5))
    result = response_submit(
        submission=submission(
            setup,
            answers=[
                AnswerInput(item_id=setup.paired[0].id, expectation=1, satisfaction=5),
                AnswerInput(item_id=setup.paired[1].id, expectation=5, satisfaction=1),
                AnswerInput(item_id=setup.nps.id, value=0),
            ],
        )
    )
    assert Answer.objects.filter(response_id=result.response_id).count() == 3


@pytest.mark.parametrize(
    ("answer_index", "change", "field"),
    [
        (0, {"satisfaction": 8}, "answers[0].satisfaction"),  # above the scale
        (0, {"expectation": 0}, "answers[0].expectation"),  # below the scale
        (0, {"satisfaction": None}, "answers[0].satisfaction"),  # half a pair
        (0, {"satisfaction": True}, "answers[0].satisfaction"),  # a boolean is not a score
        (0, {"expectation": 4.0}, "answers[0].expectation"),  # a float is not a score
        (0, {"expectation": "4"}, "answers[0].expectation"),  # nor is a string
        (0, {"value": 3}, "answers[0].value"),  # a paired item takes no value
        (0, {"text": "x"}, "answers[0].text"),  # nor text
        (2, {"value": 11}, "answers[2].value"),  # NPS above 10
        (2, {"value": -1}, "answers[2].value"),  # NPS below 0
        (2, {"value": None}, "answers[2].value"),
        (2, {"value": False}, "answers[2].value"),
        (2, {"satisfaction": 3}, "answers[2].satisfaction"),  # NPS takes no pair
    ],
)
def test_bad_scores_are_refused_per_field(
    answer_index: int, change: dict[str, Any], field: str
) -> None:
    setup = make_setup()
    answers = list(submission(setup).answers)
    answers[answer_index] = replace(answers[answer_index], **change)
    fields = refused(submission(setup, answers=answers))
    assert field in fields, fields


def test_overall_and_effort_use_the_survey_scale() -> None:
    setup = make_setup(scale=(0, 6))
    overall = add_item(setup, kind=Item.Kind.OVERALL)
    effort = add_item(setup, kind=Item.Kind.EFFORT)
    base = submission(setup).answers
    fields = refused(
        submission(
            setup,
            answers=[
                *base,
                AnswerInput(item_id=overall.id, value=7),
                AnswerInput(item_id=effort.id, value=-1),
            ],
        )
    )
    assert set(fields) == {"answers[3].value", "answers[4].value"}
    ok = response_submit(
        submission=submission(
            setup,
            answers=[
                *base,
                AnswerInput(item_id=overall.id, value=6),
                AnswerInput(item_id=effort.id, value=0),
            ],
        )
    )
    assert ok.created


def test_unknown_item_item_of_other_survey_and_duplicates_are_refused() -> None:
    setup = make_setup()
    other = make_setup()
    base = submission(setup).answers
    fields = refused(
        submission(
            setup,
            answers=[
                *base,
                AnswerInput(item_id=other.nps.id, value=5),
                AnswerInput(item_id=999_999, value=5),
                AnswerInput(item_id=setup.nps.id, value=5),
            ],
        )
    )
    assert set(fields) == {"answers[3].item", "answers[4].item", "answers[5].item"}


def test_item_of_an_older_survey_version_is_refused() -> None:
    setup = make_setup()
    setup.survey.is_active = False
    setup.survey.save()
    newer = factories.survey(tp=setup.touchpoint, version=2)
    new_items = list(newer.items.filter(kind=Item.Kind.PAIRED))
    fields = refused(
        submission(
            setup,
            answers=[
                AnswerInput(item_id=setup.paired[0].id, expectation=3, satisfaction=3),
                *[AnswerInput(item_id=i.id, expectation=3, satisfaction=3) for i in new_items],
            ],
        )
    )
    assert "answers[0].item" in fields


def test_required_items_must_be_present_and_no_answers_is_refused() -> None:
    setup = make_setup()
    fields = refused(
        submission(
            setup, answers=[AnswerInput(item_id=setup.paired[0].id, expectation=1, satisfaction=2)]
        )
    )
    assert set(fields) == {f"item.{setup.paired[1].id}", f"item.{setup.nps.id}"}
    assert "answers" in refused(submission(setup, answers=[]))


def test_comment_longer_than_2000_characters_is_refused() -> None:
    setup = make_setup()
    base = submission(setup).answers
    ok = response_submit(
        submission=submission(
            setup, answers=[*base, AnswerInput(item_id=setup.comment.id, text="a" * 2000)]
        )
    )
    assert ok.created
    fields = refused(
        submission(setup, answers=[*base, AnswerInput(item_id=setup.comment.id, text="a" * 2001)])
    )
    assert list(fields) == ["answers[3].text"]


@pytest.mark.parametrize("text", ["nul\x00byte", "bell\x07", "lone \ud800 surrogate"])
def test_text_that_cannot_be_stored_is_refused(text: str) -> None:
    setup = make_setup()
    base = submission(setup).answers
    fields = refused(
        submission(setup, answers=[*base, AnswerInput(item_id=setup.comment.id, text=text)])
    )
    assert list(fields) == ["answers[3].text"]


def test_contact_needs_consent_and_at_most_200_characters() -> None:
    setup = make_setup()
    contact = add_item(setup, kind=Item.Kind.CONTACT)
    base = submission(setup).answers
    with_contact = [*base, AnswerInput(item_id=contact.id, text="anna@example.com")]
    fields = refused(submission(setup, answers=with_contact, contact_consent=False))
    assert list(fields) == ["answers[3].text"]
    too_long = [*base, AnswerInput(item_id=contact.id, text="a" * 201)]
    assert list(refused(submission(setup, answers=too_long, contact_consent=True))) == [
        "answers[3].text"
    ]
    stored = response_submit(
        submission=submission(setup, answers=with_contact, contact_consent=True)
    )
    response = Response.objects.get(pk=stored.response_id)
    assert response.contact_consent is True
    assert response.answers.get(item=contact).text == "anna@example.com"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"language": "fr"}, "language"),
        ({"channel": "fax"}, "channel"),
        ({"segment": {"email": "x@example.com"}}, "segment"),
        ({"segment": {"region": "x" * 65}}, "segment.region"),
        ({"segment": {"region": ""}}, "segment.region"),
        ({"segment": {"region": 5}}, "segment.region"),
        ({"segment": ["region"]}, "segment"),
        ({"customer_id": "c" * 201}, "customer_id"),
        ({"customer_id": 4711}, "customer_id"),
        ({"submitted_at": timedelta(minutes=6)}, "submitted_at"),
        ({"submitted_at": -timedelta(days=31)}, "submitted_at"),
        ({"submitted_at": "2024-01-01"}, "submitted_at"),
        ({"contact_consent": "yes"}, "contact_consent"),
    ],
)
def test_bad_envelope_is_refused_per_field(change: dict[str, Any], field: str) -> None:
    # Times are offsets from the moment the test runs, not from collection.
    if isinstance(change.get("submitted_at"), timedelta):
        change = {"submitted_at": timezone.now() + change["submitted_at"]}
    setup = make_setup()
    fields = refused(submission(setup, **change))
    assert field in fields, fields


@pytest.mark.parametrize(
    "submission_id", ["", "a" * 65, "with space", "semi;colon", "ümlaut", None, 5]
)
def test_bad_submission_id_is_refused(submission_id: object) -> None:
    setup = make_setup()
    assert list(refused(submission(setup, submission_id=submission_id))) == ["submission_id"]


def test_submission_id_alphabet_and_length_are_accepted() -> None:
    setup = make_setup()
    assert response_submit(submission=submission(setup, submission_id="aZ0_.:-" + "x" * 57)).created


def test_allowed_segment_keys_and_recent_past_time_are_accepted() -> None:
    setup = make_setup()
    segment = {key: f"v-{key}" for key in SEGMENT_KEYS}
    when = timezone.now() - timedelta(days=29)
    result = response_submit(submission=submission(setup, segment=segment, submitted_at=when))
    stored = Response.objects.get(pk=result.response_id)
    assert stored.segment == segment
    assert stored.submitted_at == when


def test_unknown_touchpoint_is_404_with_no_hint() -> None:
    setup = make_setup()
    unknown = refused(submission(setup, public_key="doesNotExist123"), status=404)
    weird = refused(submission(setup, public_key="../../etc"), status=404)
    assert unknown == weird == {}


def test_inactive_touchpoint_and_touchpoint_without_active_survey_are_410() -> None:
    inactive = make_setup()
    inactive.touchpoint.is_active = False
    inactive.touchpoint.save()
    refused(submission(inactive), status=410)

    no_survey = make_setup()
    no_survey.survey.is_active = False
    no_survey.survey.save()
    refused(submission(no_survey), status=410)


def test_repeat_returns_first_result_and_writes_nothing_even_with_other_payload() -> None:
    setup = make_setup()
    first = response_submit(submission=submission(setup, submission_id="retry-1"))
    before = counts()
    again = response_submit(submission=submission(setup, submission_id="retry-1"))
    changed = response_submit(
        submission=submission(
            setup,
            submission_id="retry-1",
            answers=[AnswerInput(item_id=setup.nps.id, value=99)],  # invalid, yet a repeat
        )
    )
    assert again.response_id == changed.response_id == first.response_id
    assert (again.created, changed.created) == (False, False)
    assert counts() == before
    assert Answer.objects.get(response_id=first.response_id, item=setup.nps).value == 8


def test_repeat_after_the_touchpoint_closed_still_returns_the_first_result() -> None:
    setup = make_setup()
    first = response_submit(submission=submission(setup, submission_id="late-retry"))
    setup.touchpoint.is_active = False
    setup.touchpoint.save()
    again = response_submit(submission=submission(setup, submission_id="late-retry"))
    assert again == type(again)(response_id=first.response_id, created=False)


def test_same_submission_id_at_two_touchpoints_are_two_responses() -> None:
    a, b = make_setup(), make_setup()
    ra = response_submit(submission=submission(a, submission_id="same"))
    rb = response_submit(submission=submission(b, submission_id="same"))
    assert ra.created and rb.created and ra.response_id != rb.response_id


def test_customer_erasure_deletes_rows_and_returns_touchpoint_days() -> None:
    a, b = make_setup(), make_setup()
    when = datetime(2024, 3, 1, 23, 30, tzinfo=UTC)  # already 2 March in Berlin
    key = customer_key_from_id("CRM-1")
    for setup in (a, b):
        factories.response(
            srv=setup.survey, scores={setup.nps.id: 7}, submitted_at=when, customer_key=key
        )
    keep = factories.response(srv=a.survey, scores={a.nps.id: 9}, customer_key="other")

    listed = list(response_list_for_customer(customer_key=key))
    assert [r.touchpoint_id for r in listed] == [a.touchpoint.pk, b.touchpoint.pk]
    days = responses_delete_for_customer(customer_key=key)

    assert days == sorted(
        [(a.touchpoint.pk, date(2024, 3, 2)), (b.touchpoint.pk, date(2024, 3, 2))]
    )
    assert not Response.objects.filter(customer_key=key).exists()
    assert list(Response.objects.values_list("pk", flat=True)) == [keep.pk]
    assert Answer.objects.filter(response_id=keep.pk).count() == 1
    assert Answer.objects.count() == 1


def test_local_day_follows_the_organisation_time_zone() -> None:
    moment = datetime(2024, 6, 30, 22, 30, tzinfo=UTC)
    assert day_in_time_zone(moment=moment, time_zone="Europe/Berlin") == date(2024, 7, 1)
    assert day_in_time_zone(moment=moment, time_zone="America/New_York") == date(2024, 6, 30)
