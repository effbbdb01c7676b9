"""Redaction: nothing typed to the chat that could open an account or name a person is stored.

Users paste one-time codes, Temporary Access Passes, passwords and even CPR or card numbers into
chats ("my code is 123 456, why is it rejected?", "min kode er blå hest"). Conversations are
stored, and tickets (summary and transcript) are read by every agent and mailed around, so every
text passes through a redaction before it is stored: each secret becomes one marker.

There are two entry points to one set of rules:

- ``redact`` for what users type. It errs on the side of removing too much: an agent loses a
  word or a number, never a secret.
- ``redact_assistant`` for the assistant's own messages, which may quote the user (the ticket's
  draft and summary repeat their words): codes, passes, personal numbers and values that look
  like passwords go, but links and phone numbers are never touched (they are how the assistant
  sends people to Microsoft's pages and the servicedesk), nor are its own words after
  "adgangskode:" taken for a password.

Each rule is applied only between spans that are never redacted (the markers themselves,
e-mail addresses, ticket references, phone numbers with a country code; in the assistant's
messages also links), so redacting redacted text changes nothing.

``redact_event`` applies them to Rasa events before the tracker store saves them. The table of
phrasings the rules must catch, and the ordinary sentences they must leave alone, is
tests/unit/test_redaction_table.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

CODE_MARK = "[code removed]"  # a one-time code
SECRET_MARK = "[password removed]"  # a password, a Temporary Access Pass, a key
NUMBER_MARK = "[number removed]"  # a CPR, card or account number
MARKS = (CODE_MARK, SECRET_MARK, NUMBER_MARK)

Redaction = Callable[[str], str]

# --- stated secrets: "my password is ...", "min kode er ..." ---------------------------------
# A word that names a secret, whole (with Danish endings: "koden", "kodeordet", "passwordet",
# "adgangspasset"), never inside a compound: "passwordless", "QR-koden" and "pinger" name none.
# Danes say "kode" for their password as often as for a code, so "min kode er X" is stated.
_SECRET_WORD = re.compile(
    r"(?i)(?<![\w-])(?:pass ?word|passwd|passcode|pwd|pw|pin(?:kode)?|kodeord|adgangskode"
    r"|adgangspas|løsen(?:ord)?|kode|pass|code|otp|(?-i:TAP))(?:et|en|n|ne|s|set|r)?(?![\w-])"
)
# "The code" is often an ordinary thing ("the QR code is blurry", "koden er udløbet"): after
# these words (English "code", Danish "koden", a TAP or OTP) the value is a secret only when it
# looks like one (a digit, a symbol, a capital inside), or when a place is named ("koden til
# webmail er blå hest"). "min kode er hestehoved" is a password.
_STRICT_WORDS = frozenset({"code", "codes", "koden", "koder", "kodes", "otp", "tap"})
# What the value of a code word is when it is digits alone: a one-time code, not a password.
_CODE_WORDS = ("code", "kode")
# A place between the word and its value, before an explicit joiner: "password for webmail is
# X", "adgangskoden til min mail er X" (one to three words, none a subject: in "min kode til
# jeg er inde" a new clause starts). A colon joins unless a link follows ("on https://...").
_COLON = r"[:=](?!//)"
_SUBJECTS = r"(?:jeg|du|han|hun|vi|man|i|you|he|she|we|they)"
_QUALIFIER = re.compile(
    rf"(?i)\s+(?:for|to|til|on|på|in|i|of|af)(?:\s+(?!{_SUBJECTS}\b)[^\s:=]+){{1,3}}?"
    rf"(?=\s*(?:{_COLON}|(?:is|er|was|var)\b))"
)
# What joins the word to its value: "is", "er", "was", ":", "=", " - " and chains ("is:",
# "er:"), so "mit password er: X" gives X, not ":".
_JOINER = re.compile(rf"(?i)(?:\s*(?:{_COLON}|-(?=\s)|\b(?:is|er|was|var|blev|became)\b))+")
# "to" / "til" join only after a change: "I changed my password to X", "jeg skiftede koden til
# X"; "I need my password to log in" states nothing.
_TO = re.compile(r"(?i)\s+(?:to|til)\b")
_LOOK_BACK_CHARS = 60  # how far before the word a change verb is looked for
_CHANGED_BEFORE = re.compile(
    r"(?i)\b(?:chang|set|reset|updat|ændr|skift|sat|satte|sæt|nulstil|opdater)\w*(?:\s+\S+){0,3}\s*$"
)
_TOKEN = re.compile(r"\S+")
_QUOTED = re.compile(r"\"[^\"]+\"|'[^']+'|“[^”]+”")
_EDGE_PUNCTUATION = "\"'.,!?;:()“”"
# Words between the joiner and the value that are neither: "my password is now X".
_FILLERS = frozenset(
    {"now", "nu", "still", "stadig", "actually", "faktisk", "just", "bare", "simply",
     "currently", "already", "allerede", "da"}
)  # fmt: skip
# A first word that shows the sentence is about the password, not giving it: "my password is
# wrong", "koden er udløbet", "the pass is valid for 8 hours".
_NOT_SECRETS = frozenset(
    {
        # English
        "a", "an", "the", "my", "your", "his", "her", "our", "their", "this", "that", "it",
        "it's", "its", "not", "no", "never", "wrong", "incorrect", "correct", "right", "expired",
        "expiring", "invalid", "valid", "rejected", "accepted", "blocked", "locked", "disabled",
        "working", "work", "works", "broken", "forgotten", "forgot", "lost", "changed", "reset",
        "same", "different", "new", "old", "too", "very", "so", "also", "being", "going",
        "about", "case-sensitive", "required", "needed", "missing", "gone", "compromised",
        "leaked", "stolen", "hacked", "known", "there", "here", "in", "on", "at", "for", "from",
        "with", "to", "and", "or", "but", "because", "if", "ok", "okay", "fine", "please",
        "sent", "arriving", "coming", "shown", "showing", "supposedly", "probably", "maybe",
        "definitely", "doesn't", "didn't", "isn't", "won't", "can't", "don't", "wasn't",
        "again", "change", "sign-in", "signin", "login", "log", "page", "is", "was",
        "of", "what", "which", "strong", "weak", "long", "short", "good", "bad", "secure", "safe",
        "simple", "easy", "hard", "really", "quite", "pretty", "rather", "enough", "fake", "real",
        "genuine",
        # Danish
        "en", "et", "den", "det", "de", "min", "mit", "mine", "din", "dit", "ikke", "aldrig",
        "forkert", "rigtig", "rigtigt", "korrekt", "udløbet", "ugyldig", "gyldig", "afvist",
        "spærret", "låst", "blokeret", "glemt", "mistet", "ændret", "skiftet", "nulstillet",
        "samme", "ny", "nyt", "gammel", "gamle", "også", "meget", "blevet", "på", "i",
        "til", "fra", "med", "og", "eller", "men", "fordi", "hvis", "fin", "fint", "tak",
        "sendt", "kommet", "vist", "nok", "måske", "sikkert", "der", "lækket", "stjålet",
        "hacket", "væk", "virker", "fungerer", "gået", "er", "var", "hvad", "hvilken", "stærk",
        "svag", "lang", "kort", "god", "dårlig", "sikker", "usikker", "simpel", "nem", "svær",
        "ret", "ganske", "virkelig", "falsk", "ægte",
        # Danish typed without æ, ø, å
        "aendret", "udloebet", "spaerret", "laast", "daarlig", "staerk", "paa",
    }
)  # fmt: skip
# Words that end a passphrase: what follows is the user talking again ("my password is blue
# horse but it is rejected"). "and" / "og" are not among them: passphrases hold them.
_CLAUSE_WORDS = frozenset(
    {"but", "men", "because", "fordi", "so", "så", "please", "tak", "thanks", "since", "da",
     "however", "which", "what", "hvad", "why", "hvorfor", "how", "hvordan", "can", "kan"}
)  # fmt: skip
_CLAUSE_END = ".,;!?"
# A value that looks like a password: a digit, a symbol, or a capital inside a word.
_LOOKS_LIKE_A_PASSWORD = re.compile(r"\d|[^\w\s'\".,?]|\w[A-Z]")
_DIGITS_ONLY = re.compile(r"\d(?:[ .-]?\d)*")
MIN_SECRET_CHARS = 4  # "koden er 6 cifre", "password is 12 characters": counts, no secrets


@dataclass(frozen=True)
class _Stated:
    """A secret value stated after a secret word, and how it was joined to it."""

    start: int
    end: int
    mark: str
    explicit: bool  # joined by "is", ":", "=" ... rather than just following the word
    looks_like_one: bool  # a digit, symbol or inner capital, not ordinary words


def _core(token: str) -> str:
    return token.strip(_EDGE_PUNCTUATION)


def _passphrase_end(text: str, first: re.Match[str], rest: Iterator[re.Match[str]]) -> int:
    """Where a passphrase that starts with the word ``first`` ends: at the clause's end.

    A passphrase is words ("blue horse", "kaffe og kage"); taking only the first would leave
    the rest in clear, so the value runs to punctuation, a line break, the end of the text or
    a word that starts a new clause ("but", "men", "please"), whichever comes first.
    """
    previous = first
    for token in rest:
        if previous.group()[-1] in _CLAUSE_END or "\n" in text[previous.end() : token.start()]:
            break
        if _core(token.group()).casefold() in _CLAUSE_WORDS:
            break
        previous = token
    return previous.end()


def _stated_after(text: str, word: re.Match[str], ordinary_words: bool) -> _Stated | None:
    """The secret that ``word`` (a secret word) states in ``text``, or None if it states none.

    A value that looks like a password counts after any secret word, with or without a joiner
    ("password hunter2"). With ``ordinary_words``, so do ordinary words after an explicit joiner
    and a word that means password ("my password is blue horse"), or after "code" words when a
    place or a change makes the secret theirs ("koden til webmail er ..."); "the QR code is
    blurry" or "my password yesterday" state nothing either way.
    """
    at = word.end()
    qualifier = _QUALIFIER.match(text, at)
    at = qualifier.end() if qualifier else at
    joiner = _JOINER.match(text, at)
    explicit, changed = bool(joiner and joiner.group().strip()), False
    if explicit:
        at = joiner.end()  # type: ignore[union-attr]
    elif (to := _TO.match(text, at)) and _CHANGED_BEFORE.search(
        text, max(0, word.start() - _LOOK_BACK_CHARS), word.start()
    ):
        at, explicit, changed = to.end(), True, True
    elif at == len(text) or not text[at].isspace():
        return None  # "password," or "pw" at the end: nothing follows
    tokens = _TOKEN.finditer(text, at)
    first = next((t for t in tokens if _core(t.group()).casefold() not in _FILLERS), None)
    if first is None:
        return None
    quoted = _QUOTED.match(text, first.start())
    core = _core(quoted.group() if quoted else first.group())
    if not core or core.casefold() in _NOT_SECRETS:
        return None
    digits_only = bool(_DIGITS_ONLY.fullmatch(core))
    if digits_only and len(core) < MIN_SECRET_CHARS:
        return None
    name = word.group().casefold()
    mark = CODE_MARK if digits_only and name.startswith(_CODE_WORDS) else SECRET_MARK
    if quoted:
        return _Stated(first.start(), quoted.end(), mark, explicit, looks_like_one=True)
    if _LOOKS_LIKE_A_PASSWORD.search(core) and len(core) >= MIN_SECRET_CHARS:
        return _Stated(first.start(), first.end(), mark, explicit, looks_like_one=True)
    theirs = name not in _STRICT_WORDS or qualifier is not None or changed
    if not (ordinary_words and explicit and theirs):
        return None
    end = _passphrase_end(text, first, tokens)
    return _Stated(first.start(), end, mark, explicit, looks_like_one=False)


def _secret_statements(text: str, ordinary_words: bool) -> list[_Stated]:
    """Every secret stated after a secret word (see _stated_after), left to right."""
    found: list[_Stated] = []
    for word in _SECRET_WORD.finditer(text):
        if found and word.start() < found[-1].end:
            continue  # inside the value just taken ("password: pin1234")
        stated = _stated_after(text, word, ordinary_words)
        if stated is not None:
            found.append(stated)
    return found


def _redact_statements(text: str, ordinary_words: bool = True) -> str:
    pieces, at = [], 0
    for stated in _secret_statements(text, ordinary_words):
        pieces += [text[at : stated.start], stated.mark]
        at = stated.end
    return "".join([*pieces, text[at:]])


def states_a_password(text: str) -> bool:
    """True when the text gives a password ("my password is Hest!Hest!", "pw: kage1234").

    Stricter than redaction, which rather removes a word too many: this picks the intent that
    warns the user, so only an explicit statement of a value that looks like a password counts
    ("my password is wrong", "min adgangskode er blå hest" or "the code is 482913" do not).
    """
    words = _URL_PATTERN.sub(" ", text or "")  # "?code=Xy7kLm9Qp2" in a link is no statement
    return any(
        stated.explicit and stated.mark == SECRET_MARK
        for stated in _secret_statements(words, ordinary_words=False)
    )


# --- numbers: personal numbers and one-time codes ---------------------------------------------
# Personal numbers: a CPR number ("010190-1234", "0101901234", "010190 1234"), a card number
# ("4111 1111 1111 1111", unspaced or with hyphens), an account number: nine digits or more,
# at most single spaces or hyphens between them. The whole run is one marker, so no "last four
# digits" are left behind. Numbers with a "+" or "00" country code are phone numbers (below).
_LONG_NUMBER = re.compile(r"(?<![\w+.-])\d(?:[ -]?\d){8,}(?!\w)")
# One-time codes as the app, an SMS or a token shows them, however typed: six to eight digits,
# "482915", "482 915", "6602 41", "4 0 8 1 3 6", "1234 5678". With dots or hyphens only the
# shapes codes have ("482-915", "482.915", "48-29-15", "1234.5678"): dates (2024-01-15,
# 15.01.2024), year ranges (2022-2024), times (16:00) and IP addresses have others and stay.
_DIGIT_RUN = re.compile(r"(?<![\w+.-])\d(?:[ .-]?\d){5,7}(?!\w|[.-]?\d)")
_CODE_GROUPS = ((3, 3), (2, 2, 2), (4, 4))
_YEAR = re.compile(r"(?:19|20)\d\d")


def _is_a_code(run: str) -> bool:
    """True for digits that are a code as typed: see _DIGIT_RUN."""
    separators = set(re.findall(r"[.-]", run))
    if not separators:
        return True
    groups = re.split(r"[ .-]", run)
    if len(separators) > 1 or tuple(map(len, groups)) not in _CODE_GROUPS:
        return False
    return not all(_YEAR.fullmatch(group) for group in groups)


def _redact_codes(text: str) -> str:
    return _DIGIT_RUN.sub(lambda run: CODE_MARK if _is_a_code(run.group()) else run.group(), text)


# --- generated secrets: Temporary Access Passes, keys, tokens --------------------------------
# A TAP is 8 characters by default in Entra ID (8-48 allowed), mixing letters, digits and
# symbols: "Tq#8mZ!2", "Wv4.Kd8:Rn2". A word counts when it mixes letters and digits and either
# has ten characters or more or holds a symbol no name or model number has ("iPhone15",
# "COVID-19" and "SM-G991B" stay). Host names, addresses, ticket references and compounds of an
# ordinary word ("FIDO2-sikkerhedsnøgle") are no secrets.
MIN_PASS_CHARS = 8
MIN_TOKEN_CHARS = 10
_PASS_SYMBOLS = frozenset("!#$%&*+=?@^~:;")
_WRAPPERS = "\"'()[]<>*_`“”"
# A compound with an ordinary word in it: "FIDO2-sikkerhedsnøgle", "iPhone15-brugere".
_COMPOUND = re.compile(r"(?:^|-)[^\W\d_A-Z]{4,}(?:-|$)")
_HOST = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/?")  # login.micros0ft.com
_URL_PART = re.compile(r"[^/?&=#]+")


def _is_generated(word: str) -> bool:
    """True for a pass or token: see MIN_PASS_CHARS."""
    if len(word) < MIN_PASS_CHARS or _COMPOUND.search(word):
        return False
    if not (any(ch.isdigit() for ch in word) and any(ch.isalpha() for ch in word)):
        return False
    return len(word) >= MIN_TOKEN_CHARS or bool(_PASS_SYMBOLS & set(word))


def _is_a_name(word: str) -> bool:
    """A host name or a ticket reference: letters and digits mixed, and no secret."""
    return bool(_HOST.fullmatch(word) or _TICKET_REF.fullmatch(word))


def _redact_url_part(part: re.Match[str]) -> str:
    text = part.group()
    return SECRET_MARK if _is_generated(text) and not _is_a_name(text) else text


def _redact_word(match: re.Match[str], secret: Callable[[str], bool] = _is_generated) -> str:
    """The word, or a marker in place of it (within its brackets) if ``secret`` says it is one."""
    word = match.group()
    bare = word.strip(_WRAPPERS)  # "**Tq#8mZ!2**" or "(Ab3#kL9!)": the "!" may be the pass's
    core = bare.rstrip(_WRAPPERS + _CLAUSE_END + ":")  # "(micros0ft-login.com)." is a host
    if not core or _is_a_name(core):
        return word
    if "://" in core or core.lower().startswith("www."):
        # A link the user pasted: its host stays (an agent checks where it leads), a pass or
        # token in its path or query does not.
        return word.replace(core, _URL_PART.sub(_redact_url_part, core), 1)
    if secret(core) or secret(bare):
        return word.replace(bare, SECRET_MARK, 1)
    return word


def _redact_generated(text: str) -> str:
    return _TOKEN.sub(_redact_word, text)


# --- the value before the word: "Hunter2q is my password", "kaffekage er mit kodeord" -------
_NAMED_AFTER = re.compile(
    r"""(?ix)
    (\S+)                                                      # the value
    (\s+(?:is|was|er|var)\s+(?:my|mit|min|the|our|vores)       # "X is my", "X er mit"
     |\s+(?:as|som)(?:\s+(?:my|mit|min))?                       # "X som adgangskode"
     |\s*(?:<-|←)\s*(?:that'?s|it'?s|det\ er)?\s*(?:my|mit|min)?)  # "X <- that's my"
    (\s+(?:new\s+|nye?\s+)?)
    (?=(?:pass\ ?word|passwd|kodeord|adgangskode|løsen(?:ord)?|pin(?:kode)?)(?:et|en|n|s)?\b
       (?!\s*(?:manager|-?manageren|-?håndtering)))                # "... my password manager"
    """
)


def _named_replacement(match: re.Match[str]) -> str:
    value, joiner, new = match.groups()
    if _core(value).casefold() in _NOT_SECRETS or value in MARKS:
        return match.group()
    return f"{SECRET_MARK}{joiner}{new}"


def _redact_named_after(text: str) -> str:
    return _NAMED_AFTER.sub(_named_replacement, text)


# --- chosen passwords in a message about one -----------------------------------------------
# After the user names their password, a word that looks like one is taken for it, however
# the sentence reaches it: "kan du tjekke min adgangskode, den er Hund!Kat!", "mit kodeord så
# du kan fikse det: MinKode88". Alone, such words are names ("iPhone15"); here, no chances.
MIN_CHOSEN_CHARS = 6
_INNER_CAPITAL = re.compile(r"[a-zæøå][A-ZÆØÅ]")


def _looks_like_a_password(word: str) -> bool:
    """A word that could be a password someone chose: "MinKode88", "Hund!Kat!", "Sommer2024"."""
    word = word.rstrip(_CLAUSE_END + ":")  # "there?" is no password, "Hund!Kat!" stays one
    if len(word) < MIN_CHOSEN_CHARS or not any(ch.isalpha() for ch in word):
        return False
    mixed = any(ch.isdigit() for ch in word) or bool(_PASS_SYMBOLS & set(word))
    return mixed or bool(_INNER_CAPITAL.search(word))


_redact_chosen_word = partial(_redact_word, secret=_looks_like_a_password)


def _redact_after_mention(text: str) -> str:
    """``text`` with password-like words after its first mention of a password as markers."""
    mention = next(
        (w for w in _SECRET_WORD.finditer(text) if w.group().casefold() not in _STRICT_WORDS),
        None,
    )
    if mention is None:
        return text
    return text[: mention.end()] + _TOKEN.sub(_redact_chosen_word, text[mention.end() :])


# --- what is never redacted -------------------------------------------------------------------
_MARKER = "|".join(re.escape(mark) for mark in MARKS)
# Starts once per word (no quadratic scan); the top-level domain is letters, so "P@ss.w0rd1" is
# no address.
_EMAIL = r"(?<![\w.+'-])[\w.+'-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}(?![\w-])"
# "MFA-000123", "MFA 000312": users quote it to ask for a status (as bot/handoff/ticket.py reads it)
_TICKET_REF_SPAN = r"(?i:\bMFA\s*-?\s*\d{1,10}\b)"
_TICKET_REF = re.compile(_TICKET_REF_SPAN)
# A phone number with its country code: "+45 4674 3600", "+4520135791", "(+46) 70-123 45 67",
# "0045 46 74 20 00". No code, pass or personal number is written so.
_INTERNATIONAL_PHONE = r"(?:\(?\+\d{1,3}\)?|(?<!\w)00\d{2})(?:[ .-]?\d){7,12}(?!\w)"
# A Danish number without its country code, "46742000" or "20 13 57 91": kept only where the
# user was asked for a phone number (an eight-digit code looks the same elsewhere).
_DANISH_PHONE = r"(?<![\w+.-])[2-9]\d(?:[ -]?\d){6}(?!\w|[ .-]?\d)"
# Links in the assistant's messages: to Microsoft's pages, the app stores, RUC's guides, the
# practice QR image (a data: URL). Users' links are redacted like their words (_redact_word).
_URL = r"(?i:\b(?:[a-z][a-z0-9+.-]{0,30}://|www\.|data:|mailto:)[^\s<>\"']+)"
_URL_PATTERN = re.compile(_URL)
# The assistant's own example of a code ("type the 6 digits, for example 123 456"): a counting
# run, which is never worth protecting (a real code is one of a million and lasts 30 seconds).
_EXAMPLE_CODE = r"(?<![\w+.-])123[ .-]?456(?:[ .]?78)?(?!\w|[.-]?\d)"


def _spans(*patterns: str) -> re.Pattern[str]:
    """One pattern whose single group is any of ``patterns``: what ``re.split`` keeps apart."""
    return re.compile(f"({'|'.join(patterns)})")


_KEPT_IN_USER_TEXT = _spans(_MARKER, _EMAIL, _TICKET_REF_SPAN, _INTERNATIONAL_PHONE)
# A stated value is the secret whatever it looks like: "password: jens@ruc.dk1!" is no address.
_KEPT_FROM_STATEMENTS = _spans(_MARKER, _TICKET_REF_SPAN, _INTERNATIONAL_PHONE)
_KEPT_IN_PHONE_ANSWER = _spans(
    _MARKER, _EMAIL, _TICKET_REF_SPAN, _INTERNATIONAL_PHONE, _DANISH_PHONE
)
_KEPT_IN_ASSISTANT_TEXT = _spans(
    _MARKER, _EMAIL, _TICKET_REF_SPAN, _INTERNATIONAL_PHONE, _URL, _EXAMPLE_CODE
)

# In this order: a stated value first (so "koden er 482.915" is one code marker), then
# personal numbers before codes (so a CPR number is one marker, not a code and four digits).
_NUMBER_RULES: tuple[Redaction, ...] = (
    lambda text: _LONG_NUMBER.sub(NUMBER_MARK, text),
    _redact_generated,
    _redact_codes,
)
_USER_RULES = (_redact_statements, _redact_named_after, _redact_after_mention, *_NUMBER_RULES)
# The assistant's own sentences say "adgangskode: Vælg ..." or "your password is yours": in its
# messages only values that look like a password count. What it quotes of the user was
# redacted with _USER_RULES before (bot/handoff: the draft and the summary).
_ASSISTANT_RULES = (partial(_redact_statements, ordinary_words=False), *_NUMBER_RULES)


def _redacted(text: str, kept: re.Pattern[str], rules: tuple[Redaction, ...]) -> str:
    """``text`` through every rule, each applied only between the spans ``kept`` matches.

    The markers are among the kept spans, so redacting redacted text changes nothing and a
    secret word before a marker ("adgangskode: [password removed]") takes no part of it.
    """
    if not text:
        return text
    for rule in rules:
        pieces = kept.split(text)  # odd positions are the kept spans
        text = "".join(piece if i % 2 else rule(piece) for i, piece in enumerate(pieces))
    return text


def redact(text: str) -> str:
    """What a user typed, with passwords, codes, passes and personal numbers as markers."""
    text = _redacted(text, _KEPT_FROM_STATEMENTS, (_redact_statements,))
    return _redacted(text, _KEPT_IN_USER_TEXT, _USER_RULES)


def redact_phone_answer(text: str) -> str:
    """What a user typed at the phone question: a Danish number stays, a code does not."""
    text = _redacted(text, _KEPT_FROM_STATEMENTS, (_redact_statements,))
    return _redacted(text, _KEPT_IN_PHONE_ANSWER, _USER_RULES)


# The intent of a message that shares a password (bot/rasa_ext/nlu_safety.py, or the classifier's
# judgement). The assistant answers it with "I don't keep what you typed", so none of it is
# kept: the rules above may miss a phrasing the classifier still recognised.
SHARE_SECRET = "share_secret"


def redact_message(text: str, intent: str | None) -> str:
    """A user's message as it may be kept, given the intent it was understood as."""
    return SECRET_MARK if intent == SHARE_SECRET and text else redact(text)


