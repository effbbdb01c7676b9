"""Which of the assistant's languages a message is written in, or None when it can't tell.

Statistics come from lingua (n-gram models per language, good on short texts), restricted to
the languages in locales/. Around it, what a chat needs:

- only words count: links, e-mail addresses, codes and product names ("Microsoft
  Authenticator", "MFA", "QR") say nothing about the language and are left out, and so do
  names: "Roskilde Universitet" or "Søren Jørgensen" in an English sentence is no Danish, so a
  capitalised word that does not open a sentence counts as a name (Danish capitalises no
  nouns, so what is left of either language is its own words);
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
        # The university's name, written in either language's sentences.
        "roskilde",
        "universitet",
    ]
)
# Links, addresses and codes; punctuation stays, to tell where sentences begin.
NOT_WORDS = re.compile(r"https?://\S+|www\.\S+|\S+@\S+|\S*\d\S*")
WORD = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*")
SENTENCE_END = re.compile(r"[.!?:;\n]")
# How far after "not" a language name still belongs to it ("I do not really understand Danish").
NEGATION_REACH = 4
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
    """The message's words that can tell a language (no links, codes, product names or names)."""
    cleaned = NOT_WORDS.sub(" ", _plain_apostrophes(message))
    return [
        word.lower()
        for word, opens_sentence in _words_with_position(cleaned)
        if word.lower() not in NEUTRAL_WORDS and not _is_name(word, opens_sentence)
    ]


def _plain_apostrophes(message: str) -> str:
    return message.replace("\u2019", "'")  # phones type "don’t"


def _words_with_position(text: str) -> list[tuple[str, bool]]:
    """Each word, and whether it opens a sentence, where a capital letter is no name's."""
    found, end = [], 0
    for match in WORD.finditer(text):
        opens = end == 0 or bool(SENTENCE_END.search(text, end, match.start()))
        found.append((match.group(), opens))
        end = match.end()
    return found


def _is_name(word: str, opens_sentence: bool) -> bool:
    """Capitalised inside a sentence ("Mette"; not "MFA", "I" or "I'm"): a name in any language."""
    return (
        not opens_sentence
        and len(word) > 1
        and word[0].isupper()
        and word[1] != "'"
        and word[1:].islower()
    )


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
    """The language a message asks for by name ("på dansk", "in English"), if exactly one.

    A name the user says they can't read ("I don't speak Danish", "jeg taler ikke engelsk")
    asks for another language: the one they wrote in, or the only one left.
    """
    asked: set[str] = set()
    refused: set[str] = set()
    for clause in SENTENCE_END.split(_plain_apostrophes(message.lower()).replace(",", "\n")):
        words = WORD.findall(clause)
        for index, word in enumerate(words):
            code = _language_named(word)
            if code:
                refuses = _negated(words, index) or _complains(words, index)
                (refused if refuses else asked).add(code)
    wanted = asked - refused
    if not wanted and refused:
        wanted = set(languages()) - refused
        written = detect(message)
        if len(wanted) > 1 and written in wanted:
            wanted = {written}
    return wanted.pop() if len(wanted) == 1 else None


def _language_named(word: str) -> str | None:
    return next((code for code in languages() if word in _word_list("language.names", code)), None)


def _complains(words: list[str], index: int) -> bool:
    """ "Why is it in English?" refuses English; "why don't you speak Danish?" asks for it."""
    negations = _all_words("language.negations")
    return words[0] in _all_words("language.complaints") and not negations & set(words[:index])


def _negated(words: list[str], index: int) -> bool:
    """Whether the name at ``index`` follows "I ... not" in its clause, not "can't you"."""
    before = words[:index]
    negations = [i for i, word in enumerate(before) if word in _all_words("language.negations")]
    if not negations or index - negations[-1] > NEGATION_REACH:
        return False
    return any(word in _all_words("language.speakers") for word in before[: negations[-1]])


@lru_cache(maxsize=32)
def _word_list(key: str, code: str) -> frozenset[str]:
    return frozenset(word.strip() for word in text(key, code).split(",") if word.strip())


@lru_cache(maxsize=8)
def _all_words(key: str) -> frozenset[str]:
    """A word list in every language: a user may say "not" in one and name the other."""
    return frozenset().union(*(_word_list(key, code) for code in languages()))


__all__ = ["DEFAULT_LANGUAGE", "detect", "named_language", "warm_up", "words_of"]
