import pytest

from bot.onboarding.platform import platform_from_text


@pytest.mark.parametrize(
    ("text", "platform"),
    [
        ("iPhone", "iphone"),
        ("I have an iphone 13", "iphone"),
        ("apple", "iphone"),
        ("android", "android"),
        ("it's a Samsung Galaxy", "android"),
        ("pixel 8", "android"),
        ("no smartphone", "none"),
        ("I don't have a smartphone", "none"),
        ("just a basic phone", "none"),
        ("old nokia without apps", "none"),
        ("flip phone", "none"),
        ("iphonen", "iphone"),
        ("min samsung-telefon", "android"),
        ("androiden", "android"),
        ("ingen smartphone", "none"),
        ("bare en gammel mobil", "none"),
        ("a blackberry", None),
        ("yes", None),
    ],
)
def test_platform_from_text(text, platform):
    assert platform_from_text(text) == platform
