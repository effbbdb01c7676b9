"""Rasa replies in Telegram's terms: HTML escaping, 4096-character parts, keyboards, photos."""

from __future__ import annotations

import base64
import io
import json

import pytest
import qrcode

from bot.channels.telegram.formatting import (
    CHOSEN,
    MAX_TEXT,
    TITLE_PREFIX,
    callback_data,
    chosen_keyboard,
    decode_data_url,
    inline_keyboard,
    photo_source,
    pressed_title,
    rasa_text,
    split_text,
    telegram_length,
    to_html,
    to_plain,
)


# --- Markdown to Telegram HTML ------------------------------------------------------------
def test_bold_becomes_b_and_everything_else_is_escaped():
    assert to_html("Tap **Done** & go <now>") == "Tap <b>Done</b> &amp; go &lt;now&gt;"


def test_user_words_quoted_back_cannot_inject_markup():
    quoted = 'Your summary: "**<a href="https://evil.example">x</a>**"'
    html = to_html(quoted)
    assert "<a " not in html and "&lt;a href" in html
    assert html.count("<b>") == 1 and html.count("</b>") == 1


@pytest.mark.parametrize(
    "text",
    ["2 * 3 * 4", "**not closed", "a ** b ** c", "****", "snake_case_name", "x < y > z"],
)
def test_stray_stars_and_underscores_stay_literal(text):
    html = to_html(text)
    assert "<b>" not in html
    assert html.replace("&lt;", "<").replace("&gt;", ">") == text


def test_every_bold_pair_of_a_real_text_converts():
    text = "Open **RUC MFA practice** in Authenticator and tap **+**."
    assert to_html(text) == "Open <b>RUC MFA practice</b> in Authenticator and tap <b>+</b>."
    assert to_plain(text) == "Open RUC MFA practice in Authenticator and tap +."


# --- one message unless over 4096 --------------------------------------------------------
def test_blank_lines_never_split_a_text():
    text = "Step 1 of 6: install the app.\n\nThen tap Done.\n\n\nOr Back."
    assert split_text(text) == [text]


def test_a_text_of_exactly_the_limit_is_one_message():
    assert split_text("a" * MAX_TEXT) == ["a" * MAX_TEXT]


def test_over_the_limit_splits_at_a_paragraph_and_keeps_every_word():
    paragraphs = [f"Paragraph {n}: " + "word " * 300 for n in range(4)]  # ~1515 chars each
    text = "\n\n".join(paragraphs)
    parts = split_text(text)
    assert len(parts) == 2
    assert all(telegram_length(to_html(part)) <= MAX_TEXT for part in parts)
    assert parts[0].endswith(paragraphs[1].strip()) and parts[1].startswith("Paragraph 2")
    assert " ".join(" ".join(parts).split()) == " ".join(text.split())


def test_a_text_without_breaks_is_cut_hard_within_the_limit():
    parts = split_text("x" * 10_000)
    assert [len(part) for part in parts] == [4096, 4096, 1808]


def test_the_limit_counts_the_escaped_html_and_utf16_units():
    ampersands = split_text("& " * 3000)  # 6000 characters, 18,000 once & becomes &amp;
    assert all(telegram_length(to_html(part)) <= MAX_TEXT for part in ampersands)
    assert len(ampersands) == 5
    emoji = split_text("🙂" * 3000)  # two UTF-16 units each
    assert [telegram_length(part) for part in emoji] == [4096, 1904]


# --- buttons as inline keyboards ------------------------------------------------------------
STEP_BUTTONS = [
    {"title": "Done", "payload": "/walkthrough_done"},
    {"title": "I'm stuck", "payload": "/walkthrough_stuck"},
    {"title": "Back", "payload": "/walkthrough_back"},
    {"title": "Stop", "payload": "/walkthrough_stop"},
]


def test_short_titles_go_two_to_a_row_with_the_payload_as_callback_data():
    assert inline_keyboard(STEP_BUTTONS) == [
        [
            {"text": "Done", "callback_data": "/walkthrough_done"},
            {"text": "I'm stuck", "callback_data": "/walkthrough_stuck"},
        ],
        [
            {"text": "Back", "callback_data": "/walkthrough_back"},
            {"text": "Stop", "callback_data": "/walkthrough_stop"},
        ],
    ]


def test_long_titles_get_a_row_each():
    buttons = [
        {"title": "Set up MFA for the first time", "payload": '/choose_topic{"topic": "x"}'},
        {"title": "Done", "payload": "/walkthrough_done"},
    ]
    rows = inline_keyboard(buttons)
    assert [len(row) for row in rows] == [1, 1]
    assert rows[0][0]["callback_data"] == '/choose_topic{"topic": "x"}'


