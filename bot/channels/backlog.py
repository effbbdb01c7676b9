"""How many requests this server has received and not yet answered: its queue, made visible.

Rasa's pipeline hardly ever yields the event loop, so a Rasa server answers one message after
the other, and the rest wait where nobody counts them: bytes read into connections whose
handlers have not started. A counter of running handlers stays at one however long that queue
grows, and every answer in it arrives later and later until clients time out. The count that
matters is over the server's open connections (Sanic keeps them in one set per worker): each
one with a request that has arrived, whole or in part, and has no answer yet. Idle keep-alive
connections (nginx keeps some open) do not count.
"""

from __future__ import annotations

from typing import Any

from sanic.http import Stage
from sanic.request import Request

_WAITING_STAGES = (Stage.REQUEST, Stage.HANDLER)


def _has_a_request(connection: Any) -> bool:
    """Bytes not yet parsed, or a request being read or answered."""
    http = getattr(connection, "_http", None)
    return bool(getattr(connection, "recv_buffer", None)) or (
        http is not None and http.stage in _WAITING_STAGES
    )


def requests_in_hand(request: Request) -> int:
    """Requests received by this server process and not yet answered, ``request`` included."""
    protocol = request.transport.get_protocol()
    connections = getattr(protocol, "connections", None) or {protocol}
    return max(1, sum(1 for connection in connections if _has_a_request(connection)))
