"""A person's data exported and erased on real SQLite and PostgreSQL databases, by each kind of
key, and through `python -m bot person` as an administrator runs it."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot import db
from bot.console.models import AgentEvent
from bot.privacy.erase import ERASED, Actor, count, erase_person
from bot.privacy.export import export_person
from bot.privacy.lookup import BadKey, find_person, open_stores
from bot.settings import PROJECT_ROOT, Settings
from bot.tickets import store
from tests.integration.privacy_seed import (
    MARKER,
    OTHER_MARKER,
    USERNAME,
    Seeded,
    every_text,
    seed,
)
from tests.integration.test_retention import urls  # noqa: F401  (both backends' databases)

pytest_plugins = ["tests.integration.databases"]

NOW = datetime.now(timezone.utc)
CLI_ACTOR = Actor("cli:test", "cli")


@pytest.fixture
def seeded(urls, tmp_path: Path) -> tuple[str, str, Seeded]:  # noqa: F811
    database_url, tracker_store_url = urls
    settings = Settings(var_dir=tmp_path, tracker_store_url=tracker_store_url)
    return database_url, tracker_store_url, seed(settings, database_url, tracker_store_url, "t")


def test_export_by_username_holds_everything_and_only_that_person(seeded):
    database_url, tracker_store_url, people = seeded
    with open_stores(database_url, tracker_store_url) as stores:
        person = find_person(stores, "Zeb123@RUC.dk", None, "ruc.dk")
        document = export_person(stores, person, NOW)
    text = json.dumps(document)
    assert person.key.kind == "username" and person.senders == [people.sender]
    assert MARKER in text and OTHER_MARKER not in text and people.other_sender not in text
    [conversation] = document["conversations"]
    said = [event.get("text") for event in conversation["events"] if event["event"] == "user"]
    assert said == [f"my phone is gone {MARKER}", f"call me about {MARKER}"]
    # One row per message: the tracker store's own, and the seed's (whichever are there).
    turns = document["insight_turns"]
    assert turns and all(row["sender_id"] == people.sender for row in turns)
    assert f"call me about {MARKER}" in [row["text"] for row in turns]
    marks = [f"call me about {MARKER}"] if has_review_marks(database_url) else []
    assert [row["text"] for row in document["review_marks"]] == marks
    assert len(document["practice_secrets"]) == 1
    assert "secret" not in document["practice_secrets"][0]  # a credential, not information
    tickets = {ticket["reference"]: ticket for ticket in document["tickets"]}
    assert set(tickets) == {people.open_ticket, people.resolved_ticket}
    assert tickets[people.open_ticket]["summary"] == f"Lost phone, {MARKER}"
    assert [e["kind"] for e in tickets[people.open_ticket]["events"]] == ["created", "note"]
    assert tickets[people.open_ticket]["outbox"][0]["channel"] == "email"


def test_each_kind_of_key_finds_the_same_person(seeded):
    database_url, tracker_store_url, people = seeded
    with open_stores(database_url, tracker_store_url) as stores:
        by_sender = find_person(stores, people.sender, None, "ruc.dk")
        by_ticket = find_person(stores, people.open_ticket.lower(), None, "ruc.dk")
        by_name = find_person(stores, USERNAME, "username", "ruc.dk")
        chat = people.other_sender.removeprefix("telegram:")
        by_chat = find_person(stores, chat, "telegram", "ruc.dk")
        nobody = find_person(stores, "nobody-at-all", None, "ruc.dk")
        with pytest.raises(BadKey):
            find_person(stores, "   ", None, "ruc.dk")
        with pytest.raises(BadKey):
            find_person(stores, "not a reference", "ticket", "ruc.dk")
    for person in (by_sender, by_ticket, by_name):
        assert person.senders == [people.sender]
        assert len(person.ticket_ids) == 2
    assert (by_sender.key.kind, by_ticket.key.kind) == ("sender", "ticket")
    assert by_chat.senders == [people.other_sender] and len(by_chat.ticket_ids) == 1
    assert (nobody.senders, nobody.ticket_ids) == ([], [])


def test_erase_leaves_no_trace_keeps_open_tickets_anonymised_and_logs_who(seeded):
    database_url, tracker_store_url, people = seeded
    with open_stores(database_url, tracker_store_url) as stores:
        person = find_person(stores, people.open_ticket, None, "ruc.dk")
        planned = count(stores, person)
        erased = erase_person(stores, person, CLI_ACTOR, datetime.now(timezone.utc))
        again = erase_person(stores, find_person(stores, people.sender, None, "ruc.dk"),
                             CLI_ACTOR, NOW)  # fmt: skip
    assert planned == erased
    assert (erased.conversations, erased.events, erased.practice_secrets) == (1, 4, 1)
    rows = dict(erased.linked_rows)
    assert rows["insight_turns"] >= 1
    assert rows["review_marks"] == (1 if has_review_marks(database_url) else 0)
    assert erased.tickets_deleted == (people.resolved_ticket,)
    assert erased.tickets_anonymised == (people.open_ticket,)
    assert again.nothing

    # No trace in any row of either database; the other person's data is all there.
    stored = every_text(database_url) + every_text(tracker_store_url)
    assert MARKER not in stored and people.sender not in stored
    assert db.conversation_key(people.sender) not in stored
    assert OTHER_MARKER in every_text(tracker_store_url) and OTHER_MARKER in every_text(
        database_url
    )

    engine = db.make_engine(database_url)
    with Session(engine, future=True) as session:
        assert store.get_by_reference(session, people.resolved_ticket) is None
        kept = store.get_by_reference(session, people.open_ticket)
        assert kept.status == "open" and kept.urgent is False
        assert (kept.name, kept.username, kept.phone, kept.summary) == (ERASED,) * 4
        assert kept.transcript_lines == []
        log = [(e.kind, e.actor, e.detail) for e in store.events(session, kept)]
        assert [kind for kind, _, _ in log] == ["created", "note", "anonymised"]
        assert log[1][2] == ERASED and log[2][1] == "cli:test"
        audit = (
            session.execute(sa.select(AgentEvent).where(AgentEvent.kind == "person_erased"))
            .scalars()
            .all()
        )
        other = store.get_by_reference(session, people.other_ticket)
        assert OTHER_MARKER in other.summary
    engine.dispose()
    first = audit[0]
    assert (first.username, first.source, first.agent_id) == ("cli:test", "cli", None)
    assert first.detail.startswith("Erased by ticket: 1 conversation(s) (4 event(s))")
    assert people.open_ticket in first.detail and USERNAME not in first.detail.lower()


def has_review_marks(database_url: str) -> bool:
    """The review queue's table is made by its migration, which may not be there yet."""
    engine = db.make_engine(database_url)
    try:
        return sa.inspect(engine).has_table("review_marks")
    finally:
        engine.dispose()


