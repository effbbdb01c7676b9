"""What the servicedesk reads: mail subject and body, webhook JSON, and which channels are on."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from bot.settings import Settings
from bot.tickets.models import Ticket
from bot.tickets.notifiers import (
    PHOTO_ID_LINE,
    EmailNotifier,
    WebhookNotifier,
    configured_channels,
    email_body,
    email_subject,
    notifiers_from_settings,
    webhook_payload,
)

CREATED = datetime(2026, 3, 2, 8, 5, tzinfo=timezone.utc)  # 09:05 in Copenhagen (CET)


def ticket(**changes: object) -> Ticket:
    values: dict = {
        "id": 42,
        "idempotency_key": "conv-1:ticket",
        "channel": "telegram",
        "name": "Jens Hansen",
        "username": "jeha@ruc.dk",
        "phone": "+45 12 34 56 78",
        "summary": "Lost my phone; need a new authenticator.",
        "contact_preference": "call",
        "urgent": False,
        "transcript": json.dumps(
            [{"who": "user", "text": "I lost my phone"}, {"who": "bot", "text": "I'm sorry."}]
        ),
        "created_at": CREATED,
    }
    values.update(changes)
    return Ticket(**values)


def test_subject() -> None:
    assert email_subject(ticket()) == "[MFA-000042] MFA help needed: Jens Hansen"
    assert email_subject(ticket(urgent=True)).endswith("Jens Hansen (URGENT)")


def test_a_line_break_in_the_name_cannot_inject_headers() -> None:
    message = EmailNotifier("smtp", 25, "a@ruc.dk", "sd@ruc.dk").message(
        ticket(name="Jens\r\nBcc: evil@example.com")
    )
    assert message["Subject"] == "[MFA-000042] MFA help needed: Jens Bcc: evil@example.com"
    assert message["Bcc"] is None


def test_body_has_what_the_agent_needs() -> None:
    body = email_body(ticket())
    for expected in (
        "MFA-000042",
        "Jens Hansen",
        "jeha@ruc.dk",
        "+45 12 34 56 78",
        "call back",
        "Lost my phone; need a new authenticator.",
        "User: I lost my phone",
        "Assistant: I'm sorry.",
        "2026-03-02 09:05",
        PHOTO_ID_LINE,
    ):
        assert expected in body, expected
    visit = email_body(ticket(contact_preference="visit", phone=None, transcript="[]"))
    assert "will come by" in visit
    assert "(not given)" in visit
    assert "(none)" in visit


def test_message_id_is_stable_and_specific() -> None:
    notifier = EmailNotifier("smtp", 25, "mfa-assistant@ruc.dk", "sd@ruc.dk")
    first = notifier.message(ticket())["Message-ID"]
    assert first == notifier.message(ticket())["Message-ID"]
    assert first.startswith("<MFA-000042.") and first.endswith("@ruc.dk>")
    assert first != notifier.message(ticket(idempotency_key="other"))["Message-ID"]


def test_webhook_payload() -> None:
    payload = webhook_payload(ticket(urgent=True))
    assert payload == {
        "reference": "MFA-000042",
        "name": "Jens Hansen",
        "username": "jeha@ruc.dk",
        "phone": "+45 12 34 56 78",
        "contact_preference": "call",
        "urgent": True,
        "summary": "Lost my phone; need a new authenticator.",
        "created_at": "2026-03-02T08:05:00+00:00",
        "channel": "telegram",
    }
    json.dumps(payload)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://host/x", "servicedesk.ruc.dk/hook"])
def test_webhook_needs_http(url: str) -> None:
    with pytest.raises(ValueError, match="http"):
        WebhookNotifier(url)


def test_secrets_stay_out_of_reprs() -> None:
    mail = EmailNotifier("smtp.ruc.dk", 587, "a@ruc.dk", "sd@ruc.dk", True, "bot", "hunter2")
    assert "hunter2" not in repr(mail)
    assert "smtp.ruc.dk:587" in repr(mail)
    hook = WebhookNotifier("https://user:pw@sd.ruc.dk/hook?token=abc", secret="s3cret")
    for secret in ("s3cret", "pw", "abc"):
        assert secret not in repr(hook)


def settings(**values: str) -> Settings:
    """Settings with delivery off unless given, whatever this machine's MFA_* variables say."""
    return Settings(**{"smtp_host": "", "servicedesk_email": "", "webhook_url": "", **values})


def test_channels_follow_the_settings() -> None:
    assert configured_channels(settings()) == []
    assert notifiers_from_settings(settings()) == {}
    # A relay without a recipient (or the reverse) is no channel at all.
    assert configured_channels(settings(smtp_host="smtp.ruc.dk")) == []
    assert configured_channels(settings(servicedesk_email="sd@ruc.dk")) == []
    full = settings(
        smtp_host="smtp.ruc.dk",
        servicedesk_email="sd@ruc.dk",
        smtp_password="hunter2",
        webhook_url="https://sd.ruc.dk/hook",
    )
    assert configured_channels(full) == ["email", "webhook"]
    notifiers = notifiers_from_settings(full)
    assert list(notifiers) == ["email", "webhook"]
    assert isinstance(notifiers["email"], EmailNotifier)
    assert isinstance(notifiers["webhook"], WebhookNotifier)
    assert configured_channels(settings(webhook_url="https://sd.ruc.dk/hook")) == ["webhook"]
