"""The ticket form's fields: what counts as a valid answer, and the problem to tell otherwise.

Each check takes what the user typed and returns the value to store or a problem name; the
problem picks the variant of the field's question in data/responses/handoff.yml ("That
doesn't look like an RUC address..."), so the user learns what is wrong in words, not just
hears the question again.

People answer in sentences ("ugh. Jonas Berg Nielsen", "ring gerne på 20 13 57 91", "it's
jbn@ruc.dk"), so each check first finds the value in what they wrote: the agent who reads the
ticket needs the name and the number, not the chatter around them.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import phonenumbers

from bot.safety import MARKS, redact

NO_PHONE = "none"  # the user chose not to give a phone number
MAX_NAME_CHARS = 100
MAX_SUMMARY_CHARS = 1000
MIN_SUMMARY_CHARS = 3
# Numbers without a country code are Danish: so are RUC's users and the servicedesk's phones.
PHONE_REGION = "DK"

_EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)$")
_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9._-]{1,29}$")
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


def _phrases(phrases: Iterable[str]) -> str:
    """A regex alternative of whole phrases: longest first, any spacing, either apostrophe."""
    ordered = sorted(phrases, key=len, reverse=True)
    return "|".join(re.escape(p).replace(r"\ ", r"\s+").replace("'", "['’]") for p in ordered)


def _words(text: str) -> list[str]:
    """The words of a message in lower case, redaction markers left out."""
    for marker in MARKS:
        text = text.replace(marker, " ")
    return re.findall(r"\w[\w'-]*", text.casefold().replace("’", "'"))


def _strip_all(pattern: re.Pattern[str], text: str) -> str:
    """``text`` without ``pattern`` at its edge, however often it repeats ("ok, ugh. Anna")."""
    while (shorter := pattern.sub("", text, count=1).strip()) != text:
        text = shorter
    return text


# --- short replies --------------------------------------------------------------------------
# Short replies are recognised by their words, not by the model: "behold", "send den" or "ja,
# brug den" are too short for a sure intent, and the words such replies are made of are few.
_KEEP_WORDS = frozenset(
    {"keep", "behold", "use", "brug", "fine", "fint", "fin", "good", "godt", "ok", "okay",
     "yes", "yeah", "yep", "ja", "jo", "jep", "sure", "perfect", "perfekt", "great", "super",
     "correct", "korrekt", "rigtigt", "right"}
)  # fmt: skip
_FILLER_WORDS = frozenset(
    {"it", "this", "that", "that's", "thats", "is", "the", "one", "draft", "as", "just", "so",
     "looks", "sounds", "all", "and", "please", "thanks", "den", "denne", "det", "er", "som",
     "bare", "så", "ser", "ud", "lyder", "alt", "og", "gerne", "tak"}
)  # fmt: skip
# Confirmations, greetings and the words around a contact detail ("my number is ...").
_REPLY_WORDS = _KEEP_WORDS | _FILLER_WORDS | frozenset(
    {"no", "nope", "nej", "nix", "send", "sende", "ticket", "sag", "sagen", "a", "en", "et",
     "go", "ahead", "do", "gør", "thank", "you", "mange", "hi", "hello", "hey", "hej", "hallo",
     "bye", "farvel", "my", "min", "mit", "number", "nummer", "phone", "telefon", "mobil",
     "mail", "email", "e-mail", "username", "brugernavn", "call", "ring", "me", "mig", "on",
     "at", "på"}
)  # fmt: skip


def keeps_the_draft(text: str | None) -> bool:
    """True for "behold den", "keep it", "that's fine", "ja, brug den": use the draft as it is.

    Saved as the description, such a reply would replace the draft with "behold".
    """
    words = _words(text or "")
    return any(w in _KEEP_WORDS for w in words) and all(
        w in _KEEP_WORDS or w in _FILLER_WORDS for w in words
    )


def is_bare_reply(text: str | None) -> bool:
    """True when a message says nothing about the problem: a button, a yes, a number.

    "send it", "ja", "/affirm" or "my number is 20 13 57 91" tell an agent nothing; quoting
    them in "what happened" would push out the words that do.
    """
    text = _tidy(text)
    if text.startswith("/"):
        return True
    for match in _phone_matches(text):
        text = text.replace(match.raw_string, " ")
    text = " ".join(word for word in text.split() if "@" not in word)
    return all(word in _REPLY_WORDS for word in _words(text))


# Intents that an answer to the form may come with: names and the like are "inform", and
# unusual names may be unclear to the model. Anything else said with confidence (say "I want
# a person" or "hello") is a message, not a name.
ANSWER_INTENTS = frozenset({"inform", "nlu_fallback"})
CONFIDENT = 0.8


def looks_like_an_answer(intent: str | None, confidence: float) -> bool:
    return intent in ANSWER_INTENTS or confidence < CONFIDENT


# --- names ----------------------------------------------------------------------------------
# Sounds that are never a name, removed wherever they start the answer.
_INTERJECTIONS = ("ugh", "uh", "uhm", "um", "umm", "hmm", "hm", "øh", "øhm", "æh", "argh",
                  "pff", "puh", "ok", "okay")  # fmt: skip
# Words that open a sentence but also begin real names ("So Young Kim", "Oh Se-ri"): removed
# only with a sign after them ("so, Anna Holm").
_OPENERS = ("well", "so", "yes", "yeah", "sure", "fine", "hi", "hello", "hey", "oh", "ah",
            "sorry", "ja", "jo", "nå", "åh", "altså", "hej", "undskyld")  # fmt: skip
_NAME_INTROS = (
    "my name is", "my name's", "my full name is", "the name is", "name is", "name", "i am",
    "i'm", "it is", "it's", "this is", "mit navn er", "mit fulde navn er", "navnet er", "navn",
    "jeg hedder", "jeg er", "det er", "her er",
)  # fmt: skip
_NAME_TAILS = (
    "as i said", "like i said", "as i wrote", "as mentioned", "thanks", "thank you", "thx",
    "please", "som jeg skrev", "som jeg sagde", "som sagt", "tak", "mange tak", "tusind tak",
)  # fmt: skip
_NAME_START = re.compile(
    rf"(?i)^(?:(?:{_phrases(_INTERJECTIONS)})\b[\s,.!:;…-]*"
    rf"|(?:{_phrases(_OPENERS)})\s*[,.!:;…-]+"
    rf"|(?:{_phrases(_NAME_INTROS)})\b\s*[:=-]?)"
)
_NAME_END = re.compile(rf"(?i)(?:[\s,;:-]*\b(?:{_phrases(_NAME_TAILS)})\b)?[\s,.!;:…-]*$")


def clean_name(text: str | None) -> str:
    """The name without what people say around it: "ugh. Jonas Berg", "I'm Anna, thanks"."""
    name = _strip_all(_NAME_END, _strip_all(_NAME_START, _tidy(text)))
    return name or _tidy(text)


# Words of a sentence that no name holds, in English and Danish ("I'll call them tomorrow",
# "jeg ringer til dem i morgen"); particles of names ("van", "de", "af") are not among them.
_SENTENCE_WORDS = frozenset(
    {"i", "i'm", "i'll", "me", "my", "you", "your", "is", "are", "was", "will", "can", "the",
     "to", "them", "it", "this", "that", "what", "how", "why", "tomorrow", "today", "please",
     "jeg", "mig", "min", "mit", "du", "dig", "er", "var", "vil", "kan", "til", "dem", "det",
     "den", "hvad", "hvordan", "hvorfor", "morgen", "dag", "ringer", "tak", "ikke", "not"}
)  # fmt: skip


def check_name(text: str | None, answered: bool = True) -> Checked:
    """A person's name: letters, at most a few words, and not a question or an address.

    ``answered`` is False when the model is sure the message is something else (see
    looks_like_an_answer): free text would otherwise take any short sentence for a name.
    """
    name = clean_name(text)
    if not answered:
        return Checked.bad("name_invalid")
    if not (2 <= len(name) <= MAX_NAME_CHARS) or len(name.split()) > 8:
        return Checked.bad("name_invalid")
    if not any(ch.isalpha() for ch in name) or any(ch.isdigit() for ch in name):
        return Checked.bad("name_invalid")
    if any(ch in name for ch in "@?/:;<>{}[]=_"):
        return Checked.bad("name_invalid")
    if _SENTENCE_WORDS & {word.casefold() for word in name.split()}:
        return Checked.bad("name_invalid")  # "jeg ringer til dem i morgen" is a sentence
    return Checked.ok(name)


# --- usernames ------------------------------------------------------------------------------
# Words around a username that are not it ("my username is jbn", "brugernavn: jbn").
_USERNAME_LABELS = frozenset(
    {"my", "the", "username", "user", "name", "login", "is", "it's", "its", "it", "mail",
     "email", "e-mail", "address", "ruc", "min", "mit", "brugernavn", "brugernavnet", "navn",
     "er", "det", "mailen", "adresse", "adressen"}
)  # fmt: skip


def _username_in(text: str) -> str:
    """The address in a sentence, or its one word that is not a label; else the whole text."""
    words = text.split()
    addresses = [word for word in words if "@" in word]
    if addresses:
        return addresses[0]
    rest = [word for word in words if word.strip(":,.;!").casefold() not in _USERNAME_LABELS]
    return rest[0] if len(rest) == 1 else text


def _is_ruc_domain(domain: str, ruc_domain: str) -> bool:
    domain, ruc_domain = domain.casefold(), ruc_domain.casefold().lstrip("@")
    return domain == ruc_domain or domain.endswith("." + ruc_domain)


def check_username(text: str | None, ruc_domain: str) -> Checked:
    """An RUC username (``jdoe``) or an RUC e-mail address (``jdoe@ruc.dk``, subdomains too).

    Other addresses are refused with their own problem: the servicedesk finds accounts by RUC
    identity, and a private address would send them looking for the wrong person.
    """
    value = _username_in(_tidy(text)).strip("<>()\"'.,:;!")
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


# --- phone numbers --------------------------------------------------------------------------
# "no", "nej tak", "skip", "spring over", "I'd rather not give it": the field is optional.
_SKIP_PHRASES = (
    "skip", "no", "nope", "none", "rather not", "don't want", "nej", "nix", "ingen",
    "spring over", "helst ikke", "hellere ikke", "vil ikke",
)  # fmt: skip
_SKIP = re.compile(rf"(?i)(?<!\w)(?:{_phrases(_SKIP_PHRASES)})(?!\w)|^\W*-\W*$")


def _phone_matches(text: str) -> list[phonenumbers.PhoneNumberMatch]:
    """Phone numbers in a sentence, by the length rules of their country.

    POSSIBLE rather than the matcher's default VALID: the library's list of assigned ranges
    ages with the pinned version, and a number the agent can try beats a question asked again.
    Six-digit sign-in codes are never possible Danish numbers, so they are not taken.
    """
    leniency = phonenumbers.Leniency.POSSIBLE
    return list(phonenumbers.PhoneNumberMatcher(text, PHONE_REGION, leniency=leniency))


def phone_in(text: str | None) -> str | None:
    """The first phone number in the text in E.164 (+4520135791), or None."""
    matches = _phone_matches(_tidy(text))
    if not matches:
        return None
    return phonenumbers.format_number(matches[0].number, phonenumbers.PhoneNumberFormat.E164)


def skips(text: str | None) -> bool:
    """ "skip", "nej tak", "I'd rather not give it": the optional phone number is not given."""
    return bool(_SKIP.search(_tidy(text)))


def check_phone(text: str | None, declined: bool) -> Checked:
    """A number to call back on, or NO_PHONE when the user skips (the field is optional).

    A number wins over a "no": "nej, ring på 20 13 57 91 i stedet" gives one.
    """
    number = phone_in(text)
    if number:
        return Checked.ok(number)
    if declined or skips(text):
        return Checked.ok(NO_PHONE)
    return Checked.bad("phone_invalid")


# --- what happened, and how they will get in touch -------------------------------------------
def check_summary(text: str | None, keep_draft: bool, draft: str | None) -> Checked:
    """What happened: the proposed draft when the user keeps it, else their own words, redacted.

    ``keep_draft`` is the model's "yes"; a keep-phrase ("behold", "that's fine") counts too,
    as it must never become the description itself.
    """
    keeps = keep_draft or keeps_the_draft(text)
    if keeps and draft:
        return Checked.ok(draft)
    value = redact(_tidy(text))
    if keeps or len(value) < MIN_SUMMARY_CHARS or value.startswith("/"):
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


# --- corrections ----------------------------------------------------------------------------
# What introduces the new value in "the email is wrong, it's jbn@ruc.dk", "navnet er forkert,
# det er Jonas Berg", "change my name to Anna Holm", "name: Anna Holm".
_INTRODUCERS = (
    "it's", "it is", "its", "it should be", "should be", "should say", "is actually",
    "the right one is", "my name is", "det er", "den er", "det skal være", "skal være",
    "jeg hedder",
)  # fmt: skip
_NEW_VALUE = re.compile(
    rf"(?i)(?:(?<!\w)(?:{_phrases(_INTRODUCERS)})(?!\w)|:"
    r"|\b(?:change|update|ret|ændr|skift|opdater)\w*\b[^,.;:]*?\b(?:to|til)\b)\s*"
)
_COMPLAINT = re.compile(
    r"(?i)\b(?:wrong|incorrect|not right|misspelled|typo|forkert|ikke rigtig|fejl)"
)
# Numbers and addresses are recognisable wherever they stand in the sentence.
_FOUND_ANYWHERE: dict[str, Callable[[str], str | None]] = {
    "ticket_phone": phone_in,
    "ticket_username": lambda text: next((w for w in text.split() if "@" in w), None),
}


def _checked(field: str, value: str, ruc_domain: str) -> Checked:
    checks: dict[str, Callable[[], Checked]] = {
        "ticket_name": lambda: check_name(value),
        "ticket_username": lambda: check_username(value, ruc_domain),
        "ticket_phone": lambda: check_phone(value, declined=False),
        "ticket_summary": lambda: check_summary(value, keep_draft=False, draft=None),
        "ticket_contact": lambda: check_contact(value),
    }
    return checks[field]()


def correction_in(text: str | None, field: str, ruc_domain: str) -> Checked | None:
    """The new value for ``field`` that a correction carries, checked; None when it has none.

    "the email is wrong, it's jbn@ruc.dk" gives jbn@ruc.dk, so the user is not asked for what
    they just said; "the name is wrong" alone gives None (ask again). A value that fails its
    check comes back with the problem, so the question says what was wrong with it.
    """
    text = _tidy(text)
    if text.startswith("/"):  # a button: it names the field, never a value
        return None
    found = _FOUND_ANYWHERE.get(field, lambda _text: None)(text)
    if found:
        return _checked(field, found, ruc_domain)
    introduced = list(_NEW_VALUE.finditer(text))
    rest = text[introduced[-1].end() :].strip(" ,.;:!-") if introduced else ""
    if not rest or _COMPLAINT.search(rest):
        return None
    return _checked(field, rest, ruc_domain)


# Only an explicit introduction counts as a name given up front: "I'm locked out" is no name.
_INTRODUCED_NAME = re.compile(
    r"(?i)\b(?:my (?:full )?name is|my name's|i am called|jeg hedder|mit (?:fulde )?navn er)\s+"
    r"((?:[^\W\d_][\w'-]*\s*){1,5})"
)


def given_up_front(texts: Iterable[str]) -> dict[str, str]:
    """Form answers the user already gave before the form began ("jeg hedder Mette Holm og I
    kan ringe på 22 33 44 55"), newest first, so the form does not ask for them again."""
    found: dict[str, str] = {}
    for text in reversed(list(texts)):
        if text.startswith("/"):
            continue
        named = _INTRODUCED_NAME.search(text)
        if named and "ticket_name" not in found:
            name = " ".join(itertools.takewhile(lambda w: w[0].isupper(), named.group(1).split()))
            if check_name(name).value:
                found["ticket_name"] = name
        phone = phone_in(text)
        if phone and "ticket_phone" not in found:
            found["ticket_phone"] = phone
    return found
