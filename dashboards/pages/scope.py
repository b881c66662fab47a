"""Which organisation a request reads, and the choices its filters may offer.

Every organisation, phase, department and touchpoint a page can name comes from here, and here
only from `organisation_list_for_user`: an id or key that is not in the scope is not the user's.
"""

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from touchpoints.models import Organisation, Touchpoint
from touchpoints.selectors import AnyUser, organisation_list_for_user


@dataclass(frozen=True)
class PhaseOption:
    id: int
    order: int
    name_de: str
    name_en: str

    def name_in(self, language: str) -> str:
        return self.name_de if language == "de" else self.name_en


@dataclass(frozen=True)
class DepartmentOption:
    id: int
    name: str


@dataclass(frozen=True)
class TouchpointOption:
    id: int
    public_key: str
    name: str
    phase_id: int
    department_id: int
    channel: str


@dataclass(frozen=True)
class OrgScope:
    """The organisation being read, the ones the user may switch to, and its filter choices."""

    organisation: Organisation
    organisations: list[Organisation]
    phases: list[PhaseOption]
    departments: list[DepartmentOption]
    touchpoints: list[TouchpointOption]
    today: date

    @property
    def touchpoint_by_key(self) -> dict[str, TouchpointOption]:
        return {t.public_key: t for t in self.touchpoints}


@dataclass(frozen=True)
class OrgChoice:
    """The organisation a request asked for (None: not one of the user's) and all of theirs."""

    organisation: Organisation | None
    organisations: list[Organisation]


def organisation_choose(*, user: AnyUser, slug: str | None) -> OrgChoice:
    """The user's organisation named by slug, or their first one when no slug is given."""
    organisations = list(organisation_list_for_user(user=user).order_by("name", "pk"))
    if slug:
        chosen = next((o for o in organisations if o.slug == slug), None)
    else:
        chosen = organisations[0] if organisations else None
    return OrgChoice(organisation=chosen, organisations=organisations)


def organisation_scope(*, choice: OrgChoice) -> OrgScope:
    """Phases, departments and active touchpoints of the chosen organisation. One query."""
    organisation = choice.organisation
    assert organisation is not None
    touchpoints = list(
        Touchpoint.objects.filter(phase__journey__organisation=organisation, is_active=True)
        .select_related("phase", "department")
        .order_by("phase__journey_id", "phase__order", "name")
    )
    phases: dict[int, PhaseOption] = {}
    departments: dict[int, DepartmentOption] = {}
    for tp in touchpoints:
        phases.setdefault(
            tp.phase_id,
            PhaseOption(tp.phase_id, tp.phase.order, tp.phase.name_de, tp.phase.name_en),
        )
        departments.setdefault(
            tp.department_id, DepartmentOption(tp.department_id, tp.department.name)
        )
    return OrgScope(
        organisation=organisation,
        organisations=choice.organisations,
        phases=list(phases.values()),
        departments=sorted(departments.values(), key=lambda d: d.name.lower()),
        touchpoints=[
            TouchpointOption(
                id=tp.pk,
                public_key=tp.public_key,
                name=tp.name,
                phase_id=tp.phase_id,
                department_id=tp.department_id,
                channel=tp.channel,
            )
            for tp in touchpoints
        ],
        today=timezone.now().astimezone(organisation.tzinfo).date(),
    )
