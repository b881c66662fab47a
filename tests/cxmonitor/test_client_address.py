"""One client address behind our proxies: the lockout and the capture limits target the attacker."""

import pytest
from django.test import Client, RequestFactory, override_settings

from cxmonitor.client_address import client_address
from surveys.throttling import client_ip_from_request
from tests import factories as f

PROXY = "10.0.0.2"  # our reverse proxy: every request reaches the web process from here
LOGIN = "/accounts/login/"


def _login(password: str, *, client_ip: str, spoofed: str = "") -> int:
    """A login attempt through one proxy that appends the client's address to the header."""
    forwarded = f"{spoofed}, {client_ip}" if spoofed else client_ip
    answer = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded).post(
        LOGIN, {"username": "anna", "password": password}
    )
    return answer.status_code


@pytest.mark.django_db
@override_settings(PROXY_COUNT=1)
def test_an_attacker_behind_the_proxy_locks_out_only_themself() -> None:
    # Given a manager whose password an attacker guesses from one address, inventing
    # X-Forwarded-For entries of their own on the way
    f.user(username="anna", password="the-real-password-123")
    attacker = "198.51.100.66"
    guesses = [_login(f"guess-{i}", client_ip=attacker, spoofed=f"192.0.2.{i}") for i in range(5)]
    # Then the attacker is locked out, even with the right password ...
    assert guesses == [200, 200, 200, 200, 429]  # the form again; the fifth failure locks
    assert _login("the-real-password-123", client_ip=attacker) == 429
    # ... while the manager, behind the same proxy, still logs in
    assert _login("the-real-password-123", client_ip="203.0.113.5") == 302


@override_settings(PROXY_COUNT=2)
def test_the_capture_limits_and_the_lockout_read_the_same_address() -> None:
    request = RequestFactory().get(
        "/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.66, 10.0.0.1"
    )
    assert client_address(request) == "198.51.100.66"
    assert client_ip_from_request(request) == client_address(request)


@override_settings(PROXY_COUNT=0)
def test_without_proxies_the_header_is_ignored() -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_address(request) == "198.51.100.9"
