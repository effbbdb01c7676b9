"""The practice code check, at fixed clocks: no test depends on the real time."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import pyotp
import pytest

from bot.onboarding import practice
from bot.onboarding.practice import CheckResult, check_code, format_key, normalize_code

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
# Mid-window, so ±30 s shifts land unambiguously in the neighbouring windows.
NOW = datetime(2026, 3, 2, 9, 15, 10, tzinfo=timezone.utc)


def code_at(offset_seconds: int) -> str:
    return pyotp.TOTP(SECRET).at(NOW + timedelta(seconds=offset_seconds))


def test_exact_code_is_ok() -> None:
    assert check_code(SECRET, code_at(0), NOW) == CheckResult("ok", 0)


def test_other_time_zones_give_the_same_verdict() -> None:
    copenhagen = NOW.astimezone(timezone(timedelta(hours=1)))
    assert check_code(SECRET, code_at(0), copenhagen).outcome == "ok"


def test_a_code_typed_just_after_its_window_ended_is_ok() -> None:
    # Read at 09:15:29, typed at 09:15:34: a person typing, not a clock 30 s behind.
    assert check_code(SECRET, code_at(-30), NOW) == CheckResult("ok", 0)


@pytest.mark.parametrize("offset", [30, 60, -60, 120, -120])
def test_drift_is_detected_with_its_sign(offset: int) -> None:
    # A phone whose clock runs ahead shows the code of a later window: positive drift.
    assert check_code(SECRET, code_at(offset), NOW) == CheckResult("drift", offset)


@pytest.mark.parametrize("offset", [150, -150, 300])
def test_drift_beyond_the_limit_is_wrong(offset: int) -> None:
    code = code_at(offset)
    assert all(code != code_at(30 * k) for k in range(-4, 5)), "pick another fixed clock"
    assert check_code(SECRET, code, NOW) == CheckResult("wrong", 0)


def test_limit_is_configurable() -> None:
    assert check_code(SECRET, code_at(60), NOW, max_drift_steps=1).outcome == "wrong"
    assert check_code(SECRET, code_at(30), NOW, max_drift_steps=1).outcome == "drift"
    assert check_code(SECRET, code_at(30), NOW, max_drift_steps=0).outcome == "wrong"
    assert check_code(SECRET, code_at(-30), NOW, max_drift_steps=0).outcome == "wrong"


def test_wrong_code() -> None:
    valid = {code_at(30 * k) for k in range(-4, 5)}
    wrong = next(c for c in ("000000", "123456", "999999") if c not in valid)
    assert check_code(SECRET, wrong, NOW) == CheckResult("wrong", 0)


@pytest.mark.parametrize("text", ["12345", "1234567", "abcdef", "", "12 34 56 7", "12 34 56"])
def test_bad_formats(text: str) -> None:
    assert normalize_code(text) is None
    assert check_code(SECRET, text, NOW) == CheckResult("bad_format", 0)


@pytest.mark.parametrize(
    "template", ["{a}{b}", "{a} {b}", "{a}-{b}", "  {a}{b}  ", "\t{a} {b}\n", " {a}-{b} "]
)
def test_accepted_formats(template: str) -> None:
    code = code_at(0)
    text = template.format(a=code[:3], b=code[3:])
    assert normalize_code(text) == code
    assert check_code(SECRET, text, NOW).outcome == "ok"


def test_non_ascii_digits_are_not_a_code() -> None:
    assert normalize_code("١٢٣٤٥٦") is None


def test_naive_now_raises() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        check_code(SECRET, code_at(0), NOW.replace(tzinfo=None))


def test_otpauth_uri_names_the_practice_entry() -> None:
    uri = practice.otpauth_uri(SECRET)
    assert uri.startswith("otpauth://totp/")
    assert quote(practice.ISSUER) in uri
    assert quote(practice.LABEL) in uri
    assert f"secret={SECRET}" in uri
    assert f"issuer={quote(practice.ISSUER)}" in uri
    assert practice.ISSUER == "RUC MFA practice"
    assert "practice" in practice.LABEL.lower() and "delete" in practice.LABEL.lower()


def test_new_secret_is_usable_base32() -> None:
    secret = practice.new_secret()
    assert secret != practice.new_secret()
    assert len(secret) >= 16
    assert pyotp.TOTP(secret).at(NOW).isdigit()


def test_format_key_groups_of_four() -> None:
    assert format_key("JBSWY3DPEHPK3PXP") == "JBSW Y3DP EHPK 3PXP"
    assert format_key("ABCDEF") == "ABCD EF"
    assert format_key(SECRET).replace(" ", "") == SECRET