def intent_of(event: Mapping[str, Any]) -> str | None:
    """The intent a stored user event was understood as."""
    parse_data = event.get("parse_data")
    intent = parse_data.get("intent") if isinstance(parse_data, Mapping) else None
    return intent.get("name") if isinstance(intent, Mapping) else None


def redact_assistant(text: str) -> str:
    """An assistant's message: what it quotes of the user is redacted, links and phones kept."""
    return _redacted(text, _KEPT_IN_ASSISTANT_TEXT, _ASSISTANT_RULES)


# --- events -------------------------------------------------------------------------------------
# Slots filled from what users type, and what each holds. Rasa first stores the typed text,
# then the validated value; both are redacted (validated values hold no secret, so they pass).
SLOT_REDACTIONS: dict[str, Redaction] = {
    "ticket_name": redact,
    "ticket_username": redact,
    "ticket_summary": redact,
    "ticket_contact": redact,
    "ticket_phone": redact_phone_answer,
    # The assistant's proposed "what happened": its words around the user's own.
    "ticket_summary_draft": redact_assistant,
}
FREE_TEXT_SLOTS = frozenset(SLOT_REDACTIONS)
# Rasa keeps the client's metadata of a session's first message in this slot.
SESSION_METADATA_SLOT = "session_started_metadata"
# Metadata is whatever a client put in the REST body: names, tokens, anything, under keys no
# rule knows ({"pw": "blue horse"} has no sentence to read). Nothing in the assistant reads it
# back from the store, so only these keys are kept, as short plain values, redacted.
KEPT_METADATA = frozenset({"language"})
MAX_METADATA_CHARS = 32


