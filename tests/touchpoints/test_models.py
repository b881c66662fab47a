"""Journey model: constraints, validation of touchpoint configuration, default phases."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tests import factories
from touchpoints.models import Journey, Phase, Touchpoint
from touchpoints.services import DEFAULT_PHASES, journey_create, phases_create_defaults
from touchpoints.validators import is_origin, validate_origins

pytestmark = pytest.mark.django_db


def test_new_journey_gets_the_five_default_phases_in_order() -> None:
    org = factories.organisation()

    journey = journey_create(organisation=org, name="Customer Journey")

    phases = list(journey.phases.order_by("order").values_list("order", "name_de", "name_en"))
    assert phases == [
        (1, "Aufmerksamkeit", "Awareness"),
        (2, "Abwägung", "Consideration"),
        (3, "Kauf", "Purchase"),
        (4, "Bindung", "Retention"),
        (5, "Empfehlung", "Advocacy"),
    ]


def test_phase_defaults_leave_a_journey_with_phases_alone() -> None:
    org = factories.organisation()
    journey = Journey.objects.create(organisation=org, name="Own phases")
    Phase.objects.create(journey=journey, order=1, name_de="Suche", name_en="Search")

    phases = phases_create_defaults(journey=journey)

    assert [p.name_en for p in phases] == ["Search"]
    assert journey.phases.count() == 1


def test_phase_defaults_are_created_once() -> None:
    org = factories.organisation()
    journey = Journey.objects.create(organisation=org, name="Twice")

    phases_create_defaults(journey=journey)
    phases_create_defaults(journey=journey)

    assert journey.phases.count() == len(DEFAULT_PHASES)


def test_phase_order_is_unique_per_journey() -> None:
    org = factories.organisation()
    journey = journey_create(organisation=org, name="J")
    other = journey_create(organisation=org, name="K")

    with pytest.raises(IntegrityError), transaction.atomic():
        Phase.objects.create(journey=journey, order=1, name_de="Doppelt", name_en="Twice")
    # The same order in another journey is fine.
    Phase.objects.create(journey=other, order=6, name_de="Extra", name_en="Extra")
    assert other.phases.filter(order=6).count() == 1


def test_phase_order_duplicate_is_a_validation_error() -> None:
    journey = factories.journey(org=factories.organisation())
    phase = Phase(journey=journey, order=2, name_de="Doppelt", name_en="Twice")

    with pytest.raises(ValidationError) as error:
        phase.full_clean()

    assert "__all__" in error.value.message_dict


def test_public_key_is_random_url_safe_and_not_the_pk() -> None:
    first = factories.touchpoint()
    second = factories.touchpoint()

    assert first.public_key != second.public_key
    assert len(first.public_key) >= 16
    assert first.public_key != str(first.pk)
    assert all(c.isalnum() or c in "-_" for c in first.public_key)


@pytest.mark.parametrize(
    "value",
    ["https://www.example.com", "http://localhost:8000", "https://shop.example.de:8443"],
)
def test_origins_accepted(value: str) -> None:
    assert is_origin(value)
    validate_origins(f"{value}\n\n  {value}  \n")


@pytest.mark.parametrize(
    "value",
    [
        "www.example.com",
        "https://www.example.com/",
        "https://www.example.com/shop",
        "ftp://example.com",
        "https://user@example.com",
        "https://example.com?x=1",
        "https://example.com:99999",
        "*",
    ],
)
def test_origins_refused(value: str) -> None:
    assert not is_origin(value)
    with pytest.raises(ValidationError) as error:
        validate_origins(f"https://ok.example\n{value}")
    assert error.value.code == "invalid_origin"


def test_touchpoint_with_a_bad_origin_does_not_validate() -> None:
    tp = factories.touchpoint(origins="https://ok.example")
    tp.allowed_origins = "https://ok.example\nhttps://ok.example/path"

    with pytest.raises(ValidationError) as error:
        tp.full_clean()

    assert "https://ok.example/path" in str(error.value)


def test_touchpoint_department_must_belong_to_the_phase_organisation() -> None:
    tp = factories.touchpoint()
    foreign = factories.department(org=factories.organisation(), name="Fremd")
    tp.department = foreign

    with pytest.raises(ValidationError) as error:
        tp.full_clean()

    assert "department" in error.value.message_dict


def test_touchpoint_channel_is_checked_by_the_database() -> None:
    tp = factories.touchpoint()

    with pytest.raises(IntegrityError), transaction.atomic():
        Touchpoint.objects.filter(pk=tp.pk).update(channel="radio")
