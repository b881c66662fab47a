"""GET /api/v1/kpis/: shape, auth, scoping, and agreement with numpy/scipy on the raw answers."""

import random
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from scipy import stats

from dashboards.statistics.services.aggregation import aggregate_range
from tests import factories as f
from touchpoints.models import Organisation, Touchpoint

URL = "/api/v1/kpis/"
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
START = datetime(2024, 5, 1, 0, 0, tzinfo=UTC)
FROM, TO = date(2024, 5, 3), date(2024, 5, 12)


@dataclass
class Raw:
    """The raw answers per touchpoint, as the test wrote them (inside the queried period)."""

    pairs: dict[int, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))
    nps: list[int] = field(default_factory=list)
    responses: int = 0


@dataclass
class World:
    org: Organisation
    other_org: Organisation
    touchpoints: list[Touchpoint]
    other: Touchpoint
    raw: dict[int, Raw]


def _fill(tp: Touchpoint, *, responses: int, paired: int, rng: random.Random) -> Raw:
    survey = f.survey(tp=tp, paired=paired, nps=True, comment=False)
    items = list(survey.items.order_by("order"))
    raw = Raw()
    for _ in range(responses):
        at = START + timedelta(minutes=rng.randrange(16 * 24 * 60))
        inside = FROM <= at.astimezone(BERLIN).date() <= TO
        scores: dict[int, Any] = {}
        for item in items[:paired]:
            pair = (rng.randint(1, 7), rng.randint(1, 7))
            scores[item.pk] = pair
            if inside:
                raw.pairs[item.pk].append(pair)
        value = rng.randint(0, 10)
        scores[items[paired].pk] = value
        if inside:
            raw.nps.append(value)
            raw.responses += 1
        f.response(srv=survey, scores=scores, submitted_at=at)
    return raw


@pytest.fixture
def world(db: None) -> World:
    rng = random.Random(11)
    org, other_org = f.organisation(), f.organisation()
    journey = f.journey(org=org)
    first_phase, second_phase = journey.phases.get(order=1), journey.phases.get(order=2)
    tps = [
        f.touchpoint(phase=first_phase, name="Hotline"),
        f.touchpoint(phase=second_phase, name="Onlineshop"),
        f.touchpoint(phase=second_phase, name="Rechnung"),  # no answers at all
    ]
    raw = {
        tps[0].pk: _fill(tps[0], responses=100, paired=2, rng=rng),
        tps[1].pk: _fill(tps[1], responses=40, paired=1, rng=rng),
    }
    f.survey(tp=tps[2], paired=1)
    other = f.touchpoint(org=other_org, name="Fremd")
    _fill(other, responses=20, paired=1, rng=rng)
    aggregate_range(start=date(2024, 4, 30), end=date(2024, 5, 18))
    return World(org, other_org, tps, other, raw)


def _get(client: Client, *, lang: str = "en", **params: Any) -> Any:
    query = {"from": FROM.isoformat(), "to": TO.isoformat(), **params}
    return client.get(URL, query, HTTP_ACCEPT_LANGUAGE=lang)


def _t_interval(values: np.ndarray) -> tuple[float, tuple[float, float]]:
    low, high = stats.t.interval(0.95, values.size - 1, loc=values.mean(), scale=stats.sem(values))
    return float(values.mean()), (float(low), float(high))


def _assert_mean(block: dict[str, Any], values: np.ndarray) -> None:
    mean, (low, high) = _t_interval(values.astype(float))
    assert block["mean"] == pytest.approx(mean, abs=1e-9)
    assert block["ci"][0] == pytest.approx(low, abs=1e-9)
    assert block["ci"][1] == pytest.approx(high, abs=1e-9)


