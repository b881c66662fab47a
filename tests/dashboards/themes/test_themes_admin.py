"""A consultant edits themes in the admin: rename, pin a word, merge; comments follow."""

from typing import Any

import pytest
from django.test import Client

from dashboards.themes.models import CommentTheme, Theme
from dashboards.themes.services.discovery import themes_discover
from dashboards.themes.services.processing import commented_response_ids, comments_backfill
from tests import factories
from tests.dashboards.themes.themes_support import commented_responses, eager_tasks  # noqa: F401
from touchpoints.models import Organisation

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


def _themes() -> tuple[Organisation, dict[str, Theme]]:
    tp = factories.touchpoint()
    commented_responses(factories.survey(tp=tp))
    org = tp.phase.journey.organisation
    comments_backfill(
        organisation_id=org.pk, response_ids=commented_response_ids(organisation_id=org.pk)
    )
    themes_discover(organisation_id=org.pk, topics=3)
    found = {
        term: next(t for t in Theme.objects.filter(organisation=org) if term in t.keywords)
        for term in ("wartezeit", "rechnung", "paket")
    }
    return org, found


def _post(client: Client, theme: Theme, **data: str) -> int:
    pins = list(theme.pins.all())
    form = {
        "name": theme.name,
        "merged_into": "",
        "pins-TOTAL_FORMS": str(len(pins) + 1),
        "pins-INITIAL_FORMS": str(len(pins)),
        "pins-MIN_NUM_FORMS": "0",
        "pins-MAX_NUM_FORMS": "1000",
        "pins-0-term": "",
        "pins-0-theme": str(theme.pk),
        **data,
    }
    response = client.post(f"/admin/dashboards/theme/{theme.pk}/change/", form)
    return response.status_code


def test_consultant_renames_pins_and_merges_in_the_admin(
    django_capture_on_commit_callbacks: Any,
) -> None:
    _org, themes = _themes()
    client = Client()
    client.force_login(factories.consultant())
    waiting, invoice = themes["wartezeit"], themes["rechnung"]

    assert client.get("/admin/dashboards/theme/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(client, waiting, name="Wartezeit", **{"pins-0-term": "gewartet"}) == 302
        assert _post(client, invoice, merged_into=str(waiting.pk)) == 302

    waiting.refresh_from_db()
    assert waiting.name == "Wartezeit"
    assert list(waiting.pins.values_list("term", flat=True)) == ["warten"]
    assert Theme.objects.get(pk=invoice.pk).merged_into_id == waiting.pk
    assert not CommentTheme.objects.filter(theme=invoice).exists()
    assert CommentTheme.objects.filter(theme=waiting, comment__text__icontains="Rechnung").count()
    assert client.get(f"/admin/dashboards/theme/{waiting.pk}/change/").status_code == 200


def test_a_manager_cannot_edit_themes() -> None:
    org, themes = _themes()
    client = Client()
    client.force_login(factories.manager(org))
    response = client.get(f"/admin/dashboards/theme/{themes['paket'].pk}/change/")
    assert response.status_code in (302, 403)
