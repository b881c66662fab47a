"""Calendar days in an organisation's time zone, shared by capture, statistics and pages."""

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

from django.utils import timezone


def day_in_time_zone(*, moment: datetime, time_zone: str) -> date:
    """The calendar day of an aware datetime in the given IANA time zone."""
    return moment.astimezone(zoneinfo.ZoneInfo(time_zone)).date()


def local_today(*, tz: zoneinfo.ZoneInfo, now: datetime | None = None) -> date:
    """Today's date in the given time zone."""
    return (now or timezone.now()).astimezone(tz).date()


def utc_bounds(*, tz: zoneinfo.ZoneInfo, start: date, end: date) -> tuple[datetime, datetime]:
    """UTC instants [from, to) covering the local days start..end (inclusive) in tz.

    Exact: every instant in the interval falls on one of these local days (zoneinfo resolves a
    skipped or repeated midnight to the day's first instant), so the grouped rows need no second
    filter on the local date.
    """
    lower = datetime.combine(start, time.min, tzinfo=tz)
    upper = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)
    return lower.astimezone(UTC), upper.astimezone(UTC)
