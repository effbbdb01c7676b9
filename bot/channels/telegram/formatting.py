"""Rasa's replies in Telegram's terms: HTML text, 4096-character parts, inline keyboards, photos.

Plain functions of their input, tested without Telegram. What they guarantee:

- Our texts' **bold** becomes <b>; everything else is escaped, so a user's own words quoted
  back (a ticket summary, a name) can never break the message or inject markup.
- A text is one message. It is only cut when Telegram would refuse it (over 4096 characters),
  and then at a paragraph, line or word boundary; blank lines alone never split a text.
- Buttons become an inline keyboard whose callback data is the button's payload, which Rasa
  understands as an intent. Telegram allows 64 bytes of callback data; a longer payload is
  compacted (JSON without spaces) or, failing that, sent by its title (see ``TITLE_PREFIX``).
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_to_bytes

MAX_TEXT = 4096  # sendMessage text, counted by Telegram in UTF-16 code units
MAX_CAPTION = 1024  # sendPhoto caption
MAX_CALLBACK_BYTES = 64
MAX_PHOTO_BYTES = 10 * 1024 * 1024
FEEDBACK_PAYLOAD = "/feedback"  # bot/feedback.py's buttons
SHORT_TITLE = 12  # buttons whose titles are all this short go two to a row

# Callback data that is no payload: the pressed button of an answered keyboard, kept so that
# the chat shows what was chosen; and a button whose payload did not fit, sent by its title.
CHOSEN = "chosen"
TITLE_PREFIX = "#title:"

# Telegram commands and the Rasa payloads (intents) they stand for.
COMMANDS = {
    "start": "/greet",
    "help": "/help",
    "servicedesk": "/contact_servicedesk",
    "lang": "/change_language",
}

_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_COMMAND = re.compile(r"^/([A-Za-z0-9_]+)(?:@[A-Za-z0-9_]+)?(?:\s+(.*))?$", re.DOTALL)


def telegram_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji is two)."""
    return len(text.encode("utf-16-le")) // 2


def to_html(markdown: str) -> str:
    """Our texts' Markdown (only **bold** is used) as Telegram HTML, everything else escaped."""
    escaped = html.escape(markdown, quote=False)
    return _BOLD.sub(r"<b>\1</b>", escaped)


def to_plain(markdown: str) -> str:
    """The same text without markup: the fallback if Telegram ever refuses our HTML."""
    return _BOLD.sub(r"\1", markdown)


def split_text(markdown: str, limit: int = MAX_TEXT) -> list[str]:
    """One part, unless the rendered text is over ``limit``; then as few parts as fit.

    Parts are cut at the last paragraph break that fits, else the last line break, else the
    last space, else mid-word; each part's HTML fits the limit (tags count, so this errs on
    the safe side of Telegram's count, which is taken after the tags are parsed).
    """
    text = markdown.strip()
    parts: list[str] = []
    while telegram_length(to_html(text)) > limit:
        fits = _longest_fitting_prefix(text, limit)
        cut = _cut_point(text, fits)
        part, text = text[:cut].rstrip(), text[cut:].lstrip()
        if part:
            parts.append(part)
    if text:
        parts.append(text)
    return parts


def _longest_fitting_prefix(text: str, limit: int) -> int:
    """The largest n such that text[:n] renders within the limit (rendering never shrinks)."""
    low, high = 1, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if telegram_length(to_html(text[:middle])) <= limit:
            low = middle
        else:
            high = middle - 1
    return low


def _cut_point(text: str, fits: int) -> int:
    window = text[:fits]
    if fits < len(text) and text[fits].isspace():
        return fits  # the next character is a break anyway
    for separator in ("\n\n", "\n", " "):
        position = window.rfind(separator)
        if position > fits // 4:  # never leave a tiny first part for a far-away break
            return position + len(separator)
    return fits


def callback_data(button: dict[str, Any], index: int = 0) -> str:
    """The callback data for a Rasa button: its payload if it fits in 64 bytes.

    A payload that does not fit even compacted becomes ``#title:<index>``: when it is
    pressed, the button's title (read back from the message's keyboard) goes to the NLU.
    """
    payload = str(button.get("payload") or button.get("title") or "")
    if _fits(payload):
        return payload
    compact = _compact_payload(payload)
    if compact and _fits(compact):
        return compact
    return f"{TITLE_PREFIX}{index}"


