"""The comment browser's own filters: text search, theme, score, sentiment, disagreement, page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import Http404, QueryDict
from django.utils.translation import gettext_lazy as _

from dashboards.pages.forms import raise_for_errors

MAX_QUERY = 200
SCORE_CHOICES: list[tuple[str, Any]] = [
    ("", _("All scores")),
    ("low", _("Low satisfaction (1–3)")),
    ("mid", _("Middle (4)")),
    ("high", _("High satisfaction (5–7)")),
]
SENTIMENT_CHOICES: list[tuple[str, Any]] = [
    ("", _("Any sentiment")),
    ("negative", _("Negative")),
    ("neutral", _("Neutral")),
    ("positive", _("Positive")),
]


@dataclass(frozen=True)
class BrowseChoices:
    query: str = ""
    theme_id: int | None = None
    score: str | None = None
    sentiment: str | None = None
    clash_only: bool = False
    page: int = 1

    def query_string(self) -> str:
        """These choices as query parameters (without the page), for links and the export."""
        params = QueryDict(mutable=True)
        for key, value in (
            ("q", self.query),
            ("theme", "" if self.theme_id is None else str(self.theme_id)),
            ("score", self.score or ""),
            ("sentiment", self.sentiment or ""),
            ("clash", "on" if self.clash_only else ""),
        ):
            if value:
                params[key] = value
        return params.urlencode()


class CommentBrowseForm(forms.Form):
    """Comment filters; a theme id that is not the organisation's is a 404."""

    q = forms.CharField(label=_("Search"), max_length=MAX_QUERY, required=False, strip=True)
    theme = forms.TypedChoiceField(label=_("Theme"), coerce=int, empty_value=None, required=False)
    score = forms.ChoiceField(label=_("Score"), choices=SCORE_CHOICES, required=False)
    sentiment = forms.ChoiceField(label=_("Sentiment"), choices=SENTIMENT_CHOICES, required=False)
    clash = forms.BooleanField(label=_("Only where words and score disagree"), required=False)
    page = forms.IntegerField(min_value=1, max_value=10_000, required=False)

    def __init__(self, data: QueryDict, *, themes: list[tuple[int, str]]) -> None:
        super().__init__(data)
        field = self.fields["theme"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("All themes"))] + [(str(pk), name) for pk, name in themes]

    def choices(self) -> BrowseChoices:
        """The cleaned values; Http404 for a foreign theme, ApplicationError for the rest."""
        if not self.is_valid() and "theme" in self.errors:
            raise Http404("unknown theme")
        raise_for_errors(self)
        data = self.cleaned_data
        return BrowseChoices(
            query=data.get("q") or "",
            theme_id=data.get("theme"),
            score=data.get("score") or None,
            sentiment=data.get("sentiment") or None,
            clash_only=bool(data.get("clash")),
            page=data.get("page") or 1,
        )
