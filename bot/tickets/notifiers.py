"""Telling the servicedesk about a ticket: an e-mail to its mailbox and/or a JSON webhook.

Notifiers only send; retrying is the outbox's job. So every failure, whatever its cause,
becomes one ``DeliveryError`` the outbox can record and retry, and nothing here logs or
repeats a password or the webhook secret.
"""

from __future__ import annotations

import hashlib
import json
import smtplib
import ssl
import urllib.error
import urllib.request
from email.message import EmailMessage, Message
from email.utils import formatdate
from http.client import HTTPException
from typing import IO, Protocol
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from bot.settings import Settings
from bot.tickets.models import Ticket

SERVICEDESK_TIMEZONE = ZoneInfo("Europe/Copenhagen")
PHOTO_ID_LINE = "Check the person's photo ID before changing anything."
_CONTACT = {"call": "call back", "visit": "will come by"}
_WHO = {"user": "User", "bot": "Assistant"}


class DeliveryError(Exception):
    """The message did not reach the servicedesk this time; the outbox will try again."""


class Notifier(Protocol):
    """Anything that can deliver a ticket on one channel."""

    def send(self, ticket: Ticket) -> None: ...


def _one_line(value: str) -> str:
    """Header-safe text: a name with a line break must not break (or inject) mail headers."""
    return " ".join(value.split())


def message_id(ticket: Ticket, sender: str) -> str:
    """The same id on every attempt for the ticket, and only for it.

    Should a mail go out twice (a crash between the SMTP server accepting it and the outbox
    recording that), mail systems can tell it is one message. The idempotency key's hash is in
    it because references repeat when a database is set up anew (tests, staging), and a mailbox
    that drops "duplicates" must not drop a new ticket.
    """
    digest = hashlib.sha256(ticket.idempotency_key.encode("utf-8")).hexdigest()[:16]
    domain = sender.rpartition("@")[2] or "mfa-assistant.invalid"
    return f"<{ticket.reference}.{digest}@{domain}>"


def email_subject(ticket: Ticket) -> str:
    subject = f"[{ticket.reference}] MFA help needed: {_one_line(ticket.name)}"
    return subject + " (URGENT)" if ticket.urgent else subject


def email_body(ticket: Ticket) -> str:
    """Plain text that reads well in any mail client and in a printed ticket."""
    created = ticket.created_at.astimezone(SERVICEDESK_TIMEZONE)
    contact = _CONTACT.get(ticket.contact_preference, ticket.contact_preference)
    lines = [
        f"Reference: {ticket.reference}",
        f"Name: {ticket.name}",
        f"Username/e-mail: {ticket.username}",
        f"Phone: {ticket.phone or '(not given)'}",
        f"Contact preference: {contact}",
        f"Urgent: {'yes' if ticket.urgent else 'no'}",
        f"Created: {created:%Y-%m-%d %H:%M} (Copenhagen time)",
        "",
        "What happened:",
        ticket.summary,
        "",
        PHOTO_ID_LINE,
        "",
        "Conversation with the assistant (personal details redacted):",
    ]
    transcript = ticket.transcript_lines
    lines += [f"  {_WHO.get(line['who'], line['who'])}: {line['text']}" for line in transcript]
    if not transcript:
        lines.append("  (none)")
    return "\n".join(lines) + "\n"


