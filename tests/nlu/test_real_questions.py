"""Real people's questions, copied word for word from public help pages and forums, scored by
what the first reply does for them: the right answer, an honest one, or a wrong one.

tests/nlu/real/ holds the corpus (README.md there says how it was collected). Each source page
is wholly in `dev` (studied to improve the assistant) or wholly in `test` (only scored here:
never read to write training examples). Danish is measured on real Danish questions and,
reported apart, on Danish translations of real English test questions.
"""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bench.keyword_search import KeywordSearch
from bot.settings import PROJECT_ROOT
from tests.nlu.scoring import (
    DEV,
    HONEST,
    RIGHT,
    TEST,
    WRONG,
    RealQuestion,
    ThreeWayReport,
    load_real_questions,
    model_answers,
    model_suggestions,
    outcome,
    score_real,
)

REAL_DIR = PROJECT_ROOT / "tests" / "nlu" / "real"
CORPORA = {
    "en": REAL_DIR / "en.yml",
    "da": REAL_DIR / "da.yml",
    "da-translated": REAL_DIR / "da_translated.yml",
}
# Floors on the test split, some points under what the assistant reaches today (2026-12-07,
# after the second and third collections and the examples written from their dev pages: en
# right 65.3% / wrong 7.7% of 545, da 50.0% / 13.9% of 36, translated 69.7% / 5.8%), so a
# change that makes real people's answers worse fails. The real Danish set grew from 27 to 36
# questions with MitID/NemID and app-password pages, where 3 of the 5 wrong answers lie. The
# targets (right >= 90%, wrong <= 5%) are reported in docs/benchmarks.md beside today's figures.
FLOORS = {
    "en": {RIGHT: 0.61, WRONG: 0.10},
    "da": {RIGHT: 0.44, WRONG: 0.17},
    "da-translated": {RIGHT: 0.65, WRONG: 0.08},
}


def corpus(name: str, split: str | None = None) -> list[RealQuestion]:
    return load_real_questions(CORPORA[name], split)


def all_questions() -> list[RealQuestion]:
    return [q for name in CORPORA for q in corpus(name)]


# --- the corpus itself ---------------------------------------------------------------------


def test_the_corpus_is_large_enough():
    english = corpus("en")
    assert len(english) >= 250
    danish_test = corpus("da", TEST) + corpus("da-translated", TEST)
    assert len(danish_test) >= 150
    for name in CORPORA:
        assert (corpus(name, TEST) and corpus(name, DEV)) or name == "da-translated", name


def test_every_page_is_on_one_side_only():
    sides: dict[str, set[str]] = {}
    for question in all_questions():
        if question.translated_from is None:
            sides.setdefault(question.url, set()).add(question.split)
    assert {url: s for url, s in sides.items() if len(s) > 1} == {}
    for question in all_questions():
        assert question.split in (DEV, TEST), question


def test_a_pages_side_is_decided_by_its_address():
    """dev when the SHA-1 of the address is odd: a new page's side is known before it is read."""
    for question in all_questions():
        if question.translated_from is None:
            odd = int(hashlib.sha1(question.url.encode()).hexdigest(), 16) % 2 == 1
            assert question.split == (DEV if odd else TEST), question.url


