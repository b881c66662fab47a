"""Survey and response admin: pages, configuration errors as form errors, read-only responses."""

from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from surveys.models import Item, Response, Survey
from tests import factories

pytestmark = pytest.mark.django_db

EN = {"Accept-Language": "en"}


def _management(prefix: str, total: int = 0, initial: int = 0) -> dict[str, Any]:
    return {
        f"{prefix}-TOTAL_FORMS": total,
        f"{prefix}-INITIAL_FORMS": initial,
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
    }


def _survey_form(survey: Survey, **changes: Any) -> dict[str, Any]:
    """The change form as the browser posts it, items included unchanged."""
    items = list(survey.items.order_by("order"))
    data: dict[str, Any] = {
        "touchpoint": survey.touchpoint_id,
        "version": survey.version,
        "is_active": "on" if survey.is_active else "",
        "title_de": survey.title_de,
        "title_en": survey.title_en,
        "intro_de": survey.intro_de,
        "intro_en": survey.intro_en,
        "scale_min": survey.scale_min,
        "scale_max": survey.scale_max,
        **_management("items", total=len(items), initial=len(items)),
    }
    for i, item in enumerate(items):
        data.update(
            {
                f"items-{i}-id": item.pk,
                f"items-{i}-survey": survey.pk,
                f"items-{i}-order": item.order,
                f"items-{i}-kind": item.kind,
                f"items-{i}-label_de": item.label_de,
                f"items-{i}-label_en": item.label_en,
                f"items-{i}-required": "on" if item.required else "",
            }
        )
    data.update(changes)
    return data


@pytest.fixture
def consultant_client(client: Client) -> Client:
    client.force_login(factories.consultant())
    return client


@pytest.fixture
def survey() -> Survey:
    return factories.survey(tp=factories.touchpoint(name="Hotline"), paired=2)


@pytest.fixture
def answered(survey: Survey) -> Response:
    paired = list(survey.items.filter(kind="paired"))
    nps = survey.items.get(kind="nps")
    comment = survey.items.get(kind="comment")
    return factories.response(
        srv=survey,
        scores={paired[0].pk: (6, 3), paired[1].pk: (5, 5), nps.pk: 4, comment.pk: "Zu lange"},
        submitted_at=datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
        customer_key="k" * 64,
    )


def test_consultant_sees_survey_pages(consultant_client: Client, survey: Survey) -> None:
    pages = [
        reverse("admin:surveys_survey_changelist"),
        reverse("admin:surveys_survey_add"),
        reverse("admin:surveys_survey_change", args=[survey.pk]),
    ]

    for url in pages:
        assert consultant_client.get(url).status_code == 200, url


def test_consultant_sees_response_pages_read_only(
    consultant_client: Client, answered: Response
) -> None:
    change = reverse("admin:surveys_response_change", args=[answered.pk])

    assert consultant_client.get(reverse("admin:surveys_response_changelist")).status_code == 200
    page = consultant_client.get(change, headers=EN)

    assert page.status_code == 200
    html = page.content.decode()
    assert "Zu lange" in html
    assert 'name="_save"' not in html  # view only
    assert consultant_client.get(reverse("admin:surveys_response_add")).status_code == 403
    assert consultant_client.post(change, {"channel": "api"}).status_code == 403
    delete = reverse("admin:surveys_response_delete", args=[answered.pk])
    assert consultant_client.post(delete, {"post": "yes"}).status_code == 403
    answered.refresh_from_db()
    assert answered.channel == "page"


def test_superuser_may_erase_a_response(client: Client, answered: Response) -> None:
    client.force_login(User.objects.create_superuser("root", password="pw-for-tests-1234"))
    delete = reverse("admin:surveys_response_delete", args=[answered.pk])

    response = client.post(delete, {"post": "yes"})

    assert response.status_code == 302
    assert not Response.objects.filter(pk=answered.pk).exists()


