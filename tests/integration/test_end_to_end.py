"""The whole assistant as a user meets it: `python -m bot run`, then questions over HTTP.

One assistant serves the whole module (start-up loads the model, ~20 s); the last test stops
it with Ctrl-C and checks that every service is gone.
"""

from __future__ import annotations

import json
import re
import sqlite3
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from bot.domain import english_responses
from bot.locales import load_locale
from bot.settings import PROJECT_ROOT
from tests.integration.assistant import (
    RunningAssistant,
    new_sender,
    port_is_open,
    start_assistant,
    texts,
)

pytestmark = pytest.mark.slow
COVERAGE = yaml.safe_load((PROJECT_ROOT / "tests" / "content_coverage.yml").read_text())
# Page paragraphs, facts.md and facts-more.md; a `language: da` entry is asked (and answered)
# in Danish.
QUESTIONS = [
    entry
    for entry in COVERAGE["page"] + COVERAGE["facts"] + COVERAGE["facts_more"]
    if "question" in entry
]
STATUS = re.compile(
    r"The servicedesk is (open now, until \d+:\d\d|closed now\. It opens .+ at \d+:\d\d)\."
)


@pytest.fixture(scope="module")
def assistant(trained_model: Path, tmp_path_factory) -> RunningAssistant:
    running = start_assistant(tmp_path_factory.mktemp("assistant-var"))
    yield running
    running.stop()


@pytest.mark.parametrize("entry", QUESTIONS, ids=lambda e: e["question"][:50])
def test_a_question_about_each_paragraph_and_fact_gets_its_answer(assistant, entry):
    answer = texts(assistant.say(new_sender(), entry["question"]))
    for fact in entry["expect"]:
        assert fact in answer, f"{entry['question']!r} -> {answer!r} lacks {fact!r}"
    for phrase in entry.get("avoid", []):
        assert phrase not in answer, f"{entry['question']!r} -> {answer!r} says {phrase!r}"
    assert "{" not in answer, f"unfilled placeholder in {answer!r}"


def test_the_greeting_says_what_it_can_do_and_its_buttons_work(assistant):
    sender = new_sender()
    [greeting] = assistant.say(sender, "hi")
    assert "MFA assistant" in greeting["text"]
    payloads = {button["title"]: button["payload"] for button in greeting["buttons"]}
    assert payloads["I have a new phone"] == '/choose_topic{"topic": "new_phone"}'
    answer = texts(assistant.say(sender, payloads["I have a new phone"]))
    assert "Delete the old phone" in answer


def test_servicedesk_answer_computes_whether_it_is_open(assistant):
    answer = texts(assistant.say(new_sender(), "when is the servicedesk open?"))
    assert "+45 4674 3600" in answer and "photo ID" in answer
    assert STATUS.search(answer), answer


def test_bot_challenge_thanks_goodbye_and_out_of_scope(assistant):
    sender = new_sender()
    assert "I'm a bot" in texts(assistant.say(sender, "are you a real person?"))
    assert "You're welcome" in texts(assistant.say(sender, "thank you!"))
    assert "Bye" in texts(assistant.say(sender, "bye"))
    assert "I can only help with multifactor" in texts(
        assistant.say(new_sender(), "what's the weather forecast for tomorrow?")
    )


def test_an_unclear_message_offers_topics_then_a_person(assistant):
    sender = new_sender()
    [offer] = assistant.say(sender, "xqzv blorft wibble")
    assert "Did you mean one of these?" in offer["text"]
    titles = [button["title"] for button in offer["buttons"]]
    payloads = [button["payload"] for button in offer["buttons"]]
    assert len(titles) == 4 and titles[-1] == "None of these"
    assert all(title and "{" not in title for title in titles), titles
    assert all(p.startswith("/") and "{fallback" not in p for p in payloads), payloads

    second = texts(assistant.say(sender, payloads[-1]))
    assert "servicedesk" in second and "+45 4674 3600" in second
    assert STATUS.search(second), second


def test_a_suggested_topic_button_answers_that_topic(assistant):
    sender = new_sender()
    [offer] = assistant.say(sender, "xqzv blorft wibble")
    first = offer["buttons"][0]
    answer = texts(assistant.say(sender, first["payload"]))
    assert answer and "Did you mean" not in answer


