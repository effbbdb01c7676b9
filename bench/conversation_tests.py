"""Multi-turn conversations as people type them (tests/conversations/*.yml), played against the
running assistant over HTTP and scored turn by turn.

A conversation is a list of turns; each turn is typed text (``user``) or a pressed button
(``button``: its title in the last reply, sent as the button's payload, as the widget does),
with what the reply must do (``expect``). A turn is *wasted* when the user got nothing for it:
the reply missed an expectation (a wrong answer), was the "not sure" fallback where an answer
was expected, or repeated a reply already given in the conversation (a loop). The share of
wasted turns is the figure issue-level targets speak of, in tests and in docs/benchmarks.md.

Both the pytest suite (tests/conversations/test_conversations.py) and the benchmark use this
module, so the figure in the report is the one the tests assert.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.language_detection import detect
from bot.settings import PROJECT_ROOT

CONVERSATIONS_DIR = PROJECT_ROOT / "tests" / "conversations"
REFERENCE = re.compile(r"\bMFA-\d{6}\b")
# The clarification that says "I'm not sure", in each language (data/responses/fallback.yml,
# locales/da).
FALLBACK_OPENINGS = ("Sorry, I'm not sure I understood", "Undskyld, jeg er ikke sikker på")
EXPECTATION_KEYS = frozenset(
    {"says", "says_any", "not_says", "buttons", "not_buttons", "language", "reference",
     "fallback_ok", "repeat_ok"}
)  # fmt: skip

Say = Callable[[str, str], list[dict[str, Any]]]


@dataclass(frozen=True)
class Turn:
    """One user turn: typed text or a button title, and what its reply must do."""

    user: str | None
    button: str | None
    expect: dict[str, Any]


@dataclass(frozen=True)
class Conversation:
    name: str
    language: str
    covers: str  # the issue item or help-page problem this conversation is about
    turns: tuple[Turn, ...]
    ticket: str | None = None  # "created" or "none": what the tickets database must hold after
    source: str | None = None  # the help page that describes the problem, if any
    # Why this conversation still fails, if it does: counted in the wasted share all the same,
    # but not a failed test on its own (tests/conversations/test_conversations.py).
    known_gap: str | None = None

    @property
    def id(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")[:80]


@dataclass
class TurnResult:
    said: str
    reply: str
    buttons: list[str]
    problems: list[str] = field(default_factory=list)
    fallback: bool = False
    repeated: bool = False

    @property
    def wasted(self) -> bool:
        return bool(self.problems) or self.fallback or self.repeated


@dataclass
class ConversationResult:
    conversation: Conversation
    turns: list[TurnResult]
    problems: list[str]  # conversation-level: tickets lost or sent unasked

    @property
    def wasted_turns(self) -> int:
        return sum(turn.wasted for turn in self.turns)

    @property
    def passed(self) -> bool:
        return not self.problems and not any(turn.wasted for turn in self.turns)

    def explain(self) -> str:
        lines = [f"{self.conversation.name} ({self.conversation.covers})"]
        for number, turn in enumerate(self.turns, 1):
            mark = "WASTED" if turn.wasted else "ok"
            lines.append(f"  {number}. [{mark}] user: {turn.said}")
            lines.append(f"     bot: {turn.reply[:300]!r} buttons={turn.buttons}")
            for problem in turn.problems:
                lines.append(f"     - {problem}")
            if turn.fallback:
                lines.append("     - the 'not sure' fallback")
            if turn.repeated:
                lines.append("     - the same reply as earlier in the conversation")
        lines.extend(f"  conversation: {problem}" for problem in self.problems)
        return "\n".join(lines)


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(item) for item in value] if isinstance(value, list) else [str(value)]


def _turn(raw: dict[str, Any], where: str) -> Turn:
    if ("user" in raw) == ("button" in raw):
        raise ValueError(f"{where}: a turn has exactly one of 'user' or 'button'")
    expect = raw.get("expect") or {}
    unknown = set(expect) - EXPECTATION_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown expectation {sorted(unknown)}")
    said = raw.get("user", raw.get("button"))
    if not isinstance(said, str):
        # YAML reads an unquoted yes/no/on/off as a boolean: the user typed a word, not True.
        raise ValueError(f"{where}: quote the turn {said!r}: people type text")
    return Turn(
        user=str(said) if "user" in raw else None,
        button=str(said) if "button" in raw else None,
        expect=expect,
    )


def load_conversations(directory: Path = CONVERSATIONS_DIR) -> list[Conversation]:
    """Every conversation in ``directory``'s YAML files, checked for shape."""
    conversations = []
    for path in sorted(directory.glob("*.yml")):
        for number, raw in enumerate(yaml.safe_load(path.read_text())["conversations"], 1):
            where = f"{path.name} #{number}"
            conversations.append(
                Conversation(
                    name=raw["name"],
                    language=raw["language"],
                    covers=str(raw["covers"]),
                    turns=tuple(_turn(t, where) for t in raw["turns"]),
                    ticket=raw.get("ticket"),
                    source=raw.get("source"),
                    known_gap=raw.get("known_gap"),
                )
            )
    return conversations


