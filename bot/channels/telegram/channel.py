"""The Telegram input channel: Telegram's updates in, Rasa's replies out as Telegram messages.

Both modes share this one code path. In webhook mode Telegram posts updates to
``/webhooks/telegram/webhook``; in polling mode ``python -m bot telegram-poll`` fetches them
and posts them to the same route on loopback. Either way an update counts only with the
secret in the X-Telegram-Bot-Api-Secret-Token header (compared in constant time); anything
else gets a 403 and is not looked at.

The conversation id is the Telegram chat id, so history, walkthroughs and tickets follow the
chat. The route answers after the update is handled, so Telegram (and the poller) hand over a
chat's next update only after the replies to the previous one were sent.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import (
    Bot,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot import request_ids
from bot.channels.conversations import telegram_chat, telegram_conversation
from bot.channels.telegram.config import SECRET_HEADER, check_config, make_bot, secret_token
from bot.channels.telegram.formatting import (
    CHOSEN,
    MAX_CAPTION,
    TITLE_PREFIX,
    Photo,
    chosen_keyboard,
    inline_keyboard,
    photo_source,
    pressed_title,
    rasa_text,
    split_text,
    telegram_length,
    to_html,
    to_plain,
)
from bot.content import servicedesk_hint
from bot.language_detection import detect
from bot.locales import DEFAULT_LANGUAGE, supported
from bot.locales import text as locale_text
from bot.metrics import chat as metrics
from bot.rate_limit import make_rate_limiter
from bot.settings import Settings, get_settings

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024  # an update is a few kB; Telegram's own limit on text is 4096
MAX_RETRY_AFTER_S = 30
# What the channel itself says when Rasa can't be asked lives in locales/*/texts.yml
# (telegram.*), said in the language of the user's words or, failing that, of their Telegram app.
GREET = "/greet"


def user_language(words: str | None, app_language: str | None) -> str:
    """The language for the channel's own sentences to this user."""
    return detect(words or "") or supported(app_language)


def keyboard_markup(rows: list[list[dict[str, str]]]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(key["text"], callback_data=key["callback_data"]) for key in row]
         for row in rows]
    )  # fmt: skip


def keyboard_rows(message: Message) -> list[list[dict[str, Any]]]:
    """A received message's inline keyboard as the plain rows formatting.py works with."""
    if not message.reply_markup:
        return []
    return [
        [{"text": key.text, "callback_data": key.callback_data} for key in row]
        for row in message.reply_markup.inline_keyboard
    ]


