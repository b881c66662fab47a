"""Admin for consultants: journey pages, touchpoint links and QR, validation, access, lockout."""

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from touchpoints.links import embed_snippet, print_sheet_url, survey_url
from touchpoints.models import Journey, Organisation, Touchpoint

pytestmark = pytest.mark.django_db

EN = {"Accept-Language": "en"}


def _management(prefix: str, total: int = 0, initial: int = 0) -> dict[str, Any]:
    return {
        f"{prefix}-TOTAL_FORMS": total,
        f"{prefix}-INITIAL_FORMS": initial,
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
    }


@pytest.fixture
def consultant_client(client: Client) -> Client:
    client.force_login(factories.consultant())
    return client


@pytest.fixture
def touchpoint() -> Touchpoint:
    tp = factories.touchpoint(name="Hotline", channel="offline")
    factories.survey(tp=tp)
    return tp


def _touchpoint_form(tp: Touchpoint, **changes: Any) -> dict[str, Any]:
    data = {
        "name": tp.name,
        "description": tp.description,
        "phase": tp.phase_id,
        "department": tp.department_id,
        "channel": tp.channel,
        "is_active": "on" if tp.is_active else "",
        "allowed_origins": tp.allowed_origins,
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("model", ["organisation", "department", "journey", "touchpoint"])
def test_consultant_sees_each_changelist_add_and_change_page(
    consultant_client: Client, touchpoint: Touchpoint, model: str
) -> None:
    objects = {
        "organisation": touchpoint.phase.journey.organisation,
        "department": touchpoint.department,
        "journey": touchpoint.phase.journey,
        "touchpoint": touchpoint,
    }
    pk = objects[model].pk

    pages = [
        reverse(f"admin:touchpoints_{model}_changelist"),
        reverse(f"admin:touchpoints_{model}_add"),
        reverse(f"admin:touchpoints_{model}_change", args=[pk]),
    ]

    for url in pages:
        assert consultant_client.get(url).status_code == 200, url


def test_touchpoint_page_shows_links_snippet_and_qr(
    consultant_client: Client, touchpoint: Touchpoint
) -> None:
    url = reverse("admin:touchpoints_touchpoint_change", args=[touchpoint.pk])

    html = consultant_client.get(url, headers=EN).content.decode()

    qr_link = survey_url(touchpoint=touchpoint, channel="qr")
    assert f'href="{qr_link}"' in html
    assert "channel=qr" in qr_link
    assert f'href="{survey_url(touchpoint=touchpoint)}"' in html
    assert f'href="{survey_url(touchpoint=touchpoint, channel="link")}"' in html
    # The snippet sits escaped inside a textarea, so the consultant copies the literal tag.
    snippet = embed_snippet(touchpoint=touchpoint)
    assert snippet.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;") in html
    assert '<svg width="' in html and 'class="qr-code"' in html
    assert f'download="qr-{touchpoint.public_key}.svg"' in html
    sheet = print_sheet_url(touchpoint=touchpoint, size="a4").replace("&", "&amp;")
    assert f'href="{sheet}"' in html


def test_touchpoint_add_page_says_links_come_after_saving(consultant_client: Client) -> None:
    html = consultant_client.get(reverse("admin:touchpoints_touchpoint_add"), headers=EN).content
    assert b"Available after saving." in html
    assert b'class="qr-code"' not in html


def test_touchpoint_changelist_has_no_n_plus_one(consultant_client: Client) -> None:
    url = reverse("admin:touchpoints_touchpoint_changelist")
    factories.touchpoint()
    consultant_client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert consultant_client.get(url).status_code == 200

    for _ in range(6):
        factories.touchpoint()
    with CaptureQueriesContext(connection) as many:
        response = consultant_client.get(url)

    assert response.status_code == 200
    assert response.context["cl"].result_count == 7
    assert len(many.captured_queries) == len(few.captured_queries)


def test_touchpoint_changelist_filters_by_organisation(consultant_client: Client) -> None:
    mine = factories.touchpoint(name="Filiale")
    factories.touchpoint(name="Lieferung")
    org = mine.phase.journey.organisation
    url = reverse("admin:touchpoints_touchpoint_changelist")

    response = consultant_client.get(url, {"phase__journey__organisation__id__exact": org.pk})

    assert [tp.name for tp in response.context["cl"].result_list] == ["Filiale"]


def test_journey_added_without_phases_gets_the_defaults(consultant_client: Client) -> None:
    org = factories.organisation()
    data = {"organisation": org.pk, "name": "Neue Journey", **_management("phases")}

    response = consultant_client.post(reverse("admin:touchpoints_journey_add"), data)

    assert response.status_code == 302
    journey = Journey.objects.get(name="Neue Journey")
    assert list(journey.phases.order_by("order").values_list("name_en", flat=True)) == [
        "Awareness",
        "Consideration",
        "Purchase",
        "Retention",
        "Advocacy",
    ]


def test_journey_added_with_phases_keeps_them(consultant_client: Client) -> None:
    org = factories.organisation()
    data = {
        "organisation": org.pk,
        "name": "Eigene",
        **_management("phases", total=2),
        "phases-0-order": 1,
        "phases-0-name_de": "Suchen",
        "phases-0-name_en": "Search",
        "phases-1-order": 2,
        "phases-1-name_de": "Kaufen",
        "phases-1-name_en": "Buy",
    }

    response = consultant_client.post(reverse("admin:touchpoints_journey_add"), data)

    assert response.status_code == 302
    journey = Journey.objects.get(name="Eigene")
    assert list(journey.phases.values_list("name_en", flat=True)) == ["Search", "Buy"]


def test_journey_inline_refuses_two_phases_with_one_order(consultant_client: Client) -> None:
    org = factories.organisation()
    data = {
        "organisation": org.pk,
        "name": "Doppelt",
        **_management("phases", total=2),
        "phases-0-order": 1,
        "phases-0-name_de": "A",
        "phases-0-name_en": "A",
        "phases-1-order": 1,
        "phases-1-name_de": "B",
        "phases-1-name_en": "B",
    }

    response = consultant_client.post(reverse("admin:touchpoints_journey_add"), data)

    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][0].formset.non_form_errors()
    assert not Journey.objects.filter(name="Doppelt").exists()


