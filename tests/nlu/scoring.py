"""Score a trained model on held-out paraphrases by the answer the user would get.

A FAQ message counts as right only if both the intent (faq) and the answer picked
(faq/<topic>) are right, and a message the FallbackClassifier rejects counts as wrong: what
matters is the answer, not the intent label. Each message also counts for the language of the
reply it would get as the first message of a conversation (bot/rasa_ext/language_policy.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.locales import DEFAULT_LANGUAGE
from bot.rasa_ext.language_policy import language_after

ParseFn = Callable[[str], Awaitable[Mapping[str, Any]]]


# Intents whose reply is another's: asking for a ticket or for a person both start the handoff
# (the ticket without "shall I?"), so either is the right answer to the other.
SAME_REPLY = {"request_ticket": "request_person"}


def answer_key(parse_data: Mapping[str, Any]) -> str:
    """'faq/<topic>' for FAQ answers, the intent name otherwise (incl. 'nlu_fallback')."""
    intent = (parse_data.get("intent") or {}).get("name") or "nlu_fallback"
    intent = SAME_REPLY.get(intent, intent)
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


# --- Real questions: scored three ways ---------------------------------------------------
#
# A user who gets a wrong answer has been misled; one who gets "not sure, did you mean..." or
# the servicedesk has been told the truth. So every real question is scored by what the reply
# does for the user: the right answer, an honest one, or a confident answer to something else.

RIGHT, HONEST, WRONG = "right", "honest", "wrong"
OUTCOMES = (RIGHT, HONEST, WRONG)
# Replies that answer nothing wrongly: the likeliest topics as buttons (the fallback), "that's
# outside what I cover" with the servicedesk, the servicedesk itself, a person, the menu.
# faq/password_change says "I can't, RUC hasn't published how; the servicedesk can": the honest
# answer to the password questions labelled out_of_scope.
HONEST_ANSWERS = frozenset(
    {"nlu_fallback", "out_of_scope", "contact_servicedesk", "request_person", "request_ticket",
     "help", "faq/password_change"}
)  # fmt: skip
TEST, DEV = "test", "dev"


def outcome(got: str, expected: tuple[str, ...]) -> str:
    """RIGHT if the reply is one of the expected answers, HONEST if it claims none, else WRONG."""
    if got in expected:
        return RIGHT
    return HONEST if got in HONEST_ANSWERS else WRONG


@dataclass(frozen=True)
class RealQuestion:
    """A question a real person asked, word for word, with where it was found."""

    text: str
    answers: tuple[str, ...]  # the first is the answer key; any of them is right
    url: str
    split: str
    language: str
    translated_from: str | None = None


def load_real_questions(path: Path, split: str | None = None) -> list[RealQuestion]:
    """The questions of a corpus file (tests/nlu/real/*.yml), of one split or all."""
    document = yaml.safe_load(path.read_text()) or {}
    questions = []
    for source in document.get("sources") or []:
        if split and source["split"] != split:
            continue
        for item in source["questions"]:
            questions.append(
                RealQuestion(
                    text=item["text"],
                    answers=(item["answer"], *item.get("also", [])),
                    url=source["url"],
                    split=source["split"],
                    language=source["language"],
                    translated_from=item.get("translated_from"),
                )
            )
    return questions


@dataclass
class ThreeWayReport:
    """How many questions got the right, an honest or a wrong reply, and which went wrong."""

    name: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    misses: list[tuple[str, Miss]] = field(default_factory=list)
    language_right: int = 0
    # Honest replies whose suggested topics (the buttons) hold a right answer: one click away.
    one_click: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def share(self, kind: str) -> float:
        return self.counts[kind] / self.total if self.total else 0.0

    def add(self, question: RealQuestion, got: str, replied_in: str) -> None:
        kind = outcome(got, question.answers)
        self.counts[kind] += 1
        self.language_right += replied_in == question.language
        if kind != RIGHT:
            self.misses.append((kind, Miss(question.text, question.answers[0], got)))

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            **self.counts,
            **{f"{kind}_share": self.share(kind) for kind in OUTCOMES},
            "language_right": self.language_right,
            "one_click": self.one_click,
            "one_click_share": self.one_click / self.total if self.total else 0.0,
        }

    def summary(self) -> str:
        shares = ", ".join(
            f"{kind} {self.counts[kind]} ({self.share(kind):.1%})" for kind in OUTCOMES
        )
        lines = [f"{self.name}: {self.total} questions: {shares}"]
        lines.append(f"  replied in the question's language: {self.language_right}/{self.total}")
        lines.append(f"  honest, with a right answer among the buttons: {self.one_click}")
        for kind in (WRONG, HONEST):
            lines += [
                f"  {kind:<6} {miss.expected:<28} <- {miss.got:<28} {miss.text!r}"
                for k, miss in self.misses
                if k == kind
            ]
        return "\n".join(lines)


AnswerFn = Callable[[str], Awaitable[tuple[str, str]]]


# Intents whose first-message reply is the fallback's likeliest topics, by rule: a change to a
# ticket when there is no ticket (data/rules/handoff.yml).
FIRST_MESSAGE_CLARIFIED = frozenset({"ticket_change"})


def model_answers(parse: ParseFn) -> AnswerFn:
    """(answer key, reply language) of a trained model for a conversation's first message."""

    async def answer(text: str) -> tuple[str, str]:
        parse_data = await parse(text)
        key = answer_key(parse_data)
        if key in FIRST_MESSAGE_CLARIFIED:
            key = "nlu_fallback"
        return key, reply_language(text, parse_data)

    return answer


SuggestFn = Callable[[str], Awaitable[list[str]]]


def model_suggestions(parse: ParseFn) -> SuggestFn:
    """The topics a clarification offers as buttons (bot/fallback.py), for the same message."""
    from bot.fallback import likeliest_topics

    async def suggest(text: str) -> list[str]:
        return likeliest_topics(await parse(text))

    return suggest


async def score_real(
    answer: AnswerFn,
    questions: list[RealQuestion],
    name: str,
    suggestions: SuggestFn | None = None,
) -> ThreeWayReport:
    """Each question as the first message of a conversation, scored three ways; with
    `suggestions`, a clarification whose buttons hold a right answer is counted as one click
    away (still honest, not right: the person has to pick it)."""
    report = ThreeWayReport(name)
    for question in questions:
        got, replied_in = await answer(question.text)
        report.add(question, got, replied_in)
        if suggestions and got == "nlu_fallback":
            offered = await suggestions(question.text)
            report.one_click += any(topic in question.answers for topic in offered)
    return report
