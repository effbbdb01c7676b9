"""Walkthroughs and the practice check through the real servers, over HTTP."""

from __future__ import annotations

import base64
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from tests.integration.assistant import (
    RunningAssistant,
    button_titles,
    new_sender,
    start_assistant,
    texts,
)
from tests.integration.practice_codes import code_now
from tests.integration.qr import decode_qr

pytestmark = pytest.mark.slow
START = '/start_walkthrough{"walkthrough": "%s"}'


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("walkthrough-var")


@pytest.fixture(scope="module")
def assistant(trained_model: Path, var_dir: Path) -> RunningAssistant:
    running = start_assistant(var_dir)
    yield running
    running.stop()


def test_first_setup_asks_the_platform_once_and_walks_every_step(assistant):
    user = new_sender()
    asked = assistant.say(user, START % "first_setup")
    assert "Which phone" in texts(asked)
    step1 = assistant.say(user, '/inform_platform{"platform": "android"}')
    assert "Step 1 of 6" in texts(step1)
    assert "https://play.google.com/store/apps/details?id=com.azure.authenticator" in texts(step1)
    assert button_titles(step1)[:4] == ["Done", "I'm stuck", "Back", "Stop"]
    seen = [texts(step1)]
    for number in range(2, 7):
        reply = assistant.say(user, "done")
        assert f"Step {number} of 6" in texts(reply), texts(reply)
        seen.append(texts(reply))
    assert "Practise with a test QR code" in button_titles(assistant.say(user, "/walkthrough_back"))
    assistant.say(user, "/walkthrough_done")
    finished = texts(assistant.say(user, "/walkthrough_done"))
    assert "Step" not in finished and "{" not in finished
    # The platform is remembered: a backup walkthrough goes straight to the Android step.
    backup = texts(assistant.say(user, START % "backup_device"))
    assert "Step 1 of 5" in backup and "Google Play" in backup


def test_stuck_gives_help_for_the_step_and_back_returns_to_it(assistant):
    user = new_sender()
    assistant.say(user, '/inform_platform{"platform": "iphone"}')
    step = texts(assistant.say(user, START % "existing_app"))
    assert "Step 1 of 4" in step
    assistant.say(user, "/walkthrough_done")
    scan = texts(assistant.say(user, "/walkthrough_done"))
    assert "Step 3 of 4" in scan
    help_text = texts(assistant.say(user, "I'm stuck, it doesn't work"))
    assert "Can't scan image?" in help_text
    assert texts(assistant.say(user, "/walkthrough_back")) == scan


def test_a_question_mid_walkthrough_then_where_was_i(assistant):
    user = new_sender()
    assistant.say(user, '/inform_platform{"platform": "iphone"}')
    assistant.say(user, START % "backup_phone")
    step2 = texts(assistant.say(user, "/walkthrough_done"))
    answer = assistant.say(user, "I'm not getting the approval notification on my phone")
    assert "Do Not Disturb" in texts(answer)
    assert "Step 2 of 3" in texts(answer) and "Continue" in button_titles(answer)
    assert texts(assistant.say(user, "where was I?")) == step2


def test_no_working_method_goes_to_the_servicedesk_not_further_self_service(assistant):
    user = new_sender()
    assistant.say(user, '/inform_platform{"platform": "iphone"}')
    question = texts(assistant.say(user, START % "new_phone"))
    assert "old phone still work" in question
    answer = texts(assistant.say(user, "no"))
    assert "+45 4674 3600" in answer and "photo ID" in answer
    assert "Step" not in texts(assistant.say(user, "/walkthrough_done"))  # no self-service left


def decode_practice_qr(replies: list[dict]) -> str:
    [image] = [reply["image"] for reply in replies if reply.get("image")]
    assert image.startswith("data:image/png;base64,")
    png = base64.b64decode(image.split(",", 1)[1])
    return decode_qr(png)


def practice_secret(replies: list[dict]) -> str:
    return parse_qs(urlparse(decode_practice_qr(replies)).query)["secret"][0]


def other_code(code: str, offset: int) -> str:
    return str((int(code) + offset) % 1_000_000).zfill(6)


def test_practice_check_with_the_real_qr_image(assistant):
    user = new_sender()
    shown = assistant.say(user, "can I try a test QR code first")
    uri = decode_practice_qr(shown)
    parsed = urlparse(uri)
    assert parsed.scheme == "otpauth" and "RUC MFA practice" in parse_qs(parsed.query)["issuer"]
    secret = parse_qs(parsed.query)["secret"][0]
    assert secret[:4] in texts(shown)  # the key for typing by hand, in groups of four

    assert "6 digits" in texts(assistant.say(user, "12345"))
    assert "doesn't match" in texts(assistant.say(user, other_code(code_now(secret), 1)))
    right = texts(assistant.say(user, code_now(secret)))
    assert "That's right" in right and "delete the practice entry" in right
    # The secret is used up: another code gets "no practice code running".
    assert "no practice code running" in texts(assistant.say(user, code_now(secret)))
    # It was kept server-side only: no log of either server contains it.
    for log in (assistant.var_dir / "logs").glob("*.log"):
        assert secret not in log.read_text(errors="replace"), log.name


def test_practice_check_detects_a_phone_clock_one_minute_fast(assistant):
    user = new_sender()
    secret = practice_secret(assistant.say(user, "practice qr"))
    reply = texts(assistant.say(user, code_now(secret, phone_clock_ahead=60)))
    assert "about 60 seconds ahead" in reply and "automatic" in reply


def test_three_wrong_practice_codes_offer_help(assistant):
    user = new_sender()
    good = code_now(practice_secret(assistant.say(user, "practice qr")))
    replies = [texts(assistant.say(user, other_code(good, n))) for n in (500, 501, 502)]
    assert "doesn't match" in replies[0]
    assert "three times" in replies[2]


def test_stuck_at_each_kind_of_step_gives_the_matching_help(assistant):
    """First-time set-up, pressing "I'm stuck" at every step before moving on."""
    expected_help = [
        "Microsoft Corporation",  # install: the right app
        "notifications",  # permissions
        "https://mysignins.microsoft.com/security-info",  # starting the wizard
        "Work or school account",  # adding the account
        "Can't scan image?",  # the QR code
        "Do Not Disturb",  # no notification
    ]
    user = new_sender()
    assistant.say(user, '/inform_platform{"platform": "iphone"}')
    assistant.say(user, START % "first_setup")
    for number, fragment in enumerate(expected_help, start=1):
        help_text = texts(assistant.say(user, "/walkthrough_stuck"))
        assert fragment in help_text, (number, help_text)
        step = texts(assistant.say(user, "/walkthrough_back"))
        assert f"Step {number} of 6" in step
        assistant.say(user, "/walkthrough_done")


# Last: it stops the module's assistant.
def test_the_walkthrough_survives_a_restart_of_the_servers(assistant, var_dir):
    user = new_sender()
    assistant.say(user, '/inform_platform{"platform": "iphone"}')
    assistant.say(user, START % "sms_only")
    assistant.say(user, "/walkthrough_done")
    step3 = texts(assistant.say(user, "/walkthrough_done"))
    assert "Step 3 of 5" in step3
    assert assistant.stop() == 0
    restarted = start_assistant(var_dir)
    try:
        assert texts(restarted.say(user, "where was I?")) == step3
        assert "Step 4 of 5" in texts(restarted.say(user, "/walkthrough_done"))
    finally:
        restarted.stop()
