"""The survey page as the customer opens it: markup, language, status pages, no writes, headers."""

import re

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from surveys.customer_links import customer_link_token
from surveys.models import Answer, Response
from tests import factories
from tests.surveys.page_support import hidden_fields, make_page_setup

pytestmark = pytest.mark.django_db
TOKEN = customer_link_token(customer_id="CUST-42")


def test_page_shows_each_paired_item_as_fieldset_with_two_labelled_scales() -> None:
    setup = make_page_setup()

    response = Client().get(setup.url + "?lang=de")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="de"' in html
    assert "Umfrage " + setup.touchpoint.name in html
    assert "Zwei kurze Fragen zu Ihrem Besuch." in html
    for item in setup.paired:
        block = html.split(f'id="item-{item.pk}"', 1)[1].split("</fieldset>\n  </fieldset>", 1)[0]
        assert f'<legend class="sv-legend">{item.label_de}</legend>' in block
        assert "Was haben Sie erwartet?" in block
        assert "Wie zufrieden waren Sie?" in block
        for name in (f"e_{item.pk}", f"s_{item.pk}"):
            assert len(re.findall(rf'type="radio" name="{name}"', block)) == 7
            # every radio has its own label (the visible button)
            assert f'for="{name}_1"' in block and f'for="{name}_7"' in block
        assert "sehr niedrig" in block and "sehr hoch" in block
        assert "überhaupt nicht zufrieden" in block and "sehr zufrieden" in block
    assert "Wie wahrscheinlich ist es, dass Sie uns weiterempfehlen?" in html
    assert len(re.findall(rf'name="v_{setup.nps.pk}"', html)) == 11
    assert 'maxlength="2000"' in html
    # honeypot: off-screen, skipped by keyboard, never autofilled
    assert re.search(r'name="website" value="" tabindex="-1" autocomplete="off"', html)
    fields = hidden_fields(html)
    assert re.fullmatch(r"[0-9a-f]{32}", fields["submission_id"])
    assert fields["channel"] == "page"
    assert fields["token"]
    # no inline scripts, styles or handlers: a strict CSP holds
    assert "<script>" not in html and " style=" not in html and " onclick" not in html


def test_each_rendering_carries_a_fresh_submission_id() -> None:
    setup = make_page_setup()
    client = Client()

    first = hidden_fields(client.get(setup.url).content.decode())["submission_id"]
    second = hidden_fields(client.get(setup.url).content.decode())["submission_id"]

    assert first != second


def test_english_labels_with_lang_parameter() -> None:
    setup = make_page_setup()

    html = Client().get(setup.url + "?lang=en").content.decode()

    assert '<html lang="en"' in html
    assert "Survey " + setup.touchpoint.name in html
    assert "What did you expect?" in html and "How satisfied were you?" in html
    assert "very low" in html and "not at all satisfied" in html
    assert "How likely is it that you would recommend us?" in html
    assert setup.paired[0].label_en in html
    assert "Was haben Sie erwartet?" not in html
    # the switch offers the other language
    assert 'name="lang" value="de" lang="de">Deutsch</button>' in html


@pytest.mark.parametrize(
    ("query", "accept", "org_language", "expected"),
    [
        ("?lang=en", "de-DE,de;q=0.9", "de", "en"),
        ("?lang=de", "en-GB", "en", "de"),
        ("", "en-US,en;q=0.9,de;q=0.8", "de", "en"),
        ("", "fr-FR,fr;q=0.9,de;q=0.5,en;q=0.4", "en", "de"),
        ("", "fr-FR,es;q=0.8", "en", "en"),
        ("", "", "en", "en"),
        ("", "", "de", "de"),
        ("?lang=xx", "", "en", "en"),
    ],
)
def test_language_from_parameter_then_accept_language_then_organisation(
    query: str, accept: str, org_language: str, expected: str
) -> None:
    setup = make_page_setup(org_language=org_language)
    headers = {"Accept-Language": accept} if accept else {}

    response = Client().get(setup.url + query, headers=headers)

    assert response.status_code == 200
    assert f'<html lang="{expected}"' in response.content.decode()
    assert response["Content-Language"] == expected
    assert hidden_fields(response.content.decode())["lang"] == expected


def test_get_and_head_write_nothing_and_set_no_cookie() -> None:
    setup = make_page_setup()
    client = Client()
    sessions_before = Session.objects.count()

    responses = [
        client.get(setup.url),
        client.head(setup.url),
        client.get(setup.url + "?mode=kiosk&cid=C-1&store=berlin"),
        client.get(f"/s/{setup.touchpoint.public_key}/thanks/"),
    ]

    for response in responses:
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers
        assert not response.cookies
        assert response["Cache-Control"] == "no-store"
    assert Response.objects.count() == 0
    assert Answer.objects.count() == 0
    assert Session.objects.count() == sessions_before
    assert client.cookies == {} or not dict(client.cookies)


