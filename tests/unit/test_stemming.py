"""Word forms of both languages meet at one stem, so one example counts for every form."""

from __future__ import annotations

from bot.stemming import stem, stemmed


def test_english_and_danish_word_forms_share_a_stem():
    assert stem("notifications") == stem("notification")
    assert stem("Approved") == stem("approving")
    assert stem("telefonen") == stem("telefoner") == stem("telefon")
    assert stem("koden") == stem("koder")


def test_a_text_becomes_its_words_stems_without_punctuation():
    assert stemmed("Mistet telefonen, no notifications!") == " ".join(
        [stem("mistet"), "telefon", "no", stem("notification")]
    )
    assert stemmed("Notifications!") == stemmed("notification")
