"""Which of the assistant's languages a message is written in, or None when it can't tell.

Statistics come from lingua (n-gram models per language, good on short texts), restricted to
the languages in locales/. Around it, what a chat needs:

- only words count: links, e-mail addresses, codes and product names ("Microsoft
  Authenticator", "MFA", "QR") say nothing about the language and are left out;
- a language may list its ASCII spellings (Danish "aa", "oe", "ae" for å, ø, æ, as people
  type on a foreign keyboard); the text is also scored with them restored;
- a short or unclear message decides nothing ("ok", "tak", "ja" are said in both), so the
  conversation keeps its language instead of flipping on every "ok".
"""

from __future__ import annotations

import re
from functools import lru_cache

from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

from bot.locales import DEFAULT_LANGUAGE, languages, load_locale, text

# Words that are the same in every language the assistant speaks.
NEUTRAL_WORDS = frozenset(
    [
        "mfa",
        "2fa",
        "qr",
        "sms",
        "app",
        "apps",
        "ok",
        "okay",
        "microsoft",
        "authenticator",
        "ruc",
        "iphone",
        "android",
        "ios",
        "outlook",
        "moodle",
        "teams",
        "office",
        "wifi",
        "eduroam",
        "mitid",
        "id",
        "pc",
        "mac",
        "email",
        "mail",
        "e-mail",
        "google",
    ]
)
NOT_WORDS = re.compile(r"https?://\S+|www\.\S+|\S+@\S+|\S*\d\S*|[^\w\s'-]")
WORD = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*")
# How sure lingua must be: more for a single word, which is often shared between languages.
MIN_CONFIDENCE = 0.6
MIN_CONFIDENCE_ONE_WORD = 0.9
MIN_LEANING = 0.3


@lru_cache(maxsize=1)
def _detector() -> tuple[LanguageDetector, dict[Language, str]]:
    codes = {Language.from_iso_code_639_1(IsoCode639_1.from_str(c)): c for c in languages()}
    detector = LanguageDetectorBuilder.from_languages(*codes).with_preloaded_language_models()
    return detector.build(), codes


def warm_up() -> None:
    """Load the language models now (about half a second), not during someone's first message."""
    _detector()


@lru_cache(maxsize=8)
def _spellings(code: str) -> tuple[tuple[str, str], ...]:
    spellings = (load_locale(code).texts.get("detection") or {}).get("ascii_spellings") or {}
    return tuple(spellings.items())


def words_of(message: str) -> list[str]:
    """The message's words that can tell a language (no links, codes or product names)."""
    cleaned = NOT_WORDS.sub(" ", message.lower())
    return [word for word in WORD.findall(cleaned) if word not in NEUTRAL_WORDS]


def detect(message: str) -> str | None:
    """The message's language code, or None if it is too short or unclear to say."""
    if not message or message.startswith("/"):  # button payloads carry no language
        return None
    words = words_of(message)
    if not words:
        return None
    detector, codes = _detector()
    plain = " ".join(words)
    scores = _scores(detector, codes, plain)
    for code in codes.values():
        # Restored letters would make any text look like the language that has them, so
        # they only confirm a language the plain text already leans towards.
        restored = _restored(plain, code)
        if restored != plain and scores[code] >= MIN_LEANING:
            scores[code] = max(scores[code], _scores(detector, codes, restored)[code])
    best = max(scores, key=scores.__getitem__)
    needed = MIN_CONFIDENCE_ONE_WORD if len(words) == 1 else MIN_CONFIDENCE
    return best if scores[best] >= needed else None


def _scores(detector: LanguageDetector, codes: dict[Language, str], words: str) -> dict[str, float]:
    return {
        codes[confidence.language]: confidence.value
        for confidence in detector.compute_language_confidence_values(words)
    }


def _restored(words: str, code: str) -> str:
    for ascii_form, letter in _spellings(code):
        words = words.replace(ascii_form, letter)
    return words


def named_language(message: str) -> str | None:
    """The language a message asks for by name ("på dansk", "in English"), if exactly one."""
    said = set(WORD.findall(message.lower()))
    named = {
        code
        for code in languages()
        if said & {name.strip() for name in text("language.names", code).split(",")}
    }
    return named.pop() if len(named) == 1 else None


__all__ = ["DEFAULT_LANGUAGE", "detect", "named_language", "warm_up", "words_of"]
