"""Both dashboards in real headless Chromium: charts drawn as SVG, htmx swaps without reloads,
the URL follows the filters, no console errors; on the demo client the planted patterns show."""

import json
import os
import zoneinfo
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any, cast

import pytest
from django.core.management import call_command
from django.utils import timezone

from dashboards.statistics.services.importance import importance_refresh
from tests import factories as f
from tests.dashboards.pages.pages_data import Built, build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-tests-1234"
CHART_IDS = [
    "chart-gaps",
    "chart-ipa",
    "chart-satrec",
    "chart-heatmap",
    "chart-lag",
    "chart-trend",
    "chart-segments",
]


def today() -> date:
    return timezone.now().astimezone(zoneinfo.ZoneInfo("Europe/Berlin")).date()


class Session:
    """A logged-in Chromium page that records console errors."""

    def __init__(
        self,
        browser: Any,
        base: str,
        username: str,
        language: str,
        width: int = 1400,
        height: int = 900,
    ) -> None:
        self.context = browser.new_context(
            viewport={"width": width, "height": height},
            extra_http_headers={"Accept-Language": language},
        )
        self.page = self.context.new_page()
        self.base = base
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(f"{base}/accounts/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", PASSWORD)
        self.page.click("main button[type=submit]")
        self.page.wait_for_url(f"{base}/dashboard/")

    def open(self, path: str) -> Any:
        self.page.goto(self.base + path)
        self.page.wait_for_load_state("networkidle")
        return self.page

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def small(transactional_db: None) -> Built:
    built = build(
        touchpoints=4,
        days=40,
        per_day=6,
        end=today() - timedelta(days=1),
        names=["Shop", "Hotline", "Lieferung", "Filiale"],
        shift={"Hotline": -1.2},
        drop_last={"Lieferung": 2.0},
    )
    importance_refresh(organisation_id=built.org.pk, end=built.end, days=90)
    f.user(username="chromium-manager", orgs=(built.org,), password=PASSWORD)
    return built


@pytest.fixture
def session(browser: Any, live_server: Any, small: Built) -> Iterator[Session]:
    s = Session(browser, live_server.url, "chromium-manager", "en")
    yield s
    s.close()


def wait_for_charts(page: Any, ids: list[str]) -> None:
    for chart_id in ids:
        page.wait_for_selector(f"#{chart_id} svg.main-svg", timeout=20_000)


def test_dashboard_renders_and_filters_swap_without_reload(
    session: Session, artifacts_dir: str
) -> None:
    page = session.open("/dashboard/")
    assert page.locator("article.tile").count() == 4
    assert page.locator("article.tile svg.spark path").count() == 4
    page.screenshot(path=os.path.join(artifacts_dir, "dashboard-en.png"), full_page=True)

    page.evaluate("window.__noReload = 'still here'")
    with page.expect_response(
        lambda r: "period=7" in r.url and r.request.headers.get("hx-request") == "true"
    ):
        page.select_option("#id_period", "7")
    page.wait_for_url("**period=7**")
    page.wait_for_function("document.querySelector('.period-line').textContent.includes('7 days')")
    assert page.evaluate("window.__noReload") == "still here"

    # Sorting swaps only the table, pushes the URL and keeps the filters.
    with page.expect_response(lambda r: "sort=gap" in r.url):
        page.click("#kpi-table thead a:has-text('Gap')")
    page.wait_for_url("**sort=gap**")
    assert "period=7" in page.url
    gaps = [
        float(t.replace("\u2212", "-").replace("*", ""))
        for t in page.locator("#kpi-table td.gapcell").all_inner_texts()
    ]
    assert len(gaps) == 4 and gaps == sorted(gaps)
    assert page.evaluate("window.__noReload") == "still here"

    # Back restores the previous filters.
    page.go_back()
    page.wait_for_url(lambda url: "sort=gap" not in url)
    page.go_back()
    page.wait_for_function("!location.search.includes('period=7')")
    page.wait_for_function("document.querySelector('#id_period').value === '30'")
    assert session.errors == []


