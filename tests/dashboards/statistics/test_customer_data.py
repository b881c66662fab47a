"""Access and erasure for one customer: export as JSON, delete without a trace, statistics equal a
recount of what remains."""

import json
from datetime import date, datetime, time, timedelta
from io import StringIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import models

from dashboards.monitoring.models import FollowUp
from dashboards.statistics.models import DailyStat, TouchpointDay
from dashboards.statistics.services.aggregation import aggregate_range, aggregate_touchpoint_day
from surveys.models import Answer, Item, Response
from surveys.privacy import customer_key_from_id
from tests import factories

RAW_ID = "kunde-4711"
BERLIN = ZoneInfo("Europe/Berlin")
DAY1, DAY2 = date(2026, 5, 4), date(2026, 5, 5)
STAT_FIELDS = [
    f.name
    for f in DailyStat._meta.fields
    if f.name not in ("id", "computed_at", "touchpoint", "item")
]


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=BERLIN)


@pytest.fixture
def data() -> dict[str, Any]:
    org = factories.organisation()
    phase = factories.journey(org=org).phases.get(order=1)
    dept = factories.department(org=org, name="Logistik")
    shop = factories.touchpoint(phase=phase, dept=dept, name="Onlineshop")
    delivery = factories.touchpoint(phase=phase, dept=dept, name="Lieferung")
    surveys = {tp.pk: factories.survey(tp=tp, paired=1) for tp in (shop, delivery)}
    key = customer_key_from_id(RAW_ID)
    rng = np.random.default_rng(3)
    mine: list[Response] = []
    others: list[Response] = []
    for tp in (shop, delivery):
        srv = surveys[tp.pk]
        paired = srv.items.get(kind=Item.Kind.PAIRED)
        nps = srv.items.get(kind=Item.Kind.NPS)
        comment = srv.items.get(kind=Item.Kind.COMMENT)
        for day in (DAY1, DAY2):
            for i in range(6):
                scores: dict[int, tuple[int, int] | int | str] = {
                    paired.pk: (int(rng.integers(1, 8)), int(rng.integers(1, 8))),
                    nps.pk: int(rng.integers(0, 11)),
                }
                customer = key if i == 0 else (customer_key_from_id(f"x{i}") if i < 3 else None)
                if i == 0:
                    scores[comment.pk] = f"Paket kam zu spät ({tp.name})"
                r = factories.response(
                    srv=srv, scores=scores, submitted_at=at(day, 9 + i), customer_key=customer
                )
                (mine if i == 0 else others).append(r)
    for tp in (shop, delivery):
        for day in (DAY1, DAY2):
            aggregate_touchpoint_day(touchpoint_id=tp.pk, day=day)
    # One of the customer's answers is in a follow-up queue
    Response.objects.filter(pk=mine[0].pk).update(contact_consent=True)
    FollowUp.objects.create(
        response=mine[0],
        organisation=org,
        touchpoint=shop,
        department=dept,
        nps=2,
        due_date=DAY1 + timedelta(days=2),
    )
    return {"org": org, "mine": mine, "others": others, "key": key, "tps": [shop, delivery]}


def snapshot(tp_ids: list[int]) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    stats = sorted(
        tuple([row.touchpoint_id, row.item_id, *(getattr(row, f) for f in STAT_FIELDS)])
        for row in DailyStat.objects.filter(touchpoint_id__in=tp_ids)
    )
    days = sorted(
        TouchpointDay.objects.filter(touchpoint_id__in=tp_ids).values_list(
            "touchpoint_id", "day", "responses", "comments", "linked"
        )
    )
    return stats, days


@pytest.mark.django_db
def test_export_prints_every_response_with_answers(data: dict[str, Any], tmp_path: Path) -> None:
    out = StringIO()
    call_command("customer_data", customer_id=RAW_ID, export=True, stdout=out)
    exported = json.loads(out.getvalue())
    responses = exported["responses"]
    assert len(responses) == len(data["mine"]) == 4
    assert {r["touchpoint"] for r in responses} == {"Onlineshop", "Lieferung"}
    assert all(len(r["answers"]) == 3 for r in responses)
    assert any("Paket kam zu spät" in (a["text"] or "") for r in responses for a in r["answers"])
    assert responses == sorted(responses, key=lambda r: r["submitted_at"])
    assert RAW_ID not in out.getvalue()

    target = tmp_path / "export.json"
    call_command(
        "customer_data", customer_id=RAW_ID, export=True, output=str(target), stderr=StringIO()
    )
    assert json.loads(target.read_text(encoding="utf-8")) == exported