# --- the command line ------------------------------------------------------------------


def person_command(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    """``python -m bot person ...`` with its standard input piped: no terminal to ask at."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "person", *args],
        cwd=PROJECT_ROOT, env=env, input=stdin, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.fixture
def cli_env(tmp_path: Path) -> tuple[dict[str, str], Seeded]:
    database_url = f"sqlite:///{tmp_path / 'assistant.db'}"
    tracker_store_url = f"sqlite:///{tmp_path / 'trackers.db'}"
    settings = Settings(var_dir=tmp_path, tracker_store_url=tracker_store_url)
    people = seed(settings, database_url, tracker_store_url, uuid.uuid4().hex[:6])
    env = {
        **os.environ,
        "MFA_VAR_DIR": str(tmp_path),
        "MFA_DATABASE_URL": database_url,
        "MFA_TRACKER_STORE_URL": tracker_store_url,
    }
    return env, people


def test_cli_export_refusal_and_erase(cli_env, tmp_path: Path):
    env, people = cli_env
    output = tmp_path / "export.json"
    done = person_command(env, "export", people.sender, "--output", str(output))
    assert done.returncode == 0, done.stderr
    assert MARKER in output.read_text() and MARKER not in done.stdout + done.stderr
    assert stat.S_IMODE(output.stat().st_mode) == 0o600  # the person's data: the owner's only
    printed = person_command(env, "export", people.open_ticket)
    assert json.loads(printed.stdout)["key"] == {"kind": "ticket", "value": people.open_ticket}

    refused = person_command(env, "erase", people.sender, stdin="erase\n")
    assert refused.returncode == 2
    assert "run this at a terminal to confirm, or pass --yes" in refused.stderr
    assert MARKER in every_text(env["MFA_TRACKER_STORE_URL"])  # nothing happened

    done = person_command(env, "erase", USERNAME, "--by", "username", "--yes")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Erased by username: 1 conversation(s) (4 event(s))")
    logs = done.stdout + done.stderr
    assert MARKER not in logs and USERNAME not in logs.replace("by username", "")
    for url in (env["MFA_DATABASE_URL"], env["MFA_TRACKER_STORE_URL"]):
        assert MARKER not in every_text(url)
    again = person_command(env, "erase", people.sender, "--yes")
    assert again.returncode == 0 and again.stdout.startswith("Nothing is stored for that key")


def test_cli_refuses_bad_keys(cli_env):
    env, _ = cli_env
    done = person_command(env, "erase", "MFA-x", "--by", "ticket", "--yes")
    assert done.returncode == 1 and "not a ticket reference" in done.stderr
    done = person_command(env, "export", " ")
    assert done.returncode == 1 and "printable characters" in done.stderr


def test_cli_asks_at_a_terminal_and_erases_only_when_told(cli_env):
    """At a terminal, the counts and a question; anything but "erase" erases nothing."""
    env, people = cli_env
    for answer, erased in (("no\n", False), ("erase\n", True)):
        output = at_a_terminal(env, ["erase", people.sender], answer)
        assert "This would erase by sender: 1 conversation(s) (4 event(s))" in output
        assert ("Erased by sender" in output) is erased
        assert (MARKER in every_text(env["MFA_TRACKER_STORE_URL"])) is not erased


def at_a_terminal(env: dict[str, str], args: list[str], answer: str) -> str:
    """Run ``python -m bot person ...`` on a pseudo-terminal, answer its question, and return
    everything it wrote there."""
    main, terminal = os.openpty()
    command = [sys.executable, "-m", "bot", "person", *args]
    with subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=env, stdin=terminal, stdout=terminal, stderr=terminal
    ) as process:
        os.close(terminal)
        written = b""
        while b"Type 'erase'" not in written:
            written += os.read(main, 4096)
        os.write(main, answer.encode())
        assert process.wait(timeout=120) in (0, 1)
        try:
            while chunk := os.read(main, 4096):
                written += chunk
        except OSError:  # the terminal closed with the process
            pass
    os.close(main)
    return written.decode(errors="replace")
