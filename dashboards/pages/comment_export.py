"""CSV export of the browsed comments: masked text, scores, sentiment and themes."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from django.http import HttpResponse
from django.utils.translation import gettext as _

from dashboards.pages.builders.comment_browser import BrowsedComment
from dashboards.pages.exports import spreadsheet_safe


def _rows(comments: Iterable[BrowsedComment]) -> Iterator[list[object]]:
    yield [
        _("Touchpoint"),
        _("Submitted at"),
        _("Language"),
        _("Comment"),
        _("Satisfaction"),
        _("NPS"),
        _("Sentiment"),
        _("Words and score disagree"),
        _("Themes"),
    ]
    for c in comments:
        yield [
            spreadsheet_safe(c.touchpoint),
            c.submitted_at.isoformat(),
            c.language,
            spreadsheet_safe(c.text),
            "" if c.satisfaction is None else round(c.satisfaction, 2),
            "" if c.nps is None else c.nps,
            round(c.sentiment, 3),
            int(c.clash),
            spreadsheet_safe(" | ".join(c.themes)),
        ]


def comments_csv(comments: Iterable[BrowsedComment], *, filename: str) -> HttpResponse:
    """The comments as a CSV download (UTF-8 with a byte order mark for Excel)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    csv.writer(buffer).writerows(_rows(comments))
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
