"""Write one chunk of imported responses: COPY on PostgreSQL, bulk_create elsewhere.

Building a model instance per row cost more than everything else of the import together; on
PostgreSQL the chunk's response ids are taken from the sequence in one query and both tables
are filled with COPY. The constraints (one submission id per touchpoint, foreign keys) hold as
for any insert.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from surveys.models import Answer, Response
from surveys.services import AnswerInput

RESPONSE_COLUMNS = (
    "id",
    "touchpoint_id",
    "survey_id",
    "submitted_at",
    "channel",
    "language",
    "customer_key",
    "submission_id",
    "segment",
    "contact_consent",
    "import_batch_id",
)
ANSWER_COLUMNS = (
    "response_id",
    "item_id",
    "expectation",
    "satisfaction",
    "value",
    "text",
    "not_experienced",
)


@dataclass(frozen=True)
class ResponseRow:
    touchpoint_id: int
    survey_id: int
    submitted_at: datetime
    language: str
    customer_key: str | None
    submission_id: str
    segment: dict[str, str]
    answers: Sequence[AnswerInput]


def responses_write(*, rows: Sequence[ResponseRow], batch_id: int) -> list[int]:
    """Insert the responses with their answers; returns the new response ids in row order."""
    if not rows:
        return []
    if connection.vendor == "postgresql":
        return _copy(rows, batch_id)
    created = Response.objects.bulk_create(
        [
            Response(
                touchpoint_id=row.touchpoint_id,
                survey_id=row.survey_id,
                submitted_at=row.submitted_at,
                channel=Response.Channel.IMPORT,
                language=row.language,
                customer_key=row.customer_key,
                submission_id=row.submission_id,
                segment=row.segment,
                import_batch_id=batch_id,
            )
            for row in rows
        ]
    )
    ids = [response.pk for response in created]
    Answer.objects.bulk_create(
        Answer(
            response_id=response_id,
            item_id=answer.item_id,
            expectation=answer.expectation,
            satisfaction=answer.satisfaction,
            value=answer.value,
            text=(answer.text or "").strip(),
        )
        for response_id, row in zip(ids, rows, strict=True)
        for answer in row.answers
    )
    return ids


def _copy(rows: Sequence[ResponseRow], batch_id: int) -> list[int]:
    responses, answers = Response._meta.db_table, Answer._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [responses, len(rows)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        raw = cursor.cursor  # psycopg's own cursor: COPY is not part of the DB-API
        with raw.copy(f"COPY {responses} ({', '.join(RESPONSE_COLUMNS)}) FROM STDIN") as copy:
            for response_id, row in zip(ids, rows, strict=True):
                copy.write_row(
                    (
                        response_id,
                        row.touchpoint_id,
                        row.survey_id,
                        row.submitted_at,
                        Response.Channel.IMPORT.value,
                        row.language,
                        row.customer_key,
                        row.submission_id,
                        json.dumps(row.segment),
                        False,
                        batch_id,
                    )
                )
        with raw.copy(f"COPY {answers} ({', '.join(ANSWER_COLUMNS)}) FROM STDIN") as copy:
            for response_id, row in zip(ids, rows, strict=True):
                for answer in row.answers:
                    copy.write_row(
                        (
                            response_id,
                            answer.item_id,
                            answer.expectation,
                            answer.satisfaction,
                            answer.value,
                            (answer.text or "").strip(),
                            answer.not_experienced,
                        )
                    )
    return ids
