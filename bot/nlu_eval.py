"""Score a trained model on held-out paraphrases by the answer the user would get.

A FAQ message counts as right only if both the intent (faq) and the ResponseSelector's pick
(faq/<topic>) are right, and a message the FallbackClassifier rejects counts as wrong: what
matters is the answer, not the intent label. Each message also counts for the language of the
reply it would get as the first message of a conversation (bot/language_policy.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.language_policy import language_after
from bot.locales import DEFAULT_LANGUAGE

ParseFn = Callable[[str], Awaitable[Mapping[str, Any]]]


def answer_key(parse_data: Mapping[str, Any]) -> str:
    """'faq/<topic>' for FAQ answers, the intent name otherwise (incl. 'nlu_fallback')."""
    intent = (parse_data.get("intent") or {}).get("name") or "nlu_fallback"
    if intent == "faq":
        # As Rasa's utter_faq reads it: the selector trained for faq, else the one trained
        # for all retrieval intents (a ResponseSelector without `retrieval_intent`).
        selectors = parse_data.get("response_selector") or {}
        selected = selectors.get("faq") or selectors.get("default") or {}
        return (selected.get("response") or {}).get("intent_response_key") or "faq"
    return intent


@dataclass
class Miss:
    text: str
    expected: str
    got: str


def reply_language(text: str, parse_data: Mapping[str, Any]) -> str:
    """The language a new conversation answers this first message in."""
    intent = (parse_data.get("intent") or {}).get("name")
    return language_after(text, intent, DEFAULT_LANGUAGE, None) or DEFAULT_LANGUAGE


@dataclass
class Report:
    total: int = 0
    right: int = 0
    per_topic: dict[str, tuple[int, int]] = field(default_factory=dict)
    misses: list[Miss] = field(default_factory=list)
    language_right: int = 0
    language_misses: list[Miss] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 0.0

    @property
    def language_accuracy(self) -> float:
        return self.language_right / self.total if self.total else 0.0

    def summary(self) -> str:
        lines = [f"held-out accuracy: {self.right}/{self.total} = {self.accuracy:.1%}"]
        lines += [f"  {miss.expected:<28} <- {miss.got:<28} {miss.text!r}" for miss in self.misses]
        lines.append(
            f"reply in the question's language: {self.language_right}/{self.total} "
            f"= {self.language_accuracy:.1%}"
        )
        lines += [f"  {miss.expected} <- {miss.got} {miss.text!r}" for miss in self.language_misses]
        return "\n".join(lines)


def load_heldout(path: Path) -> dict[str, list[str]]:
    return yaml.safe_load(path.read_text())


async def score(
    parse: ParseFn, heldout: Mapping[str, list[str]], language: str = DEFAULT_LANGUAGE
) -> Report:
    report = Report()
    for expected, messages in heldout.items():
        right = 0
        for text in messages:
            parse_data = await parse(text)
            replied_in = reply_language(text, parse_data)
            if replied_in == language:
                report.language_right += 1
            else:
                report.language_misses.append(Miss(text, language, replied_in))
            got = answer_key(parse_data)
            if got == expected:
                right += 1
            else:
                report.misses.append(Miss(text, expected, got))
        report.per_topic[expected] = (right, len(messages))
        report.total += len(messages)
        report.right += right
    return report
