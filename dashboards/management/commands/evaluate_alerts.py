"""manage.py evaluate_alerts [--date YYYY-MM-DD] [--days N] [--organisation SLUG]."""

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from dashboards.monitoring.services import alerts_evaluate
from touchpoints.models import Organisation


class Command(BaseCommand):
    help = (
        "Evaluate the alert rules for a day (default: yesterday in each organisation's time "
        "zone) and send the new alerts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="the day to evaluate, YYYY-MM-DD")
        parser.add_argument(
            "--days",
            type=int,
            default=1,
            help="evaluate this many days ending on --date, oldest first (a backfill)",
        )
        parser.add_argument("--organisation", help="only this organisation (slug)")

    def handle(self, *args: Any, **options: Any) -> None:
        day: date | None = None
        if options["date"] is not None:
            try:
                day = date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(
                    _("--date: %(value)r is not a date of the form YYYY-MM-DD.")
                    % {"value": options["date"]}
                ) from None
        days = options["days"]
        if days < 1 or days > 366:
            raise CommandError(_("--days must lie between 1 and 366."))
        if days > 1 and day is None:
            raise CommandError(_("--days needs --date."))
        organisation_ids = None
        if options["organisation"]:
            organisation = Organisation.objects.filter(slug=options["organisation"]).first()
            if organisation is None:
                raise CommandError(
                    _("No organisation with the slug %(slug)r.") % {"slug": options["organisation"]}
                )
            organisation_ids = [organisation.pk]
        total = alerts_evaluate(day=day, days=days, organisation_ids=organisation_ids)
        self.stdout.write(
            _(
                "%(breaches)s breaches: %(created)s new alerts, %(existing)s already known, "
                "%(suppressed)s within a cooldown."
            )
            % {
                "breaches": total.breaches,
                "created": len(total.created),
                "existing": total.existing,
                "suppressed": total.suppressed,
            }
        )
