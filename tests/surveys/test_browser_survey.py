"""Real headless Chromium against a live server: embed from a second origin, no-JS, htmx, kiosk."""

import os
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import Client

from surveys.models import Response
from tests.surveys.page_support import PageSetup, make_page_setup

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The survey page enforces a minimum fill time; a script answers faster than any person.
FILL_WAIT_MS = 2200

HOSTILE_CSS = """
* { font-family: 'Comic Sans MS' !important; color: #f0f !important; box-sizing: content-box; }
iframe { display: none !important; }
button { display: none !important; }
div, section { border: 6px dashed red !important; }
"""


class _HostPage:
    """A client's web page on another origin (127.0.0.1 vs the live server's localhost)."""

    def __init__(self) -> None:
        self.html = ""
        page = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = page.html.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def host_page() -> Iterator[_HostPage]:
    page = _HostPage()
    yield page
    page.close()


class _Watch:
    """Console errors and uncaught exceptions of one page (CSP violations show up here too)."""

    def __init__(self, page: Any) -> None:
        self.errors: list[str] = []
        page.on(
            "console",
            lambda message: self.errors.append(message.text) if message.type == "error" else None,
        )
        page.on("pageerror", lambda error: self.errors.append(str(error)))


def _survey_frame(page: Any, key: str) -> Any:
    for frame in page.frames:
        if f"/s/{key}/" in frame.url:
            return frame
    return None


def _answer(target: Any, setup: PageSetup) -> None:
    """Tap the buttons a customer would tap (the labels; the radios themselves are invisible)."""
    for item, (expected, satisfied) in zip(setup.paired, [(6, 4), (5, 7)], strict=True):
        target.click(f"label[for='e_{item.pk}_{expected}']")
        target.click(f"label[for='s_{item.pk}_{satisfied}']")
    target.click(f"label[for='v_{setup.nps.pk}_9']")
    target.fill(f"#t_{setup.comment.pk}", "Alles bestens.")


def _shot(page: Any, artifacts_dir: str, name: str) -> None:
    page.screenshot(path=os.path.join(artifacts_dir, f"{name}.png"), full_page=True)


def test_inline_embed_on_another_origin_answers_and_resizes(
    browser: Any, live_server: Any, host_page: _HostPage, artifacts_dir: str
) -> None:
    setup = make_page_setup(origins=host_page.origin)
    key = setup.touchpoint.public_key
    host_page.html = f"""<!doctype html><html lang="de"><head><meta charset="utf-8">
<title>Shop</title><style>{HOSTILE_CSS}</style></head><body>
<section><h1>Unser Shop</h1><p>Vielen Dank für Ihren Einkauf.</p>
<script src="{live_server.url}/embed.js" data-touchpoint="{key}" data-mode="inline"
 data-lang="de" data-store="Berlin" async></script>
<p id="after">Fußzeile</p></section></body></html>"""
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    page = context.new_page()
    watch = _Watch(page)
    try:
        page.goto(host_page.origin + "/")
        frame = None
        for _ in range(50):
            frame = _survey_frame(page, key)
            if frame is not None:
                break
            page.wait_for_timeout(100)
        assert frame is not None
        frame.wait_for_selector(".sv-form")
        element = frame.frame_element()
        # host CSS hides every iframe and dashes every div; the shadow root keeps ours intact
        assert element.is_visible()
        initial = 460
        page.wait_for_function(
            "([el, h]) => Math.round(el.getBoundingClientRect().height) !== h",
            arg=[element, initial],
            timeout=5000,
        )
        content = frame.evaluate(
            "() => Math.ceil(document.getElementById('sv-shell').getBoundingClientRect().bottom)"
        )
        box = element.bounding_box()
        assert box is not None
        assert abs(box["height"] - content) <= 2, (box, content)
        assert frame.evaluate("() => document.body.className") == "sv sv-mode-embed"
        assert "Was haben Sie erwartet?" in frame.content()
        _shot(page, artifacts_dir, "embed-inline-form")

        _answer(frame, setup)
        page.wait_for_timeout(FILL_WAIT_MS)
        frame.click(".sv-submit")
        frame.wait_for_selector(".sv-done")
        assert "Vielen Dank!" in frame.content()
        # the frame shrinks to the thank-you note
        page.wait_for_function(
            "([el, h]) => el.getBoundingClientRect().height < h - 50",
            arg=[element, box["height"]],
            timeout=5000,
        )
        _shot(page, artifacts_dir, "embed-inline-thanks")
    finally:
        context.close()

    stored = Response.objects.get()
    assert stored.channel == "embed"
    assert stored.language == "de"
    assert stored.segment == {"store": "Berlin"}
    assert stored.answers.count() == 4
    assert watch.errors == []


