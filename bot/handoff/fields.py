"""The ticket form's fields: what counts as a valid answer, and the problem to tell otherwise.

Each check takes what the user typed and returns the value to store or a problem name; the
problem picks the variant of the field's question in domain.yml ("That doesn't look like an
RUC address..."), so the user learns what is wrong in words, not just hears the question again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.safety import redact

NO_PHONE = "none"  # the user chose not to give a phone number
MAX_NAME_CHARS = 100
MAX_SUMMARY_CHARS = 1000
MIN_SUMMARY_CHARS = 3

_EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)$")
_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9._-]{1,29}$")
_PHONE_CHARS = re.compile(r"^[0-9 ()+./-]+$")
_SKIP_WORDS = frozenset(
    {"skip", "no", "nope", "none", "no thanks", "no, thanks", "i'd rather not", "rather not",
     "no phone", "nej", "nej tak", "ingen", "nix", "spring over", "-"}
)  # fmt: skip
# English and Danish ("ring", "ringe", "telefonisk"; "komme forbi", "møde op", "personligt").
_CALL_WORDS = ("call", "phone", "ring", "telefon")
_VISIT_WORDS = (
    "come", "visit", "in person", "drop by", "stop by", "desk",
    "komme", "forbi", "møde", "moede", "personlig", "besøg", "besoeg", "skranke",
)  # fmt: skip


@dataclass(frozen=True)
class Checked:
    """A valid value, or None with the problem to tell the user."""

    value: str | None
    problem: str | None = None

    @classmethod
    def ok(cls, value: str) -> Checked:
        return cls(value)

    @classmethod
    def bad(cls, problem: str) -> Checked:
        return cls(None, problem)


def _tidy(text: str | None) -> str:
    return " ".join((text or "").split())


# Intents that an answer to the form may come with: names and the like are "inform", and
# unusual names may be unclear to the model. Anything else said with confidence (say "I want
# a person" or "hello") is a message, not a name.
ANSWER_INTENTS = frozenset({"inform", "nlu_fallback"})
CONFIDENT = 0.8


def looks_like_an_answer(intent: str | None, confidence: float) -> bool:
    return intent in ANSWER_INTENTS or confidence < CONFIDENT


def check_name(text: str | None, answered: bool = True) -> Checked:
    """A person's name: letters, at most a few words, and not a question or an address.

    ``answered`` is False when the model is sure the message is something else (see
    looks_like_an_answer): free text would otherwise take any short sentence for a name.
    """
    name = _tidy(text)
    if not answered:
        return Checked.bad("name_invalid")
    if not (2 <= len(name) <= MAX_NAME_CHARS) or len(name.split()) > 8:
        return Checked.bad("name_invalid")
    if not any(ch.isalpha() for ch in name) or any(ch.isdigit() for ch in name):
        return Checked.bad("name_invalid")
    if any(ch in name for ch in "@?/:;<>{}[]=_"):
        return Checked.bad("name_invalid")
    return Checked.ok(name)


def _is_ruc_domain(domain: str, ruc_domain: str) -> bool:
    domain, ruc_domain = domain.casefold(), ruc_domain.casefold().lstrip("@")
    return domain == ruc_domain or domain.endswith("." + ruc_domain)


def check_username(text: str | None, ruc_domain: str) -> Checked:
    """An RUC username (``jdoe``) or an RUC e-mail address (``jdoe@ruc.dk``, subdomains too).

    Other addresses are refused with their own problem: the servicedesk finds accounts by RUC
    identity, and a private address would send them looking for the wrong person.
    """
    value = _tidy(text).strip("<>.,;")
    if value.lower().startswith("mailto:"):
        value = value[len("mailto:") :]
    if "@" in value:
        match = _EMAIL.match(value)
        if not match:
            return Checked.bad("username_invalid")
        if not _is_ruc_domain(match.group(1), ruc_domain):
            return Checked.bad("email_not_ruc")
        return Checked.ok(value.lower())
    if _USERNAME.match(value):
        return Checked.ok(value.lower())
    return Checked.bad("username_invalid")


def check_phone(text: str | None, declined: bool) -> Checked:
    """A number to call back on, or NO_PHONE when the user skips (the field is optional)."""
    value = _tidy(text)
    if declined or value.casefold().strip(".!") in _SKIP_WORDS:
        return Checked.ok(NO_PHONE)
    digits = sum(ch.isdigit() for ch in value)
    if _PHONE_CHARS.match(value) and value.count("+") <= 1 and 8 <= digits <= 15:
        return Checked.ok(value)
    return Checked.bad("phone_invalid")


def check_summary(text: str | None, keep_draft: bool, draft: str | None) -> Checked:
    """What happened: the proposed draft when the user keeps it, else their own words, redacted."""
    if keep_draft and draft:
        return Checked.ok(draft)
    value = redact(_tidy(text))
    if len(value) < MIN_SUMMARY_CHARS or value.startswith("/"):
        return Checked.bad("summary_short")
    if len(value) > MAX_SUMMARY_CHARS:
        value = value[: MAX_SUMMARY_CHARS - 1].rstrip() + "…"
    return Checked.ok(value)


def check_contact(text: str | None) -> Checked:
    """How the user will reach the servicedesk: "call" or "visit" (the ticket's two options)."""
    value = _tidy(text).casefold()
    calls = any(word in value for word in _CALL_WORDS)
    visits = any(word in value for word in _VISIT_WORDS)
    if calls == visits:
        return Checked.bad("contact_unclear")
    return Checked.ok("call" if calls else "visit")