def test_analysis_draws_every_chart_as_svg(session: Session, artifacts_dir: str) -> None:
    page = session.open("/dashboard/analysis/")
    wait_for_charts(page, CHART_IDS)
    for chart_id in CHART_IDS:
        assert page.locator(f"#{chart_id} svg.main-svg").count() >= 1, chart_id
    page.screenshot(path=os.path.join(artifacts_dir, "analysis-en.png"), full_page=True)

    page.evaluate("window.__noReload = 1")
    hotline = session.page.locator("#id_trend option", has_text="Hotline").get_attribute("value")
    with page.expect_response(lambda r: f"trend={hotline}" in r.url):
        page.select_option("#id_trend", hotline)
    page.wait_for_url(f"**trend={hotline}**")
    page.wait_for_function(
        "document.querySelector('#chart-trend-summary').textContent.startsWith('Hotline')"
    )
    wait_for_charts(page, ["chart-trend"])
    # The other charts were not redrawn from scratch: still there, same page.
    assert page.evaluate("window.__noReload") == 1
    assert page.locator("#chart-gaps svg.main-svg").count() >= 1

    # A filter change swaps every section and keeps the trend selection.
    with page.expect_response(lambda r: "channel=offline" in r.url):
        page.select_option("#id_channel", "offline")
    page.wait_for_url("**channel=offline**")
    assert f"trend={hotline}" in page.url
    wait_for_charts(page, ["chart-gaps", "chart-trend"])
    assert page.evaluate("window.__noReload") == 1
    assert session.errors == []


def test_german_phone_layout(
    browser: Any, live_server: Any, small: Built, artifacts_dir: str
) -> None:
    s = Session(browser, live_server.url, "chromium-manager", "de", width=390, height=844)
    try:
        page = s.open("/dashboard/")
        assert "Was sich verändert hat" in page.content()
        # No horizontal scrolling of the page itself on a phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=os.path.join(artifacts_dir, "dashboard-de-phone.png"), full_page=True)
        page = s.open("/dashboard/analysis/")
        wait_for_charts(page, ["chart-gaps", "chart-lag"])
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=os.path.join(artifacts_dir, "analysis-de-phone.png"), full_page=True)
        assert s.errors == []
    finally:
        s.close()


def chart_json(page: Any, chart_id: str) -> dict[str, Any]:
    text = page.locator(f'script[data-chart="{chart_id}"]').text_content()
    return cast(dict[str, Any], json.loads(text))


def test_demo_client_shows_the_planted_patterns(
    browser: Any, live_server: Any, artifacts_dir: str
) -> None:
    try:
        call_command("seed_demo", days=60, seed=42, verbosity=0)
        call_command("aggregate", verbosity=0)
    except Exception as error:  # the commands belong to other parts of the project
        pytest.skip(f"seed_demo or aggregate is not usable yet: {error}")
    from touchpoints.models import Organisation

    demo = Organisation.objects.get(slug="beispiel")
    f.user(username="demo-manager", orgs=(demo,), password=PASSWORD)
    for language in ("de", "en"):
        s = Session(browser, live_server.url, "demo-manager", language)
        try:
            page = s.open("/dashboard/")
            changed = page.locator(".what-changed").inner_text()
            assert "Lieferung" in changed
            page.screenshot(
                path=os.path.join(artifacts_dir, f"demo-dashboard-{language}.png"), full_page=True
            )
            # The campaign lies 35 days back, and charts cover exactly the filtered period.
            page = s.open("/dashboard/analysis/?period=90")
            wait_for_charts(page, CHART_IDS)
            gaps = page.locator("#chart-gaps-summary").inner_text()
            assert "Hotline" in gaps
            gap_labels = chart_json(page, "chart-gaps")["data"][1]["y"]
            assert gap_labels[-1].startswith("Hotline")  # top of the chart: highest priority
            lag = chart_json(page, "chart-lag")["data"][0]
            best = max(range(len(lag["y"])), key=lambda k: abs(lag["y"][k]))
            assert 6 <= lag["x"][best] <= 8
            assert page.locator("#id_lag_a option:checked").inner_text() == "Social-Media-Kampagne"
            assert page.locator("#id_lag_a_kpi").input_value() == "volume"
            assert page.locator("#id_lag_b option:checked").inner_text() == "Hotline"
            assert page.locator("#id_lag_b_kpi").input_value() == "satisfaction"
            satrec = page.locator("#chart-satrec-summary").inner_text()
            assert "Onlineshop" in satrec
            page.screenshot(
                path=os.path.join(artifacts_dir, f"demo-analysis-{language}.png"), full_page=True
            )
            assert s.errors == []
        finally:
            s.close()
