"""The production profile (`python -m bot production`) surviving failures, over HTTP.

Two Rasa replicas on PostgreSQL (tracker store, tickets) and a Redis lock store, behind nginx,
with the action server, outbox worker and console, exactly as the command starts them. The
tests own their stores: two throwaway PostgreSQL databases (the tickets one reached through a
TCP proxy the tests can cut) and a Redis key prefix of their own, all removed afterwards.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.metrics.chat import LATENCY_BUCKETS_S
from bot.processes.nginx import NginxMissing, nginx_binary
from bot.settings import PROJECT_ROOT
from tests.integration.assistant import (
    RunningAssistant,
    free_port,
    new_sender,
    port_is_open,
    start_assistant,
    texts,
    wait_for_ok,
)
from tests.integration.databases import (
    REDIS_URL,
    stored_tickets,
    throwaway_postgres_database,
    throwaway_redis_prefix,
)
from tests.integration.tcp_proxy import TcpProxy

pytestmark = pytest.mark.slow

REFERENCE = re.compile(r"MFA-\d{6}")
SERVICEDESK_PHONE = "+45 4674 3600"
START = '/start_walkthrough{"walkthrough": "existing_app"}'
IPHONE = '/inform_platform{"platform": "iphone"}'
RATE_LIMIT = 20  # messages per sender at once; every other test stays well below it
# One message's share of the window is 30 s: the rate test's burst gets no room back meanwhile.
RATE_WINDOW_SECONDS = 600


@pytest.fixture(scope="module")
def redis_prefix() -> Iterator[str]:
    with throwaway_redis_prefix() as prefix:
        yield prefix


@pytest.fixture(scope="module")
def tickets_database() -> Iterator[str]:
    with throwaway_postgres_database("tickets") as url:
        yield url


@pytest.fixture(scope="module")
def tickets_proxy(tickets_database: str) -> Iterator[TcpProxy]:
    """The only way the services reach the tickets database: a test can cut it."""
    url = make_url(tickets_database)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432).start()
    yield proxy
    proxy.stop()


@contextmanager
def proxied(database_url: str) -> Iterator[tuple[TcpProxy, str]]:
    """A TCP proxy a test can cut in front of a database, and the URL through it."""
    url = make_url(database_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432).start()
    try:
        yield proxy, url.set(port=proxy.port).render_as_string(hide_password=False)
    finally:
        proxy.stop()


@pytest.fixture(scope="module")
def profile(
    trained_model: Path, tmp_path_factory, redis_prefix: str, tickets_database, tickets_proxy
) -> Iterator[RunningAssistant]:
    try:
        nginx_binary()
    except NginxMissing as error:
        pytest.fail(f"{error} The production profile's tests need it.", pytrace=False)
    through_proxy = make_url(tickets_database).set(port=tickets_proxy.port)
    with (
        throwaway_postgres_database("trackers") as trackers,
        proxied(trackers) as (trackers_proxy, trackers_url),
    ):
        running = start_assistant(
            tmp_path_factory.mktemp("production-var"),
            {
                "MFA_TRACKER_STORE_URL": trackers_url,
                "MFA_DATABASE_URL": through_proxy.render_as_string(hide_password=False),
                "MFA_LOCK_STORE_URL": REDIS_URL,
                "MFA_LOCK_STORE_KEY_PREFIX": redis_prefix,
                "MFA_RATE_LIMIT_MESSAGES": str(RATE_LIMIT),
                "MFA_RATE_LIMIT_SECONDS": str(RATE_WINDOW_SECONDS),
            },
            command="production",
        )
        running.trackers_proxy = trackers_proxy  # type: ignore[attr-defined]
        try:
            yield running
        finally:
            running.stop()


def fill_ticket_form(profile: RunningAssistant, user: str, ports: list[int | None]) -> str:
    """From "talk to a person" to the summary, each message to the next port in ``ports``.

    Returns the summary shown for confirmation (it holds every slot the form collected).
    """
    steps = [
        ("I want to talk to a real person", SERVICEDESK_PHONE),
        ("yes", "full name"),
        ("Jens Hansen", "@ruc.dk"),
        ("jhansen@ruc.dk", "call you back"),
        ("/deny", "Asked to talk to a person"),
        ("/affirm", "call the servicedesk, or come by"),
    ]
    for index, (message, expected) in enumerate(steps):
        reply = texts(profile.say(user, message, port=ports[index % len(ports)]))
        assert expected in reply, (message, reply)
    return texts(profile.say(user, "I'll call", port=ports[len(steps) % len(ports)]))


@contextmanager
def supervisor_paused(profile: RunningAssistant) -> Iterator[None]:
    """Hold the profile's supervisor so that a killed process stays down until we let go.

    The supervisor restarts crashed processes within seconds; pausing it (SIGSTOP) makes
    "while it is down" last exactly as long as the test needs, with no race.
    """
    os.kill(profile.process.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(profile.process.pid, signal.SIGCONT)


def test_a_conversation_alternating_between_replicas_stays_consistent(profile, tickets_database):
    first, second = profile.replica_ports
    user = new_sender()
    profile.say(user, IPHONE, port=first)
    assert "Step 1 of 4" in texts(profile.say(user, START, port=second))
    assert "Step 2 of 4" in texts(profile.say(user, "/walkthrough_done", port=first))
    step3 = texts(profile.say(user, "/walkthrough_done", port=second))
    assert "Step 3 of 4" in step3
    assert "Step 2 of 4" in texts(profile.say(user, "/walkthrough_back", port=first))
    assert "Step 3 of 4" in texts(profile.say(user, "/walkthrough_done", port=second))

    other = new_sender()
    summary = fill_ticket_form(profile, other, [first, second])
    # Name and username were given to the first replica, the contact choice to the second.
    assert "Jens Hansen" in summary and "jhansen@ruc.dk" in summary and "call" in summary
    created = texts(profile.say(other, "/affirm", port=second))
    [reference] = REFERENCE.findall(created)
    [ticket] = stored_tickets(tickets_database, other)
    assert ticket.reference == reference
    assert (ticket.name, ticket.username, ticket.contact_preference) == (
        "Jens Hansen",
        "jhansen@ruc.dk",
        "call",
    )


def test_a_large_request_passes_the_load_balancer(profile):
    """A body over nginx's default 16 KB buffer (widget metadata, a long message) is answered:
    nginx keeps it in memory, since its workers cannot enter the owner-only runtime directory."""
    body = {"sender": new_sender(), "message": "hi", "metadata": {"page": "x" * 40_000}}
    status, reply = profile.post_raw(json.dumps(body).encode())
    assert status == 200 and reply and "MFA assistant" in reply[0]["text"], (status, reply)


def test_the_rate_limit_counts_a_sender_across_replicas(profile):
    """Counted per replica, alternating replicas would let twice the limit through."""
    first, second = profile.replica_ports
    user = new_sender()
    for index in range(RATE_LIMIT):
        profile.say(user, "hi", port=(first, second)[index % 2])
    body = json.dumps({"sender": user, "message": "hi"}).encode()
    for port in (first, second):
        status, reply = profile.post_raw(body, port=port)
        assert status == 429, (port, reply)
        assert "Too many messages" in reply["error"]
    assert profile.say(new_sender(), "hi", port=first)  # other senders are not affected


def test_the_action_server_down_gets_the_servicedesk_and_recovers(profile, tickets_database):
    walker, ticket_user = new_sender(), new_sender()
    profile.say(walker, IPHONE)
    assert "Step 1 of 4" in texts(profile.say(walker, START))
    fill_ticket_form(profile, ticket_user, [None])

    with supervisor_paused(profile):
        os.kill(profile.child_pid("bot.rasa_ext.action_server"), signal.SIGKILL)
        for port in profile.replica_ports:  # each replica answers the same way
            reply = texts(profile.say(walker, "/walkthrough_done", port=port))
            assert SERVICEDESK_PHONE in reply and "send your message again" in reply, reply
            assert "Step" not in reply
        # Confirming a ticket now must not claim it was made.
        reply = texts(profile.say(ticket_user, "/affirm"))
        assert SERVICEDESK_PHONE in reply and "Done" not in reply, reply
        assert not REFERENCE.search(reply)
        assert stored_tickets(tickets_database, ticket_user) == []

    wait_for_ok(f"http://127.0.0.1:{profile.action_port}/health")
    # The failed messages were undone: the same ones carry on where the user was.
    assert "Step 2 of 4" in texts(profile.say(walker, "/walkthrough_done"))
    assert "Step 3 of 4" in texts(profile.say(walker, "/walkthrough_done"))
    created = texts(profile.say(ticket_user, "/affirm"))
    [reference] = REFERENCE.findall(created)
    assert [ticket.reference for ticket in stored_tickets(tickets_database, ticket_user)] == [
        reference
    ]
    log = (profile.var_dir / "runner.log").read_text()
    assert "The action server stopped unexpectedly" in log


def test_a_database_blip_during_ticket_creation_is_retried_by_the_action(
    profile, tickets_database, tickets_proxy
):
    user = new_sender()
    fill_ticket_form(profile, user, [None])
    tickets_proxy.cut()
    back = threading.Timer(2.0, tickets_proxy.restore)
    back.start()
    try:
        created = texts(profile.say(user, "/affirm"))
    finally:
        back.join()
        tickets_proxy.restore()
    [reference] = REFERENCE.findall(created)
    assert "Done!" in created
    [ticket] = stored_tickets(tickets_database, user)
    assert ticket.reference == reference


def test_a_longer_database_outage_is_told_and_the_users_retry_makes_one_ticket(
    profile, tickets_database, tickets_proxy
):
    user = new_sender()
    fill_ticket_form(profile, user, [None])
    tickets_proxy.cut()
    try:
        failed = texts(profile.say(user, "/affirm"))
    finally:
        tickets_proxy.restore()
    assert "couldn't save your ticket" in failed and SERVICEDESK_PHONE in failed
    assert not REFERENCE.search(failed)
    assert stored_tickets(tickets_database, user) == []

    created = texts(profile.say(user, "/affirm"))  # "yes" again once it works
    [reference] = REFERENCE.findall(created)
    again = texts(profile.say(user, "/affirm"))
    assert REFERENCE.findall(again) == [reference] and "haven't made a second one" in again
    [ticket] = stored_tickets(tickets_database, user)
    assert ticket.reference == reference


def readiness(port: int) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_each_replica_is_ready_only_while_its_stores_answer(profile, tickets_proxy):
    everything = {"model", "tracker store", "lock store", "tickets database"}
    for port in profile.replica_ports:
        status, body = readiness(port)
        assert status == 200 and set(body["checks"]) == everything, body
    tickets_proxy.cut()
    try:
        for port in profile.replica_ports:
            status, body = readiness(port)
            assert status == 503 and not body["ready"], body
            assert body["checks"]["tickets database"].startswith("not answering"), body
            assert body["checks"]["tracker store"] == "ok"
            assert "password" not in json.dumps(body) and "127.0.0.1" not in json.dumps(body)
    finally:
        tickets_proxy.restore()
    assert all(readiness(port)[0] == 200 for port in profile.replica_ports)
    profile.trackers_proxy.cut()  # the conversations' database: the same, for the tracker store
    try:
        for port in profile.replica_ports:
            status, body = readiness(port)
            assert status == 503 and body["checks"]["tracker store"].startswith("not answering")
    finally:
        profile.trackers_proxy.restore()
    assert all(readiness(port)[0] == 200 for port in profile.replica_ports)


@contextmanager
def prometheus_scraping(profile: RunningAssistant, workdir: Path) -> Iterator[str]:
    """Debian's Prometheus on loopback scraping every process each second, with the project's
    alert rules; yields its query API's base URL."""
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.fail("prometheus is missing: bash scripts/ensure-ops-tools.sh", pytrace=False)
    rules = PROJECT_ROOT / "deploy" / "prometheus" / "alerts.yml"
    jobs = {
        "mfa-rasa": profile.replica_ports,
        "mfa-actions": [profile.action_port],
        "mfa-console": [profile.console_port],
        "mfa-outbox": [profile.outbox_port],
    }
    config = workdir / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        f"rule_files: [{json.dumps(str(rules))}]\n"
        "scrape_configs:\n"
        + "".join(
            f"  - {{job_name: {job}, static_configs: [{{targets: "
            f"{json.dumps([f'127.0.0.1:{port}' for port in ports])}}}]}}\n"
            for job, ports in jobs.items()
        )
    )
    port = free_port()
    log = (workdir / "prometheus.log").open("wb")
    process = subprocess.Popen(
        [
            binary,
            f"--config.file={config}",
            f"--storage.tsdb.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(30)
        log.close()


def promql(base: str, query: str) -> list[dict]:
    url = f"{base}/api/v1/query?{urllib.parse.urlencode({'query': query})}"
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())["data"]["result"]


def eventually(base: str, query: str, check, timeout_s: float = 30) -> list[dict]:
    """The query's result once `check` accepts it (a scrape a second)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            result = promql(base, query)
            if check(result):
                return result
        except OSError:
            result = "not answering"
        if time.monotonic() > deadline:
            raise AssertionError(f"{query}: {result}")
        time.sleep(0.5)


def test_a_real_prometheus_scrapes_every_replica(profile, tmp_path):
    created = 'sum(mfa_tickets_total{outcome="created"}) or vector(0)'
    with prometheus_scraping(profile, tmp_path) as base:
        up = eventually(base, "up", lambda r: len(r) == 5 and all(s["value"][1] == "1" for s in r))
        assert {s["metric"]["job"] for s in up} == {
            "mfa-rasa", "mfa-actions", "mfa-console", "mfa-outbox"
        }  # fmt: skip
        eventually(base, "count(mfa_ready == 1)", lambda r: r and r[0]["value"][1] == "2")
        [before] = promql(base, created)
        messages = 'sum(mfa_chat_requests_total{channel="rest", status="200"}) or vector(0)'
        [sent] = promql(base, messages)

        user = new_sender()
        fill_ticket_form(profile, user, [None])
        assert REFERENCE.search(texts(profile.say(user, "/affirm")))

        def value(result: list[dict]) -> float:
            return float(result[0]["value"][1]) if result else 0.0

        eventually(base, created, lambda r: value(r) == value([before]) + 1)
        eventually(base, messages, lambda r: value(r) >= value([sent]) + 8)
        buckets = promql(base, 'sum by (le) (mfa_chat_request_seconds_bucket{channel="rest"})')
        assert len(buckets) == len(LATENCY_BUCKETS_S) + 1  # and +Inf
        eventually(base, "count(mfa_intents_total)", lambda r: r and float(r[0]["value"][1]) > 3)
        eventually(
            base,
            'sum(mfa_actions_total{action="action_create_ticket", outcome="ok"})',
            lambda r: value(r) >= 1,
        )
        eventually(base, "mfa_outbox_database_up", lambda r: value(r) == 1)
        alerts = promql(base, "ALERTS")
        assert alerts == [], alerts  # a healthy assistant pages nobody


def test_a_hung_replica_is_taken_out_of_the_balancer_and_back_in(profile):
    """Without this nginx would wait its 60 s read timeout on each message sent to it."""
    hung = profile.replica_ports[0]
    pid = profile.child_pid("--port", str(hung))
    log = profile.var_dir / "runner.log"
    mark = len(log.read_text())
    os.kill(pid, signal.SIGSTOP)
    try:
        deadline = time.monotonic() + 15
        while f"sent no messages: {hung}." not in log.read_text()[mark:]:
            assert time.monotonic() < deadline, log.read_text()[mark:]
            time.sleep(0.2)
        time.sleep(1)  # nginx's new workers take over from the old ones (a graceful reload)
        for _ in range(6):  # round robin would send every other one to the hung replica
            started = time.monotonic()
            assert "Step 1 of 4" in texts(profile.say(new_sender(), START))
            assert time.monotonic() - started < 10
    finally:
        os.kill(pid, signal.SIGCONT)
    deadline = time.monotonic() + 15
    while "sent no messages: none." not in log.read_text()[mark:]:
        assert time.monotonic() < deadline, log.read_text()[mark:]
        time.sleep(0.2)


def test_a_replica_dying_with_a_conversations_lock_delays_it_by_the_lock_lifetime(profile):
    """The lock of a replica killed mid-message expires after MFA_LOCK_LIFETIME_SECONDS (15),
    not Rasa's 60 s, and the message waiting for it is still queued then: the user's next
    message is answered before the widget gives up (30 s)."""
    user = new_sender()
    first, second = profile.replica_ports
    actions = profile.child_pid("bot.rasa_ext.action_server")

    def hangs() -> None:
        with contextlib.suppress(Exception):  # its replica is killed while it waits
            profile.say(user, "I want to talk to a real person", port=first)

    os.kill(actions, signal.SIGSTOP)  # the message waits on its action, holding the lock
    try:
        waiting = threading.Thread(target=hangs)
        waiting.start()
        # The next message comes within a second of the dead one's ticket, as from a user
        # who sends again at once: stock Rasa then drops its ticket too (lock_tickets.py).
        time.sleep(0.5)
        os.kill(profile.child_pid("--port", str(first)), signal.SIGKILL)
        waiting.join(30)
    finally:
        os.kill(actions, signal.SIGCONT)
    started = time.monotonic()
    reply = texts(profile.say(user, "I want to talk to a real person", port=second))
    waited = time.monotonic() - started
    assert SERVICEDESK_PHONE in reply
    assert waited < 25, f"waited {waited:.1f} s for the dead replica's lock"
    wait_for_ok(f"http://127.0.0.1:{first}/ready")


def test_a_replica_killed_mid_conversation_continues_on_the_other(profile):
    """Last in this module: it leaves one replica restarting."""
    user = new_sender()
    profile.say(user, IPHONE)
    assert "Step 1 of 4" in texts(profile.say(user, START))
    assert "Step 2 of 4" in texts(profile.say(user, "/walkthrough_done"))

    dead_port = profile.replica_ports[0]
    os.kill(profile.child_pid("--port", str(dead_port)), signal.SIGKILL)
    # A killed process takes a moment to let go of its port (freeing its memory comes first);
    # a message that reaches it meanwhile gets the 502 nginx must give for a POST in flight.
    deadline = time.monotonic() + 30
    while port_is_open(dead_port):
        assert time.monotonic() < deadline, "the killed replica still accepts connections"
        time.sleep(0.05)
    # Through nginx: round robin sends some of these to the dead replica; nginx moves them on.
    assert "Step 3 of 4" in texts(profile.say(user, "/walkthrough_done"))
    assert "Step 2 of 4" in texts(profile.say(user, "/walkthrough_back"))
    assert "Step 3 of 4" in texts(profile.say(user, "/walkthrough_done"))
    assert "Step 4 of 4" in texts(profile.say(user, "/walkthrough_done"))
    for _ in range(4):  # and new conversations too
        assert "Step 1 of 4" in texts(profile.say(new_sender(), START))
    assert "Rasa replica 1" in (profile.var_dir / "runner.log").read_text()
