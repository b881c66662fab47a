"""Themes on stored comments: discovery, stable re-runs, pins, edits, capture, sums, impact."""

from datetime import timedelta
from io import StringIO
from typing import Any

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from scipy import stats

from dashboards.themes.models import CommentAnalysis, CommentDay, CommentTheme, Theme, ThemeDay
from dashboards.themes.selectors import CommentFilter, comment_search, theme_impacts, theme_list
from dashboards.themes.services.discovery import themes_discover
from dashboards.themes.services.edits import (
    theme_pin,
    theme_rename,
    theme_set_hidden,
    themes_merge,
)
from dashboards.themes.services.processing import commented_response_ids, comments_backfill
from surveys.models import Item, Survey
from surveys.services import AnswerInput, SubmissionInput, response_submit
from tests import factories
from tests.dashboards.themes.themes_support import commented_responses, eager_tasks  # noqa: F401
from touchpoints.models import Organisation

pytestmark = pytest.mark.django_db


def _setup() -> tuple[Organisation, Survey]:
    tp = factories.touchpoint()
    srv = factories.survey(tp=tp)
    commented_responses(srv)
    org = tp.phase.journey.organisation
    comments_backfill(
        organisation_id=org.pk, response_ids=commented_response_ids(organisation_id=org.pk)
    )
    return org, srv


def _assignments(org: Organisation) -> list[tuple[int, int]]:
    return sorted(
        CommentTheme.objects.filter(comment__organisation=org).values_list("comment_id", "theme_id")
    )


def _theme_with(org: Organisation, term: str) -> Theme:
    return next(t for t in Theme.objects.filter(organisation=org) if term in t.keywords)


def test_discovery_finds_the_subjects_and_a_rerun_changes_nothing() -> None:
    org, _ = _setup()
    themes_discover(organisation_id=org.pk, topics=3)
    first = _assignments(org)
    ids = sorted(Theme.objects.filter(organisation=org).values_list("pk", "label"))

    result = themes_discover(organisation_id=org.pk, topics=3)

    assert result.created == 0 and result.kept == 3
    assert sorted(Theme.objects.filter(organisation=org).values_list("pk", "label")) == ids
    assert _assignments(org) == first
    for term in ("wartezeit", "rechnung", "paket"):
        theme = _theme_with(org, term)
        texts = CommentAnalysis.objects.filter(themes__theme=theme).values_list("text", flat=True)
        assert len(texts) >= 25
        assert all(term in text.lower() or "karton" in text.lower() for text in texts)


def test_pinned_keywords_route_comments_and_edits_survive_rediscovery() -> None:
    org, srv = _setup()
    themes_discover(organisation_id=org.pk, topics=3)
    waiting = _theme_with(org, "wartezeit")
    invoice = _theme_with(org, "rechnung")
    parcel = _theme_with(org, "paket")
    items = {item.kind: item.pk for item in srv.items.all()}
    lonely = factories.response(
        srv=srv,
        scores={
            items[Item.Kind.NPS]: 3,
            items[Item.Kind.COMMENT]: "Ich hing ewig in der Warteschleife.",
        },
        submitted_at=timezone.now() - timedelta(days=2),
    )
    comments_backfill(organisation_id=org.pk, response_ids=[lonely.pk])
    assert not CommentTheme.objects.filter(comment_id=lonely.pk).exists()

    for word in ("Warteschleife", "gewartet"):
        theme_pin(organisation_id=org.pk, theme_id=waiting.pk, word=word)
    theme_rename(organisation_id=org.pk, theme_id=waiting.pk, name="Wartezeit")
    theme_set_hidden(organisation_id=org.pk, theme_id=parcel.pk, hidden=True)
    themes_merge(organisation_id=org.pk, source_id=invoice.pk, target_id=waiting.pk)
    themes_discover(organisation_id=org.pk, topics=3)

    waiting.refresh_from_db()
    assert waiting.name == "Wartezeit"
    assert sorted(waiting.pins.values_list("term", flat=True)) == ["warten", "warteschleife"]
    assert list(
        CommentTheme.objects.filter(comment_id=lonely.pk).values_list("theme", flat=True)
    ) == [waiting.pk]
    assert not CommentTheme.objects.filter(theme=parcel).exists()
    assert Theme.objects.get(pk=parcel.pk).hidden
    # Invoice comments now count for the theme they were merged into.
    assert not CommentTheme.objects.filter(theme=invoice).exists()
    merged = CommentAnalysis.objects.filter(themes__theme=waiting, text__icontains="rechnung")
    assert merged.count() >= 25
    names = [row.display_name for row in theme_list(organisation_id=org.pk)]
    assert names == ["Wartezeit"]


