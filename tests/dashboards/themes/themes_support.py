"""Comments for theme tests: three subjects in varied German phrasings, scores that fit."""

from collections.abc import Iterator
from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from surveys.models import Item, Response, Survey
from tests import factories

PHRASES = {
    "wartezeit": (
        ("Lange Wartezeit am Telefon.", "Die Wartezeit in der Hotline war viel zu lang.",
         "Ewige Wartezeit, niemand hebt ab.", "Wartezeit von zwanzig Minuten am Telefon."),
        3,
    ),
    "rechnung": (
        ("Die Rechnung war fehlerhaft.", "Falscher Betrag auf der Rechnung.",
         "Rechnung doppelt bekommen, Betrag falsch.", "Auf der Rechnung fehlt die Gutschrift."),
        4,
    ),
    "paket": (
        ("Paket beschädigt angekommen.", "Der Karton war beschädigt, das Paket zerdrückt.",
         "Beschädigtes Paket erhalten.", "Paket kam beschädigt, Karton kaputt."),
        2,
    ),
}  # fmt: skip


def commented_responses(srv: Survey, *, per_theme: int = 30, seed: int = 0) -> list[Response]:
    """`per_theme` responses per subject over the last 20 days, plus some without comment."""
    rng = np.random.default_rng(seed)
    items = list(srv.items.order_by("order"))
    paired = [item.pk for item in items if item.kind == Item.Kind.PAIRED]
    nps = next(item.pk for item in items if item.kind == Item.Kind.NPS)
    comment = next(item.pk for item in items if item.kind == Item.Kind.COMMENT)
    now = timezone.now()
    created = []
    for phrases, base in PHRASES.values():
        for i in range(per_theme):
            score = int(np.clip(base + rng.integers(-1, 2), 1, 7))
            scores: dict[int, tuple[int, int] | int | str] = {p: (5, score) for p in paired}
            scores[nps] = int(rng.integers(0, 11))
            scores[comment] = phrases[i % len(phrases)]
            at = now - timedelta(days=int(rng.integers(1, 20)), hours=1)
            created.append(factories.response(srv=srv, scores=scores, submitted_at=at))
    for _ in range(per_theme):
        scores = {p: (5, int(rng.integers(4, 8))) for p in paired}
        scores[nps] = int(rng.integers(5, 11))
        at = now - timedelta(days=int(rng.integers(1, 20)), hours=1)
        created.append(factories.response(srv=srv, scores=scores, submitted_at=at))
    return created


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    """Run queued tasks in-process also when REDIS_URL makes Celery asynchronous.

    The app reads Django's settings under the CELERY_ namespace, and a namespaced key wins over
    the plain one, so the namespaced keys are the ones to change.
    """
    from cxmonitor.celery import app

    keys = ("CELERY_TASK_ALWAYS_EAGER", "CELERY_TASK_EAGER_PROPAGATES")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(dict.fromkeys(keys, True))
    yield
    app.conf.update(saved)
