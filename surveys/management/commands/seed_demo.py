"""manage.py seed_demo: the demo client "Beispiel GmbH" with synthetic responses."""

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, no_translations

from cxmonitor.errors import ApplicationError
from surveys.demo import DAYS_MAX, ORGANISATION_NAME, demo_seed


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--end must be a date YYYY-MM-DD, got {value!r}") from error


class Command(BaseCommand):
    help = (
        f'Create the demo client "{ORGANISATION_NAME}" with synthetic responses and planted '
        "patterns (see surveys/demo.py). Reuses an existing demo client unless --reset."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days", type=int, default=90, help=f"days of responses, 1..{DAYS_MAX} (default 90)"
        )
        parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="delete the demo client with all its data and create it again",
        )
        parser.add_argument(
            "--end",
            type=str,
            default=None,
            help="last day of responses, YYYY-MM-DD (default: yesterday in Europe/Berlin)",
        )

    @no_translations  # every command speaks English, whatever LANGUAGE_CODE says
    def handle(self, *args: Any, **options: Any) -> None:
        end = _day(options["end"]) if options["end"] else None
        try:
            result = demo_seed(
                days=options["days"], seed=options["seed"], reset=options["reset"], end=end
            )
        except ApplicationError as error:
            raise CommandError(error.message) from error
        if not result.created:
            self.stdout.write(
                f'The demo client "{ORGANISATION_NAME}" exists ({result.touchpoints} '
                f"touchpoints, {result.responses} responses); nothing changed. "
                "Use --reset to create it again."
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f'Created the demo client "{ORGANISATION_NAME}": {result.touchpoints} touchpoints, '
                f"{result.responses} responses with {result.answers} answers "
                f"from {result.start} to {result.end} in {result.seconds:.1f} s."
            )
        )
        self.stdout.write(
            f"Golden record: {result.customers_before} customers in two silos (customer number "
            f"online, phone offline), {result.customers_after} after the CRM mapping file "
            f"({result.merges} merges)."
        )
        self.stdout.write("Daily statistics come from: python manage.py aggregate")
