"""Neither a raw customer id nor a client IP is ever stored or logged; only keyed hashes."""

import io
import logging

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

from surveys.models import Answer, Response
from surveys.privacy import customer_key_from_id

from .capture_support import api_payload, make_setup, post

pytestmark = pytest.mark.django_db

RAW_ID = "CRM-Kunde-847261"
IP = "198.51.100.203"
FORWARDED_IP = "203.0.113.187"


def _everything_stored() -> str:
    rows = [repr(list(Response.objects.values())), repr(list(Answer.objects.values()))]
    dump = io.StringIO()
    call_command("dumpdata", "surveys", "touchpoints", stdout=dump)
    return "\n".join([*rows, dump.getvalue()])


def test_raw_customer_id_and_ip_never_reach_the_database_or_the_log(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    # given
    setup = make_setup()
    caplog.set_level(logging.DEBUG)
    # when: a valid and an invalid post carry the id and the addresses
    with override_settings(PROXY_COUNT=1):
        ok = post(
            client,
            api_payload(setup, customer_id=RAW_ID),
            REMOTE_ADDR=IP,
            HTTP_X_FORWARDED_FOR=FORWARDED_IP,
        )
        bad = post(
            client,
            api_payload(setup, customer_id=RAW_ID, language="xx"),
            REMOTE_ADDR=IP,
            HTTP_X_FORWARDED_FOR=FORWARDED_IP,
        )
    assert (ok.status_code, bad.status_code) == (201, 400)
    # then
    stored = _everything_stored()
    assert Response.objects.get().customer_key == customer_key_from_id(RAW_ID)
    for secret in (RAW_ID, RAW_ID.lower(), IP, FORWARDED_IP):
        assert secret not in stored
        assert secret not in caplog.text
    assert RAW_ID not in bad.content.decode()


def test_customer_key_links_one_customer_across_touchpoints(client: Client) -> None:
    a, b = make_setup(), make_setup()
    assert post(client, api_payload(a, customer_id=RAW_ID)).status_code == 201
    assert post(client, api_payload(b, customer_id=f"  {RAW_ID} ")).status_code == 201
    assert post(client, api_payload(b, customer_id="someone-else")).status_code == 201
    keys = list(Response.objects.order_by("id").values_list("customer_key", flat=True))
    assert keys[0] == keys[1] != keys[2]
    assert keys[0] is not None
    assert len(keys[0]) == 64


def test_customer_key_depends_on_the_secret_setting() -> None:
    plain = customer_key_from_id(RAW_ID)
    with override_settings(CUSTOMER_KEY_SECRET="a-different-secret"):
        assert customer_key_from_id(RAW_ID) != plain


def test_blank_customer_id_stores_no_key(client: Client) -> None:
    setup = make_setup()
    assert post(client, api_payload(setup, customer_id="   ")).status_code == 201
    assert post(client, api_payload(setup, customer_id=None)).status_code == 201
    assert list(Response.objects.values_list("customer_key", flat=True)) == [None, None]
