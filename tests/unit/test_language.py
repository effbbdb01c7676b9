"""Choosing the language: detection from words, the policy's switch, and the NLG's answer."""

from __future__ import annotations

import asyncio

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.language_detection import detect, named_language
from bot.language_policy import language_after
from bot.nlg import LocalizedNLG
from bot.settings import PROJECT_ROOT


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
        ("Maria Jensen", "inform", "en", "ticket_name", None),  # a name is no language
        ("mit navn er Maria Jensen", "inform", "en", "ticket_summary", "da"),
        ('/greet{"language": "da"}', "greet", "en", None, None),  # the payload's entity decides
    ],
)
def test_when_the_policy_switches(text, intent, current, requested, switch):
    assert language_after(text, intent, current, requested) == switch


@pytest.fixture(scope="module")
def nlg() -> LocalizedNLG:
    return LocalizedNLG(domain=Domain.load(str(PROJECT_ROOT / "domain.yml")))


def say(nlg: LocalizedNLG, response: str, **slots) -> dict:
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    events = [ActionExecuted("action_listen"), UserUttered("hi")]
    events += [SlotSet(name, value) for name, value in slots.items()]
    tracker = DialogueStateTracker.from_events("someone", events, domain.slots)
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

    from bot.endpoints import NLG

    made = NaturalLanguageGenerator.create(EndpointConfig(type=NLG), None)
    assert isinstance(made, LocalizedNLG)
    made.responses = Domain.load(str(PROJECT_ROOT / "domain.yml")).responses
    assert "Jeg er RUC's MFA-assistent" in say(made, "utter_greet", language="da")["text"]
    assert "I'm RUC's MFA assistant" in say(made, "utter_greet")["text"]
