"""Choosing the language: detection from words, the policy's switch, and the NLG's answer."""

from __future__ import annotations

import asyncio
from functools import lru_cache

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import feedback
from bot.domain import rasa_domain
from bot.language_detection import detect, named_language
from bot.rasa_ext.language_policy import language_after
from bot.rasa_ext.nlg import LocalizedNLG


@pytest.mark.parametrize(
    ("message", "language"),
    [
        ("jeg har mistet min telefon", "da"),
        ("hvordan installerer jeg appen", "da"),
        ("QR koden virker ikke", "da"),
        ("kan du hjaelpe mig", "da"),  # typed without æøå
        ("jeg har faaet ny telefon", "da"),
        ("hvordan tilfoejer jeg min konto", "da"),
        ("hej", "da"),
        ("I lost my phone", "en"),
        ("the QR code doesn't scan", "en"),  # "oe" in "does" is no Danish ø
        ("how do I add my RUC account", "en"),
        ("does the app work on my watch", "en"),
        ("is this real? https://login.microsoftonline.com.evil.io", "en"),
        # Names of people and of the university are no evidence of a language.
        ("I work at Roskilde Universitet", "en"),
        ("My colleague Søren Kierkegaard Jørgensen said I should ask you", "en"),
        ("hi, it's Mette Frederiksen from ruc, how do I set up the app", "en"),
        ("Jeg arbejder på Roskilde Universitet", "da"),
        ("Hej, jeg hedder Peter Smith og har mistet min telefon", "da"),
        ("Mette Frederiksen", None),
        # Said in both languages, or no words at all: no evidence, the conversation keeps its own.
        ("ok", None),
        ("tak", None),
        ("ja", None),
        ("MFA", None),
        ("Microsoft Authenticator", None),
        ("123 456", None),
        ("https://login.microsoftonline.com", None),
        ("/greet", None),
        ("", None),
    ],
)
def test_detection(message, language):
    assert detect(message) == language


@pytest.mark.parametrize(
    ("message", "named"),
    [
        ("kan du svare på dansk", "da"),
        ("can you answer in Danish?", "da"),
        ("in English please", "en"),
        ("på engelsk tak", "en"),
        ("skift sprog", None),
        ("english or danish?", None),
        # A language the user can't read asks for the other one.
        ("I don't speak danish", "en"),
        ("I do not understand Danish", "en"),
        ("I don’t speak Danish", "en"),  # a phone's apostrophe
        ("jeg taler ikke engelsk", "da"),
        ("jeg forstår ikke engelsk, kan vi tage det på dansk?", "da"),
        ("I don't speak danish, english please", "en"),
        # A question with "not" in it still asks for the language it names.
        ("kan du ikke svare på dansk?", "da"),
        ("why don't you speak danish", "da"),
    ],
)
def test_a_language_asked_for_by_name(message, named):
    assert named_language(message) == named


@pytest.mark.parametrize(
    ("text", "intent", "current", "requested", "switch"),
    [
        ("jeg har mistet min telefon", "faq", "en", None, "da"),
        ("I lost my phone", "faq", "da", None, "en"),
        ("I lost my phone", "faq", "en", None, None),  # already English: no event
        ("ok", "affirm", "da", None, None),  # too short to tell: stays Danish
        ("can you answer in Danish?", "change_language", "en", None, "da"),
        ("I work at Roskilde Universitet", "faq", "en", None, None),
        ("My colleague Søren Kierkegaard Jørgensen said I should ask you", "faq", "en", None, None),
        ("I don't speak danish", "change_language", "en", None, None),  # stays English
        ("I don't speak danish", "change_language", "da", None, "en"),
        ("jeg taler ikke engelsk", "change_language", "en", None, "da"),
        ("Maria Jensen", "inform", "en", "ticket_name", None),  # a name is no language
        ("mit navn er Maria Jensen", "inform", "en", "ticket_summary", "da"),
        ('/greet{"language": "da"}', "greet", "en", None, None),  # the payload's entity decides
    ],
)
def test_when_the_policy_switches(text, intent, current, requested, switch):
    assert language_after(text, intent, current, requested) == switch


@lru_cache(maxsize=1)
def domain() -> Domain:
    return rasa_domain()


@pytest.fixture(scope="module")
def nlg() -> LocalizedNLG:
    return LocalizedNLG(domain=domain())


def say(nlg: LocalizedNLG, response: str, said: UserUttered | None = None, **slots) -> dict:
    events = [ActionExecuted("action_listen"), said or UserUttered("hi")]
    events += [SlotSet(name, value) for name, value in slots.items()]
    tracker = DialogueStateTracker.from_events("someone", events, domain().slots)
    return asyncio.run(nlg.generate(response, tracker, "rest"))


def test_the_language_slot_picks_the_language(nlg):
    assert "I'm RUC's MFA assistant" in say(nlg, "utter_greet")["text"]
    assert "Jeg er RUC's MFA-assistent" in say(nlg, "utter_greet", language="da")["text"]
    assert "I'm RUC's MFA assistant" in say(nlg, "utter_greet", language="xx")["text"]


