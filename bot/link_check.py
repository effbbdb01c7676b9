"""Is a pasted link RUC's genuine Microsoft sign-in? A verdict, and the reason in one word.

RUC's rule is simple: the genuine sign-in page starts with https://login.microsoftonline.com/
(and sign-in methods are managed on https://mysignins.microsoft.com/). Phishing links imitate
that in a handful of known ways; each gets its own verdict so the assistant can say *why* a
link is fake in plain words: a look-alike name, a missing https, a user-name trick, a link
shortener, a bare IP address, letters from another alphabet, a link that is a page or a script
rather than an address. Two genuine Microsoft pages still earn a caution: the device-code page
(someone else's code signs *them* in as you) and a sign-in that hands the result to a site off
Microsoft and RUC (an app asking for access to the account).

A link is read the way a browser reads it: by a WHATWG URL parser (ada, the one in Node.js),
which drops tabs and line breaks inside a link, reads a backslash as a slash, decodes %2E and
maps full-width letters in host names. Hand-written parsing disagreed with browsers exactly
where phishing links live. Finding the links in free text is ours (see find_links), and a
message with several links gets the verdict of its worst one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import parse_qsl

from ada_url import HostType, idna_to_unicode, join_url, parse_url

SIGN_IN_HOST = "login.microsoftonline.com"
SECURITY_INFO_HOST = "mysignins.microsoft.com"
GENUINE_HOSTS = (SIGN_IN_HOST, SECURITY_INFO_HOST)
# Microsoft's own short links to the security info page: aka.ms/mysecurityinfo (Microsoft's
# Temporary Access Pass page) and aka.ms/mfasetup, which university guides hand out for it
# (e.g. https://www.morainepark.edu/help/how-do-i-manage-my-mfa-profile/).
SECURITY_INFO_SHORT_LINKS = frozenset({("aka.ms", "/mysecurityinfo"), ("aka.ms", "/mfasetup")})
# Domains where only Microsoft serves pages: a host under them can't be a phisher's look-alike,
# whatever its first label says (login.microsoft.com, account.microsoft.com). It is still not
# RUC's sign-in page, so it gets OTHER_SITE, not GENUINE.
MICROSOFT_DOMAINS = ("microsoft.com", "microsoftonline.com", "aka.ms")
# Where a genuine sign-in may hand its result: Microsoft's sign-in, its Office apps and RUC's
# own systems. Not sharepoint.com: any organisation's SharePoint lives under it.
REDIRECT_DOMAINS = (
    *MICROSOFT_DOMAINS, "office.com", "office365.com", "microsoft365.com", "live.com", "ruc.dk",
)  # fmt: skip
# Any parameter whose value is an address may be where the sign-in hands its result:
# redirect_uri (OAuth), wreply (WS-Federation), post_logout_redirect_uri, ru, RelayState (SAML),
# and names not known yet. "//evil.io" is an address too (the sign-in's own scheme).
_ADDRESS_VALUE = re.compile(r"(?i)^\s*(?:[a-z][a-z0-9+.\-]*:|[/\\]{2})")
# Device-code sign-in pages: (host, path pattern). Whoever types a code there signs in the
# device that asked for it, so a code someone else sent you signs *them* in as you.
DEVICE_CODE_PAGES = (
    ("microsoft.com", re.compile(r"(/[a-z]{2}-[a-z]{2})?/devicelogin/?")),
    ("www.microsoft.com", re.compile(r"(/[a-z]{2}-[a-z]{2})?/devicelogin/?")),
    ("aka.ms", re.compile(r"/devicelogin/?")),
    ("login.microsoft.com", re.compile(r"/device/?")),
    (SIGN_IN_HOST, re.compile(r"(/[^/]+)?/oauth2/(v2\.0/)?deviceauth/?")),
)
# Schemes whose link is itself the page or the program (or a file on the computer): the
# genuine sign-in never is one, and data: pages are a known way to show a fake sign-in.
# microsoft-edge: opens the address that follows in Edge, whatever the default browser is;
# view-source: shows one; either hides where it goes from a quick look.
NOT_WEB_SCHEMES = frozenset(
    {"data:", "javascript:", "vbscript:", "blob:", "file:", "microsoft-edge:", "view-source:"}
)
WEB_SCHEMES = frozenset({"http", "https", "ftp", "ws", "wss"})

# Verdicts (the values of the link_verdict slot; data/responses/safety.yml has a text for each).
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
NOT_WEB_ADDRESS = "not_web_address"
DEVICE_CODE = "device_code"
REDIRECT_ELSEWHERE = "redirect_elsewhere"
# Worst first: a message with several links is answered about the worst one.
VERDICTS = (
    USERINFO, NOT_WEB_ADDRESS, FOREIGN_LETTERS, IP_ADDRESS, LOOKALIKE, NOT_HTTPS, SHORTENER,
    DEVICE_CODE, REDIRECT_ELSEWHERE, OTHER_SITE, GENUINE_SECURITY_INFO, GENUINE, NO_LINK,
)  # fmt: skip
# Verdicts that say "don't use this link" (the others say "genuine", "careful" or "not this").
DANGEROUS = frozenset(VERDICTS[: VERDICTS.index(SHORTENER) + 1])

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


@dataclass(frozen=True)
class LinkVerdict:
    verdict: str
    link: str | None = None
    host: str | None = None

    @property
    def genuine(self) -> bool:
        return self.verdict in (GENUINE, GENUINE_SECURITY_INFO)

    @property
    def dangerous(self) -> bool:
        return self.verdict in DANGEROUS


# --- finding links in a message ------------------------------------------------------------
# A character that may be inside a link as typed in a message (browsers end one at these).
_C = r"[^\s<>\"`]"
# Browsers drop tabs and line breaks inside a link, so a link broken over two lines is one link.
# A tab always joins; a line break joins when the next line goes on like an address (".evil.io",
# "/path", "?x=1") or the line ends mid-name ("login.microsoftonline." / "login-"), unless the
# next line starts a link of its own. A line break after a whole link ("...com/" then "Is it
# real?", or a "- " list) ends it.
_BREAK = (
    rf"(?:\t+(?={_C})"
    r"|\t*[\r\n][\t\r\n]*(?=[./?#&=%\\])"
    r"|(?<=[.\-])\t*[\r\n][\t\r\n]*(?=[a-z0-9])(?![a-z][a-z0-9+.\-]*:))"
)
_TAIL = rf"(?:{_C}|{_BREAK})*"
# Links with a scheme: web schemes (a browser also takes "https:evil.io" and "https:\\evil.io"),
# any scheme followed by //, and the schemes whose link is the page or program itself. Something
# must follow: "it must start with https://" names no link.
_WITH_SCHEME = (
    r"(?:https?|ftp|wss?):[/\\]*(?=[\w\[%])"
    rf"|[a-z][a-z0-9+.\-]*://(?={_C})"
    r"|data:(?:[\w.+\-]+/[\w.+\-]+)?(?:;[^,\s]*)?,"
    r"|(?:java|vb)script:(?=[\w%/(])"
    r"|blob:(?=[a-z]+:)"
    r"|(?:microsoft-edge|view-source):(?=[a-z]+:)"
)
# A bare host name: labels of letters, digits and hyphens in any alphabet, separated by a dot or
# one of the dots IDNA reads as one, ending in a top-level name of letters; then, if it goes on
# like an address (a path, a port, a full-width "\uff20"), the rest. "jdoe@ruc.dk" is no link.
# The counts are bounded, and no two ways of reading a break overlap, so that no message, however
# long or odd, makes the search slow.
_DOT = r"[.\u3002\uff0e\uff61]"
_LABEL = rf"[\w\-]{{1,63}}(?:{_BREAK}[\w\-]{{1,63}}){{0,3}}(?:{_BREAK})?"
_HOST = rf"(?:{_LABEL}{_DOT}(?:{_BREAK})?){{1,16}}[^\W\d_]{{2,63}}"
_REST = rf"(?:(?:{_BREAK})?[:/?#\\\uff20]{_TAIL})?"
_LINK = re.compile(
    rf"(?i)(?<![\w@.\-/:%+\uff20])"  # not inside a word, an address or another link
    rf"(?:(?:{_WITH_SCHEME}){_TAIL}|(?P<host>{_HOST})(?![\w\-@])(?P<rest>{_REST}))"
)
# [label](target): the target is where a browser goes; the label is what the reader sees.
_MARKDOWN = re.compile(
    r"\[([^\[\]]{0,2000})\]\(\s?<?([^\s()<>]{0,2000}(?:\([^\s()<>]{0,200}\)[^\s()<>]{0,2000})?)>?"
    r"(?:\s+\"[^\"]{0,200}\")?\s?\)"
)
_TRAILING = ".,;:!?'\"*_"
_CLOSERS = {")": "(", "]": "[", "}": "{", ">": "<"}


@dataclass(frozen=True)
class _Found:
    link: str
    pasted: bool  # clearly a pasted link, not a name mentioned in passing ("I study at ruc.dk")
    shown: str | None = None  # the link a markdown label shows instead: [shown](link)


def _trim(candidate: str) -> str:
    """The link as a browser takes it, without the sentence around it: tabs and line breaks
    dropped, trailing punctuation and unmatched closing brackets removed."""
    text = re.sub(r"[\t\r\n]", "", candidate).strip()
    while text and (
        text[-1] in _TRAILING
        or (text[-1] in _CLOSERS and text.count(text[-1]) > text.count(_CLOSERS[text[-1]]))
    ):
        text = text[:-1].rstrip()
    return text


def _is_pasted(match: re.Match[str]) -> bool:
    """A scheme, or a bare host with a path or port, or with four or more labels
    ("login.microsoftonline.com.evil.io"); a bare "ruc.dk" or "www.ruc.dk" is just a name."""
    host = match.group("host")
    if host is None:
        return True
    labels = re.split(_DOT, re.sub(r"[\t\r\n]", "", host))
    return bool(_trim(match.group("rest") or "")) or len(labels) >= 4


def _find(text: str) -> list[_Found]:
    """Every link in the text, markdown targets and labels included, in order."""
    found: list[_Found] = []
    rest = text
    for match in _MARKDOWN.finditer(text):
        label, target = match.group(1), _trim(match.group(2))
        shown = next((f.link for f in _find(label)), None)
        if target:
            found.append(_Found(target, True, shown))
        rest = rest.replace(match.group(0), f" {label} ", 1)
    for match in _LINK.finditer(rest):
        link = _trim(match.group(0))
        if link:
            found.append(_Found(link, _is_pasted(match)))
    return found


def _links(text: str) -> list[_Found]:
    """The links a message is about. Bare two- and three-part names ("evil.io") count only when
    nothing more link-like is there, so "I study at ruc.dk, is https://login.microsoftonline.com/
    real?" is about the sign-in link; but a bare name that is dangerous in itself always counts
    ("sign in at https://login.microsoftonline.com/ then confirm at micros0ft-verify.com")."""
    found = _find(text or "")
    pasted = [f for f in found if f.pasted or check_link(f.link).dangerous]
    return pasted if any(f.pasted for f in found) else found


def find_links(text: str) -> list[str]:
    """The links in a message, in order, each once."""
    return list(dict.fromkeys(f.link for f in _links(text)))


def has_pasted_link(text: str) -> bool:
    """Is the message about a pasted link? Plain "ruc.dk" or an e-mail address is not one."""
    return any(f.pasted for f in _find(text or ""))


# --- judging one link ------------------------------------------------------------------------
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
    # A brand in any label, however its letters are disguised ("micros0ft-verify.com").
    labels = [_skeleton(label) for label in host.split(".")]
    return any(_skeleton(word) in label for label in labels for word in _BRAND_WORDS)


def _under(host: str, domains: tuple[str, ...]) -> bool:
    return any(host == domain or host.endswith(f".{domain}") for domain in domains)


def _has_scheme(link: str) -> bool:
    """Does the link name its scheme? "login.microsoftonline.com:443/" does not: a scheme is a
    web one, one of NOT_WEB_SCHEMES, or followed by //."""
    match = re.match(r"(?i)([a-z][a-z0-9+.\-]*):([/\\]{2})?", link)
    if not match:
        return False
    name = match.group(1).lower()
    return bool(match.group(2)) or name in WEB_SCHEMES or f"{name}:" in NOT_WEB_SCHEMES