def test_unknown_key_gives_404_page_in_the_chosen_language() -> None:
    response = Client().get("/s/no-such-key/?lang=de")

    assert response.status_code == 404
    html = response.content.decode()
    assert "Befragung nicht gefunden" in html
    assert response["Content-Security-Policy"].endswith("frame-ancestors 'none'")

    english = Client().get("/s/no-such-key/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 404
    assert "Survey not found" in english.content.decode()


def test_inactive_touchpoint_and_missing_survey_give_410() -> None:
    inactive = factories.touchpoint(active=False)
    factories.survey(tp=inactive)
    without_survey = factories.touchpoint()
    old_only = factories.touchpoint()
    factories.survey(tp=old_only, active=False)

    for tp in (inactive, without_survey, old_only):
        response = Client().get(f"/s/{tp.public_key}/?lang=de")
        assert response.status_code == 410, tp
        assert "Diese Befragung ist nicht mehr aktiv" in response.content.decode()
        assert "Set-Cookie" not in response.headers
    english = Client().get(f"/s/{inactive.public_key}/?lang=en")
    assert "This survey is no longer active." in english.content.decode()


def test_channel_mode_segment_and_customer_id_are_carried_in_the_form() -> None:
    setup = make_page_setup()

    qr = hidden_fields(Client().get(setup.url + "?channel=qr").content.decode())
    kiosk = hidden_fields(Client().get(setup.url + "?mode=kiosk&channel=qr").content.decode())
    embed = hidden_fields(Client().get(setup.url + "?mode=embed").content.decode())
    bogus = hidden_fields(Client().get(setup.url + "?channel=api&mode=evil").content.decode())
    linked = hidden_fields(
        Client()
        .get(setup.url + f"?channel=link&ct={TOKEN}&store=Berlin&campaign=spring&secret=x")
        .content.decode()
    )

    assert qr["channel"] == "qr" and qr["mode"] == ""
    assert kiosk["channel"] == "kiosk" and kiosk["mode"] == "kiosk"
    assert embed["channel"] == "embed" and embed["mode"] == "embed"
    assert bogus["channel"] == "page" and bogus["mode"] == ""
    assert linked["channel"] == "link"
    assert linked["ct"] == TOKEN
    assert linked["store"] == "Berlin" and linked["campaign"] == "spring"
    assert "secret" not in linked


def test_customer_id_appears_only_as_its_hidden_fields() -> None:
    setup = make_page_setup()

    token = customer_link_token(customer_id="CUST-4711")
    html = Client().get(setup.url + f"?ct={token}").content.decode()

    # once in the survey form, once in the language switch (both hidden inputs)
    assert html.count(token) == 2
    assert html.count(f'<input type="hidden" name="ct" value="{token}">') == 2
    assert "CUST-4711" not in html


def test_survey_page_frame_ancestors_follow_the_touchpoint() -> None:
    framed = make_page_setup(origins="https://shop.example.com\nhttps://www.example.org")
    closed = make_page_setup()

    allowed = Client().get(framed.url)
    denied = Client().get(closed.url)

    csp = allowed["Content-Security-Policy"]
    assert "frame-ancestors https://shop.example.com https://www.example.org" in csp
    for directive in (
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self'",
        "script-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
    ):
        assert directive in csp
    assert "X-Frame-Options" not in allowed.headers
    assert "frame-ancestors 'none'" in denied["Content-Security-Policy"]
    assert denied["X-Frame-Options"] == "DENY"
    thanks = Client().get(f"/s/{framed.touchpoint.public_key}/thanks/")
    assert "frame-ancestors https://shop.example.com" in thanks["Content-Security-Policy"]


def test_other_pages_refuse_framing() -> None:
    response = Client().get("/accounts/login/")

    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "frame-ancestors 'none'"
    assert response["X-Frame-Options"] == "DENY"


def test_kiosk_mode_has_large_targets_and_kiosk_script() -> None:
    setup = make_page_setup()

    html = Client().get(setup.url + "?mode=kiosk&lang=de").content.decode()

    assert 'class="sv sv-mode-kiosk"' in html
    assert "surveys/kiosk.js" in html
    assert "surveys/frame.js" not in html
    assert f'data-reset-url="{setup.url}?lang=de&amp;mode=kiosk"' in html


def test_embed_mode_loads_the_height_reporter() -> None:
    setup = make_page_setup(origins="https://shop.example.com")

    html = Client().get(setup.url + "?mode=embed&channel=embed").content.decode()

    assert "surveys/frame.js" in html
    assert f'data-key="{setup.touchpoint.public_key}"' in html
    assert "surveys/kiosk.js" not in html


def test_htmx_is_served_locally() -> None:
    setup = make_page_setup()

    html = Client().get(setup.url).content.decode()

    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert any("django_htmx/htmx-2" in src for src in scripts)
    assert all(src.startswith("/static/") for src in scripts)
    assert 'rel="stylesheet" href="/static/surveys/survey.css"' in html
