"""Strings of an app (dex constants, resources, native libraries): endpoints and secrets.

`printable_strings` pulls ASCII runs out of binary files; `find_endpoints` and
`find_secrets` read any (string, Location) pairs, so every reader of the app (dex, XML,
Mach-O, .so) feeds the same scanners. Both are built for a million strings: each string
first meets a cheap substring or length test, and only the few that pass meet a regex.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import ipaddress
import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal
from urllib.parse import urlsplit

from aivet.app_record import AppEndpoint, Location, SecretHit
from aivet.exposure_session import HostOwner
from aivet.intel.domains import has_public_suffix, is_ip_address
from aivet.intel.kb import Intel
from aivet.intel.owners import owner_of

MAX_STRING = 4096
"""Longest run `printable_strings` yields at once (a longer one comes in pieces)."""
MAX_URLS_PER_HOST = 50
MAX_LOCATIONS = 20
MAX_URL = 2048

# --- endpoints -------------------------------------------------------------------------------

NOISE_HOSTS: dict[str, str] = {
    "schemas.android.com": "Android XML namespace",
    "www.w3.org": "W3C namespaces and DTDs (SVG, XHTML, XML Schema)",
    "w3.org": "W3C namespaces",
    "xmlpull.org": "XmlPull parser feature URIs",
    "www.xmlpull.org": "XmlPull parser feature URIs",
    "xml.org": "SAX feature URIs",
    "ns.adobe.com": "XMP metadata namespaces in images",
    "purl.org": "Dublin Core namespace in XMP metadata",
    "schemas.xmlsoap.org": "SOAP namespaces",
    "schemas.microsoft.com": "Office and XAML namespaces",
    "schemas.openxmlformats.org": "Office Open XML namespaces",
    "java.sun.com": "JAXP feature URIs and DTDs",
    "xml.apache.org": "Xerces and Xalan feature URIs",
}
"""Hosts whose URLs are identifiers in XML, metadata and parsers, not network endpoints."""

PLACEHOLDER_HOSTS: dict[str, str] = {
    "localhost": "the device itself",
    "127.0.0.1": "the device itself",
    "0.0.0.0": "any address (server sockets)",
    "::1": "the device itself",
    "10.0.2.2": "the development machine, seen from the Android emulator",
    "example.com": "documentation placeholder (RFC 2606), with its subdomains",
    "example.org": "documentation placeholder (RFC 2606), with its subdomains",
    "example.net": "documentation placeholder (RFC 2606), with its subdomains",
}
"""Placeholder and loopback hosts, dropped with their subdomains."""

LICENCE_URLS: tuple[tuple[str, str], ...] = (
    ("www.apache.org", "/licenses"),
    ("apache.org", "/licenses"),
    ("www.gnu.org", "/licenses"),
    ("opensource.org", "/licenses"),
    ("creativecommons.org", "/licenses"),
)
"""Licence texts quoted in headers and notices: (host, path prefix)."""

_URL = re.compile(r"(?i)\b(?:https?|wss?)://[^\s\"'<>\\^`{|}]+")
_BARE = re.compile(r"([A-Za-z0-9][A-Za-z0-9.-]{1,252})(?::(\d{1,5}))?(/[^\s\"'<>\\^`{|}]*)?")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_URL_TRAIL = ".,;:)]}'\"!?*"
# First components of Java/Kotlin packages (reversed domains and platform roots): a bare
# name starting with one is a package or component (`com.example.app/.Main`), not a host.
_PACKAGE_ROOTS = frozenset(
    "com org net io cn me de fr uk jp kr ru tv us co edu gov android androidx java javax"  # noqa: SIM905
    " kotlin kotlinx dalvik sun junit okhttp3 okio retrofit2 dagger".split()
)
# Last labels that are file extensions: `libfoo.so`, `x.png`, `config.json` are files even
# where the extension is also a top-level domain (.so, .py, .zip, .mov).
_FILE_EXTENSIONS = frozenset(
    "so a dylib dex jar apk aar class java kt smali xml json js mjs css html htm txt md png jpg"  # noqa: SIM905
    " jpeg gif webp bmp svg ico mp3 mp4 m4a wav ogg mov avi webm ttf otf woff woff2 db sqlite"
    " dat bin zip gz tar rar 7z properties plist nib car strings pb proto yaml yml ini cfg conf"
    " log tmp bak lock py rb sh pem crt cer der p12 key pdf doc docx xls xlsx arsc".split()
)
# Offline public suffix list, as `aivet.intel.domains` uses it: never fetched.

Party = Literal["first", "third", "unknown"]


@dataclass
class _Host:
    urls: dict[str, None] = field(default_factory=dict)
    cleartext: bool = False
    locations: list[Location] = field(default_factory=list)
    occurrences: int = 0


def printable_strings(data: bytes, min_len: int = 6) -> Iterator[tuple[int, str]]:
    """(offset, text) of each run of at least `min_len` printable ASCII bytes.

    Runs longer than `MAX_STRING` come as several pieces, so one huge blob cannot make a
    single unbounded string.
    """
    pattern = re.compile(rb"[\x20-\x7e]{%d,%d}" % (min_len, MAX_STRING))
    for match in pattern.finditer(data):
        yield match.start(), match.group().decode("ascii")


def find_endpoints(
    items: Iterable[tuple[str, Location]],
    intel: Intel,
    is_first_party: Callable[[str], bool],
) -> list[AppEndpoint]:
    """URLs (http, https, ws, wss) and unmistakable bare host names, one record per host.

    A bare name counts only with a path under a public suffix (`api.example.com/v1`) or when
    the intel claims its domain (`log.cmpassport.com`); package names, component names and
    file names never do. Hosts in `NOISE_HOSTS`, `PLACEHOLDER_HOSTS` and licence URLs are
    dropped. Each host keeps at most `MAX_URLS_PER_HOST` URLs and `MAX_LOCATIONS` places,
    while `occurrences` counts them all.
    """
    hosts: dict[str, _Host] = {}
    verdicts: dict[tuple[str, bool], bool] = {}  # (bare host, has a path) -> accepted
    for text, location in items:
        if "://" in text:
            for match in _URL.finditer(text):
                url = match.group()[:MAX_URL].rstrip(_URL_TRAIL)
                parsed = _parse_url(url)
                if parsed is not None:
                    _record(hosts, parsed[0], url, parsed[1], location)
        elif "." in text and len(text) <= MAX_URL and " " not in text:
            stripped = text.strip()
            host = _bare_host(stripped, intel, verdicts)
            if host is not None:
                _record(hosts, host, stripped, False, location)
    out = []
    for host in sorted(hosts):
        seen = hosts[host]
        owner = owner_of(host, intel)
        out.append(
            AppEndpoint(
                host=host,
                urls=list(seen.urls),
                cleartext=seen.cleartext,
                owner=owner,
                party=_party(host, owner, is_first_party),
                locations=seen.locations,
                occurrences=seen.occurrences,
            )
        )
    return out


def _record(
    hosts: dict[str, _Host], host: str, url: str, cleartext: bool, location: Location
) -> None:
    seen = hosts.get(host)
    if seen is None:
        seen = hosts[host] = _Host()
    seen.occurrences += 1
    seen.cleartext = seen.cleartext or cleartext
    if url not in seen.urls and len(seen.urls) < MAX_URLS_PER_HOST:
        seen.urls[url] = None
    if len(seen.locations) < MAX_LOCATIONS and location not in seen.locations:
        seen.locations.append(location)


def _parse_url(url: str) -> tuple[str, bool] | None:
    """(host, cleartext) of a URL worth reporting; None for noise and malformed ones."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        return None
    if not _valid_host(host) or _noise_host(host) or _licence_url(host, parts.path):
        return None
    if not _is_local(host) and not is_ip_address(host) and not has_public_suffix(host):
        return None  # XML feature ids (`http://javax.xml.transform.dom.DOMResult/feature`)
    cleartext = parts.scheme.lower() in ("http", "ws") and not _is_local(host)
    return host, cleartext


