"""Telegram through the real assistant (`python -m bot run`), in webhook and in polling mode.

The only stand-in is Telegram's cloud: a fake Bot API server on loopback
(tests/integration/fake_telegram.py), reached through MFA_TELEGRAM_API_URL. In webhook mode
the test posts updates to the Rasa server's Telegram route as Telegram would; in polling mode
it queues them in the fake server, and the assistant's poller fetches and hands them over.
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from bot.channels.telegram.config import ROUTE, SECRET_HEADER
from tests.integration.assistant import RunningAssistant, start_assistant
from tests.integration.fake_telegram import TOKEN, Call, FakeTelegram
from tests.integration.practice_codes import code_now
from tests.integration.qr import decode_qr
from tests.integration.test_feedback_end_to_end import helpfulness_of

pytestmark = pytest.mark.slow
SECRET = "webhook_secret-for-the-tests"
PUBLIC_URL = "https://mfa-bot.example.test"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def fake() -> FakeTelegram:
    with FakeTelegram() as server:
        yield server


@dataclass
class TelegramSetup:
    mode: str
    assistant: RunningAssistant
    fake: FakeTelegram
    secret: str
    calls_before_start: int

    @property
    def route(self) -> str:
        return f"http://127.0.0.1:{self.assistant.rasa_port}{ROUTE}"

    def post(self, update: dict[str, Any], secret: str | None) -> int:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        request = urllib.request.Request(self.route, json.dumps(update).encode(), headers)
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def deliver(self, update: dict[str, Any]) -> None:
        """As Telegram would: POST to the webhook, or hand it out on getUpdates."""
        if self.mode == "webhook":
            assert self.post(update, self.secret) == 200
        else:
            self.fake.queue(update)
            self.fake.wait_confirmed(update["update_id"])

    def new_user(self) -> TelegramUser:
        return TelegramUser(self, random.randint(10**8, 10**9))


@dataclass
class TelegramUser:
    setup: TelegramSetup
    chat_id: int
    last_update: dict[str, Any] = field(default_factory=dict)

    def _turn(self, update: dict[str, Any]) -> list[Call]:
        seen = len(self.setup.fake.for_chat(self.chat_id))
        self.last_update = update
        self.setup.deliver(update)
        return self.setup.fake.for_chat(self.chat_id)[seen:]

    def say(self, text: str, language_code: str | None = None) -> list[Call]:
        return self._turn(self.setup.fake.text_update(self.chat_id, text, language_code))

    def press(self, message_id: int, data: str) -> list[Call]:
        return self._turn(self.setup.fake.button_update(self.chat_id, message_id, data))


def sent(calls: list[Call]) -> list[Call]:
    return [call for call in calls if call.method in ("sendMessage", "sendPhoto")]


def keyboard(call: Call) -> dict[str, str]:
    markup = call.params.get("reply_markup") or {"inline_keyboard": []}
    return {key["text"]: key["callback_data"] for row in markup["inline_keyboard"] for key in row}


def message_id(call: Call) -> int:
    """The id Telegram (the fake) gave the message this call sent."""
    return call.result["message_id"]


@pytest.fixture(scope="module", params=["webhook", "polling"])
def telegram(request, fake, trained_model: Path, tmp_path_factory) -> TelegramSetup:
    mode = request.param
    env = {
        "MFA_TELEGRAM_MODE": mode,
        "MFA_TELEGRAM_TOKEN": TOKEN,
        "MFA_TELEGRAM_API_URL": fake.api_url,
        "MFA_TELEGRAM_WEBHOOK_URL": PUBLIC_URL if mode == "webhook" else "",
        # Webhook mode uses a configured secret; polling mode lets the runner generate one.
        "MFA_TELEGRAM_SECRET_TOKEN": SECRET if mode == "webhook" else "",
    }
    var_dir = tmp_path_factory.mktemp(f"telegram-{mode}")
    before = len(fake.calls)
    assistant = start_assistant(var_dir, env)
    secret = SECRET if mode == "webhook" else (var_dir / "telegram-secret").read_text().strip()
    yield TelegramSetup(mode, assistant, fake, secret, before)
    assert assistant.stop() == 0


def test_start_up_checks_the_token_and_registers_the_mode(telegram, fake):
    calls = fake.calls[telegram.calls_before_start :]
    methods = [call.method for call in calls]
    assert methods[0] == "getMe"
    menus = [call for call in calls if call.method == "setMyCommands"]
    assert [menu.params.get("language_code") for menu in menus] == [None, "da"]
    for menu in menus:
        commands = [c["command"] for c in menu.params["commands"]]
        assert commands == ["start", "help", "servicedesk", "lang"]
    assert menus[1].params["commands"][0]["description"] == "Start forfra"
    if telegram.mode == "webhook":
        [webhook] = [call for call in calls if call.method == "setWebhook"]
        assert webhook.params["url"] == PUBLIC_URL + "/webhooks/telegram/webhook"
        assert webhook.params["secret_token"] == SECRET
        assert webhook.params["allowed_updates"] == ["message", "callback_query"]
        assert "getUpdates" not in methods
    else:
        assert "deleteWebhook" in methods and fake.webhook is None
        fake.wait_for(
            lambda: "getUpdates" in [c.method for c in fake.calls[telegram.calls_before_start :]],
            what="a long poll",
        )
        assert len(telegram.secret) >= 32  # generated into MFA_VAR_DIR


def test_a_conversation_start_question_button_and_practice_qr(telegram, fake):
    user = telegram.new_user()

    # /start: the greeting, as HTML, with its buttons as an inline keyboard.
    [greeting] = sent(user.say("/start"))
    assert greeting.method == "sendMessage" and greeting.params["parse_mode"] == "HTML"
    assert "MFA assistant" in greeting.params["text"]
    assert keyboard(greeting)["I lost my phone"] == '/choose_topic{"topic": "lost_phone"}'

    # A question: the whole answer in one message, its button attached.
    [answer] = sent(user.say("I lost my phone"))
    text = answer.params["text"]
    assert text.startswith("Lost, stolen or broken phone?")
    assert "https://mysignins.microsoft.com/security-info" in text
    assert text.rstrip().endswith("help you set up a new method.")
    payload = keyboard(answer)["Help me get back in"]
    assert payload == '/start_walkthrough{"walkthrough": "lost_phone"}'

    # Pressing it: the query is answered first (no endless spinner), the keyboard shrinks to
    # the ticked choice, and the next step comes.
    answer_id = message_id(answer)
    start = len(fake.calls)
    step = user.press(answer_id, payload)
    query_id = user.last_update["callback_query"]["id"]
    answered = [c for c in fake.calls[start:] if c.method == "answerCallbackQuery"]
    assert [c.params["callback_query_id"] for c in answered] == [query_id]
    assert fake.calls.index(answered[0]) < fake.calls.index(sent(step)[0])
    [edit] = [call for call in step if call.method == "editMessageReplyMarkup"]
    assert int(edit.params["message_id"]) == answer_id
    assert keyboard(edit) == {"✓ Help me get back in": "chosen"}
    [question] = sent(step)
    assert "another way to sign in" in question.params["text"]

    # The ticked button does nothing but answer its query.
    start = len(fake.calls)
    assert user.press(answer_id, "chosen") == []
    assert [c.method for c in fake.calls[start:] if c.method != "getUpdates"] == [
        "answerCallbackQuery"
    ]

    # The practice QR code: a real PNG photo (decoded from Rasa's data: URL), explained in
    # its caption; the code it makes is accepted in this chat.
    [photo] = sent(user.say("let me practise scanning a QR code"))
    assert photo.method == "sendPhoto"
    filename, png = photo.files["photo"]
    assert png.startswith(PNG_MAGIC) and filename.endswith(".png")
    uri = urlparse(decode_qr(png))
    assert uri.scheme == "otpauth" and "RUC MFA practice" in parse_qs(uri.query)["issuer"]
    secret = parse_qs(uri.query)["secret"][0]
    assert "<b>practice</b>" in photo.params["caption"] and secret[:4] in photo.params["caption"]
    [verdict] = sent(user.say(code_now(secret)))
    assert "That's right" in verdict.params["text"]

    # /help and /servicedesk.
    [help_text] = sent(user.say("/help"))
    assert "I answer questions about multifactor" in help_text.params["text"]
    assert "Install the app" in keyboard(help_text)
    [servicedesk] = sent(user.say("/servicedesk"))
    assert "+45 4674 3600" in servicedesk.params["text"]


def test_a_danish_app_starts_in_danish_and_lang_switches(telegram, fake):
    user = telegram.new_user()
    [greeting] = sent(user.say("/start", language_code="da"))
    assert "Jeg er RUC's MFA-assistent" in greeting.params["text"]
    [choice] = sent(user.say("/lang", language_code="da"))
    languages = keyboard(choice)
    assert set(languages) == {"Dansk", "English"}
    [english] = sent(user.press(message_id(choice), languages["English"]))
    assert "I'll answer in English" in english.params["text"]
    [answer] = sent(user.say("jeg har mistet min telefon", language_code="da"))
    assert "telefon" in answer.params["text"] and "Lost, stolen" not in answer.params["text"]


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", SECRET.upper()])
def test_an_update_without_the_right_secret_is_refused_and_nothing_is_sent(telegram, fake, secret):
    chat_id = random.randint(10**8, 10**9)
    forged = fake.text_update(chat_id, "/start")
    assert telegram.post(forged, secret) == 403
    time.sleep(1.0)
    assert fake.for_chat(chat_id) == []
    # The same update with the right secret is answered: only the secret was wrong.
    assert telegram.post(fake.text_update(chat_id, "/start"), telegram.secret) == 200
    assert sent(fake.for_chat(chat_id))


def test_a_sticker_gets_a_sentence_not_silence(telegram, fake):
    user = telegram.new_user()
    [reply] = sent(user._turn(fake.sticker_update(user.chat_id)))
    assert "only read text" in reply.params["text"]


def test_the_token_and_the_secret_never_reach_a_log(telegram):
    var_dir = telegram.assistant.var_dir
    logs = [var_dir / "runner.log", *(var_dir / "logs").glob("*.log")]
    assert len(logs) >= 4
    for log in logs:
        text = log.read_text(errors="replace")
        assert TOKEN not in text and TOKEN.split(":")[1] not in text, log.name
        assert telegram.secret not in text, log.name


def test_a_rest_client_cannot_continue_a_telegram_chat(telegram):
    """Knowing a chat id is not enough: REST senders live apart from Telegram's chats."""
    user = telegram.new_user()
    user.say("I'm locked out of my account")
    user.say("yes")
    asked = sent(user.say("Ib Hidden Jensen"))
    assert asked, "the ticket form asked nothing after the name"
    rest = telegram.assistant
    for sender in (f"telegram:{user.chat_id}", f"TELEGRAM:{user.chat_id}"):
        body = json.dumps({"sender": sender, "message": "what is my name?"}).encode()
        status, reply = rest.post_raw(body)
        assert status == 400 and "another channel" in reply["error"], (status, reply)
    # The bare chat id is an ordinary REST sender: a conversation of its own, not the chat's.
    replies = rest.say(str(user.chat_id), "ibhj@ruc.dk")
    assert "Ib Hidden Jensen" not in json.dumps(replies)
    with sqlite3.connect(rest.var_dir / "trackers.db") as db:
        stored = dict(db.execute("SELECT sender_id, group_concat(data) FROM events GROUP BY 1"))
    assert "Ib Hidden Jensen" in stored[f"telegram:{user.chat_id}"]
    assert "Ib Hidden Jensen" not in stored[str(user.chat_id)]
    # The chat goes on with its form where it was.
    assert sent(user.say("ibhj@ruc.dk"))


