"""Item keys: the API accepts them (and ids) across versions; figures continue by key."""

import json
from datetime import timedelta

import numpy as np
import pytest
import yaml
from django.test import Client
from django.utils import timezone

from dashboards.statistics.selectors.kpis import kpi_rollup
from dashboards.statistics.services.aggregation import aggregate_range
from surveys.authoring import survey_draft_get_or_create, survey_publish
from surveys.models import Answer, Item, Response

from .capture_support import API_URL, make_setup, new_submission_id

pytestmark = pytest.mark.django_db


def _post(
    body: dict[str, object], headers: dict[str, str] | None = None
) -> tuple[int, dict[str, object]]:
    response = Client().generic(
        "POST", API_URL, json.dumps(body), content_type="application/json", headers=headers
    )
    return response.status_code, response.json()


def _by_keys(public_key: str, e: int, s: int) -> dict[str, object]:
    return {
        "touchpoint": public_key,
        "submission_id": new_submission_id(),
        "language": "en",
        "answers": [
            {"item": "attribute-1", "expectation": e, "satisfaction": s},
            {"item": "attribute-2", "expectation": 4, "satisfaction": 5},
            {"item": "nps", "value": 9},
        ],
    }


def test_an_api_client_using_keys_keeps_working_across_a_new_version() -> None:
    # given: an integration posting by key against version 1
    setup = make_setup()
    key = setup.touchpoint.public_key
    before, _ = _post(_by_keys(key, 6, 3))
    # when: version 2 goes live, with a new question and a reworded one that keeps its key
    draft, _ = survey_draft_get_or_create(touchpoint_id=setup.touchpoint.pk)
    Item.objects.filter(survey=draft, key="attribute-1").update(label_en="Waiting on the phone")
    Item.objects.create(survey=draft, kind="paired", label_de="Neu", label_en="New", order=9)
    survey_publish(survey_id=draft.pk)
    after, _ = _post(_by_keys(key, 7, 2))
    old_ids, _ = _post(
        {
            **_by_keys(key, 5, 5),
            "answers": [
                {"item": setup.paired[0].pk, "expectation": 5, "satisfaction": 5},
                {"item": setup.paired[1].pk, "expectation": 5, "satisfaction": 5},
                {"item": setup.nps.pk, "value": 8},
            ],
        }
    )
    unknown, errors = _post(
        {**_by_keys(key, 5, 5), "answers": [{"item": "no-such-question", "value": 3}]},
        headers={"Accept-Language": "en"},
    )
    # then: both stored, each with its version and that version's items
    assert (before, after, old_ids) == (201, 201, 201)
    versions = list(Response.objects.order_by("id").values_list("survey__version", flat=True))
    assert versions == [1, 2, 2]
    last = Response.objects.order_by("-id").first()
    assert last is not None
    assert set(last.answers.values_list("item__survey_id", flat=True)) == {draft.pk}
    assert unknown == 400
    fields = errors["errors"]
    assert isinstance(fields, dict)
    assert fields["answers[0].item"] == ["Unknown question key."]


def test_per_item_figures_continue_across_versions_by_key() -> None:
    # given: answers to "attribute-1" in version 1 and version 2 on the same days
    setup = make_setup()
    key = setup.touchpoint.public_key
    rng = np.random.default_rng(5)
    v1 = [(int(e), int(s)) for e, s in rng.integers(1, 8, size=(12, 2))]
    v2 = [(int(e), int(s)) for e, s in rng.integers(1, 8, size=(9, 2))]
    for e, s in v1:
        assert _post(_by_keys(key, e, s))[0] == 201
    draft, _ = survey_draft_get_or_create(touchpoint_id=setup.touchpoint.pk)
    survey_publish(survey_id=draft.pk)
    for e, s in v2:
        assert _post(_by_keys(key, e, s))[0] == 201
    today = timezone.localdate(timezone=setup.touchpoint.phase.journey.organisation.tzinfo)
    aggregate_range(
        touchpoint_ids=[setup.touchpoint.pk],
        start=today - timedelta(days=1),
        end=today + timedelta(days=1),
    )

    # when: the period's figures are read
    (period,) = kpi_rollup(
        organisation_ids=[setup.touchpoint.phase.journey.organisation_id],
        start=today - timedelta(days=1),
        end=today + timedelta(days=1),
    )

    # then: one row per key, the newest version's item, sums over both versions
    keys = [item.key for item in period.items]
    assert keys.count("attribute-1") == 1 and keys.count("nps") == 1
    item = next(i for i in period.items if i.key == "attribute-1")
    assert item.item_id == draft.items.get(key="attribute-1").pk
    raw = np.array(
        Answer.objects.filter(item__key="attribute-1", item__survey__touchpoint=setup.touchpoint)
        .values_list("expectation", "satisfaction")
        .order_by("id"),
        dtype=float,
    )
    assert item.paired is not None and item.paired.n == len(v1) + len(v2) == len(raw)
    assert item.paired.sum_s == int(raw[:, 1].sum())
    assert item.paired.sum_gap == int((raw[:, 1] - raw[:, 0]).sum())
    assert np.isclose(item.paired.sum_s / item.paired.n, np.mean([s for _, s in v1 + v2]))


def test_openapi_schema_shows_item_keys_and_an_example_by_key(client: Client) -> None:
    schema = yaml.safe_load(client.get("/api/schema/").content)
    answer = schema["components"]["schemas"]["ResponseCreateAnswer"]
    operation = schema["paths"]["/api/v1/responses/"]["post"]
    examples = operation["requestBody"]["content"]["application/json"]["examples"]

    item = answer["properties"]["item"]
    assert [option["type"] for option in item["oneOf"]] == ["string", "integer"]
    assert "key" in item["description"]
    assert "not_experienced" in answer["properties"]
    by_key = next(e["value"] for e in examples.values() if "item" in e["value"]["answers"][0])
    assert by_key["answers"][0]["item"] == "waiting-time"
