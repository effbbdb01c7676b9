"""What the user already told us, so a walkthrough does not ask it again.

"Got a new iPhone, the old one still works" answers both "Which phone?" and "Does your old
phone still work?"; "I lost my phone and have no other way to sign in" answers "Do you still
have another way to sign in?". Only clear statements count: a doubt asks the question.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.onboarding.platform import platform_from_text

_OLD_PHONE = r"(?:(?:my |the )?old (?:one|phone|iphone|android)|den gamle|min gamle(?: telefon)?)"
_OLD_PHONE_WORKS = re.compile(
    rf"{_OLD_PHONE}\W+(?:\w+\W+){{0,2}}(?:still )?(?:works|working|is fine|virker|fungerer)"
    r"(?!\W+(?:ikke|not))",
    re.I,
)
_OLD_PHONE_GONE = re.compile(
    rf"{_OLD_PHONE}\W+(?:\w+\W+){{0,3}}(?:broken|lost|stolen|wiped|reset|dead|gone|"
    r"doesn't work|does not work|is not working|virker ikke|er væk|er vaek|stjålet|mistet|"
    r"i stykker|nulstillet|død|doed)",
    re.I,
)
_NO_OTHER_METHOD = re.compile(
    r"\b(?:no|not any|don'?t have any|do not have any|nothing|ingen|intet|ikke nogen|ikke noget)"
    r"\s+(?:other|else|anden|andre|andet)\b(?:\s+(?:way|method|phone|device|option|måde|maade|"
    r"metode|telefon|enhed|mulighed))?"
    r"|\bnothing else\b|\bonly (?:had|have) (?:the|that|one) phone\b|\bkun den ene telefon\b"
    r"|\bonly on (?:the|my|that) (?:old )?phone\b|\bkun på den gamle\b",
    re.I,
)
# A question step's id -> (said yes, said no).
_ANSWERS: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    "old_phone_works": (_OLD_PHONE_WORKS, _OLD_PHONE_GONE),
    "other_method": (re.compile(r"(?!)"), _NO_OTHER_METHOD),  # a yes needs the user's choice
}


def answer_to(step: str | None, texts: Iterable[str]) -> bool | None:
    """The user's earlier answer to the question step ``step``, newest message first."""
    patterns = _ANSWERS.get(step or "")
    if not patterns:
        return None
    yes, no = patterns
    for text in reversed(list(texts)):
        if no.search(text):
            return False
        if yes.search(text):
            return True
    return None


def platform_in(texts: Iterable[str]) -> str | None:
    """The phone the user named most recently ("my iphone is new"), if any."""
    for text in reversed(list(texts)):
        found = platform_from_text(text)
        if found:
            return found
    return None