def test_conditions_choose_the_variant_within_the_language(nlg):
    view = "first_setup.install.android"
    danish = say(nlg, "utter_walkthrough", language="da", walkthrough_view=view)
    english = say(nlg, "utter_walkthrough", walkthrough_view=view)
    assert "Google Play" in english["text"] and "Google Play" in danish["text"]
    assert danish["text"] != english["text"]
    assert [b["payload"] for b in danish["buttons"]] == [b["payload"] for b in english["buttons"]]


def test_a_language_words_content_slots_its_own_way(nlg):
    danish = say(nlg, "utter_out_of_scope", language="da")["text"]
    assert "hverdage kl. 8-16" in danish and "+45 4674 3600" in danish
    assert "8am-4pm on weekdays" in say(nlg, "utter_out_of_scope")["text"]


def test_made_as_rasa_makes_it_before_the_model_then_given_the_responses():
    """rasa run creates the generator from endpoints.yml without a domain, then assigns the
    model's responses to it (rasa.core.agent.Agent.load_model)."""
    from rasa.core.nlg.generator import NaturalLanguageGenerator
    from rasa.utils.endpoints import EndpointConfig

    from bot.processes.endpoints import NLG

    made = NaturalLanguageGenerator.create(EndpointConfig(type=NLG), None)
    assert isinstance(made, LocalizedNLG)
    made.responses = domain().responses
    assert "Jeg er RUC's MFA-assistent" in say(made, "utter_greet", language="da")["text"]
    assert "I'm RUC's MFA assistant" in say(made, "utter_greet")["text"]


AT_STEP_THREE = {
    "walkthrough": "first_setup",
    "walkthrough_step": "start_wizard",
    "walkthrough_status": "active",
    "walkthrough_view": "first_setup.start_wizard",
}
SWITCHED = UserUttered('/change_language{"language": "da"}', intent={"name": "change_language"})
STEP_BUTTONS = {
    "en": ["Done", "I'm stuck", "Back", "Stop"],
    "da": ["Færdig", "Jeg sidder fast", "Tilbage", "Stop"],
}


def titles(*replies: dict) -> list[str]:
    return [button["title"] for reply in replies for button in reply.get("buttons") or []]


def test_the_progress_line_is_in_the_language_of_the_reply(nlg):
    """A walkthrough begun in Danish, then an English question: the way back is all English,
    whatever a slot from before still holds."""
    stale = {**AT_STEP_THREE, "walkthrough_progress": "Trin 3 af 6"}
    back_to_it = say(nlg, "utter_walkthrough_continue", **stale)["text"]
    assert "(Step 3 of 6)" in back_to_it and "Trin" not in back_to_it
    assert say(nlg, "utter_walkthrough", language="da", **stale)["text"].startswith("Trin 3 af 6: ")
    assert say(nlg, "utter_walkthrough", **stale)["text"].startswith("Step 3 of 6: ")


@pytest.mark.parametrize("language", ["en", "da"])
def test_after_a_switch_in_a_walkthrough_the_language_buttons_come_after_done(nlg, language):
    slots = {**AT_STEP_THREE, "language": language}
    confirmation = say(nlg, "utter_language_changed", said=SWITCHED, **slots)
    step = say(nlg, "utter_walkthrough", said=SWITCHED, **slots)
    assert titles(confirmation, step) == [*STEP_BUTTONS[language], "Dansk", "English"]
    # Any other step, and a switch outside a walkthrough, are as the responses say.
    assert titles(say(nlg, "utter_walkthrough", **slots)) == STEP_BUTTONS[language]
    alone = say(nlg, "utter_language_changed", said=SWITCHED, language=language)
    assert titles(alone) == ["Dansk", "English"]


@pytest.mark.parametrize(
    ("message", "wanted"),
    [("hvorfor er det på engelsk nu?", "da"), ("why is this in danish?", "en")],
)
def test_asking_why_it_is_in_a_language_asks_for_the_other(message, wanted):
    assert named_language(message) == wanted


@pytest.mark.parametrize("language", ["en", "da"])
def test_the_same_answer_twice_in_a_row_says_so_and_offers_a_person(nlg, language):
    first = say(nlg, "utter_faq/code_rejected", language=language)
    events = [
        ActionExecuted("action_listen"),
        UserUttered("my code is rejected"),
        SlotSet("language", language),
        BotUttered(first["text"]),
        ActionExecuted("action_listen"),
        UserUttered("where do I change that"),
    ]
    tracker = DialogueStateTracker.from_events("someone", events, domain().slots)
    again = asyncio.run(nlg.generate("utter_faq/code_rejected", tracker, "rest"))
    assert again["text"].endswith(first["text"]) and again["text"] != first["text"]
    assert "+45 4674 3600" in again["text"].removesuffix(first["text"])
    payloads = [button["payload"] for button in again["buttons"]]
    # The ticket after the answer's own buttons, then "Did this help?" as under every answer.
    assert payloads[-3:] == [
        "/request_ticket",
        *(feedback.payload("helpful", v) for v in ("yes", "no")),
    ]
    # Said once, or a different answer: as it is.
    assert say(nlg, "utter_faq/code_rejected", language=language) == first
