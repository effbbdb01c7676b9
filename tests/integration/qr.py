"""Reading the practice QR code back from its PNG, as a phone's camera would."""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image


def decode_qr(png: bytes) -> str:
    """The text of the one QR code in ``png``.

    Only QR codes are looked for: with every format allowed, zxing now and then also reads a
    one-dimensional barcode into the QR code's random-looking modules.
    """
    [code] = zxingcpp.read_barcodes(
        Image.open(io.BytesIO(png)), formats=zxingcpp.BarcodeFormat.QRCode
    )
    return code.text