def _texts(replies: list[dict[str, Any]]) -> str:
    return "\n".join(reply.get("text") or "" for reply in replies)


def _titles(replies: list[dict[str, Any]]) -> list[str]:
    return [button["title"] for reply in replies for button in reply.get("buttons") or []]


def _payload_for(title: str, replies: list[dict[str, Any]]) -> str | None:
    for reply in replies:
        for button in reply.get("buttons") or []:
            if button["title"].casefold() == title.casefold():
                return button["payload"]
    return None


def _contains(text: str, words: str) -> bool:
    return words.casefold() in text.casefold()


def check_reply(expect: dict[str, Any], reply: str, buttons: list[str]) -> list[str]:
    """What the reply failed to do, in words (empty when it did everything expected)."""
    problems = [
        f"should say {s!r}" for s in _as_list(expect.get("says")) if not _contains(reply, s)
    ]
    any_of = _as_list(expect.get("says_any"))
    if any_of and not any(_contains(reply, s) for s in any_of):
        problems.append(f"should say one of {any_of}")
    problems += [
        f"should not say {s!r}" for s in _as_list(expect.get("not_says")) if _contains(reply, s)
    ]
    folded = [title.casefold() for title in buttons]
    problems += [
        f"should offer the button {b!r}"
        for b in _as_list(expect.get("buttons"))
        if b.casefold() not in folded
    ]
    problems += [
        f"should not offer the button {b!r}"
        for b in _as_list(expect.get("not_buttons"))
        if b.casefold() in folded
    ]
    language = expect.get("language")
    if language and detect(REFERENCE.sub(" ", reply)) not in (language, None):
        problems.append(f"should answer in {language!r}")
    if expect.get("reference") is True and not REFERENCE.search(reply):
        problems.append("should give the ticket's reference")
    if expect.get("reference") is False and REFERENCE.search(reply):
        problems.append("should not give a ticket reference")
    return problems


def is_fallback(reply: str) -> bool:
    return any(reply.lstrip().startswith(opening) for opening in FALLBACK_OPENINGS)


def play(
    conversation: Conversation,
    say: Say,
    sender: str,
    tickets_of: Callable[[str], list[str]] | None = None,
) -> ConversationResult:
    """Play ``conversation`` as ``sender``; ``tickets_of`` lists the references stored for a
    sender (the conversation-level check that no ticket is lost or sent unasked)."""
    results: list[TurnResult] = []
    previous: list[dict[str, Any]] = []
    seen: set[str] = set()
    for turn in conversation.turns:
        message = turn.user
        problems: list[str] = []
        if turn.button is not None:
            message = _payload_for(turn.button, previous)
            if message is None:
                problems.append(f"no button {turn.button!r} to press")
                message = turn.button  # typed instead, as a user would
        replies = say(sender, message or "")
        reply, buttons = _texts(replies), _titles(replies)
        problems += check_reply(turn.expect, reply, buttons)
        result = TurnResult(turn.user or f"[{turn.button}]", reply, buttons, problems)
        result.fallback = is_fallback(reply) and not turn.expect.get("fallback_ok")
        result.repeated = bool(reply.strip()) and reply in seen and not turn.expect.get("repeat_ok")
        if not reply.strip() and not replies:
            result.problems.append("no reply at all")
        seen.add(reply)
        results.append(result)
        previous = replies
    return ConversationResult(
        conversation, results, _ticket_problems(conversation, results, sender, tickets_of)
    )


