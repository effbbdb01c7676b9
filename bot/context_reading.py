"""What a message means given what the assistant just asked.

The classifier reads each message alone, but people answer the question in front of them:
"send den" at the ticket's summary is a yes, "ok downloaded it" at a walkthrough step is
"done", "No, I have no other way to sign in" at "Do you have another way to sign in?" is a
no, and "ring gerne på 20 13 57 91" at the phone question is the number. This module decides,
from the context and the words, whether a message should be read as another intent; the
policy (bot/rasa_ext/context_policy.py) and the action that relabels the message
(actions/context.py) both ask it, so they always agree.

A reading never overrides what must be heard whatever was asked: a report of someone else in
the account, a password typed in, a request to stop.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot import feedback
from bot.handoff.fields import check_contact, keeps_the_draft, skips
from bot.onboarding.said_before import answer_to
from bot.onboarding.walkthroughs import HELP_AGAIN, WALKTHROUGHS, walkthrough_for_topic

# Said in any context, these are never re-read as an answer to the question.
HEARD_ANYWAY = frozenset(
    {"report_compromise", "share_secret", "walkthrough_stop", "change_language", "check_link"}
)
SUMMARY = "utter_ticket_summary"
HANDOFF_OFFER = "utter_handoff_offer"
FAQ_PREFIX = "faq/"
WHICH_FIELD = "utter_ticket_which_field"
ASKS_FOR_TICKET = frozenset({"request_person", "request_ticket"})

_WORD = re.compile(r"[\w']+|[👍✅👌]")
# "send it", "send den", "ja send den", "submit", "go ahead", "afsted med den".
_SEND = re.compile(r"\b(send|sende|submit|indsend|afsted|go ahead|do it|gør det|gor det)\b", re.I)
_CREATE = re.compile(
    r"\b(make|create|open|file|raise|lav|opret|oprette|lave)\b.*\b(ticket|case|sag|sagen|en)\b"
    r"|\b(ticket|sag) (please|tak)\b",
    re.I,
)
_NEGATION = re.compile(
    r"\b(not|no|don't|dont|do not|never|cancel|wait|ikke|nej|vent|annuller|stop|hold)\b|n't\b",
    re.I,
)
# Progress at a walkthrough step, in both languages; trouble words veto it.
_PROGRESS = re.compile(
    r"^(ok|okay|okey|k|done|did it|finished|ready|next|got it|all good|yes|yep|yeah|sure|"
    r"færdig|faerdig|klar|næste|naeste|fint|ja|jep|jo|gjort|check|tjek)\b"
    r"|\b(downloaded|installed|scanned|added|approved|deleted|removed|worked|works|i see|"
    r"i can see|it's there|its there|shows up|showing|appeared|tapped|clicked|chose|selected|"
    r"opened|signed in|logged in|"
    r"hentet|downloadet|installeret|scannet|tilføjet|tilfojet|godkendt|slettet|fjernet|"
    r"virkede|virker|jeg kan se|kan se|den er der|kom frem|dukkede op|trykket|klikket|valgt|"
    r"åbnet|aabnet|logget ind|logget på|logget paa)\b|[👍✅👌]",
    re.I,
)
_TROUBLE = re.compile(
    r"\?|\b(not|can't|cant|cannot|couldn't|doesn't|doesnt|didn't|didnt|won't|wont|no|nothing|"
    r"error|fail|failed|stuck|help|problem|but|how|where|why|what|"
    r"ikke|fejl|hjælp|hjaelp|problem|men|hvordan|hvor|hvorfor|hvad|intet|ingen)\b",
    re.I,
)
# The first word of an answer to a yes/no question: "ja jeg har også appen på min ipad",
# "nej tak, jeg kommer bare forbi i morgen". Not "ok": "ok thanks, I'll come by" is no yes.
_YES_LEAD = re.compile(
    r"^\W*(yes|yeah|yep|yup|sure|of course|please do|ja|jep|jo|jamen|gerne|"
    r"selvfølgelig|selvfolgelig)\b",
    re.I,
)
_OK_ALONE = re.compile(r"\W*(ok|okay|okey|okej|k|fine|fint)\W*", re.I)
_NO_LEAD = re.compile(r"^\W*(no|nope|nah|not really|nej|næ|nae|nix)\b", re.I)
YES_NO_QUESTIONS = frozenset({SUMMARY, HANDOFF_OFFER})
# The ticket's fields by the words people use for them ("the email is wrong", "navnet er forkert").
FIELD_WORDS = {
    "ticket_username": re.compile(
        r"\b(e-?mail|mail|mailen|username|user name|brugernavn|adresse|address)", re.I
    ),
    "ticket_phone": re.compile(r"\b(phone|number|nummer|nummeret|telefon|mobil)", re.I),
    "ticket_name": re.compile(r"\b(name|navn|navnet)\b", re.I),
}
_WRONG = re.compile(
    r"\b(wrong|incorrect|not right|typo|forkert|fejl|ikke rigtig|should be|skal være|change|"
    r"ret|ændr)",
    re.I,
)
# Readings that add what the classifier missed even when it got the intent (the field named).
ADDS_ENTITIES = frozenset({"ticket_change"})
READ_MARK = "read_in_context_from"  # in a relabelled message's parse data: never read twice
WALKTHROUGH_MOVES = frozenset(
    {"walkthrough_done", "walkthrough_stuck", "walkthrough_back", "walkthrough_resume"}
)
# "I'll just call them", "jeg ringer til dem i morgen": the user leaves the ticket form.
_CALLS_THEMSELVES = re.compile(
    r"\b(i'?ll|i will) (just )?(call|phone|ring|contact) (them|the servicedesk|servicedesk)"
    r"|\bjeg ringer (bare )?(selv )?til (dem|servicedesk)"
    r"|\b(i'?ll|i will) (just )?(come|go) (by|over|there) (myself|instead)"
    r"|\bjeg (kommer|går) (bare )?(selv )?(forbi|derhen)( selv| i stedet)",
    re.I,
)
# The step buttons' titles, typed instead of pressed (the classifier may doubt one word).
_STEP_COMMANDS = {
    "walkthrough_back": re.compile(r"\W*(go )?back|tilbage|gå tilbage|ga tilbage|forrige\W*", re.I),
    "walkthrough_stuck": re.compile(r"\W*(i'?m )?stuck|jeg sidder fast|sidder fast\W*", re.I),
}
_PHONE_DIGITS = re.compile(r"(?:\+|00)?\d[\d ()./-]{6,}\d")
_EMAIL = re.compile(r"\b[\w.%+'-]+@[\w-]+(?:\.[\w-]+)+\b")
_CONTACT_ANSWER_WORDS = 6


@dataclass(frozen=True)
class Context:
    """What the assistant last asked: its last response, the open form and walkthrough."""

    asked: str | None = None  # the last utter_* the assistant said, if it was the last action
    active_loop: str | None = None
    requested_slot: str | None = None
    walkthrough_status: str | None = None
    walkthrough_question: bool = False  # the walkthrough's current step is a yes/no question
    last_topic: str | None = None  # the topic of the user's message before this one (faq/...)
    walkthrough_view: str | None = None  # what the walkthrough showed last (help.again, ...)
    feedback_asked: str | None = None  # the last reply asked "did this help?" or for a rating


def topic_of(parse_data: Mapping[str, Any]) -> str | None:
    """The FAQ topic a parsed message asked about ("faq/new_phone"): the selector's answer, or
    a topic button's entity. The policy and the walkthrough action both read topics this way."""
    retrieval = (parse_data.get("intent") or {}).get("full_retrieval_intent_name")
    buttons = [
        e.get("value") for e in parse_data.get("entities") or [] if e.get("entity") == "topic"
    ]
    return retrieval or (f"{FAQ_PREFIX}{buttons[0]}" if buttons else None)


