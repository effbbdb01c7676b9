"""The review queue on real SQLite and PostgreSQL: which messages are queued, how they are
grouped and ordered, marking, the counts, and the export as training data that Rasa accepts."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import db
from bot.insights import review, training_export
from bot.insights.marks import NEW_TOPIC, OUT_OF_SCOPE, TOPIC, ReviewMark
from bot.insights.tables import CLARIFIED, FEEDBACK, SERVICEDESK
from tests.integration.review_seed import (
    T0,
    first_heldout_question,
    first_training_example,
    seed,
    turn,
    validate_with_project_data,
)
from tests.integration.test_retention import urls  # noqa: F401  (both backends' databases)

pytest_plugins = ["tests.integration.databases"]

PRINT_NEW = "where can i print my thesis on campus?"
PRINT_OLD = "Where can I print my thesis on campus"
PRICE_DA = "hvad koster det at printe i farver"
NUMBER = "my authenticator keeps asking me for a number"
WATCH = "can I use my smartwatch for the sign in thing"
LOST_NEW = "i lost my phone yesterday evening"
LOST_OLD = "I lost my phone yesterday evening!!"


def messages() -> list[dict]:
    """Queued: unsure, low confidence, rephrased, the question behind a "No". Not queued:
    buttons, confident answers, feedback itself, a "No" whose question is gone."""
    return [
        turn("s1", 1, LOST_OLD, outcome=CLARIFIED),
        turn("s2", 2, LOST_NEW, confidence=0.3),
        turn("s3", 3, PRINT_OLD, outcome=SERVICEDESK, intent="nlu_fallback"),
        turn("s4", 4, "/affirm", outcome=CLARIFIED, typed=False),  # a button
        turn("s5", 5, "what is mfa", topic="faq/what_is_mfa", confidence=0.95),
        turn("s6", 6, WATCH, topic="faq/computer_or_watch"),
        turn("s6", 7, "which methods are there", topic="faq/methods"),
        turn("s6", 8, "no", outcome=FEEDBACK, helpful=False, topic="faq/computer_or_watch"),
        turn("s7", 9, NUMBER, rephrased=True),
        turn("s8", 10, PRICE_DA, outcome=CLARIFIED, language="da"),
        turn("s9", 11, "yes", outcome=FEEDBACK, helpful=True, topic="faq/what_is_mfa"),
        turn("s10", 12, PRINT_NEW, outcome=CLARIFIED),
        turn("s11", 13, "nope", outcome=FEEDBACK, helpful=False, topic="faq/cost"),
        turn("s12", 14, "not sure what you mean", outcome=FEEDBACK, confidence=0.2),
    ]


@pytest.fixture
def stores(urls):  # noqa: F811
    """(tracker engine, sessions on the assistant's migrated database)."""
    database_url, tracker_store_url = urls
    db.upgrade(database_url)
    assistant, tracker = db.make_engine(database_url), db.make_engine(tracker_store_url)
    yield tracker, lambda: Session(assistant, future=True)
    assistant.dispose()
    tracker.dispose()


def texts(groups: list[review.QueueGroup]) -> list[list[str]]:
    return [[m.text for m in group.messages] for group in groups]


def test_an_empty_tracker_database_has_an_empty_queue(stores) -> None:
    tracker, sessions = stores
    with sessions() as session:
        assert review.build_queue(tracker, session) == []
        assert review.queue_counts(tracker, session) == (0, 0)


def test_the_queue_groups_missed_questions_newest_first(stores) -> None:
    tracker, sessions = stores
    seed(tracker, messages())
    with sessions() as session:
        groups = review.build_queue(tracker, session)
        assert texts(groups) == [
            [PRINT_NEW, PRINT_OLD],
            [PRICE_DA],
            [NUMBER],
            [WATCH],  # the question behind the "No", not the "no"
            [LOST_NEW, LOST_OLD],
        ]
        first = groups[0]
        assert (first.count, first.language, first.newest) == (2, "en", T0.replace(minute=12))
        assert first.examples == [PRINT_NEW, PRINT_OLD]
        assert first.reasons == [(review.UNSURE, 2)]
        assert dict(groups[2].reasons) == {review.REPHRASED: 1}
        assert dict(groups[3].reasons) == {review.NOT_HELPFUL: 1}
        assert dict(groups[4].reasons) == {review.UNSURE: 1, review.LOW: 1}
        assert review.queue_counts(tracker, session) == (7, 0)
        newest_two = review.queued_messages(tracker, session, limit=2)
        assert [m.text for m in newest_two] == [PRINT_NEW, PRICE_DA]


def test_marks_take_groups_out_of_the_queue(stores) -> None:
    tracker, sessions = stores
    seed(tracker, messages())
    with sessions() as session:
        printing, _, _, watch, lost = review.build_queue(tracker, session)
        marked = review.mark(tracker, session, printing.turn_ids, OUT_OF_SCOPE, "", "", "olga", T0)
        assert marked == 2
        # However many of the newest are marked, the limit still finds unmarked ones.
        assert [m.text for m in review.queued_messages(tracker, session, limit=2)] == [
            PRICE_DA,
            NUMBER,
        ]
        review.mark(tracker, session, lost.turn_ids, TOPIC, "faq/lost_phone", "", "olga", T0)
        review.mark(tracker, session, watch.turn_ids, NEW_TOPIC, "", "smartwatches", "piet", T0)
        # Marked again (two tabs): the first decision stands.
        assert review.mark(tracker, session, printing.turn_ids, TOPIC, "faq/cost", "", "x", T0) == 0
        assert texts(review.build_queue(tracker, session)) == [[PRICE_DA], [NUMBER]]
        assert review.queue_counts(tracker, session) == (2, 5)
        rows = session.execute(select(ReviewMark).order_by(ReviewMark.turn_id)).scalars().all()
        assert [(r.sender_id, r.text, r.kind, r.topic, r.note, r.marked_by) for r in rows] == [
            ("s1", LOST_OLD, TOPIC, "faq/lost_phone", None, "olga"),
            ("s2", LOST_NEW, TOPIC, "faq/lost_phone", None, "olga"),
            ("s3", PRINT_OLD, OUT_OF_SCOPE, None, None, "olga"),
            ("s6", WATCH, NEW_TOPIC, None, "smartwatches", "piet"),
            ("s10", PRINT_NEW, OUT_OF_SCOPE, None, None, "olga"),
        ]
        assert {r.marked_at for r in rows} == {T0}


@pytest.mark.parametrize(
    ("kind", "topic", "note", "why"),
    [
        ("delete", "", "", "Unknown mark"),
        (TOPIC, "faq/nonsense", "", "Choose one of"),
        (TOPIC, "", "", "Choose one of"),
        (NEW_TOPIC, "", "", "note"),
        (NEW_TOPIC, "", "x" * 501, "longer than 500"),
    ],
)
def test_bad_marks_are_refused(stores, kind, topic, note, why) -> None:
    tracker, sessions = stores
    ids = seed(tracker, messages())
    with sessions() as session:
        with pytest.raises(review.BadMark, match=why):
            review.mark(tracker, session, [ids[PRINT_NEW]], kind, topic, note, "olga", T0)
        assert review.queue_counts(tracker, session) == (7, 0)


def test_export_leaves_out_held_out_and_known_examples_and_rasa_accepts_it(
    urls,  # noqa: F811
    stores,
    tmp_path: Path,
) -> None:
    tracker, sessions = stores
    heldout, trained = first_heldout_question(), first_training_example()
    new_en = "my cellphone went into the harbour and the approvals are gone with it"
    assert training_export.example_text(new_en) == new_en
    rows = [
        *messages(),
        turn("h1", 20, heldout.upper() + "?", outcome=CLARIFIED),  # the same after normalising
        turn("h2", 21, trained, outcome=CLARIFIED),
        turn("h3", 22, new_en, outcome=CLARIFIED),
        turn("h4", 23, "min kode er [password removed]", outcome=CLARIFIED, language="da"),
    ]
    ids = seed(tracker, rows)
    with sessions() as session:

        def mark(text: str, kind: str, topic: str = "", note: str = "") -> None:
            assert review.mark(tracker, session, [ids[text]], kind, topic, note, "olga", T0) == 1

        mark(heldout.upper() + "?", TOPIC, "faq/what_is_mfa")
        mark(trained, TOPIC, "faq/lost_phone")
        mark(new_en, TOPIC, "faq/lost_phone")
        mark(LOST_NEW, TOPIC, "faq/lost_phone")
        mark(PRICE_DA, OUT_OF_SCOPE)
        mark(PRINT_NEW, OUT_OF_SCOPE)
        mark(WATCH, NEW_TOPIC, note="smartwatches")
        mark("min kode er [password removed]", TOPIC, "share_secret")
        built = training_export.export_marks(session)

    assert sorted(map(str, built.files)) == [
        "data/nlu/da/reviewed_out_of_scope.yml",
        "data/nlu/reviewed_faq_lost_phone.yml",
        "data/nlu/reviewed_out_of_scope.yml",
        "new_topics.md",
    ]
    lost = yaml.safe_load(built.files[training_export.file_path("en", "faq/lost_phone")])
    assert lost["nlu"] == [{"intent": "faq/lost_phone", "examples": f"- {new_en}\n- {LOST_NEW}\n"}]
    everything = "\n".join(built.files.values()).lower()
    assert heldout.lower() not in everything and "removed" not in everything
    assert PRICE_DA in built.files[training_export.file_path("da", "out_of_scope")]
    notes = built.files[training_export.NOTES]
    assert "## smartwatches" in notes and WATCH in notes
    assert built.left_out == {
        "held out for testing": 1,
        "already training data": 1,
        "not an example": 1,
    }
    archive = zipfile.ZipFile(BytesIO(training_export.zip_bytes(built)))
    assert sorted(archive.namelist()) == sorted(map(str, built.files))

    if urls[0].startswith("sqlite"):  # the files do not depend on the backend: checked once
        export_dir = tmp_path / "export"
        done = subprocess.run(
            [sys.executable, "-m", "bot", "review", "export", str(export_dir)],
            env={**os.environ, "MFA_DATABASE_URL": urls[0]},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert "4 examples in 4 files; 1 left out (already training data)" in done.stdout
        written = sorted(
            str(p.relative_to(export_dir)) for p in export_dir.rglob("*") if p.is_file()
        )
        assert written == sorted(map(str, built.files))
        work = tmp_path / "project"
        work.mkdir()
        validate_with_project_data(export_dir, work)


def test_export_refuses_without_the_held_out_sets(stores, tmp_path: Path) -> None:
    with pytest.raises(training_export.HeldOutMissing):
        training_export.held_out(tmp_path)
