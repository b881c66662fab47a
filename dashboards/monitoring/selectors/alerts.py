"""Reads for monitoring: alerts and their wording in the active language."""

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When
from django.utils.formats import date_format, number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from dashboards.analytics import vocabulary
from dashboards.analytics.vocabulary import Kpi
from dashboards.monitoring.models import (
    Alert,
    AlertComment,
    Condition,
)
from touchpoints.models import Department
from touchpoints.selectors import AnyUser, organisation_list_for_user

ACTIVE_STATUSES = (Alert.Status.OPEN, Alert.Status.ACKNOWLEDGED)
_STATUS_ORDER = Case(
    When(status=Alert.Status.OPEN, then=Value(0)),
    When(status=Alert.Status.ACKNOWLEDGED, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


# --- wording (in the active language) ------------------------------------------------------


def kpi_label(kpi: str) -> str:
    """The KPI's name in the active language, as it stands inside a sentence."""
    return vocabulary.kpi_label(kpi, get_language() or settings.LANGUAGE_CODE, in_sentence=True)


def kpi_value_display(kpi: str, value: float | None) -> str:
    """A KPI value formatted for people, with the active locale's decimal separator."""
    if value is None:
        return "–"
    if kpi == Kpi.NPS:
        return number_format(round(value), 0, force_grouping=False)
    if kpi == Kpi.TOP2:
        return f"{number_format(100 * value, 0)} %"
    if kpi == Kpi.VOLUME:
        return number_format(value, 1)
    return number_format(value, 2)


def alert_headline(alert: Alert) -> str:
    """One line: where, which KPI, which way."""
    values = {"touchpoint": alert.touchpoint.name, "kpi": kpi_label(alert.kpi)}
    if alert.direction == Alert.Direction.UP:
        return _("%(touchpoint)s: %(kpi)s rose") % values
    return _("%(touchpoint)s: %(kpi)s dropped") % values


def alert_explanation(alert: Alert) -> str:
    """One or two sentences with the figures behind the alert."""
    rule = alert.rule
    values = {
        "kpi": kpi_label(alert.kpi),
        "value": kpi_value_display(alert.kpi, alert.value),
        "expected": kpi_value_display(alert.kpi, alert.expected),
        "limit": kpi_value_display(alert.kpi, alert.limit),
        "since": date_format(alert.breach_start, "SHORT_DATE_FORMAT"),
        "period": rule.period_days,
        "baseline": rule.baseline_days,
        "n": alert.n,
        "p": _p_display(alert.p_value),
    }
    if rule.condition == Condition.SIGNIFICANT_DROP:
        return (
            _(
                "Over the last %(period)s days the %(kpi)s was %(value)s, against %(expected)s "
                "in the %(baseline)s days before: a statistically significant drop "
                "(p %(p)s, n = %(n)s)."
            )
            % values
        )
    if rule.condition == Condition.THRESHOLD:
        return (
            _(
                "Over the last %(period)s days the %(kpi)s was %(value)s, below the threshold "
                "of %(limit)s (n = %(n)s), since %(since)s."
            )
            % values
        )
    return (
        _(
            "The smoothed daily %(kpi)s is %(value)s, beyond the control limit of %(limit)s "
            "(centre line %(expected)s), since %(since)s."
        )
        % values
    )


def _p_display(p_value: float | None) -> str:
    if p_value is None:
        return "–"
    if p_value < 0.001:
        return "< 0.001"
    return f"= {p_value:.3f}"


def dashboard_path(*, organisation_slug: str, touchpoint_key: str) -> str:
    """The dashboard filtered to one touchpoint (relative)."""
    return "/dashboard/?" + urlencode({"org": organisation_slug, "touchpoint": touchpoint_key})


def dashboard_link(alert: Alert) -> str:
    """Absolute link to the dashboard filtered to the alert's touchpoint, for e-mails."""
    return str(settings.SITE_URL) + dashboard_path(
        organisation_slug=alert.organisation.slug, touchpoint_key=alert.touchpoint.public_key
    )


def alert_page_path(alert: Alert) -> str:
    return (
        "/dashboard/alerts/?" + urlencode({"org": alert.organisation.slug}) + f"#alert-{alert.pk}"
    )


# --- alerts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenAlert:
    """An open or acknowledged alert, worded in the active language, for panels and digests."""

    id: int
    organisation_slug: str
    touchpoint_id: int
    touchpoint_key: str
    touchpoint_name: str
    department_name: str
    kpi: str
    kpi_label: str
    direction: str
    headline: str
    explanation: str
    value_display: str
    expected_display: str
    day: date
    breach_start: date
    status: str
    status_label: str
    url: str
    dashboard_url: str


def _open_alert(alert: Alert) -> OpenAlert:
    return OpenAlert(
        id=alert.pk,
        organisation_slug=alert.organisation.slug,
        touchpoint_id=alert.touchpoint_id,
        touchpoint_key=alert.touchpoint.public_key,
        touchpoint_name=alert.touchpoint.name,
        department_name=alert.touchpoint.department.name,
        kpi=alert.kpi,
        kpi_label=kpi_label(alert.kpi),
        direction=alert.direction,
        headline=alert_headline(alert),
        explanation=alert_explanation(alert),
        value_display=kpi_value_display(alert.kpi, alert.value),
        expected_display=kpi_value_display(alert.kpi, alert.expected),
        day=alert.day,
        breach_start=alert.breach_start,
        status=alert.status,
        status_label=str(Alert.Status(alert.status).label),
        url=alert_page_path(alert),
        dashboard_url=dashboard_path(
            organisation_slug=alert.organisation.slug,
            touchpoint_key=alert.touchpoint.public_key,
        ),
    )


def open_alerts_for(
    *, organisation_ids: list[int], touchpoint_ids: list[int] | None = None, limit: int = 50
) -> list[OpenAlert]:
    """Open and acknowledged alerts of the organisations, open ones first, newest first. One query.

    The caller passes organisation ids it has already scoped to the user.
    """
    alerts = Alert.objects.filter(organisation_id__in=organisation_ids, status__in=ACTIVE_STATUSES)
    if touchpoint_ids is not None:
        alerts = alerts.filter(touchpoint_id__in=touchpoint_ids)
    alerts = alerts.select_related("organisation", "touchpoint__department", "rule").order_by(
        _STATUS_ORDER, "-day", "-id"
    )
    return [_open_alert(alert) for alert in alerts[:limit]]


def alert_list_for_user(
    *,
    user: AnyUser,
    organisation_ids: list[int] | None = None,
    status: str | None = None,
    department_id: int | None = None,
) -> QuerySet[Alert]:
    """Alerts the user may see; status None: open and acknowledged. Open first, newest first."""
    allowed = organisation_list_for_user(user=user).values("pk")
    alerts = Alert.objects.filter(organisation_id__in=allowed)
    if organisation_ids is not None:
        alerts = alerts.filter(organisation_id__in=organisation_ids)
    if status is None:
        alerts = alerts.filter(status__in=ACTIVE_STATUSES)
    elif status != "all":
        alerts = alerts.filter(status=status)
    if department_id is not None:
        alerts = alerts.filter(touchpoint__department_id=department_id)
    return (
        alerts.select_related(
            "organisation",
            "touchpoint__department",
            "rule",
            "acknowledged_by",
            "resolved_by",
        )
        .prefetch_related(
            Prefetch("comments", queryset=AlertComment.objects.select_related("author"))
        )
        .order_by(_STATUS_ORDER, "-day", "-id")
    )


def alert_get_for_user(*, user: AnyUser, alert_id: int) -> Alert | None:
    """One alert if the user may see it, else None (the caller answers 404)."""
    return alert_list_for_user(user=user, status="all").filter(pk=alert_id).first()


def department_list_for_user(
    *, user: AnyUser, organisation_ids: list[int] | None = None
) -> QuerySet[Department]:
    """Departments of the organisations the user may see, for filters."""
    allowed = organisation_list_for_user(user=user)
    if organisation_ids is not None:
        allowed = allowed.filter(pk__in=organisation_ids)
    return (
        Department.objects.filter(organisation__in=allowed)
        .select_related("organisation")
        .order_by("organisation__name", "name")
    )
