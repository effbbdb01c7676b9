"""Rasa's whitespace tokenizer, with each word's stem as its lemma, for English and Danish.

Real people ask with other word forms than our training examples ("notifications" for
"notification", "telefonen" for "telefon", "approving" for "approved"). The word-count
featurizer reads a token's lemma when there is one (its `use_lemma`, on by default), so a stem
there lets one training example count for every form of its words. One model serves both
languages, and a message's language is often unclear from a few words, so every word goes
through the Danish and then the English Snowball stemmer (snowballstemmer: pure Python, its
rules ship in the package): each strips only its own language's endings, and a word reaches
the same stem whichever form it came in. The character n-gram featurizer keeps reading the
words as typed (`use_lemma: false` in config.yml), so typos still match.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import snowballstemmer
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message

_DANISH = snowballstemmer.stemmer("danish")
_ENGLISH = snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """One stem for an English or Danish word: 'telefonen' -> 'telefon', 'phones' -> 'phon'."""
    return _ENGLISH.stemWord(_DANISH.stemWord(word.lower()))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class StemmingWhitespaceTokenizer(WhitespaceTokenizer):
    """WhitespaceTokenizer whose tokens carry their stem as lemma."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return WhitespaceTokenizer.get_default_config()

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        tokens = super().tokenize(message, attribute)
        for token in tokens:
            token.lemma = stem(token.text)
        return tokens
