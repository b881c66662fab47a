"""CORS on the responses API: only a touchpoint's own allowed origins, never with credentials."""

import pytest
from django.test import Client

from .capture_support import API_URL, api_payload, make_setup, post

pytestmark = pytest.mark.django_db

SHOP = "https://shop.example.com"
BLOG = "https://blog.example.org"
EVIL = "https://evil.example.net"


def test_allowed_origin_gets_the_header_on_success_and_on_error(client: Client) -> None:
    setup = make_setup(origins=f"{SHOP}\n{BLOG}")
    ok = post(client, api_payload(setup), HTTP_ORIGIN=SHOP)
    bad = post(client, api_payload(setup, language="xx"), HTTP_ORIGIN=BLOG)
    assert (ok.status_code, bad.status_code) == (201, 400)
    assert ok["Access-Control-Allow-Origin"] == SHOP
    assert bad["Access-Control-Allow-Origin"] == BLOG
    for answer in (ok, bad):
        assert "Origin" in answer["Vary"]
        assert not answer.has_header("Access-Control-Allow-Credentials")


def test_origin_of_another_touchpoint_or_unknown_origin_gets_no_header(client: Client) -> None:
    setup = make_setup(origins=SHOP)
    make_setup(origins=BLOG)
    other = post(client, api_payload(setup), HTTP_ORIGIN=BLOG)
    evil = post(client, api_payload(setup), HTTP_ORIGIN=EVIL)
    assert other.status_code == evil.status_code == 201
    assert not other.has_header("Access-Control-Allow-Origin")
    assert not evil.has_header("Access-Control-Allow-Origin")


def test_unknown_touchpoint_gives_no_cors_hint(client: Client) -> None:
    setup = make_setup(origins=SHOP)
    answer = post(client, api_payload(setup, touchpoint="unknownKey000000"), HTTP_ORIGIN=SHOP)
    assert answer.status_code == 404
    assert not answer.has_header("Access-Control-Allow-Origin")


def test_preflight_allows_origins_of_active_touchpoints_only(client: Client) -> None:
    make_setup(origins=SHOP)
    closed = make_setup(origins=BLOG)
    closed.touchpoint.is_active = False
    closed.touchpoint.save()

    shop = client.options(API_URL, HTTP_ORIGIN=SHOP, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    blog = client.options(API_URL, HTTP_ORIGIN=BLOG, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    evil = client.options(API_URL, HTTP_ORIGIN=EVIL, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")

    assert shop.status_code == 204
    assert shop["Access-Control-Allow-Origin"] == SHOP
    assert "POST" in shop["Access-Control-Allow-Methods"]
    assert "content-type" in shop["Access-Control-Allow-Headers"].lower()
    assert int(shop["Access-Control-Max-Age"]) > 0
    assert not shop.has_header("Access-Control-Allow-Credentials")
    for refused in (blog, evil):
        assert not refused.has_header("Access-Control-Allow-Origin")


def test_errors_before_the_touchpoint_is_known_use_the_preflight_rule(client: Client) -> None:
    make_setup(origins=SHOP)
    unreadable = post(client, b"{nope", HTTP_ORIGIN=SHOP)
    wrong_type = post(client, "x", content_type="text/plain", HTTP_ORIGIN=EVIL)
    assert (unreadable.status_code, wrong_type.status_code) == (400, 415)
    assert unreadable["Access-Control-Allow-Origin"] == SHOP
    assert not wrong_type.has_header("Access-Control-Allow-Origin")


def test_origin_comparison_is_case_insensitive_but_exact(client: Client) -> None:
    setup = make_setup(origins="https://Shop.Example.com")
    same = post(client, api_payload(setup), HTTP_ORIGIN="https://shop.example.com")
    with_port = post(client, api_payload(setup), HTTP_ORIGIN="https://shop.example.com:8443")
    http = post(client, api_payload(setup), HTTP_ORIGIN="http://shop.example.com")
    assert same["Access-Control-Allow-Origin"] == "https://shop.example.com"
    assert not with_port.has_header("Access-Control-Allow-Origin")
    assert not http.has_header("Access-Control-Allow-Origin")
