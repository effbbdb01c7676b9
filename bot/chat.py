"""Chat with a running assistant in the terminal, through the same REST endpoint as any client.

Buttons are shown numbered; typing the number presses the button, as clicking would in the
widget. This avoids `rasa shell`, which starts a second Rasa server of its own.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from typing import Any

from bot.content import servicedesk_hint


def send(url: str, sender: str, message: str, timeout: float = 30) -> list[dict[str, Any]]:
    body = json.dumps({"sender": sender, "message": message}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def render(replies: list[dict[str, Any]]) -> tuple[str, list[str]]:
    """Text to print and the payloads of the buttons offered, in display order."""
    lines: list[str] = []
    payloads: list[str] = []
    for reply in replies:
        if reply.get("text"):
            lines.append(f"bot> {reply['text']}")
        if reply.get("image"):
            lines.append(f"bot> [image] {reply['image']}")
        for button in reply.get("buttons") or []:
            payloads.append(button.get("payload", button.get("title", "")))
            lines.append(f"     [{len(payloads)}] {button.get('title', '')}")
    return "\n".join(lines), payloads


def chat(url: str) -> int:
    sender = f"terminal-{uuid.uuid4().hex[:8]}"
    print(f"Talking to {url}. Type a message; Ctrl-D or /quit to leave.")
    payloads: list[str] = []
    while True:
        try:
            text = input("you> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if text == "/quit":
            return 0
        if not text:
            continue
        if text.isdigit() and 0 < int(text) <= len(payloads):
            text = payloads[int(text) - 1]
        try:
            output, payloads = render(send(url, sender, text))
        except (urllib.error.URLError, OSError, ValueError) as error:
            print(f"bot> I can't reach the assistant right now ({error}). {servicedesk_hint()}")
            continue
        print(output or "bot> (no answer)")