def test_no_question_comes_from_a_kept_aside_source(shared_content: Path):
    kept_aside = shared_content.parent / "kept-aside-sources.txt"
    entries = [
        line.strip()
        for line in kept_aside.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    hosts = {e for e in entries if "/" not in e}
    pages = {e for e in entries if "/" in e}
    for question in all_questions():
        host = urlsplit(question.url).hostname or ""
        assert host not in hosts and question.url not in pages, question.url
        assert not any(host.endswith("." + h) for h in hosts), question.url


def test_labels_are_answers_the_assistant_has(domain):
    from tests.unit.test_content import faq_topics

    known = set(domain["intents"]) | faq_topics()
    for question in all_questions():
        assert set(question.answers) <= known, (question.text, question.answers)


def test_translations_come_from_real_english_test_questions():
    english = {q.text for q in corpus("en", TEST)}
    for question in corpus("da-translated"):
        assert question.translated_from in english, question.text
        assert question.split == TEST


def test_no_test_question_is_in_the_training_data():
    from tests.unit.test_content import training_examples

    training = training_examples()
    tested = [q for name in CORPORA for q in corpus(name, TEST)]
    leaked = [q.text for q in tested if q.text.strip().lower() in training]
    assert not leaked, f"test questions copied into training data: {leaked}"


# --- the scoring ---------------------------------------------------------------------------


def test_outcomes_are_right_honest_or_wrong():
    assert outcome("faq/lost_phone", ("faq/lost_phone",)) == RIGHT
    assert outcome("faq/new_phone", ("faq/lost_phone", "faq/new_phone")) == RIGHT
    assert outcome("nlu_fallback", ("faq/lost_phone",)) == HONEST
    assert outcome("contact_servicedesk", ("faq/lost_phone",)) == HONEST
    assert outcome("out_of_scope", ("faq/lost_phone",)) == HONEST
    assert outcome("faq/why_mfa", ("faq/lost_phone",)) == WRONG
    assert outcome("affirm", ("out_of_scope",)) == WRONG


def test_keyword_search_answers_from_the_page(shared_content: Path):
    search = KeywordSearch.over_ruc_page(shared_content)
    assert search.answer_key("I lost my phone, I need a new device") == "faq/lost_phone"
    assert search.answer_key("xyzzy") == "nlu_fallback"


# --- the model on the test split -----------------------------------------------------------


@pytest.fixture(scope="module")
def agent(trained_model: Path):
    from rasa.core.agent import Agent

    return Agent.load(str(trained_model))


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CORPORA))
def test_real_questions_get_right_or_honest_answers(agent, name, shared_content: Path):
    questions = corpus(name, TEST)
    report = asyncio.run(
        score_real(
            model_answers(agent.parse_message),
            questions,
            name,
            model_suggestions(agent.parse_message),
        )
    )
    baseline = asyncio.run(
        score_real(KeywordSearch.over_ruc_page(shared_content).answer, questions, "keyword search")
    )
    text = report.summary() + "\n\nbaseline, " + baseline.summary().splitlines()[0]
    artifacts = PROJECT_ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / f"real_questions_{name}.txt").write_text(text + "\n")
    print(text)
    floors = FLOORS[name]
    assert report.share(RIGHT) >= floors[RIGHT], text
    assert report.share(WRONG) <= floors[WRONG], text
    assert report.share(RIGHT) > baseline.share(RIGHT), text


def test_a_clarification_offering_the_right_topic_is_one_click_away():
    questions = [
        RealQuestion("lost it", ("faq/lost_phone",), "https://example.org", TEST, "en"),
        RealQuestion("new one", ("faq/new_phone",), "https://example.org", TEST, "en"),
    ]

    async def clarify(text: str) -> tuple[str, str]:
        return "nlu_fallback", "en"

    async def offer(text: str) -> list[str]:
        return ["faq/lost_phone", "faq/app_backup", "contact_servicedesk"]

    report = asyncio.run(score_real(clarify, questions, "x", offer))
    assert report.counts[HONEST] == 2 and report.one_click == 1
    assert report.as_dict()["one_click_share"] == 0.5


def test_report_counts_add_up():
    report = ThreeWayReport("x")
    question = RealQuestion("q", ("faq/lost_phone",), "https://example.org", TEST, "en")
    report.add(question, "faq/lost_phone", "en")
    report.add(question, "nlu_fallback", "da")
    report.add(question, "greet", "en")
    assert (report.total, report.share(RIGHT), report.language_right) == (3, 1 / 3, 2)
    assert [kind for kind, _ in report.misses] == [HONEST, WRONG]


# Real questions the project owner published from the set kept aside, with what went wrong
# before: a wrong answer here is a security failure (the first) or a dead end (the others).
PUBLISHED_EXAMPLES = [
    (
        "I keep getting Authenticator requests on my phone but I'm not logging in",
        "report_compromise",
    ),
    ("What if I change my phone?", "faq/new_phone"),
    ("My phone number or email has changed", "faq/phone_number"),
    (
        "Why is the Microsoft Authentication app asking me for a two-digit code?",
        "faq/approve_sign_in",
    ),
    ("May I configure an email address for MFA verification?", "faq/email_method"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("text", "expected"), PUBLISHED_EXAMPLES)
def test_published_real_questions_get_their_answer_or_an_honest_one(agent, text, expected):
    got, _ = asyncio.run(model_answers(agent.parse_message)(text))
    assert outcome(got, (expected,)) != WRONG, got
    if expected == "report_compromise":  # a security emergency must never be a guess
        assert got == expected