@pytest.mark.parametrize("mode", ["inline", "button"])
def test_embed_on_an_origin_the_touchpoint_does_not_list_draws_nothing_and_says_why(
    browser: Any, live_server: Any, host_page: _HostPage, mode: str
) -> None:
    # given: a touchpoint that may be embedded elsewhere only
    setup = make_page_setup(origins="https://elsewhere.example")
    key = setup.touchpoint.public_key
    host_page.html = f"""<!doctype html><html><head><meta charset="utf-8"><title>x</title></head>
<body><p id="before">Kopf</p><script src="{live_server.url}/embed.js" data-touchpoint="{key}"
 data-mode="{mode}"></script><p id="after">Fuß</p></body></html>"""
    context = browser.new_context()
    page = context.new_page()
    warnings: list[str] = []
    page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
    try:
        # when: the client's page loads the embed script
        with page.expect_response(re.compile(rf"/s/{key}/embed-check/")) as info:
            page.goto(host_page.origin + "/")
        assert info.value.json() == {
            "allowed": False,
            "reason": "origin",
            "origin": host_page.origin,
        }
        page.wait_for_timeout(300)

        # then: no frame, no box, no button; the paragraphs stay together
        assert _survey_frame(page, key) is None
        assert page.locator("cxmonitor-survey").count() == 0
        gap = page.evaluate(
            "() => document.getElementById('after').getBoundingClientRect().top"
            " - document.getElementById('before').getBoundingClientRect().bottom"
        )
        assert gap < 40
        # and the site's developer reads why in the console
        assert any(host_page.origin in w and "allowed embedding origins" in w for w in warnings)
    finally:
        context.close()

    # the survey page itself still refuses to be framed there
    csp = Client().get(setup.url)["Content-Security-Policy"]
    assert "frame-ancestors https://elsewhere.example" in csp
    setup.touchpoint.refresh_from_db()
    assert setup.touchpoint.embed_refused_origin == host_page.origin


def test_button_embed_opens_the_survey_in_an_overlay(
    browser: Any, live_server: Any, host_page: _HostPage, artifacts_dir: str
) -> None:
    setup = make_page_setup(origins=host_page.origin)
    key = setup.touchpoint.public_key
    host_page.html = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Shop</title><style>{HOSTILE_CSS}</style></head><body><h1>Shop</h1>