def test_figures_agree_with_numpy_and_scipy_on_the_raw_answers(
    world: World, client: Client
) -> None:
    client.force_login(f.manager(world.org))
    response = _get(client)
    assert response.status_code == 200
    body = response.json()
    assert body["from"] == FROM.isoformat() and body["to"] == TO.isoformat()
    by_key = {t["touchpoint"]: t for t in body["touchpoints"]}
    assert list(by_key) == [tp.public_key for tp in world.touchpoints]

    for tp in world.touchpoints[:2]:
        raw, entry = world.raw[tp.pk], by_key[tp.public_key]
        pooled = np.array([p for pairs in raw.pairs.values() for p in pairs], dtype=np.int64)
        e, s = pooled[:, 0], pooled[:, 1]
        assert entry["n"] == raw.responses
        _assert_mean(entry["expectation"], e)
        _assert_mean(entry["satisfaction"], s)
        _assert_mean(entry["gap"], s - e)
        v = np.array(raw.nps)
        p_plus, p_minus = float((v >= 9).mean()), float((v <= 6).mean())
        nps = 100 * (p_plus - p_minus)
        half = (
            stats.norm.ppf(0.975)
            * 100
            * np.sqrt((p_plus + p_minus - (p_plus - p_minus) ** 2) / v.size)
        )
        assert entry["nps"]["n"] == v.size
        assert entry["nps"]["value"] == pytest.approx(nps, abs=1e-9)
        assert entry["nps"]["ci"] == pytest.approx([nps - half, nps + half], abs=1e-9)
        assert entry["small_n"] is (raw.responses < 30)
        assert [i["item"] for i in entry["items"]] == list(raw.pairs)
        for item in entry["items"]:
            pairs = np.array(raw.pairs[item["item"]], dtype=np.int64)
            assert item["n"] == len(pairs)
            _assert_mean(item["expectation"], pairs[:, 0])
            _assert_mean(item["satisfaction"], pairs[:, 1])
            _assert_mean(item["gap"], pairs[:, 1] - pairs[:, 0])


def test_the_shape_is_exactly_the_documented_one(world: World, client: Client) -> None:
    client.force_login(f.manager(world.org))
    body = _get(client).json()
    assert set(body) == {"from", "to", "touchpoints"}
    entry = body["touchpoints"][0]
    assert set(entry) == {
        "touchpoint",
        "name",
        "phase",
        "n",
        "expectation",
        "satisfaction",
        "gap",
        "nps",
        "small_n",
        "items",
    }
    assert set(entry["expectation"]) == {"mean", "ci"} == set(entry["gap"])
    assert set(entry["nps"]) == {"value", "ci", "n"}
    assert set(entry["items"][0]) == {"item", "label", "n", "expectation", "satisfaction", "gap"}
    assert entry["name"] == "Hotline"
    assert entry["phase"] == "Awareness"
    assert entry["items"][0]["label"] == "Attribute 1"
    # A touchpoint without answers: n 0 and nulls, never a made-up number
    empty = body["touchpoints"][2]
    assert empty["n"] == 0 and empty["small_n"] is True and empty["items"] == []
    assert empty["expectation"] == {"mean": None, "ci": None}
    assert empty["nps"] == {"value": None, "ci": None, "n": 0}


def test_the_phase_and_labels_follow_the_request_language(world: World, client: Client) -> None:
    client.force_login(f.manager(world.org))
    german = _get(client, lang="de").json()["touchpoints"][0]
    assert german["phase"] == "Aufmerksamkeit"
    assert german["items"][0]["label"] == "Merkmal 1"


def test_filters_by_touchpoint_phase_and_item(world: World, client: Client) -> None:
    client.force_login(f.manager(world.org))
    hotline, shop = world.touchpoints[0], world.touchpoints[1]
    only = _get(client, touchpoint=shop.public_key).json()["touchpoints"]
    assert [t["touchpoint"] for t in only] == [shop.public_key]
    phase = _get(client, phase=shop.phase_id).json()["touchpoints"]
    assert [t["touchpoint"] for t in phase] == [shop.public_key, world.touchpoints[2].public_key]
    first_item = hotline.surveys.get().items.get(order=1)
    item = _get(client, touchpoint=hotline.public_key, item=first_item.pk).json()["touchpoints"][0]
    pairs = np.array(world.raw[hotline.pk].pairs[first_item.pk])
    assert [i["item"] for i in item["items"]] == [first_item.pk]
    _assert_mean(item["satisfaction"], pairs[:, 1])


