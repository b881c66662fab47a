"""demo_logins: a consultant and a manager, passwords printed only when created."""

import io
import re

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from touchpoints.models import Membership, Organisation
from touchpoints.selectors import organisation_list_for_user, user_is_consultant

pytestmark = pytest.mark.django_db

LOGIN = re.compile(r"^\s+(consultant|manager)\s+(\S+) / (\S+)\s+(\S+)$", re.M)


def _run(url: str = "http://demo.example:8000/") -> str:
    out = io.StringIO()
    call_command("demo_logins", "--url", url, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo_client() -> Organisation:
    return Organisation.objects.create(name="Beispiel GmbH", slug="beispiel")


def test_logins_are_printed_once_with_the_url(demo_client: Organisation) -> None:
    first = _run()
    second = _run()

    logins = {role: (user, password, where) for role, user, password, where in LOGIN.findall(first)}
    assert "http://demo.example:8000/" in first
    assert logins["consultant"][0] == "berater"
    assert logins["consultant"][2] == "http://demo.example:8000/admin/"
    assert logins["manager"][0] == "manager"
    assert logins["manager"][2] == "http://demo.example:8000/dashboard/"
    assert LOGIN.findall(second) == []
    for _, password, _ in logins.values():
        assert password not in second
    assert "exist" in second and "changepassword" in second
    assert User.objects.filter(username__in=["berater", "manager"]).count() == 2


def test_printed_passwords_work_and_roles_are_right(
    client: Client, demo_client: Organisation
) -> None:
    logins = {role: (user, password) for role, user, password, _ in LOGIN.findall(_run())}
    berater = User.objects.get(username="berater")
    manager = User.objects.get(username="manager")

    assert berater.is_staff and user_is_consultant(user=berater)
    assert not manager.is_staff and not user_is_consultant(user=manager)
    assert list(organisation_list_for_user(user=manager)) == [demo_client]
    assert logins["consultant"][1] != logins["manager"][1]
    response = client.post(
        "/accounts/login/", {"username": "berater", "password": logins["consultant"][1]}
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_only_the_missing_login_is_created_and_printed(demo_client: Organisation) -> None:
    User.objects.create_user(username="berater", password="chosen-by-someone-1234")

    output = _run()

    assert [role for role, *_ in LOGIN.findall(output)] == ["manager"]
    assert "chosen-by-someone-1234" not in output
    assert "berater" in output  # named as existing
    assert User.objects.get(username="berater").check_password("chosen-by-someone-1234")


def test_manager_regains_access_after_the_demo_client_was_recreated(
    demo_client: Organisation,
) -> None:
    _run()
    demo_client.delete()
    again = Organisation.objects.create(name="Beispiel GmbH", slug="beispiel")

    _run()

    assert Membership.objects.filter(user__username="manager", organisation=again).exists()


def test_without_the_demo_client_it_says_what_to_run() -> None:
    with pytest.raises(CommandError, match="seed_demo"):
        _run()
    assert not User.objects.filter(username__in=["berater", "manager"]).exists()
