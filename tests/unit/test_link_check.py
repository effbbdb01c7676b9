"""Genuine and fake sign-in links: each verdict with the reason a user would be told.

The table is read the way a browser reads each link (WHATWG URL rules): tabs and line breaks
inside a link vanish, a backslash is a slash, %2E in a host is a dot. Keep it growing: every
phishing trick reported gets its row.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import link_check as lc
from bot.domain import load_domain

AUTHORIZE = "https://login.microsoftonline.com/common/oauth2/v2.0/authorize?client_id=x&"

LINKS = [
    # genuine
    ("https://login.microsoftonline.com/", lc.GENUINE),
    ("https://login.microsoftonline.com/common/oauth2/v2.0/authorize?client_id=x", lc.GENUINE),
    ("https://LOGIN.MicrosoftOnline.com/", lc.GENUINE),
    ("HTTPS://login.microsoftonline.com/", lc.GENUINE),
    ("https://login.microsoftonline.com:443/", lc.GENUINE),
    ("https://login.microsoftonline.com./", lc.GENUINE),
    ("https://login%2Emicrosoftonline.com/", lc.GENUINE),  # browsers decode %2E in a host
    ("https:\\\\login.microsoftonline.com\\common", lc.GENUINE),  # backslash is a slash
    ("https://ｌｏｇｉｎ.microsoftonline.com/", lc.GENUINE),  # full-width ASCII maps to ASCII
    ("https://login.microsoftonline.com/@evil.io", lc.GENUINE),  # the @ is in the path
    (AUTHORIZE + "redirect_uri=https%3A%2F%2Foutlook.office.com%2Fowa%2F", lc.GENUINE),
    (AUTHORIZE + "redirect_uri=https://mfa.ruc.dk/", lc.GENUINE),
    (AUTHORIZE + "redirect_uri=https://login.microsoftonline.com/common/oauth2/nativeclient",
     lc.GENUINE),
    ("https://mysignins.microsoft.com/security-info", lc.GENUINE_SECURITY_INFO),
    ("https://mysignins.microsoft.com/", lc.GENUINE_SECURITY_INFO),
    ("https://MySignIns.microsoft.com/security-info", lc.GENUINE_SECURITY_INFO),
    ("https://aka.ms/mysecurityinfo", lc.GENUINE_SECURITY_INFO),  # facts-more.md (TAP)
    # the genuine host without https
    ("http://login.microsoftonline.com/", lc.NOT_HTTPS),
    ("login.microsoftonline.com/common", lc.NOT_HTTPS),
    ("http://mysignins.microsoft.com/security-info", lc.NOT_HTTPS),
    ("https://login.microsoftonline.com:8443/", lc.NOT_HTTPS),
    ("ftp://login.microsoftonline.com/", lc.NOT_HTTPS),
    ("http://aka.ms/mysecurityinfo", lc.NOT_HTTPS),
    # user-info tricks: everything before @ is not the host
    ("https://login.microsoftonline.com@evil.example/", lc.USERINFO),
    ("https://login.microsoftonline.com:pw@evil.example/login", lc.USERINFO),
    ("https://user@login.microsoftonline.com.evil.io/", lc.USERINFO),
    ("https://login.microsoftonline.com\t@evil.io/", lc.USERINFO),
    ("https://login.microsoftonline.com/common@192.168.1.1", lc.GENUINE),  # path, not user
    # look-alike hosts
    ("https://login.microsoftonline.com.example.io/", lc.LOOKALIKE),
    ("https://login.microsoftonline.com\n.evil.io/", lc.LOOKALIKE),  # split over two lines
    ("https://login.microsoftonline.com\t.evil.io/", lc.LOOKALIKE),  # a tab inside
    ("https://login.microsoft\tonline.com.evil.io/", lc.LOOKALIKE),
    ("https://login.microsoftonline.com%2Eevil.io/", lc.LOOKALIKE),
    ("https://login.microsoftonline.com\u3002evil.io/", lc.LOOKALIKE),  # ideographic dot
    ("https://login.microsoftonline.co/", lc.LOOKALIKE),
    ("https://login.microsoftonlline.com/", lc.LOOKALIKE),
    ("https://login.rnicrosoftonline.com/", lc.LOOKALIKE),
    ("https://login.micros0ftonline.com/", lc.LOOKALIKE),
    ("https://login.microsoftonIine.com/", lc.LOOKALIKE),  # capital I for l
    ("https://login-microsoftonline.com/", lc.LOOKALIKE),
    ("https://microsoftonline-login.com/ruc", lc.LOOKALIKE),
    ("https://login.microsoftonline.ruc-dk.com/", lc.LOOKALIKE),
    ("https://secure-microsoft.com/login", lc.LOOKALIKE),
    ("https://ruc.office365-verify.com/", lc.LOOKALIKE),
    ("https://mysignins-microsoft.com/security-info", lc.LOOKALIKE),
    ("https://microsoft.com.evil.io/", lc.LOOKALIKE),
    ("https://login.microsoft.com.evil.io/", lc.LOOKALIKE),
    # letters from other alphabets, punycode, look-alike characters no browser opens
    ("https://xn--lgin-0za.microsoftonline.com/", lc.FOREIGN_LETTERS),
    ("https://login.xn--microsftonline-lgb.com/", lc.FOREIGN_LETTERS),
    ("https://lоgin.microsoftonline.com/", lc.FOREIGN_LETTERS),  # Cyrillic о
    ("https://login.microsoftоnline.com/", lc.FOREIGN_LETTERS),  # Cyrillic о
    ("https://lοgin.microsoftonline.com/", lc.FOREIGN_LETTERS),  # Greek ο
    ("https://login.microsoftonline.com＠evil.io/", lc.FOREIGN_LETTERS),  # full-width @
    ("login.microsoftonline.com＠evil.io", lc.FOREIGN_LETTERS),
    # shorteners
    ("https://bit.ly/3xYzAbc", lc.SHORTENER),
    ("http://tinyurl.com/ruc-login", lc.SHORTENER),
    ("https://t.co/abc123", lc.SHORTENER),
    ("https://cutt.ly/ruc", lc.SHORTENER),
    ("bit.ly/ruc-mfa", lc.SHORTENER),
    # bare IP addresses, in every spelling a browser accepts
    ("http://192.168.10.5/login", lc.IP_ADDRESS),
    ("https://203.0.113.7/common/login", lc.IP_ADDRESS),
    ("http://[2001:db8::1]/login", lc.IP_ADDRESS),
    ("http://3232235777/", lc.IP_ADDRESS),
    ("http://0xC0A80001/", lc.IP_ADDRESS),
    ("http://0300.0250.0.1/", lc.IP_ADDRESS),
    ("https://login.microsoftonline.com@203.0.113.7/", lc.USERINFO),
    # the link is the page or the program itself
    ("data:text/html;base64,PHNjcmlwdD4=", lc.NOT_WEB_ADDRESS),
    ("data:,Sign in to RUC", lc.NOT_WEB_ADDRESS),
    ("javascript:alert(document.cookie)", lc.NOT_WEB_ADDRESS),
    ("JavaScript:void(0)", lc.NOT_WEB_ADDRESS),
    ("vbscript:msgbox(1)", lc.NOT_WEB_ADDRESS),
    ("blob:https://evil.io/1b2c3d", lc.NOT_WEB_ADDRESS),
    ("file:///C:/Users/me/Downloads/RUC-login.html", lc.NOT_WEB_ADDRESS),
    # device-code sign-in: genuine pages, but a code someone else gave you signs them in
    ("https://microsoft.com/devicelogin", lc.DEVICE_CODE),
    ("https://www.microsoft.com/DeviceLogin", lc.DEVICE_CODE),
    ("https://www.microsoft.com/en-us/devicelogin", lc.DEVICE_CODE),
    ("http://microsoft.com/devicelogin", lc.DEVICE_CODE),
    ("https://aka.ms/devicelogin", lc.DEVICE_CODE),
    ("https://login.microsoft.com/device", lc.DEVICE_CODE),
    ("https://login.microsoftonline.com/common/oauth2/deviceauth", lc.DEVICE_CODE),
    ("https://login.microsoftonline.com/ruc.dk/oauth2/deviceauth", lc.DEVICE_CODE),
    # a genuine sign-in that hands the result to a site off Microsoft and RUC
    (AUTHORIZE + "response_type=code&redirect_uri=https%3A%2F%2Fevil.io%2Fcallback",
     lc.REDIRECT_ELSEWHERE),
    (AUTHORIZE + "redirect_uri=https://evil.io/cb", lc.REDIRECT_ELSEWHERE),
    (AUTHORIZE + "redirect_uri=https://outlook.office.com.evil.io/", lc.REDIRECT_ELSEWHERE),
    (AUTHORIZE + "redirect_uri=https://ruc.dk&redirect_uri=https://evil.io", lc.REDIRECT_ELSEWHERE),
    ("https://login.microsoftonline.com/ruc.dk/wsfed?wa=wsignin1.0&wreply=https://evil.io/",
     lc.REDIRECT_ELSEWHERE),
    # other sites, Microsoft's own included: not RUC's sign-in page, but no look-alike either
    ("https://ruc.dk/", lc.OTHER_SITE),
    ("https://evil.example/login.microsoftonline.com/", lc.OTHER_SITE),
    ("https://example.com/?next=https://login.microsoftonline.com/", lc.OTHER_SITE),
    ("https://www.google.com/", lc.OTHER_SITE),
    ("https://evil.io\\@login.microsoftonline.com", lc.OTHER_SITE),  # browsers go to evil.io
    ("https://evil.io\\login.microsoftonline.com", lc.OTHER_SITE),
    ("https://aka.ms/mfasetup", lc.GENUINE_SECURITY_INFO),  # guides hand it out; no alarm
    # Found by an attack on the running assistant: a sign-in that hands its result elsewhere
    # under any parameter name, and schemes that open another program.
    (f"https://{lc.SIGN_IN_HOST}/common/oauth2/v2.0/logout?post_logout_redirect_uri=https://evil.io",
     lc.REDIRECT_ELSEWHERE),
    (f"https://{lc.SIGN_IN_HOST}/x?ru=https://evil.io", lc.REDIRECT_ELSEWHERE),
    (f"https://{lc.SIGN_IN_HOST}/x?redirect_uri=//evil.io", lc.REDIRECT_ELSEWHERE),
    (f"https://{lc.SIGN_IN_HOST}/x?x=1;redirect_uri=https://evil.io", lc.REDIRECT_ELSEWHERE),
    (f"https://{lc.SIGN_IN_HOST}/x?redirect_uri=https://a.sharepoint.com", lc.REDIRECT_ELSEWHERE),
    (f"https://{lc.SIGN_IN_HOST}/saml2?RelayState=https://evil.io", lc.REDIRECT_ELSEWHERE),
    (f"https://{lc.SIGN_IN_HOST}/?redirect_uri=https://outlook.office.com/owa", lc.GENUINE),
    ("microsoft-edge:https://evil.io", lc.NOT_WEB_ADDRESS),
    ("view-source:https://evil.io", lc.NOT_WEB_ADDRESS),
    ("https://login.microsoft.com/", lc.OTHER_SITE),
    ("https://account.microsoft.com/", lc.OTHER_SITE),
    ("https://logln.microsoftonline.com/", lc.OTHER_SITE),  # only Microsoft serves these
    ("https://mysignin.microsoft.com/security-info", lc.OTHER_SITE),
    ("https://forms.office.com/r/AbC123", lc.OTHER_SITE),
    ("https://login.live.com/", lc.OTHER_SITE),
]  # fmt: skip


def test_the_table_is_big_enough():
    assert len(LINKS) >= 80
    assert len({link for link, _ in LINKS}) == len(LINKS)
    assert {verdict for _, verdict in LINKS} == set(lc.VERDICTS) - {lc.NO_LINK}


@pytest.mark.parametrize(("link", "verdict"), LINKS)
def test_verdict(link, verdict):
    assert lc.check_link(link).verdict == verdict


@pytest.mark.parametrize(("link", "verdict"), LINKS)
def test_the_same_verdict_inside_a_message(link, verdict):
    assert lc.check_message(f"is this real? {link}").verdict == verdict


@pytest.mark.parametrize(
    ("link", "host"),
    [
        ("https://login.microsoftonline.com@evil.example/", "evil.example"),
        ("https://evil.io\\@login.microsoftonline.com", "evil.io"),
        ("https://login.microsoftonline.com\n.evil.io/", "login.microsoftonline.com.evil.io"),
        (AUTHORIZE + "redirect_uri=https%3A%2F%2Fevil.io%2Fcb", "evil.io"),
        ("https://lоgin.microsoftonline.com/", "lоgin.microsoftonline.com"),
        ("javascript:alert(1)", "javascript:"),
        ("http://3232235777/", "192.168.1.1"),
    ],
)
def test_the_host_named_is_where_the_browser_goes(link, host):
    assert lc.check_link(link).host == host


def test_genuine_and_dangerous():
    assert lc.check_link("https://login.microsoftonline.com/").genuine
    assert not lc.check_link("https://login.microsoftonline.com@evil.example/").genuine
    assert lc.check_link("data:,x").dangerous
    assert not lc.check_link("https://microsoft.com/devicelogin").dangerous


@pytest.mark.parametrize(
    ("message", "verdict", "host"),
    [
        # several links: the worst one, named
        ("https://login.microsoftonline.com/ or https://bit.ly/x?", lc.SHORTENER, "bit.ly"),
        (
            "first https://login.microsoftonline.com/ then https://login.microsoftonline.co/",
            lc.LOOKALIKE,
            "login.microsoftonline.co",
        ),
        (
            "https://mysignins.microsoft.com/ and https://login.microsoftonline.com/",
            lc.GENUINE_SECURITY_INFO,
            "mysignins.microsoft.com",
        ),
        (
            "links:\nhttps://login.microsoftonline.com/\n- javascript:alert(1)",
            lc.NOT_WEB_ADDRESS,
            "javascript:",
        ),
        # a markdown link shows one address and goes to another
        ("[https://login.microsoftonline.com](https://evil.io)", lc.LOOKALIKE, "evil.io"),
        ("see [login.microsoftonline.com](https://evil.io/x).", lc.LOOKALIKE, "evil.io"),
        ("[https://bit.ly/x](https://login.microsoftonline.com/)", lc.SHORTENER, "bit.ly"),
        ("[sign in](https://login.microsoftonline.com/)", lc.GENUINE, "login.microsoftonline.com"),
        # broken over lines and tabs as e-mail programs do; a whole link then a new line is whole
        (
            "is this ok\nhttps://login.microsoftonline.com\n.evil.io/ruc",
            lc.LOOKALIKE,
            "login.microsoftonline.com.evil.io",
        ),
        (
            "https://login.microsoftonline.\ncom.evil.io/",
            lc.LOOKALIKE,
            "login.microsoftonline.com.evil.io",
        ),
        ("https://login.microsoftonline.com\nthanks!", lc.GENUINE, "login.microsoftonline.com"),
        (
            "https://login.microsoftonline.com/\nIs it real?",
            lc.GENUINE,
            "login.microsoftonline.com",
        ),
        # a name mentioned in passing is not the link asked about
        (
            "I study at ruc.dk, is https://login.microsoftonline.com/ real?",
            lc.GENUINE,
            "login.microsoftonline.com",
        ),
        ("my e-mail is john.doe@ruc.dk and the link is https://bit.ly/x", lc.SHORTENER, "bit.ly"),
        # ... but a look-alike name is dangerous however it is written
        (
            "Sign in at https://login.microsoftonline.com/ then confirm at micros0ft-verify.com",
            lc.LOOKALIKE,
            "micros0ft-verify.com",
        ),
        (
            "is this page safe to sign in on login.rnicrosoftonline.com",
            lc.LOOKALIKE,
            "login.rnicrosoftonline.com",
        ),
        ("got a mail with (https://bit.ly/xyz) in it", lc.SHORTENER, "bit.ly"),
        (
            '<a href="https://evil.io">https://login.microsoftonline.com</a>',
            lc.OTHER_SITE,
            "evil.io",
        ),
        ("is this page real?", lc.NO_LINK, None),
        ("it must start with https:// right?", lc.NO_LINK, None),
    ],
)
def test_a_message_gets_the_verdict_of_its_worst_link(message, verdict, host):
    result = lc.check_message(message)
    assert (result.verdict, result.host) == (verdict, host)


@pytest.mark.parametrize(
    ("message", "links"),
    [
        (
            "is this real? https://login.microsoftonline.com/abc.",
            ["https://login.microsoftonline.com/abc"],
        ),
        ("got a mail with (https://bit.ly/xyz) in it", ["https://bit.ly/xyz"]),
        (
            "https://en.wikipedia.org/wiki/Phishing_(disambiguation)",
            ["https://en.wikipedia.org/wiki/Phishing_(disambiguation)"],
        ),
        (
            "login.microsoftonline.com.evil.io/path is it ok",
            ["login.microsoftonline.com.evil.io/path"],
        ),
        ("**https://evil.io/x**", ["https://evil.io/x"]),
        ("a https://a.io/ b https://a.io/ c https://b.io/", ["https://a.io/", "https://b.io/"]),
        (
            "[https://login.microsoftonline.com](https://evil.io)",
            ["https://evil.io", "https://login.microsoftonline.com"],
        ),
        (
            "https://login.microsoftonline.com\n.evil.io/",
            ["https://login.microsoftonline.com.evil.io/"],
        ),
        ("my email is jdoe@ruc.dk", []),
        ("is this the right page", []),
    ],
)
def test_the_links_are_found_in_a_message(message, links):
    assert lc.find_links(message) == links


@pytest.mark.parametrize(
    ("message", "pasted"),
    [
        ("is this real https://login.microsoftonline.com/", True),
        ("bit.ly/ruc-mfa-renew is that from you", True),
        ("login.microsoftonline.com.evil.io real?", True),
        ("is this ok javascript:alert(1)", True),
        ("data:text/html;base64,PHNjcmlwdD4=", True),
        ("[click here](https://evil.io)", True),
        ("login.microsoftonline.com＠evil.io", True),
        ("my email is jdoe@ruc.dk", False),
        ("my email is john.doe@ruc.dk", False),
        ("I study at ruc.dk", False),
        ("the app says 3.5 stars", False),
        ("I lost my data: photos and all", False),
        ("I know javascript: it's fine", False),
        ("it must start with https://", False),
    ],
)
def test_a_pasted_link_is_told_from_an_address_or_a_domain_name(message, pasted):
    assert lc.has_pasted_link(message) is pasted


# --- any text at all: never an exception, never slow -----------------------------------------
URLISH = st.text(alphabet=st.sampled_from(list("htps:/\\@.%2E[]()<>\"'`\t\r\n -_?#&=＠。ｌоa1x")))


LINK_AND_TEXT = st.builds("{}{}".format, st.sampled_from([link for link, _ in LINKS]), st.text())


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(), URLISH, LINK_AND_TEXT))
def test_any_text_gets_a_verdict(text):
    verdict = lc.check_message(text)
    assert verdict.verdict in lc.VERDICTS
    assert isinstance(lc.has_pasted_link(text), bool)
    for link in lc.find_links(text):
        assert lc.check_link(link).verdict in lc.VERDICTS
    assert lc.check_link(text).verdict in lc.VERDICTS


@pytest.mark.parametrize(
    "text",
    [
        "1.\t" * 21_000, "a\t" * 32_000, "a." * 32_000, "a.\n" * 21_000, "[](" * 21_000,
        "[x](" + "a" * 64_000, "https://a" + "\t" * 64_000, "a.b" + "\n" * 64_000 + "x",
        "a\t.b\t" * 12_800, "https://a.b/ " * 4_900,
    ],
)  # fmt: skip
def test_a_long_odd_message_is_checked_quickly(text):
    """The chat channels take 64 KB: no message of that size may stall the NLU step."""
    started = time.monotonic()
    lc.check_message(text)
    lc.has_pasted_link(text)
    assert time.monotonic() - started < 3


# --- every verdict has its answer ------------------------------------------------------------
def test_every_verdict_has_a_text_in_the_domain():
    domain = load_domain()
    values = domain["slots"]["link_verdict"]["values"]
    conditioned = {
        condition["value"]
        for variant in domain["responses"]["utter_link_verdict"]
        for condition in variant.get("condition") or []
        if condition.get("name") == "link_verdict"
    }
    assert set(lc.VERDICTS) <= set(values)
    assert set(lc.VERDICTS) - {lc.NO_LINK} <= conditioned
