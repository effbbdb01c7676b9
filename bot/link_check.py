"""Is a pasted link RUC's genuine Microsoft sign-in? A verdict, and the reason in one word.

RUC's rule is simple: the genuine sign-in page starts with https://login.microsoftonline.com/
(and sign-in methods are managed on https://mysignins.microsoft.com/). Phishing links imitate
that in a handful of known ways; each gets its own verdict so the assistant can say *why* a
link is fake in plain words: a look-alike name, a missing https, a user-name trick, a link
shortener, a bare IP address, letters from another alphabet.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

SIGN_IN_HOST = "login.microsoftonline.com"
SECURITY_INFO_HOST = "mysignins.microsoft.com"
GENUINE_HOSTS = (SIGN_IN_HOST, SECURITY_INFO_HOST)

# Verdicts (the values of the link_verdict slot; domain.yml has a text for each).
GENUINE = "genuine"
GENUINE_SECURITY_INFO = "genuine_security_info"
NOT_HTTPS = "not_https"
USERINFO = "userinfo"
LOOKALIKE = "lookalike"
FOREIGN_LETTERS = "foreign_letters"
SHORTENER = "shortener"
IP_ADDRESS = "ip_address"
OTHER_SITE = "other_site"
NO_LINK = "no_link"
VERDICTS = (
    GENUINE, GENUINE_SECURITY_INFO, NOT_HTTPS, USERINFO, LOOKALIKE, FOREIGN_LETTERS,
    SHORTENER, IP_ADDRESS, OTHER_SITE, NO_LINK,
)  # fmt: skip

SHORTENERS = frozenset(
    {
        "bit.ly", "tinyurl.com", "t.co", "goo.gl", "ow.ly", "is.gd", "buff.ly", "rebrand.ly",
        "cutt.ly", "t.ly", "shorturl.at", "tiny.cc", "lnkd.in", "s.id", "rb.gy", "v.gd",
        "bl.ink", "short.io", "tiny.one", "qrco.de", "urlz.fr", "shorturl.com", "x.co",
    }
)  # fmt: skip
# Words of the genuine names that phishing hosts borrow ("microsoftonline-login.com").
_BRAND_WORDS = ("microsoftonline", "microsoft", "mysignins", "office365", "login-microsoft")
# Digits and letters that pass for others at a glance.
_CONFUSABLE = str.maketrans({"0": "o", "1": "l", "3": "e", "5": "s", "i": "l", "|": "l"})

# A link in a message: with a scheme, or a bare host with a dot and a path or known TLD.
_URL = re.compile(
    r"(?i)\b(?:[a-z][a-z0-9+.-]*://[^\s<>\"']+|(?:[\w-]+\.)+[a-z\u00a1-\uffff]{2,}(?:/[^\s<>\"']*)?)"
)


@dataclass(frozen=True)
class LinkVerdict:
    verdict: str
    link: str | None = None
    host: str | None = None

    @property
    def genuine(self) -> bool:
        return self.verdict in (GENUINE, GENUINE_SECURITY_INFO)


# What counts as a pasted link when deciding that a message is about one: a scheme, or a bare
# host with a path or with three or more labels. Plain "ruc.dk" or an e-mail address is not.
_PASTED_LINK = re.compile(
    r"(?i)(?<![\w@.-])(?:[a-z][a-z0-9+.-]*://\S+|(?:[\w-]+\.)+[a-z]{2,}/\S*|(?:[\w-]+\.){3,}[a-z]{2,})"
)


def has_pasted_link(text: str) -> bool:
    return bool(_PASTED_LINK.search(text or ""))


def find_link(text: str) -> str | None:
    """The first link-like thing in a message, trailing punctuation removed."""
    match = _URL.search(text or "")
    return match.group(0).rstrip(".,;:!?)]}'\"") if match else None


def _skeleton(host: str) -> str:
    """The host as it looks at a glance: confusable characters folded, punctuation removed."""
    folded = unicodedata.normalize("NFKD", host).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z]", "", folded.translate(_CONFUSABLE))


def _edit_distance_at_most_2(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 2:
        return False
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            )
        if min(current) > 2:
            return False
        previous = current
    return previous[-1] <= 2


def _looks_like_genuine(host: str) -> bool:
    skeleton = _skeleton(host)
    for genuine in GENUINE_HOSTS:
        target = _skeleton(genuine)
        if target in skeleton or _edit_distance_at_most_2(skeleton, target):
            return True
    labels = host.split(".")
    return any(word in label for label in labels for word in _BRAND_WORDS)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        # Decimal/hex encodings like 3232235777 or 0xC0A80001 are IPs to a browser too.
        return bool(re.fullmatch(r"(0x[0-9a-f]+|\d+)(\.(0x[0-9a-f]+|\d+)){0,3}", host))
    return True


def check_link(link: str | None) -> LinkVerdict:
    """The verdict for one link (None or empty: NO_LINK)."""
    if not link:
        return LinkVerdict(NO_LINK)
    raw = link.strip()
    parsed = urlsplit(raw if "://" in raw else f"//{raw}")
    netloc = parsed.netloc
    if "@" in netloc:
        return LinkVerdict(USERINFO, raw, netloc.rsplit("@", 1)[1].split(":")[0].lower())
    host = (parsed.hostname or "").rstrip(".")
    if not host:
        return LinkVerdict(NO_LINK)
    if host.startswith("xn--") or ".xn--" in host or not host.isascii():
        return LinkVerdict(FOREIGN_LETTERS, raw, host)
    host = host.lower()
    if _is_ip(host):
        return LinkVerdict(IP_ADDRESS, raw, host)
    if host in SHORTENERS:
        return LinkVerdict(SHORTENER, raw, host)
    if host in GENUINE_HOSTS:
        if parsed.scheme.lower() != "https" or (parsed.port not in (None, 443)):
            return LinkVerdict(NOT_HTTPS, raw, host)
        return LinkVerdict(GENUINE if host == SIGN_IN_HOST else GENUINE_SECURITY_INFO, raw, host)
    if _looks_like_genuine(host):
        return LinkVerdict(LOOKALIKE, raw, host)
    return LinkVerdict(OTHER_SITE, raw, host)


def check_message(text: str) -> LinkVerdict:
    """The verdict for the first link in a user's message."""
    return check_link(find_link(text))