def test_theme_impact_from_daily_sums_equals_scipy_on_raw_comments() -> None:
    org, _ = _setup()
    themes_discover(organisation_id=org.pk, topics=3)
    end = timezone.localdate()
    start = end - timedelta(days=30)

    ranked = theme_impacts(organisation_id=org.pk, start=start, end=end)[None]

    rows = list(
        CommentAnalysis.objects.filter(organisation=org).values_list("pk", "satisfaction", "nps")
    )
    for entry in ranked:
        members = set(
            CommentTheme.objects.filter(theme_id=entry.id).values_list("comment_id", flat=True)
        )
        sat_with = np.array([s for pk, s, _ in rows if pk in members])
        sat_without = np.array([s for pk, s, _ in rows if pk not in members])
        ci = stats.ttest_ind(sat_with, sat_without, equal_var=False).confidence_interval()
        assert entry.impact.satisfaction_impact.ci == pytest.approx((ci.low, ci.high), rel=1e-9)
        assert entry.impact.mentions == len(members)
        assert entry.impact.comments == len(rows)
    contributions = [entry.impact.contribution for entry in ranked]
    assert contributions == sorted(contributions)  # type: ignore[type-var]
    assert ranked[0].id == _theme_with(org, "paket").pk  # the lowest scores


@pytest.mark.usefixtures("eager_tasks")
def test_capture_analyses_a_comment_and_updates_the_day(
    django_capture_on_commit_callbacks: Any,
) -> None:
    org, srv = _setup()
    themes_discover(organisation_id=org.pk, topics=3)
    parcel = _theme_with(org, "paket")
    items = {item.kind: item.pk for item in srv.items.all()}
    paired = list(srv.items.filter(kind=Item.Kind.PAIRED).values_list("pk", flat=True))
    answers = [AnswerInput(item_id=p, expectation=6, satisfaction=2) for p in paired]
    answers += [
        AnswerInput(item_id=items[Item.Kind.NPS], value=9),
        AnswerInput(
            item_id=items[Item.Kind.COMMENT],
            text="Paket beschädigt! Rufen Sie mich an: 0171 2345678, max@example.org",
        ),
    ]
    day = timezone.localdate()
    before = (
        ThemeDay.objects.filter(theme=parcel, day=day).values_list("comments", flat=True).first()
        or 0
    )

    with django_capture_on_commit_callbacks(execute=True):
        result = response_submit(
            submission=SubmissionInput(
                public_key=srv.touchpoint.public_key,
                submission_id="themes-1",
                answers=answers,
                channel="api",
                language="de",
            )
        )

    comment = CommentAnalysis.objects.get(pk=result.response_id)
    assert "2345678" not in comment.text and "max@" not in comment.text
    assert comment.satisfaction == 2.0 and comment.nps == 9
    assert comment.sentiment < -0.3 and comment.clash  # a promoter's NPS with an angry comment
    assert list(comment.themes.values_list("theme_id", flat=True)) == [parcel.pk]
    assert ThemeDay.objects.get(theme=parcel, day=day).comments == before + 1
    assert CommentDay.objects.get(touchpoint=srv.touchpoint, day=day).clashes >= 1


def test_comment_search_filters_by_theme_text_and_sentiment() -> None:
    org, _ = _setup()
    themes_discover(organisation_id=org.pk, topics=3)
    end = timezone.localdate()
    start = end - timedelta(days=30)
    parcel = _theme_with(org, "paket")

    by_theme = comment_search(
        organisation_id=org.pk, filters=CommentFilter(start=start, end=end, theme_id=parcel.pk)
    )
    by_text = comment_search(
        organisation_id=org.pk, filters=CommentFilter(start=start, end=end, query="Karton")
    )
    negative = comment_search(
        organisation_id=org.pk, filters=CommentFilter(start=start, end=end, sentiment="negative")
    )

    assert by_theme.count() == CommentTheme.objects.filter(theme=parcel).count()
    assert by_text.count() == CommentAnalysis.objects.filter(text__icontains="karton").count() > 0
    assert all(c.sentiment <= -0.05 for c in negative)


def test_backfill_command_lists_themes_and_refuses_unknown_organisation() -> None:
    tp = factories.touchpoint()
    commented_responses(factories.survey(tp=tp))
    slug = tp.phase.journey.organisation.slug
    out = StringIO()

    call_command("comment_themes", organisation=slug, topics=3, stdout=out, stderr=StringIO())

    assert f"{slug}: 90 comments, 3 themes" in out.getvalue()  # commands speak English
    with pytest.raises(CommandError, match="nope"):
        call_command("comment_themes", organisation="nope", stdout=StringIO())
    with pytest.raises(CommandError, match="--topics"):
        call_command("comment_themes", topics=0, stdout=StringIO())
