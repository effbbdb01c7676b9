"""A real SMTP server on loopback (aiosmtpd) that keeps every mail it accepts."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Mailbox:
    """aiosmtpd handler: keeps every mail it accepts."""

    messages: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd's hook name
        self.recipients.append(list(envelope.rcpt_tos))
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 60.0) -> list[EmailMessage]:
        """The first ``count`` mails, waiting for a worker in another process to send them."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(self.messages) >= count, f"{len(self.messages)} of {count} mails arrived"
        return self.messages[:count]

    def wait_for_subject(self, words: str, timeout: float = 60.0) -> EmailMessage:
        """The first mail whose subject contains ``words``, waiting for it to arrive."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [mail for mail in self.messages if words in mail["Subject"]]
            if found:
                return found[0]
            time.sleep(0.2)
        raise AssertionError(f"no mail with {words!r} in its subject arrived")


def only_login(username: str, password: str) -> Callable:
    def authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            username.encode(),
            password.encode(),
        )
        return AuthResult(success=ok, handled=False)

    return authenticator


def start_smtp_server(port: int, **options) -> tuple[Mailbox, Controller]:
    """An SMTP server on 127.0.0.1:``port``; call ``controller.stop()`` when done."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    return mailbox, controller
