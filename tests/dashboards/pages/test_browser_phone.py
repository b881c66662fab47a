"""Every page at 390 px in Chromium: nothing scrolls sideways, charts keep their labels readable,
the KPI table shows its numbers without a swipe, and Plotly's tool bar covers nothing."""

import os
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from dashboards.models import Alert, FollowUp
from dashboards.monitoring.services import alert_rules_create_defaults
from dashboards.statistics.services.importance import importance_refresh
from surveys.models import Item, Response
from tests import factories as f
from tests.dashboards.pages.pages_data import Built, build
from tests.dashboards.pages.test_browser_dashboards import PASSWORD, Session, today, wait_for_charts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = 390
NAMES = ["Onlineshop", "Hotline", "Lieferung", "Social-Media-Kampagne", "Produkt im Einsatz"]


@pytest.fixture
def built(transactional_db: None) -> Built:
    built = build(touchpoints=5, days=40, per_day=8, end=today() - timedelta(days=1), names=NAMES)
    importance_refresh(organisation_id=built.org.pk, end=built.end, days=90)
    f.user(username="phone-manager", orgs=(built.org,), password=PASSWORD)
    rule = alert_rules_create_defaults(organisation=built.org)[0]
    hotline = built.tp("Hotline")
    Alert.objects.create(
        organisation=built.org,
        touchpoint=hotline,
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
    response = Response.objects.filter(touchpoint=hotline).first()
    assert response is not None
    contact = Item.objects.create(
        survey=response.survey, kind=Item.Kind.CONTACT, label_de="Kontakt", label_en="Contact"
    )
    response.answers.create(
        item=contact, text="eine.sehr.lange.adresse.ohne.umbruch@beispiel.example"
    )
    Response.objects.filter(pk=response.pk).update(contact_consent=True)
    FollowUp.objects.create(
        response=response,
        organisation=built.org,
        touchpoint=hotline,
        department=hotline.department,
        nps=2,
        worst_gap=-3,
        due_date=built.end,
    )
    return built


@pytest.fixture
def phone(browser: Any, live_server: Any, built: Built) -> Iterator[Session]:
    s = Session(browser, live_server.url, "phone-manager", "de", width=PHONE, height=844)
    yield s
    s.close()


def _no_sideways_scroll(page: Any, path: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE, f"{path} is {width} px wide"


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/dashboard/",
        "/dashboard/?period=yesterday",
        "/dashboard/analysis/",
        "/dashboard/alerts/",
        "/dashboard/followups/",
        "/api/docs/",
    ],
)
def test_no_page_scrolls_sideways_on_a_phone(phone: Session, path: str) -> None:
    page = phone.open(path)
    if path.startswith("/dashboard/analysis/"):
        wait_for_charts(page, ["chart-gaps", "chart-ipa", "chart-lag"])
    _no_sideways_scroll(page, path)
    assert phone.errors == []


def test_public_pages_fit_a_phone(browser: Any, live_server: Any, built: Built) -> None:
    context = browser.new_context(viewport={"width": PHONE, "height": 844})
    page = context.new_page()
    try:
        for path in ("/accounts/login/", f"/s/{built.tp('Hotline').public_key}/", "/s/nope/"):
            page.goto(live_server.url + path)
            _no_sideways_scroll(page, path)
    finally:
        context.close()


def test_kpi_table_shows_numbers_without_a_swipe(phone: Session) -> None:
    page = phone.open("/dashboard/")
    # every row's touchpoint and satisfaction are inside the screen
    for row in page.locator("#kpi-table tbody tr").all():
        for cell in (row.locator("th"), row.locator("td.num").nth(2)):
            box = cell.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE


def test_chart_labels_are_whole_and_the_tool_bar_is_hidden(
    phone: Session, artifacts_dir: str
) -> None:
    page = phone.open("/dashboard/analysis/")
    wait_for_charts(page, ["chart-gaps", "chart-ipa", "chart-satrec", "chart-segments"])
    page.screenshot(path=os.path.join(artifacts_dir, "analysis-phone-390.png"), full_page=True)
    assert page.locator(".modebar").count() == 0
    labels = page.locator(
        "#chart-ipa text, #chart-gaps .ytick text, #chart-satrec text, #chart-heatmap .ytick text"
    ).evaluate_all("nodes => nodes.map(n => n.textContent)")
    assert "Onlineshop" in " ".join(labels)
    assert not any(
        label.startswith("Onlinesho") and not label.startswith("Onlineshop") for label in labels
    ), labels
    # no two text labels of the importance-performance matrix overlap
    boxes = page.locator("#chart-ipa .textpoint text").evaluate_all(
        "nodes => nodes.map(n => { const r = n.getBoundingClientRect();"
        " return [r.left, r.top, r.right, r.bottom]; })"
    )
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            overlap = (
                min(a[2], b[2]) - max(a[0], b[0]) > 1 and min(a[3], b[3]) - max(a[1], b[1]) > 1
            )
            assert not overlap, (a, b)


def test_german_charts_speak_german(phone: Session) -> None:
    page = phone.open("/dashboard/analysis/")
    wait_for_charts(page, ["chart-trend", "chart-segments"])
    # Plotly's German locale, served by us: German month names on the date axis
    assert page.evaluate("document.getElementById('chart-trend')._context.locale") == "de"
    ticks = page.locator("#chart-trend .xtick text").evaluate_all(
        "nodes => nodes.map(n => n.textContent)"
    )
    months = {word for tick in ticks for word in tick.replace(",", " ").split() if word.isalpha()}
    assert months and months <= {
        "Sep",
        "Okt",
        "Nov",
        "Dez",
        "Jan",
        "Feb",
        "Mär",
        "Apr",
        "Mai",
        "Jun",
        "Jul",
        "Aug",
        "2026",
        "2027",
    }, months
    # segment labels are words in German, not the stored codes
    labels = page.locator("#chart-segments .ytick text").evaluate_all(
        "nodes => nodes.map(n => n.textContent)"
    )
    assert "Kanal: QR-Code" in labels and not any(
        label.endswith((": qr", ": page")) for label in labels
    )