def test_two_unclear_messages_in_a_row_reach_the_servicedesk(assistant):
    sender = new_sender()
    assistant.say(sender, "xqzv blorft wibble")
    second = texts(assistant.say(sender, "plonk zibber quax"))
    assert "+45 4674 3600" in second


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"", 400),
        (b"[]", 400),
        (b"null", 400),
        (b"{broken", 400),
        (json.dumps({"sender": "x"}).encode(), 400),
        (json.dumps({"message": "hi"}).encode(), 400),  # no sender: no shared "default"
        (json.dumps({"sender": "x", "message": 42}).encode(), 400),
        (json.dumps({"sender": "x", "message": "a" * 200_000}).encode(), 413),
    ],
)
def test_bad_requests_get_a_clear_4xx_and_the_server_keeps_answering(assistant, body, status):
    code, reply = assistant.post_raw(body)
    assert code == status
    assert reply["error"]
    assert texts(assistant.say(new_sender(), "hello"))


def test_conversations_are_kept_in_the_sqlite_tracker_store(assistant):
    sender = new_sender()
    assistant.say(sender, "I lost my phone")
    database = assistant.var_dir / "trackers.db"
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT type_name, data FROM events WHERE sender_id = ?", (sender,)
        ).fetchall()
    kinds = [kind for kind, _ in rows]
    assert "user" in kinds and "bot" in kinds
    assert any("I lost my phone" in data for _, data in rows)


@pytest.mark.parametrize(
    ("message", "said"),
    [
        ("is this link real? https://login.microsoftonline.com/common/login", "is genuine"),
        (
            "got this in a mail https://login.microsoftonline.com.secure-ruc.io/ is it ok",
            "not** RUC's",
        ),
        ("https://login.microsoftonline.com@evil.example/ safe?", "**evil.example**"),
        ("my colleague sent https://bit.ly/3RucMfa is it legit", "shortened link"),
    ],
)
def test_a_pasted_link_is_checked(assistant, message, said):
    answer = assistant.say(new_sender(), message)
    assert said in texts(answer), texts(answer)
    assert "https://login.microsoftonline.com/" in texts(answer)


# --- Danish and English ------------------------------------------------------------------
DANISH = load_locale("da").responses
ENGLISH = english_responses()
STATUS_DA = re.compile(
    r"Servicedesken har (åbent nu, indtil kl\. \d+:\d\d|lukket nu\. Den åbner .+ kl\. \d+:\d\d)\."
)


def opening(response: str, language: str = "da") -> str:
    """The first words of a response's text (before any {placeholder})."""
    variants = DANISH[response] if language == "da" else ENGLISH[response]
    return variants[0]["text"].split("{")[0][:40]


def test_the_reply_follows_the_language_the_user_writes(assistant):
    sender = new_sender()
    danish = texts(assistant.say(sender, "jeg har mistet min telefon, hvad gør jeg"))
    assert opening("utter_faq/lost_phone") in danish
    english = texts(assistant.say(sender, "I got a new phone, how do I move the authenticator"))
    assert opening("utter_faq/new_phone", "en") in english
    # Too short to tell: the conversation keeps its language.
    assert "You're welcome" in texts(assistant.say(sender, "tak"))


def test_the_language_can_be_asked_for_and_is_kept(assistant):
    sender = new_sender()
    assert "jeg svarer på dansk" in texts(assistant.say(sender, "can you answer in Danish?"))
    answer = texts(assistant.say(sender, '/choose_topic{"topic": "install_app"}'))
    assert opening("utter_faq/install_app") in answer
    switched = assistant.say(sender, "på engelsk tak")
    assert "I'll answer in English" in texts(switched)
    payloads = {button["title"]: button["payload"] for button in switched[0]["buttons"]}
    assert "jeg svarer på dansk" in texts(assistant.say(sender, payloads["Dansk"]))


