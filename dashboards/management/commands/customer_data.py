"""manage.py customer_data (--customer-id ID | --identifier KIND=VALUE --organisation SLUG)
(--export [--output FILE] | --erase).

Finds one customer's responses by the pseudonymous key of any of their identifiers; linked
identifiers (the golden record) reach every response of the customer. No responses is not an
error: --export prints an empty list and --erase deletes nothing, both with exit status 0.
"""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, no_translations
from django.utils.translation import gettext as _

from dashboards.statistics.services.customer_data import customer_data_erase, customer_data_export
from surveys.identity.models import CUSTOMER_ID_KIND
from surveys.identity.normalise import IdentifierInvalidError
from touchpoints.models import Organisation


class Command(BaseCommand):
    help = "Export (access request) or erase (erasure request) every response of one customer."

    def add_arguments(self, parser: CommandParser) -> None:
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--customer-id", help="the customer's raw id")
        who.add_argument(
            "--identifier", help="any identifier of the customer as KIND=VALUE, e.g. phone=0170…"
        )
        parser.add_argument("--organisation", help="slug; needed with --identifier")
        mode = parser.add_mutually_exclusive_group(required=True)
        mode.add_argument("--export", action="store_true", help="print the responses as JSON")
        mode.add_argument(
            "--erase",
            action="store_true",
            help="delete the responses and recompute the affected daily statistics",
        )
        parser.add_argument("--output", help="with --export: write the JSON to this file")

    @no_translations  # every command speaks English, whatever LANGUAGE_CODE says
    def handle(self, *args: Any, **options: Any) -> None:
        kind, customer_id, organisation_id = self._who(options)
        if options["output"] and not options["export"]:
            raise CommandError(_("--output works with --export only."))
        who = {"customer_id": customer_id, "kind": kind, "organisation_id": organisation_id}
        try:
            if options["export"]:
                self._export(who, options)
            else:
                self._erase(who)
        except (IdentifierInvalidError, LookupError) as error:
            raise CommandError(str(error)) from None

    def _who(self, options: dict[str, Any]) -> tuple[str, str, int | None]:
        kind, value = CUSTOMER_ID_KIND, (options["customer_id"] or "").strip()
        if options["identifier"] is not None:
            kind, _sep, value = options["identifier"].partition("=")
            kind, value = kind.strip(), value.strip()
        if not value:
            raise CommandError(_("The identifier must not be empty."))
        organisation_id = None
        if options["organisation"]:
            organisation = Organisation.objects.filter(slug=options["organisation"]).first()
            if organisation is None:
                raise CommandError(
                    _("No organisation with the slug %(slug)r.") % {"slug": options["organisation"]}
                )
            organisation_id = organisation.pk
        elif kind != CUSTOMER_ID_KIND:
            raise CommandError(_("--identifier needs --organisation."))
        return kind, value, organisation_id

    def _export(self, who: dict[str, Any], options: dict[str, Any]) -> None:
        data = customer_data_export(**who)
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

    def _erase(self, who: dict[str, Any]) -> None:
        result = customer_data_erase(**who)
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
