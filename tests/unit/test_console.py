"""Console pieces without a server: code matching, transcript shapes, list order, key file."""

from __future__ import annotations

import io
import json
import os
import stat
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pyotp
import pytest

from bot.console import auth, cli, present, web
from bot.console.app import create_app
from bot.console.keys import KEY_FILE, TOTP_KEY_FILE, SecretBox, WrongKey, secret_key, totp_box
from bot.console.qr import qr_svg
from bot.console.web import safe_next
from bot.settings import Settings

T0 = datetime(2026, 3, 2, 9, 15, 0, tzinfo=timezone.utc)
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def test_matching_step_names_the_step_of_the_code() -> None:
    totp = pyotp.TOTP(SECRET)
    step = totp.timecode(T0)
    step_length = timedelta(seconds=30)
    assert auth.matching_step(SECRET, totp.at(T0), T0) == step
    assert auth.matching_step(SECRET, totp.at(T0 - step_length), T0) == step - 1
    assert auth.matching_step(SECRET, totp.at(T0 + step_length), T0) == step + 1
    assert auth.matching_step(SECRET, totp.at(T0 + 2 * step_length), T0) is None
    code = totp.at(T0)
    assert auth.matching_step(SECRET, f"{code[:3]}-{code[3:]}", T0) == step
    for garbage in ("", " 123 ", "abcdef", code + "0", "١٢٣٤٥٦"):
        assert auth.matching_step(SECRET, garbage, T0) is None, garbage


def test_provisioning_uri_names_the_console() -> None:
    uri = auth.provisioning_uri(SECRET, "anna")
    assert uri.startswith("otpauth://totp/RUC%20MFA%20servicedesk:anna?")
    assert f"secret={SECRET}" in uri and "issuer=RUC%20MFA%20servicedesk" in uri


def test_qr_svg_is_inline_markup() -> None:
    svg = qr_svg(auth.provisioning_uri(SECRET, "anna"))
    assert svg.startswith("<svg ") and "<?xml" not in svg
    assert 'role="img"' in svg and "aria-label=" in svg
    assert SECRET not in svg, "the secret is drawn, not written into the markup"


def test_transcript_accepts_every_shape() -> None:
    lines = [
        {"who": "user", "text": "I lost my phone"},
        {"role": "assistant", "text": "The servicedesk can help.", "at": "2026-03-02T09:15:00Z"},
        {"role": "user", "text": "<script>alert(1)</script>"},
        {"text": {"nested": True}},
        "a bare string",
        42,
    ]
    shown = present.transcript(SimpleNamespace(transcript=json.dumps(lines)))
    assert [(line.speaker, line.from_user) for line in shown] == [
        ("User", True),
        ("Assistant", False),
        ("User", True),
        ("", False),
        ("", False),
        ("", False),
    ]
    assert shown[1].at == "2026-03-02T09:15:00Z"
    assert shown[2].text == "<script>alert(1)</script>", "escaping is the template's job"
    assert shown[3].text == '{"nested": true}'
    assert [line.text for line in shown[4:]] == ["a bare string", "42"]


@pytest.mark.parametrize(
    ("stored", "expected"),
    [("not json", ["not json"]), ('{"who": "user"}', [""]), ("", []), (None, [])],
)
def test_damaged_transcripts_still_show(stored, expected) -> None:
    shown = present.transcript(SimpleNamespace(transcript=stored))
    assert [line.text for line in shown] == expected


def test_list_puts_unresolved_urgent_tickets_first() -> None:
    def ticket(id_: int, urgent: bool, status: str = "open") -> SimpleNamespace:
        created = T0 + timedelta(minutes=id_)
        return SimpleNamespace(id=id_, urgent=urgent, status=status, created_at=created)

    tickets = [ticket(1, True), ticket(2, False), ticket(3, True), ticket(4, True, "resolved")]
    assert [t.id for t in present.sort_for_list(tickets)] == [3, 1, 4, 2]


def test_actor_names() -> None:
    assert present.actor_name("agent:anna") == "anna"
    assert present.actor_name("assistant") == "assistant"


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/tickets?status=open", "/tickets?status=open"),
        ("/tickets?", "/tickets"),
        ("https://evil.example/", None),
        ("//evil.example/", None),
        ("/\\evil.example", None),
        ("/tickets\r\nSet-Cookie: x=1", None),  # CR/LF would split the Location header
        ("/tickets\n", None),
        ("tickets", None),
        ("", None),
        (None, None),
    ],
)
def test_only_local_paths_are_returned_to(target, expected) -> None:
    assert safe_next(target) == expected