def test_anonymous_callers_get_401_and_tokens_work(world: World, client: Client) -> None:
    assert _get(client).status_code == 401
    manager = f.manager(world.org)
    token = Token.objects.create(user=manager)
    response = client.get(
        URL,
        {"from": FROM.isoformat(), "to": TO.isoformat()},
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    assert response.status_code == 200
    assert len(response.json()["touchpoints"]) == 3
    bad = client.get(URL, {"from": "2024-05-01", "to": "2024-05-02"}, HTTP_AUTHORIZATION="Token x")
    assert bad.status_code == 401


def test_a_manager_sees_only_their_organisation(world: World, client: Client) -> None:
    client.force_login(f.manager(world.org))
    keys = {t["touchpoint"] for t in _get(client).json()["touchpoints"]}
    assert world.other.public_key not in keys
    foreign = _get(client, touchpoint=world.other.public_key)
    unknown = _get(client, touchpoint="no-such-touchpoint")
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.json() == unknown.json()
    assert _get(client, organisation=world.other_org.slug).status_code == 404
    assert _get(client, phase=world.other.phase_id).json()["touchpoints"] == []


def test_a_consultant_sees_every_organisation_and_can_narrow(world: World, client: Client) -> None:
    client.force_login(f.consultant())
    keys = {t["touchpoint"] for t in _get(client).json()["touchpoints"]}
    assert world.other.public_key in keys and world.touchpoints[0].public_key in keys
    narrowed = _get(client, organisation=world.other_org.slug).json()["touchpoints"]
    assert [t["touchpoint"] for t in narrowed] == [world.other.public_key]


@pytest.mark.parametrize(
    ("params", "field_name"),
    [
        ({"from": "2024-13-01", "to": "2024-05-01"}, "from"),
        ({"from": "yesterday", "to": "2024-05-01"}, "from"),
        ({"to": "2024-05-01"}, "from"),
        ({"from": "2024-05-01"}, "to"),
        ({"from": "2024-05-02", "to": "2024-05-01"}, "to"),
        ({"from": "2020-01-01", "to": "2024-01-01"}, "to"),
        ({"from": "2024-05-01", "to": "2024-05-02", "phase": "x"}, "phase"),
        ({"from": "2024-05-01", "to": "2024-05-02", "item": "-1"}, "item"),
        # given empty, a parameter is an error rather than a silent "all"
        ({"from": "2024-05-01", "to": "2024-05-02", "touchpoint": ""}, "touchpoint"),
        ({"from": "2024-05-01", "to": "2024-05-02", "phase": " "}, "phase"),
        ({"from": "", "to": "2024-05-02"}, "from"),
    ],
)
def test_bad_parameters_give_400_with_a_message_per_field(
    db: None, client: Client, params: dict[str, str], field_name: str
) -> None:
    client.force_login(f.manager(f.organisation()))
    response = client.get(URL, params)
    assert response.status_code == 400
    body = response.json()
    assert body["detail"]
    assert body["errors"][field_name] and all(
        isinstance(m, str) for m in body["errors"][field_name]
    )


def test_three_years_are_allowed(db: None, client: Client) -> None:
    client.force_login(f.manager(f.organisation()))
    assert client.get(URL, {"from": "2021-01-01", "to": "2023-12-31"}).status_code == 200


def test_queries_do_not_grow_with_touchpoints(db: None, client: Client) -> None:
    org = f.organisation()
    client.force_login(f.manager(org))

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL, {"from": "2024-05-01", "to": "2024-05-31"}).status_code == 200
        return len(captured.captured_queries)

    rng = random.Random(3)
    tp = f.touchpoint(org=org)
    _fill(tp, responses=5, paired=1, rng=rng)
    aggregate_range(start=date(2024, 5, 1), end=date(2024, 5, 31))
    few = count_queries()
    for _ in range(4):
        _fill(f.touchpoint(org=org), responses=5, paired=2, rng=rng)
    aggregate_range(start=date(2024, 5, 1), end=date(2024, 5, 31))
    assert count_queries() == few


def test_the_endpoints_are_in_the_openapi_schema(db: None, client: Client) -> None:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    kpis = schema["paths"]["/api/v1/kpis/"]["get"]
    names = {p["name"] for p in kpis["parameters"]}
    assert {"from", "to", "touchpoint", "phase", "item", "organisation"} <= names
    assert "200" in kpis["responses"] and "400" in kpis["responses"]
    assert "/api/v1/responses/export.csv" in schema["paths"]


def test_messages_follow_the_request_language(db: None, client: Client) -> None:
    client.force_login(f.manager(f.organisation()))
    params = {"from": "2020-01-01", "to": "2024-01-01"}
    german = client.get(URL, params, HTTP_ACCEPT_LANGUAGE="de").json()
    english = client.get(URL, params, HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["errors"]["to"] == ["The period may span at most three years."]
    assert german["errors"]["to"] == ["Der Zeitraum darf höchstens drei Jahre umfassen."]
    assert german["detail"] == "Ungültige Abfrageparameter."
