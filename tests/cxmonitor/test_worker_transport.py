"""A worker consumes without the publisher's socket timeout; the web processes keep theirs."""

from collections.abc import Iterator

import pytest
from celery.signals import celeryd_init
from django.conf import settings

from cxmonitor.celery import app


@pytest.fixture
def worker_conf() -> Iterator[None]:
    published = dict(settings.CELERY_BROKER_TRANSPORT_OPTIONS)
    try:
        celeryd_init.send(sender="test@host", instance=None, conf=app.conf, options={})
        yield
    finally:
        app.conf["CELERY_BROKER_TRANSPORT_OPTIONS"] = published


def test_the_publisher_fails_fast() -> None:
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    assert options["socket_timeout"] <= 2 and options["socket_connect_timeout"] <= 0.5


@pytest.mark.usefixtures("worker_conf")
def test_a_worker_connection_has_no_socket_timeout() -> None:
    # A read timeout while Redis was frozen left the worker connected yet never consuming again
    # ("Couldn't ack ... Timeout reading from socket" in the fault matrix).
    with app.connection_for_read() as connection:
        options = connection.transport_options or {}
    assert "socket_timeout" not in options
    assert options["visibility_timeout"] == settings.BROKER_VISIBILITY_TIMEOUT
    assert options["health_check_interval"] > 0
