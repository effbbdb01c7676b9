"""`python -m bot telegram-poll`: Telegram without a public URL.

Long-polls getUpdates and hands each update to the Rasa server's Telegram route on loopback,
with the secret header, exactly as Telegram itself would in webhook mode; so both modes go
through one code path (channel.py). An update is confirmed to Telegram (the next getUpdates
offset) only after the Rasa server has answered for it, so a restart loses nothing. Updates
of one chat are handed over in order, one at a time; different chats in parallel.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections import defaultdict

import httpx
from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError

from bot.channels.telegram.config import (
    ALLOWED_UPDATES,
    LONG_POLL_SECONDS,
    SECRET_HEADER,
    TelegramConfigError,
    check_config,
    loopback_webhook_url,
    make_bot,
    quiet_http_logs,
    rejected,
    secret_token,
)
from bot.settings import Settings

logger = logging.getLogger(__name__)

FORWARD_TIMEOUT_S = 120  # the Rasa server answers once the replies are sent
MAX_BACKOFF_S = 5.0
SERVER_ERROR_RETRIES = 3


class PollerStopped(Exception):
    """The poller cannot go on; the message says why and what to change."""


class Poller:
    def __init__(self, settings: Settings) -> None:
        check_config(settings)
        self.settings = settings
        self.target = loopback_webhook_url(settings)
        self.headers = {SECRET_HEADER: secret_token(settings), "Content-Type": "application/json"}
        self.bot = make_bot(settings)
        self.stop = asyncio.Event()
        self.offset: int | None = None

    async def run(self) -> None:
        async with httpx.AsyncClient(timeout=FORWARD_TIMEOUT_S) as client:
            try:
                await self._connect()
                while not self.stop.is_set():
                    updates = await self._next_updates()
                    if updates:
                        await self._forward_all(client, updates)
                        self.offset = updates[-1].update_id + 1
                await self._confirm()
            finally:
                await self.bot.shutdown()

    async def _connect(self) -> None:
        """getMe and deleteWebhook (getUpdates refuses to run while a webhook is set)."""
        delay = 0.5
        while not self.stop.is_set():
            try:
                await self.bot.initialize()
                await self.bot.delete_webhook()
                logger.info("Polling Telegram as @%s, handing updates to %s", self.bot.username,
                            self.target)  # fmt: skip
                return
            except InvalidToken as error:
                raise PollerStopped(rejected(error)) from None
            except (NetworkError, RetryAfter) as error:
                logger.warning("Telegram is not reachable yet (%s); retrying.", error)
            await self._sleep(delay)
            delay = min(delay * 2, MAX_BACKOFF_S)

    async def _next_updates(self) -> tuple[Update, ...]:
        """One long poll; returns early (and empty) when asked to stop."""
        poll = asyncio.ensure_future(
            self.bot.get_updates(
                offset=self.offset, timeout=LONG_POLL_SECONDS, allowed_updates=ALLOWED_UPDATES
            )
        )
        stop = asyncio.ensure_future(self.stop.wait())
        await asyncio.wait({poll, stop}, return_when=asyncio.FIRST_COMPLETED)
        stop.cancel()
        if not poll.done():
            poll.cancel()  # nothing was handed over from this poll: nothing is lost
            return ()
        try:
            return poll.result()
        except InvalidToken as error:
            raise PollerStopped(rejected(error)) from None
        except Conflict as error:
            # A webhook was set again, or a second poller runs with the same token.
            logger.warning("Telegram reports a conflict (%s); removing any webhook.", error)
            try:
                await self.bot.delete_webhook()
            except TelegramError as retry_error:
                logger.warning("deleteWebhook failed: %s", retry_error)
            await self._sleep(MAX_BACKOFF_S)
        except RetryAfter as error:
            wait = error.retry_after
            await self._sleep(wait.total_seconds() if hasattr(wait, "total_seconds") else wait)
        except (NetworkError, TelegramError) as error:
            logger.warning("getUpdates failed (%s); retrying.", error)
            await self._sleep(MAX_BACKOFF_S / 2)
        return ()

    async def _forward_all(self, client: httpx.AsyncClient, updates: tuple[Update, ...]) -> None:
        by_chat: dict[object, list[Update]] = defaultdict(list)
        for update in updates:
            chat = update.effective_chat
            by_chat[chat.id if chat else None].append(update)

        async def one_chat(chat_updates: list[Update]) -> None:
            for update in chat_updates:
                await self._forward(client, update)

        await asyncio.gather(*(one_chat(chat_updates) for chat_updates in by_chat.values()))

    async def _forward(self, client: httpx.AsyncClient, update: Update) -> None:
        """Hand one update to the Rasa server, waiting for it while it (re)starts."""
        body = update.to_json().encode()
        delay, server_errors = 0.5, 0
        while True:
            try:
                answer = await client.post(self.target, content=body, headers=self.headers)
            except httpx.TransportError as error:
                # The Rasa server is starting or restarting: keep the update and wait. If we
                # are stopped meanwhile, the update stays unconfirmed and comes back next time.
                if self.stop.is_set():
                    raise PollerStopped("Stopped while the Rasa server was unreachable.") from None
                logger.info("The Rasa server is not answering yet (%s); waiting.", error)
            else:
                if answer.is_success:
                    return
                if answer.status_code == 403:
                    raise PollerStopped(
                        "The Rasa server refused the poller's secret (403): both must see the "
                        "same MFA_TELEGRAM_SECRET_TOKEN (or MFA_VAR_DIR, where it is generated)."
                    )
                if answer.status_code == 404:
                    raise PollerStopped(
                        f"The Rasa server has no Telegram route at {self.target}: start it with "
                        "`python -m bot run`, which enables the channel."
                    )
                server_errors += 1
                if answer.status_code < 500 or server_errors > SERVER_ERROR_RETRIES:
                    logger.error(
                        "The Rasa server answered %s to update %s; skipping it.",
                        answer.status_code,
                        update.update_id,
                    )
                    return
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_BACKOFF_S)

    async def _confirm(self) -> None:
        """Tell Telegram which updates were handed over, so they don't come again."""
        if self.offset is None:
            return
        try:
            await self.bot.get_updates(
                offset=self.offset, timeout=0, allowed_updates=ALLOWED_UPDATES
            )
        except TelegramError as error:
            logger.warning("Could not confirm the last updates (%s); they may come again.", error)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.stop.wait(), timeout=seconds)


async def _poll(settings: Settings) -> None:
    poller = Poller(settings)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, poller.stop.set)
    await poller.run()


def main(settings: Settings) -> int:
    """Poll until SIGINT/SIGTERM; 1 with the reason when the poller can't go on."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    quiet_http_logs()
    if settings.telegram_mode != "polling":
        print(
            f"MFA_TELEGRAM_MODE is {settings.telegram_mode}; the poller only runs in polling mode.",
            file=sys.stderr,
        )
        return 1
    try:
        asyncio.run(_poll(settings))
    except (TelegramConfigError, PollerStopped) as error:
        print(str(error), file=sys.stderr, flush=True)
        return 1
    logger.info("Stopped polling Telegram.")
    return 0
