"""The practice authenticator check: a throwaway TOTP secret the user scans and types back.

Pure functions only (no database, no clock): the caller passes ``now`` so the drift verdict is
reproducible in tests and the store decides where the secret lives.
"""

from __future__ import annotations

import base64
import hmac
import io
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import pyotp
import qrcode

ISSUER = "RUC MFA practice"
# Shown in the authenticator app: it must be obvious that this entry is not a real account.
LABEL = "Practice entry - delete me"
STEP_SECONDS = 30

# ASCII digits only: "\d" would also accept e.g. Arabic-Indic digits that no app displays.
_CODE = re.compile(r"\s*([0-9]{3})[ -]?([0-9]{3})\s*")

Outcome = Literal["ok", "drift", "wrong", "bad_format"]


@dataclass(frozen=True)
class CheckResult:
    """Verdict on a typed code; ``drift_seconds`` > 0 means the phone's clock is ahead."""

    outcome: Outcome
    drift_seconds: int = 0


def new_secret() -> str:
    return pyotp.random_base32()


def otpauth_uri(secret: str) -> str:
    """The link an authenticator app imports; the same text the QR code carries."""
    return pyotp.TOTP(secret).provisioning_uri(name=LABEL, issuer_name=ISSUER)


def qr_png(uri: str) -> bytes:
    """A small PNG (chat clients show it inline; a phone camera still reads it easily)."""
    code = qrcode.QRCode(box_size=6, border=2)
    code.add_data(uri)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer, format="PNG")
    return buffer.getvalue()


def qr_data_url(uri: str) -> str:
    """The QR code inline, so the web chat needs no image endpoint that could leak the secret."""
    return "data:image/png;base64," + base64.b64encode(qr_png(uri)).decode("ascii")


def format_key(secret: str) -> str:
    """Groups of four, as apps show them, so a user typing the key by hand keeps their place."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def normalize_code(text: str) -> str | None:
    """The six digits of "123456", "123 456" or "123-456"; None for anything else."""
    match = _CODE.fullmatch(text)
    return match.group(1) + match.group(2) if match else None


def check_code(secret: str, text: str, now: datetime, max_drift_steps: int = 4) -> CheckResult:
    """Tell a wrong code from a right code on a phone whose clock is off.

    A code from a neighbouring 30-second window is the typical symptom of a phone clock that
    is not set automatically; telling the user so is more helpful than "wrong code". The
    window just before this one is the exception: a code read in a window's last seconds
    and typed in the next is simply a person typing, so it is right (RFC 6238 allows this
    one step for delay), and warning about the clock would send them to settings for nothing.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware: a naive time would be read as local time")
    if max_drift_steps < 0:
        raise ValueError("max_drift_steps must not be negative")
    code = normalize_code(text)
    if code is None:
        return CheckResult("bad_format")
    totp = pyotp.TOTP(secret)
    # Nearest windows first, so a (rare) code collision reports the smallest drift.
    for step in sorted(range(-max_drift_steps, max_drift_steps + 1), key=abs):
        expected = totp.at(now + timedelta(seconds=STEP_SECONDS * step))
        if hmac.compare_digest(expected, code):
            if step in (0, -1):
                return CheckResult("ok")
            return CheckResult("drift", STEP_SECONDS * step)
    return CheckResult("wrong")
