"""manage.py followups_scan [--days N]: the periodic follow-up scan, by hand or without beat."""

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, no_translations
from django.utils import timezone

from dashboards.monitoring.services.followups import SCAN_WINDOW, followups_scan

DAYS_MAX = 366


class Command(BaseCommand):
    help = (
        "Put consenting responses with an NPS of 6 or less, or a paired answer 2 or more points "
        "below expectation, into the owning department's follow-up queue (what Celery beat runs "
        "every 10 minutes). Safe to run again: a response is queued once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=SCAN_WINDOW.days,
            help=f"look at responses of the last N days (default {SCAN_WINDOW.days})",
        )

    @no_translations  # every command speaks English, whatever LANGUAGE_CODE says
    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"]
        if not 1 <= days <= DAYS_MAX:
            raise CommandError(f"--days must lie between 1 and {DAYS_MAX}, got {days}.")
        result = followups_scan(submitted_from=timezone.now() - timedelta(days=days))
        self.stdout.write(
            f"{result.scanned} consenting responses not yet queued, "
            f"{result.created} new follow-ups."
        )
