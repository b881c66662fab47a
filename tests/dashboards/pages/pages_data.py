"""Test data for the dashboard pages: raw responses written in bulk, then the real aggregation.

Every raw score is kept in `Built.raw` so tests can recompute the figures with numpy.
"""

import itertools
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import numpy as np

from dashboards.statistics.services.aggregation import aggregate_range
from surveys.models import Answer, Item, Response
from tests import factories as f
from touchpoints.models import Organisation, Phase, Touchpoint

_seq = itertools.count(1)


@dataclass
class RawAnswer:
    touchpoint: str
    day: date
    item_id: int
    expectation: int | None = None
    satisfaction: int | None = None
    value: int | None = None
    text: str = ""
    channel: str = "page"
    language: str = "de"


@dataclass
class Built:
    org: Organisation
    touchpoints: list[Touchpoint]
    phases: list[Phase]
    end: date
    raw: list[RawAnswer] = field(default_factory=list)

    def tp(self, name: str) -> Touchpoint:
        return next(t for t in self.touchpoints if t.name == name)

    def paired(self, name: str, start: date, end: date) -> tuple[np.ndarray, np.ndarray]:
        rows = [
            r
            for r in self.raw
            if r.touchpoint == name and start <= r.day <= end and r.expectation is not None
        ]
        return (
            np.array([r.expectation for r in rows], dtype=float),
            np.array([r.satisfaction for r in rows], dtype=float),
        )

    def nps(self, name: str, start: date, end: date) -> np.ndarray:
        return np.array(
            [
                r.value
                for r in self.raw
                if r.touchpoint == name and start <= r.day <= end and r.value is not None
            ],
            dtype=float,
        )


def build(
    *,
    touchpoints: int = 3,
    days: int = 10,
    per_day: int = 3,
    end: date,
    seed: int = 1,
    names: list[str] | None = None,
    shift: dict[str, float] | None = None,
    drop_last: dict[str, float] | None = None,
    org_name: str | None = None,
    comments: bool = True,
) -> Built:
    """An organisation with `touchpoints` touchpoints and `per_day` responses a day for `days` days
    ending `end`, aggregated. shift: a touchpoint's satisfaction offset; drop_last: a drop over
    the last seven days."""
    rng = np.random.default_rng(seed)
    org = f.organisation(name=org_name or f"Org {next(_seq)}", time_zone="Europe/Berlin")
    journey = f.journey(org=org)
    phases = list(journey.phases.order_by("order"))
    departments = [f.department(org=org, name=f"Abteilung {i}") for i in range(1, 3)]
    names = names or [f"TP {i:02d}" for i in range(1, touchpoints + 1)]
    created: list[Touchpoint] = []
    surveys = []
    for i, name in enumerate(names):
        tp = f.touchpoint(
            phase=phases[i % len(phases)],
            dept=departments[i % len(departments)],
            name=name,
            channel="online" if i % 2 == 0 else "offline",
        )
        created.append(tp)
        surveys.append(f.survey(tp=tp, paired=2, nps=True, comment=True))
    start = end - timedelta(days=days - 1)
    built = Built(org=org, touchpoints=created, phases=phases, end=end)
    responses: list[Response] = []
    pending: list[tuple[int, list[RawAnswer]]] = []
    tz = org.tzinfo
    for tp, srv in zip(created, surveys, strict=True):
        items = list(srv.items.order_by("order"))
        paired_items = [i for i in items if i.kind == Item.Kind.PAIRED]
        nps_item = next(i for i in items if i.kind == Item.Kind.NPS)
        comment_item = next(i for i in items if i.kind == Item.Kind.COMMENT)
        base = 5.0 + (shift or {}).get(tp.name, 0.0)
        for d in range(days):
            day = start + timedelta(days=d)
            level = base
            if drop_last and tp.name in drop_last and (end - day).days < 7:
                level -= drop_last[tp.name]
            for k in range(per_day):
                answers = []
                channel = ("page", "qr", "embed")[k % 3]
                language = "en" if k % 4 == 3 else "de"
                for item in paired_items:
                    e = int(np.clip(np.rint(rng.normal(5.6, 0.9)), 1, 7))
                    s = int(np.clip(np.rint(rng.normal(level, 0.9)), 1, 7))
                    answers.append(
                        RawAnswer(tp.name, day, item.pk, e, s, channel=channel, language=language)
                    )
                v = int(np.clip(np.rint(rng.normal(7.5, 2.0)), 0, 10))
                answers.append(
                    RawAnswer(
                        tp.name, day, nps_item.pk, value=v, channel=channel, language=language
                    )
                )
                if comments and k == 0:
                    answers.append(
                        RawAnswer(
                            tp.name,
                            day,
                            comment_item.pk,
                            text=f"Kommentar {tp.name} {day}",
                            channel=channel,
                            language=language,
                        )
                    )
                moment = datetime.combine(day, time(9, 0), tzinfo=tz) + timedelta(minutes=7 * k)
                responses.append(
                    Response(
                        touchpoint=tp,
                        survey=srv,
                        submitted_at=moment,
                        channel=channel,
                        language=language,
                        submission_id=f"sub-{next(_seq)}",
                    )
                )
                pending.append((len(responses) - 1, answers))
                built.raw.extend(answers)
    Response.objects.bulk_create(responses, batch_size=2000)
    Answer.objects.bulk_create(
        [
            Answer(
                response_id=responses[index].pk,
                item_id=a.item_id,
                expectation=a.expectation,
                satisfaction=a.satisfaction,
                value=a.value,
                text=a.text,
            )
            for index, answers in pending
            for a in answers
        ],
        batch_size=5000,
    )
    aggregate_range(start=start, end=end, organisation_id=org.pk)
    return built