def test_organisation_added_with_departments(consultant_client: Client) -> None:
    data = {
        "name": "Muster AG",
        "slug": "muster",
        "time_zone": "Europe/Berlin",
        "default_language": "de",
        **_management("departments", total=1),
        "departments-0-name": "Logistik",
        "departments-0-notification_email": "logistik@muster.example",
        **_management("memberships"),
    }

    response = consultant_client.post(reverse("admin:touchpoints_organisation_add"), data)

    assert response.status_code == 302
    org = Organisation.objects.get(slug="muster")
    assert list(org.departments.values_list("notification_email", flat=True)) == [
        "logistik@muster.example"
    ]


def test_organisation_with_unknown_time_zone_is_refused(consultant_client: Client) -> None:
    data = {
        "name": "Zeitlos",
        "slug": "zeitlos",
        "time_zone": "Mars/Olympus",
        "default_language": "de",
        **_management("departments"),
        **_management("memberships"),
    }

    response = consultant_client.post(reverse("admin:touchpoints_organisation_add"), data)

    assert response.status_code == 200
    assert "time_zone" in response.context["adminform"].form.errors


def test_bad_origin_is_a_form_error_at_the_field(
    consultant_client: Client, touchpoint: Touchpoint
) -> None:
    url = reverse("admin:touchpoints_touchpoint_change", args=[touchpoint.pk])
    data = _touchpoint_form(touchpoint, allowed_origins="https://ok.example\nhttps://x.example/p")

    response = consultant_client.post(url, data, headers=EN)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["allowed_origins"]
    assert "https://x.example/p" in errors["allowed_origins"][0]
    touchpoint.refresh_from_db()
    assert touchpoint.allowed_origins == ""


