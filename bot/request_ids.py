"""One id per chat request, carried through every process that works on it.

The Rasa server takes nginx's X-Request-ID (or makes one), answers with it, and puts it into
the message's metadata; the action server reads it from the tracker it is sent, so its log
lines, and a ticket's creation, carry the same id as the Rasa server's and nginx's
(bot/json_logs.py writes it into every line). An id is letters, digits and dashes only: a
client cannot write into the logs through it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

HEADER = "X-Request-ID"
METADATA_KEY = "request_id"
_VALID = re.compile(r"[A-Za-z0-9-]{8,64}")

current: ContextVar[str | None] = ContextVar("mfa_request_id", default=None)


def accepted(given: str | None) -> str:
    """The id a proxy gave, if it is a plain token, else a new one."""
    if given and _VALID.fullmatch(given):
        return given
    return uuid.uuid4().hex


def as_metadata() -> dict[str, str]:
    """What a channel adds to a message's metadata so the action server learns the id."""
    request_id = current.get()
    return {METADATA_KEY: request_id} if request_id else {}


def from_tracker(tracker: Mapping[str, Any]) -> str | None:
    """The id of the message an action call answers (its metadata, set by the channel)."""
    metadata = (tracker.get("latest_message") or {}).get("metadata") or {}
    found = metadata.get(METADATA_KEY) if isinstance(metadata, Mapping) else None
    return found if isinstance(found, str) and _VALID.fullmatch(found) else None
