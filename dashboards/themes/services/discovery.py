"""Discovery of an organisation's themes from its comments, keeping what consultants edited."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from dashboards.analytics.text import surface_forms
from dashboards.analytics.themes import discover_topics, match_topics
from dashboards.themes.models import CommentAnalysis, Theme

from .assignment import comment_days_recompute_organisation, comments_assign

DEFAULT_TOPICS = 12
DEFAULT_SEED = 0
MAX_COMMENTS = 50_000
"""Discovery reads at most this many of the newest comments; assignment covers all of them."""


@dataclass(frozen=True, slots=True)
class DiscoveryResult:
    themes: int
    created: int
    kept: int
    assignments: int


@transaction.atomic
def themes_discover(
    *,
    organisation_id: int,
    topics: int = DEFAULT_TOPICS,
    seed: int = DEFAULT_SEED,
    max_comments: int = MAX_COMMENTS,
) -> DiscoveryResult:
    """Find the organisation's themes, match them to the existing ones, reassign, resum."""
    rows = list(
        CommentAnalysis.objects.filter(organisation_id=organisation_id)
        .order_by("-submitted_at", "-response_id")
        .values_list("terms", "text", "language")[:max_comments]
    )
    rows.reverse()  # oldest first: the same comments give the same matrix in the same order
    candidates = discover_topics([terms.split() for terms, _, _ in rows], topics=topics, seed=seed)
    forms = surface_forms((text, language) for _, text, language in rows) if candidates else {}
    existing = {
        theme.pk: theme
        for theme in Theme.objects.select_for_update().filter(organisation_id=organisation_id)
    }
    matched = match_topics(
        candidates, {pk: theme.keywords for pk, theme in existing.items() if theme.keywords}
    )
    created = 0
    for index, candidate in enumerate(candidates):
        theme = existing.get(matched[index]) if index in matched else None
        if theme is None:
            theme = Theme(organisation_id=organisation_id)
            created += 1
        theme.label = candidate.label(forms)[:200]
        theme.keywords = dict(candidate.keywords)
        theme.discovered_comments = candidate.comments
        theme.save()
    for pk, theme in existing.items():
        if pk not in matched.values() and theme.keywords:
            # Not found this time: its name, pins and merges stay; its old words no longer assign.
            theme.keywords = {}
            theme.discovered_comments = 0
            theme.save(update_fields=["keywords", "discovered_comments", "updated_at"])
    assignments = comments_assign(organisation_id=organisation_id)
    comment_days_recompute_organisation(organisation_id=organisation_id)
    return DiscoveryResult(
        themes=len(candidates),
        created=created,
        kept=len(candidates) - created,
        assignments=assignments,
    )
