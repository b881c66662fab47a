"""Survey versions: drafts copied with their keys, one-step publishing, the consultant's clicks."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from cxmonitor.errors import ApplicationError
from surveys.authoring import survey_draft_get_or_create, survey_publish
from surveys.models import Item, Response, Survey, WhyReason
from tests import factories

from .page_support import filled_form, make_page_setup, open_form

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}


def test_a_draft_copies_the_active_version_with_keys_reasons_and_rule() -> None:
    setup = make_page_setup()
    setup.survey.why_satisfaction_max = 3
    setup.survey.texts = {"tr": {"title": "Anket"}}
    setup.survey.save()
    WhyReason.objects.create(survey=setup.survey, key="slow", label_de="Langsam", label_en="Slow")

    draft, created = survey_draft_get_or_create(touchpoint_id=setup.touchpoint.pk)
    again, created_again = survey_draft_get_or_create(touchpoint_id=setup.touchpoint.pk)

    assert created and not created_again and again.pk == draft.pk
    assert draft.version == 2 and draft.is_draft and not draft.is_active
    assert list(draft.items.values_list("key", "kind", "label_de")) == list(
        setup.survey.items.values_list("key", "kind", "label_de")
    )
    assert list(draft.reasons.values_list("key", flat=True)) == ["slow"]
    assert draft.why_satisfaction_max == 3 and draft.texts == {"tr": {"title": "Anket"}}
    setup.survey.refresh_from_db()
    assert setup.survey.is_active  # customers keep answering version 1 meanwhile


def test_publish_switches_in_one_step_and_keeps_who_and_when() -> None:
    setup = make_page_setup()
    user = factories.consultant()
    draft, _ = survey_draft_get_or_create(touchpoint_id=setup.touchpoint.pk)
    before = timezone.now()

    survey_publish(survey_id=draft.pk, user=user)

    draft.refresh_from_db()
    setup.survey.refresh_from_db()
    assert draft.is_active and not draft.is_draft
    assert draft.published_by == user and draft.published_at is not None
    assert draft.published_at >= before
    assert not setup.survey.is_active and setup.survey.retired_at == draft.published_at
    assert Survey.objects.filter(touchpoint=setup.touchpoint, is_active=True).count() == 1
    with translation.override("en"), pytest.raises(ApplicationError, match="already published"):
        survey_publish(survey_id=draft.pk, user=user)


def test_a_key_cannot_continue_across_a_change_of_scale_or_kind() -> None:
    setup = make_page_setup()
    draft, _ = survey_draft_get_or_create(touchpoint_id=setup.touchpoint.pk)
    draft.scale_max = 5
    draft.save()

    with pytest.raises(ApplicationError) as scale:
        survey_publish(survey_id=draft.pk)
    draft.scale_max = 7
    draft.save()
    Item.objects.filter(survey=draft, kind="comment").update(kind="contact")
    with pytest.raises(ApplicationError) as kind:
        survey_publish(survey_id=draft.pk)

    assert "attribute-1" in scale.value.message and "attribute-2" in scale.value.message
    assert "comment" in kind.value.message
    setup.survey.refresh_from_db()
    assert setup.survey.is_active  # nothing switched


def test_a_form_opened_on_the_old_version_is_stored_for_it_after_the_switch() -> None:
    # given: a customer opened the page on version 1
    setup = make_page_setup()
    client = Client()
    fields = open_form(client, setup.url)
    assert fields["survey"] == str(setup.survey.pk)
    # when: version 2 goes live before the customer sends
    draft, _ = survey_draft_get_or_create(touchpoint_id=setup.touchpoint.pk)
    survey_publish(survey_id=draft.pk)
    response = client.post(setup.url, filled_form(setup, fields))
    # then: accepted and stored with version 1, its items those of version 1
    assert response.status_code == 303
    stored = Response.objects.get(submission_id=fields["submission_id"])
    assert stored.survey_id == setup.survey.pk
    assert set(stored.answers.values_list("item__survey_id", flat=True)) == {setup.survey.pk}
    # and a form opened now is for version 2
    assert open_form(client, setup.url)["survey"] == str(draft.pk)


def test_a_form_of_a_version_replaced_long_ago_is_matched_to_the_active_one_by_key() -> None:
    setup = make_page_setup()
    client = Client()
    fields = open_form(client, setup.url)
    draft, _ = survey_draft_get_or_create(touchpoint_id=setup.touchpoint.pk)
    survey_publish(survey_id=draft.pk)
    Survey.objects.filter(pk=setup.survey.pk).update(retired_at=timezone.now() - timedelta(days=3))

    response = client.post(setup.url, filled_form(setup, fields))

    assert response.status_code == 400  # the old item ids are not fields of version 2's form
    assert not Response.objects.filter(submission_id=fields["submission_id"]).exists()


def _hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', html)


def test_consultant_clicks_to_publish_a_new_version() -> None:
    """Touchpoint page → "Edit the next version" → change and save → "Publish" → confirm."""
    setup = make_page_setup()
    consultant = factories.consultant()
    client = Client()
    client.force_login(consultant)
    touchpoint_url = reverse("admin:touchpoints_touchpoint_change", args=[setup.touchpoint.pk])
    draft_url = reverse("admin:surveys_survey_draft", args=[setup.touchpoint.pk])

    # 1. the touchpoint page lists the versions, the keys with an example, and the button
    page = client.get(touchpoint_url, headers=EN).content.decode()
    assert draft_url in _hrefs(page)
    assert "Edit the next version" in page
    assert (
        "<code>attribute-1</code>" in page and "&quot;item&quot;: &quot;attribute-1&quot;" in page
    )
    # 2. "Edit the next version" opens a draft copied from the active version
    opened = client.get(draft_url, headers=EN)
    draft = Survey.objects.get(touchpoint=setup.touchpoint, is_draft=True)
    assert opened.status_code == 302
    assert opened["Location"] == reverse("admin:surveys_survey_change", args=[draft.pk])
    # 3. the draft's page offers "Publish this version"
    publish_url = reverse("admin:surveys_survey_publish", args=[draft.pk])
    draft_page = client.get(opened["Location"], headers=EN).content.decode()
    assert publish_url in _hrefs(draft_page)
    # 4. the confirmation names what continues, then one POST switches
    confirm = client.get(publish_url, headers=EN).content.decode()
    assert "attribute-1" in confirm and "Publish this version" in confirm
    done = client.post(publish_url, headers=EN)
    assert done.status_code == 302
    draft.refresh_from_db()
    assert draft.is_active and draft.published_by == consultant
    history = client.get(touchpoint_url, headers=EN).content.decode()
    assert consultant.get_username() in history and "replaced" in history


def test_admin_asks_when_a_kept_key_reads_differently(client: Client) -> None:
    setup = make_page_setup()
    client.force_login(factories.consultant())
    draft, _ = survey_draft_get_or_create(touchpoint_id=setup.touchpoint.pk)
    items = list(draft.items.order_by("order"))
    data: dict[str, object] = {
        "title_de": draft.title_de,
        "title_en": draft.title_en,
        "scale_min": 1,
        "scale_max": 7,
        "items-TOTAL_FORMS": len(items),
        "items-INITIAL_FORMS": len(items),
        "reasons-TOTAL_FORMS": 0,
        "reasons-INITIAL_FORMS": 0,
    }
    for i, item in enumerate(items):
        data.update(
            {
                f"items-{i}-id": item.pk,
                f"items-{i}-survey": draft.pk,
                f"items-{i}-order": item.order,
                f"items-{i}-key": item.key,
                f"items-{i}-kind": item.kind,
                f"items-{i}-label_de": item.label_de,
                f"items-{i}-label_en": item.label_en,
            }
        )
    data["items-0-label_de"] = "Wartezeit am Telefon"
    url = reverse("admin:surveys_survey_change", args=[draft.pk])

    asked = client.post(url, data, headers=EN)
    confirmed = client.post(url, {**data, "items-0-same_meaning": "on"}, headers=EN)

    assert asked.status_code == 200 and "same meaning" in asked.content.decode()
    assert confirmed.status_code == 302
    assert draft.items.get(key=items[0].key).label_de == "Wartezeit am Telefon"


def test_manager_cannot_publish() -> None:
    setup = make_page_setup()
    draft, _ = survey_draft_get_or_create(touchpoint_id=setup.touchpoint.pk)
    client = Client()
    manager: User = factories.manager(setup.touchpoint.phase.journey.organisation)
    client.force_login(manager)

    client.post(reverse("admin:surveys_survey_publish", args=[draft.pk]))

    draft.refresh_from_db()
    assert draft.is_draft and not draft.is_active
