"""seed_demo: deterministic demo client whose planted patterns show in the raw answers."""

import hashlib
import io
import os
import subprocess
import sys
from collections import defaultdict
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count

from surveys.demo import ALLOWED_ORIGIN, DEPARTMENTS, ORGANISATION_SLUG
from surveys.models import Answer, Item, Response, Survey
from surveys.privacy import customer_key_from_id
from tests import factories
from touchpoints.models import Membership, Organisation, Touchpoint

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
END = date(2026, 3, 31)  # the 90 days before it include the switch to summer time


def _seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def _fingerprint() -> tuple[int, str]:
    """Count and hash of every demo answer, independent of primary keys and public keys."""
    rows = Answer.objects.filter(
        response__touchpoint__phase__journey__organisation__slug=ORGANISATION_SLUG
    ).values_list(
        "response__touchpoint__name",
        "response__submission_id",
        "response__submitted_at",
        "response__channel",
        "response__language",
        "response__customer_key",
        "response__segment",
        "item__order",
        "item__label_de",
        "expectation",
        "satisfaction",
        "value",
        "text",
    )
    lines = sorted(repr(row) for row in rows)
    return len(lines), hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _answers() -> dict[str, dict[str, list[tuple[Any, ...]]]]:
    """Raw answers per touchpoint and item kind: (local day, e, s, v, customer key)."""
    rows = Answer.objects.filter(
        response__touchpoint__phase__journey__organisation__slug=ORGANISATION_SLUG
    ).values_list(
        "response__touchpoint__name",
        "item__kind",
        "response__submitted_at",
        "expectation",
        "satisfaction",
        "value",
        "response__customer_key",
        "response_id",
    )
    data: dict[str, dict[str, list[tuple[Any, ...]]]] = defaultdict(lambda: defaultdict(list))
    for name, kind, at, e, s, v, key, rid in rows:
        data[name][kind].append((at.astimezone(BERLIN).date(), e, s, v, key, rid))
    return data


def _nps(values: np.ndarray) -> float:
    return float(100 * ((values >= 9).mean() - (values <= 6).mean()))


@pytest.mark.parametrize(
    "args",
    [
        ["--days", "0"],
        ["--days", "731"],
        ["--days", "-5"],
        ["--seed", "-1"],
        ["--end", "31.03.2026"],
    ],
)
def test_bad_arguments_are_refused(args: list[str]) -> None:
    with pytest.raises(CommandError):
        _seed(*args)
    assert not Organisation.objects.filter(slug=ORGANISATION_SLUG).exists()


