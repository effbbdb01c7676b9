"""Recognise the user's phone platform in a typed answer ("it's a samsung", "basic phone").

Buttons carry the platform as an entity; typed answers have none, because the NLU pipeline
classifies intents only. Keywords are enough for the handful of answers people give.
"""

from __future__ import annotations

import re

# English and Danish ("ingen smartphone", "en gammel mobil", "iphonen", "min samsung-telefon").
NO_SMARTPHONE = re.compile(
    r"\b(no|not an?|don'?t have an?|without( an?)?|ingen|ikke nogen|uden( en)?|har ikke en)"
    r"\s+(smart\s?phone|smartphone|apps?)\b"
    r"|\b(basic|dumb|flip|old|simple|button|feature|gammel|almindelig|simpel|dum)\s+"
    r"(phone|mobile|cell|nokia|mobil|telefon)\b"
)
# Danish endings and compounds: iphonen, androiden, samsungen, androidtelefon, samsung-mobil.
_SUFFIX = r"(?:e?n|s|-?(?:telefon|mobil)(?:en)?)?"
IPHONE = re.compile(rf"\b(iphone|ios|apple){_SUFFIX}\b")
ANDROID = re.compile(
    r"\b(android|samsung|galaxy|pixel|google|oneplus|huawei|xiaomi|motorola|moto|nokia|sony"
    rf"|oppo|fairphone){_SUFFIX}\b"
)


def platform_from_text(text: str) -> str | None:
    """'iphone', 'android', 'none' (no smartphone) or None when the text names no platform."""
    lowered = text.lower()
    if NO_SMARTPHONE.search(lowered):
        return "none"
    if IPHONE.search(lowered):
        return "iphone"
    if ANDROID.search(lowered):
        return "android"
    return None
