"""The nightly importance stores Johnson's relative weights of the linked touchpoints."""

import itertools
import random
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from dashboards.statistics.selectors.importance import importance_for
from dashboards.statistics.services.aggregation import aggregate_range
from dashboards.statistics.services.importance import importance_refresh
from tests import factories as f

END = date(2024, 6, 30)


def pairwise_r(a: np.ndarray, b: np.ndarray) -> float:
    both = ~np.isnan(a) & ~np.isnan(b)
    return float(np.corrcoef(a[both], b[both])[0, 1])


@pytest.mark.django_db
def test_relative_weights_are_stored_and_equal_johnsons_formula() -> None:
    # Given 90 customers who answer at two or three of three touchpoints; their NPS follows
    # their satisfaction at the first two only
    rng = random.Random(3)
    org = f.organisation()
    tps = [f.touchpoint(org=org, name=name) for name in ("Hotline", "Lieferung", "Website")]
    surveys = [f.survey(tp=tp, paired=1, nps=True, comment=False) for tp in tps]
    sat = np.full((90, 3), np.nan)
    nps = np.zeros(90)
    for c in range(90):
        visited = rng.sample(range(3), rng.choice((2, 3)))
        mood = rng.gauss(0, 1)
        for j in visited:
            sat[c, j] = min(
                7, max(1, round(4.5 + mood * (1.0 if j < 2 else 0.1) + rng.gauss(0, 1)))
            )
        drive = np.nanmean([sat[c, j] - 4.5 for j in (0, 1) if not np.isnan(sat[c, j])] or [0])
        nps[c] = min(10, max(0, round(7 + 1.5 * drive + rng.gauss(0, 1))))
        for j in visited:
            paired, nps_item = surveys[j].items.order_by("order")[:2]
            f.response(
                srv=surveys[j],
                scores={paired.pk: (5, int(sat[c, j])), nps_item.pk: int(nps[c])},
                submitted_at=datetime(2024, 6, 1 + c % 28, 12, tzinfo=UTC),
                customer_key=f"kunde-{c}",
            )
    aggregate_range(start=END - timedelta(days=89), end=END)
    # When the nightly refresh runs (every touchpoint has at least 30 linked customers)
    importance_refresh(organisation_id=org.pk, end=END)
    stored = {row.name: row for row in importance_for(organisation_ids=[org.pk])}
    # Then the weights equal Johnson's formula on the pairwise-complete correlations
    r = np.eye(4)
    data = np.column_stack([sat, nps])
    for i, j in itertools.combinations(range(4), 2):
        r[i, j] = r[j, i] = pairwise_r(data[:, i], data[:, j])
    eig, vec = np.linalg.eigh(r[:3, :3])
    lam = vec @ np.diag(np.sqrt(eig)) @ vec.T
    beta = np.linalg.solve(lam, r[:3, 3])
    expected = (lam**2) @ (beta**2)
    names = ["Hotline", "Lieferung", "Website"]
    assert [stored[n].weight for n in names] == pytest.approx(list(expected), abs=1e-9)
    r2 = float(r[:3, 3] @ np.linalg.solve(r[:3, :3], r[:3, 3]))
    assert stored["Hotline"].r_squared == pytest.approx(r2, abs=1e-9)
    assert sum(stored[n].weight or 0 for n in names) == pytest.approx(r2, abs=1e-9)
    assert stored["Hotline"].weight_n == 90 and not stored["Hotline"].weight_adjusted
    # and the driver without influence has an interval reaching 0, the others do not
    hotline_ci, website_ci = stored["Hotline"].weight_ci, stored["Website"].weight_ci
    assert hotline_ci is not None and website_ci is not None
    assert hotline_ci[0] > 0.01 and website_ci[0] <= 0.01
