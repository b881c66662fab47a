"""After commit, capture schedules the touchpoint-day's aggregation once per burst, by task name."""

import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks

from cxmonitor.aggregation_contract import aggregation_pending_key
from cxmonitor.errors import ApplicationError
from surveys.services import aggregation_schedule, response_submit

from .capture_support import aggregation_calls, celery_conf, make_setup, submission

pytestmark = pytest.mark.django_db


def _purge_broker(app: object) -> None:
    """Drop the messages the non-eager tests published (memory broker or the test Redis db)."""
    with app.connection_for_write() as conn:  # type: ignore[attr-defined]
        conn.default_channel.queue_purge("celery")


def test_submission_schedules_its_touchpoint_day_after_commit(
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    # given: a touchpoint of an organisation in Berlin
    setup = make_setup()
    when = datetime.now(UTC).replace(microsecond=0)
    local_day = when.astimezone(setup.touchpoint.phase.journey.organisation.tzinfo).date()
    with aggregation_calls() as calls:
        # when
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            response_submit(submission=submission(setup, submitted_at=when))
        # then: nothing is scheduled before the commit ...
        assert calls == []
        assert len(callbacks) == 1
        for callback in callbacks:
            callback()
    # ... and exactly one scheduling afterwards, with the contract's kwargs
    assert len(calls) == 1
    assert calls[0]["touchpoint_id"] == setup.touchpoint.pk
    assert calls[0]["day"] == local_day.isoformat()
    assert calls[0]["how"] == ("published" if settings.REDIS_URL else "ran")


def test_eager_mode_runs_the_task_in_process(
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    setup = make_setup()
    with (
        celery_conf(task_always_eager=True),
        aggregation_calls() as calls,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response_submit(submission=submission(setup))
    assert [c["how"] for c in calls] == ["ran"]
    assert calls[0]["touchpoint_id"] == setup.touchpoint.pk


def test_rejected_submission_schedules_nothing(
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    setup = make_setup()
    with (
        aggregation_calls() as calls,
        django_capture_on_commit_callbacks(execute=True) as cbs,
        pytest.raises(ApplicationError),
    ):
        response_submit(submission=submission(setup, language="xx"))
    assert cbs == [] and calls == []


def test_rolled_back_submission_schedules_nothing(
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    setup = make_setup()
    with (
        aggregation_calls() as calls,
        django_capture_on_commit_callbacks(execute=True) as cbs,
        transaction.atomic(),
    ):
        response_submit(submission=submission(setup))
        transaction.set_rollback(True)
    assert cbs == [] and calls == []


def test_a_burst_of_1000_submissions_schedules_the_day_once(
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    # given: a real broker (Redis when configured, else the in-memory transport), not eager
    setup = make_setup()
    when = datetime.now(UTC).replace(microsecond=0)
    with celery_conf(task_always_eager=False) as app, aggregation_calls() as calls:
        try:
            # when: 1,000 customers answer at the same touchpoint on the same day
            with django_capture_on_commit_callbacks(execute=True) as callbacks:
                for _ in range(1000):
                    response_submit(submission=submission(setup, submitted_at=when))
            # then: one publish while the pending marker is set
            assert len(callbacks) == 1000
            assert [c["how"] for c in calls] == ["published"]
            day = when.astimezone(setup.touchpoint.phase.journey.organisation.tzinfo).date()
            key = aggregation_pending_key(touchpoint_id=setup.touchpoint.pk, day=day)
            assert cache.get(key) == 1

            # when the task has taken the marker (it deletes it first), the next answer schedules
            cache.delete(key)
            aggregation_schedule(touchpoint_id=setup.touchpoint.pk, day=day)
            assert len(calls) == 2
        finally:
            _purge_broker(app)


def test_other_days_and_touchpoints_are_scheduled_separately() -> None:
    a, b = make_setup(), make_setup()
    day1, day2 = date(2024, 5, 1), date(2024, 5, 2)
    with celery_conf(task_always_eager=False) as app, aggregation_calls() as calls:
        try:
            for tp, day in [(a, day1), (a, day1), (a, day2), (b, day1), (b, day2), (b, day2)]:
                aggregation_schedule(touchpoint_id=tp.touchpoint.pk, day=day)
        finally:
            _purge_broker(app)
    assert sorted((c["touchpoint_id"], c["day"]) for c in calls) == sorted(
        [
            (a.touchpoint.pk, "2024-05-01"),
            (a.touchpoint.pk, "2024-05-02"),
            (b.touchpoint.pk, "2024-05-01"),
            (b.touchpoint.pk, "2024-05-02"),
        ]
    )


def test_embedded_web_process_knows_the_task_by_name(tmp_path: Path) -> None:
    """Without Redis the web process runs the task itself; it must find it without a worker."""
    script = (
        "import django; django.setup()\n"
        "from datetime import date\n"
        "from cxmonitor.celery import app\n"
        "from cxmonitor.aggregation_contract import AGGREGATE_TOUCHPOINT_DAY_TASK as TASK\n"
        "from surveys.services import aggregation_schedule\n"
        "before = TASK in app.tasks\n"
        "aggregation_schedule(touchpoint_id=1, day=date(2024, 5, 1))\n"
        "print(before, TASK in app.tasks)\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cxmonitor.settings",
        "REDIS_URL": "",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'embedded.sqlite3'}",
        "PYTHONPATH": str(settings.BASE_DIR),
    }
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "False True"