def step_is_question(walkthrough: str | None, step: str | None) -> bool:
    """Whether the walkthrough's current step asks yes or no ("Do you have another way...?")."""
    found = WALKTHROUGHS.get(walkthrough or "")
    return bool(found) and any(s.id == step and s.question for s in found.steps)


def _phone_number_in(text: str) -> bool:
    return any(sum(ch.isdigit() for ch in found) >= 8 for found in _PHONE_DIGITS.findall(text))


def field_named(text: str) -> str | None:
    """The one ticket field a correction names, or None if it names none or several."""
    named = [field for field, words in FIELD_WORDS.items() if words.search(text)]
    return named[0] if len(named) == 1 else None


def _at_summary(context: Context, text: str, intent: str) -> str | None:
    if context.asked != SUMMARY or intent in ("affirm",):
        return None
    if _WRONG.search(text) and field_named(text):
        return "ticket_change"  # relabelled() names the field: "the email is wrong, it's ..."
    if intent == "deny":
        return None
    if intent in ASKS_FOR_TICKET or (_SEND.search(text) and not _NEGATION.search(text)):
        return "affirm"
    return None


def _at_offer(context: Context, text: str, intent: str) -> str | None:
    if context.asked != HANDOFF_OFFER or intent in ("affirm", "deny"):
        return None
    # "Can't I just talk to a person?" at "Shall I create a ticket, so they know your case?":
    # the ticket is the way to the person, and the form can be cancelled at any time.
    if intent in ASKS_FOR_TICKET or (_CREATE.search(text) and not _NEGATION.search(text)):
        return "affirm"
    return None


