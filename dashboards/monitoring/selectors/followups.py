"""Reads for the follow-up queue: detractors who asked to be contacted."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Case, IntegerField, Prefetch, Value, When

from dashboards.monitoring.models import (
    FollowUp,
)
from surveys.models import Answer, Item
from touchpoints.selectors import AnyUser, organisation_list_for_user


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
