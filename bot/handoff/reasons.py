"""Why the assistant offers a person, and what the ticket says happened before the user edits it.

Every handoff starts with an offer (utter_handoff_offer, one variant per reason), so the user
always hears why a person is needed and can say no. The reason also prefills "what happened",
marks reports of a possibly compromised account as urgent, and is recorded on the ticket.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.handoff.fields import is_bare_reply
from bot.locales import DEFAULT_LANGUAGE, text, texts

NO_METHOD = "no_method"
LOCKED_OUT = "locked_out"
COMPROMISED = "compromised"
ASKED_PERSON = "asked_person"
MISUNDERSTOOD = "misunderstood"
REASONS = (NO_METHOD, LOCKED_OUT, COMPROMISED, ASKED_PERSON, MISUNDERSTOOD)

# Intents that are themselves a reason to hand off.
_COMPROMISE_INTENT = "report_compromise"
_INTENT_REASONS = {
    "locked_out": LOCKED_OUT,
    _COMPROMISE_INTENT: COMPROMISED,
    "request_person": ASKED_PERSON,
    "request_ticket": ASKED_PERSON,
}

# How many of the user's recent messages the draft quotes, so the agent sees their own words.
QUOTED_MESSAGES = 2
QUOTE_CHARS = 300


def reason_for(
    intent: str | None, previous_action: str | None, session_intents: Iterable[str] = ()
) -> str:
    """The reason behind an offer that the rules just triggered.

    A compromise reported earlier in the session (``session_intents``: the intents of the
    session's messages) outranks any later trigger: someone else may still be in the account
    when the user then just asks for a person, and the ticket must stay urgent. Otherwise the
    intent tells when it is itself a trigger, and else the action that led here does: a
    walkthrough that found no sign-in method left, or the fallback (an unclear message or
    "none of these" after suggestions) for a misunderstanding.
    """
    if _COMPROMISE_INTENT in {intent, *session_intents}:
        return COMPROMISED
    if intent in _INTENT_REASONS:
        return _INTENT_REASONS[intent]
    if previous_action == "action_walkthrough":
        return NO_METHOD
    return MISUNDERSTOOD


def is_urgent(reason: str) -> bool:
    """Someone else may be in the account: the servicedesk should look first at these."""
    return reason == COMPROMISED


def summary_draft(
    reason: str, recent_user_texts: Iterable[str], language: str = DEFAULT_LANGUAGE
) -> str:
    """ "What happened" as the form proposes it: the reason, then the user's own last words.

    Only words about the problem are quoted: "send it", "ja" or a phone number would tell the
    agent nothing. The texts must already be redacted: the draft is shown back and stored on
    the ticket.
    """
    summaries = texts("handoff.summaries", language)
    summary = summaries.get(reason, summaries[MISUNDERSTOOD])
    quoted = [text.strip() for text in recent_user_texts if not is_bare_reply(text)]
    quoted = quoted[-QUOTED_MESSAGES:]
    if not quoted:
        return summary
    words = " / ".join(quoted)
    if len(words) > QUOTE_CHARS:
        words = words[: QUOTE_CHARS - 1].rstrip() + "…"
    return text("handoff.in_their_words", language, summary=summary, words=words)
