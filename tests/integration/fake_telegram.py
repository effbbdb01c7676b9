"""A local stand-in for Telegram's Bot API: the only mock in the Telegram tests.

A small threaded HTTP server answering the methods the assistant uses, at
``http://127.0.0.1:<port>/bot<token>/<method>`` like api.telegram.org, with Telegram-shaped
JSON. It records every call (parameters and uploaded files), answers 401 "Unauthorized" to a
token it does not know, feeds getUpdates (long-poll) from a queue the test fills, and keeps
the messages the bot sent so that a test can press their buttons.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

TOKEN = "123456789:AAFakeTokenForTheTests_only-1234567"
BOT_USER = {
    "id": 123456789,
    "is_bot": True,
    "first_name": "RUC MFA test",
    "username": "ruc_mfa_test_bot",
}
MAX_LONG_POLL_S = 1.0  # getUpdates waits at most this long, whatever timeout it asks for
JSON_PARAMETERS = {"reply_markup", "allowed_updates", "commands", "link_preview_options"}
METHODS = {
    "getMe",
    "setWebhook",
    "deleteWebhook",
    "setMyCommands",
    "getUpdates",
    "sendMessage",
    "sendPhoto",
    "answerCallbackQuery",
    "editMessageReplyMarkup",
}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str | None, bytes]] = field(default_factory=dict)
    token: str = TOKEN
    result: Any = None  # what the fake answered, e.g. the message with its message_id

    @property
    def chat_id(self) -> str | None:
        value = self.params.get("chat_id")
        return None if value is None else str(value)


class FakeTelegram:
    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.messages: dict[int, dict[str, Any]] = {}
        self.webhook: dict[str, Any] | None = None
        self._pending: list[dict[str, Any]] = []
        self._confirmed_below = 0  # every update_id below this was confirmed by an offset
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)
        self._changed = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # --- running --------------------------------------------------------------------------
    def __enter__(self) -> FakeTelegram:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def api_url(self) -> str:
        """What MFA_TELEGRAM_API_URL is set to: the token is appended, as with Telegram."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/bot"

    # --- what the test does ---------------------------------------------------------------
    def next_update_id(self) -> int:
        return next(self._update_ids)

    def queue(self, update: dict[str, Any]) -> None:
        """An update for the next getUpdates, as if a user had written to the bot."""
        with self._changed:
            self._pending.append(update)
            self._changed.notify_all()

    def wait_confirmed(self, update_id: int, timeout: float = 60) -> None:
        """Until a getUpdates offset confirms the update: the poller handed it over."""
        self._wait(lambda: self._confirmed_below > update_id, timeout, f"update {update_id}")

    def calls_of(self, method: str, chat_id: int | str | None = None) -> list[Call]:
        with self._changed:
            return [
                call
                for call in self.calls
                if call.method == method and (chat_id is None or call.chat_id == str(chat_id))
            ]

    def for_chat(self, chat_id: int | str) -> list[Call]:
        with self._changed:
            return [call for call in self.calls if call.chat_id == str(chat_id)]

    def wait_for(
        self, predicate: Callable[[], Any], timeout: float = 60, what: str = "calls"
    ) -> Any:
        return self._wait(predicate, timeout, what)

    def _wait(self, predicate: Callable[[], Any], timeout: float, what: str) -> Any:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not (result := predicate()):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    methods = [call.method for call in self.calls[-20:]]
                    raise AssertionError(f"Timed out waiting for {what}; last calls: {methods}")
                self._changed.wait(min(remaining, 0.5))
            return result

    # --- updates as Telegram shapes them ---------------------------------------------------
    def text_update(
        self, chat_id: int, text: str, language_code: str | None = None
    ) -> dict[str, Any]:
        """A typed message; language_code is the app language Telegram reports for the user."""
        update_id = self.next_update_id()
        user = {"id": chat_id, "is_bot": False, "first_name": "Test"}
        if language_code:
            user["language_code"] = language_code
        return {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private", "first_name": "Test"},
                "from": user,
                "text": text,
                **_command_entities(text),
            },
        }

    def sticker_update(self, chat_id: int) -> dict[str, Any]:
        update = self.text_update(chat_id, "")
        del update["message"]["text"]
        update["message"]["sticker"] = {
            "file_id": "sticker-1",
            "file_unique_id": "s1",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        return update

    def button_update(self, chat_id: int, message_id: int, data: str) -> dict[str, Any]:
        """A press on a button of a message the bot sent (Telegram includes that message)."""
        update_id = self.next_update_id()
        with self._changed:
            message = json.loads(json.dumps(self.messages[message_id]))
        return {
            "update_id": update_id,
            "callback_query": {
                "id": f"cbq-{update_id}",
                "from": {"id": chat_id, "is_bot": False, "first_name": "Test"},
                "chat_instance": f"ci-{chat_id}",
                "message": message,
                "data": data,
            },
        }

    # --- the server side -------------------------------------------------------------------
    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self._answer(*fake._dispatch(self.path, self.headers, self._body()))

            def do_GET(self) -> None:
                self._answer(*fake._dispatch(self.path, self.headers, b""))

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _answer(self, status: int, payload: dict[str, Any]) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: object) -> None:
                pass

        return Handler

    def _dispatch(self, path: str, headers: Any, body: bytes) -> tuple[int, dict[str, Any]]:
        match = re.fullmatch(r"/bot([^/]+)/(\w+)", path.split("?")[0])
        if not match:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        token, method = match.groups()
        params, files = _parse_body(headers.get("Content-Type", ""), body)
        call = Call(method, params, files, token)
        if method != "getUpdates":
            self._record(call)
        if token != self.token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        if method not in METHODS:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        if method == "getUpdates":
            return self._get_updates(call)
        try:
            call.result = self._result(call)
        except (KeyError, ValueError, TypeError):  # as Telegram answers a bad chat or message
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: not found"}
        return 200, {"ok": True, "result": call.result}

    def _record(self, call: Call) -> None:
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def _get_updates(self, call: Call) -> tuple[int, dict[str, Any]]:
        if self.webhook is not None:
            self._record(call)
            return 409, {
                "ok": False,
                "error_code": 409,
                "description": "Conflict: can't use getUpdates method while webhook is active",
            }
        offset = int(call.params.get("offset") or 0)
        wait = min(float(call.params.get("timeout") or 0), MAX_LONG_POLL_S)
        deadline = time.monotonic() + wait
        with self._changed:
            self.calls.append(call)
            if offset:
                self._confirmed_below = max(self._confirmed_below, offset)
                self._pending = [u for u in self._pending if u["update_id"] >= offset]
            self._changed.notify_all()
            while not self._pending and time.monotonic() < deadline:
                self._changed.wait(deadline - time.monotonic())
            return 200, {"ok": True, "result": list(self._pending)}

    def _result(self, call: Call) -> Any:
        params = call.params
        if call.method == "getMe":
            return BOT_USER
        if call.method == "setWebhook":
            self.webhook = params
            return True
        if call.method == "deleteWebhook":
            self.webhook = None
            return True
        if call.method in ("sendMessage", "sendPhoto"):
            return self._new_message(call)
        if call.method == "editMessageReplyMarkup":
            with self._changed:
                message = self.messages[int(params["message_id"])]
                if params.get("reply_markup"):
                    message["reply_markup"] = params["reply_markup"]
                else:
                    message.pop("reply_markup", None)
                return message
        return True  # answerCallbackQuery, setMyCommands

    def _new_message(self, call: Call) -> dict[str, Any]:
        params = call.params
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": int(params["chat_id"]), "type": "private", "first_name": "Test"},
            "from": BOT_USER,
        }
        if call.method == "sendMessage":
            message["text"] = _visible(params["text"])
        else:
            photo = call.files.get("photo")
            size = len(photo[1]) if photo else 0
            message["photo"] = [
                {"file_id": f"photo-{message['message_id']}", "file_unique_id": "p",
                 "width": 320, "height": 320, "file_size": size}
            ]  # fmt: skip
            if params.get("caption"):
                message["caption"] = _visible(params["caption"])
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        with self._changed:
            self.messages[message["message_id"]] = message
        return message


def _visible(html_text: str) -> str:
    """The text as a user sees it (Telegram returns it without the tags)."""
    text = re.sub(r"<[^>]+>", "", html_text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _command_entities(text: str) -> dict[str, Any]:
    match = re.match(r"/\w+(@\w+)?", text)
    if not match:
        return {}
    return {"entities": [{"type": "bot_command", "offset": 0, "length": match.end()}]}


def _parse_body(
    content_type: str, body: bytes
) -> tuple[dict[str, Any], dict[str, tuple[str | None, bytes]]]:
    """Form fields (JSON-decoded where Telegram expects JSON) and uploaded files."""
    params: dict[str, Any] = {}
    files: dict[str, tuple[str | None, bytes]] = {}
    if content_type.startswith("multipart/form-data"):
        message = BytesParser(policy=policy.default).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body
        )
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            if part.get_filename() is not None:
                files[name] = (part.get_filename(), payload)
            else:
                params[name] = payload.decode()
    elif content_type.startswith("application/json"):
        params = json.loads(body or b"{}")
    else:
        params = {key: values[-1] for key, values in parse_qs(body.decode()).items()}
    for key in JSON_PARAMETERS & params.keys():
        if isinstance(params[key], str):
            params[key] = json.loads(params[key])
    return params, files
