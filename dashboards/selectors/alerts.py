"""Reads for monitoring: alerts and their wording, follow-up queues, the weekly digest."""

from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from dashboards.analytics import nps_kpi
from dashboards.analytics.changes import nps_change, welch_test
from dashboards.models import Alert, AlertComment, Condition, DigestSubscription, FollowUp, Kpi
from dashboards.selectors.kpis import kpi_rollup
from surveys.models import Answer, Item
from touchpoints.models import Department, Organisation
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
    """The KPI's name in the active language."""
    labels = {
        Kpi.SATISFACTION: _("satisfaction"),
        Kpi.GAP: _("gap"),
        Kpi.NPS: _("NPS"),
        Kpi.VOLUME: _("volume"),
        Kpi.TOP2: _("top-two-box satisfaction"),
    }
    return labels.get(Kpi(kpi), kpi) if kpi in Kpi.values else kpi


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
    return settings.SITE_URL + dashboard_path(
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


# --- follow-ups ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUpRow:
    """A follow-up with what the department needs to call the customer back."""

    followup: FollowUp
    contact: str
    comment: str
    overdue: bool


def followup_list_for_user(
    *,
    user: AnyUser,
    today: date,
    organisation_ids: list[int] | None = None,
    department_id: int | None = None,
    status: str | None = None,
    followup_id: int | None = None,
) -> list[FollowUpRow]:
    """Follow-ups the user may see (status None: not yet resolved), due first. Two queries."""
    allowed = organisation_list_for_user(user=user).values("pk")
    followups = FollowUp.objects.filter(organisation_id__in=allowed)
    if followup_id is not None:
        followups = followups.filter(pk=followup_id)
    if organisation_ids is not None:
        followups = followups.filter(organisation_id__in=organisation_ids)
    if status is None:
        followups = followups.exclude(status=FollowUp.Status.RESOLVED)
    elif status != "all":
        followups = followups.filter(status=status)
    if department_id is not None:
        followups = followups.filter(department_id=department_id)
    texts = Answer.objects.filter(item__kind__in=[Item.Kind.CONTACT, Item.Kind.COMMENT]).only(
        "response_id", "text", "item__kind"
    )
    rows = (
        followups.select_related(
            "organisation",
            "touchpoint",
            "department",
            "response",
            "assignee",
            "contacted_by",
            "resolved_by",
        )
        .prefetch_related(
            Prefetch("response__answers", queryset=texts.select_related("item"), to_attr="texts")
        )
        .order_by(
            Case(
                When(status=FollowUp.Status.RESOLVED, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
            "due_date",
            "id",
        )[:500]
    )
    out = []
    for followup in rows:
        answers = getattr(followup.response, "texts", [])
        contact = " ".join(a.text for a in answers if a.item.kind == Item.Kind.CONTACT and a.text)
        comment = " ".join(a.text for a in answers if a.item.kind == Item.Kind.COMMENT and a.text)
        out.append(
            FollowUpRow(
                followup=followup,
                contact=contact,
                comment=comment,
                overdue=followup.status != FollowUp.Status.RESOLVED and followup.due_date < today,
            )
        )
    return out


def followup_get_for_user(*, user: AnyUser, followup_id: int) -> FollowUp | None:
    """One follow-up if the user may see it, else None (the caller answers 404)."""
    allowed = organisation_list_for_user(user=user).values("pk")
    return (
        FollowUp.objects.filter(organisation_id__in=allowed, pk=followup_id)
        .select_related("organisation", "touchpoint", "department", "response")
        .first()
    )


# --- weekly digest -------------------------------------------------------------------------

DIGEST_MOVEMENTS = 5
DIGEST_ALPHA = 0.05


@dataclass(frozen=True)
class Movement:
    """A significant week-over-week change of one touchpoint's KPI."""

    organisation_name: str
    touchpoint_name: str
    dashboard_url: str
    kpi: str
    kpi_label: str
    before: str
    after: str
    diff: float
    diff_display: str
    p_value: float
    direction: str


@dataclass(frozen=True)
class FollowUpDue:
    touchpoint_name: str
    department_name: str
    due_date: date
    status_label: str
    overdue: bool


@dataclass(frozen=True)
class DigestContent:
    """What the weekly digest reports for one user, worded in the active language."""

    week_start: date
    week_end: date
    organisation_names: list[str]
    movements: list[Movement]
    open_alerts: list[OpenAlert]
    followups_due: list[FollowUpDue]
    followups_due_total: int

    @property
    def is_empty(self) -> bool:
        return not (self.movements or self.open_alerts or self.followups_due)


def digest_content_for(*, user: AnyUser, week_end: date) -> DigestContent:
    """The week ending on `week_end` (inclusive) against the week before, for one user."""
    organisations = list(organisation_list_for_user(user=user).order_by("name"))
    week_start = week_end - timedelta(days=6)
    movements: list[Movement] = []
    for organisation in organisations:
        movements.extend(
            _movements(organisation=organisation, week_start=week_start, week_end=week_end)
        )
    # The most certain changes first; among equally certain ones, the largest.
    movements.sort(key=lambda m: (m.p_value, -abs(m.diff)))
    ids = [o.pk for o in organisations]
    due = (
        FollowUp.objects.filter(organisation_id__in=ids, due_date__lte=week_end + timedelta(7))
        .exclude(status=FollowUp.Status.RESOLVED)
        .select_related("touchpoint", "department")
        .order_by("due_date", "id")
    )
    followups = [
        FollowUpDue(
            touchpoint_name=f.touchpoint.name,
            department_name=f.department.name,
            due_date=f.due_date,
            status_label=str(FollowUp.Status(f.status).label),
            overdue=f.due_date <= week_end,
        )
        for f in due[:20]
    ]
    return DigestContent(
        week_start=week_start,
        week_end=week_end,
        organisation_names=[o.name for o in organisations],
        movements=movements[:DIGEST_MOVEMENTS],
        open_alerts=open_alerts_for(organisation_ids=ids, limit=20) if ids else [],
        followups_due=followups,
        followups_due_total=due.count() if ids else 0,
    )


def _movements(*, organisation: Organisation, week_start: date, week_end: date) -> list[Movement]:
    ids = [organisation.pk]
    current = kpi_rollup(organisation_ids=ids, start=week_start, end=week_end)
    previous = {
        tp.touchpoint_id: tp
        for tp in kpi_rollup(
            organisation_ids=ids,
            start=week_start - timedelta(days=7),
            end=week_end - timedelta(days=7),
        )
    }
    out = []
    for tp in current:
        before = previous.get(tp.touchpoint_id)
        if before is None:
            continue
        a, b = before.paired, tp.paired
        satisfaction = welch_test(a.n, a.sum_s, a.sumsq_s, b.n, b.sum_s, b.sumsq_s)
        candidates = [
            (
                Kpi.SATISFACTION,
                satisfaction,
                a.sum_s / a.n if a.n else None,
                b.sum_s / b.n if b.n else None,
            ),
            (
                Kpi.NPS,
                nps_change(before.nps, tp.nps),
                nps_kpi(before.nps).value,
                nps_kpi(tp.nps).value,
            ),
        ]
        for kpi, comparison, value_before, value_after in candidates:
            if comparison.diff is None or not comparison.significant(DIGEST_ALPHA):
                continue
            assert comparison.p_value is not None  # significant() implies a p-value
            sign = "+" if comparison.diff > 0 else ""
            out.append(
                Movement(
                    organisation_name=organisation.name,
                    touchpoint_name=tp.name,
                    dashboard_url=settings.SITE_URL
                    + dashboard_path(
                        organisation_slug=organisation.slug, touchpoint_key=tp.public_key
                    ),
                    kpi=kpi,
                    kpi_label=kpi_label(kpi),
                    before=kpi_value_display(kpi, value_before),
                    after=kpi_value_display(kpi, value_after),
                    diff=comparison.diff,
                    diff_display=sign + kpi_value_display(kpi, comparison.diff),
                    p_value=comparison.p_value,
                    direction="up" if comparison.diff > 0 else "down",
                )
            )
    return out


def digest_recipient_ids(*, week_end: date) -> list[int]:
    """Users with an active digest subscription who have not had this week's digest yet."""
    subscriptions = DigestSubscription.objects.filter(is_active=True, user__is_active=True).exclude(
        last_week_end=week_end
    )
    return list(subscriptions.order_by("user_id").values_list("user_id", flat=True))


def digest_subscribed(*, user: AnyUser) -> bool:
    """Whether the user receives the weekly digest."""
    if not user.is_authenticated:
        return False
    return DigestSubscription.objects.filter(user_id=user.pk, is_active=True).exists()