def test_feedback_buttons_on_telegram_end_up_in_the_insights(telegram):
    """👎 under an answer, pressed in Telegram: other topics offered, and the insights' table
    holds it against the answer, on the Telegram channel."""
    user = telegram.new_user()
    [answer] = sent(user.say("I lost my phone"))
    buttons = keyboard(answer)
    assert buttons["👍 Helpful"] == '/feedback{"helpful": "yes"}'
    [sorry] = sent(user.press(message_id(answer), buttons["👎 Not helpful"]))
    assert "Sorry that didn't help" in sorry.params["text"]
    assert '/choose_topic{"topic": "lost_phone"}' not in keyboard(sorry).values()
    with sqlite3.connect(telegram.assistant.var_dir / "trackers.db") as db:
        rows = db.execute(
            "SELECT channel, outcome, topic, helpful FROM insight_turns WHERE sender_id = ?"
            " ORDER BY id",
            (f"telegram:{user.chat_id}",),
        ).fetchall()
    assert rows == [
        ("telegram", "answered", "faq/lost_phone", None),
        ("telegram", "feedback", "faq/lost_phone", 0),
    ]
    # The insights page's figure counts it on the Telegram channel, and only there.
    assert helpfulness_of(telegram.assistant.var_dir, "telegram") == {"faq/lost_phone": (0, 1)}
    assert "faq/lost_phone" not in helpfulness_of(telegram.assistant.var_dir, "rest")
