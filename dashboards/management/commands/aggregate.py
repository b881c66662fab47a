"""Backfill: manage.py aggregate [--since DATE] [--until DATE] [--organisation SLUG]."""

import sys
from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Min
from django.utils.translation import gettext as _
from tqdm import tqdm

from cxmonitor.days import local_today
from dashboards.statistics.services.aggregation import aggregate_range
from dashboards.statistics.services.importance import importance_refresh
from surveys.models import Response
from touchpoints.models import Organisation

# Days per aggregate_range call: bounds the rows held in memory at once.
CHUNK_DAYS = 7


def _parse_day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            _("%(option)s: %(value)r is not a date of the form YYYY-MM-DD.")
            % {"option": option, "value": value}
        ) from None


class Command(BaseCommand):
    help = "Recompute daily statistics from the stored answers (backfill), then importance."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", help="first local day, YYYY-MM-DD (default: first response)")
        parser.add_argument("--until", help="last local day, YYYY-MM-DD (default: today)")
        parser.add_argument("--organisation", help="only this organisation (slug)")
        parser.add_argument(
            "--no-importance", action="store_true", help="skip the importance refresh at the end"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        since = _parse_day(options["since"], "--since")
        until = _parse_day(options["until"], "--until")
        if since and until and since > until:
            raise CommandError(_("--since must not be after --until."))
        organisations = Organisation.objects.order_by("slug")
        if options["organisation"]:
            organisations = organisations.filter(slug=options["organisation"])
            if not organisations.exists():
                raise CommandError(
                    _("No organisation with the slug %(slug)r.") % {"slug": options["organisation"]}
                )
        plan: list[tuple[Organisation, date, date]] = []
        for organisation in organisations:
            first = since or self._first_day(organisation)
            last = until or local_today(tz=organisation.tzinfo)
            if first is None or first > last:
                continue
            start = first
            while start <= last:
                end = min(start + timedelta(days=CHUNK_DAYS - 1), last)
                plan.append((organisation, start, end))
                start = end + timedelta(days=1)
        written = 0
        with tqdm(total=len(plan), unit="chunk", file=sys.stderr, disable=None) as bar:
            for organisation, start, end in plan:
                bar.set_description(f"{organisation.slug} {start.isoformat()}")
                written += aggregate_range(start=start, end=end, organisation_id=organisation.pk)
                bar.update(1)
        if not options["no_importance"]:
            for organisation in organisations:
                importance_refresh(
                    organisation_id=organisation.pk,
                    end=until or local_today(tz=organisation.tzinfo),
                )
        self.stdout.write(
            _("Aggregated %(chunks)d chunks, %(rows)d daily rows.")
            % {"chunks": len(plan), "rows": written}
        )

    def _first_day(self, organisation: Organisation) -> date | None:
        first = Response.objects.filter(
            touchpoint__phase__journey__organisation=organisation
        ).aggregate(first=Min("submitted_at"))["first"]
        return first.astimezone(organisation.tzinfo).date() if first else None
