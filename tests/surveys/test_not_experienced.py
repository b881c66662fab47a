""" "Not experienced": offered per paired item, stored without scores, counted, never averaged."""

import json
from datetime import timedelta

import numpy as np
import pytest
from django.test import Client
from django.utils import timezone

from cxmonitor.errors import ApplicationError
from dashboards.analytics import paired_kpis
from dashboards.statistics.models import DailyStat
from dashboards.statistics.selectors.kpis import kpi_rollup
from dashboards.statistics.services.aggregation import aggregate_range
from surveys.models import Answer, Item
from surveys.services import AnswerInput, response_submit

from .capture_support import API_URL, make_setup, new_submission_id, submission
from .page_support import filled_form, make_page_setup, open_form

pytestmark = pytest.mark.django_db


def test_service_stores_not_experienced_without_scores_only_where_offered() -> None:
    setup = make_setup()
    Item.objects.filter(pk=setup.paired[0].pk).update(allow_not_experienced=True)
    skipped = [
        AnswerInput(item_id=setup.paired[0].id, not_experienced=True),
        AnswerInput(item_id=setup.paired[1].id, expectation=5, satisfaction=5),
        AnswerInput(item_id=setup.nps.id, value=8),
    ]

    result = response_submit(submission=submission(setup, answers=skipped))
    with pytest.raises(ApplicationError) as not_offered:
        response_submit(
            submission=submission(
                setup,
                answers=[
                    AnswerInput(item_id=setup.paired[0].id, expectation=5, satisfaction=5),
                    AnswerInput(item_id=setup.paired[1].id, not_experienced=True),
                    AnswerInput(item_id=setup.nps.id, value=8),
                ],
            )
        )
    with pytest.raises(ApplicationError) as with_scores:
        response_submit(
            submission=submission(
                setup,
                answers=[
                    AnswerInput(
                        item_id=setup.paired[0].id,
                        expectation=5,
                        satisfaction=2,
                        not_experienced=True,
                    ),
                    *skipped[1:],
                ],
            )
        )

    answer = Answer.objects.get(response_id=result.response_id, item=setup.paired[0])
    assert answer.not_experienced and answer.expectation is None and answer.satisfaction is None
    assert set(not_offered.value.fields) == {"answers[1].not_experienced"}
    assert set(with_scores.value.fields) == {
        "answers[0].expectation",
        "answers[0].satisfaction",
    }


def test_not_experienced_is_counted_in_the_daily_statistics_and_left_out_of_the_means() -> None:
    # given: 40 API answers, some skipping the first attribute as not experienced
    setup = make_setup()
    Item.objects.filter(pk=setup.paired[0].pk).update(allow_not_experienced=True)
    rng = np.random.default_rng(11)
    skip = rng.random(40) < 0.3
    scores = rng.integers(1, 8, size=(40, 2))
    client = Client()
    for skipped, (e, s) in zip(skip, scores, strict=True):
        first = (
            {"item": "attribute-1", "not_experienced": True}
            if skipped
            else {"item": "attribute-1", "expectation": int(e), "satisfaction": int(s)}
        )
        body = {
            "touchpoint": setup.touchpoint.public_key,
            "submission_id": new_submission_id(),
            "language": "de",
            "answers": [
                first,
                {"item": "attribute-2", "expectation": 4, "satisfaction": 4},
                {"item": "nps", "value": 8},
            ],
        }
        response = client.generic(
            "POST", API_URL, json.dumps(body), content_type="application/json"
        )
        assert response.status_code == 201, response.content
    org = setup.touchpoint.phase.journey.organisation
    today = timezone.localdate(timezone=org.tzinfo)
    start, end = today - timedelta(days=1), today + timedelta(days=1)

    # when: the day is aggregated and the period read
    aggregate_range(touchpoint_ids=[setup.touchpoint.pk], start=start, end=end)
    (period,) = kpi_rollup(organisation_ids=[org.pk], start=start, end=end)

    # then: the count is a column of the daily statistics
    stat = DailyStat.objects.get(item=setup.paired[0])
    assert stat.not_experienced == int(skip.sum())
    assert stat.n == int((~skip).sum())
    # and the means, gap and interval equal numpy's over the scored answers only
    item = next(i for i in period.items if i.key == "attribute-1")
    assert item.not_experienced == int(skip.sum())
    assert item.not_experienced_share == pytest.approx(skip.mean())
    scored = scores[~skip].astype(float)
    kpis = paired_kpis(item.paired)  # type: ignore[arg-type]
    assert kpis.satisfaction.value == pytest.approx(scored[:, 1].mean())
    assert kpis.gap.value == pytest.approx((scored[:, 1] - scored[:, 0]).mean())
    # the pooled touchpoint figures leave them out as well
    assert period.paired.n == int((~skip).sum()) + 40


def test_page_offers_not_experienced_and_stores_it() -> None:
    setup = make_page_setup()
    Item.objects.filter(pk=setup.paired[0].pk).update(allow_not_experienced=True)
    client = Client()
    html = client.get(setup.url + "?lang=en").content.decode()
    fields = open_form(client, setup.url)
    data = filled_form(setup, fields, **{f"n_{setup.paired[0].pk}": "1"})
    del data[f"e_{setup.paired[0].pk}"], data[f"s_{setup.paired[0].pk}"]

    response = client.post(setup.url, data)

    assert "Not experienced / no answer" in html
    # the scales of that item are not required in the browser, the other item's are
    block = html.split(f'id="item-{setup.paired[0].pk}"', 1)[1].split('id="item-', 1)[0]
    other = html.split(f'id="item-{setup.paired[1].pk}"', 1)[1].split('id="item-', 1)[0]
    assert " required" not in block and " required" in other
    assert f'name="n_{setup.paired[0].pk}"' in block and 'name="n_' not in other
    assert response.status_code == 303
    answer = Answer.objects.get(item=setup.paired[0])
    assert answer.not_experienced and answer.satisfaction is None


def test_page_still_requires_a_score_when_not_experienced_is_not_ticked() -> None:
    setup = make_page_setup()
    Item.objects.filter(pk=setup.paired[0].pk).update(allow_not_experienced=True)
    client = Client()
    data = filled_form(setup, open_form(client, setup.url))
    del data[f"s_{setup.paired[0].pk}"]

    response = client.post(setup.url, data)

    assert response.status_code == 400
    assert not Answer.objects.exists()
