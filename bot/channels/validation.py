"""Check an incoming chat request before Rasa sees it.

Stock Rasa answers 500 to an empty or non-object body and will spend a second of CPU on a
200,000-character message. Every entry point runs its payload through here instead, so a bad
request gets a clear 4xx with a reason and never reaches the dialogue.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.channels.conversations import reserved_prefix


class BadRequest(Exception):
    """A request we refuse, with the HTTP status and a reason a client developer can act on."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class ChatRequest:
    sender: str
    message: str
    metadata: dict[str, Any]


@dataclass(frozen=True)
class Limits:
    max_message_chars: int
    max_sender_chars: int
    max_body_bytes: int = 64 * 1024


# Rasa copies the metadata (deepcopy) more than once per message: 900 levels, well under what
# the JSON parser refuses, end in a RecursionError and a reply of "something went wrong".
MAX_METADATA_DEPTH = 20


def depth(value: Any) -> int:
    """How deeply JSON containers nest in ``value`` (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level + 1)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


def _json_object(body: bytes, limits: Limits) -> dict[str, Any]:
    if len(body) > limits.max_body_bytes:
        raise BadRequest(413, f"The request body is larger than {limits.max_body_bytes} bytes.")
    if not body.strip():
        raise BadRequest(400, 'The request body is empty; send {"sender": ..., "message": ...}.')
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise BadRequest(400, "The request body is not valid JSON.") from None
    except RecursionError:  # "[[[[...]]]]" a thousand levels deep: no chat message is
        raise BadRequest(400, "The request body is nested too deeply.") from None
    if not isinstance(payload, dict):
        raise BadRequest(400, "The request body must be a JSON object.")
    return payload


def _sender(payload: dict[str, Any], limits: Limits) -> str:
    # No sender is no conversation: Rasa would file the message under the one shared "default"
    # conversation, where everybody who leaves it out reads everybody else's.
    sender = payload.get("sender")
    if sender is None:
        raise BadRequest(400, 'The field "sender" is required: a random id per conversation.')
    if not isinstance(sender, str) or not sender.strip():
        raise BadRequest(400, 'The field "sender" must be a non-empty string.')
    if len(sender) > limits.max_sender_chars or not sender.isprintable():
        raise BadRequest(
            400, f'The field "sender" must be printable and at most {limits.max_sender_chars} '
            "characters."
        )  # fmt: skip
    prefix = reserved_prefix(sender.strip())
    if prefix:
        raise BadRequest(
            400, f'A "sender" beginning with "{prefix}" belongs to another channel; '
            "use a random id of your own."
        )  # fmt: skip
    return sender.strip()


def parse_chat_request(body: bytes, limits: Limits) -> ChatRequest:
    """Validate a REST chat body of the form {"sender": str, "message": str, "metadata": {}}."""
    payload = _json_object(body, limits)
    message = payload.get("message")
    if not isinstance(message, str):
        raise BadRequest(400, 'The field "message" is required and must be a string.')
    message = message.replace("\x00", "").strip()
    if not message:
        raise BadRequest(400, 'The field "message" must not be empty.')
    if len(message) > limits.max_message_chars:
        raise BadRequest(
            413, f"The message is longer than {limits.max_message_chars} characters; "
            "please shorten it."
        )  # fmt: skip
    sender = _sender(payload, limits)

    metadata = payload.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise BadRequest(400, 'The field "metadata" must be a JSON object.')
    if depth(metadata) > MAX_METADATA_DEPTH:
        raise BadRequest(
            400, f'The field "metadata" is nested too deeply (at most {MAX_METADATA_DEPTH} levels).'
        )
    return ChatRequest(sender=sender, message=message, metadata=metadata)


def parse_erase_request(body: bytes, limits: Limits) -> str:
    """The sender of a request to erase one's own conversation: {"sender": str}.

    The sender id is the conversation's only credential, for erasing as for chatting; another
    channel's ids are refused as they are for messages.
    """
    return _sender(_json_object(body, limits), limits)