def _strings(value: Any, redaction: Redaction) -> Any:
    """``value`` with every string in it, however nested in lists and dicts, redacted."""
    if isinstance(value, str):
        return redaction(value)
    if isinstance(value, dict):
        return {key: _strings(item, redaction) for key, item in value.items()}
    if isinstance(value, list):
        return [_strings(item, redaction) for item in value]
    return value


def _kept_metadata(metadata: Any) -> Any:
    """The allowed keys of a client's metadata (see KEPT_METADATA); everything else dropped."""
    if not isinstance(metadata, dict):
        return None if metadata is None else {}
    return {
        key: redact(value) if isinstance(value, str) else value
        for key, value in metadata.items()
        if key in KEPT_METADATA
        and isinstance(value, (bool, int, float, str))
        and len(str(value)) <= MAX_METADATA_CHARS
    }


def _redacted_keys(data: dict, keys: tuple[str, ...], redaction: Redaction) -> dict:
    """``data`` with the strings under ``keys`` (those it has) redacted."""
    return {**data, **{key: _strings(data[key], redaction) for key in keys if key in data}}


def _user_event(data: dict) -> dict:
    intent = intent_of(data)
    redacted = _redacted_keys(data, ("text",), partial(redact_message, intent=intent))
    if "metadata" in data:
        redacted["metadata"] = _kept_metadata(data["metadata"])
    parse_data = data.get("parse_data")
    if isinstance(parse_data, dict):
        # Only what holds the user's words: intent names and the response selector's
        # templates (with links and phone numbers) are the assistant's own.
        parse_data = _redacted_keys(parse_data, ("text",), partial(redact_message, intent=intent))
        parse_data = _redacted_keys(parse_data, ("entities",), redact)
        if "metadata" in parse_data:
            parse_data["metadata"] = _kept_metadata(parse_data["metadata"])
        redacted["parse_data"] = parse_data
    return redacted


def _bot_event(data: dict) -> dict:
    return _redacted_keys(data, ("text", "data", "metadata"), redact_assistant)


def _slot_event(data: dict) -> dict:
    name = data.get("name")
    if name == SESSION_METADATA_SLOT:
        return {**data, "value": _kept_metadata(data.get("value"))}
    redaction = SLOT_REDACTIONS.get(name or "")
    return {**data, "value": _strings(data.get("value"), redaction)} if redaction else data


_EVENT_REDACTIONS: dict[str, Callable[[dict], dict]] = {
    "user": _user_event,
    "bot": _bot_event,
    "slot": _slot_event,
}


def redact_event(data: dict) -> dict:
    """A Rasa event (as a dict) as it may be stored: the same dict when nothing had to change.

    Users' messages (text, the parse data's copy and entities, the client's metadata), slots
    filled from their words and the assistant's messages (which quote them) are redacted; the
    event in memory keeps everything (the practice check needs the digits just sent).
    """
    redaction = _EVENT_REDACTIONS.get(data.get("event") or "")
    if redaction is None:
        return data
    redacted = redaction(data)
    return data if redacted == data else redacted
