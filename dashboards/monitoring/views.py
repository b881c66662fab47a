"""The closed loop in the dashboard: alerts and follow-up queues. Thin views over services.

Every page works without JavaScript (plain GET filters, POST forms, redirect back); with htmx
the forms swap the one card or row they changed.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from cxmonitor.errors import ApplicationError
from cxmonitor.http import HtmxHttpRequest
from dashboards.monitoring.models import Alert, FollowUp
from dashboards.monitoring.selectors.alerts import (
    alert_explanation,
    alert_get_for_user,
    alert_headline,
    alert_list_for_user,
    dashboard_path,
    department_list_for_user,
    kpi_value_display,
)
from dashboards.monitoring.selectors.digest import digest_subscribed
from dashboards.monitoring.selectors.followups import followup_get_for_user, followup_list_for_user
from dashboards.monitoring.services import (
    alert_acknowledge,
    alert_comment_add,
    alert_resolve,
    digest_subscribe,
)
from dashboards.monitoring.services.followups import followup_update
from touchpoints.models import Department, Organisation
from touchpoints.selectors import organisation_list_for_user

ALERT_PAGE_SIZE = 200


@dataclass(frozen=True)
class AlertCard:
    """An alert with its wording, as the alerts page shows it."""

    alert: Alert
    headline: str
    explanation: str
    value: str
    expected: str
    dashboard_url: str
    error: str = ""


def _card(alert: Alert, *, error: str = "") -> AlertCard:
    return AlertCard(
        alert=alert,
        headline=alert_headline(alert),
        explanation=alert_explanation(alert),
        value=kpi_value_display(alert.kpi, alert.value),
        expected=kpi_value_display(alert.kpi, alert.expected),
        dashboard_url=dashboard_path(
            organisation_slug=alert.organisation.slug, touchpoint_key=alert.touchpoint.public_key
        ),
        error=error,
    )


@dataclass(frozen=True)
class Filters:
    organisations: list[Organisation]
    organisation: Organisation | None
    departments: list[Department]
    department: Department | None
    status: str | None


def _filters(request: HttpRequest, *, statuses: list[str]) -> Filters:
    """Organisation, department and status from the query string, limited to what the user sees."""
    organisations = list(organisation_list_for_user(user=_user(request)).order_by("name"))
    slug = request.GET.get("org", "")
    organisation = next((o for o in organisations if o.slug == slug), None)
    scope = [organisation.pk] if organisation else None
    departments = list(department_list_for_user(user=_user(request), organisation_ids=scope))
    raw_department = request.GET.get("department", "")
    department = next((d for d in departments if str(d.pk) == raw_department), None)
    status = request.GET.get("status") or None
    if status not in [*statuses, "all"]:
        status = None
    return Filters(organisations, organisation, departments, department, status)


def _user(request: HttpRequest) -> User:
    """The signed-in user (the views require login)."""
    assert isinstance(request.user, User)
    return request.user


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = fallback
    return redirect(target)


# --- alerts --------------------------------------------------------------------------------


@login_required
@require_safe
def alert_list(request: HtmxHttpRequest) -> HttpResponse:
    """All alerts of the user's organisations: open first; filter by status and department."""
    filters = _filters(request, statuses=list(Alert.Status.values))
    alerts: QuerySet[Alert] = alert_list_for_user(
        user=_user(request),
        organisation_ids=[filters.organisation.pk] if filters.organisation else None,
        status=filters.status,
        department_id=filters.department.pk if filters.department else None,
    )
    context: dict[str, Any] = {
        "filters": filters,
        "statuses": Alert.Status.choices,
        "cards": [_card(alert) for alert in alerts[:ALERT_PAGE_SIZE]],
        "digest_subscribed": digest_subscribed(user=_user(request)),
        "next": request.get_full_path(),
    }
    return render(request, "dashboards/alerts.html", context)


@login_required
@require_POST
def alert_action(request: HtmxHttpRequest, alert_id: int, action: str) -> HttpResponse:
    """Acknowledge, resolve or comment on an alert of one of the user's organisations."""
    alert = alert_get_for_user(user=_user(request), alert_id=alert_id)
    if alert is None or action not in ("acknowledge", "resolve", "comment"):
        raise Http404
    error = ""
    if action == "acknowledge":
        alert_acknowledge(alert=alert, user=_user(request))
    elif action == "resolve":
        alert_resolve(alert=alert, user=_user(request))
    else:
        try:
            alert_comment_add(alert=alert, user=_user(request), text=request.POST.get("text", ""))
        except ApplicationError as failure:
            error = failure.message
    if request.htmx:
        fresh = alert_get_for_user(user=_user(request), alert_id=alert_id)
        assert fresh is not None  # it was visible a moment ago and alerts are not deleted here
        context = {"card": _card(fresh, error=error), "next": request.POST.get("next", "")}
        return render(request, "dashboards/alerts.html#alert-card", context)
    return _back(request, reverse("dashboards:alerts") + f"#alert-{alert_id}")


@login_required
@require_POST
def digest_toggle(request: HttpRequest) -> HttpResponse:
    """Opt in to or out of the weekly digest e-mail."""
    digest_subscribe(user=_user(request), active=request.POST.get("active") == "1")
    return _back(request, reverse("dashboards:alerts"))


# --- follow-ups ----------------------------------------------------------------------------


@login_required
@require_safe
def followup_list(request: HtmxHttpRequest) -> HttpResponse:
    """The follow-up queue of the user's organisations, due first; filter by department."""
    filters = _filters(request, statuses=list(FollowUp.Status.values))
    today = _today(
        filters.organisation or (filters.organisations[0] if filters.organisations else None)
    )
    rows = followup_list_for_user(
        user=_user(request),
        today=today,
        organisation_ids=[filters.organisation.pk] if filters.organisation else None,
        department_id=filters.department.pk if filters.department else None,
        status=filters.status,
    )
    context = {
        "filters": filters,
        "statuses": FollowUp.Status.choices,
        "rows": rows,
        "next": request.get_full_path(),
    }
    return render(request, "dashboards/alerts_followups.html", context)


def _today(organisation: Organisation | None) -> date:
    """Today where the organisation is (due dates are local days)."""
    now = timezone.now()
    return now.astimezone(organisation.tzinfo).date() if organisation else now.date()


@login_required
@require_POST
def followup_change(request: HtmxHttpRequest, followup_id: int) -> HttpResponse:
    """Change a follow-up's status or notes, or take it over."""
    followup = followup_get_for_user(user=_user(request), followup_id=followup_id)
    if followup is None:
        raise Http404
    error = ""
    try:
        followup_update(
            followup=followup,
            user=_user(request),
            status=request.POST.get("status") or None,
            notes=request.POST.get("notes"),
            assign_to_me=request.POST.get("assign") == "me",
        )
    except ApplicationError as failure:
        error = failure.message
    if request.htmx:
        rows = followup_list_for_user(
            user=_user(request),
            today=_today(followup.organisation),
            status="all",
            followup_id=followup_id,
        )
        context = {"row": rows[0], "error": error, "next": request.POST.get("next", "")}
        return render(request, "dashboards/alerts_followups.html#followup-row", context)
    return _back(request, reverse("dashboards:followups") + f"#followup-{followup_id}")