def _bare_host(text: str, intel: Intel, verdicts: dict[tuple[str, bool], bool]) -> str | None:
    """The host of a bare `host[:port][/path]` string, if it is unmistakably one.

    Verdicts are cached per (host, has a path): far fewer than the strings that name them.
    """
    match = _BARE.fullmatch(text)
    if match is None:
        return None
    host, _, path = match.groups()
    host = host.lower().rstrip(".")
    if _licence_url(host, path or ""):
        return None
    key = (host, bool(path))
    if key not in verdicts:
        verdicts[key] = _bare_verdict(host, path or "", intel)
    return host if verdicts[key] else None


def _bare_verdict(host: str, path: str, intel: Intel) -> bool:
    labels = host.split(".")
    if (
        len(labels) < 2
        or labels[0] in _PACKAGE_ROOTS
        or labels[-1] in _FILE_EXTENSIONS
        or path.startswith("/.")  # a flattened component name: `pkg/.Activity`
        or not _valid_host(host)
        or is_ip_address(host)
        or _noise_host(host)
        or not has_public_suffix(host)
    ):
        return False
    return bool(path) or intel.entity_for_host(host) is not None


def _valid_host(host: str) -> bool:
    if is_ip_address(host):
        return True
    labels = host.split(".")
    return (
        len(labels) >= 2
        and len(host) <= 253
        and labels[-1].isalpha()
        and all(_LABEL.fullmatch(label) for label in labels)
    )


