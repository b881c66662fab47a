"""Helpers shared by the capture and API tests: a ready survey, valid payloads, row counts."""

import itertools
import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from django.test import Client

from cxmonitor.aggregation_contract import AGGREGATE_TOUCHPOINT_DAY_TASK
from surveys.models import Answer, Item, Response, Survey
from surveys.services import AnswerInput, SubmissionInput
from tests import factories
from touchpoints.models import Touchpoint

API_URL = "/api/v1/responses/"
_ids = itertools.count(1)


@dataclass(frozen=True)
class Setup:
    touchpoint: Touchpoint
    survey: Survey
    paired: list[Item]
    nps: Item
    comment: Item


def make_setup(*, origins: str = "", scale: tuple[int, int] = (1, 7)) -> Setup:
    tp = factories.touchpoint(origins=origins)
    srv = factories.survey(tp=tp, paired=2, scale=scale)
    items = list(srv.items.order_by("order"))
    return Setup(
        touchpoint=tp,
        survey=srv,
        paired=[i for i in items if i.kind == Item.Kind.PAIRED],
        nps=next(i for i in items if i.kind == Item.Kind.NPS),
        comment=next(i for i in items if i.kind == Item.Kind.COMMENT),
    )


def add_item(setup: Setup, *, kind: str, required: bool = False) -> Item:
    order = max(i.order for i in setup.survey.items.all()) + 1
    return Item.objects.create(
        survey=setup.survey,
        kind=kind,
        label_de=kind,
        label_en=kind,
        order=order,
        required=required,
    )


def new_submission_id() -> str:
    return f"sub-{next(_ids)}"


def api_payload(setup: Setup, **overrides: Any) -> dict[str, Any]:
    """A valid API body; keyword arguments replace top-level keys."""
    body: dict[str, Any] = {
        "touchpoint": setup.touchpoint.public_key,
        "submission_id": new_submission_id(),
        "language": "de",
        "answers": [
            {"item": setup.paired[0].id, "expectation": 6, "satisfaction": 4},
            {"item": setup.paired[1].id, "expectation": 5, "satisfaction": 5},
            {"item": setup.nps.id, "value": 8},
            {"item": setup.comment.id, "text": "Freundlich, aber langsam."},
        ],
    }
    body.update(overrides)
    return body


def submission(setup: Setup, **overrides: Any) -> SubmissionInput:
    """A valid service input; keyword arguments replace fields."""
    fields: dict[str, Any] = {
        "public_key": setup.touchpoint.public_key,
        "submission_id": new_submission_id(),
        "answers": [
            AnswerInput(item_id=setup.paired[0].id, expectation=6, satisfaction=4),
            AnswerInput(item_id=setup.paired[1].id, expectation=5, satisfaction=5),
            AnswerInput(item_id=setup.nps.id, value=8),
        ],
        "channel": "api",
        "language": "de",
    }
    fields.update(overrides)
    return SubmissionInput(**fields)


def post(client: Client, body: Any, **extra: Any) -> Any:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.generic(
        "POST", API_URL, data, content_type=extra.pop("content_type", "application/json"), **extra
    )


def counts() -> tuple[int, int]:
    return Response.objects.count(), Answer.objects.count()


AGGREGATION_TASK = AGGREGATE_TOUCHPOINT_DAY_TASK


def _reset_celery_pools(app: Any) -> None:
    # Celery keeps one connection and producer pool per app; drop them so the new URL is used.
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


@contextmanager
def celery_conf(**changes: Any) -> Iterator[Any]:
    """Change the Celery app's configuration for a block, then restore it and its pools."""
    from cxmonitor.celery import app

    # The app reads Django's CELERY_* settings; a namespaced key outranks the plain one, so both
    # are set (and restored).
    namespaced = {
        f"CELERY_{k.upper()}": v for k, v in changes.items() if f"CELERY_{k.upper()}" in app.conf
    }
    saved = {key: app.conf[key] for key in [*changes, *namespaced]}
    app.conf.update({**changes, **namespaced})
    _reset_celery_pools(app)
    try:
        yield app
    finally:
        app.conf.update(saved)
        _reset_celery_pools(app)


@contextmanager
def aggregation_calls() -> Iterator[list[dict[str, Any]]]:
    """Record each scheduling of the aggregation task: published to a broker or run eagerly.

    The dashboards task is used when it is registered; otherwise a stand-in is registered under its
    name for the block (the scheduling is under test here, not the aggregation).
    """
    from celery.signals import before_task_publish, task_prerun

    from cxmonitor.celery import app
    from surveys.services import broker_breaker
    from surveys.throttling import cache_breaker

    cache_breaker.reset()
    broker_breaker.reset()

    calls: list[dict[str, Any]] = []

    def on_publish(sender: Any = None, body: Any = None, **_: Any) -> None:
        if sender == AGGREGATION_TASK:
            kwargs = body[1] if isinstance(body, tuple | list) else {}
            calls.append({"how": "published", **kwargs})

    def on_run(sender: Any = None, kwargs: Any = None, **_: Any) -> None:
        if getattr(sender, "name", None) == AGGREGATION_TASK:
            calls.append({"how": "ran", **(kwargs or {})})

    with suppress(Exception):  # the dashboards task module may be absent; the stand-in covers it
        app.loader.import_default_modules()
    stand_in = AGGREGATION_TASK not in app.tasks
    if stand_in:

        @app.task(name=AGGREGATION_TASK, shared=False)
        def _stand_in(touchpoint_id: int, day: str) -> None:
            return None

    before_task_publish.connect(on_publish, weak=False)
    task_prerun.connect(on_run, weak=False)
    try:
        yield calls
    finally:
        before_task_publish.disconnect(on_publish)
        task_prerun.disconnect(on_run)
        if stand_in:
            app.tasks.pop(AGGREGATION_TASK, None)


class DeadRedis:
    """A local port where nothing answers: refused (closed) or accepting and then silent (hung)."""

    def __init__(self, *, hung: bool) -> None:
        self.sock: socket.socket | None = None
        if hung:
            self.sock = socket.socket()
            self.sock.bind(("127.0.0.1", 0))
            self.sock.listen(64)  # the kernel completes handshakes; nobody ever reads or answers
            self.port = self.sock.getsockname()[1]
        else:
            probe = socket.socket()
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
            probe.close()  # nothing listens here any more: connections are refused

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def caches(self) -> dict[str, Any]:
        return {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": self.url,
                "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
            }
        }

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
