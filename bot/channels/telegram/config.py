"""Telegram settings checked, the webhook secret, the Bot object, and the start-up handshake.

The runner calls ``preflight`` before it starts anything, so a Telegram problem is one clear
sentence at start-up instead of a silent bot:

- configuration mistakes (no token, a token Telegram rejects, webhook mode without an HTTPS
  URL, a secret Telegram would refuse) stop the runner: whoever enabled Telegram must fix it,
  or set MFA_TELEGRAM_MODE=off to run without Telegram;
- Telegram being unreachable is only a warning: the rest of the assistant starts, a webhook
  registered earlier keeps working, and the poller retries on its own.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass

from telegram import Bot, BotCommand
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, TelegramError
from telegram.request import HTTPXRequest

from bot.locales import DEFAULT_LANGUAGE, languages, text
from bot.secret_files import UnusableSecretFile, persisted_secret
from bot.settings import Settings

ROUTE = "/webhooks/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "callback_query"]
SECRET_FILE = "telegram-secret"
LONG_POLL_SECONDS = 30

# The command menu Telegram shows, in order; bot/channels/telegram/formatting.COMMANDS maps them.
MENU_COMMANDS = ("start", "help", "servicedesk", "lang")


def menu(language: str) -> list[BotCommand]:
    """The command menu with descriptions in one language (locales/*/texts.yml)."""
    return [
        BotCommand(command, text(f"telegram.commands.{command}", language))
        for command in MENU_COMMANDS
    ]


_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
REJECTED = (
    "MFA_TELEGRAM_TOKEN was rejected by Telegram ({detail}). Copy the bot's token from "
    "@BotFather again, or set MFA_TELEGRAM_MODE=off to run without Telegram."
)

logger = logging.getLogger(__name__)


def quiet_http_logs() -> None:
    """httpx logs every request URL at INFO, and Bot API URLs contain the token."""
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)


class TelegramConfigError(Exception):
    """Telegram is enabled but cannot work as configured; the message says what to change."""


class TelegramUnreachable(Exception):
    """Telegram (or MFA_TELEGRAM_API_URL) could not be reached; configuration may be fine."""


def config_problems(settings: Settings) -> list[str]:
    """Sentences naming each setting that stops the configured mode from working."""
    if settings.telegram_mode == "off":
        return []
    problems = []
    if not settings.telegram_token:
        problems.append(
            f"MFA_TELEGRAM_MODE is {settings.telegram_mode}, but MFA_TELEGRAM_TOKEN is not set: "
            "create a bot with @BotFather and set its token, or set MFA_TELEGRAM_MODE=off."
        )
    elif not _TOKEN.match(settings.telegram_token):
        problems.append(
            "MFA_TELEGRAM_TOKEN does not look like a token from @BotFather (digits, a colon, "
            "then letters, digits, _ or -)."
        )
    if settings.telegram_mode == "webhook" and not settings.telegram_webhook_url.startswith(
        "https://"
    ):
        problems.append(
            "MFA_TELEGRAM_MODE is webhook, but MFA_TELEGRAM_WEBHOOK_URL is "
            + ("not set" if not settings.telegram_webhook_url else "not an https:// URL")
            + ": set it to the public HTTPS address that reaches this Rasa server (Telegram "
            "posts to <that URL>" + ROUTE + "), or use MFA_TELEGRAM_MODE=polling."
        )
    if settings.telegram_secret_token and not _SECRET.match(settings.telegram_secret_token):
        problems.append(
            "MFA_TELEGRAM_SECRET_TOKEN must be 1-256 characters of A-Z, a-z, 0-9, _ and - "
            "(Telegram's rule); leave it empty to have one generated."
        )
    return problems


def check_config(settings: Settings) -> None:
    problems = config_problems(settings)
    if problems:
        raise TelegramConfigError(" ".join(problems))


def webhook_url(settings: Settings) -> str:
    """The public URL Telegram posts updates to."""
    return settings.telegram_webhook_url.rstrip("/") + ROUTE


def loopback_webhook_url(settings: Settings) -> str:
    """Where the poller hands updates to the Rasa server on this machine."""
    return f"http://127.0.0.1:{settings.rasa_port}{ROUTE}"


def secret_token(settings: Settings) -> str:
    """The configured secret, else one generated once into var_dir (mode 0600).

    Several Rasa replicas behind a load balancer must share it: set it then.
    """
    if settings.telegram_secret_token:
        return settings.telegram_secret_token
    try:
        return persisted_secret(settings.var_dir / SECRET_FILE)
    except UnusableSecretFile as error:
        raise TelegramConfigError(str(error)) from None


def make_bot(settings: Settings, read_timeout: float = 10.0) -> Bot:
    quiet_http_logs()
    return Bot(
        settings.telegram_token,
        base_url=settings.telegram_api_url,
        request=HTTPXRequest(connection_pool_size=64, read_timeout=read_timeout),
        get_updates_request=HTTPXRequest(connection_pool_size=1, read_timeout=read_timeout),
    )


@dataclass(frozen=True)
class Handshake:
    username: str  # the bot's @name, for the banner


async def handshake(settings: Settings) -> Handshake:
    """getMe, then register the webhook (webhook mode) or remove it (polling), and the menu."""
    bot = make_bot(settings)
    try:
        try:
            await bot.initialize()  # getMe
        except InvalidToken as error:
            raise TelegramConfigError(rejected(error)) from None
        me = bot.bot
        if settings.telegram_mode == "webhook":
            try:
                await bot.set_webhook(
                    webhook_url(settings),
                    secret_token=secret_token(settings),
                    allowed_updates=ALLOWED_UPDATES,
                )
            except BadRequest as error:
                raise TelegramConfigError(
                    f"Telegram refused the webhook {webhook_url(settings)} ({error.message}); "
                    "check MFA_TELEGRAM_WEBHOOK_URL."
                ) from None
        else:
            await bot.delete_webhook()
        try:
            # The default menu, then each other language's for apps set to that language.
            await bot.set_my_commands(menu(DEFAULT_LANGUAGE))
            for language in languages()[1:]:
                await bot.set_my_commands(menu(language), language_code=language)
        except TelegramError as error:  # a nicety: never a reason to stop
            logger.warning("Could not set the Telegram command menu: %s", error)
        return Handshake(username=me.username or str(me.id))
    except Forbidden as error:
        raise TelegramConfigError(REJECTED.format(detail=error.message)) from None
    except NetworkError as error:
        raise TelegramUnreachable(
            f"Telegram could not be reached at {settings.telegram_api_url} ({error.message})."
        ) from None
    finally:
        try:
            await bot.shutdown()
        except Exception:  # closing a client that never connected
            logger.debug("Closing the Telegram client failed", exc_info=True)


def rejected(error: InvalidToken) -> str:
    """The start-up sentence for a rejected token, in Telegram's own words ("Unauthorized").

    PTB's own message for this repeats the token, so it is never printed or logged.
    """
    cause = error.__cause__ if isinstance(error.__cause__, TelegramError) else error
    return REJECTED.format(detail=f"getMe: {cause.message}")


def preflight(settings: Settings) -> str | None:
    """Check and register Telegram before the runner starts anything.

    Returns a line for the start-up banner (None when Telegram is off). Raises
    TelegramConfigError with the sentence to print when the runner must not start.
    """
    if settings.telegram_mode == "off":
        return None
    check_config(settings)
    secret_token(settings)  # created now, before the Rasa server and the poller both read it
    try:
        done = asyncio.run(handshake(settings))
    except TelegramUnreachable as error:
        print(
            f"Warning: {error} Starting without confirming the token; "
            + (
                "the webhook registered earlier stays in place."
                if settings.telegram_mode == "webhook"
                else "the poller keeps trying."
            ),
            flush=True,
        )
        return f"Telegram ({settings.telegram_mode}): not confirmed, Telegram was unreachable"
    if settings.telegram_mode == "webhook":
        return f"Telegram: @{done.username}, webhook {webhook_url(settings)}"
    return f"Telegram: @{done.username}, polling (no public URL needed)"
