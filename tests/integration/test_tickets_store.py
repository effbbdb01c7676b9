"""The ticket store against real databases: a SQLite file and a throwaway PostgreSQL database.

Both run the real migrations. The race tests matter most: Rasa re-runs actions and the action
server has several threads, and a user must never get two tickets (or the servicedesk two
mails) for one request.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from alembic import command
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import db
from bot.tickets import store
from bot.tickets.models import OutboxMessage, Ticket, TicketEvent
from bot.tickets.store import TicketDraft, TicketStateError

# The database fixtures (database_url, engine, postgres_url), shared with the practice store.
pytest_plugins = ["tests.integration.databases"]

T0 = datetime(2026, 3, 2, 9, 15, 0, tzinfo=timezone.utc)
# Looks like a real sender id (a Telegram user id, an e-mail): it must never reach a table.
CONVERSATION = "telegram:424242:jens.hansen@ruc.dk"
OTHER = "web:5f1c9b2e"
KEY = f"{CONVERSATION}:handover:1"  # what a careless caller might pass
TRANSCRIPT = [
    {"who": "user", "text": "I lost my phone and can't log in"},
    {"who": "bot", "text": "The servicedesk can help. What is your name?"},
]
DRAFT = TicketDraft(
    conversation_id=CONVERSATION,
    channel="telegram",
    name="Mette Frederiksen",
    username="mefr@ruc.dk",
    phone="+45 11 22 33 44",
    summary="Lost phone; Authenticator gone.",
    contact_preference="call",
    urgent=True,
    transcript=TRANSCRIPT,
)


def new_session(engine: Engine) -> Session:
    return Session(engine, future=True)


def count(engine: Engine, model: type) -> int:
    with new_session(engine) as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def create(engine: Engine, draft: TicketDraft = DRAFT, key: str = KEY, **kw) -> Ticket:
    with new_session(engine) as session:
        ticket, created = store.create_ticket(
            session, draft, key, kw.get("now", T0), kw.get("channels", ["email", "webhook"])
        )
        assert created
        session.expunge(ticket)
        return ticket


def test_ticket_tables_are_migrated(database_url: str, engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert {"tickets", "ticket_events", "outbox", "practice_secrets"} <= tables
    # Back to 0001 removes exactly the ticket tables; forward again restores them.
    command.downgrade(db.alembic_config(database_url), "0001")
    assert set(inspect(engine).get_table_names()) == {"practice_secrets", "alembic_version"}
    db.upgrade(database_url)
    assert {"tickets", "ticket_events", "outbox"} <= set(inspect(engine).get_table_names())


def test_create_ticket(engine: Engine) -> None:
    with new_session(engine) as session:
        ticket, created = store.create_ticket(session, DRAFT, KEY, T0, ["email", "webhook"])
        assert created
        assert ticket.reference == f"MFA-{ticket.id:06d}"
        assert store.get_by_reference(session, ticket.reference.lower()) is ticket

    with new_session(engine) as session:
        ticket = store.get_by_reference(session, ticket.reference)
        assert (ticket.name, ticket.username, ticket.phone) == (
            "Mette Frederiksen",
            "mefr@ruc.dk",
            "+45 11 22 33 44",
        )
        assert (ticket.status, ticket.urgent, ticket.identity_verified) == ("open", True, False)
        assert ticket.contact_preference == "call"
        assert ticket.channel == "telegram"
        assert json.loads(ticket.transcript) == TRANSCRIPT
        assert ticket.created_at == ticket.updated_at == T0
        assert ticket.created_at.tzinfo is not None
        assert ticket.claimed_by is None and ticket.resolved_at is None

        events = store.events(session, ticket)
        assert [(e.kind, e.actor, e.at) for e in events] == [("created", "assistant", T0)]

        messages = session.execute(select(OutboxMessage).order_by(OutboxMessage.channel)).scalars()
        assert [
            (m.ticket_id, m.channel, m.status, m.attempts, m.next_attempt_at, m.sent_at)
            for m in messages
        ] == [
            (ticket.id, "email", "pending", 0, T0, None),
            (ticket.id, "webhook", "pending", 0, T0, None),
        ]


def test_without_channels_the_ticket_still_exists(engine: Engine) -> None:
    ticket = create(engine, channels=[])
    assert count(engine, OutboxMessage) == 0
    with new_session(engine) as session:
        assert store.get_by_reference(session, ticket.reference) is not None
        assert "console only" in store.events(session, ticket)[0].detail


def test_one_message_per_channel(engine: Engine) -> None:
    create(engine, channels=["email", "email"])
    assert count(engine, OutboxMessage) == 1
    with new_session(engine) as session:
        ticket_id = session.execute(select(Ticket.id)).scalar_one()
        session.add(
            OutboxMessage(
                ticket_id=ticket_id, channel="email", status="pending", attempts=0,
                next_attempt_at=T0, created_at=T0,
            )
        )  # fmt: skip
        with pytest.raises(IntegrityError):
            session.commit()


def test_same_idempotency_key_returns_the_same_ticket(engine: Engine) -> None:
    first = create(engine)
    with new_session(engine) as session:
        later = T0 + timedelta(seconds=3)
        again, created = store.create_ticket(
            session, replace(DRAFT, summary="retried"), KEY, later, ["email"]
        )
        assert not created
        assert again.id == first.id
        assert again.summary == DRAFT.summary, "the first request is the ticket"
    assert (count(engine, Ticket), count(engine, TicketEvent), count(engine, OutboxMessage)) == (
        1,
        1,
        2,
    )
    assert create(engine, key=KEY + "-2").id != first.id


def test_two_sessions_racing_make_one_ticket(engine: Engine, monkeypatch) -> None:
    """Session B looks, finds nothing, and session A commits the same key before B inserts."""
    real_lookup = store._by_idempotency_key
    winner: list[Ticket] = []

    def look_then_lose_the_race(session: Session, key: str) -> Ticket | None:
        found = real_lookup(session, key)
        if found is None and not winner:
            monkeypatch.setattr(store, "_by_idempotency_key", real_lookup)
            winner.append(create(engine))  # session A wins while B is between look and insert
        return found

    monkeypatch.setattr(store, "_by_idempotency_key", look_then_lose_the_race)
    with new_session(engine) as session_b:
        ticket, created = store.create_ticket(session_b, DRAFT, KEY, T0, ["email", "webhook"])
        assert not created
        assert ticket.id == winner[0].id
    assert (count(engine, Ticket), count(engine, TicketEvent), count(engine, OutboxMessage)) == (
        1,
        1,
        2,
    )


def test_threads_racing_make_one_ticket(engine: Engine) -> None:
    """The real thing: several threads, one key, released at once."""
    threads = 6
    barrier = threading.Barrier(threads)
    results: list[tuple[int, bool]] = []
    errors: list[BaseException] = []

    def attempt() -> None:
        try:
            with new_session(engine) as session:
                barrier.wait()
                ticket, created = store.create_ticket(session, DRAFT, KEY, T0, ["email"])
                results.append((ticket.id, created))
        except BaseException as error:
            errors.append(error)

    workers = [threading.Thread(target=attempt) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert errors == []
    assert len({ticket_id for ticket_id, _ in results}) == 1
    assert sorted(created for _, created in results) == [False] * (threads - 1) + [True]
    assert (count(engine, Ticket), count(engine, OutboxMessage)) == (1, 1)


def test_tickets_for_conversation(engine: Engine) -> None:
    first = create(engine, key="a")
    theirs = create(engine, replace(DRAFT, conversation_id=OTHER), key="b")
    second = create(engine, key="c", now=T0 + timedelta(hours=1))
    with new_session(engine) as session:
        mine = store.tickets_for_conversation(session, CONVERSATION)
        assert [t.id for t in mine] == [second.id, first.id], "newest first"
        assert [t.id for t in store.tickets_for_conversation(session, OTHER)] == [theirs.id]
        assert store.tickets_for_conversation(session, "web:nobody") == []


def test_raw_conversation_id_is_never_stored(engine: Engine) -> None:
    create(engine)
    with engine.connect() as connection:
        values = [
            str(value)
            for table in ("tickets", "ticket_events", "outbox")
            for row in connection.execute(text(f"SELECT * FROM {table}"))
            for value in row
        ]
    for fragment in (CONVERSATION, "424242", "jens.hansen", "telegram:"):
        assert not any(fragment in value for value in values), fragment
    assert hashlib.sha256(CONVERSATION.encode()).hexdigest() in values


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"contact_preference": "email"}, "contact_preference"),
        ({"name": "  "}, "name"),
        ({"summary": ""}, "summary"),
        ({"phone": "1" * 41}, "phone"),
        ({"name": "x" * 201}, "name"),
    ],
)
def test_bad_drafts_are_refused_on_both_backends(engine: Engine, change, message) -> None:
    with new_session(engine) as session, pytest.raises(ValueError, match=message):
        store.create_ticket(session, replace(DRAFT, **change), KEY, T0, ["email"])
    with new_session(engine) as session, pytest.raises(ValueError, match="channels"):
        store.create_ticket(session, DRAFT, KEY, T0, ["sms"])
    with new_session(engine) as session, pytest.raises(ValueError, match="idempotency"):
        store.create_ticket(session, DRAFT, "", T0, ["email"])
    assert count(engine, Ticket) == 0


def test_agent_steps_write_the_audit_log(engine: Engine) -> None:
    reference = create(engine).reference
    step = timedelta(minutes=1)
    with new_session(engine) as session:
        ticket = store.get_by_reference(session, reference)
        store.record_view(session, ticket, "anna", T0 + step)
        store.claim(session, ticket, "anna", T0 + 2 * step)
        store.add_note(session, ticket, "anna", "  Called, no answer.  ", T0 + 3 * step)
        store.claim(session, ticket, "bo", T0 + 4 * step)
        store.resolve(session, ticket, "bo", True, "New authenticator registered.", T0 + 5 * step)

    with new_session(engine) as session:
        ticket = store.get_by_reference(session, reference)
        assert (ticket.status, ticket.claimed_by, ticket.identity_verified) == (
            "resolved",
            "bo",
            True,
        )
        assert ticket.resolved_at == ticket.updated_at == T0 + 5 * step
        log = [(e.kind, e.actor, e.at, e.detail) for e in store.events(session, ticket)]
    assert [entry[:3] for entry in log] == [
        ("created", "assistant", T0),
        ("viewed", "agent:anna", T0 + step),
        ("claimed", "agent:anna", T0 + 2 * step),
        ("note", "agent:anna", T0 + 3 * step),
        ("claimed", "agent:bo", T0 + 4 * step),
        ("resolved", "agent:bo", T0 + 5 * step),
    ]
    assert log[3][3] == "Called, no answer."
    assert log[4][3] == "Taken over from anna."
    assert "photo ID: yes" in log[5][3] and "New authenticator registered." in log[5][3]


def test_resolving_needs_an_explicit_identity_answer(engine: Engine) -> None:
    ticket = create(engine)
    with new_session(engine) as session:
        ticket = store.get_by_reference(session, ticket.reference)
        for unclear in (None, "yes", 1):
            with pytest.raises(TypeError, match="identity_verified"):
                store.resolve(session, ticket, "anna", unclear, "", T0)  # type: ignore[arg-type]
        store.resolve(session, ticket, "anna", False, "", T0)
        assert (ticket.status, ticket.identity_verified, ticket.claimed_by) == (
            "resolved",
            False,
            "anna",
        )
        assert "photo ID: NO" in store.events(session, ticket)[-1].detail
        with pytest.raises(TicketStateError):
            store.resolve(session, ticket, "anna", True, "", T0)
        with pytest.raises(TicketStateError):
            store.claim(session, ticket, "bo", T0)
        with pytest.raises(ValueError, match="note"):
            store.add_note(session, ticket, "anna", "   ", T0)
        with pytest.raises(ValueError, match="agent"):
            store.add_note(session, ticket, "", "hello", T0)
        store.add_note(session, ticket, "anna", "Follow-up after closing is fine.", T0)
        assert [e.kind for e in store.events(session, ticket)] == ["created", "resolved", "note"]


def test_get_by_reference(engine: Engine) -> None:
    ticket = create(engine)
    with new_session(engine) as session:
        assert store.get_by_reference(session, f" mfa - {ticket.id} ").id == ticket.id
        for missing in ("MFA-999999", "MFA-2147483647", "MFA-99999999999", "garbage", ""):
            assert store.get_by_reference(session, missing) is None, missing


def test_list_tickets(engine: Engine) -> None:
    def draft(name: str, username: str) -> TicketDraft:
        return replace(DRAFT, name=name, username=username)

    anna = create(engine, draft("Anna Ørsted", "anor@ruc.dk"), key="1")
    bo = create(engine, draft("Bo 100% Berg", "bobe"), key="2", now=T0 + timedelta(minutes=1))
    cai = create(engine, draft("Cai Dahl", "caid@ruc.dk"), key="3", now=T0 + timedelta(minutes=2))
    with new_session(engine) as session:
        store.claim(session, store.get_by_reference(session, bo.reference), "x", T0)
        store.resolve(session, store.get_by_reference(session, cai.reference), "x", True, "", T0)

        def ids(**kw) -> list[int]:
            return [t.id for t in store.list_tickets(session, **kw)]

        assert ids() == [cai.id, bo.id, anna.id], "newest first"
        assert ids(limit=2) == [cai.id, bo.id]
        assert ids(status="open") == [anna.id]
        assert ids(status="claimed") == [bo.id]
        assert ids(status="resolved", search="cai") == [cai.id]
        assert ids(status="open", search="cai") == []
        assert ids(search="ANNA") == [anna.id]
        assert ids(search="ørsted") == [anna.id]
        assert ids(search="CAID@RUC") == [cai.id]
        assert ids(search="ruc.dk") == [cai.id, anna.id]
        assert ids(search=anna.reference.lower()) == [anna.id]
        assert ids(search=str(bo.id)) == [bo.id]
        assert ids(search=f"{bo.id:06d}") == [bo.id]
        assert ids(search="100%") == [bo.id], "% is a character, not a wildcard"
        assert ids(search="%") == [bo.id]
        assert ids(search="_") == []
        assert ids(search="   ") == ids()
        assert ids(search="nobody") == []
        with pytest.raises(ValueError, match="status"):
            store.list_tickets(session, status="closed")
