"""Who may read which organisation's dashboards: scoping of ?org=, ids and keys, and exports."""

import zoneinfo
from datetime import date

import pytest
from django.test import Client
from django.utils import timezone

from tests import factories as f
from tests.dashboards.pages.pages_data import Built, build

PAGES = ["/dashboard/", "/dashboard/analysis/", "/dashboard/export.csv", "/dashboard/export.xlsx"]


def today() -> date:
    return timezone.now().astimezone(zoneinfo.ZoneInfo("Europe/Berlin")).date()


@pytest.fixture
def two_orgs(db: None) -> tuple[Built, Built]:
    a = build(
        touchpoints=2,
        days=3,
        per_day=2,
        end=today(),
        org_name="Alpha AG",
        names=["Alpha Shop", "Alpha Hotline"],
    )
    b = build(
        touchpoints=2,
        days=3,
        per_day=2,
        end=today(),
        org_name="Beta AG",
        seed=2,
        names=["Beta Shop", "Beta Hotline"],
    )
    return a, b


def login(user: object) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)  # type: ignore[arg-type]
    return client


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_is_sent_to_login(db: None, path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_login_page_answers_in_both_languages(db: None) -> None:
    assert "Anmelden" in Client(HTTP_ACCEPT_LANGUAGE="de").get("/accounts/login/").text
    assert "Log in" in Client(HTTP_ACCEPT_LANGUAGE="en").get("/accounts/login/").text


def test_login_with_password_leads_to_the_dashboard(two_orgs: tuple[Built, Built]) -> None:
    a, _ = two_orgs
    f.user(username="anna", orgs=(a.org,), password="pw-for-tests-1234")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(
        "/accounts/login/", {"username": "anna", "password": "pw-for-tests-1234"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/dashboard/"
    assert "Alpha Shop" in response.text


def test_manager_sees_only_their_organisation(two_orgs: tuple[Built, Built]) -> None:
    a, _b = two_orgs
    client = login(f.manager(a.org))
    page = client.get("/dashboard/").text
    assert "Alpha Shop" in page
    assert "Beta" not in page
    analysis = client.get("/dashboard/analysis/").text
    assert "Alpha Hotline" in analysis
    assert "Beta" not in analysis


@pytest.mark.parametrize("path", PAGES)
def test_foreign_org_slug_is_404(two_orgs: tuple[Built, Built], path: str) -> None:
    a, b = two_orgs
    client = login(f.manager(a.org))
    assert client.get(path, {"org": b.org.slug}).status_code == 404
    assert client.get(path, {"org": "no-such-org"}).status_code == 404
    assert client.get(path, {"org": a.org.slug}).status_code == 200


@pytest.mark.parametrize(
    "param", ["phase", "department", "touchpoint", "lag_a", "lag_b", "trend", "c_tp", "c_phase"]
)
def test_foreign_ids_and_keys_are_404(two_orgs: tuple[Built, Built], param: str) -> None:
    a, b = two_orgs
    foreign = {
        "phase": str(b.phases[0].pk),
        "c_phase": str(b.phases[0].pk),
        "department": str(b.touchpoints[0].department_id),
        "touchpoint": b.touchpoints[0].public_key,
        "lag_a": b.touchpoints[0].public_key,
        "lag_b": b.touchpoints[0].public_key,
        "trend": b.touchpoints[0].public_key,
        "c_tp": b.touchpoints[0].public_key,
    }
    own = {
        "phase": str(a.phases[0].pk),
        "c_phase": str(a.phases[0].pk),
        "department": str(a.touchpoints[0].department_id),
        "touchpoint": a.touchpoints[0].public_key,
        "lag_a": a.touchpoints[0].public_key,
        "lag_b": a.touchpoints[1].public_key,
        "trend": a.touchpoints[0].public_key,
        "c_tp": a.touchpoints[0].public_key,
    }
    client = login(f.manager(a.org))
    paths = ["/dashboard/analysis/"]
    if param in ("phase", "department", "touchpoint"):
        paths += ["/dashboard/", "/dashboard/export.csv", "/dashboard/export.xlsx"]
    for path in paths:
        response = client.get(path, {param: foreign[param]})
        assert response.status_code == 404, path
        assert b"Beta" not in response.content
        assert client.get(path, {param: own[param]}).status_code == 200, path


def test_export_of_foreign_org_leaks_nothing(two_orgs: tuple[Built, Built]) -> None:
    a, b = two_orgs
    client = login(f.manager(a.org))
    own = client.get("/dashboard/export.csv").content.decode("utf-8-sig")
    assert "Alpha Shop" in own and "Beta" not in own
    assert client.get("/dashboard/export.csv", {"org": b.org.slug}).status_code == 404


def test_consultant_switches_organisation(two_orgs: tuple[Built, Built]) -> None:
    _a, b = two_orgs
    client = login(f.consultant())
    first = client.get("/dashboard/").text
    # Default: the first organisation by name; the switch lists both.
    assert "Alpha Shop" in first and "Beta Shop" not in first
    assert 'name="org"' in first and f'value="{b.org.slug}"' in first
    second = client.get("/dashboard/", {"org": b.org.slug}).text
    assert "Beta Shop" in second and "Alpha Shop" not in second
    assert client.get("/dashboard/analysis/", {"org": b.org.slug}).status_code == 200


def test_manager_of_one_org_gets_no_switch(two_orgs: tuple[Built, Built]) -> None:
    a, _ = two_orgs
    page = login(f.manager(a.org)).get("/dashboard/").text
    assert 'id="org-select"' not in page


def test_manager_of_two_orgs_can_switch(two_orgs: tuple[Built, Built]) -> None:
    a, b = two_orgs
    client = login(f.manager(a.org, b.org))
    assert 'id="org-select"' in client.get("/dashboard/").text
    assert "Beta Shop" in client.get("/dashboard/", {"org": b.org.slug}).text


def test_user_without_organisation_gets_a_clear_403(db: None) -> None:
    response = login(f.manager()).get("/dashboard/")
    assert response.status_code == 403
    assert "does not belong to any organisation" in response.text
