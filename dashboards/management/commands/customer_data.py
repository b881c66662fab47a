"""manage.py customer_data --customer-id ID (--export [--output FILE] | --erase).

Finds one customer's responses by the pseudonymous key of the raw id. No responses is not an
error: --export prints an empty list and --erase deletes nothing, both with exit status 0.
"""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from dashboards.statistics.services.customer_data import customer_data_erase, customer_data_export


class Command(BaseCommand):
    help = "Export (access request) or erase (erasure request) every response of one customer."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customer-id", required=True, help="the customer's raw id")
        mode = parser.add_mutually_exclusive_group(required=True)
        mode.add_argument("--export", action="store_true", help="print the responses as JSON")
        mode.add_argument(
            "--erase",
            action="store_true",
            help="delete the responses and recompute the affected daily statistics",
        )
        parser.add_argument("--output", help="with --export: write the JSON to this file")

    def handle(self, *args: Any, **options: Any) -> None:
        customer_id = (options["customer_id"] or "").strip()
        if not customer_id:
            raise CommandError(_("--customer-id must not be empty."))
        if options["output"] and not options["export"]:
            raise CommandError(_("--output works with --export only."))
        if options["export"]:
            data = customer_data_export(customer_id=customer_id)
            text = json.dumps(data, ensure_ascii=False, indent=2)
            if options["output"]:
                try:
                    Path(options["output"]).write_text(text + "\n", encoding="utf-8")
                except OSError as error:
                    raise CommandError(
                        _("Cannot write %(path)s: %(error)s")
                        % {"path": options["output"], "error": error}
                    ) from None
                self.stderr.write(
                    _("%(count)s responses written to %(path)s.")
                    % {"count": len(data["responses"]), "path": options["output"]}
                )
            else:
                self.stdout.write(text)
            return
        result = customer_data_erase(customer_id=customer_id)
        if result.responses == 0:
            self.stdout.write(_("No responses found for this customer; nothing deleted."))
            return
        self.stdout.write(
            _(
                "%(responses)s responses deleted; daily statistics recomputed for "
                "%(days)s touchpoint-days."
            )
            % {"responses": result.responses, "days": len(result.days_recomputed)}
        )
