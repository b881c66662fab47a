"""Import history: every row through the capture rules, stored in chunks, once, in a batch.

Rows are read one at a time and written in chunks (one transaction each), so memory stays
constant however long the file is. A rejected row stores nothing; a row whose submission id is
already stored at its touchpoint is skipped (a re-import stores nothing twice). After the last
chunk the affected days are aggregated in one pass by the dashboards' task, sent by its name;
no alert is evaluated, so none is mailed for historical days.
"""

import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cxmonitor.days import day_in_time_zone
from cxmonitor.errors import ApplicationError
from surveys.dispatch import AGGREGATE_RANGE_TASK, task_send
from surveys.identity.bulk import customers_link_bulk
from surveys.identity.models import IdentifierLink
from surveys.identity.selectors import IdentityRules, identifiers_found, identity_rules
from surveys.identity.services import identifiers_prepare, response_identifiers_attach
from surveys.models import Answer, ImportBatch, Response
from surveys.selectors import survey_active_for_key
from surveys.services import submission_validate
from touchpoints.models import Organisation, Touchpoint

from .mapping import ImportMapping
from .readers import SourceRow, rows_read
from .rows import TouchpointPlan, column_of, parse_moment, row_submission, touchpoint_plan
from .writer import ResponseRow, responses_write

CHUNK_ROWS = 2000
PROBLEM_LIMIT = 1000
PREVIEW_ROWS = 10
DELETE_CHUNK = 5000
IMPORT_CHANNELS = (Response.Channel.IMPORT,)


@dataclass(frozen=True)
class ImportProblem:
    line: int
    column: str
    message: str


@dataclass
class ImportReport:
    """What an import (or its dry run) found; problems beyond the limit are only counted."""

    batch_id: int | None = None
    rows_read: int = 0
    imported: int = 0
    duplicates: int = 0
    rejected: int = 0
    problems: list[ImportProblem] = field(default_factory=list)
    first_day: date | None = None
    last_day: date | None = None
    preview: list[dict[str, Any]] = field(default_factory=list)

    def add_day(self, day: date) -> None:
        self.first_day = min(self.first_day or day, day)
        self.last_day = max(self.last_day or day, day)


@dataclass(frozen=True)
class _Accepted:
    line: int
    touchpoint_id: int
    survey_id: int
    submission_id: str
    language: str
    clean: Any  # CleanSubmission
    identifiers: tuple[Any, ...]  # PreparedIdentifier
    day: date