def test_response_changelist_filters_and_has_no_n_plus_one(
    consultant_client: Client, survey: Survey
) -> None:
    other = factories.survey(tp=factories.touchpoint(name="Filiale"))
    url = reverse("admin:surveys_response_changelist")
    factories.response(srv=survey, scores={})
    with CaptureQueriesContext(connection) as few:
        consultant_client.get(url)
    for _ in range(5):
        factories.response(srv=survey, scores={}, channel="qr", language="en")
        factories.response(srv=other, scores={})
    with CaptureQueriesContext(connection) as many:
        everything = consultant_client.get(url)
    org = survey.touchpoint.phase.journey.organisation

    filtered = consultant_client.get(
        url,
        {
            "touchpoint__phase__journey__organisation__id__exact": str(org.pk),
            "channel__exact": "qr",
            "language__exact": "en",
        },
    )
    by_touchpoint = consultant_client.get(url, {"touchpoint__id__exact": other.touchpoint_id})

    assert len(everything.context["cl"].result_list) == 11
    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(filtered.context["cl"].result_list) == 5
    assert len(by_touchpoint.context["cl"].result_list) == 5


def test_response_changelist_date_hierarchy(consultant_client: Client, answered: Response) -> None:
    url = reverse("admin:surveys_response_changelist")

    march = consultant_client.get(url, {"submitted_at__year": 2026, "submitted_at__month": 3})
    april = consultant_client.get(url, {"submitted_at__year": 2026, "submitted_at__month": 4})

    assert [r.pk for r in march.context["cl"].result_list] == [answered.pk]
    assert list(april.context["cl"].result_list) == []


def test_survey_changelist_has_no_n_plus_one(consultant_client: Client, survey: Survey) -> None:
    url = reverse("admin:surveys_survey_changelist")
    with CaptureQueriesContext(connection) as few:
        consultant_client.get(url)
    for _ in range(4):
        factories.survey(tp=factories.touchpoint())
    with CaptureQueriesContext(connection) as many:
        response = consultant_client.get(url)

    assert len(response.context["cl"].result_list) == 5
    assert len(many.captured_queries) == len(few.captured_queries)


def test_survey_changelist_filtered_by_touchpoint(
    consultant_client: Client, survey: Survey
) -> None:
    factories.survey(tp=factories.touchpoint())
    url = reverse("admin:surveys_survey_changelist")

    response = consultant_client.get(url, {"touchpoint__id__exact": survey.touchpoint_id})

    assert [s.pk for s in response.context["cl"].result_list] == [survey.pk]


def test_add_page_for_a_touchpoint_proposes_the_next_version(
    consultant_client: Client, survey: Survey
) -> None:
    url = reverse("admin:surveys_survey_add")

    response = consultant_client.get(url, {"touchpoint": survey.touchpoint_id})

    form = response.context["adminform"].form
    assert form.initial["version"] == 2
    assert str(form.initial["touchpoint"]) == str(survey.touchpoint_id)


def test_second_active_survey_is_a_form_error_not_a_500(
    consultant_client: Client, survey: Survey
) -> None:
    data = {
        "touchpoint": survey.touchpoint_id,
        "version": 2,
        "is_active": "on",
        "title_de": "Neu",
        "title_en": "New",
        "scale_min": 1,
        "scale_max": 7,
        **_management("items"),
    }

    response = consultant_client.post(reverse("admin:surveys_survey_add"), data, headers=EN)

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.non_field_errors() == ["This touchpoint already has an active survey."]
    assert Survey.objects.filter(touchpoint=survey.touchpoint).count() == 1


def test_bad_scale_is_a_form_error(consultant_client: Client, survey: Survey) -> None:
    url = reverse("admin:surveys_survey_change", args=[survey.pk])

    response = consultant_client.post(url, _survey_form(survey, scale_min=7, scale_max=3))

    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["scale_max"]
    survey.refresh_from_db()
    assert (survey.scale_min, survey.scale_max) == (1, 7)


