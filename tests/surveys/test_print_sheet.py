"""The printable QR sheet: valid SVG in A4 and A6, with the QR code, the URL and both languages."""

import xml.etree.ElementTree as ET

import pytest
import segno
from django.conf import settings
from django.test import Client

from tests import factories

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


def _qr_modules(url: str) -> int:
    return int(segno.make(url, error="m", micro=False).symbol_size(scale=1, border=0)[0])


@pytest.mark.parametrize(
    ("size", "width", "height"), [("a4", "210mm", "297mm"), ("a6", "105mm", "148mm")]
)
def test_sheet_is_valid_svg_with_qr_and_both_languages(size: str, width: str, height: str) -> None:
    tp = factories.touchpoint(name="Kasse & Beratung <Filiale Süd>")
    factories.survey(tp=tp)

    response = Client().get(f"/s/{tp.public_key}/print/?size={size}&channel=qr")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    root = ET.fromstring(response.content)  # well-formed XML, names escaped
    assert root.tag == f"{SVG}svg"
    assert (root.get("width"), root.get("height")) == (width, height)
    text = "".join(root.itertext())
    assert "Kasse & Beratung <Filiale Süd>" in text
    assert "Ihre Meinung zählt – scannen Sie den Code" in text
    assert "Your opinion counts – scan the code" in text
    page_url = f"{settings.SITE_URL}/s/{tp.public_key}/"
    qr_url = f"{page_url}?channel=qr"
    assert page_url.split("://", 1)[1] in text
    group = root.find(f".//{SVG}g[@id='qr']")
    assert group is not None
    title = group.find(f"{SVG}title")
    assert title is not None
    assert title.text == qr_url
    drawing = group.find(f"{SVG}path")
    assert drawing is not None
    path = drawing.get("d")
    assert path is not None
    # the drawn code has exactly the modules segno computes for that URL
    modules = _qr_modules(qr_url)
    dark = sum(
        1
        for row in segno.make(qr_url, error="m", micro=False).matrix_iter(scale=1, border=0)
        for cell in row
        if cell
    )
    drawn = sum(int(seg.split("h")[1].split("v")[0]) for seg in path.split("M")[1:])
    assert drawn == dark
    transform = group.get("transform", "")
    assert transform.startswith("translate(45 112) scale(")
    assert float(transform.split("scale(")[1].rstrip(")")) == pytest.approx(120.0 / modules, 1e-4)


def test_sheet_channel_defaults_to_qr_and_unknown_key_is_404() -> None:
    tp = factories.touchpoint()

    default = Client().get(f"/s/{tp.public_key}/print/")
    kiosk = Client().get(f"/s/{tp.public_key}/print/?size=a6&channel=kiosk")
    bogus = Client().get(f"/s/{tp.public_key}/print/?channel=api")

    assert default.status_code == 200 and b'width="210mm"' in default.content
    assert b"?channel=qr</title>" in default.content
    assert b"?channel=kiosk</title>" in kiosk.content
    assert b"?channel=qr</title>" in bogus.content
    assert Client().get("/s/does-not-exist/print/").status_code == 404
