"""GET /embed.js: small, cacheable, JavaScript, and the source the static folder holds."""

import gzip
from pathlib import Path

from django.conf import settings
from django.test import Client

MAX_GZIPPED_BYTES = 5 * 1024


def test_embed_script_is_javascript_with_long_cache_headers() -> None:
    response = Client().get("/embed.js")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript; charset=utf-8"
    cache_control = response["Cache-Control"]
    assert "public" in cache_control
    assert "max-age=86400" in cache_control
    assert "stale-while-revalidate=604800" in cache_control
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert "Set-Cookie" not in response.headers
    source = Path(settings.BASE_DIR, "static", "surveys", "embed.js").read_bytes()
    assert response.content == source


def test_embed_script_stays_under_five_kilobytes_gzipped() -> None:
    body = Client().get("/embed.js").content

    size = len(gzip.compress(body, compresslevel=9))

    assert 0 < size < MAX_GZIPPED_BYTES, size


def test_embed_script_is_sent_compressed_when_the_browser_accepts_it() -> None:
    plain = Client().get("/embed.js").content

    response = Client().get("/embed.js", HTTP_ACCEPT_ENCODING="gzip, deflate, br")

    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert gzip.decompress(response.content) == plain


def test_embed_script_contains_the_contract_it_promises() -> None:
    source = Client().get("/embed.js").content.decode()

    # closed shadow root, origin + source check of height messages, iframe title, both modes
    assert 'attachShadow({ mode: "closed" })' in source
    assert "event.origin === entry.origin" in source
    assert "event.source === entry.frame.contentWindow" in source
    assert '"cxmonitor:height"' in source
    assert "frame.title" in source
    assert '"mode=embed", "channel=embed"' in source
    assert "all:initial" in source
