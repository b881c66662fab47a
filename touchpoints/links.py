"""Public addresses of a touchpoint: survey links, the embed snippet and QR codes."""

from html import escape
from urllib.parse import urlencode

import segno
from django.conf import settings

from .models import Touchpoint


def survey_url(
    *,
    touchpoint: Touchpoint,
    channel: str | None = None,
    lang: str | None = None,
    mode: str | None = None,
) -> str:
    """Absolute URL of the touchpoint's survey page, with the given query parameters."""
    # A plain path rather than reverse(): the link must not depend on the page's URLconf.
    url = f"{settings.SITE_URL}/s/{touchpoint.public_key}/"
    query = {
        key: value for key, value in (("channel", channel), ("lang", lang), ("mode", mode)) if value
    }
    return f"{url}?{urlencode(query)}" if query else url


def print_sheet_url(*, touchpoint: Touchpoint, size: str = "a4", channel: str = "qr") -> str:
    """Absolute URL of the touchpoint's printable QR sheet (A4 or A6)."""
    query = urlencode({"size": size, "channel": channel})
    return f"{settings.SITE_URL}/s/{touchpoint.public_key}/print/?{query}"


def embed_snippet(*, touchpoint: Touchpoint, mode: str = "inline", lang: str = "de") -> str:
    """The script tag a client pastes into their site to show the survey."""
    return (
        f'<script src="{escape(settings.SITE_URL)}/embed.js"'
        f' data-touchpoint="{escape(touchpoint.public_key)}"'
        f' data-mode="{escape(mode)}" data-lang="{escape(lang)}" async></script>'
    )


def _qr(data: str) -> segno.QRCode:
    # Level M survives a little dirt or a crease on a printed code and keeps the code small.
    return segno.make(data, error="m", micro=False)


def qr_svg(*, data: str, scale: int = 4) -> str:
    """A QR code for `data` as inline SVG (no XML declaration), ready to place in HTML."""
    return _qr(data).svg_inline(scale=scale, svgclass="qr-code", title=data)


def qr_svg_data_uri(*, data: str, scale: int = 10) -> str:
    """A QR code for `data` as a standalone SVG document in a data: URI, for download links."""
    return _qr(data).svg_data_uri(scale=scale, title=data)