def test_secret_key_is_made_once_and_private(tmp_path) -> None:
    settings = Settings(var_dir=tmp_path / "var")
    key = secret_key(settings)
    path = tmp_path / "var" / KEY_FILE
    assert len(key) >= 32
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert secret_key(settings) == key, "kept across restarts"
    configured = Settings(var_dir=tmp_path / "var", console_secret_key="k" * 40)
    assert secret_key(configured) == "k" * 40


def test_console_settings_have_defaults() -> None:
    settings = Settings(_env_file=None)
    assert settings.console_port == 5070
    assert (settings.console_lockout_failures, settings.console_lockout_minutes) == (5, 15)
    assert settings.console_session_minutes == 480
    assert settings.console_secret_key == "" and not settings.console_secure_cookies
    assert (settings.console_address_failures, settings.console_address_minutes) == (50, 15)
    assert settings.console_totp_key == ""
    policy = auth.Policy.from_settings(settings)
    assert policy == auth.Policy(5, timedelta(minutes=15), 50, timedelta(minutes=15))


def test_password_from_standard_input() -> None:
    assert cli.read_password(False, io.StringIO("a long password here\nignored\n")) == (
        "a long password here"
    )
    with pytest.raises(cli.PasswordError):
        cli.read_password(True, io.StringIO(""))


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_password_typed_twice_at_a_terminal(monkeypatch) -> None:
    typed = iter(["a long password here", "a long password here", "one", "another"])
    monkeypatch.setattr(cli.getpass, "getpass", lambda prompt: next(typed))
    assert cli.read_password(False, _Terminal()) == "a long password here"
    with pytest.raises(cli.PasswordError, match="differ"):
        cli.read_password(False, _Terminal())


def test_totp_key_is_made_once_and_private(tmp_path) -> None:
    settings = Settings(var_dir=tmp_path / "var", _env_file=None)
    sealed = totp_box(settings).seal(SECRET)
    assert SECRET not in sealed
    assert stat.S_IMODE(os.stat(tmp_path / "var" / TOTP_KEY_FILE).st_mode) == 0o600
    assert totp_box(settings).open(sealed) == SECRET, "kept across restarts"
    configured = Settings(var_dir=tmp_path / "var", console_totp_key="k" * 32, _env_file=None)
    with pytest.raises(WrongKey, match="MFA_CONSOLE_TOTP_KEY"):
        totp_box(configured).open(sealed)
    with pytest.raises(WrongKey):
        totp_box(settings).open(sealed[:-4] + "AAAA")  # tampered with


def test_a_short_totp_key_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 32"):
        Settings(console_totp_key="short", _env_file=None)


def test_sealing_twice_gives_two_texts() -> None:
    box = SecretBox("x" * 32)
    assert box.seal(SECRET) != box.seal(SECRET), "a random IV each time"


@pytest.mark.parametrize(
    ("proxies", "peer", "forwarded", "expected"),
    [
        ("", "127.0.0.1", "203.0.113.5", "127.0.0.1"),  # nobody trusted: the header is ignored
        ("10.0.0.1", "127.0.0.1", "203.0.113.5", "127.0.0.1"),  # not from the proxy
        ("127.0.0.1", "127.0.0.1", "203.0.113.5", "203.0.113.5"),
        ("127.0.0.1", "127.0.0.1", "198.51.100.1, 203.0.113.5", "203.0.113.5"),  # nearest hop
        ("127.0.0.1", "127.0.0.1", None, "127.0.0.1"),
    ],
)
def test_client_address_believes_only_trusted_proxies(
    tmp_path, proxies, peer, forwarded, expected
) -> None:
    settings = Settings(var_dir=tmp_path, trusted_proxies=proxies, _env_file=None)
    app = create_app(settings, session_factory=lambda: None)
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    with app.test_request_context(headers=headers, environ_base={"REMOTE_ADDR": peer}):
        assert web.source() == expected


def test_viewed_since_is_this_agents_look() -> None:
    def event(kind: str, actor: str, minutes: int) -> SimpleNamespace:
        return SimpleNamespace(kind=kind, actor=actor, at=T0 + timedelta(minutes=minutes))

    events = [event("viewed", "agent:anna", -5), event("claimed", "agent:bo", 1)]
    assert not present.viewed_since(events, "anna", T0), "before this sign-in"
    assert not present.viewed_since([*events, event("viewed", "agent:bo", 2)], "anna", T0)
    assert present.viewed_since([*events, event("viewed", "agent:anna", 2)], "anna", T0)
