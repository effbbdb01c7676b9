"""How many requests this server has received and not yet answered: its queue, made visible.

Rasa's pipeline hardly ever yields the event loop, so a Rasa server answers one message after
the other, and the rest wait where nobody counts them: bytes read into connections whose
handlers have not started. A counter of running handlers stays at one however long that queue
grows, and every answer in it arrives later and later until clients time out. The count that
matters is over the server's open connections (Sanic keeps them in one set per worker): each
one holding a whole request without an answer yet, read into its buffer or handed to its
handler. A request still arriving does not count: a client that opens connections and sends
a byte now and then (slowloris) must not make the server turn everybody else away, and
Sanic's request timeout closes such connections anyway. Idle keep-alive connections (nginx
keeps some open) do not count either.
"""

from __future__ import annotations

from typing import Any

from sanic.http import Stage
from sanic.request import Request

HEAD_END = b"\r\n\r\n"


def _has_a_request(connection: Any) -> bool:
    """A whole request received and not answered: parsed with its body, or a whole head
    waiting in the buffer for its turn."""
    http = getattr(connection, "_http", None)
    stage = getattr(http, "stage", None)
    if stage is Stage.HANDLER:
        return not http.request_body  # None once the body is in (Sanic's Http)
    buffered = getattr(connection, "recv_buffer", None) or b""
    return stage in (None, Stage.IDLE) and HEAD_END in buffered


def requests_in_hand(request: Request) -> int:
    """Requests received by this server process and not yet answered, ``request`` included."""
    protocol = request.transport.get_protocol()
    connections = getattr(protocol, "connections", None) or {protocol}
    return max(1, sum(1 for connection in connections if _has_a_request(connection)))