def test_good_origins_are_saved(consultant_client: Client, touchpoint: Touchpoint) -> None:
    url = reverse("admin:touchpoints_touchpoint_change", args=[touchpoint.pk])
    data = _touchpoint_form(touchpoint, allowed_origins="https://www.beispiel.example")

    response = consultant_client.post(url, data)

    assert response.status_code == 302
    touchpoint.refresh_from_db()
    assert touchpoint.origin_list == ["https://www.beispiel.example"]


def test_department_of_another_organisation_is_a_form_error(
    consultant_client: Client, touchpoint: Touchpoint
) -> None:
    foreign = factories.department(org=factories.organisation(), name="Fremd")
    url = reverse("admin:touchpoints_touchpoint_change", args=[touchpoint.pk])

    response = consultant_client.post(url, _touchpoint_form(touchpoint, department=foreign.pk))

    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["department"]
    touchpoint.refresh_from_db()
    assert touchpoint.department_id != foreign.pk


def test_manager_cannot_enter_admin(client: Client, touchpoint: Touchpoint) -> None:
    manager = factories.manager(touchpoint.phase.journey.organisation)
    client.force_login(manager)
    change = reverse("admin:touchpoints_touchpoint_change", args=[touchpoint.pk])

    for url in (reverse("admin:index"), reverse("admin:touchpoints_touchpoint_changelist"), change):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    response = client.post(change, _touchpoint_form(touchpoint, name="Umbenannt"))

    assert response.status_code == 302
    touchpoint.refresh_from_db()
    assert touchpoint.name == "Hotline"
    assert not manager.has_perm("touchpoints.change_touchpoint")


def test_manager_cannot_log_in_to_admin(client: Client) -> None:
    factories.manager(factories.organisation())
    user = factories.user(role="Managers", username="chefin", password="pw-for-tests-1234")

    response = client.post(
        reverse("admin:login"), {"username": user.username, "password": "pw-for-tests-1234"}
    )

    assert response.status_code == 200  # the form again, with "not a staff account"
    assert client.get(reverse("admin:index")).status_code == 302


def test_anonymous_is_sent_to_the_admin_login(client: Client) -> None:
    response = client.get(reverse("admin:touchpoints_organisation_changelist"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_login_locks_after_five_failures(client: Client) -> None:
    factories.user(username="ziel", password="right-password-123")
    url = reverse("login")

    for _ in range(4):
        failed = client.post(url, {"username": "ziel", "password": "wrong"})
        assert failed.status_code == 200
    # The fifth failure reaches the limit and locks at once.
    assert client.post(url, {"username": "ziel", "password": "wrong"}).status_code == 429
    locked = client.post(url, {"username": "ziel", "password": "right-password-123"})

    assert locked.status_code == 429
    assert b"Too many failed login attempts" in locked.content or "Zu viele" in locked.text
    assert "_auth_user_id" not in client.session


def test_login_works_before_the_limit(client: Client) -> None:
    factories.user(username="ziel", password="right-password-123")
    url = reverse("login")

    for _ in range(4):
        client.post(url, {"username": "ziel", "password": "wrong"})
    response = client.post(url, {"username": "ziel", "password": "right-password-123"})

    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_consultant_cannot_grant_superuser_or_edit_superusers(client: Client) -> None:
    consultant = factories.consultant()
    root = factories.user(username="root")
    root.is_superuser = True
    root.save()
    manager = factories.manager()
    client.force_login(consultant)

    page = client.get(reverse("admin:auth_user_change", args=[manager.pk]))
    assert page.status_code == 200
    assert b'name="is_superuser"' not in page.content
    assert b'name="user_permissions"' not in page.content
    assert client.get(reverse("admin:auth_user_change", args=[root.pk])).status_code == 302
    group_page = client.get(reverse("admin:auth_group_changelist"))
    assert group_page.status_code == 200
    assert not consultant.has_perm("auth.change_group")
