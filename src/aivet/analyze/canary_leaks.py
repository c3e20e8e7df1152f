"""Find typed canaries in everything that left the page, in whatever encoding they left.

A page rarely sends a typed value as is: trackers URL-encode it, base64 it
(often inside a larger base64 blob), hex it, or hash it (Meta's advanced
matching sends SHA-256 of the lower-cased email). For each canary we search
the plain value, its URL-encoded, base64 and hex forms, and its MD5, SHA-1,
SHA-256 and SHA-512 digests in lower and upper case, in request URLs, headers,
bodies (gzip-compressed bodies unpacked) and WebSocket frames sent.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote, quote_plus, unquote_plus

from aivet.web_session import Canary

HASHES = ("md5", "sha1", "sha256", "sha512")
# Longest text searched in one haystack, and most bytes a compressed body may unpack to.
MAX_HAYSTACK_CHARS = 4_000_000
MAX_INFLATE_BYTES = 16_000_000
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")
_MAX_DECODED_RUNS = 200


@dataclass(frozen=True)
class CanaryHit:
    canary: Canary
    encoding: str
    """plain, url-encoded, base64, hex, md5, sha1, sha256 or sha512."""
    letter_case: str
    """as-typed, lower or upper."""


@dataclass(frozen=True)
class _Needle:
    text: str
    encoding: str
    letter_case: str
    case_sensitive: bool


def _value_variants(canary: Canary) -> list[str]:
    """Forms of the value a page may normalise before hashing it."""
    value = canary.value
    variants = [value, value.strip().lower()]
    if canary.field_kind == "phone":
        variants += [f"+86{value}", f"86{value}", f"+86 {value}"]
    return list(dict.fromkeys(variants))


def _base64_cores(raw: bytes) -> set[str]:
    """Base64 substrings that any stream containing `raw` at any byte offset must contain."""
    cores = set()
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw).decode()
        start = 4 if offset else 0
        end = len(encoded) if (offset + len(raw)) % 3 == 0 else len(encoded) - 4
        core = encoded[start:end]
        if len(core) >= 8:
            cores.add(core)
            cores.add(core.replace("+", "-").replace("/", "_"))
    return cores


def _needles(canary: Canary) -> list[_Needle]:
    value = canary.value
    raw = value.encode()
    out = [_Needle(value, "plain", "as-typed", False)]
    for encoded in {quote(value, safe=""), quote_plus(value), quote(value)} - {value}:
        out.append(_Needle(encoded, "url-encoded", "as-typed", False))
    out += [_Needle(core, "base64", "as-typed", True) for core in sorted(_base64_cores(raw))]
    out.append(_Needle(raw.hex(), "hex", "lower", True))
    out.append(_Needle(raw.hex().upper(), "hex", "upper", True))
    for variant in _value_variants(canary):
        for algorithm in HASHES:
            digest = hashlib.new(algorithm, variant.encode()).hexdigest()
            out.append(_Needle(digest, algorithm, "lower", True))
            out.append(_Needle(digest.upper(), algorithm, "upper", True))
    return out


class CanaryMatcher:
    """Searches text for any encoding of any canary of one session."""

    def __init__(self, canaries: list[Canary]) -> None:
        self._needles = [(c, _needles(c)) for c in canaries]

    def search_bytes(self, data: bytes) -> list[CanaryHit]:
        return self.search(_bytes_to_text(data))

    def search(self, text: str) -> list[CanaryHit]:
        if not self._needles or not text:
            return []
        text = text[:MAX_HAYSTACK_CHARS]
        hits: dict[tuple[str, str, str], CanaryHit] = {}
        views = list(_views(text))
        for canary, needles in self._needles:
            for view_encoding, view in views:
                lowered = view.lower()
                for needle in needles:
                    found = (
                        needle.text in view
                        if needle.case_sensitive
                        else needle.text.lower() in lowered
                    )
                    if not found:
                        continue
                    encoding = needle.encoding
                    if view_encoding != "plain" and encoding == "plain":
                        encoding = view_encoding
                    letter_case = needle.letter_case
                    if encoding in ("plain", "url-encoded") and canary.value not in view:
                        letter_case = "upper" if canary.value.upper() in view else "lower"
                        if canary.value.upper() == canary.value.lower():
                            letter_case = "as-typed"
                    key = (canary.value, encoding, letter_case)
                    hits.setdefault(key, CanaryHit(canary, encoding, letter_case))
        return list(hits.values())


def _views(text: str) -> Iterator[tuple[str, str]]:
    """The text itself, URL-decoded up to twice, and the decoded base64 runs inside it."""
    yield "plain", text
    current = text
    for _ in range(2):
        decoded = unquote_plus(current)
        if decoded == current:
            break
        yield "url-encoded", decoded
        current = decoded
    for count, match in enumerate(_BASE64_RUN.finditer(current)):
        if count >= _MAX_DECODED_RUNS:
            break
        decoded_run = _b64decode(match.group(0))
        if decoded_run:
            yield "base64", decoded_run


def _b64decode(run: str) -> str | None:
    padded = run + "=" * (-len(run) % 4)
    try:
        raw = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        return None
    text = raw.decode("utf-8", "ignore")
    # Random bytes decode to mostly non-printable text: not a value worth searching.
    printable = sum(1 for ch in text if ch.isprintable())
    return text if text and printable >= 0.8 * len(text) else None


def _bytes_to_text(data: bytes) -> str:
    if data[:2] == b"\x1f\x8b":
        data = _inflate(data, wbits=31) or data
    elif data[:1] == b"\x78":
        data = _inflate(data, wbits=15) or data
    return data.decode("utf-8", "replace")


def _inflate(data: bytes, *, wbits: int) -> bytes | None:
    """Decompress at most MAX_INFLATE_BYTES: a hostile body cannot blow up memory."""
    try:
        inflater = zlib.decompressobj(wbits=wbits)
        out = inflater.decompress(data, MAX_INFLATE_BYTES)
    except zlib.error:
        return None
    return out
