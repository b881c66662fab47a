"""Survey links, embed snippet and QR code of a touchpoint."""

from urllib.parse import parse_qs, urlsplit

import pytest
import segno
from django.test import override_settings

from tests import factories
from touchpoints.links import embed_snippet, print_sheet_url, qr_svg, survey_url

pytestmark = pytest.mark.django_db


@override_settings(SITE_URL="https://cx.example.com")
def test_survey_url_is_absolute_and_carries_the_query() -> None:
    tp = factories.touchpoint()

    plain = survey_url(touchpoint=tp)
    full = survey_url(touchpoint=tp, channel="qr", lang="en", mode="kiosk")

    assert plain == f"https://cx.example.com/s/{tp.public_key}/"
    parts = urlsplit(full)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == plain
    assert parse_qs(parts.query) == {"channel": ["qr"], "lang": ["en"], "mode": ["kiosk"]}


@override_settings(SITE_URL="https://cx.example.com")
def test_embed_snippet_is_the_documented_script_tag() -> None:
    tp = factories.touchpoint()

    assert embed_snippet(touchpoint=tp) == (
        f'<script src="https://cx.example.com/embed.js" data-touchpoint="{tp.public_key}" '
        'data-mode="inline" data-lang="de" async></script>'
    )
    assert 'data-mode="button" data-lang="en"' in embed_snippet(
        touchpoint=tp, mode="button", lang="en"
    )


def test_qr_svg_is_inline_svg_of_the_data() -> None:
    data = "https://cx.example.com/s/abc/?channel=qr&lang=en"

    svg = qr_svg(data=data, scale=3)

    assert svg.startswith("<svg")
    assert "<?xml" not in svg
    assert svg.rstrip().endswith("</svg>")
    assert "channel=qr&amp;lang=en" in svg  # the title names the target, escaped
    # Same symbol as segno builds for the data: width = (modules + 2 x 4 quiet zone) x scale.
    size = segno.make(data, error="m", micro=False).symbol_size(scale=3)
    assert f'width="{size[0]}"' in svg


@override_settings(SITE_URL="https://cx.example.com")
def test_print_sheet_url_names_size_and_channel() -> None:
    tp = factories.touchpoint()

    url = print_sheet_url(touchpoint=tp, size="a6")

    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        f"https://cx.example.com/s/{tp.public_key}/print/"
    )
    assert parse_qs(parts.query) == {"size": ["a6"], "channel": ["qr"]}
