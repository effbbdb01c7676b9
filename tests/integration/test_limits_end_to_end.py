"""Limits that hold against a client who changes its sender id, or floods the server at once.

One assistant with small limits: 4 messages per address per minute, X-Forwarded-For believed
from loopback (as behind the production profile's nginx), and one message in hand at a time.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from tests.integration.assistant import RunningAssistant, new_sender, start_assistant, texts

pytestmark = pytest.mark.slow
PER_ADDRESS = 4


@pytest.fixture(scope="module")
def assistant(trained_model: Path, tmp_path_factory) -> RunningAssistant:
    running = start_assistant(
        tmp_path_factory.mktemp("limits-var"),
        {
            "MFA_RATE_LIMIT_PER_ADDRESS": str(PER_ADDRESS),
            "MFA_TRUSTED_PROXIES": "127.0.0.1",
            "MFA_MAX_CONCURRENT_MESSAGES": "1",
        },
    )
    yield running
    running.stop()


def post(assistant: RunningAssistant, message: str, address: str) -> tuple[int, Message, Any]:
    """A message from a new sender, as forwarded by a proxy for the client at ``address``."""
    body = json.dumps({"sender": new_sender(), "message": message}).encode()
    headers = {"Content-Type": "application/json", "X-Forwarded-For": address}
    request = urllib.request.Request(assistant.webhook, body, headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers, json.loads(error.read())


def test_a_new_sender_id_each_time_is_still_one_address(assistant):
    statuses = [post(assistant, "hi", "203.0.113.7")[0] for _ in range(PER_ADDRESS)]
    assert statuses == [200] * PER_ADDRESS
    status, headers, reply = post(assistant, "hi", "203.0.113.7")
    assert status == 429 and int(headers["Retry-After"]) >= 1, (status, reply)
    assert "Too many messages" in reply["error"]
    # Another client behind the same proxy is not held up by the first one's flood.
    status, _headers, reply = post(assistant, "hi", "203.0.113.8")
    assert status == 200 and "MFA assistant" in texts(reply)


def test_more_messages_at_once_than_the_server_holds_get_a_503_to_come_back(assistant):
    """Twelve clients, connected first, send at the same moment; the server holds one."""
    clients = 12
    ready = threading.Barrier(clients)
    question = "I got a new phone, how do I move Microsoft Authenticator to it?"

    def at_once(number: int) -> tuple[int, str | None, Any]:
        connection = http.client.HTTPConnection("127.0.0.1", assistant.rasa_port, timeout=60)
        connection.connect()
        body = json.dumps({"sender": new_sender(), "message": question})
        headers = {"Content-Type": "application/json", "X-Forwarded-For": f"198.51.100.{number}"}
        ready.wait()
        connection.request("POST", "/webhooks/rest/webhook", body, headers)
        answer = connection.getresponse()
        result = answer.status, answer.getheader("Retry-After"), json.loads(answer.read())
        connection.close()
        return result

    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(at_once, range(1, clients + 1)))
    statuses = sorted(status for status, _retry, _reply in results)
    assert 200 in statuses and 503 in statuses and set(statuses) == {200, 503}, statuses
    for status, retry_after, reply in results:
        if status == 503:
            assert int(retry_after) >= 1 and "busy" in reply["error"], reply
    # With the flood gone there is room again.
    status, _headers, reply = post(assistant, "hi", "198.51.100.200")
    assert status == 200 and "MFA assistant" in texts(reply)


def test_connections_that_never_finish_their_request_do_not_turn_others_away(assistant):
    """Slowloris: half-sent requests hold connections, not the server's room for messages."""
    import socket

    starts = [b"P", b"POST /webhooks/rest/webhook HTTP/1.1\r\nHost: x\r\n"]
    starts.append(
        b"POST /webhooks/rest/webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b'Content-Length: 500\r\n\r\n{"sender": "slow", "message": "'
    )
    slow = []
    for start in starts * 4:
        connection = socket.create_connection(("127.0.0.1", assistant.rasa_port))
        connection.sendall(start)
        slow.append(connection)
    try:
        time.sleep(0.5)  # the server has read what they sent
        status, _headers, reply = post(assistant, "hi", "198.51.100.201")
        assert status == 200 and "MFA assistant" in texts(reply), (status, reply)
    finally:
        for connection in slow:
            connection.close()