@pytest.mark.django_db
def test_unknown_customer_and_bad_arguments(data: dict[str, Any]) -> None:
    out = StringIO()
    call_command("customer_data", customer_id="nobody", export=True, stdout=out)
    assert json.loads(out.getvalue()) == {"responses": []}
    out = StringIO()
    call_command("customer_data", customer_id="nobody", erase=True, stdout=out)
    assert "No responses" in out.getvalue() or "Keine Antworten" in out.getvalue()
    assert Response.objects.count() == 24
    with pytest.raises(CommandError):
        call_command("customer_data", customer_id=RAW_ID, export=True, erase=True)
    with pytest.raises(CommandError):
        call_command("customer_data", customer_id=RAW_ID)
    with pytest.raises(CommandError):
        call_command("customer_data", customer_id=RAW_ID, erase=True, output="/tmp/x.json")
    assert Response.objects.filter(customer_key=data["key"]).count() == 4


def _text_fields_containing(needle: str) -> list[str]:
    hits = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.CharField | models.TextField) and field.concrete:
                if model._default_manager.filter(**{f"{field.name}__contains": needle}).exists():
                    hits.append(f"{model.__name__}.{field.name}")
            elif isinstance(field, models.JSONField):
                values = model._default_manager.values_list(field.name, flat=True)
                if any(needle in json.dumps(v) for v in values):
                    hits.append(f"{model.__name__}.{field.name}")
    return hits


@pytest.mark.django_db
def test_erasure_leaves_no_trace_and_statistics_equal_a_recount(data: dict[str, Any]) -> None:
    tp_ids = [tp.pk for tp in data["tps"]]
    erased_ids = [r.pk for r in data["mine"]]
    before, _ = snapshot(tp_ids)

    out = StringIO()
    call_command("customer_data", customer_id=RAW_ID, erase=True, stdout=out)

    # Then nothing of the customer is left
    assert "4" in out.getvalue()
    assert not Response.objects.filter(customer_key=data["key"]).exists()
    assert not Response.objects.filter(pk__in=erased_ids).exists()
    assert not Answer.objects.filter(response_id__in=erased_ids).exists()
    assert not FollowUp.objects.exists()
    assert _text_fields_containing(RAW_ID) == []
    assert _text_fields_containing(data["key"]) == []
    assert _text_fields_containing("Paket kam zu spät") == []
    assert Response.objects.count() == len(data["others"])

    # and the statistics were recomputed: they equal a recount from scratch
    after = snapshot(tp_ids)
    assert after[0] != before
    DailyStat.objects.filter(touchpoint_id__in=tp_ids).delete()
    TouchpointDay.objects.filter(touchpoint_id__in=tp_ids).delete()
    aggregate_range(start=DAY1, end=DAY2, organisation_id=data["org"].pk)
    assert snapshot(tp_ids) == after

    # and an independent count over the remaining raw answers
    for tp in data["tps"]:
        for day in (DAY1, DAY2):
            answers = Answer.objects.filter(
                response__touchpoint=tp,
                item__kind=Item.Kind.PAIRED,
                response__submitted_at__date__gte=day - timedelta(days=1),
            )
            s = np.array(
                [
                    a.satisfaction
                    for a in answers.select_related("response")
                    if a.response.submitted_at.astimezone(BERLIN).date() == day
                ]
            )
            row = DailyStat.objects.get(touchpoint=tp, day=day, item__kind=Item.Kind.PAIRED)
            assert row.n == len(s) == 5
            assert row.sum_s == int(s.sum()) and row.sumsq_s == int((s * s).sum())
            assert TouchpointDay.objects.get(touchpoint=tp, day=day).responses == 5
