"""The dashboards' filters as typed values: what a page builder receives from the view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.http import QueryDict

# Columns of the KPI table the server can sort by; "-" in front means descending.
SORT_KEYS = ("phase", "name", "n", "expectation", "satisfaction", "gap", "nps", "change")
DEFAULT_SORT = "phase"


@dataclass(frozen=True)
class Filters:
    """The management filters: an inclusive period and optional phase, channel, department."""

    period: str
    start: date
    end: date
    touchpoint_key: str | None = None
    phase_id: int | None = None
    channel: str | None = None
    department_id: int | None = None
    sort: str = DEFAULT_SORT

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def previous(self) -> tuple[date, date]:
        """The period of equal length just before this one."""
        return self.start - timedelta(days=self.days), self.start - timedelta(days=1)

    def query(self, **overrides: str | None) -> str:
        """The query string that reproduces these filters (for links, exports and the URL)."""
        params: dict[str, str] = {"period": self.period}
        if self.period == "custom":
            params["from"] = self.start.isoformat()
            params["to"] = self.end.isoformat()
        if self.touchpoint_key:
            params["touchpoint"] = self.touchpoint_key
        if self.phase_id is not None:
            params["phase"] = str(self.phase_id)
        if self.channel:
            params["channel"] = self.channel
        if self.department_id is not None:
            params["department"] = str(self.department_id)
        if self.sort != DEFAULT_SORT:
            params["sort"] = self.sort
        for key, value in overrides.items():
            if value is None:
                params.pop(key, None)
            else:
                params[key] = value
        q = QueryDict(mutable=True)
        q.update(params)
        return q.urlencode()

    def rollup_kwargs(self) -> dict[str, Any]:
        """The filters as the keyword arguments of the statistics selectors."""
        return {
            "touchpoint_keys": [self.touchpoint_key] if self.touchpoint_key else None,
            "phase_ids": [self.phase_id] if self.phase_id is not None else None,
            "channel": self.channel,
            "department_ids": [self.department_id] if self.department_id is not None else None,
        }


@dataclass(frozen=True)
class AnalysisChoices:
    """The analysis page's own selections: lag pair, trend, correlation KPI, comment filters."""

    lag_a: str | None
    lag_a_kpi: str | None
    lag_b: str | None
    lag_b_kpi: str | None
    trend: str | None
    trend_kpi: str | None
    corr_kpi: str
    comment_touchpoint: str | None
    comment_phase: int | None
    comment_score: str | None
    comment_page: int