class TelegramOutput(OutputChannel):
    """Sends Rasa's replies to one Telegram chat. Never raises: a failed send is logged."""

    def __init__(self, bot: Bot, language: str = DEFAULT_LANGUAGE) -> None:
        self.bot = bot
        self.language = language
        self.attempts = 0  # messages we tried to send; 0 after Rasa finished means silence

    @classmethod
    def name(cls) -> str:
        return "telegram"

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        text = (message.get("text") or "").strip()
        buttons = message.get("buttons") or message.get("quick_replies") or []
        image = message.get("image")
        photo = photo_source(image) if image else None
        if image and photo is None:
            logger.warning("Skipped an image Telegram can't show (neither data: nor http(s)).")
        if photo and telegram_length(to_html(text)) <= MAX_CAPTION:
            # The practice QR code arrives with its explanation: one message, caption below it.
            await self._send_photo(recipient_id, photo, text, buttons)
        else:
            if text or buttons:
                await self._send_text(recipient_id, text or self._no_button_text, buttons)
            if photo:
                await self._send_photo(recipient_id, photo, "", [])
        if message.get("attachment"):
            attachment = locale_text("telegram.attachment", self.language, **message)
            await self._send_text(recipient_id, attachment, [])
        if message.get("custom"):
            logger.info("Skipped a custom payload: the Telegram channel has no use for it.")

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send_text(recipient_id, text, [])

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self._send_text(recipient_id, text, buttons)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"image": image})

    async def _send_text(self, chat_id: str, text: str, buttons: list[dict[str, Any]]) -> None:
        parts = split_text(text) or [self._no_button_text]
        for number, part in enumerate(parts, start=1):
            markup = keyboard_markup(inline_keyboard(buttons)) if number == len(parts) else None
            await self._deliver(
                self.bot.send_message,
                part,
                chat_id=telegram_chat(chat_id),
                reply_markup=markup,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
                text_field="text",
            )

    @property
    def _no_button_text(self) -> str:
        return locale_text("telegram.no_button_text", self.language)

    async def _send_photo(
        self, chat_id: str, photo: Photo, caption: str, buttons: list[dict[str, Any]]
    ) -> None:
        kwargs: dict[str, Any] = {
            "chat_id": telegram_chat(chat_id),
            "photo": photo.url or photo.data,
            "reply_markup": keyboard_markup(inline_keyboard(buttons)),
        }
        if photo.data is not None:
            kwargs["filename"] = photo.filename
        await self._deliver(self.bot.send_photo, caption, text_field="caption", **kwargs)

    async def _deliver(
        self, method: Callable[..., Awaitable[Any]], markdown: str, text_field: str, **kwargs: Any
    ) -> None:
        """Send as HTML; on flood control wait once; if Telegram refuses the HTML, send plain."""
        self.attempts += 1
        if markdown:
            kwargs |= {text_field: to_html(markdown), "parse_mode": ParseMode.HTML}
        for attempt in (1, 2):
            try:
                await method(**kwargs)
                return
            except RetryAfter as error:
                if attempt == 2:
                    logger.error("Telegram flood control: a reply was dropped (%s)", error)
                    return
                await asyncio.sleep(min(_seconds(error.retry_after), MAX_RETRY_AFTER_S))
            except BadRequest as error:
                if markdown and "parse" in error.message.lower() and attempt == 1:
                    logger.warning("Telegram refused our HTML (%s); sending plain text.", error)
                    kwargs |= {text_field: to_plain(markdown), "parse_mode": None}
                    continue
                logger.error("Telegram refused a reply: %s", error.message)
                return
            except Forbidden as error:
                logger.info("Can't write to this chat (the user blocked the bot?): %s", error)
                return
            except TelegramError as error:
                logger.error("Sending a reply to Telegram failed: %s", error)
                return


def _seconds(value: Any) -> float:
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)


class RecentUpdates:
    """update_ids handled lately: Telegram resends an update whose answer it did not get."""

    def __init__(self, size: int = 2048) -> None:
        self.size = size
        self._ids: OrderedDict[int, None] = OrderedDict()

    def first_time(self, update_id: int) -> bool:
        if update_id in self._ids:
            return False
        self._ids[update_id] = None
        if len(self._ids) > self.size:
            self._ids.popitem(last=False)
        return True


def chat_ids_are_integers(update: Update) -> bool:
    """PTB takes any JSON as a chat id; Telegram's are integers, and replies go to them."""
    messages = [update.message]
    if update.callback_query is not None:
        messages.append(update.callback_query.message)
    return all(
        isinstance(message.chat.id, int) and not isinstance(message.chat.id, bool)
        for message in messages
        if message is not None
    )


