"""Word forms of both languages meet at one stem, and the tokenizer hands it to the featurizer."""

from __future__ import annotations

from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.rasa_ext.stemming_tokenizer import StemmingWhitespaceTokenizer, stem


def test_english_and_danish_word_forms_share_a_stem():
    assert stem("notifications") == stem("notification")
    assert stem("Approved") == stem("approving")
    assert stem("telefonen") == stem("telefoner") == stem("telefon")
    assert stem("koden") == stem("koder")


def test_tokens_keep_their_text_and_carry_the_stem_as_lemma():
    tokenizer = StemmingWhitespaceTokenizer(StemmingWhitespaceTokenizer.get_default_config())
    tokens = tokenizer.tokenize(Message(data={TEXT: "Mistet telefonen, no notifications"}), TEXT)
    assert [t.text for t in tokens] == ["Mistet", "telefonen", "no", "notifications"]
    assert [t.lemma for t in tokens] == [stem("mistet"), "telefon", "no", stem("notification")]
