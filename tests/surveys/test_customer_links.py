"""Personalised links: a signed opaque token links the answer; the raw id appears in no URL."""

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings

from surveys.customer_links import (
    customer_key_from_token,
    customer_link_token,
    customer_link_url,
)
from surveys.models import Response
from surveys.privacy import customer_key_from_id
from tests.surveys.page_support import filled_form, hidden_fields, make_page_setup, open_form

from .test_page_submit import _post


def test_a_token_carries_the_pseudonymous_key_and_not_the_id() -> None:
    token = customer_link_token(customer_id="K-4711")
    assert "K-4711" not in token and customer_key_from_id("K-4711") not in token
    assert customer_key_from_token(token) == customer_key_from_id("K-4711")
    assert customer_link_token(customer_id="K-4711") == token  # the same customer, one token


@pytest.mark.parametrize(
    "broken", ["", "abc", "x" * 500, "K-4711", "AAAA:BBBB"]
)  # fmt: skip
def test_forged_or_broken_tokens_carry_nothing(broken: str) -> None:
    assert customer_key_from_token(broken) is None


def test_a_token_for_one_customer_cannot_be_edited_into_another() -> None:
    value, signature = customer_link_token(customer_id="K-1").split(":")
    other_value = customer_link_token(customer_id="K-2").split(":")[0]
    assert customer_key_from_token(f"{other_value}:{signature}") is None
    assert customer_key_from_token(f"{value}:{signature}") == customer_key_from_id("K-1")


@pytest.mark.django_db
def test_an_answer_through_a_personalised_link_is_linked() -> None:
    setup = make_page_setup()
    url = customer_link_url(public_key=setup.touchpoint.public_key, customer_id="K-4711")
    path = urlsplit(url)
    assert "K-4711" not in url and parse_qs(path.query)["channel"] == ["link"]
    client = Client()
    fields = open_form(client, f"{path.path}?{path.query}")
    assert _post(client, setup, filled_form(setup, fields)).status_code == 303
    stored = Response.objects.get()
    assert (stored.channel, stored.customer_key) == ("link", customer_key_from_id("K-4711"))


@pytest.mark.django_db
def test_raw_customer_ids_are_not_linked_unless_old_links_are_allowed() -> None:
    setup = make_page_setup()
    html = Client().get(setup.url + "?channel=link&cid=K-4711").content.decode()
    assert "K-4711" not in html and "ct" not in hidden_fields(html)
    with override_settings(LINK_RAW_CUSTOMER_ID=True):
        html = Client().get(setup.url + "?channel=link&cid=K-4711").content.decode()
    # allowed: the raw id becomes a token at once and travels no further
    assert "K-4711" not in html
    assert customer_key_from_token(hidden_fields(html)["ct"]) == customer_key_from_id("K-4711")


@pytest.mark.django_db
def test_the_command_writes_one_link_per_customer(tmp_path: Path) -> None:
    setup = make_page_setup()
    ids = tmp_path / "ids.csv"
    ids.write_text("customer_id\nK-1\nK-2\n", encoding="utf-8")
    out = tmp_path / "links.csv"
    call_command(
        "customer_links", touchpoint=setup.touchpoint.public_key, input=str(ids),
        output=str(out), language="en",
    )  # fmt: skip
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "customer_id,link"
    rows = [line.split(",", 1) for line in lines[1:]]
    assert [customer_id for customer_id, _ in rows] == ["K-1", "K-2"]
    for customer_id, link in rows:
        query = parse_qs(urlsplit(link).query)
        assert customer_id not in link and query["lang"] == ["en"]
        assert customer_key_from_token(query["ct"][0]) == customer_key_from_id(customer_id)


@pytest.mark.django_db
def test_the_command_refuses_bad_input_and_writes_nothing(tmp_path: Path) -> None:
    setup = make_page_setup()
    ids = tmp_path / "ids.txt"
    ids.write_text("K-1\n\nK-3\n", encoding="utf-8")
    out = tmp_path / "links.csv"
    with pytest.raises(CommandError, match="line 2: empty customer id"):
        call_command(
            "customer_links", touchpoint=setup.touchpoint.public_key, input=str(ids),
            output=str(out),
        )  # fmt: skip
    assert not out.exists()
    with pytest.raises(CommandError, match="Unknown touchpoint"):
        call_command("customer_links", touchpoint="nope", input=str(ids), output=str(out))