def _fits(data: str) -> bool:
    return 0 < len(data.encode("utf-8")) <= MAX_CALLBACK_BYTES


def _compact_payload(payload: str) -> str | None:
    """'/intent{"key": "value"}' with its JSON written without spaces, if it is JSON."""
    match = re.match(r"^(/[^{@]+)(\{.*\})?(@[0-9.]+)?$", payload, re.DOTALL)
    if not match or not match.group(2):
        return None
    try:
        entities = json.loads(match.group(2))
    except ValueError:
        return None
    compact = json.dumps(entities, separators=(",", ":"), ensure_ascii=False)
    return f"{match.group(1)}{compact}{match.group(3) or ''}"


def inline_keyboard(buttons: list[dict[str, Any]]) -> list[list[dict[str, str]]]:
    """Rows of {"text", "callback_data"}: two to a row when every title is short, else one;
    the feedback buttons (👍 👎, or 1 to 5) share one last row, small under the choices."""
    keys, feedback = [], []
    for index, button in enumerate(buttons):
        key = {
            "text": str(button.get("title") or button.get("payload") or "?"),
            "callback_data": callback_data(button, index),
        }
        is_feedback = str(button.get("payload") or "").startswith(FEEDBACK_PAYLOAD)
        (feedback if is_feedback else keys).append(key)
    width = 2 if keys and all(len(key["text"]) <= SHORT_TITLE for key in keys) else 1
    rows = [keys[start : start + width] for start in range(0, len(keys), width)]
    return rows + ([feedback] if feedback else [])


def chosen_keyboard(title: str) -> list[list[dict[str, str]]]:
    """What an answered keyboard turns into: only the pressed button, ticked, doing nothing."""
    return [[{"text": f"✓ {title}", "callback_data": CHOSEN}]]


def pressed_title(keyboard: list[list[dict[str, Any]]] | None, data: str) -> str | None:
    """The title of the button with this callback data in a message's keyboard."""
    for row in keyboard or []:
        for key in row:
            if key.get("callback_data") == data:
                return key.get("text")
    return None


def rasa_text(text: str) -> str:
    """What a typed Telegram message means for Rasa.

    /start, /help and /servicedesk (also as /help@OurBot, or /start with a deep-link
    parameter) become intent payloads. Any other text starting with "/" loses its slashes and
    goes to the NLU as words ("/lost_phone" -> "lost phone"): only buttons send payloads, so
    typed text cannot set intents and entities directly.
    """
    text = text.strip()
    match = _COMMAND.match(text)
    if match and match.group(1).lower() in COMMANDS:
        return COMMANDS[match.group(1).lower()]
    if not text.startswith("/"):
        return text
    if match:
        return f"{match.group(1).replace('_', ' ')} {match.group(2) or ''}".strip()
    return text.lstrip("/").strip()


@dataclass(frozen=True)
class Photo:
    """What sendPhoto gets: the image's bytes (uploaded) or a URL (Telegram fetches it)."""

    data: bytes | None = None
    url: str | None = None
    filename: str = "image.png"


def photo_source(image: str) -> Photo | None:
    """A data: URL decoded to bytes, an http(s) URL passed through, anything else None."""
    image = image.strip()
    if image.startswith(("https://", "http://")):
        return Photo(url=image)
    data = decode_data_url(image)
    if not data:
        return None
    subtype = image[5:].split(";", 1)[0].split(",", 1)[0].split("/", 1)[-1].strip().lower()
    extension = {"jpeg": "jpg", "svg+xml": "svg"}.get(subtype, subtype) or "png"
    return Photo(data=data, filename=f"image.{extension}")


def decode_data_url(url: str) -> bytes | None:
    """The bytes of a data:image/...;base64,... (or percent-encoded) URL, or None.

    Only images, only up to Telegram's 10 MB photo limit; anything malformed is None.
    """
    if not url.startswith("data:") or "," not in url:
        return None
    header, _, body = url[5:].partition(",")
    media_type, *parameters = header.split(";")
    if not media_type.strip().lower().startswith("image/"):
        return None
    if len(body) > MAX_PHOTO_BYTES * 4 // 3 + 4:
        return None
    try:
        if "base64" in (parameter.strip().lower() for parameter in parameters):
            data = base64.b64decode("".join(body.split()), validate=True)
        else:
            data = unquote_to_bytes(body)
    except (binascii.Error, ValueError):
        return None
    return data if 0 < len(data) <= MAX_PHOTO_BYTES else None
