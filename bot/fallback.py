"""Two-stage fallback: offer the likeliest topics first, then a person.

When NLU is unsure, the first miss shows the three topics the model found most likely as
buttons, so the user can pick instead of guessing new words; a second miss in a row (another
unclear message, or "None of these") hands over to the servicedesk rather than looping.

The action only computes slots; rules in data/rules/fallback.yml speak the responses, so every
text stays in data/responses/fallback.yml.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from bot.locales import DEFAULT_LANGUAGE, load_locale

FAQ_INTENT = "faq"
SUGGESTIONS_RESPONSE = "utter_fallback_topics"
SUGGESTION_COUNT = 3
MISS_INTENTS = frozenset({"nlu_fallback", "deny"})
# Ordinary intents worth offering as a topic, with the response that holds their title.
OFFERABLE_INTENTS = {"contact_servicedesk": "utter_servicedesk_contact"}
# Offered when the message gave no ranking at all (e.g. a stale button payload).
DEFAULT_TOPICS = ("faq/first_sign_in", "faq/lost_phone", "contact_servicedesk")


def topic_scores(parse_data: Mapping[str, Any]) -> dict[str, float]:
    """Confidence of each answerable topic: faq/<x> gets P(faq) times P(x | faq)."""
    scores: dict[str, float] = {}
    faq_confidence = 0.0
    for ranked in parse_data.get("intent_ranking") or []:
        name, confidence = ranked.get("name"), float(ranked.get("confidence") or 0.0)
        if name == FAQ_INTENT:
            faq_confidence = confidence
        elif name in OFFERABLE_INTENTS:
            scores[name] = confidence
    selector = (parse_data.get("response_selector") or {}).get(FAQ_INTENT) or {}
    for ranked in selector.get("ranking") or []:
        key = ranked.get("intent_response_key")
        if key:
            scores[key] = faq_confidence * float(ranked.get("confidence") or 0.0)
    return scores


def likeliest_topics(parse_data: Mapping[str, Any], limit: int = SUGGESTION_COUNT) -> list[str]:
    """Topic keys such as 'faq/lost_phone' or 'contact_servicedesk', most likely first.

    Always `limit` topics (padded from DEFAULT_TOPICS), so the suggestion buttons are complete.
    """
    scores = topic_scores(parse_data)
    ranked = sorted(scores, key=lambda topic: -scores[topic])
    for topic in DEFAULT_TOPICS:
        if topic not in ranked:
            ranked.append(topic)
    return ranked[:limit]


def is_second_miss(events: Sequence[Mapping[str, Any]]) -> bool:
    """True when the latest message missed right after we offered the fallback topics."""
    seen_latest_user = False
    for event in reversed(events):
        if event.get("event") == "user":
            if seen_latest_user:
                return False
            intent = (event.get("parse_data") or {}).get("intent") or {}
            if intent.get("name") not in MISS_INTENTS:
                return False
            seen_latest_user = True
        elif seen_latest_user and event.get("event") == "action":
            name = event.get("name")
            if name != "action_listen":
                return name == SUGGESTIONS_RESPONSE
    return False


def answer_response(topic: str) -> str:
    """The response that answers a topic (and carries its button title in its metadata)."""
    return OFFERABLE_INTENTS.get(topic) or f"utter_{topic}"


def topic_payload(topic: str) -> str:
    """The button payload that asks for a topic's answer, whatever kind of topic it is."""
    if topic.startswith(f"{FAQ_INTENT}/"):
        return "/choose_topic" + json.dumps({"topic": topic.split("/", 1)[1]})
    return f"/{topic}"


def topic_titles(domain: Mapping[str, Any], language: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """Button title of every response that declares one as metadata.topic_title.

    The domain's responses are English; another language's come from its locale.
    """
    responses = dict(domain.get("responses") or {})
    if language != DEFAULT_LANGUAGE:
        responses.update(load_locale(language).responses)
    titles: dict[str, str] = {}
    for name, variants in responses.items():
        title = ((variants or [{}])[0].get("metadata") or {}).get("topic_title")
        if title:
            titles[name] = title
    return titles


def suggestion_slots(
    parse_data: Mapping[str, Any], titles: Mapping[str, str], exclude: Collection[str] = ()
) -> dict[str, str]:
    """Slot values for the suggestion buttons: fallback_title_N and fallback_payload_N.

    ``exclude``: topics not to offer (the answer that did not help).
    """
    offerable = [
        topic
        for topic in likeliest_topics(parse_data, limit=99)
        if answer_response(topic) in titles and topic not in exclude
    ]
    slots: dict[str, str] = {}
    for number, topic in enumerate(offerable[:SUGGESTION_COUNT], start=1):
        slots[f"fallback_title_{number}"] = titles[answer_response(topic)]
        slots[f"fallback_payload_{number}"] = topic_payload(topic)
    return slots
