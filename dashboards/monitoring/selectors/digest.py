"""Reads for the weekly digest: movements, open alerts and due follow-ups per recipient."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings

from dashboards.analytics import nps_kpi
from dashboards.analytics.changes import nps_change, welch_test
from dashboards.analytics.vocabulary import Kpi
from dashboards.monitoring.models import (
    DigestSubscription,
    FollowUp,
)
from dashboards.monitoring.selectors.alerts import (
    OpenAlert,
    dashboard_path,
    kpi_label,
    kpi_value_display,
    open_alerts_for,
)
from dashboards.statistics.selectors.kpis import kpi_rollup
from touchpoints.models import Organisation
from touchpoints.selectors import AnyUser, organisation_list_for_user

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
