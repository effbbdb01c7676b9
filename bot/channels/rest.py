"""The REST channel, at Rasa's usual path /webhooks/rest/webhook, with validated input."""

from __future__ import annotations

import logging
from asyncio import CancelledError
from collections.abc import Awaitable, Callable

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.validation import BadRequest, Limits, parse_chat_request
from bot.content import servicedesk_hint
from bot.language_detection import detect
from bot.locales import DEFAULT_LANGUAGE, text
from bot.rate_limit import make_rate_limiter
from bot.settings import get_settings

logger = logging.getLogger(__name__)


def error_response(error: BadRequest) -> HTTPResponse:
    return response.json({"error": error.reason}, status=error.status)


class ValidatedRestInput(RestInput):
    """Rasa's REST channel, but a bad request gets a 4xx with a reason instead of a 500.

    Each sender may send MFA_RATE_LIMIT_MESSAGES per MFA_RATE_LIMIT_SECONDS; more get a 429
    with Retry-After (the widget shows that as a friendly "slow down").
    """

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        settings = get_settings()
        limits = Limits(settings.max_message_chars, settings.max_sender_chars)
        limiter = make_rate_limiter(settings)
        webhook = Blueprint("validated_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                chat = parse_chat_request(request.body or b"", limits)
            except BadRequest as error:
                return error_response(error)
            wait = await limiter.retry_after(chat.sender)
            if wait:
                return response.json(
                    {"error": f"Too many messages; please wait {wait} seconds and try again."},
                    status=429,
                    headers={"Retry-After": str(wait)},
                )
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(
                        chat.message,
                        collector,
                        chat.sender,
                        input_channel=self.name(),
                        metadata=chat.metadata,
                    )
                )
            except CancelledError:
                logger.error("Handling a REST message timed out.")
            except Exception:
                logger.exception("Handling a REST message failed.")
            if not collector.messages:
                # The user never meets silence: say so, with a way to a person, in the
                # language of their words (the conversation's own may be out of reach).
                language = detect(chat.message) or DEFAULT_LANGUAGE
                sorry = text("channel.sorry", language, hint=servicedesk_hint(language))
                collector.messages.append({"recipient_id": chat.sender, "text": sorry})
            return response.json(collector.messages)

        return webhook