def test_survey_without_responses_can_change_scale_and_items(
    consultant_client: Client, survey: Survey
) -> None:
    url = reverse("admin:surveys_survey_change", args=[survey.pk])
    data = _survey_form(survey, scale_min=1, scale_max=5, **{"items-0-kind": "overall"})

    response = consultant_client.post(url, data)

    assert response.status_code == 302
    survey.refresh_from_db()
    assert survey.scale_max == 5
    assert survey.items.order_by("order").first().kind == "overall"  # type: ignore[union-attr]


def test_answered_survey_keeps_its_frame(
    consultant_client: Client, survey: Survey, answered: Response
) -> None:
    url = reverse("admin:surveys_survey_change", args=[survey.pk])

    scale = consultant_client.post(url, _survey_form(survey, scale_max=5))
    kind = consultant_client.post(url, _survey_form(survey, **{"items-0-kind": "effort"}))
    n = survey.items.count()
    added = _survey_form(survey)
    added.update(
        {
            "items-TOTAL_FORMS": n + 1,
            f"items-{n}-order": 9,
            f"items-{n}-kind": "paired",
            f"items-{n}-label_de": "Neu",
            f"items-{n}-label_en": "New",
        }
    )
    new_item = consultant_client.post(url, added)

    assert scale.status_code == 200
    assert scale.context["adminform"].form.non_field_errors()
    assert kind.status_code == 200
    assert new_item.status_code == 200
    assert survey.items.count() == n
    survey.refresh_from_db()
    assert survey.scale_max == 7


def test_answered_survey_labels_may_be_corrected(
    consultant_client: Client, survey: Survey, answered: Response
) -> None:
    url = reverse("admin:surveys_survey_change", args=[survey.pk])

    response = consultant_client.post(url, _survey_form(survey, **{"items-0-label_de": "Warten"}))

    assert response.status_code == 302
    assert survey.items.order_by("order").first().label_de == "Warten"  # type: ignore[union-attr]


def test_answered_item_cannot_be_deleted_in_the_inline(
    consultant_client: Client, survey: Survey, answered: Response
) -> None:
    url = reverse("admin:surveys_survey_change", args=[survey.pk])

    response = consultant_client.post(url, _survey_form(survey, **{"items-0-DELETE": "on"}))

    assert response.status_code == 200
    assert survey.items.count() == 4


def test_save_as_new_creates_the_next_version_with_its_items(
    consultant_client: Client, survey: Survey, answered: Response
) -> None:
    url = reverse("admin:surveys_survey_change", args=[survey.pk])
    data = _survey_form(survey, version=2, is_active="", _saveasnew="Save as new")

    response = consultant_client.post(url, data)

    assert response.status_code == 302
    new = Survey.objects.get(touchpoint=survey.touchpoint, version=2)
    assert not new.is_active
    assert list(new.items.order_by("order").values_list("kind", flat=True)) == list(
        survey.items.order_by("order").values_list("kind", flat=True)
    )
    assert Item.objects.filter(survey=survey).count() == 4


def test_manager_cannot_reach_survey_admin(client: Client, survey: Survey) -> None:
    client.force_login(factories.manager(survey.touchpoint.phase.journey.organisation))
    url = reverse("admin:surveys_survey_change", args=[survey.pk])

    response = client.post(url, _survey_form(survey, title_de="Gehackt"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    survey.refresh_from_db()
    assert survey.title_de != "Gehackt"


def test_answered_survey_delete_page_lists_protected_answers(
    consultant_client: Client, survey: Survey, answered: Response
) -> None:
    url = reverse("admin:surveys_survey_delete", args=[survey.pk])

    page = consultant_client.get(url)
    attempt = consultant_client.post(url, {"post": "yes"})

    assert page.status_code == 200
    assert page.context["protected"]
    assert attempt.status_code == 200
    assert Survey.objects.filter(pk=survey.pk).exists()
