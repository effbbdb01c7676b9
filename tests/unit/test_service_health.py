"""Metrics, readiness and the replica gate, without servers: what each decides from its input."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from prometheus_client import REGISTRY

from bot.metrics import chat as metrics
from bot.metrics import exposition
from bot.processes.nginx import ReplicaGate, render_config
from bot.readiness import check_all, database_check
from bot.settings import Settings


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_only_chat_routes_are_timed_and_unknown_channels_are_other():
    assert metrics.channel_of("/webhooks/rest/webhook") == "rest"
    assert metrics.channel_of("/webhooks/telegram/webhook/") == "telegram"
    assert metrics.channel_of("/webhooks/made-up-by-a-client/webhook") == metrics.OTHER
    assert metrics.channel_of("/webhooks/webchat/widget.js") is None
    assert metrics.channel_of("/ready") is None


def test_a_refusal_counts_with_its_reason():
    before = sample("mfa_chat_refused_total", channel="rest", reason="too_large")
    requests = sample("mfa_chat_requests_total", channel="rest", status="413")
    metrics.observe_chat("rest", 413, 0.01)
    metrics.observe_chat("rest", 200, 0.02)
    assert sample("mfa_chat_refused_total", channel="rest", reason="too_large") == before + 1
    assert sample("mfa_chat_requests_total", channel="rest", status="413") == requests + 1


def test_a_turns_events_count_intent_fallback_handoff_and_ticket():
    intents = ["greet", "faq", "nlu_fallback"]
    names = [
        ("mfa_intents_total", {"intent": "faq"}),
        ("mfa_intents_total", {"intent": metrics.OTHER}),
        ("mfa_fallbacks_total", {"stage": "suggest"}),
        ("mfa_handoffs_offered_total", {}),
        ("mfa_tickets_total", {"outcome": "created"}),
    ]
    before = [sample(name, **labels) for name, labels in names]
    metrics.observe_events(
        [
            {"event": "user", "text": "secret words", "parse_data": {"intent": {"name": "faq"}}},
            # an intent outside the domain (a hand-typed "/payload") never becomes a label
            {"event": "user", "parse_data": {"intent": {"name": "anything_at_all"}}},
            {"event": "slot", "name": "fallback_stage", "value": "suggest"},
            {"event": "slot", "name": "fallback_stage", "value": "a made-up stage"},
            {"event": "action", "name": "action_offer_handoff"},
            {"event": "slot", "name": "ticket_outcome", "value": "created"},
            {"event": "slot", "name": "ticket_outcome", "value": None},
        ],
        intents,
    )
    after = [sample(name, **labels) for name, labels in names]
    assert [b - a for a, b in zip(before, after, strict=True)] == [1, 1, 1, 1, 1]
    exposed = exposition()[0].decode()
    assert "secret words" not in exposed and "anything_at_all" not in exposed
    assert "a made-up stage" not in exposed


def test_readiness_names_the_part_that_fails_or_hangs():
    def fails() -> None:
        raise ConnectionRefusedError("password=hunter2 at db.internal")

    readiness = asyncio.run(
        check_all(
            {"model": lambda: None, "tickets database": fails, "lock store": lambda: time.sleep(5)},
            timeout_s=0.5,
        )
    )
    assert not readiness.ready and readiness.status == 503
    assert readiness.parts == {
        "model": "ok",
        "tickets database": "not answering (ConnectionRefusedError)",
        "lock store": "no answer within 0.5 s",
    }
    assert "hunter2" not in str(readiness.as_json())
    assert asyncio.run(check_all({"model": lambda: None})).status == 200


def test_the_database_check_asks_the_database(tmp_path: Path):
    assert asyncio.run(check_all({"db": database_check(f"sqlite:///{tmp_path / 'a.db'}")})).ready
    missing = tmp_path / "no such directory" / "file"
    (tmp_path / "no such directory").write_text("a file where a directory should be")
    readiness = asyncio.run(check_all({"db": database_check(f"sqlite:///{missing}/x.db")}))
    assert not readiness.ready


class FakeNginx:
    def __init__(self) -> None:
        self.reloads = 0

    def reload(self) -> None:
        self.reloads += 1


def test_nginx_marks_the_unready_replicas_down(tmp_path: Path):
    settings = Settings(_env_file=None, rasa_port=6000, rasa_replicas=3)
    config = render_config(settings, tmp_path, tmp_path, down=frozenset({6001}))
    assert "server 127.0.0.1:6000 max_fails=1 fail_timeout=10s;" in config
    assert "server 127.0.0.1:6001 max_fails=1 fail_timeout=10s down;" in config
    assert "server 127.0.0.1:6002 max_fails=1 fail_timeout=10s;" in config


def test_the_gate_reloads_nginx_only_when_the_ready_set_changes(tmp_path: Path):
    settings = Settings(_env_file=None, rasa_port=6000, rasa_replicas=2, var_dir=tmp_path)
    ready = {6000: True, 6001: True}
    nginx = FakeNginx()
    gate = ReplicaGate(settings, nginx, is_ready=lambda port: ready[port])  # type: ignore[arg-type]
    config = tmp_path / "nginx" / "nginx.conf"

    gate.check()
    assert nginx.reloads == 0 and gate.down == frozenset()
    ready[6001] = False
    gate.check()
    gate.check()
    assert nginx.reloads == 1 and gate.down == {6001}
    assert "127.0.0.1:6001 max_fails=1 fail_timeout=10s down;" in config.read_text()
    ready[6000] = False  # none ready: all stay in, nginx tries each
    gate.check()
    assert nginx.reloads == 2 and gate.down == frozenset()
    assert " down;" not in config.read_text()
    ready.update({6000: True, 6001: True})
    gate.check()
    assert nginx.reloads == 2


def test_an_action_outside_the_domain_is_counted_as_other():
    from bot.metrics.actions import observe_action

    known = {"action_offer_handoff"}
    failed = ("mfa_actions_total", {"action": "action_offer_handoff", "outcome": "failed"})
    other = ("mfa_actions_total", {"action": metrics.OTHER, "outcome": "ok"})
    before = [sample(name, **labels) for name, labels in (failed, other)]
    observe_action("action_offer_handoff", known, 500, 0.1)
    observe_action({"not": "a name"}, known, 200, 0.1)
    observe_action("action_made_up_by_a_caller", known, 200, 0.1)
    after = [sample(name, **labels) for name, labels in (failed, other)]
    assert [b - a for a, b in zip(before, after, strict=True)] == [1, 2]


def test_the_domains_action_names_include_those_with_options():
    from bot.domain import action_names, load_domain

    names = action_names(load_domain())
    assert {"action_fallback", "action_offer_handoff", "validate_ticket_form"} <= names
    assert all(isinstance(name, str) for name in names)


def test_the_outbox_backlog_is_read_per_channel_with_the_oldest_waiting(tmp_path: Path):
    from datetime import datetime, timedelta, timezone

    from sqlalchemy.orm import Session

    from bot import db
    from bot.metrics.outbox import BacklogCollector
    from bot.tickets import store
    from bot.tickets.models import OutboxMessage
    from bot.tickets.outbox import backlog
    from bot.tickets.store import TicketDraft

    url = f"sqlite:///{tmp_path / 'assistant.db'}"
    db.upgrade(url)
    engine = db.make_engine(url)
    start = datetime(2026, 12, 7, 9, 0, tzinfo=timezone.utc)
    draft = TicketDraft(
        conversation_id="c", channel="rest", name="A B", username="ab", phone="+4512345678",
        summary="lost phone", contact_preference="call",
    )  # fmt: skip
    with Session(engine, future=True) as session:
        for index in range(3):
            store.create_ticket(
                session,
                draft,
                f"k{index}",
                start + timedelta(minutes=index),
                ["email", "webhook"],
            )
        rows = session.query(OutboxMessage).order_by(OutboxMessage.id).all()
        rows[0].status = "sent"  # the oldest e-mail went out
        rows[1].status = "failed"  # its webhook was given up
        session.commit()
        found = backlog(session)
    engine.dispose()
    assert found.waiting == {"email": 2, "webhook": 2}
    assert found.given_up == {"webhook": 1}
    assert found.oldest_waiting == start + timedelta(minutes=1)

    collector = BacklogCollector(read=lambda: found, now=lambda: start + timedelta(minutes=11))
    families = {family.name: family for family in collector.collect()}
    assert families["mfa_outbox_oldest_waiting_seconds"].samples[0].value == 600
    waiting = {s.labels["channel"]: s.value for s in families["mfa_outbox_waiting"].samples}
    assert waiting == {"email": 2, "webhook": 2}

    def away() -> None:
        raise ConnectionRefusedError

    [up] = BacklogCollector(read=away, now=lambda: start).collect()  # type: ignore[arg-type]
    assert up.name == "mfa_outbox_database_up" and up.samples[0].value == 0


def test_a_json_log_line_has_the_request_id_and_no_exception_message():
    import json
    import logging

    from bot import request_ids
    from bot.json_logs import JsonLines

    typed = "hun" + "ter2"  # not in the source line the traceback quotes
    try:
        raise ValueError(f"the user typed: {typed}")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "bot.x", logging.ERROR, __file__, 1, "ticket %s failed", ("MFA-1",), sys.exc_info()
        )
    record.duration_ms = 12.345
    token = request_ids.current.set("abcdef0123456789")
    try:
        line = JsonLines("actions").format(record)
    finally:
        request_ids.current.reset(token)
    entry = json.loads(line)
    assert entry["event"] == "ticket MFA-1 failed" and entry["process"] == "actions"
    assert entry["request_id"] == "abcdef0123456789" and entry["duration_ms"] == 12.3
    assert entry["error"] == "ValueError" and "hunter2" not in line and "\n" not in line


def test_request_ids_are_plain_tokens():
    from bot import request_ids

    assert request_ids.accepted("0123456789abcdef") == "0123456789abcdef"
    forged = request_ids.accepted('x" injected\n{"level": "error"}')
    assert forged.isalnum() and len(forged) == 32
    tracker = {"latest_message": {"metadata": {"request_id": "0123456789abcdef"}}}
    assert request_ids.from_tracker(tracker) == "0123456789abcdef"
    assert request_ids.from_tracker({"latest_message": {"metadata": {"request_id": "a b"}}}) is None
    assert request_ids.from_tracker({}) is None
