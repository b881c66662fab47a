"""Admin for alert rules, webhooks, alerts and follow-ups.

A new organisation gets the default rules when it is first evaluated.
"""

from datetime import date

import pytest
from django.test import Client

from dashboards.monitoring.models import Alert, AlertDelivery, AlertRule, WebhookEndpoint
from dashboards.monitoring.services import (
    DEFAULT_RULES,
    alert_rules_create_defaults,
    alerts_evaluate,
)
from tests import factories
from touchpoints.models import Organisation


def consultant_client() -> Client:
    client = Client()
    client.force_login(factories.consultant())
    return client


@pytest.mark.django_db
def test_admin_pages_answer_for_a_consultant() -> None:
    org = factories.organisation()
    tp = factories.touchpoint(org=org)
    rule = alert_rules_create_defaults(organisation=org)[0]
    hook = WebhookEndpoint.objects.create(organisation=org, name="CRM", url="https://crm.example/")
    alert = Alert.objects.create(
        organisation=org,
        touchpoint=tp,
        rule=rule,
        kpi="satisfaction",
        direction="down",
        value=4.0,
        day=date(2026, 6, 30),
        breach_start=date(2026, 6, 29),
    )
    AlertDelivery.objects.create(alert=alert, channel="webhook", status="failed", error="HTTP 500")
    client = consultant_client()
    for url in (
        "/admin/dashboards/alertrule/",
        f"/admin/dashboards/alertrule/{rule.pk}/change/",
        "/admin/dashboards/alertrule/add/",
        "/admin/dashboards/webhookendpoint/",
        f"/admin/dashboards/webhookendpoint/{hook.pk}/change/",
        "/admin/dashboards/alert/",
        f"/admin/dashboards/alert/{alert.pk}/change/",
        "/admin/dashboards/followup/",
        "/admin/dashboards/digestsubscription/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    assert "HTTP 500" in client.get(f"/admin/dashboards/alert/{alert.pk}/change/").content.decode()


@pytest.mark.django_db
def test_rule_validation_in_admin() -> None:
    org, other = factories.organisation(), factories.organisation()
    foreign_tp = factories.touchpoint(org=other)
    client = consultant_client()
    response = client.post(
        "/admin/dashboards/alertrule/add/",
        {
            "organisation": org.pk,
            "name": "Schwelle ohne Wert",
            "is_active": "on",
            "touchpoint": foreign_tp.pk,
            "kpi": "satisfaction",
            "condition": "threshold",
            "alpha": "0.01",
            "min_change": "0",
            "width": "3",
            "period_days": "7",
            "baseline_days": "28",
            "min_n": "30",
            "cooldown_days": "7",
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "threshold" in errors and "touchpoint" in errors
    assert not AlertRule.objects.filter(name="Schwelle ohne Wert").exists()


@pytest.mark.django_db
def test_an_organisation_added_in_admin_gets_the_default_rules_at_its_first_evaluation() -> None:
    client = consultant_client()
    data = {
        "name": "Neukunde AG",
        "slug": "neukunde",
        "time_zone": "Europe/Berlin",
        "default_language": "de",
        "country": "DE",
    }
    for prefix in ("departments", "memberships"):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    response = client.post("/admin/touchpoints/organisation/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    org = Organisation.objects.get(slug="neukunde")
    alerts_evaluate(organisation_ids=[org.pk])
    rules = AlertRule.objects.filter(organisation=org)
    assert rules.count() == len(DEFAULT_RULES)
    # Changing the organisation and evaluating again adds nothing
    client.post(f"/admin/touchpoints/organisation/{org.pk}/change/", {**data, "name": "Neu AG"})
    alerts_evaluate(organisation_ids=[org.pk])
    assert AlertRule.objects.filter(organisation=org).count() == len(DEFAULT_RULES)


@pytest.mark.django_db
def test_a_manager_cannot_configure_rules() -> None:
    org = factories.organisation()
    client = Client()
    client.force_login(factories.manager(org))
    response = client.get("/admin/dashboards/alertrule/")
    assert response.status_code == 302
