"""URLs, host names and IP addresses in strings, checked against the public suffix list.

A string with a scheme (`https://`, `wss://`) or starting with `//` names a
host whatever its suffix; a bare `host.tld/path` string counts only when it
was decoded or handed to a network API, since plain code is full of dotted
names (`user.name`, `event.data`) that happen to end in a real TLD.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache

import tldextract

from aivet.analyze.js.values import HOLE

# The suffix list bundled with tldextract, never fetched (as aivet.intel.domains does).
_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

ELLIPSIS = "\u2026"
_URL = re.compile(
    r"(?i)(?<![\w.+-])((?:https?|wss?|ftps?):)?//"
    r"(\[[0-9a-f:.]+\]|[a-z0-9\ufffc](?:[a-z0-9\-._~%\ufffc]*[a-z0-9\ufffc])?)"
    r"(:\d{1,5})?"
    r"([/?#][^\s\"'<>`\\^{}|]*)?"
)
_BARE = re.compile(
    r"(?i)^([a-z0-9\ufffc](?:[a-z0-9\-\ufffc]*[a-z0-9\ufffc])?(?:\.[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?)+)"
    r"(:\d{1,5})?(/[^\s\"'<>`\\^{}|]*)?$"
)
_BARE_SUFFIX_BLOCKLIST = frozenset(
    {
        "name", "id", "data", "info", "app", "js", "py", "md", "sh", "pl", "rs", "zip",
        "mov", "so", "ps", "map", "css", "html", "exe", "bat", "java", "ts", "min", "to",
        "do", "in", "is", "it", "at", "as", "be", "by", "me", "my", "no", "on", "us",
        "new", "call", "apply", "link", "top", "save", "show", "play", "open", "next",
        "click", "live", "run", "page", "style", "select", "menu", "date", "zone", "one",
    }
)  # fmt: skip
REFERENCE_HOSTS = frozenset(
    {
        "www.w3.org", "w3.org", "schemas.xmlsoap.org", "schemas.microsoft.com", "ns.adobe.com",
        "purl.org", "xmlns.com", "www.apache.org", "opensource.org", "creativecommons.org",
        "spdx.org", "json-schema.org", "tools.ietf.org", "datatracker.ietf.org", "www.ietf.org",
        "www.iana.org", "developer.mozilla.org", "github.com", "gist.github.com",
        "stackoverflow.com", "en.wikipedia.org", "fb.me", "reactjs.org", "react.dev",
        "legacy.reactjs.org", "lodash.com", "jquery.com", "bugs.jquery.com", "jquery.org",
        "npmjs.com", "www.npmjs.com", "nodejs.org", "angular.io", "vuejs.org", "www.chartjs.org",
        "chartjs.org", "example.com", "example.org", "example.net", "www.example.com",
        "localhost", "mths.be", "tc39.es", "html.spec.whatwg.org", "whatwg.org",
        "www.ecma-international.org", "bit.ly", "goo.gl", "sizzlejs.com", "underscorejs.org",
        "babeljs.io", "webpack.js.org", "git.io", "www.typescriptlang.org", "npms.io",
    }
)  # fmt: skip
_REFERENCE_PATH = re.compile(
    r"(?i)/(?:docs?|documentation|licen[cs]es?|issues|wiki|blog|spec|specs|rfc\d*|manual|"
    r"guides?|faq|help|errors?|error-decoder|tutorials?|readme|api-reference|reference)"
    r"(?:[/.#?_-]|$)"
)


@dataclass(frozen=True)
class FoundUrl:
    url: str
    """The URL as written, with HOLE shown as an ellipsis."""
    host: str
    """Lower-case host; a label computed at run time shows as "*"."""
    registrable_domain: str
    start: int
    end: int
    """Span in the string it was found in."""
    reference_like: bool


def find_urls(text: str, allow_bare: bool) -> list[FoundUrl]:
    """Every URL in `text`; the whole of `text` as a bare host[/path] when `allow_bare`."""
    out: list[FoundUrl] = []
    if "//" in text:
        for match in _URL.finditer(text):
            scheme, host = match.group(1), match.group(2)
            if scheme is None and match.start() > 0 and text[match.start() - 1] == ":":
                continue
            found = _make(host, match.group(0), match.start(), match.end(), bool(scheme))
            if found is not None:
                out.append(found)
    if not out and allow_bare and 3 < len(text) < 300:
        stripped = text.strip()
        bare_match = _BARE.match(stripped)
        if bare_match is not None:
            host = bare_match.group(1)
            suffix = host.rsplit(".", 1)[-1].lower()
            if suffix not in _BARE_SUFFIX_BLOCKLIST and not suffix.isdigit():
                found = _make(host, stripped, 0, len(stripped), False, bare=True)
                if found is not None:
                    out.append(found)
    return out


def _make(
    raw_host: str, url: str, start: int, end: int, has_scheme: bool, bare: bool = False
) -> FoundUrl | None:
    host = raw_host.lower().strip(".")
    if host.startswith("["):
        try:
            ipaddress.ip_address(host[1:-1])
        except ValueError:
            return None
        return FoundUrl(_show(url), host[1:-1], host[1:-1], start, end, False)
    if HOLE in host:
        labels = host.split(".")
        if any(HOLE in label for label in labels[1:]) or len(labels) < 3:
            return None  # only a computed leftmost label (a subdomain) still names the owner
        host = ".".join(["*", *labels[1:]])
    if _is_ipv4(host):
        if bare and not has_scheme:
            return None
        return FoundUrl(_show(url), host, host, start, end, False)
    domain = valid_registrable_domain(host.removeprefix("*."))
    if domain is None:
        return None
    path = url.split(raw_host, 1)[-1] if raw_host in url else ""
    reference = (
        host in REFERENCE_HOSTS or domain in REFERENCE_HOSTS or bool(_REFERENCE_PATH.search(path))
    )
    return FoundUrl(_show(url), host, domain, start, end, reference)


def _show(url: str) -> str:
    return url.replace(HOLE, ELLIPSIS)


def _is_ipv4(host: str) -> bool:
    parts = host.split(".")
    return len(parts) == 4 and all(p.isdigit() and int(p) <= 255 and len(p) <= 3 for p in parts)


@lru_cache(maxsize=16384)
def valid_registrable_domain(host: str) -> str | None:
    """eTLD+1 when the host ends in a public suffix and its labels are well-formed."""
    if not host or len(host) > 253 or ".." in host:
        return None
    labels = host.split(".")
    if len(labels) < 2 or any(not label or len(label) > 63 for label in labels):
        return None
    if any(label.startswith("-") or label.endswith("-") for label in labels):
        return None
    parts = _EXTRACT(host)
    if not parts.suffix or not parts.domain:
        return None
    if not any(c.isalpha() for c in parts.suffix):
        return None
    return f"{parts.domain}.{parts.suffix}"
