"""The enrolment QR code as inline SVG.

Inline, so the secret never gets a URL of its own that could be cached, logged or fetched
again; SVG, so it stays sharp at any zoom and is readable on a projector or a phone camera.
"""

from __future__ import annotations

import qrcode
import qrcode.image.svg


def qr_svg(data: str) -> str:
    """An ``<svg>`` element (no XML declaration) holding ``data``, labelled for screen readers."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=4)
    svg = image.to_string(encoding="unicode")
    svg = svg[svg.index("<svg") :]  # drop an XML declaration: not allowed inside HTML
    return svg.replace(
        "<svg ",
        '<svg role="img" aria-label="QR code for your authenticator app" class="qr" ',
        1,
    )
