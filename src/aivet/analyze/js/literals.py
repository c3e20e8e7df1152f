"""JavaScript literal syntax and value conversions, as the language defines them.

Strings are decoded from their source text (escapes included), numbers parsed
in every notation the grammar allows, and numbers printed back the way
`String(n)` would, so that folded constants match what a browser computes.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import urllib.parse

_ESCAPE = re.compile(
    r"\\(?:x([0-9a-fA-F]{2})|u\{([0-9a-fA-F]{1,6})\}|u([0-9a-fA-F]{4})|(\r\n|[\r\n\u2028\u2029])|([0-7]{1,3})|(.))",
    re.DOTALL,
)
_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v"}
_HAS_HIDING_ESCAPE = re.compile(r"\\(?:x[0-9a-fA-F]{2}|u\{?[0-9a-fA-F])")


def _unescape(match: re.Match[str]) -> str:
    hex2, brace, hex4, newline, octal, other = match.groups()
    if hex2 is not None:
        return chr(int(hex2, 16))
    if brace is not None:
        code = int(brace, 16)
        return chr(code) if code <= 0x10FFFF else "\ufffd"
    if hex4 is not None:
        return chr(int(hex4, 16))
    if newline is not None:
        return ""
    if octal is not None:
        return "\0" if octal == "0" else chr(int(octal, 8) & 0xFF)
    return _SIMPLE.get(other, other)


_SURROGATE = re.compile("[\ud800-\udfff]")


def join_surrogates(text: str) -> str:
    """Pair UTF-16 surrogate halves (as `\\uD83D\\uDE00` escapes give) into one code point."""
    if _SURROGATE.search(text) is None:
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def decode_string_body(body: str) -> str:
    """The value of a string literal's body (without its quotes)."""
    if "\\" not in body:
        return body
    decoded = _ESCAPE.sub(_unescape, body)
    return join_surrogates(decoded) if "\\u" in body else decoded


def has_hiding_escapes(body: str) -> bool:
    """Hex or unicode escapes: how obfuscators make a readable string unreadable."""
    return "\\" in body and _HAS_HIDING_ESCAPE.search(body) is not None


def parse_number(raw: str) -> float | None:
    """A numeric literal's value; None for BigInt literals and anything malformed."""
    text = raw.replace("_", "")
    if not text or text.endswith("n"):
        return None
    try:
        low = text.lower()
        if low.startswith("0x"):
            return float(int(text[2:], 16))
        if low.startswith("0o"):
            return float(int(text[2:], 8))
        if low.startswith("0b"):
            return float(int(text[2:], 2))
        if len(text) > 1 and text[0] == "0" and text.isdigit():
            # Legacy octal (sloppy mode) unless a digit 8 or 9 makes it decimal.
            return float(int(text, 8)) if all(c in "01234567" for c in text) else float(text)
        return float(text)
    except ValueError:
        return None


def number_to_string(value: float) -> str:
    """`String(value)` for a JavaScript number (ECMA-262 Number::toString)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    mantissa, _, exponent = repr(abs(value)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = whole + fraction
    point = len(whole) + (int(exponent) if exponent else 0)
    stripped = digits.lstrip("0")
    point -= len(digits) - len(stripped)
    s = stripped.rstrip("0") or "0"
    k, n = len(s), point
    if k <= n <= 21:
        return sign + s + "0" * (n - k)
    if 0 < n <= 21:
        return sign + s[:n] + "." + s[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + s
    e = n - 1
    exp = f"e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + (s if k == 1 else s[0] + "." + s[1:]) + exp


def to_int32(value: float) -> int:
    if math.isnan(value) or math.isinf(value):
        return 0
    n = int(value) & 0xFFFFFFFF
    return n - 0x100000000 if n >= 0x80000000 else n


def to_uint32(value: float) -> int:
    if math.isnan(value) or math.isinf(value):
        return 0
    return int(value) & 0xFFFFFFFF


def string_to_number(text: str) -> float:
    """`Number(text)`."""
    stripped = text.strip()
    if stripped == "":
        return 0.0
    value = parse_number(stripped) if stripped[:2].lower() in ("0x", "0o", "0b") else None
    if value is not None:
        return value
    try:
        if stripped in ("Infinity", "+Infinity"):
            return math.inf
        if stripped == "-Infinity":
            return -math.inf
        if any(c.isalpha() and c not in "eE" for c in stripped):
            return math.nan
        return float(stripped)
    except ValueError:
        return math.nan


def parse_int(text: str, radix: int | None = None) -> float:
    """`parseInt(text, radix)`."""
    s = text.strip()
    sign = 1
    if s[:1] in ("+", "-"):
        sign = -1 if s[0] == "-" else 1
        s = s[1:]
    base = radix or 10
    if (radix is None or radix == 16) and s[:2].lower() == "0x":
        s, base = s[2:], 16
    if not 2 <= base <= 36:
        return math.nan
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"[:base]
    end = 0
    while end < len(s) and s[end].lower() in digits:
        end += 1
    if end == 0:
        return math.nan
    return float(sign * int(s[:end], base))


def atob(text: str) -> str | None:
    """`atob(text)`: base64 to a binary string, None where the browser would throw."""
    cleaned = re.sub(r"[\t\n\f\r ]", "", text)
    if len(cleaned) % 4 == 1 or re.search(r"[^A-Za-z0-9+/=]", cleaned):
        return None
    cleaned = cleaned.rstrip("=")
    cleaned += "=" * (-len(cleaned) % 4)
    try:
        return base64.b64decode(cleaned, validate=True).decode("latin-1")
    except (binascii.Error, ValueError):
        return None


def btoa(text: str) -> str | None:
    try:
        return base64.b64encode(text.encode("latin-1")).decode("ascii")
    except UnicodeEncodeError:
        return None


def decode_uri_component(text: str) -> str | None:
    try:
        return urllib.parse.unquote(text, errors="strict")
    except UnicodeDecodeError:
        return None


def unescape(text: str) -> str:
    """The legacy global `unescape`: %XX and %uXXXX."""

    def repl(match: re.Match[str]) -> str:
        return chr(int(match.group(1) or match.group(2), 16))

    return join_surrogates(re.sub(r"%u([0-9a-fA-F]{4})|%([0-9a-fA-F]{2})", repl, text))


def escape(text: str) -> str:
    """The legacy global `escape`."""
    keep = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789@*_+-./")
    out = []
    for ch in text:
        code = ord(ch)
        if ch in keep:
            out.append(ch)
        elif code < 256:
            out.append(f"%{code:02X}")
        else:
            out.append(f"%u{code:04X}")
    return "".join(out)


def clean_text(text: str) -> str:
    """Replace lone surrogates so that the value can always be written as UTF-8 JSON."""
    if _SURROGATE.search(text) is None:
        return text
    return text.encode("utf-8", "replace").decode("utf-8")
