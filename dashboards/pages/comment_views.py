"""The comment browser: search, filter and export what customers wrote (personal data masked)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from cxmonitor.http import HtmxHttpRequest
from dashboards.pages.builders import themes as builders_themes
from dashboards.pages.builders.comment_browser import (
    comment_filter,
    comment_page,
    comments_for_export,
    touchpoint_ids,
)
from dashboards.pages.comment_export import comments_csv
from dashboards.pages.comment_forms import BrowseChoices, CommentBrowseForm
from dashboards.pages.views import _common, _filters, _page_errors, _partial, _scope
from dashboards.themes.selectors import theme_list

TEMPLATE = "dashboards/comments.html"
PARTIALS = {"results": "results", "comment-results": "results"}


def _browse(request: HttpRequest) -> tuple[dict[str, Any], BrowseChoices]:
    scope = _scope(request)
    form, filters = _filters(request, scope)
    themes = [(t.id, t.display_name) for t in theme_list(organisation_id=scope.organisation.pk)]
    browse_form = CommentBrowseForm(request.GET, themes=themes)
    choices = browse_form.choices()
    context = {
        **_common(scope, form, filters),
        "browse_form": browse_form,
        "choices": choices,
        "chosen": comment_filter(scope, filters, choices),
    }
    return context, choices


@require_safe
@login_required
@_page_errors
def comments(request: HtmxHttpRequest) -> HttpResponse:
    """Comments of the period, newest first: full-text search, theme, score, sentiment."""
    context, choices = _browse(request)
    scope = context["scope"]
    context["page"] = comment_page(scope, context["chosen"], page=choices.page)
    base = f"{context['query']}&{choices.query_string()}".rstrip("&")
    context["browse_query"] = base
    context["previous_query"] = f"{base}&page={choices.page - 1}" if choices.page > 1 else ""
    context["next_query"] = f"{base}&page={choices.page + 1}" if context["page"].has_next else ""
    with timezone.override(scope.organisation.tzinfo):
        response = render(request, _partial(request, TEMPLATE, PARTIALS), context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_safe
@login_required
@_page_errors
def tile_themes(request: HtmxHttpRequest) -> HttpResponse:
    """A tile's top themes of the period, loaded when its details open (theme sums only)."""
    scope = _scope(request)
    form, filters = _filters(request, scope)
    ids = touchpoint_ids(scope, filters)
    lines = builders_themes.tile_themes(
        organisation_id=scope.organisation.pk,
        touchpoint_ids=ids,
        start=filters.start,
        end=filters.end,
    )
    context = {
        **_common(scope, form, filters),
        "lines": [line for tid in ids for line in lines.get(tid, ())],
    }
    return render(request, "dashboards/partials/_tile_themes.html", context)


@require_safe
@login_required
@_page_errors
def comments_export(request: HtmxHttpRequest) -> HttpResponse:
    """The filtered comments as CSV (masked text, scores, sentiment, themes)."""
    context, _choices = _browse(request)
    scope = context["scope"]
    filters = context["filters"]
    name = f"comments-{scope.organisation.slug}-{filters.start}-{filters.end}.csv"
    return comments_csv(comments_for_export(scope, context["chosen"]), filename=name)
