"""manage.py import_responses FILE (--touchpoint KEY | --mapping MAP.json) [--organisation SLUG].

Streams the file (constant memory) with a progress bar, checks every row by the capture rules,
stores the good rows in one import batch and prints every rejected row with line number, column
and reason. `--dry-run` only checks; `--rollback BATCH` removes an earlier batch.
"""

import contextlib
import csv
import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, no_translations
from django.utils.translation import gettext as _
from tqdm import tqdm

from cxmonitor.errors import ApplicationError
from surveys.identity.models import IdentifierKind
from surveys.imports.mapping import mapping_from_json, mapping_guess
from surveys.imports.readers import data_row_count, file_format, rows_read
from surveys.imports.services import (
    ImportProblem,
    ImportReport,
    import_batch_rollback,
    responses_import,
)
from surveys.models import ImportBatch, Item
from touchpoints.models import Organisation, Touchpoint


def _error_text(error: ApplicationError) -> str:
    details = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.fields.items())
    return f"{error.message} {details}".strip()


class Command(BaseCommand):
    help = "Import historical survey responses from a CSV or XLSX file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="CSV or XLSX file")
        parser.add_argument("--touchpoint", help="public key: every row belongs to it")
        parser.add_argument("--mapping", help="JSON file mapping columns to fields and items")
        parser.add_argument("--organisation", help="slug (default: the touchpoint's)")
        parser.add_argument("--dry-run", action="store_true", help="check only, store nothing")
        parser.add_argument("--report", help="write every rejected row to this CSV file")
        parser.add_argument("--rollback", type=int, help="roll back the import batch with this id")

    @no_translations  # every command speaks English, whatever LANGUAGE_CODE says
    def handle(self, *args: Any, **options: Any) -> None:
        if options["rollback"] is not None:
            self._rollback(options["rollback"])
            return
        if not options["file"]:
            raise CommandError(_("Name the file to import."))
        if bool(options["touchpoint"]) == bool(options["mapping"]):
            raise CommandError(_("Give either --touchpoint or --mapping."))
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("No file %(path)s.") % {"path": path})
        try:
            fmt = file_format(path.name)
            headers, _rows = rows_read(path, fmt=fmt)
            mapping = mapping_from_json(self._mapping_data(options, headers), headers=headers)
        except ApplicationError as error:
            raise CommandError(_error_text(error)) from None
        organisation = self._organisation(options, mapping.touchpoint)
        self._run(path, fmt, mapping, organisation, options)

    def _mapping_data(self, options: dict[str, Any], headers: list[str]) -> object:
        if options["mapping"]:
            try:
                return json.loads(Path(options["mapping"]).read_text(encoding="utf-8"))
            except (OSError, ValueError) as error:
                raise CommandError(
                    _("Cannot read the mapping %(path)s: %(error)s")
                    % {"path": options["mapping"], "error": error}
                ) from None
        touchpoint = Touchpoint.objects.filter(public_key=options["touchpoint"]).first()
        if touchpoint is None:
            raise CommandError(_("Unknown touchpoint."))
        organisation_id = touchpoint.phase.journey.organisation_id
        items = Item.objects.filter(survey__touchpoint=touchpoint, survey__is_active=True)
        kinds = IdentifierKind.objects.filter(organisation_id=organisation_id).values_list(
            "code", flat=True
        )
        return mapping_guess(
            headers=headers, touchpoint=touchpoint.public_key, items=list(items), kinds=list(kinds)
        )

    def _organisation(self, options: dict[str, Any], touchpoint: str | None) -> Organisation:
        if options["organisation"]:
            organisation = Organisation.objects.filter(slug=options["organisation"]).first()
        elif touchpoint:
            organisation = Organisation.objects.filter(
                journeys__phases__touchpoints__public_key=touchpoint
            ).first()
        else:
            raise CommandError(_("With touchpoint_column, name the --organisation."))
        if organisation is None:
            raise CommandError(_("Unknown organisation or touchpoint."))
        return organisation

    def _run(
        self,
        path: Path,
        fmt: str,
        mapping: Any,
        organisation: Organisation,
        options: dict[str, Any],
    ) -> None:
        with contextlib.ExitStack() as stack:
            writer = None
            if options["report"]:
                handle = stack.enter_context(
                    open(options["report"], "w", newline="", encoding="utf-8")
                )
                writer = csv.writer(handle)
                writer.writerow(["line", "column", "reason"])
            report = self._import(path, fmt, mapping, organisation, options, writer)
        self._summary(report, wrote_all=writer is not None)

    def _import(
        self,
        path: Path,
        fmt: str,
        mapping: Any,
        organisation: Organisation,
        options: dict[str, Any],
        writer: Any,
    ) -> ImportReport:
        def on_problem(problem: ImportProblem) -> None:
            if writer:
                writer.writerow([problem.line, problem.column, problem.message])

        total = data_row_count(path, fmt=fmt)
        try:
            with tqdm(total=total, unit="row", file=sys.stderr, disable=None) as bar:
                report = responses_import(
                    organisation=organisation,
                    path=path,
                    fmt=fmt,
                    file_name=path.name,
                    mapping=mapping,
                    dry_run=options["dry_run"],
                    progress=bar.update,
                    on_problem=on_problem,
                )
        except ApplicationError as error:
            raise CommandError(_error_text(error)) from None
        return report

    def _summary(self, report: ImportReport, *, wrote_all: bool) -> None:
        for problem in report.problems:
            self.stdout.write(
                _("line %(line)d, column %(column)s: %(reason)s")
                % {"line": problem.line, "column": problem.column, "reason": problem.message}
            )
        if report.rejected > len(report.problems) and not wrote_all:
            self.stdout.write(_("… more rejected rows: write them all with --report FILE."))
        self.stdout.write(
            _(
                "%(read)d rows read: %(imported)d imported, %(duplicates)d already stored, "
                "%(rejected)d rejected."
            )
            % {
                "read": report.rows_read,
                "imported": report.imported,
                "duplicates": report.duplicates,
                "rejected": report.rejected,
            }
            + (f" {_('Batch')} {report.batch_id}." if report.batch_id else "")
        )

    def _rollback(self, batch_id: int) -> None:
        if not ImportBatch.objects.filter(pk=batch_id).exists():
            raise CommandError(_("No import batch %(id)d.") % {"id": batch_id})
        deleted = import_batch_rollback(batch_id=batch_id)
        self.stdout.write(
            _("Batch %(id)d rolled back: %(count)d responses deleted.")
            % {"id": batch_id, "count": deleted}
        )