def _yes_or_no_first(context: Context, text: str, intent: str) -> str | None:
    """An answer to a yes/no question that starts with yes or no is that answer, whatever
    follows ("nej tak, jeg ringer selv"); what must be heard anyway never gets here."""
    asked_yes_no = context.asked in YES_NO_QUESTIONS or (
        context.walkthrough_question and context.walkthrough_status == "active"
    )
    if not asked_yes_no or context.active_loop or intent in ("affirm", "deny"):
        return None
    if _NO_LEAD.search(text):
        return "deny"
    if _OK_ALONE.fullmatch(text):
        return "affirm"
    if _YES_LEAD.search(text) and not _TROUBLE.search(_YES_LEAD.sub("", text)):
        return "affirm"
    return None


def _in_form(context: Context, text: str, intent: str) -> str | None:
    """An answer with words around it is still the answer the form asked for."""
    if context.active_loop != "ticket_form":
        return None
    if context.requested_slot != "ticket_contact" and _CALLS_THEMSELVES.search(text):
        return "walkthrough_stop"  # "ok jeg ringer til dem i morgen": no ticket after all
    if intent in ("inform", "affirm", "deny"):
        return None
    if context.requested_slot == "ticket_phone" and _phone_number_in(text):
        return "inform"
    if context.requested_slot == "ticket_phone" and skips(text):
        return "deny"  # "skip", "nej tak", "I'd rather not": no number
    if context.requested_slot == "ticket_summary" and keeps_the_draft(text):
        return "affirm"  # "behold", "keep it": the proposed description
    if context.requested_slot == "ticket_username" and _EMAIL.search(text):
        return "inform"
    if context.requested_slot == "ticket_contact" and _names_a_contact_choice(text):
        return "inform"  # "call", "ringer", "I'll come by": not the FAQ about phone calls
    return None


def _names_a_contact_choice(text: str) -> bool:
    """A short answer that says call or come by; a question ("when are they open?") is not."""
    short = len(text.split()) <= _CONTACT_ANSWER_WORDS and "?" not in text
    return short and check_contact(text).value is not None


def _in_walkthrough(context: Context, text: str, intent: str) -> str | None:
    if context.walkthrough_status != "active" or context.active_loop:
        return None
    if context.walkthrough_question:
        # "No, I have no other way to sign in" answers "Do you have another way?".
        return "deny" if intent == "no_method_left" else None
    still_stuck = intent == "walkthrough_stuck" or (
        intent == "nlu_fallback" and _TROUBLE.search(text)
    )
    if still_stuck and context.walkthrough_view == HELP_AGAIN:
        return "request_person"  # stuck a third time: the servicedesk, not the same offer again
    if intent in WALKTHROUGH_MOVES or intent in ("affirm", "deny"):
        return None  # yes at a step is done already (walkthroughs.answer), no is stuck
    for move, words in _STEP_COMMANDS.items():
        if words.fullmatch(text):
            return move  # a button's title typed: "back", "tilbage", "stuck"
    if _PROGRESS.search(text) and not _TROUBLE.search(text):
        return "walkthrough_done"
    return None


