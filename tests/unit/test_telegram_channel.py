"""The Telegram channel's choices, with a recording stand-in for the Bot object.

The real Bot against a fake Bot API server is in tests/integration/test_telegram_end_to_end.py;
these check the decisions in between: caption or separate photo, HTML or plain, one retry on
flood control, never an exception into Rasa.
"""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import pytest
from rasa.core.channels.channel import UserMessage
from telegram import Update
from telegram.error import BadRequest, Forbidden, RetryAfter

from bot.channels.telegram.channel import (
    RecentUpdates,
    TelegramInput,
    TelegramOutput,
    chat_ids_are_integers,
)
from bot.locales import text as locale_text
from bot.settings import Settings

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 16
DATA_URL = "data:image/png;base64," + base64.b64encode(PNG).decode()


class RecordingBot:
    def __init__(self, failures: list[Exception] | None = None) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.failures = list(failures or [])

    async def _call(self, method: str, kwargs: dict[str, Any]) -> None:
        self.calls.append((method, kwargs))
        if self.failures:
            raise self.failures.pop(0)

    async def send_message(self, **kwargs: Any) -> None:
        await self._call("sendMessage", kwargs)

    async def send_photo(self, **kwargs: Any) -> None:
        await self._call("sendPhoto", kwargs)


def send(message: dict[str, Any], bot: RecordingBot | None = None) -> RecordingBot:
    bot = bot or RecordingBot()
    asyncio.run(TelegramOutput(bot).send_response("42", message))
    return bot


def test_text_with_buttons_is_one_html_message_with_a_keyboard():
    bot = send({"text": "Tap **Done**.\n\nThen wait.", "buttons": [{"title": "Done",
               "payload": "/walkthrough_done"}]})  # fmt: skip
    [(method, kwargs)] = bot.calls
    assert method == "sendMessage"
    assert kwargs["text"] == "Tap <b>Done</b>.\n\nThen wait."
    assert kwargs["parse_mode"] == "HTML" and kwargs["chat_id"] == "42"
    assert kwargs["reply_markup"].inline_keyboard[0][0].callback_data == "/walkthrough_done"
    assert kwargs["link_preview_options"].is_disabled


def test_an_image_with_a_short_text_is_one_photo_with_caption():
    bot = send({"text": "Here is a **practice** QR code.", "image": DATA_URL})
    [(method, kwargs)] = bot.calls
    assert method == "sendPhoto" and kwargs["photo"] == PNG
    assert kwargs["caption"] == "Here is a <b>practice</b> QR code."
    assert kwargs["filename"] == "image.png"


def test_an_image_with_a_text_too_long_for_a_caption_comes_after_the_text():
    bot = send({"text": "word " * 300, "image": "https://mfa.ruc.dk/qr.png"})
    assert [method for method, _ in bot.calls] == ["sendMessage", "sendPhoto"]
    assert bot.calls[1][1]["photo"] == "https://mfa.ruc.dk/qr.png"
    assert "caption" not in bot.calls[1][1]


def test_a_text_over_4096_characters_is_two_messages_and_the_keyboard_goes_last():
    text = ("a" * 3000 + "\n\n") * 2
    bot = send({"text": text, "buttons": [{"title": "Back", "payload": "/walkthrough_back"}]})
    assert len(bot.calls) == 2
    assert bot.calls[0][1]["reply_markup"] is None
    assert bot.calls[1][1]["reply_markup"] is not None


def test_buttons_without_text_still_get_a_line_to_hang_on():
    bot = send({"buttons": [{"title": "Back", "payload": "/walkthrough_back"}]})
    assert bot.calls[0][1]["text"] == locale_text("telegram.no_button_text")


def test_refused_html_is_sent_again_as_plain_text():
    bot = send({"text": "**Bold**"}, RecordingBot([BadRequest("Can't parse entities")]))
    assert [kwargs["text"] for _, kwargs in bot.calls] == ["<b>Bold</b>", "Bold"]
    assert bot.calls[1][1]["parse_mode"] is None


def test_flood_control_waits_and_retries_once():
    bot = send({"text": "hi"}, RecordingBot([RetryAfter(0)]))
    assert len(bot.calls) == 2


def test_failures_are_logged_never_raised_into_rasa():
    for error in (Forbidden("bot was blocked by the user"), BadRequest("chat not found")):
        bot = send({"text": "hi", "image": DATA_URL}, RecordingBot([error]))
        assert len(bot.calls) == 1


def test_an_image_telegram_cannot_take_is_skipped_and_the_text_still_sent():
    bot = send({"text": "Scan this:", "image": "file:///etc/passwd"})
    assert [method for method, _ in bot.calls] == ["sendMessage"]


def test_a_resent_update_is_handled_once():
    recent = RecentUpdates(size=2)
    assert recent.first_time(1) and recent.first_time(2)
    assert not recent.first_time(1)
    assert recent.first_time(3) and recent.first_time(1)  # 1 was forgotten after 2 more


# --- what reaches Rasa ---------------------------------------------------------------------------
class StubBot(RecordingBot):
    async def answer_callback_query(self, callback_query_id: str, **kwargs: Any) -> None:
        await self._call("answerCallbackQuery", {"callback_query_id": callback_query_id})

    async def edit_message_reply_markup(self, **kwargs: Any) -> None:
        await self._call("editMessageReplyMarkup", kwargs)


