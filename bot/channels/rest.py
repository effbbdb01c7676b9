"""The REST channel, at Rasa's usual path /webhooks/rest/webhook, with validated input; and
/webhooks/rest/erase, where a sender erases their own conversation (the widget's "Delete this
conversation", bot/privacy/)."""

from __future__ import annotations

import asyncio
import logging
from asyncio import CancelledError
from collections.abc import Awaitable, Callable

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import request_ids
from bot.channels.backlog import requests_in_hand
from bot.channels.validation import (
    BadRequest,
    ChatRequest,
    Limits,
    parse_chat_request,
    parse_erase_request,
)
from bot.client_address import client_address
from bot.content import servicedesk_hint
from bot.language_detection import detect
from bot.locales import DEFAULT_LANGUAGE, text
from bot.metrics import chat as metrics
from bot.privacy.erase import erase_conversation
from bot.rate_limit import make_rate_limiter
from bot.settings import get_settings

logger = logging.getLogger(__name__)
BUSY_RETRY_AFTER_S = 2  # a message takes well under a second: soon there is room again


def error_response(error: BadRequest) -> HTTPResponse:
    return response.json({"error": error.reason}, status=error.status)


def too_many(wait: int) -> HTTPResponse:
    return response.json(
        {"error": f"Too many messages; please wait {wait} seconds and try again."},
        status=429,
        headers={"Retry-After": str(wait)},
    )


def busy() -> HTTPResponse:
    return response.json(
        {"error": "The assistant is busy; please try again in a moment."},
        status=503,
        headers={"Retry-After": str(BUSY_RETRY_AFTER_S)},
    )


class ValidatedRestInput(RestInput):
    """Rasa's REST channel, but a bad request gets a 4xx with a reason instead of a 500.

    Each sender may send MFA_RATE_LIMIT_MESSAGES per MFA_RATE_LIMIT_SECONDS, and each client
    address MFA_RATE_LIMIT_PER_ADDRESS (X-Forwarded-For believed from MFA_TRUSTED_PROXIES
    only); more get a 429 with Retry-After (the widget shows that as a friendly "slow down").
    Past MFA_MAX_CONCURRENT_MESSAGES requests in hand (bot/channels/backlog.py) the server
    answers 503 with Retry-After instead of making the queue longer.
    """

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        settings = get_settings()
        limits = Limits(settings.max_message_chars, settings.max_sender_chars)
        limiter = make_rate_limiter(settings)
        address_limiter = make_rate_limiter(settings, per="address")
        proxies = settings.proxy_networks
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
            # First, so a message turned away costs the sender none of their rate.
            in_hand = requests_in_hand(request)
            if in_hand > settings.max_concurrent_messages:
                logger.warning("Refused a message: %d requests in hand.", in_hand)
                return busy()
            limited = await rate_limited(request, chat.sender)
            return limited or response.json(await self._answer(chat, on_new_message))

        @webhook.route("/erase", methods=["POST"])
        async def erase(request: Request) -> HTTPResponse:
            """The widget's "Delete this conversation": the sender erases their own."""
            try:
                sender = parse_erase_request(request.body or b"", limits)
            except BadRequest as error:
                return error_response(error)
            limited = await rate_limited(request, sender)
            if limited:
                return limited
            try:
                await asyncio.to_thread(
                    erase_conversation,
                    settings.resolved_database_url,
                    settings.resolved_tracker_store_url,
                    sender,
                )
            except Exception:
                logger.exception("Erasing a conversation failed.")
                return response.json(
                    {"error": "The conversation could not be deleted just now; try again."},
                    status=503,
                    headers={"Retry-After": str(BUSY_RETRY_AFTER_S)},
                )
            return response.json({"erased": True})

        async def rate_limited(request: Request, sender: str) -> HTTPResponse | None:
            address = client_address(
                request.ip, request.headers.getall("x-forwarded-for", []), proxies
            )
            # A client that changes its sender id each time is still one address.
            wait = await address_limiter.retry_after(address)
            if wait:
                metrics.RATE_LIMITED.labels("address").inc()
                return too_many(wait)
            wait = await limiter.retry_after(sender)
            if wait:
                metrics.RATE_LIMITED.labels("sender").inc()
                return too_many(wait)
            return None

        return webhook

    async def _answer(
        self, chat: ChatRequest, on_new_message: Callable[[UserMessage], Awaitable[None]]
    ) -> list[dict]:
        """Rasa's replies to one message; never none, so the user never meets silence."""
        collector = CollectingOutputChannel()
        try:
            await on_new_message(
                UserMessage(
                    chat.message,
                    collector,
                    chat.sender,
                    input_channel=self.name(),
                    metadata={**chat.metadata, **request_ids.as_metadata()},
                )
            )
        except CancelledError:
            logger.error("Handling a REST message timed out.")
        except Exception:
            logger.exception("Handling a REST message failed.")
        if not collector.messages:
            # Say so, with a way to a person, in the language of their words (the
            # conversation's own may be out of reach).
            language = detect(chat.message) or DEFAULT_LANGUAGE
            sorry = text("channel.sorry", language, hint=servicedesk_hint(language))
            collector.messages.append({"recipient_id": chat.sender, "text": sorry})
        return collector.messages