def test_danish_servicedesk_hours_walkthrough_steps_and_greeting(assistant):
    sender = new_sender()
    [greeting] = assistant.say(sender, '/greet{"language": "da"}')  # the widget on a Danish page
    assert "Jeg er RUC's MFA-assistent" in greeting["text"]
    assert greeting["buttons"][-1]["title"] == "In English"
    hours = texts(assistant.say(sender, "hvornår har servicedesk åbent"))
    assert "hverdage kl. 8-16" in hours and STATUS_DA.search(hours), hours
    assistant.say(sender, '/start_walkthrough{"walkthrough": "first_setup"}')
    step = texts(assistant.say(sender, '/inform_platform{"platform": "iphone"}'))
    assert step.startswith("Trin 1 af "), step
    # Switching mid-walkthrough shows the same step again in the new language.
    again = assistant.say(sender, "in English please")
    assert "I'll answer in English" in again[0]["text"]
    assert texts(again[1:]).startswith("Step 1 of "), texts(again)


def _listening_addresses(port: int) -> set[str]:
    """The local addresses a TCP socket listens on at ``port`` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def test_the_action_server_answers_only_rasa_and_only_on_loopback(assistant):
    import httpx

    from bot.rasa_ext.action_server import HEADER, SECRET_FILE

    base = f"http://127.0.0.1:{assistant.action_port}"
    # A hand-made tracker asking for another conversation's ticket status.
    call = {
        "next_action": "action_ticket_status",
        "sender_id": "someone-else",
        "tracker": {"sender_id": "someone-else", "slots": {}, "events": [],
                    "latest_message": {"text": "status"}},
        "domain": {},
        "version": "3.6.2",
    }  # fmt: skip
    for headers in ({}, {HEADER: "a guess"}):
        refused = httpx.post(f"{base}/webhook", json=call, headers=headers)
        assert refused.status_code == 401 and HEADER in refused.text, refused.text
    assert httpx.get(f"{base}/actions").status_code == 401
    assert httpx.get(f"{base}/health").status_code == 200  # the supervisor's readiness check
    secret = (assistant.var_dir / SECRET_FILE).read_text().strip()
    actions = httpx.get(f"{base}/actions", headers={HEADER: secret})
    assert actions.status_code == 200 and {"name": "action_ticket_status"} in actions.json()
    assert "Refused POST /webhook" in (assistant.var_dir / "logs" / "actions.log").read_text()
    assert _listening_addresses(assistant.action_port) == {"0100007F"}  # 127.0.0.1 only
    # A call that makes the action fail: the answer and the log name the error, and hold
    # nothing of the conversation (Rasa SDK's own answer carried the whole request).
    broken = {**call, "tracker": {"slots": {}, "events": [],  # no sender_id: a KeyError
              "latest_message": {"text": "my name is Jens Hansen, code 482913"}}}  # fmt: skip
    failed = httpx.post(f"{base}/webhook", json=broken, headers={HEADER: secret})
    assert failed.status_code == 500 and "Jens" not in failed.text, failed.text
    log = (assistant.var_dir / "logs" / "actions.log").read_text()
    assert "Action call POST /webhook failed" in log
    assert "Jens" not in log and "482913" not in log
    endpoints = assistant.var_dir / "endpoints.yml"
    assert endpoints.stat().st_mode & 0o077 == 0  # it holds the secret: the owner's only
    assert yaml.safe_load(endpoints.read_text())["action_endpoint"]["headers"] == {HEADER: secret}


def test_any_page_may_call_the_chat_by_default_but_without_credentials(assistant):
    import httpx

    answer = httpx.post(
        assistant.webhook,
        json={"sender": new_sender(), "message": "hi"},
        headers={"Origin": "https://some-page.example"},
    )
    allowed = answer.headers.get("access-control-allow-origin")
    assert allowed in ("*", "https://some-page.example"), answer.headers
    assert "access-control-allow-credentials" not in answer.headers


def get_json(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def scrape(
    assistant: RunningAssistant, port: int | None = None
) -> tuple[str, dict[tuple[str, frozenset], float]]:
    """The /metrics of the Rasa server (or of the process on `port`): its text, and each
    sample by name and labels."""
    base = f"http://127.0.0.1:{port}" if port else assistant.base_url
    with urllib.request.urlopen(f"{base}/metrics", timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/plain")
        body = response.read().decode()
    samples = {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }
    return body, samples


def test_the_server_is_alive_ready_and_counts_what_it_did(assistant):
    assert get_json(f"{assistant.base_url}/health") == (200, {"status": "ok"})
    status, ready = get_json(f"{assistant.base_url}/ready")
    # the embedded default: SQLite for conversations and tickets, locks in memory
    assert (status, ready) == (
        200,
        {"ready": True, "checks": {"model": "ok", "tracker store": "ok", "tickets database": "ok"}},
    )
    _, before = scrape(assistant)
    sender = new_sender()
    marker = "zebra-7731"
    assistant.say(sender, f"hello, I am {marker}")
    assistant.say(sender, "I want to talk to a real person")
    assert assistant.post_raw(b"not json")[0] == 400
    body, after = scrape(assistant)

    def moved(name: str, **labels: str) -> float:
        key = (name, frozenset(labels.items()))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert moved("mfa_chat_requests_total", channel="rest", status="200") == 2
    assert moved("mfa_chat_requests_total", channel="rest", status="400") == 1
    assert moved("mfa_chat_refused_total", channel="rest", reason="invalid_request") == 1
    assert moved("mfa_chat_request_seconds_count", channel="rest") == 3
    assert moved("mfa_intents_total", intent="greet") == 1
    assert moved("mfa_intents_total", intent="request_person") == 1
    assert moved("mfa_handoffs_offered_total") == 1
    assert after[("mfa_ready", frozenset())] == 1
    assert marker not in body and sender not in body  # no words, no sender ids


def test_every_process_says_whether_it_is_ready_and_what_it_did(assistant):
    """The action server, the console and the outbox worker answer /health, /ready and
    /metrics like the Rasa server, each with what it alone counts."""
    ready = {
        assistant.action_port: {"tickets database": "ok"},
        assistant.console_port: {"database": "ok"},
        assistant.outbox_port: {"database": "ok"},
    }
    for port, checks in ready.items():
        expected = (200, {"ready": True, "checks": checks})
        assert get_json(f"http://127.0.0.1:{port}/ready") == expected
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10) as response:
            assert response.status == 200
    _, before = scrape(assistant, assistant.action_port)
    assistant.say(new_sender(), "I want to talk to a real person")
    _, actions = scrape(assistant, assistant.action_port)
    labels = {("action", "action_offer_handoff"), ("outcome", "ok")}
    offered = ("mfa_actions_total", frozenset(labels))
    assert actions[offered] == before.get(offered, 0) + 1
    count = ("mfa_action_seconds_count", frozenset({("action", "action_offer_handoff")}))
    assert actions[count] == before.get(count, 0) + 1
    console_body, _ = scrape(assistant, assistant.console_port)
    assert "mfa_console_sign_ins_total" in console_body and "mfa_chat_requests" not in console_body
    outbox_body, outbox = scrape(assistant, assistant.outbox_port)
    assert outbox[("mfa_outbox_database_up", frozenset())] == 1
    assert "mfa_actions_total" not in outbox_body


def _mode(path: Path) -> int:
    """A file's permission bits; 0 for one gone since it was listed (SQLite deletes a
    database's -wal and -shm files when its last connection closes)."""
    try:
        return path.stat().st_mode
    except FileNotFoundError:
        return 0


def test_what_the_assistant_writes_is_the_owners_only(assistant):
    """Conversations, tickets, logs and secrets: no other user on the machine may read them."""
    # runner.log is this test harness's capture of the runner's output, not the program's.
    written = [p for p in assistant.var_dir.rglob("*") if p.is_file() and p.name != "runner.log"]
    names = {p.name for p in written}
    assert {"trackers.db", "assistant.db", "action-secret", "endpoints.yml"} <= names, names
    assert any(p.suffix == ".log" for p in written)
    readable = [str(p) for p in written if _mode(p) & 0o077]
    assert not readable


def test_ctrl_c_stops_every_service(assistant):
    ports = (assistant.rasa_port, assistant.action_port, assistant.console_port)
    assert all(port_is_open(port) for port in ports)
    outbox_log = assistant.var_dir / "logs" / "outbox.log"
    assert outbox_log.exists()  # the outbox worker was started too
    assert assistant.stop() == 0
    assert not any(port_is_open(port) for port in ports)
    assert "Stopped." in (assistant.var_dir / "runner.log").read_text()
