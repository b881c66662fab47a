"""The "why?" step after a low score: a second step, same submission, the scores already stored."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from surveys.models import Response, WhyAnswer, WhyReason
from surveys.why import why_token_new
from surveys.why_selectors import why_summary

from .page_support import PageSetup, filled_form, make_page_setup, open_form

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true", "HX-Target": "sv-card"}


def _with_rule() -> PageSetup:
    setup = make_page_setup()
    setup.survey.why_satisfaction_max = 3
    setup.survey.why_on_detractor = True
    setup.survey.save()
    for order, (key, de, en) in enumerate(
        [("slow", "Zu langsam", "Too slow"), ("rude", "Unfreundlich", "Unfriendly")], start=1
    ):
        WhyReason.objects.create(
            survey=setup.survey, key=key, label_de=de, label_en=en, order=order
        )
    return setup


def _low(setup: PageSetup, fields: dict[str, str]) -> dict[str, object]:
    return filled_form(setup, fields, **{f"s_{setup.paired[0].pk}": "2"})


def test_without_javascript_the_question_is_a_second_page_for_the_same_submission() -> None:
    setup = _with_rule()
    client = Client()
    fields = open_form(client, setup.url + "?lang=en")

    # when: a low score is sent
    first = client.post(setup.url, _low(setup, fields))
    # then: the scores are stored and the browser is sent to the question
    assert first.status_code == 303
    stored = Response.objects.get(submission_id=fields["submission_id"])
    assert stored.answers.count() == 4
    why_url = first["Location"]
    query = parse_qs(urlsplit(why_url).query)
    assert urlsplit(why_url).path == f"/s/{setup.touchpoint.public_key}/why/"
    assert query["sid"] == [fields["submission_id"]]

    question = client.get(why_url).content.decode()
    assert "What was the main reason for your rating?" in question
    assert "Too slow" in question and "Unfriendly" in question
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', question))
    answer = client.post(
        why_url.split("?")[0], {**hidden, "reason": ["slow"], "why_text": "  Ewig gewartet. "}
    )
    repeat = client.post(why_url.split("?")[0], {**hidden, "reason": ["rude"], "why_text": "x"})

    assert answer.status_code == 303 and "/thanks/" in answer["Location"]
    assert repeat.status_code == 303
    why = WhyAnswer.objects.get(response=stored)
    assert why.text == "Ewig gewartet."
    assert list(why.reasons.values_list("key", flat=True)) == ["slow"]  # the first one counts


def test_with_htmx_the_question_replaces_the_form_in_place() -> None:
    setup = _with_rule()
    client = Client()
    fields = open_form(client, setup.url + "?lang=en")

    first = client.post(setup.url, _low(setup, fields), headers=HTMX)
    html = first.content.decode()

    assert first.status_code == 200 and "<html" not in html  # a partial for #sv-card
    assert "What was the main reason for your rating?" in html
    assert f'hx-post="/s/{setup.touchpoint.public_key}/why/"' in html
    assert Response.objects.filter(submission_id=fields["submission_id"]).exists()
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    done = client.post(
        f"/s/{setup.touchpoint.public_key}/why/", {**hidden, "reason": ["rude"]}, headers=HTMX
    )
    assert done.status_code == 200 and "Thank you" in done.content.decode()
    assert WhyAnswer.objects.get().reasons.get().key == "rude"


def test_a_good_score_goes_straight_to_thanks_and_skip_stores_nothing() -> None:
    setup = _with_rule()
    client = Client()
    good = client.post(setup.url, filled_form(setup, open_form(client, setup.url)))
    fields = open_form(client, setup.url)
    low = client.post(setup.url, _low(setup, fields))
    query = parse_qs(urlsplit(low["Location"]).query)
    skipped = client.post(
        f"/s/{setup.touchpoint.public_key}/why/",
        {"sid": query["sid"][0], "t": query["t"][0], "skip": "1", "why_text": "ignored"},
    )

    assert good.status_code == 303 and "/thanks/" in good["Location"]
    assert skipped.status_code == 303 and "/thanks/" in skipped["Location"]
    assert Response.objects.count() == 2 and not WhyAnswer.objects.exists()


def test_a_forged_or_foreign_ticket_stores_nothing() -> None:
    setup = _with_rule()
    client = Client()
    good = client.post(setup.url, filled_form(setup, open_form(client, setup.url)))
    assert good.status_code == 303
    sid = Response.objects.get().submission_id
    url = f"/s/{setup.touchpoint.public_key}/why/"

    forged = client.post(url, {"sid": sid, "t": "forged", "reason": ["slow"]})
    # a valid ticket, but the response gave no low score: nothing to attach to
    ticket = why_token_new(public_key=setup.touchpoint.public_key, submission_id=sid)
    not_asked = client.post(url, {"sid": sid, "t": ticket, "reason": ["slow"]})

    assert forged.status_code == 303 and not_asked.status_code == 303
    assert not WhyAnswer.objects.exists()


def test_reasons_are_counted_per_touchpoint() -> None:
    setup = _with_rule()
    client = Client()
    picks = [["slow"], ["slow", "rude"], ["slow"], []]
    for reasons in picks:
        low = client.post(setup.url, _low(setup, open_form(client, setup.url)))
        query = parse_qs(urlsplit(low["Location"]).query)
        client.post(
            f"/s/{setup.touchpoint.public_key}/why/",
            {"sid": query["sid"][0], "t": query["t"][0], "reason": reasons, "why_text": "t"},
        )
    now = timezone.now()

    (summary,) = why_summary(
        touchpoint_ids=[setup.touchpoint.pk],
        submitted_from=now - timedelta(hours=1),
        submitted_to=now + timedelta(hours=1),
    )

    assert summary.asked_answered == 4 and summary.with_text == 4
    assert [(r.key, r.count) for r in summary.reasons] == [("slow", 3), ("rude", 1)]
