"""Survey model constraints: one active version, a sane scale, unique submissions and answers."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from surveys.models import Answer, Item, Response, Survey
from tests import factories

pytestmark = pytest.mark.django_db


def test_second_active_survey_is_refused_by_the_database() -> None:
    tp = factories.touchpoint()
    factories.survey(tp=tp, version=1, active=True)

    with pytest.raises(IntegrityError), transaction.atomic():
        factories.survey(tp=tp, version=2, active=True)

    assert Survey.objects.filter(touchpoint=tp, is_active=True).count() == 1


def test_inactive_versions_may_sit_beside_the_active_one() -> None:
    tp = factories.touchpoint()
    factories.survey(tp=tp, version=1, active=False)
    factories.survey(tp=tp, version=2, active=False)
    factories.survey(tp=tp, version=3, active=True)

    assert list(tp.surveys.values_list("version", "is_active")) == [
        (3, True),
        (2, False),
        (1, False),
    ]


def test_second_active_survey_is_a_validation_error_with_its_message() -> None:
    tp = factories.touchpoint()
    factories.survey(tp=tp, version=1, active=True)
    second = Survey(touchpoint=tp, version=2, title_de="B", title_en="B", is_active=True)

    with pytest.raises(ValidationError) as error, translation.override("en"):
        second.full_clean()
    with pytest.raises(ValidationError) as german, translation.override("de"):
        second.full_clean()

    assert error.value.messages == ["This touchpoint already has an active survey."]
    assert german.value.messages == ["Dieser Touchpoint hat bereits eine aktive Befragung."]


def test_version_is_unique_per_touchpoint() -> None:
    tp = factories.touchpoint()
    factories.survey(tp=tp, version=1, active=False)

    with pytest.raises(IntegrityError), transaction.atomic():
        factories.survey(tp=tp, version=1, active=False)


@pytest.mark.parametrize("scale", [(7, 1), (5, 5)])
def test_scale_min_below_max_at_database_level(scale: tuple[int, int]) -> None:
    tp = factories.touchpoint()

    with pytest.raises(IntegrityError), transaction.atomic():
        Survey.objects.create(
            touchpoint=tp, title_de="S", title_en="S", scale_min=scale[0], scale_max=scale[1]
        )


@pytest.mark.parametrize("scale", [(7, 1), (5, 5)])
def test_scale_min_below_max_at_form_level(scale: tuple[int, int]) -> None:
    tp = factories.touchpoint()
    survey = Survey(
        touchpoint=tp, title_de="S", title_en="S", scale_min=scale[0], scale_max=scale[1]
    )

    with pytest.raises(ValidationError) as error:
        survey.full_clean()

    assert "scale_max" in error.value.message_dict


def test_submission_id_is_unique_per_touchpoint_only() -> None:
    srv = factories.survey(tp=factories.touchpoint())
    other = factories.survey(tp=factories.touchpoint())
    first = factories.response(srv=srv, scores={})

    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.create(
            touchpoint=srv.touchpoint,
            survey=srv,
            submitted_at=first.submitted_at,
            channel="page",
            language="de",
            submission_id=first.submission_id,
        )
    # The same id at another touchpoint is another submission.
    Response.objects.create(
        touchpoint=other.touchpoint,
        survey=other,
        submitted_at=first.submitted_at,
        channel="page",
        language="de",
        submission_id=first.submission_id,
    )
    assert Response.objects.filter(submission_id=first.submission_id).count() == 2


def test_one_answer_per_item_and_response() -> None:
    srv = factories.survey(tp=factories.touchpoint(), paired=1, nps=False, comment=False)
    item = srv.items.get()
    response = factories.response(srv=srv, scores={item.pk: (5, 6)})

    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.create(response=response, item=item, expectation=1, satisfaction=1)


def test_item_order_is_unique_per_survey_and_kind_is_checked() -> None:
    srv = factories.survey(tp=factories.touchpoint(), paired=1, nps=False, comment=False)

    with pytest.raises(IntegrityError), transaction.atomic():
        Item.objects.create(survey=srv, kind="nps", label_de="x", label_en="x", order=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Item.objects.create(survey=srv, kind="poll", label_de="x", label_en="x", order=9)


def test_items_used_by_answers_are_protected() -> None:
    from django.db.models import ProtectedError

    srv = factories.survey(tp=factories.touchpoint(), paired=1, nps=False, comment=False)
    item = srv.items.get()
    factories.response(srv=srv, scores={item.pk: (4, 4)})

    with pytest.raises(ProtectedError), transaction.atomic():
        item.delete()
