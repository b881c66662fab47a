"""Backfill: manage.py comment_themes [--organisation SLUG] [--topics N] [--seed N]."""

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, no_translations
from django.utils.translation import gettext as _
from tqdm import tqdm

from dashboards.analytics.sentiment import agreement
from dashboards.themes.selectors import comment_values, theme_list
from dashboards.themes.services.discovery import DEFAULT_SEED, DEFAULT_TOPICS, themes_discover
from dashboards.themes.services.processing import commented_response_ids, comments_backfill
from touchpoints.models import Organisation


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


class Command(BaseCommand):
    help = "Analyse every stored comment (sentiment, terms), discover themes, assign them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", help="only this organisation (slug)")
        parser.add_argument("--topics", type=int, default=DEFAULT_TOPICS, help="themes to look for")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="factorisation seed")
        parser.add_argument(
            "--no-discover", action="store_true", help="keep the themes, only (re)assign them"
        )

    @no_translations  # every command speaks English, whatever LANGUAGE_CODE says
    def handle(self, *args: Any, **options: Any) -> None:
        if not 1 <= options["topics"] <= 50:
            raise CommandError(_("--topics must be between 1 and 50."))
        organisations = Organisation.objects.order_by("slug")
        if options["organisation"]:
            organisations = organisations.filter(slug=options["organisation"])
            if not organisations.exists():
                raise CommandError(
                    _("No organisation with the slug %(slug)r.") % {"slug": options["organisation"]}
                )
        for organisation in organisations:
            ids = commented_response_ids(organisation_id=organisation.pk)
            with tqdm(
                total=len(ids),
                unit="comment",
                file=sys.stderr,
                disable=None,
                desc=organisation.slug,
            ) as bar:
                analysed = comments_backfill(
                    organisation_id=organisation.pk, response_ids=ids, progress=bar.update
                )
            if not options["no_discover"]:
                themes_discover(
                    organisation_id=organisation.pk, topics=options["topics"], seed=options["seed"]
                )
            themes = theme_list(organisation_id=organisation.pk)
            self.stdout.write(
                _("%(slug)s: %(comments)d comments, %(themes)d themes")
                % {"slug": organisation.slug, "comments": analysed, "themes": len(themes)}
            )
            for theme in themes:
                self.stdout.write(f"  {theme.display_name}  ({theme.mentions})")
            found = agreement(comment_values(organisation_id=organisation.pk))
            self.stdout.write(
                _(
                    "Sentiment against satisfaction: n=%(n)d, Spearman rho %(rho)s, same class "
                    "%(same)s, same polarity %(polar)s"
                )
                % {
                    "n": found.n,
                    "rho": _fmt(found.spearman),
                    "same": _fmt(found.same_class),
                    "polar": _fmt(found.same_polarity),
                }
            )
