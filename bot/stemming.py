"""One stem for every form of an English or Danish word.

Real people ask with other word forms than our training examples ("notifications" for
"notification", "telefonen" for "telefon", "approving" for "approved"). The classifiers count
stems instead of words (bot/rasa_ext/second_opinion.py), so one training example counts for
every form of its words. One model serves both languages, and a message's language is often
unclear from a few words, so every word goes through the Danish and then the English Snowball
stemmer (snowballstemmer: pure Python, its rules ship in the package): each strips only its own
language's endings, and a word reaches the same stem whichever form it came in.
"""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer

_DANISH = snowballstemmer.stemmer("danish")
_ENGLISH = snowballstemmer.stemmer("english")
_WORD = re.compile(r"\w+")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """One stem for an English or Danish word: 'telefonen' -> 'telefon', 'phones' -> 'phon'."""
    return _ENGLISH.stemWord(_DANISH.stemWord(word.lower()))


def stemmed(text: str) -> str:
    """The text as word stems, so 'notifications' and 'notification' count as one word."""
    return " ".join(stem(word) for word in _WORD.findall(text.lower()))