KEYBOARD = {
    "inline_keyboard": [
        [{"text": "Done", "callback_data": "/walkthrough_done"}],
        [{"text": "Tell me more", "callback_data": "#title:1"}],
    ]
}


def channel(tmp_path) -> tuple[TelegramInput, StubBot, list[UserMessage]]:
    settings = Settings(
        var_dir=tmp_path,
        telegram_mode="polling",
        telegram_token="123:abc",
        max_message_chars=50,
    )
    telegram = TelegramInput(settings)
    bot = StubBot()
    telegram._bot = bot
    return telegram, bot, []


def handle(telegram: TelegramInput, asked: list[UserMessage], data: dict[str, Any]) -> None:
    async def on_new_message(message: UserMessage) -> None:
        asked.append(message)
        await message.output_channel.send_text_message(message.sender_id, "ok")

    update = Update.de_json({"update_id": 1, **data}, None)
    asyncio.run(telegram.handle(update, on_new_message))


def text(chat_id: int, words: str | None) -> dict[str, Any]:
    message = {"message_id": 5, "date": 0, "chat": {"id": chat_id, "type": "private"}}
    if words is not None:
        message["text"] = words
    return {"message": message}


def press(data: str) -> dict[str, Any]:
    message = {**text(77, "Step 1 of 6")["message"], "reply_markup": KEYBOARD}
    user = {"id": 77, "is_bot": False, "first_name": "T"}
    query = {"id": "q1", "from": user, "chat_instance": "c", "message": message, "data": data}
    return {"callback_query": query}


def test_the_chat_id_is_the_conversation_and_commands_are_intents(tmp_path):
    """The chat's conversation lives in Telegram's own namespace: no REST sender reaches it."""
    telegram, bot, asked = channel(tmp_path)
    handle(telegram, asked, text(-1001234, "/servicedesk@ruc_mfa_bot"))
    [message] = asked
    assert (message.sender_id, message.text, message.input_channel) == (
        "telegram:-1001234",
        "/contact_servicedesk",
        "telegram",
    )
    assert bot.calls[0][1]["chat_id"] == "-1001234"


def test_a_pressed_button_is_answered_ticked_and_its_payload_goes_to_rasa(tmp_path):
    telegram, bot, asked = channel(tmp_path)
    handle(telegram, asked, press("/walkthrough_done"))
    assert [method for method, _ in bot.calls] == [
        "answerCallbackQuery",
        "editMessageReplyMarkup",
        "sendMessage",
    ]
    ticked = bot.calls[1][1]["reply_markup"].inline_keyboard
    assert [[key.text for key in row] for row in ticked] == [["✓ Done"]]
    assert [m.text for m in asked] == ["/walkthrough_done"]


def test_a_long_payload_button_sends_its_title(tmp_path):
    telegram, _bot, asked = channel(tmp_path)
    handle(telegram, asked, press("#title:1"))
    assert [m.text for m in asked] == ["Tell me more"]


def test_callback_data_the_message_never_offered_is_only_words(tmp_path):
    telegram, bot, asked = channel(tmp_path)
    handle(telegram, asked, press('/inform{"ticket_name": "Mallory"}'))
    assert [m.text for m in asked] == ['inform{"ticket_name": "Mallory"}']
    assert "editMessageReplyMarkup" not in [method for method, _ in bot.calls]


@pytest.mark.parametrize("data", ["chosen", "#title:9"])
def test_a_ticked_or_unknown_title_button_is_answered_and_nothing_else(tmp_path, data):
    telegram, bot, asked = channel(tmp_path)
    handle(telegram, asked, press(data))
    assert [method for method, _ in bot.calls] == ["answerCallbackQuery"] and asked == []


def test_no_text_or_too_much_text_gets_a_sentence_and_rasa_is_not_asked(tmp_path):
    telegram, bot, asked = channel(tmp_path)
    handle(telegram, asked, text(5, None))
    handle(telegram, asked, text(5, "x" * 51))
    assert asked == []
    replies = [kwargs["text"] for _, kwargs in bot.calls]
    assert "only read text" in replies[0] and "longer than 50 characters" in replies[1]


def test_when_rasa_fails_the_user_hears_so_with_the_servicedesk(tmp_path):
    telegram, bot, _ = channel(tmp_path)

    async def broken(_message: UserMessage) -> None:
        raise RuntimeError("model not loaded")

    update = Update.de_json({"update_id": 1, **text(5, "hello")}, None)
    asyncio.run(telegram.handle(update, broken))
    [(_, kwargs)] = bot.calls
    assert "something went wrong" in kwargs["text"] and "+45 4674 3600" in kwargs["text"]


@pytest.mark.parametrize(
    ("chat_id", "integer"),
    [(77, True), (-1001234567890, True), (5.7e16, False), ("77", False), (True, False),
     ({"id": 1}, False), (None, False)],
)  # fmt: skip
def test_only_updates_with_integer_chat_ids_are_telegram_updates(chat_id, integer):
    for data in (text(77, "hi"), press("/walkthrough_done")):
        message = data.get("message") or data["callback_query"]["message"]
        message["chat"]["id"] = chat_id
        update = Update.de_json({"update_id": 1, **data}, None)
        assert chat_ids_are_integers(update) is integer
