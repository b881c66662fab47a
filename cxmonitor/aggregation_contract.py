"""What capture (surveys) and the statistics (dashboards) agree on to schedule an aggregation.

Capture sends the task by name and never imports dashboards, so the dependency runs one way;
both sides read the name and the coalescing cache key from here.
"""

from datetime import date

AGGREGATE_TOUCHPOINT_DAY_TASK = "dashboards.aggregate_touchpoint_day"


def aggregation_pending_key(*, touchpoint_id: int, day: date) -> str:
    """The cache key that coalesces scheduling of one touchpoint-day."""
    return f"agg-pending:{touchpoint_id}:{day.isoformat()}"