def _parse(link: str) -> dict[str, str] | None:
    """The link's parts as a browser sees them, or None when a browser can't open it.

    A link without a scheme is read as e-mail programs read one: http://.
    """
    try:
        return parse_url(link if _has_scheme(link) else "http://" + link.lstrip("/\\"))
    except ValueError:  # invalid, or not encodable (lone surrogates)
        return None


def _unreadable(link: str) -> LinkVerdict:
    """A link no browser opens as written: a look-alike character in the name (a full-width
    "＠"), a port out of range. A mail program may still "fix" it, so it is never genuine."""
    authority = re.sub(r"(?i)^[a-z][a-z0-9+.\-]*:[/\\]*", "", link)
    authority = re.split(r"[/?#\\]", authority, maxsplit=1)[0]
    if not authority.isascii():
        return LinkVerdict(FOREIGN_LETTERS, link, authority)
    return LinkVerdict(OTHER_SITE, link, authority.lower() or None)


def _redirect_host(url: dict[str, str]) -> str | None:
    """Where a sign-in link hands its result when that is off Microsoft and RUC, else None."""
    query = url["search"].lstrip("?").replace(";", "&")  # some servers also split at ";"
    for _name, value in parse_qsl(query, keep_blank_values=True):
        if not _ADDRESS_VALUE.match(value):
            continue
        try:
            target = parse_url(join_url(f"https://{SIGN_IN_HOST}/", value.strip()))
        except ValueError:  # Microsoft refuses a redirect it can't read
            continue
        host = target["hostname"].rstrip(".")
        if target["protocol"] not in ("https:", "http:") or not _under(host, REDIRECT_DOMAINS):
            return host or target["protocol"]
    return None


