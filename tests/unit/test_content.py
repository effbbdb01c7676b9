"""Content rules: one source for every fact, every answer from the sourced content."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.content import content_slots
from bot.fallback import answer_response as fallback_answer_response
from bot.locales import DEFAULT_LANGUAGE, load_locale
from bot.processes.training import training_files
from bot.settings import PROJECT_ROOT, Settings

COVERAGE = yaml.safe_load((PROJECT_ROOT / "tests" / "content_coverage.yml").read_text())
HELDOUT = yaml.safe_load((PROJECT_ROOT / "tests" / "nlu" / "heldout_en.yml").read_text())
PLACEHOLDER = re.compile(r"(?<!\{)\{([a-z_0-9]+)\}(?!\})")
URL = re.compile(r"https?://[^\s)\"'*]+")
PHONE = re.compile(r"\+\d{2}[\d ]{6,}")
# Every entry of the coverage table that names a topic: page paragraphs, facts.md, facts-more.md.
ANSWERED = [
    entry
    for entry in COVERAGE["page"] + COVERAGE["facts"] + COVERAGE["facts_more"]
    if "topic" in entry
]


def response_strings(domain: dict[str, Any]):
    """(response name, string) for every text, button title/payload and metadata value."""
    for name, variants in domain["responses"].items():
        for variant in variants:
            yield name, variant.get("text", "")
            for button in variant.get("buttons", []):
                yield name, button["title"]
                yield name, button["payload"]
            for value in (variant.get("metadata") or {}).values():
                yield name, str(value)


def faq_topics() -> set[str]:
    topics = set()
    for path in training_files():
        if path.suffix == ".yml" and "nlu" in path.parts:
            for block in yaml.safe_load(path.read_text()).get("nlu", []):
                if block.get("intent", "").startswith("faq/"):
                    topics.add(block["intent"])
    return topics


# Topics answered by a response that is not the fallback's topic response: the help menu (the
# page's FAQ tab), and reports of misuse, answered by the urgent variant of the ticket offer.
SPECIAL_ANSWERS = {
    "help": ("utter_help", None),
    "report_compromise": ("utter_handoff_offer", "compromised"),
}


def rendered(
    domain: dict[str, Any],
    response: str,
    reason: str | None = None,
    language: str = DEFAULT_LANGUAGE,
) -> str:
    """The response's text with content slots filled; ``reason`` picks a handoff_reason variant.

    English comes from data/responses/, another language from its locale (with its slot wording).
    """
    slots = content_slots()
    variants = domain["responses"][response]
    if language != DEFAULT_LANGUAGE:
        locale = load_locale(language)
        slots = {**slots, **locale.slot_values}
        variants = locale.responses[response]
    if reason is None:
        text = variants[0]["text"]
    else:
        [text] = [
            v["text"]
            for v in variants
            if {"type": "slot", "name": "handoff_reason", "value": reason} in v.get("condition", [])
        ]
    return PLACEHOLDER.sub(lambda m: slots.get(m.group(1), m.group(0)), text)


def answer_response(topic: str) -> tuple[str, str | None]:
    """The response (and variant) that answers a topic of the coverage table."""
    return SPECIAL_ANSWERS.get(topic, (fallback_answer_response(topic), None))


def test_every_placeholder_is_a_slot(domain):
    for name, text in response_strings(domain):
        for placeholder in PLACEHOLDER.findall(text):
            assert placeholder in domain["slots"], f"{name} uses unknown {{{placeholder}}}"


def test_links_and_phone_numbers_are_written_once_as_slots(domain):
    for name, text in response_strings(domain):
        assert not URL.search(text), f"{name} writes a link literally; use a slot"
        assert not PHONE.search(text), f"{name} writes a phone number literally; use a slot"


def test_every_link_and_number_comes_from_the_sourced_content(shared_content: Path):
    source = (shared_content / "facts.md").read_text() + (
        shared_content / "ruc-mfa-page.txt"
    ).read_text()
    for name, value in content_slots().items():
        if URL.match(value) or PHONE.match(value):
            assert value in source, f"slot {name}={value} is not in the sourced content"


def test_servicedesk_hours_text_matches_the_default_calendar():
    hours = Settings().service_hours
    text = content_slots()["servicedesk_hours"]
    start, end = re.match(r"(\d+)am-(\d+)pm on weekdays", text).groups()
    assert (int(start), int(end) + 12) == (hours.opens.hour, hours.closes.hour)
    assert hours.weekdays == frozenset(range(5))


def test_every_faq_topic_has_an_answer_a_title_held_out_messages_and_a_test_story(domain):
    stories = (PROJECT_ROOT / "tests" / "stories" / "test_faq.yml").read_text()
    for topic in sorted(faq_topics()):
        response = domain["responses"].get(f"utter_{topic}")
        assert response, f"{topic} has no response"
        assert response[0].get("metadata", {}).get("topic_title"), f"{topic} has no title"
        assert len(HELDOUT.get(topic, [])) >= 5, f"{topic} has fewer than 5 held-out messages"
        assert f"intent: {topic}\n" in stories, f"{topic} has no test story"


def test_held_out_keys_are_known_intents(domain):
    known = set(domain["intents"]) | faq_topics()
    assert set(HELDOUT) <= known


def training_examples() -> set[str]:
    """Every NLU training example, lower-cased: what held-out and test messages must not be."""
    training = set()
    for path in training_files():
        if "nlu" in path.parts:
            for block in yaml.safe_load(path.read_text()).get("nlu", []):
                for line in block.get("examples", "").splitlines():
                    training.add(line.lstrip("- ").strip().lower())
    return training


def test_held_out_messages_are_not_in_the_training_data():
    training = training_examples()
    leaked = [m for msgs in HELDOUT.values() for m in msgs if m.strip().lower() in training]
    assert not leaked, f"held-out messages copied into training data: {leaked}"


def page_paragraphs(shared_content: Path) -> list[str]:
    text = (shared_content / "ruc-mfa-page.txt").read_text()
    return [line.strip() for line in text.splitlines() if line.strip()]


def facts_sections(shared_content: Path, name: str = "facts.md") -> list[str]:
    text = (shared_content / name).read_text()
    return [line[3:].strip() for line in text.splitlines() if line.startswith("## ")]


def test_coverage_table_covers_every_page_paragraph(shared_content: Path):
    covered = [entry["paragraph"] for entry in COVERAGE["page"]]
    for paragraph in page_paragraphs(shared_content):
        assert any(paragraph.startswith(start) for start in covered), f"uncovered: {paragraph}"


@pytest.mark.parametrize(
    ("table", "source"), [("facts", "facts.md"), ("facts_more", "facts-more.md")]
)
def test_coverage_table_covers_every_facts_section(shared_content: Path, table, source):
    covered = {entry["section"] for entry in COVERAGE[table]}
    sections = facts_sections(shared_content, source)
    assert sections, f"no sections found in {source}"
    assert sorted(set(sections) - covered) == [], f"{source} sections missing from {table}"
    assert sorted(covered - set(sections)) == [], f"{table} names sections {source} lacks"


@pytest.mark.parametrize(
    "entry",
    ANSWERED,
    ids=lambda e: e.get("paragraph", e.get("section"))[:40],
)
def test_each_answer_holds_the_facts_it_must(domain, entry):
    response, reason = answer_response(entry["topic"])
    text = rendered(domain, response, reason, entry.get("language", DEFAULT_LANGUAGE))
    for fact in entry["expect"]:
        if fact == "The servicedesk is":  # computed per turn; checked end to end
            continue
        assert fact in text, f"{entry['topic']} lacks {fact!r}"
    for phrase in entry.get("avoid", []):
        assert phrase not in text, f"{entry['topic']} must not say {phrase!r}"


def test_no_text_promises_a_temporary_access_pass(domain):
    """facts.md: the servicedesk "helps you set up a new method"; a TAP is RUC's setting."""
    promise = re.compile(
        r"\b(give|get|issue|giver?|få|får|udsteder)s? (you |dig )?(a |an |et |en )?"
        r"(Temporary Access Pass|TAP)\b",
        re.I,
    )
    texts = [(name, text) for name, text in response_strings(domain)]
    texts += [(f"da:{name}", text) for name, text in response_strings(danish_domain())]
    for name, text in texts:
        assert not promise.search(text), f"{name} promises a Temporary Access Pass"