class _Importer:
    """One run over a file: checks rows, collects problems, writes chunks."""

    def __init__(
        self, *, organisation: Organisation, mapping: ImportMapping, dry_run: bool
    ) -> None:
        self.organisation = organisation
        self.mapping = mapping
        self.dry_run = dry_run
        self.tz = zoneinfo.ZoneInfo(mapping.time_zone or organisation.time_zone)
        self.language = mapping.default_language or organisation.default_language
        self.rules: IdentityRules = identity_rules(organisation_id=organisation.pk)
        self.plans: dict[str, TouchpointPlan | ApplicationError] = {}
        self.report = ImportReport()
        self.pending: list[_Accepted] = []
        self.seen: set[tuple[int, str]] = set()
        self.on_problem: Callable[[ImportProblem], None] | None = None
        self.batch: ImportBatch | None = None

    def problem(self, line: int, column: str, message: str) -> None:
        problem = ImportProblem(line=line, column=column, message=message)
        if len(self.report.problems) < PROBLEM_LIMIT:
            self.report.problems.append(problem)
        if self.on_problem:
            self.on_problem(problem)

    def plan_for(self, key: str) -> TouchpointPlan | ApplicationError:
        if key not in self.plans:
            self.plans[key] = self._plan(key)
        return self.plans[key]

    def _plan(self, key: str) -> TouchpointPlan | ApplicationError:
        active = survey_active_for_key(public_key=key) if key else None
        belongs = Touchpoint.objects.filter(
            public_key=key, phase__journey__organisation=self.organisation
        ).exists()
        if active is None or not belongs:
            message = (
                _("This touchpoint does not accept answers at the moment.")
                if belongs
                else _("Unknown touchpoint.")
            )
            return ApplicationError(message)
        return touchpoint_plan(
            touchpoint_id=active.touchpoint_id,
            survey_id=active.survey_id,
            scale=(active.scale_min, active.scale_max),
            items=active.items,
            mapping=self.mapping,
        )

    def check(self, row: SourceRow) -> _Accepted | None:
        """The row, validated by the capture rules; None (and its problems noted) if rejected."""
        mapping = self.mapping
        key = mapping.touchpoint or row.cells.get(mapping.touchpoint_column or "", "").strip()
        plan = self.plan_for(key)
        if isinstance(plan, ApplicationError):
            self.problem(row.line, mapping.touchpoint_column or "touchpoint", plan.message)
            return None
        moment_text = row.cells.get(mapping.submitted_at, "")
        moment = parse_moment(moment_text, date_format=mapping.date_format, tz=self.tz)
        if moment is None:
            self.problem(row.line, mapping.submitted_at, _("Enter a date and time."))
            return None
        submission, sources = row_submission(
            row.cells,
            public_key=key,
            plan=plan,
            mapping=mapping,
            moment=moment,
            default_language=self.language,
        )
        errors: dict[str, list[str]] = {}
        try:
            clean = submission_validate(
                submission, plan.items, plan.scale, channels=IMPORT_CHANNELS, max_age=None
            )
        except ApplicationError as error:
            errors.update(error.fields)
        # The customer id first: a new customer keeps the key that id always had.
        raw_identifiers: dict[str, object] = (
            {"customer_id": submission.customer_id} if submission.customer_id else {}
        )
        raw_identifiers.update(submission.identifiers)
        try:
            prepared = identifiers_prepare(rules=self.rules, raw=raw_identifiers)
        except ApplicationError as error:
            errors.update(error.fields)
        if errors:
            for name, messages in errors.items():
                column = column_of(name, sources=sources, plan=plan, mapping=mapping)
                for message in messages:
                    self.problem(row.line, column, message)
            return None
        return _Accepted(
            line=row.line,
            touchpoint_id=plan.touchpoint_id,
            survey_id=plan.survey_id,
            submission_id=submission.submission_id,
            language=submission.language,
            clean=clean,
            identifiers=tuple(prepared),
            day=day_in_time_zone(moment=clean.submitted_at, time_zone=self.tz.key),
        )

    def take(self, row: SourceRow) -> None:
        self.report.rows_read += 1
        accepted = self.check(row)
        if accepted is None:
            self.report.rejected += 1
            return
        identity = (accepted.touchpoint_id, accepted.submission_id)
        if identity in self.seen:
            self.report.duplicates += 1  # the same row twice in this file
            return
        self.seen.add(identity)
        self.pending.append(accepted)
        if len(self.report.preview) < PREVIEW_ROWS:
            self.report.preview.append(_preview(accepted))
        if len(self.pending) >= CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        chunk, self.pending = self.pending, []
        # Within a chunk the identities are known; across chunks the database tells.
        self.seen = set()
        if not chunk:
            return
        stored = _stored_submissions(chunk)
        fresh = [row for row in chunk if (row.touchpoint_id, row.submission_id) not in stored]
        self.report.duplicates += len(chunk) - len(fresh)
        for row in fresh:
            self.report.add_day(row.day)
        if self.dry_run:
            self.report.imported += len(fresh)
            return
        assert self.batch is not None
        with transaction.atomic():
            _chunk_write(fresh, batch=self.batch, organisation_id=self.organisation.pk)
        self.report.imported += len(fresh)


def _preview(row: _Accepted) -> dict[str, Any]:
    return {
        "line": row.line,
        "submitted_at": row.clean.submitted_at,
        "language": row.language,
        "answers": [
            {
                "item": a.item_id,
                "expectation": a.expectation,
                "satisfaction": a.satisfaction,
                "value": a.value,
                "text": a.text,
            }
            for a in row.clean.answers
        ],
        "identifiers": len(row.identifiers),
    }


def _stored_submissions(chunk: list[_Accepted]) -> set[tuple[int, str]]:
    touchpoints = {row.touchpoint_id for row in chunk}
    return set(
        Response.objects.filter(
            touchpoint_id__in=touchpoints, submission_id__in=[row.submission_id for row in chunk]
        ).values_list("touchpoint_id", "submission_id")
    )


