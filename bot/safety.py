"""Redaction: what people type to a chat must not reach a ticket if it could open their account.

Users paste one-time codes, Temporary Access Passes and even passwords into chats ("my code is
123 456, why is it rejected?"). Tickets are read by agents and mailed around, so before any
user text is stored it passes through `redact`, which replaces anything that looks like a
secret with a marker. It errs on the side of removing too much: an agent loses a number, never
a secret.
"""

from __future__ import annotations

import re

CODE_MARK = "[code removed]"
SECRET_MARK = "[password removed]"

# "password: hunter2", "my pw is hunter2", "kodeord er hunter2", "adgangskode hunter2", ...
_SECRET_WORDS = r"(?:password|passwd|pass ?word|pwd|pw|passcode|pin|kodeord|adgangskode)"
_SECRET_AFTER_WORD = re.compile(
    rf"(?i)\b({_SECRET_WORDS})(\s*(?:is|er|was|var|=|:|-)?\s*)(\"[^\"]+\"|'[^']+'|\S+)"
)
# Groups of digits such as 123456, 123 456, 123-456 or 1234 5678: one-time codes (6-8 digits).
_DIGIT_CODE = re.compile(r"(?<![\w+-])\d(?:[ -]?\d){5,7}(?![\w])")
# Temporary Access Passes and similar generated secrets: a long token of letters mixed with
# digits or symbols, with no spaces (ordinary words and e-mail addresses are left alone).
# Ticket references (MFA-000123) are not secrets: users quote them to ask for a status.
_TOKEN = re.compile(
    r"(?<![\w@.])(?!(?i:mfa)-\d+\b)(?=\S*\d)(?=\S*[A-Za-z])[A-Za-z0-9!#$%&*+=?^_~-]{10,}(?![\w@])"
)
# Words after a secret word that are ordinary conversation, not the secret itself.
_NOT_SECRETS = frozenset(
    {
        "a", "an", "the", "my", "your", "is", "was", "and", "or", "to", "for", "of", "it", "not",
        "reset", "change", "changed", "forgot", "forgotten", "wrong", "expired", "again", "on",
        "in", "at", "with", "from", "sign-in", "signin", "login", "page", "works", "work",
        "doesn't", "didn't", "isn't", "won't", "can't", "please", "?", "er", "til", "min", "mit",
    }
)  # fmt: skip


def _secret_replacement(match: re.Match[str]) -> str:
    word, joiner, value = match.groups()
    if value.strip("\"'.,!?").casefold() in _NOT_SECRETS:
        return match.group(0)
    return f"{word}{joiner}{SECRET_MARK}"


def redact(text: str) -> str:
    """``text`` with passwords, one-time codes and pass-like tokens replaced by markers."""
    if not text:
        return text
    text = _SECRET_AFTER_WORD.sub(_secret_replacement, text)
    text = _TOKEN.sub(SECRET_MARK, text)
    return _DIGIT_CODE.sub(CODE_MARK, text)
