"""Real headless Chromium: a manager acknowledges, comments on and resolves an alert in place."""

import os
from datetime import date
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from dashboards.monitoring.models import Alert
from dashboards.monitoring.services import alert_rules_create_defaults
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DAY = date(2026, 6, 30)


def _session_cookie(user: Any, live_server: Any) -> dict[str, Any]:
    client = Client()
    client.force_login(user)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }


def test_acknowledge_comment_and_resolve_in_place(
    browser: Any, live_server: Any, artifacts_dir: str
) -> None:
    # Given an open alert of the manager's organisation
    org = factories.organisation(name="Beispiel GmbH")
    phase = factories.journey(org=org).phases.get(order=1)
    dept = factories.department(org=org, name="Logistik", email="logistik@beispiel.example")
    tp = factories.touchpoint(phase=phase, dept=dept, name="Lieferung")
    alert = Alert.objects.create(
        organisation=org,
        touchpoint=tp,
        rule=alert_rules_create_defaults(organisation=org)[0],
        kpi="satisfaction",
        direction="down",
        value=4.2,
        expected=5.6,
        limit=5.3,
        n=150,
        day=DAY,
        breach_start=DAY,
    )
    manager = factories.manager(org)
    context = browser.new_context(locale="de-DE")
    context.add_cookies([_session_cookie(manager, live_server)])
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{live_server.url}/dashboard/alerts/")
        card = page.locator(f"#alert-{alert.pk}")
        card.get_by_text("Lieferung: Zufriedenheit gesunken").wait_for()
        # A marker on the window survives only if the page is not reloaded
        page.evaluate("window.__stay = 1")

        # When the manager acknowledges it
        card.get_by_role("button", name="Bestätigen").click()
        page.locator(f"#alert-{alert.pk} [data-status=acknowledged]").wait_for()

        # and comments and resolves it
        page.locator(f"#alert-{alert.pk} textarea[name=text]").fill("Spediteur gewechselt.")
        page.locator(f"#alert-{alert.pk}").get_by_role(
            "button", name="Kommentar hinzufügen"
        ).click()
        page.locator(f"#alert-{alert.pk}").get_by_text("Spediteur gewechselt.").wait_for()
        page.locator(f"#alert-{alert.pk}").get_by_role("button", name="Erledigen").click()
        page.locator(f"#alert-{alert.pk} [data-status=resolved]").wait_for()
        page.screenshot(path=os.path.join(artifacts_dir, "alerts-resolved.png"), full_page=True)

        # Then the page swapped the card in place, and who and when are stored and shown
        assert page.evaluate("window.__stay") == 1
        alert.refresh_from_db()
        assert alert.status == "resolved"
        assert alert.acknowledged_by == manager and alert.resolved_by == manager
        assert alert.acknowledged_at is not None and alert.resolved_at is not None
        assert alert.comments.get().text == "Spediteur gewechselt."
        text = page.locator(f"#alert-{alert.pk}").inner_text()
        assert f"Bestätigt von {manager.username}" in text
        assert f"Erledigt von {manager.username}" in text
        assert errors == []
    finally:
        context.close()


def test_the_page_works_without_javascript(browser: Any, live_server: Any) -> None:
    org = factories.organisation()
    phase = factories.journey(org=org).phases.get(order=1)
    tp = factories.touchpoint(phase=phase, name="Hotline")
    alert = Alert.objects.create(
        organisation=org,
        touchpoint=tp,
        rule=alert_rules_create_defaults(organisation=org)[0],
        kpi="nps",
        direction="down",
        value=-20.0,
        expected=5.0,
        n=90,
        day=DAY,
        breach_start=DAY,
    )
    manager = factories.manager(org)
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    context.add_cookies([_session_cookie(manager, live_server)])
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/dashboard/alerts/")
        page.locator(f"#alert-{alert.pk} button[value=acknowledge]").click()
        page.wait_for_load_state()
        alert.refresh_from_db()
        assert alert.status == "acknowledged" and alert.acknowledged_by == manager
        assert page.url.startswith(f"{live_server.url}/dashboard/alerts/")
    finally:
        context.close()