ANSWERS = frozenset({"utter_faq", "action_answer_topic", "utter_servicedesk_contact"})
# Intents whose answer a follow-up can be about, besides the FAQ topics (faq/<topic>).
ANSWER_INTENTS = frozenset({"contact_servicedesk"})
# Said with no walkthrough and no ticket to act on, these are follow-ups to the last answer:
# "where do I change that on android" (a platform), "can i email them?" (a change).
# "har tjekket det" (done) after an answer, with nothing to be done: still not solved.
_FOLLOW_UP_INTENTS = frozenset(
    {"nlu_fallback", "inform_platform", "ticket_change", "inform", "walkthrough_done"}
)
_FOLLOW_UP_WORDS = 16
# A follow-up asks ("?", where, how, can I) or points back at the answer (that, it, them).
_ASKS = re.compile(
    r"\?|^\W*(where|how|what|which|when|why|can|could|do|does|is|should|hvor|hvordan|hvad|"
    r"hvilk\w*|hvornår|hvorfor|kan|skal|må|er)\b",
    re.I,
)
_REFERS_BACK = re.compile(r"\b(that|it|them|there|this|det|den|dem|der|dette)\b", re.I)
# "It worked" after an answer: thanks; "I've checked it" is not a success.
_SUCCESS = re.compile(
    r"\b(work(s|ed)|fixed|sorted|solved|found it|all good|virker|virkede|fundet|løst|lost det|"
    r"klaret|i orden)\b",
    re.I,
)


def _after_answer(context: Context, text: str, intent: str) -> str | None:
    """ "Yes please, show me" right after an answer that has a walkthrough starts that one."""
    if context.asked not in ANSWERS or context.active_loop or context.walkthrough_status:
        return None
    typed_yes = intent == "nlu_fallback" and _YES_LEAD.search(text) and not _TROUBLE.search(text)
    if (intent == "affirm" or typed_yes) and walkthrough_for_topic(context.last_topic):
        return "request_walkthrough"
    return None


def _follow_up(context: Context, text: str, intent: str) -> str | None:
    """A short follow-up right after an answer that the classifier could not place ("What do
    I need to bring?", "hvor ændrer jeg det på android") is about that answer: it is given
    again, and bot/rasa_ext/nlg.py says so and offers a person if that is not enough."""
    if context.asked not in ANSWERS or context.active_loop or not context.last_topic:
        return None
    if context.walkthrough_status in ("active", "asking_platform"):
        return None
    if intent not in _FOLLOW_UP_INTENTS or len(text.split()) > _FOLLOW_UP_WORDS:
        return None
    return context.last_topic if _ASKS.search(text) or _REFERS_BACK.search(text) else None


# What the classifier makes of a bare "yes"/"nej det hjalp ikke" after an answer ("yes, that
# did it" reads like a finished set-up step); any other intent is a request of its own,
# answered as such.
_MAY_BE_FEEDBACK = frozenset(
    {"affirm", "deny", "thank", "nlu_fallback", "walkthrough_done", feedback.INTENT}
)


def _answers_feedback(context: Context, text: str, intent: str) -> str | None:
    """ "yes", "nope", "nej det hjalp ikke" after an answer, "4" or "fem stjerner" after a rating
    request: the feedback asked for (bot/feedback.py reads which)."""
    if context.feedback_asked is None or context.active_loop:
        return None
    if context.feedback_asked == feedback.RATING:
        return feedback.INTENT if feedback.typed_rating(text) is not None else None
    if intent not in _MAY_BE_FEEDBACK:
        return None  # "yes please, walk me through it", "ok yes make the ticket": what they ask
    if intent in ("affirm", "deny") or _NO_LEAD.search(text):
        return feedback.INTENT
    if _YES_LEAD.search(text) and not _TROUBLE.search(_YES_LEAD.sub("", text)):
        return feedback.INTENT
    return None


def _asks_for_ticket(context: Context, text: str, intent: str) -> str | None:
    """ "ok yes make the ticket, urgent pls" wherever it comes: the ticket, not a guess."""
    if context.active_loop or intent not in ("nlu_fallback", "inform", "affirm", "faq"):
        return None
    return "request_ticket" if _CREATE.search(text) and not _NEGATION.search(text) else None


