"""The codes a phone's Authenticator shows for the practice QR, as tests type them."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pyotp


def code_now(secret: str, phone_clock_ahead: int = 0) -> str:
    """The code a phone shows now, taken well inside its 30-second window.

    A code read in a window's last seconds reaches the server in the next
    window, where it is a matching code from a phone 30 seconds behind: the
    test would then see the clock warning instead of "That's right".
    """
    totp = pyotp.TOTP(secret)
    left = totp.interval - time.time() % totp.interval
    if left < 5:
        time.sleep(left + 0.2)
    return totp.at(datetime.now(timezone.utc) + timedelta(seconds=phone_clock_ahead))
