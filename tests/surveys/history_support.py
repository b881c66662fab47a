"""Shared fixture of the history-import and identity tests."""

from collections.abc import Iterator

import pytest
from django.utils import translation

from tests.surveys.capture_support import celery_conf


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    """Tasks sent by name run in-process, also when REDIS_URL points Celery at a broker.

    The app reads Django's CELERY_* names before its own, so both spellings are set.
    """
    with celery_conf(
        CELERY_TASK_ALWAYS_EAGER=True,
        CELERY_TASK_EAGER_PROPAGATES=True,
        task_always_eager=True,
        task_eager_propagates=True,
    ):
        yield


@pytest.fixture
def english() -> Iterator[None]:
    with translation.override("en"):
        yield
