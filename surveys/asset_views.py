"""Static-like customer pages: the embed script and the printable QR sheet."""

import functools
import textwrap
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_safe

from touchpoints.selectors import touchpoint_get_public

from .forms import PAGE_CHANNELS

EMBED_SOURCE = "surveys/embed.js"
# embed.js has a fixed address (it sits in clients' pages), so it cannot carry a content hash:
# a day of caching plus a week of stale-while-revalidate keeps it fast and lets fixes arrive.
EMBED_CACHE_CONTROL = "public, max-age=86400, stale-while-revalidate=604800"
PAPER_SIZES_MM = {"a4": (210, 297), "a6": (105, 148)}


@functools.cache
def _embed_source_cached() -> bytes:
    return _embed_source_read()


def _embed_source_read() -> bytes:
    path = finders.find(EMBED_SOURCE)
    if not path:
        raise Http404("embed.js is missing")
    with open(path, "rb") as source:
        return source.read()


@require_safe
@gzip_page
def embed_js(request: HttpRequest) -> HttpResponse:
    """The embed script for clients' pages (source: static/surveys/embed.js)."""
    body = _embed_source_read() if settings.DEBUG else _embed_source_cached()
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = EMBED_CACHE_CONTROL
    # Hosts that isolate themselves (COEP) may still load it.
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


def _qr_path(data: str) -> tuple[str, int]:
    """The dark modules of a QR code as one SVG path (1 unit per module) and its side length."""
    code = segno.make(data, error="m", micro=False)
    rows = [list(row) for row in code.matrix_iter(scale=1, border=0)]
    parts: list[str] = []
    for y, row in enumerate(rows):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                parts.append(f"M{start} {y}h{x - start}v1h{start - x}z")
            else:
                x += 1
    return "".join(parts), len(rows)


@require_safe
def print_sheet(request: HttpRequest, public_key: str) -> HttpResponse:
    """A printable A4 or A6 SVG sheet with the touchpoint's QR code (public, like the key)."""
    touchpoint = touchpoint_get_public(public_key=public_key)
    if touchpoint is None:
        raise Http404("unknown touchpoint")
    size = request.GET.get("size", "a4").lower()
    size = size if size in PAPER_SIZES_MM else "a4"
    channel = request.GET.get("channel", "qr")
    channel = channel if channel in PAGE_CHANNELS else "qr"
    page_url = f"{settings.SITE_URL}{reverse('surveys:page', args=[public_key])}"
    qr_url = f"{page_url}?{urlencode({'channel': channel})}"
    path, modules = _qr_path(qr_url)
    width_mm, height_mm = PAPER_SIZES_MM[size]
    # One layout drawn in A4 units; A6 is half of A4, so only the outer size changes.
    qr_side, qr_top = 120.0, 112.0
    view_height = 297 if size == "a4" else 296
    # Numbers go in as text: the active language must not turn 3.5 into "3,5" inside the SVG.
    context = {
        "width_mm": width_mm,
        "height_mm": height_mm,
        "view_height": view_height,
        "border_height": view_height - 16,
        "name_lines": textwrap.wrap(touchpoint.name, width=28, max_lines=3, placeholder=" …"),
        "qr_path": path,
        "qr_transform": (
            f"translate({(210 - qr_side) / 2:g} {qr_top:g}) scale({qr_side / modules:.5f})"
        ),
        "qr_url": qr_url,
        "url_y": f"{qr_top + qr_side + 14:g}",
        "footer_y": view_height - 22,
        "short_url": page_url.split("://", 1)[-1],
    }
    response = render(
        request, "surveys/print_sheet.svg", context, content_type="image/svg+xml; charset=utf-8"
    )
    response["Content-Disposition"] = f'inline; filename="survey-{public_key}-{size}.svg"'
    return response
