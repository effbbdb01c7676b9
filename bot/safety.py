"""Redaction: what people type to a chat must not reach a ticket if it could open their account.

Users paste one-time codes, Temporary Access Passes and even passwords into chats ("my code is
123 456, why is it rejected?"). Tickets are read by agents and mailed around, so before any
user text is stored it passes through `redact`, which replaces anything that looks like a
secret with a marker. It errs on the side of removing too much: an agent loses a number, never
a secret.
"""

from __future__ import annotations

import re
from collections.abc import Callable

CODE_MARK = "[code removed]"
SECRET_MARK = "[password removed]"

# "password: hunter2", "my pw is hunter2", "kodeord er hunter2", "adgangskoden er hunter2", ...
# Whole words only (with Danish definite endings): "pinger" or "passwordless" are no secrets.
_SECRET_WORDS = (
    r"(?:password|passwd|pass ?word|pwd|pw|passcode|pin|kodeord|adgangskode)(?:et|en|n|s)?\b"
)
# The secret is more than the joiner's own sign: "pw:" alone (say, before a marker) has none.
_SECRET_AFTER_WORD = re.compile(
    rf"(?i)\b({_SECRET_WORDS})(\s*(?:is|er|was|var|=|:|-)?\s*)"
    r"(?=[:=-]*[^\s:=-])(\"[^\"]+\"|'[^']+'|\S+)"
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


# Stricter than redaction (which rather removes a word too many): a password is *stated* only
# with an explicit "is" / ":" / "=" and a value that looks like one (a digit, a symbol or a
# capital inside it), so "my password is wrong" or "password, they're" is not one.
_STATES = r"\s*(?:is|er|was|var|=|:)\s*"  # what joins a secret's name to its value
_STATED_PASSWORD = re.compile(rf"(?i)\b{_SECRET_WORDS}{_STATES}(\"[^\"]+\"|'[^']+'|\S+)")
_LOOKS_LIKE_A_PASSWORD = re.compile(r"\d|[^\w\s'\".,?]|\w[A-Z]")
# "koden er Hest1234!", "my code is abc123": a code with letters in it is no code from the app
# (six digits) but a password. Digits alone after "code" stay a one-time code.
_CODE_WITH_LETTERS = re.compile(rf"(?i)\b(kode|koden|code)({_STATES})(?=\S*[^\W\d_])(?=\S*\d)(\S+)")


def states_a_password(text: str) -> bool:
    """True when the text gives a password ("my password is Hest!Hest!", "pw: kage1234")."""
    for match in _STATED_PASSWORD.finditer(text or ""):
        value = match.group(1).strip("\"'.,!?")
        if value.casefold() not in _NOT_SECRETS and _LOOKS_LIKE_A_PASSWORD.search(value):
            return True
    return bool(_CODE_WITH_LETTERS.search(text or ""))


# The markers themselves: never to be redacted again. Text is redacted more than once on its
# way to a ticket (stored events, then the transcript; a slot, then the summary), and a secret
# word before a marker ("adgangskode: [password removed]") would otherwise take the marker's
# first half for the secret and garble it into "[password removed] removed]".
_MARKERS = re.compile(f"({re.escape(CODE_MARK)}|{re.escape(SECRET_MARK)})")
_Replacement = Callable[[re.Match[str]], str] | str
_REDACTIONS: tuple[tuple[re.Pattern[str], _Replacement], ...] = (
    (_SECRET_AFTER_WORD, _secret_replacement),
    (_CODE_WITH_LETTERS, r"\1\2" + SECRET_MARK),
    (_TOKEN, SECRET_MARK),
    (_DIGIT_CODE, CODE_MARK),
)


def _outside_markers(pattern: re.Pattern[str], replacement: _Replacement, text: str) -> str:
    """``pattern`` replaced in the stretches between markers only, so replacements never nest."""
    pieces = _MARKERS.split(text)  # odd positions are the markers
    return "".join(
        piece if position % 2 else pattern.sub(replacement, piece)
        for position, piece in enumerate(pieces)
    )


def redact(text: str) -> str:
    """``text`` with passwords, one-time codes and pass-like tokens replaced by markers.

    Each secret becomes exactly one marker, and redacting redacted text changes nothing.
    """
    if not text:
        return text
    for pattern, replacement in _REDACTIONS:
        text = _outside_markers(pattern, replacement, text)
    return text


# Slots filled from free text by the ticket form: Rasa first stores what the user typed, then
# the validated value. What was typed may hold a secret; validated values hold none, so
# redacting them again changes nothing. The phone is left alone (its digits look like a code).
FREE_TEXT_SLOTS = frozenset({"ticket_name", "ticket_username", "ticket_summary", "ticket_contact"})


def redact_event(data: dict) -> dict:
    """A Rasa event (as a dict) with the user's words redacted, for storing.

    Only what users typed is redacted: their messages (and the copy of the text in the parse
    data) and slots filled straight from their text. The assistant's own texts hold phone
    numbers and links that must stay as they are.
    """
    kind = data.get("event")
    if kind == "user":
        redacted = dict(data)
        if isinstance(data.get("text"), str):
            redacted["text"] = redact(data["text"])
        parse_data = data.get("parse_data")
        if isinstance(parse_data, dict) and isinstance(parse_data.get("text"), str):
            redacted["parse_data"] = {**parse_data, "text": redact(parse_data["text"])}
        return redacted
    typed_slot = kind == "slot" and data.get("name") in FREE_TEXT_SLOTS
    if typed_slot and isinstance(data.get("value"), str):
        return {**data, "value": redact(data["value"])}
    return data