<script src="{live_server.url}/embed.js" data-touchpoint="{key}" data-mode="button"
 data-lang="en" async></script></body></html>"""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    watch = _Watch(page)
    try:
        page.goto(host_page.origin + "/")
        page.wait_for_load_state("networkidle")
        # the survey loads only when the customer asks for it
        assert _survey_frame(page, key) is None
        _shot(page, artifacts_dir, "embed-button-closed")

        # keyboard only: the floating button is the page's only focusable element
        page.keyboard.press("Tab")
        focused = page.evaluate("() => document.activeElement && document.activeElement.tagName")
        assert focused == "CXMONITOR-SURVEY"
        page.keyboard.press("Enter")
        frame = None
        for _ in range(50):
            frame = _survey_frame(page, key)
            if frame is not None:
                break
            page.wait_for_timeout(100)
        assert frame is not None
        assert "lang=en" in frame.url and "channel=embed" in frame.url
        frame.wait_for_selector(".sv-form")
        element = frame.frame_element()
        assert element.is_visible()
        box = element.bounding_box()
        assert box is not None
        # the panel sits at the bottom right, inside the viewport
        assert box["x"] > 600 and box["x"] + box["width"] <= 1200
        assert "What did you expect?" in frame.content()
        _shot(page, artifacts_dir, "embed-button-open")

        # Escape closes the panel again (focus is on its close button)
        page.keyboard.press("Escape")
        page.wait_for_function("(el) => !el.getClientRects().length", arg=element)
        assert not element.is_visible()
    finally:
        context.close()
    assert watch.errors == []


def test_page_works_with_javascript_disabled(
    browser: Any, live_server: Any, artifacts_dir: str
) -> None:
    setup = make_page_setup()
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}{setup.url}?lang=de&channel=qr")
        _answer(page, setup)
        page.wait_for_timeout(FILL_WAIT_MS)
        with page.expect_navigation():
            page.click(".sv-submit")
        assert "/thanks/" in page.url
        assert page.text_content("h1") == "Vielen Dank!"
        _shot(page, artifacts_dir, "nojs-thanks")
        assert context.cookies() == []
    finally:
        context.close()

    stored = Response.objects.get()
    assert stored.channel == "qr"
    assert stored.answers.get(item=setup.nps).value == 9


def test_htmx_submits_in_place_without_reload(
    browser: Any, live_server: Any, artifacts_dir: str
) -> None:
    setup = make_page_setup()
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    watch = _Watch(page)
    try:
        url = f"{live_server.url}{setup.url}?lang=de"
        page.goto(url)
        page.wait_for_function("() => window.htmx !== undefined")
        page.evaluate("() => { window.__stillHere = 'yes'; }")
        _answer(page, setup)
        # leave one scale out, past the browser's own check, to see the server's messages
        missing = f"s_{setup.paired[1].pk}"
        page.evaluate(
            "(name) => document.getElementsByName(name).forEach(r => {"
            " r.checked = false; r.required = false; })",
            missing,
        )
        page.wait_for_timeout(FILL_WAIT_MS)
        page.click(".sv-submit")
        page.wait_for_selector(".sv-alert")
        # German as the link asked, although Chromium sends Accept-Language: en-US
        assert page.text_content(".sv-alert p") == "Bitte prüfen Sie Ihre Antworten."
        assert page.text_content(f"#{missing}-error") == "Bitte wählen Sie einen Wert."
        assert page.is_checked(f"#e_{setup.paired[0].pk}_6")  # choices kept
        # focus moves once htmx has settled the swap
        page.wait_for_function(
            "() => document.activeElement && document.activeElement.className === 'sv-alert'",
            timeout=5000,
        )
        _shot(page, artifacts_dir, "htmx-error")

        page.click(f"label[for='{missing}_3']")
        page.click(".sv-submit")
        page.wait_for_selector(".sv-done")
        assert page.evaluate("() => window.__stillHere") == "yes"  # no full reload
        assert page.url == url
        # focus moved to the thank-you note for screen readers
        # focus moves once htmx has settled the swap
        page.wait_for_function(
            "() => document.activeElement && document.activeElement.className === 'sv-done'",
            timeout=5000,
        )
        _shot(page, artifacts_dir, "htmx-thanks")
        assert context.cookies() == []
    finally:
        context.close()
    stored = Response.objects.get()
    assert stored.channel == "page"
    assert stored.answers.get(item=setup.paired[1]).satisfaction == 3
    # the 400 of the first try shows up as a console message of the browser, nothing else
    assert [e for e in watch.errors if "400" not in e] == []


def test_kiosk_resets_itself_for_the_next_customer(
    browser: Any, live_server: Any, artifacts_dir: str
) -> None:
    setup = make_page_setup()
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    watch = _Watch(page)
    try:
        page.goto(f"{live_server.url}{setup.url}?mode=kiosk&lang=de")
        first_id = page.get_attribute("input[name=submission_id]", "value")
        _shot(page, artifacts_dir, "kiosk-form")
        option = page.query_selector(f"label[for='e_{setup.paired[0].pk}_1']")
        assert option is not None
        box = option.bounding_box()
        assert box is not None and box["height"] >= 64  # kiosk touch targets
        _answer(page, setup)
        page.wait_for_timeout(FILL_WAIT_MS)
        page.click(".sv-submit")
        page.wait_for_selector("[data-kiosk-reset]")
        page.wait_for_selector(".sv-form", timeout=9000)  # back after ~5 s
        assert page.get_attribute("input[name=submission_id]", "value") != first_id
        assert page.get_attribute("input[name=channel]", "value") == "kiosk"
        assert page.query_selector(".sv-radio:checked") is None
    finally:
        context.close()
    assert Response.objects.get().channel == "kiosk"
    assert watch.errors == []


def test_phone_layout_fits_and_targets_are_large_enough(
    browser: Any, live_server: Any, artifacts_dir: str
) -> None:
    setup = make_page_setup()
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
    )
    page = context.new_page()
    watch = _Watch(page)
    try:
        page.goto(f"{live_server.url}{setup.url}?lang=de")
        _shot(page, artifacts_dir, "phone-de")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        sizes = page.evaluate(
            "() => [...document.querySelectorAll('.sv-option')].map(l => {"
            " const r = l.getBoundingClientRect(); return [r.width, r.height]; })"
        )
        assert len(sizes) == 2 * 2 * 7 + 11
        assert min(w for w, _ in sizes) >= 24  # WCAG 2.2 target size (minimum)
        assert min(h for _, h in sizes) >= 44
        # keyboard only: Tab reaches the first scale, arrows move within it, Space is not needed
        page.keyboard.press("Tab")
        active = page.evaluate("() => document.activeElement.name")
        assert active == f"e_{setup.paired[0].pk}"
        page.keyboard.press("ArrowRight")
        checked = page.evaluate("() => document.activeElement.value")
        assert page.is_checked(f"#e_{setup.paired[0].pk}_{checked}")
        outline = page.evaluate(
            "() => getComputedStyle(document.activeElement.nextElementSibling).outlineStyle"
        )
        assert outline == "solid"  # visible focus on the button
    finally:
        context.close()
    assert watch.errors == []
