"""python manage.py aggregate: backfills by chunks, refreshes importance, refuses bad arguments."""

import io
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import translation

from dashboards.statistics.models import DailyStat, TouchpointDay, TouchpointImportance
from tests import factories as f


@pytest.mark.django_db
def test_backfill_from_the_first_response_until_today() -> None:
    # Given answers on 20 different days of one organisation and one answer elsewhere
    org, other = f.organisation(), f.organisation()
    tp = f.touchpoint(org=org)
    survey = f.survey(tp=tp, paired=1, nps=True, comment=False)
    paired, nps = survey.items.order_by("order")
    first = datetime.combine(datetime.now(UTC).date() - timedelta(days=62), time(12), tzinfo=UTC)
    for i in range(20):
        f.response(
            srv=survey,
            scores={paired.pk: (4, i % 7 + 1), nps.pk: i % 11},
            submitted_at=first + timedelta(days=3 * i),
        )
    other_tp = f.touchpoint(org=other)
    other_survey = f.survey(tp=other_tp, paired=1, nps=False, comment=False)
    f.response(srv=other_survey, scores={other_survey.items.get().pk: (1, 1)}, submitted_at=first)

    # When the backfill runs for the organisation, with defaults for the period
    out = io.StringIO()
    with translation.override("en"):
        call_command("aggregate", "--organisation", org.slug, stdout=out, stderr=io.StringIO())

    # Then every day with answers has its rows, the other organisation was left alone
    days = set(TouchpointDay.objects.filter(touchpoint=tp).values_list("day", flat=True))
    assert days == {(first + timedelta(days=3 * i)).date() for i in range(20)}
    assert DailyStat.objects.filter(touchpoint=tp, item=paired).count() == 20
    assert not DailyStat.objects.filter(touchpoint=other_tp).exists()
    assert "40 daily rows" in out.getvalue()
    # And importance was refreshed at the end
    assert TouchpointImportance.objects.filter(touchpoint=tp).exists()


@pytest.mark.django_db
def test_since_and_until_bound_the_backfill() -> None:
    tp = f.touchpoint()
    survey = f.survey(tp=tp, paired=1, nps=False, comment=False)
    for day in (1, 5, 9):
        f.response(
            srv=survey,
            scores={survey.items.get().pk: (2, 3)},
            submitted_at=datetime(2024, 2, day, 12, tzinfo=UTC),
        )
    call_command(
        "aggregate",
        "--since",
        "2024-02-02",
        "--until",
        "2024-02-08",
        "--no-importance",
        stdout=io.StringIO(),
    )
    assert list(TouchpointDay.objects.values_list("day", flat=True)) == [date(2024, 2, 5)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "2024-02-30"], "--since"),
        (["--until", "tomorrow"], "--until"),
        (["--since", "2024-03-02", "--until", "2024-03-01"], "--since must not be after --until"),
        (["--organisation", "no-such-client"], "no-such-client"),
    ],
)
def test_bad_arguments_raise_a_clear_error(args: list[str], message: str) -> None:
    with translation.override("en"), pytest.raises(CommandError, match=message):
        call_command("aggregate", *args, stdout=io.StringIO())


def test_a_bad_date_exits_non_zero_from_the_shell() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "aggregate", "--since", "01.02.2024"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "--since" in result.stderr and "01.02.2024" in result.stderr