def _success_after_answer(context: Context, text: str, intent: str) -> str | None:
    """ "Did it on the phone instead, worked" after an answer: thanks."""
    if context.asked not in ANSWERS or intent not in ("nlu_fallback", "faq"):
        return None
    return "thank" if _SUCCESS.search(text) and not _TROUBLE.search(text) else None


def _progress_without_walkthrough(context: Context, text: str, intent: str) -> str | None:
    """ "Did it on the phone instead, worked" after an answer: thanks, not "no set-up is
    running"."""
    if context.walkthrough_status in ("active", "paused") or intent != "walkthrough_done":
        return None
    return "thank" if _SUCCESS.search(text) and not _NEGATION.search(text) else None


def _no_other_method(context: Context, text: str, intent: str) -> str | None:
    """ "My app is gone and I have no other method": the no-method path (its question is
    answered already), not the general lost-phone answer."""
    if context.active_loop or intent not in ("faq", "nlu_fallback", "locked_out"):
        return None
    if answer_to("other_method", [text]) is not False:
        return None
    asked_it = context.walkthrough_question and context.walkthrough_status == "active"
    return "deny" if asked_it else "no_method_left"


def _nothing_to_stop(context: Context, intent: str) -> str | None:
    """ "Glem det" with no walkthrough, form or ticket question open is a plain no, not "no
    set-up is running"."""
    open_question = context.asked in (SUMMARY, HANDOFF_OFFER, WHICH_FIELD)
    busy = context.active_loop or context.walkthrough_status in ("active", "paused")
    return "deny" if intent == "walkthrough_stop" and not (busy or open_question) else None


READERS = (
    _no_other_method,
    _at_summary,
    _at_offer,
    _yes_or_no_first,
    _in_form,
    _in_walkthrough,
    _after_answer,
    _asks_for_ticket,
    _success_after_answer,
    _progress_without_walkthrough,
    _answers_feedback,
    _follow_up,
)


def read_in_context(context: Context, text: str | None, intent: str | None) -> str | None:
    """The intent ``text`` should be read as here, or None to keep what the classifier said."""
    if not text or text.startswith("/"):
        return None
    if intent in HEARD_ANYWAY:
        return _nothing_to_stop(context, intent or "")
    for reader in READERS:
        reading = reader(context, text.strip(), intent or "")
        if reading and (reading != intent or reading in ADDS_ENTITIES):
            return reading
    return None


def relabelled(parse_data: dict, intent: str) -> dict:
    """The parse data of a message read as ``intent``: sure of it, the classifier's guess kept
    in the ranking (for the transcript and for insights into what the classifier missed)."""
    ranking = [{"name": intent, "confidence": 1.0}] + [
        ranked for ranked in parse_data.get("intent_ranking") or [] if ranked.get("name") != intent
    ]
    if intent.startswith(FAQ_PREFIX):
        return _relabelled_as_answer(parse_data, intent)
    entities = list(parse_data.get("entities") or [])
    field = field_named(parse_data.get("text") or "") if intent == "ticket_change" else None
    if field and not any(e.get("entity") == "ticket_field" for e in entities):
        entities.append({"entity": "ticket_field", "value": field, "extractor": "context"})
    return {
        **parse_data,
        "intent": {"name": intent, "confidence": 1.0},
        "intent_ranking": ranking,
        "entities": entities,
        READ_MARK: (parse_data.get("intent") or {}).get("name"),
    }


def _relabelled_as_answer(parse_data: dict, topic: str) -> dict:
    """The parse data of a message read as the FAQ question ``topic`` ("faq/code_rejected"):
    the intent and the selector's choice, as utter_faq reads them."""
    chosen = {"intent_response_key": topic, "utter_action": f"utter_{topic}", "confidence": 1.0}
    selector = {**(parse_data.get("response_selector") or {}), "faq": {"response": chosen}}
    intent = {"name": "faq", "confidence": 1.0, "full_retrieval_intent_name": topic}
    return {
        **parse_data,
        "intent": intent,
        "response_selector": selector,
        READ_MARK: (parse_data.get("intent") or {}).get("name"),
    }