class TelegramInput(InputChannel):
    """Rasa input channel for Telegram on python-telegram-bot (webhook or polling)."""

    @classmethod
    def name(cls) -> str:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TelegramInput:
        # Nothing secret lives in the credentials file: token and secret come from settings.
        return cls()

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        check_config(self.settings)
        self.secret = secret_token(self.settings).encode()
        self._bot: Bot | None = None
        self._recent = RecentUpdates()
        self._limiter = make_rate_limiter(self.settings)
        self._slowed: set[str] = set()  # chats told to slow down, until they may write again

    @property
    def bot(self) -> Bot:
        if self._bot is None:  # made on first use, inside the server's event loop
            self._bot = make_bot(self.settings)
        return self._bot

    def get_output_channel(self) -> OutputChannel:
        return TelegramOutput(self.bot)

    def authentic(self, request: Request) -> bool:
        given = request.headers.get(SECRET_HEADER, "")
        return hmac.compare_digest(given.encode(), self.secret)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("telegram_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self.authentic(request):
                logger.warning("Refused a Telegram update without the right secret token.")
                return response.json({"error": "Wrong or missing secret token."}, status=403)
            body = request.body or b""
            if len(body) > MAX_BODY_BYTES:
                return response.json({"error": "The update is too large."}, status=413)
            try:
                data = json.loads(body)
                if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                    raise ValueError("not an update")
                update = Update.de_json(data, self.bot)
                if not chat_ids_are_integers(update):
                    raise ValueError("a chat id that is not an integer")
            except Exception:  # malformed JSON or a shape PTB can't read
                return response.json({"error": "The body is not a Telegram update."}, status=400)
            if self._recent.first_time(update.update_id):
                try:
                    await self.handle(update, on_new_message)
                except Exception:
                    logger.exception("Handling a Telegram update failed.")
            # 200 even if handling failed: Telegram would otherwise resend the update forever.
            return response.json({"ok": True})

        return webhook

    async def handle(
        self, update: Update, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        if update.callback_query is not None:
            await self.handle_button(update.callback_query, on_new_message)
        elif update.message is not None:
            await self.handle_message(update.message, on_new_message)
        # Edited messages, channel posts and the like are not part of a conversation.

    async def handle_message(
        self, message: Message, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        chat_id = str(message.chat.id)
        app_language = message.from_user.language_code if message.from_user else None
        output = TelegramOutput(self.bot, user_language(message.text, app_language))
        if message.text is None:
            await output.send_text_message(
                chat_id, locale_text("telegram.not_text", output.language)
            )
            return
        text = rasa_text(message.text)
        if not text:
            return
        if len(text) > self.settings.max_message_chars:
            limit = self.settings.max_message_chars
            too_long = locale_text("telegram.too_long", output.language, limit=limit)
            await output.send_text_message(chat_id, too_long)
            return
        if text == GREET and supported(app_language) != DEFAULT_LANGUAGE:
            # /start from a Danish Telegram app: the conversation starts in Danish.
            text = GREET + json.dumps({"language": supported(app_language)})
        await self.ask_rasa(text, chat_id, output, on_new_message)

    async def handle_button(
        self, query: CallbackQuery, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        """Always answer the query (or the button spins), tick the choice, then ask Rasa."""
        try:
            await self.bot.answer_callback_query(query.id)
        except TelegramError as error:
            logger.warning("answerCallbackQuery failed: %s", error)
        message = query.message
        data = query.data or ""
        if message is None or not data or data == CHOSEN:
            return
        chat_id = str(message.chat.id)
        rows = keyboard_rows(message) if isinstance(message, Message) else []
        title = pressed_title(rows, data)
        if title is None:
            # Not a button of that message (a stale or made-up press): treat as typed words.
            if data.startswith(TITLE_PREFIX):
                return
            text = rasa_text(data)
        else:
            text = title if data.startswith(TITLE_PREFIX) else data
            try:
                await self.bot.edit_message_reply_markup(
                    chat_id=chat_id,
                    message_id=message.message_id,
                    reply_markup=keyboard_markup(chosen_keyboard(title)),
                )
            except TelegramError as error:  # e.g. a message too old to edit: no harm done
                logger.info("Could not mark the pressed button: %s", error)
        if text:
            app_language = query.from_user.language_code if query.from_user else None
            output = TelegramOutput(self.bot, user_language(None, app_language))
            await self.ask_rasa(text, chat_id, output, on_new_message)

    async def ask_rasa(
        self,
        text: str,
        chat_id: str,
        output: TelegramOutput,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        conversation = telegram_conversation(chat_id)  # not a REST sender's (conversations.py)
        wait = await self._limiter.retry_after(conversation)
        if wait:
            metrics.RATE_LIMITED.labels("sender").inc()
            if chat_id not in self._slowed:  # say it once per flood, not once per message
                self._slowed.add(chat_id)
                slow_down = locale_text("telegram.slow_down", output.language, wait=wait)
                await output.send_text_message(chat_id, slow_down)
            return
        self._slowed.discard(chat_id)
        try:
            await on_new_message(
                UserMessage(
                    text,
                    output,
                    conversation,
                    input_channel=self.name(),
                    metadata=request_ids.as_metadata(),
                )
            )
        except asyncio.CancelledError:
            logger.error("Handling a Telegram message timed out.")
        except Exception:
            logger.exception("Handling a Telegram message failed.")
        if output.attempts == 0:
            # The user never meets silence: say so, with a way to a person.
            hint = servicedesk_hint(output.language)
            sorry = locale_text("channel.sorry", output.language, hint=hint)
            await output.send_text_message(chat_id, sorry)
