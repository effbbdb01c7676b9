"""Redaction keeps secrets out of tickets and leaves ordinary words alone."""

from __future__ import annotations

import pytest

from bot.safety import CODE_MARK, SECRET_MARK, redact


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("my code is 123456 and it's rejected", "123456"),
        ("the app shows 123 456", "123 456"),
        ("SMS code 12345678", "12345678"),
        ("password: hunter2", "hunter2"),
        ("my password is Sommer2024!", "Sommer2024!"),
        ("pw er Roskilde99", "Roskilde99"),
        ("adgangskode: 'min hemmelighed'", "min hemmelighed"),
        ("the temporary access pass was Xy7kLm9Qp2", "Xy7kLm9Qp2"),
    ],
)
def test_secrets_are_removed(text, secret):
    redacted = redact(text)
    assert secret not in redacted
    assert CODE_MARK in redacted or SECRET_MARK in redacted


@pytest.mark.parametrize(
    "text",
    [
        "I forgot my password",
        "my password is wrong",
        "reset my password please",
        "my e-mail is jdoe@ruc.dk",
        "I lost my phone on bus 202",
        "MFA-000123 is my ticket",
        "",
    ],
)
def test_ordinary_text_is_kept(text):
    assert redact(text) == text
