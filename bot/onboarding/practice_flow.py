"""The practice QR check as the conversation sees it: show a code, then judge typed codes.

The secret never leaves the server's database; the conversation only gets what the user must
see (the QR image, the key to type by hand, the otpauth link) and a verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.db import session
from bot.locales import DEFAULT_LANGUAGE, text
from bot.onboarding import practice_store as store
from bot.onboarding.practice import (
    check_code,
    format_key,
    normalize_code,
    otpauth_uri,
    qr_data_url,
)

MAX_FAILURES = 3


@dataclass(frozen=True)
class PracticeDisplay:
    image: str  # data: URL of the QR code PNG
    key: str  # the secret grouped for typing
    link: str  # otpauth:// link for someone chatting on the phone they would scan with


@dataclass(frozen=True)
class Verdict:
    feedback: str  # ok, drift, wrong, bad_format, help or none_active (utter_practice_result)
    drift_seconds: int | None = None  # how far the phone's clock is off (+ ahead, - behind)

    def drift(self, language: str = DEFAULT_LANGUAGE) -> str | None:
        """ "about 30 seconds ahead", in the conversation's language."""
        if self.drift_seconds is None:
            return None
        way = "ahead" if self.drift_seconds > 0 else "behind"
        return text(f"practice.drift_{way}", language, seconds=abs(self.drift_seconds))


def begin(conversation_id: str, now: datetime, ttl: timedelta) -> PracticeDisplay:
    with session() as db:
        secret = store.start(db, conversation_id, now, ttl)
    uri = otpauth_uri(secret)
    return PracticeDisplay(image=qr_data_url(uri), key=format_key(secret), link=uri)


def verify(conversation_id: str, text: str, now: datetime) -> Verdict:
    """Judge a typed code against the conversation's practice secret."""
    with session() as db:
        row = store.current(db, conversation_id, now)
        if row is None:
            return Verdict("none_active")
        if normalize_code(text) is None:
            return Verdict("bad_format")
        result = check_code(row.secret, text, now)
        if result.outcome in ("ok", "drift"):
            store.finish(db, conversation_id)
            if result.outcome == "ok":
                return Verdict("ok")
            return Verdict("drift", result.drift_seconds)
        if store.record_failure(db, conversation_id) >= MAX_FAILURES:
            return Verdict("help")
        return Verdict("wrong")