class EmailNotifier:
    """Mails each ticket to the servicedesk's mailbox through an SMTP relay."""

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        recipient: str,
        starttls: bool = False,
        username: str = "",
        password: str = "",
        timeout: float = 10,
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.recipient = recipient
        self.starttls = starttls
        self.username = username
        self._password = password
        self.timeout = timeout

    def __repr__(self) -> str:
        # Never the password: notifiers get logged at start-up and appear in tracebacks.
        login = f", login as {self.username}" if self.username else ""
        tls = ", STARTTLS" if self.starttls else ""
        return f"EmailNotifier({self.recipient} via {self.host}:{self.port}{tls}{login})"

    def message(self, ticket: Ticket) -> EmailMessage:
        message = EmailMessage()
        message["Subject"] = email_subject(ticket)
        message["From"] = self.sender
        message["To"] = self.recipient
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = message_id(ticket, self.sender)
        if ticket.urgent:
            message["X-Priority"] = "1"
        # Quoted-printable keeps "Ørsted" intact through relays that only speak 7-bit.
        message.set_content(email_body(ticket), cte="quoted-printable")
        return message

    def send(self, ticket: Ticket) -> None:
        try:
            message = self.message(ticket)
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, self._password)
                smtp.send_message(message)
        except (smtplib.SMTPException, OSError, ValueError) as error:
            raise DeliveryError(f"SMTP {self.host}:{self.port}: {error}") from error


def webhook_payload(ticket: Ticket) -> dict:
    """The JSON the servicedesk's system receives (no transcript: it may be forwarded on)."""
    return {
        "reference": ticket.reference,
        "name": ticket.name,
        "username": ticket.username,
        "phone": ticket.phone,
        "contact_preference": ticket.contact_preference,
        "urgent": ticket.urgent,
        "summary": ticket.summary,
        "created_at": ticket.created_at.isoformat(),
        "channel": ticket.channel,
    }


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirected POST becomes a GET in urllib; its 200 would be taken for a delivery."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: Message,
        newurl: str,
    ) -> None:
        return None  # urllib then raises HTTPError with the 3xx code


class WebhookNotifier:
    """POSTs each ticket as JSON to the servicedesk's webhook."""

    def __init__(self, url: str, secret: str = "", timeout: float = 10) -> None:
        # urllib would also open file:// and ftp:// URLs; a webhook is HTTP(S) or a mistake.
        if urlsplit(url).scheme not in ("http", "https"):
            raise ValueError("the webhook URL must start with http:// or https://")
        self.url = url
        self._secret = secret
        self.timeout = timeout
        self._opener = urllib.request.build_opener(_NoRedirects)

    def __repr__(self) -> str:
        parts = urlsplit(self.url)
        host = parts.hostname or ""
        where = f"{parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}{parts.path}"
        return f"WebhookNotifier({where}{', with secret' if self._secret else ''})"

    def send(self, ticket: Ticket) -> None:
        body = json.dumps(webhook_payload(ticket), ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if self._secret:
            headers["X-MFA-Webhook-Secret"] = self._secret
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                status = response.status
                response.read()
        except urllib.error.HTTPError as error:  # 4xx, 5xx and refused redirects
            raise DeliveryError(f"webhook answered HTTP {error.code}") from error
        except (urllib.error.URLError, HTTPException, OSError, ValueError) as error:
            raise DeliveryError(f"webhook unreachable: {error}") from error
        if not 200 <= status < 300:
            raise DeliveryError(f"webhook answered HTTP {status}")


def notifiers_from_settings(settings: Settings) -> dict[str, Notifier]:
    """The channels the settings configure, each with its notifier."""
    notifiers: dict[str, Notifier] = {}
    if settings.smtp_host and settings.servicedesk_email:
        notifiers["email"] = EmailNotifier(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_from,
            recipient=settings.servicedesk_email,
            starttls=settings.smtp_starttls,
            username=settings.smtp_username,
            password=settings.smtp_password,
        )
    if settings.webhook_url:
        notifiers["webhook"] = WebhookNotifier(settings.webhook_url, settings.webhook_secret)
    return notifiers


def configured_channels(settings: Settings) -> list[str]:
    """What ``create_ticket`` should queue: decided by settings alone, without building anything.

    Kept separate from ``notifiers_from_settings`` so the action server can queue a message for
    a channel even if its notifier would fail to build (the worker's problem, and visible).
    """
    channels = []
    if settings.smtp_host and settings.servicedesk_email:
        channels.append("email")
    if settings.webhook_url:
        channels.append("webhook")
    return channels
