"""Typed factories for test data. Each returns saved objects with sensible defaults."""

import itertools
from datetime import datetime

from django.contrib.auth.models import Group, User
from django.utils import timezone

from surveys.models import Answer, Item, Response, Survey
from touchpoints.models import (
    CONSULTANTS_GROUP,
    MANAGERS_GROUP,
    Department,
    Journey,
    Membership,
    Organisation,
    Phase,
    Touchpoint,
)
from touchpoints.services import journey_create, roles_sync

_seq = itertools.count(1)


def organisation(*, name: str | None = None, time_zone: str = "Europe/Berlin") -> Organisation:
    n = next(_seq)
    return Organisation.objects.create(
        name=name or f"Org {n}", slug=f"org-{n}", time_zone=time_zone
    )


def department(*, org: Organisation, name: str | None = None, email: str = "") -> Department:
    return Department.objects.create(
        organisation=org, name=name or f"Dept {next(_seq)}", notification_email=email
    )


def journey(*, org: Organisation) -> Journey:
    return journey_create(organisation=org, name=f"Journey {next(_seq)}")


def touchpoint(
    *,
    org: Organisation | None = None,
    phase: Phase | None = None,
    dept: Department | None = None,
    name: str | None = None,
    channel: str = "online",
    origins: str = "",
    active: bool = True,
) -> Touchpoint:
    if phase is None:
        org = org or organisation()
        phase = journey(org=org).phases.get(order=1)
    org = phase.journey.organisation
    dept = dept or department(org=org)
    return Touchpoint.objects.create(
        phase=phase,
        department=dept,
        name=name or f"Touchpoint {next(_seq)}",
        channel=channel,
        allowed_origins=origins,
        is_active=active,
    )


def survey(
    *,
    tp: Touchpoint,
    paired: int = 2,
    nps: bool = True,
    comment: bool = True,
    version: int = 1,
    active: bool = True,
    scale: tuple[int, int] = (1, 7),
) -> Survey:
    s = Survey.objects.create(
        touchpoint=tp,
        version=version,
        title_de=f"Umfrage {tp.name}",
        title_en=f"Survey {tp.name}",
        scale_min=scale[0],
        scale_max=scale[1],
        is_active=active,
    )
    order = itertools.count(1)
    for i in range(paired):
        Item.objects.create(
            survey=s,
            kind=Item.Kind.PAIRED,
            label_de=f"Merkmal {i + 1}",
            label_en=f"Attribute {i + 1}",
            order=next(order),
            required=True,
        )
    if nps:
        Item.objects.create(
            survey=s,
            kind=Item.Kind.NPS,
            label_de="Empfehlung",
            label_en="Recommendation",
            order=next(order),
            required=True,
        )
    if comment:
        Item.objects.create(
            survey=s,
            kind=Item.Kind.COMMENT,
            label_de="Kommentar",
            label_en="Comment",
            order=next(order),
        )
    return s


def response(
    *,
    srv: Survey,
    scores: dict[int, tuple[int, int] | int | str],
    submitted_at: datetime | None = None,
    customer_key: str | None = None,
    channel: str = "page",
    language: str = "de",
) -> Response:
    """A response written directly (no capture service); scores map item id to its answer."""
    r = Response.objects.create(
        touchpoint=srv.touchpoint,
        survey=srv,
        submitted_at=submitted_at or timezone.now(),
        channel=channel,
        language=language,
        customer_key=customer_key,
        submission_id=f"sub-{next(_seq)}",
    )
    answers = []
    for item_id, score in scores.items():
        if isinstance(score, tuple):
            answers.append(
                Answer(response=r, item_id=item_id, expectation=score[0], satisfaction=score[1])
            )
        elif isinstance(score, int):
            answers.append(Answer(response=r, item_id=item_id, value=score))
        else:
            answers.append(Answer(response=r, item_id=item_id, text=score))
    Answer.objects.bulk_create(answers)
    return r


def user(
    *,
    role: str | None = None,
    orgs: tuple[Organisation, ...] = (),
    username: str | None = None,
    password: str = "pw-for-tests-1234",
) -> User:
    roles_sync()
    u = User.objects.create_user(
        username=username or f"user{next(_seq)}",
        password=password,
        is_staff=role == CONSULTANTS_GROUP,
    )
    if role:
        u.groups.add(Group.objects.get(name=role))
    for org in orgs:
        Membership.objects.create(user=u, organisation=org)
    return u


def consultant() -> User:
    return user(role=CONSULTANTS_GROUP)


def manager(*orgs: Organisation) -> User:
    return user(role=MANAGERS_GROUP, orgs=orgs)
