"""The alerts page: scoped to the user's organisations, acknowledge/comment/resolve with and
without htmx, who and when kept; the open-alerts panel for the dashboard."""

from datetime import date

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation

from dashboards.monitoring.models import Alert, AlertRule, DigestSubscription
from dashboards.monitoring.selectors.alerts import open_alerts_for
from dashboards.monitoring.services import alert_rules_create_defaults
from tests import factories
from touchpoints.models import Organisation

DAY = date(2026, 6, 30)


def make_alert(org: Organisation, *, name: str = "Lieferung", status: str = "open") -> Alert:
    phase = factories.journey(org=org).phases.get(order=1)
    dept = factories.department(org=org, name=f"Logistik {name}", email="l@example.org")
    tp = factories.touchpoint(phase=phase, dept=dept, name=name)
    rule = alert_rules_create_defaults(organisation=org)[0]
    return Alert.objects.create(
        organisation=org,
        touchpoint=tp,
        rule=rule,
        kpi="satisfaction",
        direction="down",
        value=4.1,
        expected=5.5,
        limit=5.2,
        n=120,
        day=DAY,
        breach_start=DAY,
        status=status,
    )


def logged_in(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


@pytest.mark.django_db
def test_the_page_lists_only_the_users_organisations_open_first() -> None:
    org_a, org_b = factories.organisation(name="A GmbH"), factories.organisation(name="B GmbH")
    resolved = make_alert(org_a, name="Rechnung", status="resolved")
    open_a = make_alert(org_a, name="Lieferung")
    foreign = make_alert(org_b, name="Fremd")
    client = logged_in(factories.manager(org_a))

    page = client.get("/dashboard/alerts/").content.decode()
    assert f'id="alert-{open_a.pk}"' in page
    assert f'id="alert-{resolved.pk}"' not in page  # default: open and acknowledged
    assert f'id="alert-{foreign.pk}"' not in page and "Fremd" not in page

    everything = client.get("/dashboard/alerts/?status=all").content.decode()
    assert everything.index(f'id="alert-{open_a.pk}"') < everything.index(
        f'id="alert-{resolved.pk}"'
    )
    assert f'id="alert-{foreign.pk}"' not in everything
    # Filter by department
    dept = open_a.touchpoint.department
    other = client.get(
        f"/dashboard/alerts/?status=all&department={resolved.touchpoint.department_id}"
    )
    assert f'id="alert-{open_a.pk}"' not in other.content.decode()
    assert (
        f'id="alert-{open_a.pk}"'
        in client.get(f"/dashboard/alerts/?department={dept.pk}").content.decode()
    )


@pytest.mark.django_db
def test_login_is_required() -> None:
    response = Client().get("/dashboard/alerts/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Client().get("/dashboard/followups/").status_code == 302


@pytest.mark.django_db
def test_acknowledge_comment_resolve_without_javascript() -> None:
    org = factories.organisation()
    alert = make_alert(org)
    manager = factories.manager(org)
    client = logged_in(manager)
    base = f"/dashboard/alerts/{alert.pk}"

    response = client.post(f"{base}/acknowledge/", {"next": "/dashboard/alerts/?status=all"})
    assert response.status_code == 302 and response["Location"] == "/dashboard/alerts/?status=all"
    alert.refresh_from_db()
    assert alert.status == "acknowledged" and alert.acknowledged_by == manager
    first_ack = alert.acknowledged_at
    assert first_ack is not None

    client.post(f"{base}/comment/", {"text": "Spediteur informiert, Ersatzfahrer ab Montag."})
    assert alert.comments.get().author == manager

    client.post(f"{base}/resolve/", {"next": "https://evil.example/"})
    alert.refresh_from_db()
    assert alert.status == "resolved" and alert.resolved_by == manager
    assert alert.acknowledged_at == first_ack  # the first acknowledgement stays

    # Who and when show on the page
    page = client.get("/dashboard/alerts/?status=resolved").content.decode()
    assert manager.username in page and "Spediteur informiert" in page


@pytest.mark.django_db
def test_htmx_swaps_the_card_and_reports_an_empty_comment() -> None:
    org = factories.organisation()
    alert = make_alert(org)
    client = logged_in(factories.manager(org))
    response = client.post(f"/dashboard/alerts/{alert.pk}/acknowledge/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<article class="card alert-card alert-card--acknowledged"')
    assert "<html" not in html
    with translation.override("en"):
        empty = client.post(
            f"/dashboard/alerts/{alert.pk}/comment/",
            {"text": "   "},
            HTTP_HX_REQUEST="true",
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert empty.status_code == 200 and 'aria-invalid="true"' in empty.content.decode()
    assert alert.comments.count() == 0


@pytest.mark.django_db
def test_a_manager_cannot_see_or_act_on_another_organisations_alert() -> None:
    org_a, org_b = factories.organisation(), factories.organisation()
    alert = make_alert(org_a)
    intruder = logged_in(factories.manager(org_b))
    for action in ("acknowledge", "resolve", "comment"):
        response = intruder.post(f"/dashboard/alerts/{alert.pk}/{action}/", {"text": "x"})
        assert response.status_code == 404
    alert.refresh_from_db()
    assert alert.status == "open" and alert.comments.count() == 0
    assert intruder.post(f"/dashboard/alerts/{alert.pk}/delete/").status_code == 404
    assert intruder.get(f"/dashboard/alerts/{alert.pk}/acknowledge/").status_code == 405
    # A consultant sees every organisation
    consultant = logged_in(factories.consultant())
    assert f'id="alert-{alert.pk}"' in consultant.get("/dashboard/alerts/").content.decode()


@pytest.mark.django_db
def test_open_alerts_panel_for_the_dashboard() -> None:
    org, other = factories.organisation(), factories.organisation()
    shown = make_alert(org, name="Lieferung")
    make_alert(org, name="Rechnung", status="resolved")
    make_alert(other, name="Fremd")
    with translation.override("de"):
        alerts = open_alerts_for(organisation_ids=[org.pk])
        html = render_to_string("dashboards/partials/_alerts_panel.html", {"open_alerts": alerts})
    assert [a.id for a in alerts] == [shown.pk]
    assert alerts[0].headline == "Lieferung: Zufriedenheit gesunken"
    assert alerts[0].dashboard_url == (
        f"/dashboard/?org={org.slug}&touchpoint={shown.touchpoint.public_key}"
    )
    assert "Lieferung: Zufriedenheit gesunken" in html and "Fremd" not in html
    assert open_alerts_for(organisation_ids=[org.pk], touchpoint_ids=[0]) == []
    with translation.override("en"):
        empty = render_to_string("dashboards/partials/_alerts_panel.html", {"open_alerts": []})
    assert "No open alerts." in empty


@pytest.mark.django_db
def test_digest_opt_in_from_the_alerts_page() -> None:
    org = factories.organisation()
    manager = factories.manager(org)
    client = logged_in(manager)
    client.post("/dashboard/digest/", {"active": "1"})
    assert manager.digest_subscription.is_active
    client.post("/dashboard/digest/", {"active": "0"})
    assert not DigestSubscription.objects.get(user=manager).is_active
    assert AlertRule.objects.filter(organisation=org).count() == 0
