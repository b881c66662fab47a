"""Answering on the survey page: plain POST, htmx in place, errors, honeypot, fill time, limits."""

import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from surveys.customer_links import customer_link_token
from surveys.forms import render_token_new
from surveys.models import Answer, Item, Response
from surveys.privacy import customer_key_from_id
from tests.surveys.page_support import (
    PageSetup,
    aged,
    filled_form,
    hidden_fields,
    make_page_setup,
    open_form,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _post(client: Client, setup: PageSetup, data: dict[str, Any], **headers: Any) -> Any:
    return client.post(setup.url, data, **headers)


def test_plain_post_redirects_303_to_thanks_and_stores_one_response() -> None:
    setup = make_page_setup()
    client = Client()
    fields = open_form(client, setup.url + "?lang=de")

    response = _post(client, setup, filled_form(setup, fields))

    assert response.status_code == 303
    assert response["Location"] == f"/s/{setup.touchpoint.public_key}/thanks/?lang=de"
    assert "Set-Cookie" not in response.headers
    stored = Response.objects.get()
    assert stored.submission_id == fields["submission_id"]
    assert stored.channel == "page" and stored.language == "de"
    answers = {a.item_id: a for a in Answer.objects.filter(response=stored)}
    assert (answers[setup.paired[0].pk].expectation, answers[setup.paired[0].pk].satisfaction) == (
        6,
        4,
    )
    assert (answers[setup.paired[1].pk].expectation, answers[setup.paired[1].pk].satisfaction) == (
        5,
        7,
    )
    assert answers[setup.nps.pk].value == 9
    assert answers[setup.comment.pk].text == "Schnell und freundlich."

    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    assert "Vielen Dank!" in thanks.content.decode()
    assert "Set-Cookie" not in thanks.headers


def test_posting_the_same_form_twice_stores_it_once() -> None:
    setup = make_page_setup()
    client = Client()
    data = filled_form(setup, open_form(client, setup.url))

    first = _post(client, setup, data)
    second = _post(client, setup, data)

    assert first.status_code == second.status_code == 303
    assert Response.objects.count() == 1


def test_htmx_post_returns_the_thanks_partial_in_place() -> None:
    setup = make_page_setup()
    client = Client()
    fields = open_form(client, setup.url + "?lang=en")

    response = _post(client, setup, filled_form(setup, fields), **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Thank you!" in html
    assert "<html" not in html and "<head" not in html  # only the swapped part
    assert 'class="sv-done"' in html
    assert Response.objects.count() == 1
    assert "Set-Cookie" not in response.headers


def test_validation_error_keeps_choices_and_shows_messages_next_to_fields() -> None:
    setup = make_page_setup()
    client = Client()
    fields = open_form(client, setup.url + "?lang=de&store=Berlin")
    data = filled_form(setup, fields)
    del data[f"s_{setup.paired[1].pk}"]  # one scale left out
    data[f"v_{setup.nps.pk}"] = "11"  # outside 0-10 (a tampered form)

    # the page's language wins over the browser's
    response = _post(client, setup, data, HTTP_ACCEPT_LANGUAGE="en-US,en")

    assert response.status_code == 400
    html = response.content.decode()
    assert "<html" in html  # a complete page without JavaScript
    assert "Bitte prüfen Sie Ihre Antworten." in html
    assert (
        f'<p class="sv-error" id="s_{setup.paired[1].pk}-error">Bitte wählen Sie einen Wert.'
        in (html)
    )
    assert f'id="v_{setup.nps.pk}-error"' in html
    # the customer's other choices are still selected
    assert re.search(
        rf'name="e_{setup.paired[0].pk}" id="e_{setup.paired[0].pk}_6" value="6" checked', html
    )
    assert re.search(
        rf'name="s_{setup.paired[0].pk}" id="s_{setup.paired[0].pk}_4" value="4" checked', html
    )
    assert "Schnell und freundlich." in html
    again = hidden_fields(html)
    assert again["submission_id"] == fields["submission_id"]
    assert again["store"] == "Berlin"
    assert Response.objects.count() == 0

    # with htmx the form part comes back (status 400, swapped by the page's htmx config)
    partial = _post(client, setup, data, **HTMX)
    assert partial.status_code == 400
    body = partial.content.decode()
    assert "<html" not in body and 'class="sv-form"' in body
    assert f'id="s_{setup.paired[1].pk}-error"' in body


def test_errors_from_the_capture_service_land_at_their_fields() -> None:
    setup = make_page_setup()
    contact = Item.objects.create(
        survey=setup.survey, kind=Item.Kind.CONTACT, label_de="Kontakt", label_en="Contact", order=9
    )
    client = Client()
    fields = open_form(client, setup.url + "?lang=en")
    # a control character passes the form but not the service's text rules
    data = filled_form(setup, fields, **{f"t_{setup.comment.pk}": "bad \x01 text"})

    response = _post(client, setup, data)

    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="t_{setup.comment.pk}-error">Remove control characters.' in html
    assert f'id="t_{contact.pk}"' in html and 'name="contact_consent"' in html
    assert Response.objects.count() == 0


def test_contact_details_need_the_consent_checkbox() -> None:
    setup = make_page_setup()
    contact = Item.objects.create(
        survey=setup.survey, kind=Item.Kind.CONTACT, label_de="Kontakt", label_en="Contact", order=9
    )
    client = Client()
    fields = open_form(client, setup.url + "?lang=de")
    data = filled_form(setup, fields, **{f"t_{contact.pk}": "kunde@example.com"})

    refused = _post(client, setup, data)
    accepted = _post(client, setup, {**data, "contact_consent": "1"})

    assert refused.status_code == 400
    assert 'id="contact_consent-error"' in refused.content.decode()
    assert accepted.status_code == 303
    stored = Response.objects.get()
    assert stored.contact_consent is True
    assert Answer.objects.get(response=stored, item=contact).text == "kunde@example.com"


def test_filled_honeypot_pretends_success_and_stores_nothing() -> None:
    setup = make_page_setup()
    client = Client()
    data = filled_form(setup, open_form(client, setup.url), website="https://spam.example")

    plain = _post(client, setup, data)
    htmx = _post(client, setup, data, **HTMX)

    assert plain.status_code == 303 and "/thanks/" in plain["Location"]
    assert htmx.status_code == 200 and 'class="sv-done"' in htmx.content.decode()
    assert Response.objects.count() == 0


def test_too_fast_submission_is_not_stored_and_the_form_comes_back() -> None:
    setup = make_page_setup()
    client = Client()
    fields = hidden_fields(client.get(setup.url + "?lang=de").content.decode())  # fresh token

    response = _post(client, setup, filled_form(setup, fields))

    assert response.status_code == 400
    html = response.content.decode()
    assert "Bitte prüfen Sie Ihre Antworten und senden Sie sie erneut." in html
    assert re.search(rf'name="v_{setup.nps.pk}" id="v_{setup.nps.pk}_9" value="9" checked', html)
    assert Response.objects.count() == 0
    again = hidden_fields(html)
    assert again["submission_id"] == fields["submission_id"]
    assert again["token"] != fields["token"]

    # the returned form, sent after the minimum time, goes through
    later = _post(client, setup, filled_form(setup, aged(again)))
    assert later.status_code == 303
    assert Response.objects.count() == 1


def test_forged_or_missing_token_is_not_stored() -> None:
    setup = make_page_setup()
    client = Client()
    fields = open_form(client, setup.url)
    foreign = render_token_new(submission_id="0" * 32, rendered_at=0)

    for token in ("", "garbage", foreign):
        response = _post(client, setup, filled_form(setup, {**fields, "token": token}))
        assert response.status_code == 400

    assert Response.objects.count() == 0


def test_channel_segment_language_and_customer_are_stored() -> None:
    setup = make_page_setup()
    client = Client()
    token = customer_link_token(customer_id="CUST-42")
    fields = open_form(client, setup.url + f"?channel=link&lang=en&store=Berlin&ct={token}")

    response = _post(client, setup, filled_form(setup, fields))

    assert response.status_code == 303
    assert "ct=" not in response["Location"] and token not in response["Location"]
    assert "store=Berlin" in response["Location"]
    stored = Response.objects.get()
    assert stored.channel == "link"
    assert stored.language == "en"
    assert stored.segment == {"store": "Berlin"}
    assert stored.customer_key == customer_key_from_id("CUST-42")


def test_kiosk_thanks_resets_itself_with_meta_refresh() -> None:
    setup = make_page_setup()
    client = Client()
    fields = open_form(client, setup.url + "?mode=kiosk&lang=de&store=Hamburg")

    response = _post(client, setup, filled_form(setup, fields))
    thanks = client.get(response["Location"])

    assert response.status_code == 303
    assert Response.objects.get().channel == "kiosk"
    html = thanks.content.decode()
    reset = f"{setup.url}?lang=de&amp;mode=kiosk&amp;store=Hamburg"
    assert f'<meta http-equiv="refresh" content="5;url={reset}">' in html
    # the reset opens a fresh form (new submission id) for the next customer
    first = hidden_fields(
        client.get(setup.url + "?lang=de&mode=kiosk&store=Hamburg").content.decode()
    )
    assert first["submission_id"] != fields["submission_id"]
    assert first["channel"] == "kiosk"

    htmx = _post(
        client, setup, filled_form(setup, open_form(client, setup.url + "?mode=kiosk")), **HTMX
    )
    assert 'data-kiosk-reset="5"' in htmx.content.decode()


def test_rate_limited_post_gets_429_with_retry_after_and_keeps_the_form(settings: Any) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"capture_ip": "2/min", "capture_touchpoint": "100/min"},
    }
    cache.clear()
    setup = make_page_setup()
    client = Client()
    data = filled_form(setup, open_form(client, setup.url + "?lang=de"))
    data.pop(f"v_{setup.nps.pk}")  # invalid, so nothing is stored by the first two

    statuses = [_post(client, setup, data).status_code for _ in range(2)]
    limited = _post(client, setup, data)

    assert statuses == [400, 400]
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) >= 1
    html = limited.content.decode()
    assert "Gerade treffen sehr viele Antworten ein." in html
    assert 'class="sv-form"' in html
    assert Response.objects.count() == 0


def test_post_to_inactive_touchpoint_gives_410_and_stores_nothing() -> None:
    setup = make_page_setup()
    client = Client()
    data = filled_form(setup, open_form(client, setup.url + "?lang=de"))
    setup.touchpoint.is_active = False
    setup.touchpoint.save(update_fields=["is_active"])

    response = _post(client, setup, data)

    assert response.status_code == 410
    assert "Diese Befragung ist nicht mehr aktiv" in response.content.decode()
    assert Response.objects.count() == 0
    assert Client().post("/s/unknown-key/", data).status_code == 404
