"""When two messages are "the same question": one normal form, and near-duplicates merged.

The review queue groups what people asked so a content owner reads each question once, and the
export compares messages with the held-out test sets and the training data in the same normal
form, so a message that differs from a test sentence only in capitals, punctuation or spacing
is still the test sentence.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")

_PUNCTUATION = re.compile(r"[^\w\s]|_")
_SPACES = re.compile(r"\s+")
# Shared words / all words of two messages at or above which they are one group: "i lost my
# phone" and "i lost my phone!!" are one (1.0), "i lost my new phone" (0.8) too, "i lost my
# password" (0.6) is another question.
NEAR_DUPLICATE = 0.8


def normalise(text: str) -> str:
    """Lower case, punctuation removed, spaces collapsed: "Lost  my phone?!" -> "lost my phone"."""
    return _SPACES.sub(" ", _PUNCTUATION.sub("", text.lower())).strip()


@dataclass
class Group(Generic[T]):
    """Items said alike, in the order given (newest first when given newest first)."""

    key: Hashable
    words: frozenset[str]
    items: list[T] = field(default_factory=list)


def group_alike(
    items: Sequence[T],
    text: Callable[[T], str],
    apart: Callable[[T], Hashable] = lambda _item: None,
    threshold: float = NEAR_DUPLICATE,
) -> list[Group[T]]:
    """Group ``items`` by normalised text, merging near-duplicates, within each ``apart`` key
    (the language: a Danish and an English question are never one group).

    A group keeps the words of its first item and later items are compared with those only,
    so a chain of small differences cannot drift into another question. Candidate groups are
    found through the words they share (an inverted index), so the work grows with the
    number of items, not with items times groups. Groups come in order of their first item.
    """
    groups: list[Group[T]] = []
    exact: dict[tuple[Hashable, str], Group[T]] = {}
    index: dict[tuple[Hashable, str], list[int]] = {}
    for item in items:
        side, normal = apart(item), normalise(text(item))
        found = exact.get((side, normal))
        if found is None:
            words = frozenset(normal.split())
            found = _nearest(groups, index, side, words, threshold)
            if found is None:
                found = Group(key=(side, normal), words=words)
                for word in words:
                    index.setdefault((side, word), []).append(len(groups))
                groups.append(found)
            exact[(side, normal)] = found
        found.items.append(item)
    return groups


def _nearest(
    groups: list[Group[T]],
    index: dict[tuple[Hashable, str], list[int]],
    side: Hashable,
    words: frozenset[str],
    threshold: float,
) -> Group[T] | None:
    shared = Counter(number for word in words for number in index.get((side, word), ()))
    best, best_score = None, threshold
    for number, common in shared.items():
        other = groups[number].words
        score = common / (len(words) + len(other) - common)
        if score >= best_score and (best is None or score > best_score or number < best):
            best, best_score = number, score
    return groups[best] if best is not None else None


def normal_forms(texts: Iterable[str]) -> frozenset[str]:
    """The normal forms of ``texts`` (empty ones left out), for "is this one of them?"."""
    return frozenset(filter(None, (normalise(text) for text in texts)))
