"""Bytes to text in any encoding: byte-order mark, declared charset, UTF-8, then detection."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# What browsers actually use for these labels (WHATWG Encoding Standard).
_WHATWG = {
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "shift_jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "euc-kr": "cp949",
    "tis-620": "cp874",
}
_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_DETECT_SAMPLE = 262_144
"""Detection reads at most this much: enough to tell, bounded on a 10 MB file."""


def codec_name(label: str | None) -> str | None:
    """The Python codec for a charset label, or None for an unknown label."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _WHATWG.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def meta_charset(head: bytes) -> str | None:
    match = _META.search(head)
    return match.group(1).decode("ascii", "replace") if match else None


def decode_bytes(
    data: bytes, declared: str | None = None, *, html: bool = False
) -> tuple[str, str]:
    """The text and the codec used. Never raises: undecodable bytes become U+FFFD."""
    for bom, bom_codec in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(bom_codec, "replace"), bom_codec
    candidates = [declared]
    if html:
        candidates.append(meta_charset(data[:4096]))
    for label in candidates:
        codec = codec_name(label)
        if codec is None or codec in ("utf-16", "utf-32"):
            continue  # unknown, or without a BOM unreliable: detect instead
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError:
            continue
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    matches = list(from_bytes(data[:_DETECT_SAMPLE]))
    name: str | None = None
    if matches:
        least = min(m.chaos for m in matches)
        tied = [m.encoding for m in matches if m.chaos == least]
        # Western single-byte code pages are often indistinguishable; the web's default wins.
        name = codec_name("cp1252" if "cp1252" in tied else tied[0])
    chosen = name or "cp1252"
    return data.decode(chosen, "replace"), chosen
