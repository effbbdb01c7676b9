import json

import pytest

from bot.channels.validation import BadRequest, Limits, parse_chat_request, parse_erase_request

LIMITS = Limits(max_message_chars=50, max_sender_chars=10, max_body_bytes=1000)


def body(value) -> bytes:
    return json.dumps(value).encode()


def test_a_valid_request_is_parsed_and_trimmed():
    chat = parse_chat_request(
        body({"sender": " u1 ", "message": " hi ", "metadata": {"a": 1}}), LIMITS
    )
    assert (chat.sender, chat.message, chat.metadata) == ("u1", "hi", {"a": 1})


def test_a_message_without_a_sender_is_refused_not_filed_under_a_shared_conversation():
    with pytest.raises(BadRequest) as refused:
        parse_chat_request(body({"message": "hi"}), LIMITS)
    assert refused.value.status == 400 and '"sender" is required' in refused.value.reason


@pytest.mark.parametrize(
    ("raw", "status", "fragment"),
    [
        (b"", 400, "empty"),
        (b"   ", 400, "empty"),
        (b"{not json", 400, "not valid JSON"),
        (b"\xff\xfe\x00", 400, "not valid JSON"),
        (body([]), 400, "JSON object"),
        (body(None), 400, "JSON object"),
        (body("hello"), 400, "JSON object"),
        (body({}), 400, '"message" is required'),
        (body({"message": 5}), 400, '"message" is required'),
        (body({"message": ["hi"]}), 400, '"message" is required'),
        (body({"message": "   "}), 400, "must not be empty"),
        (body({"message": "\x00"}), 400, "must not be empty"),
        (body({"message": "x" * 51}), 413, "longer than 50"),
        (body({"message": "hi", "sender": 7}), 400, '"sender"'),
        (body({"message": "hi", "sender": ""}), 400, '"sender"'),
        (body({"message": "hi", "sender": "x" * 11}), 400, '"sender"'),
        (body({"message": "hi", "sender": "a\nb"}), 400, '"sender"'),
        (body({"message": "hi", "sender": "telegram:7"}), 400, "another channel"),
        (body({"message": "hi", "sender": " Telegram:"}), 400, "another channel"),
        (body({"sender": "u1", "message": "hi", "metadata": [1]}), 400, '"metadata"'),
        (b"x" * 1001, 413, "larger than 1000"),
    ],
)
def test_bad_requests_get_a_status_and_a_reason(raw, status, fragment):
    with pytest.raises(BadRequest) as caught:
        parse_chat_request(raw, LIMITS)
    assert caught.value.status == status
    assert fragment in caught.value.reason


def test_a_message_at_the_limit_is_accepted():
    assert (
        len(parse_chat_request(body({"sender": "u1", "message": "x" * 50}), LIMITS).message) == 50
    )


def test_json_nested_too_deeply_is_a_bad_request_not_a_crash():
    deep = b"[" * 1500 + b"]" * 1500  # Python's parser gives up (RecursionError) near 1000
    with pytest.raises(BadRequest) as refused:
        parse_chat_request(deep, Limits(max_message_chars=50, max_sender_chars=10))
    assert refused.value.status == 400 and "nested too deeply" in str(refused.value)


def test_metadata_nested_deeper_than_rasa_can_copy_gets_a_reason():
    from bot.channels.validation import MAX_METADATA_DEPTH, depth

    deep: dict = {}
    inner = deep
    for _ in range(900):
        inner["a"] = {}
        inner = inner["a"]
    assert depth(deep) == 901 and depth({"a": [1, {"b": 2}]}) == 3 and depth("x") == 0
    big = Limits(max_message_chars=50, max_sender_chars=10, max_body_bytes=100_000)
    with pytest.raises(BadRequest) as refused:
        parse_chat_request(body({"sender": "u1", "message": "hi", "metadata": deep}), big)
    assert refused.value.status == 400 and "nested too deeply" in refused.value.reason
    fine = {"language": "da", "page": {"path": ["a", {"b": 1}]}}
    assert depth(fine) <= MAX_METADATA_DEPTH
    assert parse_chat_request(body({"sender": "u1", "message": "hi", "metadata": fine}), big)


@pytest.mark.parametrize(
    ("raw", "status", "fragment"),
    [
        (b"", 400, "empty"),
        (b"{not json", 400, "not valid JSON"),
        (body(["web-1"]), 400, "JSON object"),
        (body({}), 400, '"sender" is required'),
        (body({"sender": 7}), 400, "non-empty string"),
        (body({"sender": "x" * 11}), 400, "at most 10"),
        (body({"sender": "telegram:1"}), 400, "belongs to another channel"),
        (b"{" + b" " * 2000 + b"}", 413, "larger than 1000 bytes"),
    ],
)
def test_an_erase_request_names_one_of_this_channel_s_conversations(raw, status, fragment):
    """A sender erases their own conversation; a Telegram chat is not theirs to erase."""
    with pytest.raises(BadRequest) as refused:
        parse_erase_request(raw, LIMITS)
    assert refused.value.status == status and fragment in refused.value.reason


def test_an_erase_request_gives_the_trimmed_sender():
    assert parse_erase_request(body({"sender": " web-1 "}), LIMITS) == "web-1"
