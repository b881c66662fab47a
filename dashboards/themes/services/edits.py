"""A consultant's edits of themes: rename, merge, pin keywords, hide. They survive discovery,
which only replaces a theme's discovered keywords and label."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from cxmonitor.errors import ApplicationError
from dashboards.analytics.text import comment_terms, lemma
from dashboards.themes.models import Theme, ThemeKeyword

from .assignment import comment_days_recompute_organisation, comments_assign


def _theme(*, organisation_id: int, theme_id: int) -> Theme:
    theme = (
        Theme.objects.select_for_update()
        .filter(organisation_id=organisation_id, pk=theme_id)
        .first()
    )
    if theme is None:
        raise ApplicationError(_("No such theme."), status_code=404)
    return theme


def themes_reassign(*, organisation_id: int) -> int:
    """Assign every comment again and recompute the theme sums (after an edit)."""
    written = comments_assign(organisation_id=organisation_id)
    comment_days_recompute_organisation(organisation_id=organisation_id)
    return written


@transaction.atomic
def theme_rename(*, organisation_id: int, theme_id: int, name: str) -> Theme:
    """Give a theme the consultant's name (empty: back to the discovered label)."""
    theme = _theme(organisation_id=organisation_id, theme_id=theme_id)
    name = name.strip()
    if len(name) > 200:
        raise ApplicationError(_("Invalid theme."), fields={"name": [_("At most 200 characters.")]})
    theme.name = name
    theme.save(update_fields=["name", "updated_at"])
    return theme


def pin_term(word: str, language: str = "de") -> str:
    """The term a pinned word matches: its lemma, as comments' terms are lemmas."""
    terms = comment_terms(word, language)
    return terms[0] if len(terms) == 1 else lemma(word.strip(), language)


@transaction.atomic
def theme_pin(
    *, organisation_id: int, theme_id: int, word: str, language: str = "de", reassign: bool = True
) -> Theme:
    """Pin a word to a theme: every comment with it (any inflection) gets the theme."""
    theme = _theme(organisation_id=organisation_id, theme_id=theme_id)
    if not word.strip() or len(word) > 100 or " " in word.strip():
        raise ApplicationError(
            _("Invalid keyword."), fields={"term": [_("Enter one word of at most 100 characters.")]}
        )
    ThemeKeyword.objects.get_or_create(theme=theme, term=pin_term(word, language))
    if reassign:
        themes_reassign(organisation_id=organisation_id)
    return theme


@transaction.atomic
def theme_unpin(*, organisation_id: int, theme_id: int, term: str, reassign: bool = True) -> None:
    """Remove a pinned keyword."""
    theme = _theme(organisation_id=organisation_id, theme_id=theme_id)
    ThemeKeyword.objects.filter(theme=theme, term=term).delete()
    if reassign:
        themes_reassign(organisation_id=organisation_id)


@transaction.atomic
def themes_merge(
    *, organisation_id: int, source_id: int, target_id: int, reassign: bool = True
) -> Theme:
    """Merge one theme into another: its comments, keywords and pins count for the target."""
    if source_id == target_id:
        raise ApplicationError(
            _("Invalid merge."), fields={"target": [_("A theme cannot be merged into itself.")]}
        )
    source = _theme(organisation_id=organisation_id, theme_id=source_id)
    target = _theme(organisation_id=organisation_id, theme_id=target_id)
    if target.merged_into_id is not None:
        raise ApplicationError(
            _("Invalid merge."), fields={"target": [_("That theme is itself merged.")]}
        )
    # Themes merged into the source follow it into the target.
    Theme.objects.filter(merged_into=source).update(merged_into=target)
    source.merged_into = target
    source.save(update_fields=["merged_into", "updated_at"])
    if reassign:
        themes_reassign(organisation_id=organisation_id)
    return target


@transaction.atomic
def theme_unmerge(*, organisation_id: int, theme_id: int, reassign: bool = True) -> Theme:
    """Undo a merge: the theme takes its own comments again."""
    theme = _theme(organisation_id=organisation_id, theme_id=theme_id)
    theme.merged_into = None
    theme.save(update_fields=["merged_into", "updated_at"])
    if reassign:
        themes_reassign(organisation_id=organisation_id)
    return theme


@transaction.atomic
def theme_set_hidden(
    *, organisation_id: int, theme_id: int, hidden: bool, reassign: bool = True
) -> Theme:
    """Hide a theme as noise (it takes no comments) or show it again."""
    theme = _theme(organisation_id=organisation_id, theme_id=theme_id)
    theme.hidden = hidden
    theme.save(update_fields=["hidden", "updated_at"])
    if reassign:
        themes_reassign(organisation_id=organisation_id)
    return theme


def themes_reassign_later(*, organisation_id: int) -> None:
    """After the edit commits, reassign in the background (eagerly without a broker)."""
    from dashboards.themes.tasks import themes_reassign_organisation  # the task calls us

    transaction.on_commit(lambda: themes_reassign_organisation.delay(organisation_id))
