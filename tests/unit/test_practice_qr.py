"""The practice QR code really carries the otpauth link: decoded like a phone camera would."""

from __future__ import annotations

import base64
import io
from urllib.parse import parse_qs, unquote, urlsplit

import zxingcpp
from PIL import Image

from bot.onboarding import practice

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def test_qr_png_decodes_to_the_otpauth_uri() -> None:
    uri = practice.otpauth_uri(SECRET)
    png = practice.qr_png(uri)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")

    barcode = zxingcpp.read_barcode(Image.open(io.BytesIO(png)))
    assert barcode is not None, "no QR code found in the PNG"
    assert barcode.text == uri

    parts = urlsplit(barcode.text)
    assert parts.scheme == "otpauth" and parts.netloc == "totp"
    assert unquote(parts.path) == "/RUC MFA practice:Practice entry - delete me"
    query = parse_qs(parts.query)
    assert query["issuer"] == ["RUC MFA practice"]
    assert query["secret"] == [SECRET]


def test_qr_png_is_small() -> None:
    png = practice.qr_png(practice.otpauth_uri(SECRET))
    width, height = Image.open(io.BytesIO(png)).size
    assert width == height <= 400
    assert len(png) < 5_000


def test_data_url_carries_the_same_png() -> None:
    uri = practice.otpauth_uri(SECRET)
    url = practice.qr_data_url(uri)
    prefix = "data:image/png;base64,"
    assert url.startswith(prefix)
    assert base64.b64decode(url[len(prefix) :], validate=True) == practice.qr_png(uri)