@lru_cache(maxsize=65536)
def _noise_host(host: str) -> bool:
    if host in NOISE_HOSTS:
        return True
    labels = host.split(".")
    return any(".".join(labels[i:]) in PLACEHOLDER_HOSTS for i in range(len(labels)))


def _licence_url(host: str, path: str) -> bool:
    return any(host == h and path.startswith(p) for h, p in LICENCE_URLS)


def _is_local(host: str) -> bool:
    """Private, loopback and link-local addresses, and `.local` names: not the internet."""
    if host.endswith((".local", ".localhost")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_private or address.is_loopback or address.is_link_local


def _party(host: str, owner: HostOwner | None, is_first_party: Callable[[str], bool]) -> Party:
    if is_first_party(host):
        return "first"
    return "third" if owner is not None else "unknown"


# --- secrets ---------------------------------------------------------------------------------

_KNOWN = re.compile(
    "|".join(
        [
            r"(?P<aws_access_key>\b(?:AKIA|ASIA)[0-9A-Z]{16}\b)",
            r"(?P<google_api_key>AIza[0-9A-Za-z_-]{35})",
            r"(?P<google_oauth_client_secret>GOCSPX-[0-9A-Za-z_-]{28})",
            r"(?P<slack_token>xox[baprs]-[0-9A-Za-z-]{10,200})",
            r"(?P<github_token>\bgh[pousr]_[A-Za-z0-9]{36}\b)",
            r"(?P<stripe_live_key>\b[sr]k_live_[0-9A-Za-z]{16,200})",
            r"(?P<twilio_api_key>\bSK[0-9a-f]{32}\b)",
            r"(?P<sendgrid_api_key>\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b)",
            r"(?P<anthropic_api_key>\bsk-ant-[A-Za-z0-9_-]{20,200})",
            r"(?P<openai_api_key>\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,200})",
            r"(?P<private_key>-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
            r"(?:[\s\S]{0,8192}?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----)?)",
            r"(?P<jwt>\beyJ[A-Za-z0-9_-]{8,2000}\.[A-Za-z0-9_-]{8,4000}\.[A-Za-z0-9_-]{0,1000})",
        ]
    )
)
# Cheap substrings, one of which every known format contains: most strings skip the regex.
_KNOWN_MARKERS = (
    *("AKIA", "ASIA", "AIza", "GOCSPX-", "xox", "_live_", "SK", "SG.", "sk-", "eyJ"),
    *("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "PRIVATE KEY"),
)
_TOKEN = re.compile(r"[A-Za-z0-9+/_-]{20,}={0,2}")  # `=` only as base64 padding
_HEX = re.compile(r"[0-9a-fA-F]+")
_IDENTIFIER = re.compile(r"(?:[A-Z][a-z]{2,}){3}")
"""Three capitalised words in a row (`RtlOverlayLayout`): random text has this once in
thousands of keys."""
_LOWER_RUN = re.compile(r"[a-z]{8}")
_CAMEL_START = re.compile(r"[a-z]{2,}[A-Z][a-z]{2,}")
_KOTLIN_MANGLED = re.compile(r"[a-z][A-Za-z]{2,}-[A-Za-z0-9_]{4,}$")
_WORD_PATH = re.compile(r"[a-z]{3,}/[a-z]{3,}")
"""A run of 8 lower-case letters: about 2% of random base64 tokens, most words and paths."""
_WORD = re.compile(r"[A-Za-z_-]*[0-9]*")  # a path segment: a word, maybe numbered (`v2`)
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_SEQUENCES = ("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789")
# Digests of the empty input: libraries carry them as constants (md5, sha1, sha256).
_EMPTY_DIGESTS = frozenset(
    {
        hashlib.md5(b"").hexdigest(),
        hashlib.sha1(b"").hexdigest(),
        hashlib.sha256(b"").hexdigest(),
    }
)
MIN_ENTROPY_BASE64 = 4.2
MIN_ENTROPY_HEX = 3.5


@dataclass
class _Secret:
    kind: str
    value: str
    location: Location
    occurrences: int = 1


def find_secrets(items: Iterable[tuple[str, Location]], *, entropy: bool = True) -> list[SecretHit]:
    """Credentials in known formats, then (with `entropy`) long high-entropy tokens, deduplicated.

    Native code is scanned with `entropy=False`: its symbol tables and lookup tables are
    random-looking by nature, and keys there show up in the known formats or not at all.

    One record per (kind, SHA-256 of the value): the first place it was seen and how often.
    The value itself is never kept, only a masked preview and its digest.
    """
    found: dict[tuple[str, str], _Secret] = {}
    for text, location in items:
        if len(text) < 20:
            continue
        known: list[str] = []
        if any(marker in text for marker in _KNOWN_MARKERS):
            for match in _KNOWN.finditer(text):
                kind = str(match.lastgroup).replace("_", "-")
                value = match.group()
                if _known_ok(kind, value):
                    known.append(value)
                    _add(found, kind, value, location)
        for match in _TOKEN.finditer(text) if entropy else ():
            token = match.group()
            if match.start() and text[match.start() - 1] in "./$":
                continue  # the tail of a dotted name, path or compiler-made `$r8$lambda$…`
            if any(token in value or value in token for value in known):
                continue
            if _high_entropy(token):
                _add(found, "high-entropy", token, location)
    return [
        SecretHit(
            kind=s.kind,
            preview=_preview(s.kind, s.value),
            sha256=hashlib.sha256(s.value.encode()).hexdigest(),
            entropy=round(shannon_entropy(s.value), 3),
            location=s.location,
            occurrences=s.occurrences,
        )
        for s in found.values()
    ]


def _add(found: dict[tuple[str, str], _Secret], kind: str, value: str, where: Location) -> None:
    key = (kind, hashlib.sha256(value.encode()).hexdigest())
    if key in found:
        found[key].occurrences += 1
    else:
        found[key] = _Secret(kind, value, where)


def _known_ok(kind: str, value: str) -> bool:
    if kind == "jwt":
        return _jwt_header_ok(value.split(".", 1)[0])
    if kind == "openai-api-key":
        # `sk-` also starts ordinary words and ids (`sk-SK` locales, CSS classes).
        body = value.split("-", 1)[1]
        return any(c.isdigit() for c in body) and any(c.isalpha() for c in body)
    return True


def _jwt_header_ok(part: str) -> bool:
    """A JWT's first part is base64url of a JSON object naming its algorithm."""
    try:
        header = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return False
    return isinstance(header, dict) and "alg" in header


def _high_entropy(token: str) -> bool:
    if len(token) > 100 or token.startswith(("sha256/", "sha1/")):
        return False  # too long for a key; certificate pins are public digests, not secrets
    if not (any(c.isdigit() for c in token) and any(c.isalpha() for c in token)):
        return False
    if _UUID.fullmatch(token) or token.lower() in _EMPTY_DIGESTS:
        return False
    if "/" in token and (
        token.startswith(("L", "/"))  # class descriptors, paths
        or all(_WORD.fullmatch(part) for part in token.split("/"))
    ):
        return False
    if any(seq[i : i + 5] in token for seq in _SEQUENCES for i in range(len(seq) - 4)):
        return False  # alphabet tables of encoders (`ABCDEFGH…0123456789+/`)
    if _IDENTIFIER.search(token) or _LOWER_RUN.search(token) or token.startswith("_Z"):
        return False  # CamelCase identifiers, words, mangled C++ names: written by people
    if token.startswith(("MIGfMA0G", "MIIBIjAN", "MIICIjAN", "MFkwEwYH")):
        return False  # base64 DER of RSA and EC public keys: public by design
    if token.count("_") >= 2:
        return False  # `Base_V7_Theme_AppCompat`: resource and constant names
    if _CAMEL_START.match(token) or _KOTLIN_MANGLED.match(token) or _WORD_PATH.search(token):
        return False  # `isAllowed…`, Kotlin's `dropLast-PQ8xY2` names, `res/drawable` paths
    if _HEX.fullmatch(token):
        return shannon_entropy(token) >= MIN_ENTROPY_HEX
    if shannon_entropy(token) < MIN_ENTROPY_BASE64:
        return False
    return not _encoded_text(token)


def _encoded_text(token: str) -> bool:
    """Base64 of ordinary text (printable ASCII with spaces): encoded words, not a key."""
    try:
        raw = base64.b64decode(token + "=" * (-len(token) % 4), altchars=b"-_", validate=True)
    except (ValueError, binascii.Error):
        return False
    return bool(raw) and b" " in raw and all(32 <= b < 127 for b in raw)


def shannon_entropy(text: str) -> float:
    """Bits per character of the text's own character distribution."""
    if not text:
        return 0.0
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in Counter(text).values())


def _preview(kind: str, value: str) -> str:
    if kind == "private-key":
        return f"-----{value.split('-----')[1]}----- …"  # the header names the key type only
    if len(value) <= 8:
        return "…"
    return f"{value[:4]}…{value[-2:]}"
