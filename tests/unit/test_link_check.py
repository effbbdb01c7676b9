"""Genuine and fake sign-in links: each verdict with the reason a user would be told."""

from __future__ import annotations

import pytest

from bot import link_check as lc

LINKS = [
    # genuine
    ("https://login.microsoftonline.com/", lc.GENUINE),
    ("https://login.microsoftonline.com/common/oauth2/v2.0/authorize?client_id=x", lc.GENUINE),
    ("https://LOGIN.MicrosoftOnline.com/", lc.GENUINE),
    ("https://login.microsoftonline.com:443/", lc.GENUINE),
    ("https://login.microsoftonline.com./", lc.GENUINE),
    ("https://mysignins.microsoft.com/security-info", lc.GENUINE_SECURITY_INFO),
    ("https://mysignins.microsoft.com/", lc.GENUINE_SECURITY_INFO),
    # the genuine host without https
    ("http://login.microsoftonline.com/", lc.NOT_HTTPS),
    ("login.microsoftonline.com/common", lc.NOT_HTTPS),
    ("http://mysignins.microsoft.com/security-info", lc.NOT_HTTPS),
    ("https://login.microsoftonline.com:8443/", lc.NOT_HTTPS),
    ("ftp://login.microsoftonline.com/", lc.NOT_HTTPS),
    # user-info tricks: everything before @ is not the host
    ("https://login.microsoftonline.com@evil.example/", lc.USERINFO),
    ("https://login.microsoftonline.com:pw@evil.example/login", lc.USERINFO),
    ("https://user@login.microsoftonline.com.evil.io/", lc.USERINFO),
    # look-alike hosts
    ("https://login.microsoftonline.com.example.io/", lc.LOOKALIKE),
    ("https://login.microsoftonline.co/", lc.LOOKALIKE),
    ("https://login.microsoftonlline.com/", lc.LOOKALIKE),
    ("https://login.rnicrosoftonline.com/", lc.LOOKALIKE),
    ("https://login.micros0ftonline.com/", lc.LOOKALIKE),
    ("https://logln.microsoftonline.com/", lc.LOOKALIKE),
    ("https://login-microsoftonline.com/", lc.LOOKALIKE),
    ("https://microsoftonline-login.com/ruc", lc.LOOKALIKE),
    ("https://login.microsoftonline.ruc-dk.com/", lc.LOOKALIKE),
    ("https://secure-microsoft.com/login", lc.LOOKALIKE),
    ("https://ruc.office365-verify.com/", lc.LOOKALIKE),
    ("https://mysignins-microsoft.com/security-info", lc.LOOKALIKE),
    ("https://mysignin.microsoft.com/security-info", lc.LOOKALIKE),
    ("https://login.microsoft.com/", lc.LOOKALIKE),
    # letters from other alphabets, punycode
    ("https://xn--lgin-0za.microsoftonline.com/", lc.FOREIGN_LETTERS),
    ("https://login.xn--microsftonline-lgb.com/", lc.FOREIGN_LETTERS),
    ("https://lоgin.microsoftonline.com/", lc.FOREIGN_LETTERS),  # Cyrillic о
    ("https://login.microsoftоnline.com/", lc.FOREIGN_LETTERS),  # Cyrillic о
    # shorteners
    ("https://bit.ly/3xYzAbc", lc.SHORTENER),
    ("http://tinyurl.com/ruc-login", lc.SHORTENER),
    ("https://t.co/abc123", lc.SHORTENER),
    ("https://cutt.ly/ruc", lc.SHORTENER),
    # bare IP addresses
    ("http://192.168.10.5/login", lc.IP_ADDRESS),
    ("https://203.0.113.7/common/login", lc.IP_ADDRESS),
    ("http://[2001:db8::1]/login", lc.IP_ADDRESS),
    ("http://3232235777/", lc.IP_ADDRESS),
    # unrelated sites
    ("https://ruc.dk/", lc.OTHER_SITE),
    ("https://evil.example/login.microsoftonline.com/", lc.OTHER_SITE),
    ("https://example.com/?next=https://login.microsoftonline.com/", lc.OTHER_SITE),
    ("https://www.google.com/", lc.OTHER_SITE),
]


def test_the_table_is_big_enough():
    assert len(LINKS) >= 40
    assert {verdict for _, verdict in LINKS} == set(lc.VERDICTS) - {lc.NO_LINK}


@pytest.mark.parametrize(("link", "verdict"), LINKS)
def test_verdict(link, verdict):
    assert lc.check_link(link).verdict == verdict


@pytest.mark.parametrize(
    ("message", "link"),
    [
        (
            "is this real? https://login.microsoftonline.com/abc.",
            "https://login.microsoftonline.com/abc",
        ),
        ("got a mail with (https://bit.ly/xyz) in it", "https://bit.ly/xyz"),
        (
            "login.microsoftonline.com.evil.io/path is it ok",
            "login.microsoftonline.com.evil.io/path",
        ),
        ("is this the right page", None),
    ],
)
def test_the_link_is_found_in_a_message(message, link):
    assert lc.find_link(message) == link


def test_a_message_without_a_link():
    assert lc.check_message("is this page real?").verdict == lc.NO_LINK


def test_the_host_is_reported_for_the_explanation():
    verdict = lc.check_link("https://login.microsoftonline.com@evil.example/")
    assert verdict.host == "evil.example" and not verdict.genuine
    assert lc.check_link("https://login.microsoftonline.com/").genuine


@pytest.mark.parametrize(
    ("message", "pasted"),
    [
        ("is this real https://login.microsoftonline.com/", True),
        ("bit.ly/ruc-mfa-renew is that from you", True),
        ("login.microsoftonline.com.evil.io real?", True),
        ("my email is jdoe@ruc.dk", False),
        ("I study at ruc.dk", False),
        ("the app says 3.5 stars", False),
    ],
)
def test_a_pasted_link_is_told_from_an_address_or_a_domain_name(message, pasted):
    assert lc.has_pasted_link(message) is pasted
