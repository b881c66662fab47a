"""Chromium: the "why?" step with and without JavaScript, Arabic right-to-left on a phone."""

import os
from typing import Any

import pytest

from surveys.models import Item, Response, WhyAnswer, WhyReason
from tests.surveys.page_support import PageSetup, make_page_setup

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FILL_WAIT_MS = 2200  # the survey page's minimum fill time
PHONE = {"width": 390, "height": 844}


def _with_rule() -> PageSetup:
    setup = make_page_setup()
    setup.survey.why_satisfaction_max = 3
    setup.survey.save()
    WhyReason.objects.create(
        survey=setup.survey, key="slow", label_de="Zu langsam", label_en="Too slow", order=1
    )
    WhyReason.objects.create(
        survey=setup.survey, key="rude", label_de="Unfreundlich", label_en="Unfriendly", order=2
    )
    return setup


def _answer_low(page: Any, setup: PageSetup) -> None:
    for item, (expected, satisfied) in zip(setup.paired, [(6, 2), (5, 6)], strict=True):
        page.click(f"label[for='e_{item.pk}_{expected}']")
        page.click(f"label[for='s_{item.pk}_{satisfied}']")
    page.click(f"label[for='v_{setup.nps.pk}_7']")


def _shot(page: Any, artifacts_dir: str, name: str) -> None:
    page.screenshot(path=os.path.join(artifacts_dir, f"{name}.png"), full_page=True)


def test_why_step_without_javascript(browser: Any, live_server: Any, artifacts_dir: str) -> None:
    setup = _with_rule()
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}{setup.url}?lang=en")
        _answer_low(page, setup)
        page.wait_for_timeout(FILL_WAIT_MS)
        with page.expect_navigation():
            page.click(".sv-submit")
        # the second step is its own page, and the scores are already stored
        assert "/why/" in page.url
        assert page.text_content("h1") == "What was the main reason for your rating?"
        first = Response.objects.get()
        assert first.answers.get(item=setup.paired[0]).satisfaction == 2
        page.check("#reason-slow")
        page.fill("#why_text", "Kept waiting.")
        _shot(page, artifacts_dir, "why-nojs")
        with page.expect_navigation():
            page.click(".sv-actions .sv-submit")
        assert "/thanks/" in page.url
        assert context.cookies() == []
    finally:
        context.close()
    why = WhyAnswer.objects.get()
    assert why.response_id == first.pk and why.text == "Kept waiting."
    assert list(why.reasons.values_list("key", flat=True)) == ["slow"]
    assert Response.objects.count() == 1


def test_why_step_with_htmx_in_place(browser: Any, live_server: Any, artifacts_dir: str) -> None:
    setup = _with_rule()
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        url = f"{live_server.url}{setup.url}?lang=en"
        page.goto(url)
        page.wait_for_function("() => window.htmx !== undefined")
        page.evaluate("() => { window.__stillHere = 'yes'; }")
        _answer_low(page, setup)
        page.wait_for_timeout(FILL_WAIT_MS)
        page.click(".sv-submit")
        page.wait_for_selector("#why_text")
        assert page.url == url  # no navigation: the question replaced the form
        assert Response.objects.count() == 1
        page.check("#reason-rude")
        page.click(".sv-actions .sv-submit")
        page.wait_for_selector(".sv-done")
        assert page.evaluate("() => window.__stillHere") == "yes"
        _shot(page, artifacts_dir, "why-htmx-thanks")
    finally:
        context.close()
    assert WhyAnswer.objects.get().reasons.get().key == "rude"


ARABIC = {
    "title": "كيف كانت مكالمتك مع خدمة العملاء لدينا؟",
    "intro": "بضع نقرات فقط – إجاباتك تساعدنا على التحسن.",
}


def test_arabic_survey_is_right_to_left_and_fits_a_phone(
    browser: Any, live_server: Any, artifacts_dir: str
) -> None:
    # given: an organisation that adds Arabic, a survey translated except one item label
    setup = make_page_setup()
    organisation = setup.touchpoint.phase.journey.organisation
    organisation.extra_languages = "ar, tr"
    organisation.save()
    setup.survey.texts = {"ar": ARABIC}
    setup.survey.save()
    Item.objects.filter(pk=setup.paired[0].pk).update(labels={"ar": "وقت الانتظار"})
    Item.objects.filter(pk=setup.nps.pk).update(
        labels={"ar": "ما مدى احتمال أن توصي بنا لصديق أو زميل؟"}
    )
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{live_server.url}{setup.url}?lang=ar")
        _shot(page, artifacts_dir, "phone-ar")
        assert page.evaluate("() => document.documentElement.dir") == "rtl"
        assert page.evaluate("() => document.documentElement.lang") == "ar"
        # no horizontal scrolling at 390 px, also after the page is scrolled sideways
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        page.evaluate("() => window.scrollTo(-500, 0)")
        assert page.evaluate("() => window.scrollX") == 0
        # right-to-left: the first scale button sits at the right edge of its row
        boxes = page.evaluate(
            f"() => ['1', '7'].map(v => document.querySelector("
            f'"label[for=\'e_{setup.paired[0].pk}_" + v + "\']").getBoundingClientRect().x)'
        )
        assert boxes[0] > boxes[1]
        text = page.text_content("body") or ""
        assert ARABIC["title"] in text and "وقت الانتظار" in text
        assert "ماذا كنت تتوقع؟" in text and "إرسال" in text  # built-in Arabic defaults
        # the untranslated label falls back to the organisation's default language (German)
        assert setup.paired[1].label_de in text
        # and the page can be sent
        for item in setup.paired:
            page.click(f"label[for='e_{item.pk}_5']")
            page.click(f"label[for='s_{item.pk}_6']")
        page.click(f"label[for='v_{setup.nps.pk}_9']")
        page.wait_for_timeout(FILL_WAIT_MS)
        page.click(".sv-submit")
        page.wait_for_selector(".sv-done")
        assert "شكرًا لك!" in (page.text_content(".sv-done") or "")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
    assert errors == []
    assert Response.objects.get().language == "ar"