def check_link(link: str | None) -> LinkVerdict:
    """The verdict for one link (None or empty: NO_LINK). Tabs and line breaks in it don't
    count: browsers drop them."""
    raw = re.sub(r"[\t\r\n]", "", link or "").strip()
    if not raw:
        return LinkVerdict(NO_LINK)
    url = _parse(raw)
    if url is None:
        return _unreadable(raw)
    scheme = url["protocol"].lower()
    if scheme in NOT_WEB_SCHEMES:
        return LinkVerdict(NOT_WEB_ADDRESS, raw, scheme)
    host = url["hostname"].rstrip(".")
    if not host:
        return LinkVerdict(NO_LINK)
    if (url["username"] or url["password"]) and not _under(host, MICROSOFT_DOMAINS):
        return LinkVerdict(USERINFO, raw, host)
    if url["host_type"] != HostType.DEFAULT:
        return LinkVerdict(IP_ADDRESS, raw, host)
    if any(label.startswith("xn--") for label in host.split(".")):
        try:
            shown = idna_to_unicode(host)
        except ValueError:
            shown = host
        return LinkVerdict(FOREIGN_LETTERS, raw, shown or host)
    if host in SHORTENERS:
        return LinkVerdict(SHORTENER, raw, host)
    path = url["pathname"].lower()
    if any(
        host == page_host and pattern.fullmatch(path) for page_host, pattern in DEVICE_CODE_PAGES
    ):
        return LinkVerdict(DEVICE_CODE, raw, host)
    if host in GENUINE_HOSTS or (host, path.rstrip("/")) in SECURITY_INFO_SHORT_LINKS:
        if scheme != "https:" or url["port"]:
            return LinkVerdict(NOT_HTTPS, raw, host)
        if host == SIGN_IN_HOST:
            elsewhere = _redirect_host(url)
            if elsewhere:
                return LinkVerdict(REDIRECT_ELSEWHERE, raw, elsewhere)
            return LinkVerdict(GENUINE, raw, host)
        return LinkVerdict(GENUINE_SECURITY_INFO, raw, host)
    if not _under(host, MICROSOFT_DOMAINS) and _looks_like_genuine(host):
        return LinkVerdict(LOOKALIKE, raw, host)
    return LinkVerdict(OTHER_SITE, raw, host)


def check_message(text: str) -> LinkVerdict:
    """The verdict for a user's message: its worst link, which the answer then names.

    A markdown link that shows a genuine address but goes elsewhere is a look-alike: the reader
    was meant to believe the label.
    """
    verdicts = []
    for found in _links(text):
        verdict = check_link(found.link)
        shows_genuine = found.shown and check_link(found.shown).host in GENUINE_HOSTS
        if shows_genuine and verdict.verdict == OTHER_SITE:
            verdict = LinkVerdict(LOOKALIKE, verdict.link, verdict.host)
        verdicts.append(verdict)
    return min(verdicts, key=lambda v: VERDICTS.index(v.verdict), default=LinkVerdict(NO_LINK))
