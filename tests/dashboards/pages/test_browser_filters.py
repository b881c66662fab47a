"""Dashboard filters never contradict themselves in Chromium: the form after Back/Forward, the
From/To fields outside a custom period, the open-alerts panel, and each comparison named."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from dashboards.models import Alert
from dashboards.monitoring.services import alert_rules_create_defaults
from tests import factories as f
from tests.dashboards.pages.pages_data import Built, build
from tests.dashboards.pages.test_browser_dashboards import PASSWORD, Session, today

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def built(transactional_db: None) -> Built:
    built = build(
        touchpoints=3,
        days=40,
        per_day=6,
        end=today() - timedelta(days=1),
        names=["Shop", "Hotline", "Lieferung"],
        drop_last={"Lieferung": 2.0},
    )
    f.user(username="filter-manager", orgs=(built.org,), password=PASSWORD)
    return built


@pytest.fixture
def session(browser: Any, live_server: Any, built: Built) -> Iterator[Session]:
    s = Session(browser, live_server.url, "filter-manager", "de")
    yield s
    s.close()


def _choose(page: Any, select: str, value: str, expect: str) -> None:
    with page.expect_response(lambda r: expect in r.url and r.request.headers.get("hx-request")):
        page.select_option(select, value)
    page.wait_for_url(f"**{expect}**")


def test_back_and_forward_restore_the_form_with_the_figures(session: Session) -> None:
    page = session.open("/dashboard/")
    _choose(page, "#id_period", "7", "period=7")
    _choose(page, "#id_channel", "online", "channel=online")

    # Back: the URL and the figures are for 7 days, every channel; the form must say the same
    page.go_back()
    page.wait_for_function("!location.search.includes('channel=online')")
    page.wait_for_function("document.querySelector('.period-line').textContent.includes('7 Tage')")
    assert page.locator("#id_period").input_value() == "7"
    assert page.locator("#id_channel").input_value() == ""

    # Back again: 30 days; Forward twice: 7 days, online
    page.go_back()
    page.wait_for_function("!location.search.includes('period=7')")
    page.wait_for_function("document.querySelector('.period-line').textContent.includes('30 Tage')")
    assert page.locator("#id_period").input_value() == "30"
    page.go_forward()
    page.go_forward()
    page.wait_for_function("location.search.includes('channel=online')")
    page.wait_for_function("document.querySelector('#id_channel').value === 'online'")
    assert page.locator("#id_period").input_value() == "7"
    assert session.errors == []


def test_from_and_to_are_empty_unless_the_period_is_custom(session: Session) -> None:
    page = session.open("/dashboard/")
    dates = "[...document.querySelectorAll('[data-custom-dates] input')].map(i => i.value)"
    assert page.evaluate(dates) == ["", ""]
    assert page.locator("#id_from").is_disabled()

    # choosing "custom" offers the period on display as a start
    end = today()
    start = end - timedelta(days=29)
    _choose(page, "#id_period", "custom", "period=custom")
    assert page.evaluate(dates) == [start.isoformat(), end.isoformat()]
    page.fill("#id_from", (end - timedelta(days=9)).isoformat())
    page.locator("#id_from").dispatch_event("change")
    page.wait_for_function("document.querySelector('.period-line').textContent.includes('10 Tage')")

    # leaving "custom" clears the greyed fields instead of keeping stale dates
    _choose(page, "#id_period", "7", "period=7")
    assert page.evaluate(dates) == ["", ""]
    assert session.errors == []


def test_open_alerts_panel_follows_the_filters(session: Session, built: Built) -> None:
    # given: open alerts at two touchpoints that differ in channel, department and phase
    rule = alert_rules_create_defaults(organisation=built.org)[0]
    shop, hotline = built.tp("Shop"), built.tp("Hotline")
    assert shop.channel != hotline.channel and shop.department_id != hotline.department_id
    assert shop.phase_id != hotline.phase_id
    for touchpoint in (shop, hotline):
        Alert.objects.create(
            organisation=built.org,
            touchpoint=touchpoint,
            rule=rule,
            kpi="satisfaction",
            direction="down",
            value=4.0,
            expected=5.5,
            limit=5.1,
            n=40,
            day=built.end,
            breach_start=built.end,
        )
    page = session.open("/dashboard/")

    def panel() -> tuple[bool, bool]:
        text = page.locator(".alerts-panel").inner_text()
        return "Shop" in text, "Hotline" in text

    assert panel() == (True, True)
    # when/then: each filter narrows the panel to the touchpoints the figures show
    _choose(page, "#id_channel", hotline.channel, f"channel={hotline.channel}")
    assert panel() == (False, True)
    _choose(page, "#id_channel", "", "period=30")
    _choose(page, "#id_department", str(shop.department_id), "department=")
    assert panel() == (True, False)
    _choose(page, "#id_department", "", "period=30")
    _choose(page, "#id_phase", str(hotline.phase_id), "phase=")
    assert panel() == (False, True)
    assert session.errors == []


def test_each_comparison_is_named_on_screen(session: Session) -> None:
    page = session.open("/dashboard/?period=yesterday")
    tile = page.locator("article.tile", has_text="Lieferung")
    assert "ggü. Vortag" in tile.inner_text()
    page = session.open("/dashboard/?period=7")
    assert "ggü. vorigen 7 Tagen" in page.locator("article.tile").first.inner_text()
    sizes = page.locator(".signal__size").all_inner_texts()
    assert sizes  # Lieferung's planted drop
    for size in sizes:
        assert size.endswith(("über dem üblichen Niveau", "unter dem üblichen Niveau")), size
    assert session.errors == []