def _chunk_write(rows: list[_Accepted], *, batch: ImportBatch, organisation_id: int) -> None:
    """Responses, answers and identifier links of one chunk; identities linked in one pass."""
    keyed = [row for row in rows if row.identifiers]
    found: dict[tuple[str, str], Any] = {}
    if keyed:
        customers_link_bulk(
            organisation_id=organisation_id,
            groups=[row.identifiers for row in keyed],
            source=IdentifierLink.Source.RESPONSE,
            seen_at=[row.clean.submitted_at for row in keyed],
        )
        found = identifiers_found(
            organisation_id=organisation_id,
            pairs=[(i.kind, i.digest) for row in keyed for i in row.identifiers],
        )
    keys: list[str | None] = []
    identifier_ids: list[tuple[int, ...]] = []
    for row in rows:
        linked = [found[(i.kind, i.digest)] for i in row.identifiers]
        keys.append(linked[0].customer.key if linked else None)
        identifier_ids.append(tuple(identifier.pk for identifier in linked))
    ids = responses_write(
        rows=[
            ResponseRow(
                touchpoint_id=row.touchpoint_id,
                survey_id=row.survey_id,
                submitted_at=row.clean.submitted_at,
                language=row.language,
                customer_key=key,
                submission_id=row.submission_id,
                segment=row.clean.segment,
                answers=row.clean.answers,
            )
            for row, key in zip(rows, keys, strict=True)
        ],
        batch_id=batch.pk,
    )
    response_identifiers_attach(
        pairs=[
            (response_id, identifier)
            for response_id, identifiers in zip(ids, identifier_ids, strict=True)
            for identifier in identifiers
        ]
    )


def responses_import(
    *,
    organisation: Organisation,
    path: Path,
    fmt: str,
    file_name: str,
    mapping: ImportMapping,
    user_id: int | None = None,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    on_problem: Callable[[ImportProblem], None] | None = None,
) -> ImportReport:
    """Import (or, with dry_run, only check) a history file; returns the report."""
    _headers, rows = rows_read(path, fmt=fmt)
    importer = _Importer(organisation=organisation, mapping=mapping, dry_run=dry_run)
    importer.on_problem = on_problem
    if not dry_run:
        importer.batch = ImportBatch.objects.create(
            organisation=organisation,
            file_name=file_name[:255],
            created_by_id=user_id,
            mapping=mapping.as_json(),
        )
        importer.report.batch_id = importer.batch.pk
    for row in rows:
        importer.take(row)
        if progress and importer.report.rows_read % 1000 == 0:
            progress(1000)
    importer.flush()
    if progress:
        progress(importer.report.rows_read % 1000)
    if importer.batch is not None:
        _batch_finish(importer.batch, importer.report)
    return importer.report


def _batch_finish(batch: ImportBatch, report: ImportReport) -> None:
    batch.status = ImportBatch.Status.DONE
    batch.finished_at = timezone.now()
    batch.rows_read = report.rows_read
    batch.rows_imported = report.imported
    batch.rows_duplicate = report.duplicates
    batch.rows_rejected = report.rejected
    batch.first_day = report.first_day
    batch.last_day = report.last_day
    batch.save()
    if report.imported:
        _aggregate_after_commit(batch)


def _aggregate_after_commit(batch: ImportBatch) -> None:
    """One pass over the batch's days, by task name (surveys does not import dashboards)."""
    if batch.first_day is None or batch.last_day is None:
        return
    kwargs = {
        "organisation_id": batch.organisation_id,
        "start": batch.first_day.isoformat(),
        "end": batch.last_day.isoformat(),
    }
    transaction.on_commit(lambda: task_send(AGGREGATE_RANGE_TASK, kwargs=kwargs))


@transaction.atomic
def import_batch_rollback(*, batch_id: int) -> int:
    """Delete every response of a batch and recompute its days; returns responses deleted."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
    if batch.status == ImportBatch.Status.ROLLED_BACK:
        return 0
    deleted = 0
    while chunk := list(
        Response.objects.filter(import_batch=batch).values_list("pk", flat=True)[:DELETE_CHUNK]
    ):
        Answer.objects.filter(response_id__in=chunk).delete()
        Response.objects.filter(pk__in=chunk).delete()
        deleted += len(chunk)
    batch.status = ImportBatch.Status.ROLLED_BACK
    batch.finished_at = timezone.now()
    batch.save(update_fields=["status", "finished_at"])
    _aggregate_after_commit(batch)
    return deleted
