"""manage.py identity_mapping FILE --organisation SLUG [--undo]: link (or split) customers."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, no_translations
from django.utils.translation import gettext as _

from cxmonitor.errors import ApplicationError
from surveys.identity.mapping_files import identity_mapping_apply
from surveys.imports.readers import file_format
from touchpoints.models import Organisation


class Command(BaseCommand):
    help = "Apply an identity mapping file (one customer per row, one column per kind)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV or XLSX; header: identifier kinds")
        parser.add_argument("--organisation", required=True, help="slug")
        parser.add_argument(
            "--undo", action="store_true", help="split: the rows are customers that stay apart"
        )

    @no_translations  # every command speaks English, whatever LANGUAGE_CODE says
    def handle(self, *args: Any, **options: Any) -> None:
        organisation = Organisation.objects.filter(slug=options["organisation"]).first()
        if organisation is None:
            raise CommandError(
                _("No organisation with the slug %(slug)r.") % {"slug": options["organisation"]}
            )
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("No file %(path)s.") % {"path": path})
        try:
            result = identity_mapping_apply(
                organisation_id=organisation.pk,
                path=path,
                fmt=file_format(path.name),
                undo=options["undo"],
            )
        except ApplicationError as error:
            details = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.fields.items())
            raise CommandError(details or error.message) from None
        for line, column, message in result.problems:
            self.stdout.write(
                _("line %(line)d, column %(column)s: %(reason)s")
                % {"line": line, "column": column, "reason": message}
            )
        self.stdout.write(
            _(
                "%(rows)d rows, %(used)d used; customers %(before)d → %(after)d; "
                "%(merges)d merges, %(splits)d splits, %(rekeyed)d responses re-keyed."
            )
            % {
                "rows": result.rows,
                "used": result.rows_used,
                "before": result.customers_before,
                "after": result.customers_after,
                "merges": result.merges,
                "splits": result.splits,
                "rekeyed": result.responses_rekeyed,
            }
        )
