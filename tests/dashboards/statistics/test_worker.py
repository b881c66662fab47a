"""A real Celery worker against Redis and PostgreSQL picks up the on-commit aggregation task."""

import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache

from cxmonitor.aggregation_contract import aggregation_pending_key
from cxmonitor.celery import app as celery_app
from cxmonitor.days import local_today
from dashboards.statistics.models import DailyStat, TouchpointDay, WorkerHeartbeat
from dashboards.statistics.selectors.kpis import worker_heartbeat_age
from surveys.services import AnswerInput, SubmissionInput, aggregation_schedule, response_submit
from tests import factories as f

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
WAIT_SECONDS = 30
SUCCEEDED = re.compile(r"Task dashboards\.aggregate_touchpoint_day\[[^\]]+\] succeeded")


class Worker:
    """A `celery worker` subprocess and its log."""

    def __init__(self, log: Path) -> None:
        self.log = log

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def aggregations(self) -> int:
        return len(SUCCEEDED.findall(self.output()))


def _database_url() -> str:
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _wait_for(condition: Callable[[], Any], *, seconds: float = WAIT_SECONDS) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    return condition()


@pytest.fixture
def worker(require_postgres: None, redis_url: str, transactional_db: None) -> Iterator[Worker]:
    """Start a solo worker on the test database (after the cache/broker db was flushed)."""
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "cxmonitor.settings",
        "CONN_MAX_AGE": "0",
        "WEBHOOK_ALLOWED_TARGETS": "127.0.0.1",  # the tests' webhook receivers listen there
    }
    with tempfile.NamedTemporaryFile("w", suffix=".log", delete=False) as handle:
        log = Path(handle.name)
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "cxmonitor",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "-Q",
                "celery",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"test-{os.getpid()}@%h",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    handle_ = Worker(log)
    try:
        if not _wait_for(lambda: "ready." in handle_.output() or process.poll() is not None):
            pytest.fail("the worker did not start:\n" + handle_.output()[-3000:])
        if process.poll() is not None:
            pytest.fail("the worker exited:\n" + handle_.output()[-3000:])
        yield handle_
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        log.unlink(missing_ok=True)


def test_worker_picks_up_the_on_commit_task_and_statistics_appear(worker: Worker) -> None:
    # Given an active touchpoint with a survey
    tp = f.touchpoint()
    survey = f.survey(tp=tp, paired=1, nps=True, comment=False)
    paired, nps = survey.items.order_by("order")

    # When a customer answers through the capture service (which schedules after commit)
    result = response_submit(
        submission=SubmissionInput(
            public_key=tp.public_key,
            submission_id="worker-test-1",
            answers=[
                AnswerInput(item_id=paired.pk, expectation=6, satisfaction=3),
                AnswerInput(item_id=nps.pk, value=9),
            ],
            channel="api",
            language="de",
        )
    )
    assert result.created

    # Then the worker recomputes the touchpoint-day and the statistics appear
    row = _wait_for(lambda: DailyStat.objects.filter(touchpoint=tp, item=paired).first())
    assert row is not None, worker.output()[-3000:]
    assert (row.n, row.sum_e, row.sum_s, row.sum_gap) == (1, 6, 3, -3)
    assert row.day == local_today(tz=tp.phase.journey.organisation.tzinfo)
    assert DailyStat.objects.get(touchpoint=tp, item=nps).promoters == 1
    assert TouchpointDay.objects.get(touchpoint=tp).responses == 1
    assert cache.get(aggregation_pending_key(touchpoint_id=tp.pk, day=row.day)) is None


def test_a_burst_of_1000_answers_causes_a_handful_of_recomputations(worker: Worker) -> None:
    # Given a touchpoint-day receiving 1,000 answers in quick succession, each scheduling
    # its touchpoint-day after commit as the capture service does
    tp = f.touchpoint()
    survey = f.survey(tp=tp, paired=1, nps=False, comment=False)
    item = survey.items.get()
    now = datetime.now(UTC).replace(microsecond=0)
    day = local_today(tz=tp.phase.journey.organisation.tzinfo, now=now)
    for i in range(1000):
        f.response(srv=survey, scores={item.pk: (i % 7 + 1, 4)}, submitted_at=now)
        aggregation_schedule(touchpoint_id=tp.pk, day=day)

    # Then all of them are counted ...
    assert _wait_for(lambda: DailyStat.objects.filter(touchpoint=tp, item=item, n=1000).exists()), (
        worker.output()[-3000:]
    )
    assert _wait_for(
        lambda: cache.get(aggregation_pending_key(touchpoint_id=tp.pk, day=day)) is None
    )
    time.sleep(1)
    # ... by a handful of recomputations, not 1,000
    runs = worker.aggregations()
    assert 1 <= runs <= 10, worker.output()[-3000:]
    assert DailyStat.objects.get(touchpoint=tp, item=item).sum_e == sum(
        i % 7 + 1 for i in range(1000)
    )


def test_the_heartbeat_shows_a_consuming_worker(worker: Worker) -> None:
    assert worker_heartbeat_age() is None
    celery_app.signature("dashboards.heartbeat").apply_async()
    assert _wait_for(lambda: WorkerHeartbeat.objects.exists()), worker.output()[-3000:]
    age = worker_heartbeat_age()
    assert age is not None and age < timedelta(seconds=WAIT_SECONDS)