def test_bad_arguments_exit_non_zero_with_a_message(tmp_path: object) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/unused.sqlite3"}
    env.pop("REDIS_URL", None)

    result = subprocess.run(
        [sys.executable, "manage.py", "seed_demo", "--days", "0"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "--days must be between 1 and 730, got 0" in result.stderr


def test_same_seed_gives_the_same_data_and_another_seed_differs() -> None:
    _seed("--days", "6", "--seed", "3", "--end", END.isoformat())
    first = _fingerprint()
    _seed("--days", "6", "--seed", "3", "--end", END.isoformat(), "--reset")
    again = _fingerprint()
    _seed("--days", "6", "--seed", "4", "--end", END.isoformat(), "--reset")
    other = _fingerprint()

    assert first[0] > 1500
    assert again == first
    assert other != first


def test_responses_lie_in_the_requested_days_and_ids_are_explicit() -> None:
    _seed("--days", "5", "--end", END.isoformat())

    responses = Response.objects.filter(
        touchpoint__phase__journey__organisation__slug=ORGANISATION_SLUG
    )
    days = {r.astimezone(BERLIN).date() for r in responses.values_list("submitted_at", flat=True)}
    ids = list(responses.values_list("submission_id", flat=True))

    assert days == {END - timedelta(days=d) for d in range(5)}
    assert len(ids) == len(set(ids))
    assert all(i.startswith("demo-") for i in ids)


def test_second_run_duplicates_nothing_and_reset_keeps_members() -> None:
    first = _seed("--days", "3", "--end", END.isoformat())
    org = Organisation.objects.get(slug=ORGANISATION_SLUG)
    manager = factories.manager(org)
    counts = (Touchpoint.objects.count(), Response.objects.count(), Answer.objects.count())

    second = _seed("--days", "3", "--end", END.isoformat())

    assert "Created the demo client" in first and "responses" in first
    assert "exists" in second
    assert (Touchpoint.objects.count(), Response.objects.count(), Answer.objects.count()) == counts
    _seed("--days", "2", "--end", END.isoformat(), "--reset")
    assert Organisation.objects.filter(slug=ORGANISATION_SLUG).count() == 1
    assert Touchpoint.objects.count() == counts[0]
    assert Response.objects.count() < counts[1]
    new_org = Organisation.objects.get(slug=ORGANISATION_SLUG)
    assert Membership.objects.filter(user=manager, organisation=new_org).exists()


def test_other_organisations_survive_a_reset() -> None:
    other = factories.survey(tp=factories.touchpoint(name="Fremd"))
    factories.response(srv=other, scores={})
    _seed("--days", "1", "--end", END.isoformat())

    _seed("--days", "1", "--end", END.isoformat(), "--reset")

    assert Response.objects.filter(touchpoint=other.touchpoint).count() == 1


def test_demo_client_structure_and_planted_patterns() -> None:
    output = _seed("--days", "90", "--seed", "42", "--end", END.isoformat())
    org = Organisation.objects.get(slug=ORGANISATION_SLUG)
    touchpoints = list(
        Touchpoint.objects.filter(phase__journey__organisation=org).select_related(
            "department", "phase"
        )
    )
    data = _answers()
    total = Response.objects.filter(touchpoint__phase__journey__organisation=org).count()

    # Structure: a German client, all departments, online and offline, one survey each.
    assert org.name == "Beispiel GmbH"
    assert total >= 50_000
    assert f"{total} responses" in output
    assert len(touchpoints) >= 14
    assert {tp.department.name for tp in touchpoints} == set(DEPARTMENTS)
    assert {tp.channel for tp in touchpoints} == {"online", "offline"}
    assert sorted({tp.phase.order for tp in touchpoints}) == [1, 2, 3, 4, 5]
    assert all(
        tp.department.notification_email == f"{tp.department.name.lower()}@beispiel.example"
        for tp in touchpoints
    )
    for tp in touchpoints:
        survey = Survey.objects.get(touchpoint=tp, is_active=True)
        kinds = list(survey.items.values_list("kind", flat=True))
        assert 1 <= kinds.count(Item.Kind.PAIRED) <= 3
        assert kinds.count(Item.Kind.NPS) == 1 and kinds.count(Item.Kind.COMMENT) == 1
        assert survey.title_de and survey.title_en
        assert tp.origin_list == ([ALLOWED_ORIGIN] if tp.channel == "online" else [])
    scores = np.array([row[1:3] for rows in data.values() for row in rows["paired"]])
    assert scores.min() == 1 and scores.max() == 7
    assert all(0 <= row[3] <= 10 for rows in data.values() for row in rows["nps"])
    languages = dict(
        Response.objects.filter(touchpoint__phase__journey__organisation=org)
        .values_list("language")
        .annotate(n=Count("id"))
    )
    assert languages["de"] > 0.8 * total and languages["en"] > 0.05 * total

    def paired(name: str) -> np.ndarray:
        return np.array([(r[1], r[2]) for r in data[name]["paired"]], dtype=float)

    # a) Hotline: expectation clearly above satisfaction.
    hotline = paired("Hotline")
    hotline_gap = float((hotline[:, 1] - hotline[:, 0]).mean())
    assert -2.0 < hotline_gap < -1.0
    other_gaps = [float((paired(n)[:, 1] - paired(n)[:, 0]).mean()) for n in data if n != "Hotline"]
    assert max(abs(g) for g in other_gaps) < 0.8

    # b) Onlineshop: high satisfaction, few promoters.
    shop_nps = np.array([r[3] for r in data["Onlineshop"]["nps"]])
    assert paired("Onlineshop")[:, 1].mean() >= 5.7
    assert _nps(shop_nps) <= 5
    others_nps = [_nps(np.array([r[3] for r in data[n]["nps"]])) for n in data]
    assert np.median(others_nps) >= 15

    # c) Social-media volume spike, Hotline satisfaction drop 7 days later.
    days = [END - timedelta(days=d) for d in range(89, -1, -1)]
    index = {d: i for i, d in enumerate(days)}
    volume = np.zeros(90)
    for row in data["Social-Media-Kampagne"]["nps"]:
        volume[index[row[0]]] += 1
    sat_sum, sat_n = np.zeros(90), np.zeros(90)
    for row in data["Hotline"]["paired"]:
        sat_sum[index[row[0]]] += row[2]
        sat_n[index[row[0]]] += 1
    assert sat_n.min() > 0  # the hotline answers every day, so the series has no holes
    satisfaction = sat_sum / sat_n
    spike = slice(89 - 35, 89 - 30)
    assert volume[spike].mean() > 2.5 * np.median(volume)
    lags = [float(np.corrcoef(volume[: 90 - k], satisfaction[k:])[0, 1]) for k in range(0, 15)]
    assert int(np.argmin(lags)) in (6, 7, 8)
    assert lags[7] < -0.4
    drop = slice(89 - 28, 89 - 23)
    assert satisfaction[drop].mean() < np.delete(satisfaction, np.r_[drop]).mean() - 0.8

    # d) Lieferung: step drop in the last 7 days.
    delivery = data["Lieferung"]["paired"]
    last = np.array([r[2] for r in delivery if r[0] > END - timedelta(days=7)])
    before = np.array([r[2] for r in delivery if r[0] <= END - timedelta(days=7)])
    assert before.mean() - last.mean() > 1.0
    assert len(last) > 200

    # e) About 30% linked; customers recur across touchpoints; NPS follows satisfaction.
    keyed = Response.objects.filter(
        touchpoint__phase__journey__organisation=org, customer_key__isnull=False
    )
    assert 0.27 < keyed.count() / total < 0.33
    per_customer: dict[str, set[str]] = defaultdict(set)
    for key, name in keyed.values_list("customer_key", "touchpoint__name"):
        assert key is not None  # filtered on customer_key__isnull=False
        per_customer[key].add(name)
    assert np.mean([len(names) >= 2 for names in per_customer.values()]) > 0.5
    assert customer_key_from_id("kunde-1") in per_customer

    def importance(name: str) -> float:
        """Correlation of a customer's satisfaction here with their NPS everywhere."""
        sat: dict[str, list[int]] = defaultdict(list)
        nps: dict[str, list[int]] = defaultdict(list)
        for row in data[name]["paired"]:
            if row[4]:
                sat[row[4]].append(row[2])
        for rows in data.values():
            for row in rows["nps"]:
                if row[4] in sat:
                    nps[row[4]].append(row[3])
        keys = sorted(sat)
        x = np.array([np.mean(sat[k]) for k in keys])
        y = np.array([np.mean(nps[k]) for k in keys])
        return float(np.corrcoef(x, y)[0, 1])

    assert importance("Hotline") > importance("Onlineshop") + 0.2
    assert importance("Onlineshop") > 0