def _ticket_problems(
    conversation: Conversation,
    turns: list[TurnResult],
    sender: str,
    tickets_of: Callable[[str], list[str]] | None,
) -> list[str]:
    if tickets_of is None:
        return []
    stored = tickets_of(sender)
    told = {ref for turn in turns for ref in REFERENCE.findall(turn.reply)}
    problems = [f"told the user {ref}, but no such ticket is stored" for ref in told - set(stored)]
    if conversation.ticket == "created" and not stored:
        problems.append("a ticket should have been created")
    if conversation.ticket == "none" and stored:
        problems.append(f"no ticket was asked for, but {stored} was stored")
    return problems


@dataclass(frozen=True)
class WastedShare:
    turns: int
    wasted: int
    conversations: int
    passed: int
    lost_tickets: int

    @property
    def share(self) -> float:
        return self.wasted / self.turns if self.turns else 0.0


def summarise(results: list[ConversationResult]) -> WastedShare:
    return WastedShare(
        turns=sum(len(r.turns) for r in results),
        wasted=sum(r.wasted_turns for r in results),
        conversations=len(results),
        passed=sum(r.passed for r in results),
        lost_tickets=sum(
            1
            for r in results
            for p in r.problems
            if "no such ticket" in p or "should have been" in p
        ),
    )


# What a wasted turn is counted under in docs/benchmarks.md: one cause per turn, so the causes
# add up to the wasted turns. The fallback first (nothing was understood), then a repeated
# reply (a loop), else a missed expectation (a wrong answer, or no reply at all).
WASTE_CAUSES = ("fallback", "repeat", "wrong answer")


def waste_cause(turn: TurnResult) -> str | None:
    """The cause ``turn`` is counted under (one of WASTE_CAUSES), or None if it was not wasted."""
    if turn.fallback:
        return "fallback"
    if turn.repeated:
        return "repeat"
    if turn.problems:
        return "wrong answer"
    return None


@dataclass(frozen=True)
class WastedBreakdown:
    """The wasted-turn figures of a set of played conversations, overall and split three ways."""

    overall: WastedShare
    by_language: dict[str, WastedShare]  # language -> its conversations' figures, sorted
    by_cause: dict[str, int]  # each of WASTE_CAUSES -> wasted turns counted under it
    by_covers: dict[str, WastedShare]  # "item 1" .. "item 11" in order, then the rest sorted


def _covers_order(covers: str) -> tuple[int, int, str]:
    item = re.fullmatch(r"item (\d+)", covers.strip())
    return (0, int(item.group(1)), "") if item else (1, 0, covers)


def break_down(results: list[ConversationResult]) -> WastedBreakdown:
    """Summarise ``results`` overall, per language, per cause and per ``covers`` (pure)."""

    def grouped(key: Callable[[Conversation], str], order: Callable[[str], Any]) -> dict:
        groups: dict[str, list[ConversationResult]] = {}
        for result in results:
            groups.setdefault(key(result.conversation), []).append(result)
        return {name: summarise(groups[name]) for name in sorted(groups, key=order)}

    causes = dict.fromkeys(WASTE_CAUSES, 0)
    for result in results:
        for turn in result.turns:
            cause = waste_cause(turn)
            if cause is not None:
                causes[cause] += 1
    return WastedBreakdown(
        overall=summarise(results),
        by_language=grouped(lambda c: c.language, str),
        by_cause=causes,
        by_covers=grouped(lambda c: c.covers, _covers_order),
    )