# --- Danish screen labels (facts-more.md, "Danish screen labels seen on Microsoft's Danish pages")
# Where an English text names a screen or button (buttons in bold), the Danish text uses
# Microsoft's Danish label.
DANISH_LABELS = {
    "**Sign in another way**": "**Log på en anden måde**",
    "**Work or school account**": "**Arbejds- eller skolekonto**",
    "**Scan QR code**": "**Scan QR-kode**",
    "security info page": "Sikkerhedsoplysninger",
}
# Spellings this project once used for labels that Microsoft's Danish pages don't show.
FORMER_UNSOURCED_LABELS = ("Tilføj login-metode", "Tilføj loginmetode", "midlertidigt adgangspas")


def danish_domain() -> dict[str, Any]:
    return {"responses": dict(load_locale("da").responses)}


def unsourced_danish_labels(shared_content: Path) -> list[str]:
    """The labels facts-more.md says no Microsoft Danish source shows ("don't quote them")."""
    text = (shared_content / "facts-more.md").read_text()
    start = text.index("Not found in any Microsoft Danish source")
    bullet = text[start:].split("\n- ", 1)[0]
    return [" ".join(label.split()) for label in re.findall(r'"([^"]+)"', bullet)]


def test_danish_texts_use_microsofts_danish_screen_labels(domain):
    danish = load_locale("da").responses
    for name, variants in domain["responses"].items():
        for number, (english, own) in enumerate(zip(variants, danish[name], strict=True)):
            for label, dansk in DANISH_LABELS.items():
                if label in english.get("text", ""):
                    assert dansk in own["text"], f"{name} variant {number}: say {dansk!r}"


def test_danish_texts_never_quote_labels_microsoft_does_not_use(shared_content: Path):
    labels = unsourced_danish_labels(shared_content)
    assert "Tilføj logonmetode" in labels
    for name, text in response_strings(danish_domain()):
        for label in (*labels, *FORMER_UNSOURCED_LABELS):
            assert label.lower() not in text.lower(), f"da {name} quotes {label!r}"


def test_answers_are_short(domain):
    for name, text in response_strings(domain):
        assert len(text) <= 700, f"{name} is {len(text)} characters; keep answers short"


@pytest.mark.parametrize("response", ["utter_servicedesk_contact"])
def test_servicedesk_texts_never_show_an_unknown_opening_status(domain, response):
    from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator

    nlg = TemplatedNaturalLanguageGenerator(domain["responses"])
    slots = dict(content_slots(), hours_status=None)
    text = nlg.generate_from_slots(response, slots, "rest")["text"]
    assert "None" not in text and "{" not in text
    assert "+45 4674 3600" in text
    slots["hours_status"] = "The servicedesk is open now, until 16:00."
    assert slots["hours_status"] in nlg.generate_from_slots(response, slots, "rest")["text"]
