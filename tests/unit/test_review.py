"""The review queue's pure parts: the normal form, grouping, example lines, training files."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import yaml

from bot.console.present import local_time
from bot.insights.similarity import group_alike, normal_forms, normalise
from bot.insights.training_export import example_text, file_path, nlu_file

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def test_the_normal_form_drops_case_punctuation_and_spacing() -> None:
    assert normalise("  Lost   my PHONE?!  ") == "lost my phone"
    assert (
        normalise("Hvad gør jeg, når min telefon er væk?") == "hvad gør jeg når min telefon er væk"
    )
    assert normalise("sign-in_page") == "signinpage"
    assert normal_forms(["A!", "", "  ", "a"]) == frozenset({"a"})


def test_near_duplicates_are_one_group_within_a_language() -> None:
    items = [
        ("en", "I lost my phone!!"),
        ("en", "i lost my new phone"),  # 4 of 5 words shared: 0.8
        ("en", "i lost my password"),  # 3 of 5: another question
        ("da", "I lost my phone"),  # the same words in another language's queue
        ("en", "I LOST MY PHONE"),
    ]
    groups = group_alike(items, text=lambda i: i[1], apart=lambda i: i[0])
    assert [[text for _, text in group.items] for group in groups] == [
        ["I lost my phone!!", "i lost my new phone", "I LOST MY PHONE"],
        ["i lost my password"],
        ["I lost my phone"],
    ]


def test_a_group_does_not_drift_through_a_chain_of_small_changes() -> None:
    chain = ["a b c d e", "a b c d e f", "a b c d e f g", "a b c d e f g h"]
    groups = group_alike(chain, text=str)
    # 6/5 -> 5/6 = 0.83 joins; 5/7 = 0.71 and 5/8 do not, though each is close to the one before.
    assert [group.items for group in groups] == [chain[:2], chain[2:]]


def test_example_lines_are_one_printable_line_without_entity_syntax() -> None:
    assert example_text("  how do I\n\tadd   my account ") == "how do I add my account"
    assert example_text("see [this](link)") == "see (this)(link)"
    assert example_text("my code is [code removed]") is None
    assert example_text("/affirm") is None
    assert example_text("\u200b\u0007") is None


def test_training_files_look_like_the_projects_own() -> None:
    text = nlu_file("faq/lost_phone", ["I lost my phone: now what?", "# not a comment"])
    parsed = yaml.safe_load(text)
    assert parsed["version"] == "3.1"
    assert parsed["nlu"] == [
        {
            "intent": "faq/lost_phone",
            "examples": "- I lost my phone: now what?\n- # not a comment\n",
        }
    ]
    assert text.endswith(
        "- intent: faq/lost_phone\n  examples: |\n    - I lost my phone: now what?\n"
        "    - # not a comment\n"
    )
    assert str(file_path("en", "faq/lost_phone")) == "data/nlu/reviewed_faq_lost_phone.yml"
    assert str(file_path("da", "out_of_scope")) == "data/nlu/da/reviewed_out_of_scope.yml"


def test_times_have_one_format_in_the_servicedesks_zone() -> None:
    winter = datetime(2026, 12, 6, 15, 47, 1, tzinfo=timezone.utc)
    expected = (
        '<time datetime="2026-12-06T15:47:01+00:00" title="2026-12-06T15:47:01+00:00">'
        "2026-12-06 16:47</time>"
    )
    assert str(local_time(winter, COPENHAGEN)) == expected
    assert str(local_time("2026-12-06T15:47:01+00:00", COPENHAGEN)) == expected
    assert str(local_time("2026-12-06T15:47:01Z", COPENHAGEN)) == expected
    assert str(local_time("2026-12-06T15:47:01", COPENHAGEN)) == expected  # naive: UTC
    summer = datetime(2026, 7, 1, 10, 0, tzinfo=timezone.utc)
    assert ">2026-07-01 12:00</time>" in str(local_time(summer, COPENHAGEN))
    assert str(local_time("<b>09:15</b>", COPENHAGEN)) == "&lt;b&gt;09:15&lt;/b&gt;"
    assert str(local_time(None, COPENHAGEN)) == str(local_time("", COPENHAGEN)) == ""
