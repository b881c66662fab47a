"""GET /s/KEY/embed-check/: whether the asking page may show the survey; refusals reach the admin
in the organisation's time zone."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests import factories
from touchpoints.models import Touchpoint

pytestmark = pytest.mark.django_db

SHOP = "https://shop.example.com"


def _check(client: Client, tp: Touchpoint, **headers: Any) -> dict[str, object]:
    response = client.get(f"/s/{tp.public_key}/embed-check/", **headers)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Cache-Control"] == "no-store"
    body: dict[str, object] = response.json()
    return body


def test_listed_origin_is_allowed_and_nothing_is_recorded(client: Client) -> None:
    tp = factories.touchpoint(origins=f"{SHOP}\nhttps://www.example.com")
    factories.survey(tp=tp)
    assert _check(client, tp, HTTP_ORIGIN="https://SHOP.example.com") == {"allowed": True}
    tp.refresh_from_db()
    assert tp.embed_refused_origin == "" and tp.embed_refused_at is None


def test_other_origin_is_refused_and_kept_once_per_interval(client: Client) -> None:
    tp = factories.touchpoint(origins=SHOP)
    factories.survey(tp=tp)
    answer = _check(client, tp, HTTP_ORIGIN="https://blog.example.org")
    assert answer == {"allowed": False, "reason": "origin", "origin": "https://blog.example.org"}
    tp.refresh_from_db()
    first = tp.embed_refused_at
    assert tp.embed_refused_origin == "https://blog.example.org" and first is not None
    # the same page again at once writes nothing; another origin is written
    _check(client, tp, HTTP_ORIGIN="https://blog.example.org")
    tp.refresh_from_db()
    assert tp.embed_refused_at == first
    _check(client, tp, QUERY_STRING="origin=http://127.0.0.1:9000")
    tp.refresh_from_db()
    assert tp.embed_refused_origin == "http://127.0.0.1:9000"


@pytest.mark.parametrize("origin", ["javascript:alert(1)", "https://x.example/path", "x" * 300])
def test_malformed_origin_is_refused_and_stored_as_unknown(client: Client, origin: str) -> None:
    tp = factories.touchpoint(origins=SHOP)
    factories.survey(tp=tp)
    answer = _check(client, tp, HTTP_ORIGIN=origin)
    assert answer == {"allowed": False, "reason": "origin", "origin": ""}
    tp.refresh_from_db()
    assert tp.embed_refused_origin == "?"


def test_unknown_or_inactive_touchpoint_is_unavailable(client: Client) -> None:
    response = client.get("/s/no-such-key/embed-check/", HTTP_ORIGIN=SHOP)
    assert response.json() == {"allowed": False, "reason": "unavailable"}
    inactive = factories.touchpoint(origins=SHOP, active=False)
    factories.survey(tp=inactive)
    assert _check(client, inactive, HTTP_ORIGIN=SHOP) == {
        "allowed": False,
        "reason": "unavailable",
    }


def test_admin_shows_the_last_refused_origin_in_the_organisations_time_zone(
    client: Client,
) -> None:
    tp = factories.touchpoint(origins=SHOP)
    Touchpoint.objects.filter(pk=tp.pk).update(
        embed_refused_origin="https://blog.example.org",
        embed_refused_at=datetime(2026, 7, 1, 6, 16, tzinfo=UTC),
    )
    client.force_login(factories.consultant())
    page = client.get(
        reverse("admin:touchpoints_touchpoint_change", args=[tp.pk]), HTTP_ACCEPT_LANGUAGE="de"
    ).content.decode()
    assert "https://blog.example.org" in page
    assert "01.07.2026 08:16" in page  # Berlin summer time, not 06:16 UTC


def test_refusal_older_than_the_interval_is_written_again(client: Client) -> None:
    tp = factories.touchpoint(origins=SHOP)
    factories.survey(tp=tp)
    old = timezone.now() - timedelta(hours=1)
    Touchpoint.objects.filter(pk=tp.pk).update(
        embed_refused_origin="https://blog.example.org", embed_refused_at=old
    )
    _check(client, tp, HTTP_ORIGIN="https://blog.example.org")
    tp.refresh_from_db()
    assert tp.embed_refused_at is not None and tp.embed_refused_at > old
