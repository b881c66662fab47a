"""Detractor follow-up: consenting customers with a bad experience go to the owning department."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cxmonitor.errors import ApplicationError
from dashboards.monitoring.models import FollowUp
from surveys.models import Item, Response
from surveys.selectors import response_list_consented

NPS_MAX = 6
"""An NPS answer of this or lower (a detractor) asks for a follow-up."""
GAP_MAX = -2
"""A paired answer whose satisfaction falls this far or further below expectation does too."""
DUE_WORKING_DAYS = 2
SCAN_WINDOW = timedelta(days=31)
"""How far back each scan looks: the capture API accepts answers up to 30 days old."""
NOTES_MAX_LENGTH = 4000


def add_working_days(day: date, count: int) -> date:
    """The day `count` working days (Monday to Friday) after `day`."""
    current = day
    while count > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            count -= 1
    return current


@dataclass(frozen=True)
class FollowUpReasons:
    """Why a response needs a follow-up: its NPS answer and its worst gap (None if absent)."""

    nps: int | None
    worst_gap: int | None

    @property
    def needed(self) -> bool:
        return (self.nps is not None and self.nps <= NPS_MAX) or (
            self.worst_gap is not None and self.worst_gap <= GAP_MAX
        )


def followup_reasons(*, response: Response) -> FollowUpReasons:
    """The NPS answer and the worst paired gap of a response (answers prefetched)."""
    nps: int | None = None
    gaps: list[int] = []
    for answer in response.answers.all():
        kind = answer.item.kind
        if kind == Item.Kind.NPS and answer.value is not None:
            nps = answer.value
        elif (
            kind == Item.Kind.PAIRED
            and answer.expectation is not None
            and answer.satisfaction is not None
        ):
            gaps.append(answer.satisfaction - answer.expectation)
    return FollowUpReasons(nps=nps, worst_gap=min(gaps) if gaps else None)


@dataclass(frozen=True)
class ScanResult:
    scanned: int
    created: int


def followups_scan(
    *, submitted_from: datetime | None = None, submitted_to: datetime | None = None
) -> ScanResult:
    """Queue a follow-up for each consenting detractor in the window; idempotent."""
    now = timezone.now()
    candidates = response_list_consented(
        submitted_from=submitted_from or now - SCAN_WINDOW,
        submitted_to=submitted_to or now + timedelta(minutes=1),
    )
    # Responses already queued are left out in the query, so each run reads only new ones.
    responses = list(candidates.exclude(pk__in=FollowUp.objects.values("response_id")))
    new = []
    for response in responses:
        reasons = followup_reasons(response=response)
        if not reasons.needed:
            continue
        touchpoint = response.touchpoint
        organisation = touchpoint.phase.journey.organisation
        # Due two working days after it reaches the queue (today where the organisation is).
        created_local = now.astimezone(organisation.tzinfo).date()
        new.append(
            FollowUp(
                response=response,
                organisation=organisation,
                touchpoint=touchpoint,
                department=touchpoint.department,
                nps=reasons.nps,
                worst_gap=reasons.worst_gap,
                due_date=add_working_days(created_local, DUE_WORKING_DAYS),
            )
        )
    # The one-to-one on response makes a concurrent scan's duplicate a no-op.
    FollowUp.objects.bulk_create(new, ignore_conflicts=True)
    return ScanResult(scanned=len(responses), created=len(new))


@transaction.atomic
def followup_update(
    *,
    followup: FollowUp,
    user: User,
    status: str | None = None,
    notes: str | None = None,
    assign_to_me: bool = False,
) -> FollowUp:
    """Change a follow-up's status, notes or assignee; each status change keeps who and when."""
    followup = FollowUp.objects.select_for_update().get(pk=followup.pk)
    fields: list[str] = []
    if status is not None and status != followup.status:
        if status not in FollowUp.Status.values:
            raise ApplicationError(
                _("Choose a valid status."), fields={"status": [_("Choose a valid status.")]}
            )
        now = timezone.now()
        followup.status = status
        fields.append("status")
        if status == FollowUp.Status.CONTACTED:
            followup.contacted_by, followup.contacted_at = user, now
            fields += ["contacted_by", "contacted_at"]
        elif status == FollowUp.Status.RESOLVED:
            followup.resolved_by, followup.resolved_at = user, now
            fields += ["resolved_by", "resolved_at"]
            if followup.contacted_at is None:
                followup.contacted_by, followup.contacted_at = user, now
                fields += ["contacted_by", "contacted_at"]
        else:  # reopened
            followup.resolved_by, followup.resolved_at = None, None
            fields += ["resolved_by", "resolved_at"]
    if notes is not None and notes.strip() != followup.notes:
        if len(notes) > NOTES_MAX_LENGTH:
            message = _("At most %(count)s characters.") % {"count": NOTES_MAX_LENGTH}
            raise ApplicationError(message, fields={"notes": [message]})
        followup.notes = notes.strip()
        fields.append("notes")
    if assign_to_me and followup.assignee_id != user.pk:
        followup.assignee = user
        fields.append("assignee")
    if fields:
        followup.save(update_fields=fields)
    return followup
