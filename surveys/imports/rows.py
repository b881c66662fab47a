"""One file row → a submission for the capture rules, and their reasons → the file's columns."""

import hashlib
import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from surveys.models import Item, Response
from surveys.selectors import ItemSpec
from surveys.services import SUBMISSION_ID_RE, AnswerInput, SubmissionInput

from .mapping import FIELDS_OF_KIND, ImportMapping

SUBMISSION_PREFIX = "imp:"
_INTEGER_RE = re.compile(r"[+-]?\d+")
_ANSWER_FIELD_RE = re.compile(r"answers\[(\d+)\](?:\.(\w+))?")


@dataclass(frozen=True)
class TouchpointPlan:
    """What rows of one touchpoint are checked against: its active survey and its columns."""

    touchpoint_id: int
    survey_id: int
    scale: tuple[int, int]
    items: dict[int, ItemSpec]
    # Per item (in survey order): field -> column.
    columns: dict[int, dict[str, str]]


def touchpoint_plan(
    *,
    touchpoint_id: int,
    survey_id: int,
    scale: tuple[int, int],
    items: tuple[ItemSpec, ...],
    mapping: ImportMapping,
) -> TouchpointPlan:
    """The columns of this touchpoint's items; fields a kind does not have are left out."""
    by_item: dict[int, dict[str, str]] = {item.id: {} for item in items}
    kinds = {item.id: item.kind for item in items}
    for column, target in mapping.columns.items():
        if (
            target.item_id in by_item
            and target.field in FIELDS_OF_KIND[Item.Kind(kinds[target.item_id])]
        ):
            by_item[target.item_id][target.field] = column
    return TouchpointPlan(
        touchpoint_id=touchpoint_id,
        survey_id=survey_id,
        scale=scale,
        items={item.id: item for item in items},
        columns={item_id: cols for item_id, cols in by_item.items() if cols},
    )


def parse_moment(text: str, *, date_format: str | None, tz: zoneinfo.ZoneInfo) -> datetime | None:
    """A date or date and time; without an offset it is local time in tz. None if unreadable."""
    value = text.strip()
    if not value:
        return None
    try:
        if date_format:
            # Naive on purpose: without an offset in the format it is local time in tz (below).
            moment = datetime.strptime(value, date_format)  # noqa: DTZ007
        else:
            moment = datetime.fromisoformat(
                value.replace(" ", "T", 1) if len(value) > 10 else value
            )
    except ValueError:
        return None
    if len(value) <= 10 and not date_format:
        moment = datetime.combine(moment.date(), time.min)
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def _score(text: str) -> Any:
    # A cell that is no whole number goes on as text: the capture rules reject it by name.
    return int(text) if _INTEGER_RE.fullmatch(text) else text


def row_answers(
    cells: Mapping[str, str], plan: TouchpointPlan
) -> tuple[list[AnswerInput], list[dict[str, str]]]:
    """The answers of a row and, per answer, which column each field came from."""
    answers: list[AnswerInput] = []
    sources: list[dict[str, str]] = []
    for item_id, columns in plan.columns.items():
        values = {name: cells.get(column, "").strip() for name, column in columns.items()}
        if not any(values.values()):
            continue
        if "text" in values:
            answers.append(AnswerInput(item_id=item_id, text=values["text"]))
        else:
            scores = {name: _score(value) if value else None for name, value in values.items()}
            answers.append(
                AnswerInput(
                    item_id=item_id,
                    expectation=scores.get("expectation"),
                    satisfaction=scores.get("satisfaction"),
                    value=scores.get("value"),
                )
            )
        sources.append(dict(columns))
    return answers, sources


def submission_id_for(cells: Mapping[str, str], mapping: ImportMapping) -> str:
    """The named column's value, or a digest of the row's mapped cells (its identity)."""
    if mapping.submission_id:
        value = cells.get(mapping.submission_id, "").strip()
        candidate = SUBMISSION_PREFIX + value
        if value and SUBMISSION_ID_RE.fullmatch(candidate):
            return candidate
        if value:
            return SUBMISSION_PREFIX + hashlib.sha256(value.encode()).hexdigest()[:40]
    used = sorted(
        {
            *mapping.columns,
            *mapping.identifiers,
            *(
                c
                for c in (
                    mapping.submitted_at,
                    mapping.touchpoint_column,
                    mapping.language,
                    mapping.customer_id,
                )
                if c
            ),
        }
    )
    content = "\x1f".join(f"{column}={cells.get(column, '')}" for column in used)
    return SUBMISSION_PREFIX + hashlib.sha256(content.encode()).hexdigest()[:40]


def row_submission(
    cells: Mapping[str, str],
    *,
    public_key: str,
    plan: TouchpointPlan,
    mapping: ImportMapping,
    moment: datetime | None,
    default_language: str,
) -> tuple[SubmissionInput, list[dict[str, str]]]:
    """The row as the capture service's input (channel `import`)."""
    answers, sources = row_answers(cells, plan)
    language = (cells.get(mapping.language, "") if mapping.language else "").strip().lower()
    customer_id = cells.get(mapping.customer_id, "").strip() if mapping.customer_id else ""
    submission = SubmissionInput(
        public_key=public_key,
        submission_id=submission_id_for(cells, mapping),
        answers=answers,
        channel=Response.Channel.IMPORT,
        language=language or default_language,
        customer_id=customer_id or None,
        submitted_at=moment,
        identifiers={
            kind: cells[column].strip()
            for column, kind in mapping.identifiers.items()
            if cells.get(column, "").strip()
        },
    )
    return submission, sources


def column_of(
    field: str,
    *,
    sources: list[dict[str, str]],
    plan: TouchpointPlan | None,
    mapping: ImportMapping,
) -> str:
    """The column (or columns) a capture-rule field name points at in the file."""
    match = _ANSWER_FIELD_RE.fullmatch(field)
    if match:
        columns = sources[int(match[1])] if int(match[1]) < len(sources) else {}
        return columns.get(match[2] or "", "") or ", ".join(columns.values())
    if field.startswith("item.") and plan is not None:
        return ", ".join(plan.columns.get(int(field[5:]), {}).values()) or field
    if field.startswith("identifiers."):
        kind = field.removeprefix("identifiers.")
        return next((c for c, k in mapping.identifiers.items() if k == kind), field)
    named = {
        "submitted_at": mapping.submitted_at,
        "language": mapping.language,
        "customer_id": mapping.customer_id,
        "submission_id": mapping.submission_id,
        "touchpoint": mapping.touchpoint_column,
    }
    return named.get(field) or field
