"""What changed on simulated touchpoints: a late start is no rise, a stable history lists
nothing, a planted drop is listed (through the page builder, no database)."""

from datetime import date, timedelta

import numpy as np

from dashboards.analytics import PairedSums, ValueSums
from dashboards.pages.builders.changes import SERIES_DAYS, calibrated_signals
from dashboards.statistics.selectors.kpis import DaySums, TouchpointPeriod
from tests.dashboards.analytics.simulation_support import touchpoints

END = date(2026, 5, 31)


def period(tp_id: int) -> TouchpointPeriod:
    return TouchpointPeriod(
        touchpoint_id=tp_id,
        public_key=f"tp{tp_id}",
        name=f"TP {tp_id}",
        phase_id=1,
        phase_order=1,
        phase_name_de="Kauf",
        phase_name_en="Purchase",
        channel="online",
        department_id=1,
        department_name="Vertrieb",
        responses=0,
        paired=PairedSums(),
        nps=ValueSums(),
        items=[],
    )


def simulated_days(seed: int, *, drop: float = 0.0, start: int = 0) -> list[DaySums]:
    rng = np.random.default_rng(seed)
    first = END - timedelta(days=SERIES_DAYS - 1)
    step = None if not drop else np.array([-drop])
    data = touchpoints(
        rng,
        series=1,
        days=SERIES_DAYS,
        volume=25,
        step=step,
        step_from=SERIES_DAYS - 7 if drop else None,
        first_weekday=first.weekday(),
    )
    out = []
    for i in range(SERIES_DAYS):
        day = first + timedelta(days=i)
        if i < start:
            out.append(DaySums(day, 0, PairedSums(), ValueSums()))
            continue
        n = int(data.n[0, i])
        total, sumsq = int(data.total[0, i]), int(data.sumsq[0, i])
        paired = PairedSums(n, total + n, total, sumsq + n, sumsq, 0, -n, n, 0, 0)
        promoters = n // 3
        detractors = n // 5
        nps = ValueSums(n, 0, 0, 0, promoters, n - promoters - detractors, detractors)
        out.append(DaySums(day, int(data.responses[0, i]), paired, nps))
    return out


def test_a_late_start_stable_history_and_a_planted_drop() -> None:
    # Given a stable touchpoint, one that started 20 days ago, and one that dropped 1.5 points
    series = {
        1: simulated_days(1),
        2: simulated_days(2, start=SERIES_DAYS - 20),
        3: simulated_days(3, drop=1.5),
    }
    first_days = {tp: next(d.day for d in days if d.responses > 0) for tp, days in series.items()}
    # When what changed is computed for the last week
    rows = calibrated_signals(
        periods=[period(1), period(2), period(3)], series=series, end=END, first_days=first_days
    )
    listed = {(r.touchpoint_id, r.signal.kpi, r.signal.direction) for r in rows}
    # Then only the planted drop is listed: the late start is not a rise in volume
    assert (3, "satisfaction", "down") in listed
    assert all(tp == 3 for tp, _kpi, _direction in listed)
    drop = next(r.signal for r in rows if r.signal.kpi == "satisfaction")
    assert drop.since == END - timedelta(days=6) and drop.last == END
    assert drop.size < -1.0
