"""The survey page in Chromium with DEBUG on: a 400 (a too-fast send) keeps the styled page."""

from typing import Any

import pytest
from django.test import override_settings

from surveys.models import Response
from tests.surveys.page_support import make_page_setup

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The minimum fill time (2 s) plus a margin; a script answers faster than any person.
FILL_WAIT_MS = 2200


@override_settings(DEBUG=True)
def test_error_response_with_debug_on_swaps_only_the_form(browser: Any, live_server: Any) -> None:
    # given: the survey page as `make demo` serves it (DEBUG on), JavaScript on
    setup = make_page_setup()
    context = browser.new_context(viewport={"width": 420, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{live_server.url}{setup.url}?lang=de")
        page.wait_for_function("() => window.htmx !== undefined")
        for item in setup.paired:
            page.click(f"label[for='e_{item.pk}_6']")
            page.click(f"label[for='s_{item.pk}_4']")
        page.click(f"label[for='v_{setup.nps.pk}_3']")

        # when: sent at once, faster than the minimum fill time (the server answers 400)
        with page.expect_response(lambda r: r.request.method == "POST") as sent:
            page.click(".sv-submit")
        assert sent.value.status == 400
        page.wait_for_selector(".sv-alert")

        # then: the form came back in place inside the styled page, choices kept
        assert page.evaluate("() => document.querySelectorAll('#sv-card').length") == 1
        assert page.locator("link[href$='survey.css']").count() == 1
        assert page.locator(".sv-lang").count() == 1
        # the honeypot ("Dieses Feld bitte leer lassen") stays visually hidden: off-screen or 1 px
        honeypot = page.locator(".sv-hp").bounding_box()
        assert honeypot is not None
        assert honeypot["x"] + honeypot["width"] < 0 or (
            honeypot["width"] <= 1 and honeypot["height"] <= 1
        )
        submit_color = page.eval_on_selector(
            ".sv-submit", "el => getComputedStyle(el).backgroundColor"
        )
        assert submit_color not in ("rgba(0, 0, 0, 0)", "rgb(239, 239, 239)")
        assert page.is_checked(f"#v_{setup.nps.pk}_3")
        assert Response.objects.count() == 0

        # and the next send, after the fill time, is stored
        page.wait_for_timeout(FILL_WAIT_MS)
        page.click(".sv-submit")
        page.wait_for_selector(".sv-done")
        assert Response.objects.filter(touchpoint=setup.touchpoint).count() == 1
        assert errors == [] or all("400" in e for e in errors), errors
    finally:
        context.close()