def test_feedback_buttons_share_one_last_row_under_the_choices():
    buttons = [
        {"title": "Add a backup", "payload": '/start_walkthrough{"walkthrough": "backup_device"}'},
        {"title": "Thanks, that's all", "payload": "/thank"},
        *({"title": str(n), "payload": f'/feedback{{"rating": "{n}"}}'} for n in range(1, 6)),
    ]
    rows = inline_keyboard(buttons)
    assert [len(row) for row in rows] == [1, 1, 5]
    assert [key["text"] for key in rows[-1]] == ["1", "2", "3", "4", "5"]
    assert rows[-1][3]["callback_data"] == '/feedback{"rating": "4"}'


def test_every_payload_in_the_domain_fits_telegrams_64_bytes_as_it_is(domain):
    payloads = []

    def collect(node):
        if isinstance(node, dict):
            if "payload" in node:
                payloads.append(node["payload"].replace("{{", "{").replace("}}", "}"))
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(domain["responses"])
    assert len(payloads) > 20
    for payload in payloads:
        assert callback_data({"payload": payload}) == payload


def test_a_payload_over_64_bytes_is_compacted_or_sent_by_its_title():
    long_json = '/start_walkthrough{"walkthrough": "backup_device_and_phone_xyz1"}'
    assert len(long_json.encode()) == 65
    compact = callback_data({"payload": long_json})
    assert compact == '/start_walkthrough{"walkthrough":"backup_device_and_phone_xyz1"}'
    assert len(compact.encode()) <= 64
    hopeless = {"title": "Tell me more", "payload": "/inform" + "x" * 80}
    assert callback_data(hopeless, index=3) == f"{TITLE_PREFIX}3"
    assert callback_data({"payload": "/" + "ø" * 40}) == f"{TITLE_PREFIX}0"  # 81 bytes


def test_the_pressed_button_is_found_and_ticked():
    rows = inline_keyboard(STEP_BUTTONS)
    assert pressed_title(rows, "/walkthrough_back") == "Back"
    assert pressed_title(rows, "/made_up") is None
    assert chosen_keyboard("Back") == [[{"text": "✓ Back", "callback_data": CHOSEN}]]


# --- commands and typed text -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "to_rasa"),
    [
        ("/start", "/greet"),
        ("/start@ruc_mfa_bot", "/greet"),
        ("/start campaign-42", "/greet"),
        ("/help", "/help"),
        ("/HELP", "/help"),
        ("/servicedesk", "/contact_servicedesk"),
        ("I lost my phone", "I lost my phone"),
        ("/lost_phone", "lost phone"),
        ('/choose_topic{"topic": "lost_phone"}', 'choose_topic{"topic": "lost_phone"}'),
        ("/", ""),
        ("  123 456  ", "123 456"),
    ],
)
def test_commands_become_intents_and_other_slashes_are_only_words(typed, to_rasa):
    assert rasa_text(typed) == to_rasa


# --- images ------------------------------------------------------------------------------------
def qr_png() -> bytes:
    buffer = io.BytesIO()
    qrcode.make("otpauth://totp/x?secret=ABC").save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_data_url_png_decodes_to_the_same_bytes():
    png = qr_png()
    url = "data:image/png;base64," + base64.b64encode(png).decode()
    assert decode_data_url(url) == png
    photo = photo_source(url)
    assert photo.data == png and photo.url is None and photo.filename == "image.png"


def test_http_images_pass_through_and_other_schemes_do_not():
    assert photo_source("https://mfa.ruc.dk/qr.png").url == "https://mfa.ruc.dk/qr.png"
    assert photo_source("ftp://example.org/qr.png") is None
    assert photo_source("file:///etc/passwd") is None


@pytest.mark.parametrize(
    "url",
    [
        "data:text/html;base64,PGI+aGk8L2I+",  # not an image
        "data:image/png;base64,@@@not-base64@@@",
        "data:image/png;base64,",
        "data:image/png;base64",
        "image/png;base64,iVBORw0KGgo=",
    ],
)
def test_malformed_or_foreign_data_urls_are_refused(url):
    assert decode_data_url(url) is None


def test_percent_encoded_and_jpeg_data_urls():
    assert decode_data_url("data:image/svg+xml,%3Csvg%2F%3E") == b"<svg/>"
    jpeg = "data:image/jpeg;base64," + base64.b64encode(b"\xff\xd8\xff").decode()
    assert photo_source(jpeg).filename == "image.jpg"


def test_keyboards_are_json_telegram_accepts():
    json.dumps(inline_keyboard(STEP_BUTTONS))  # plain dicts and strings only
