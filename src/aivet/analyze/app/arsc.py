"""The string values of resources.arsc: the global string pool of the resource table.

Printable-run extraction reads garbage out of an ARSC file (UTF-16 pools, length
prefixes glued to text), which the secret scanner then takes for random keys; the
pool itself is a simple structure (ResStringPool in AOSP's ResourceTypes.h), read here
with every offset checked. androguard's ARSCParser reads the whole table, which takes
seconds on a big one; only the values are needed.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

RES_TABLE_TYPE = 0x0002
RES_STRING_POOL_TYPE = 0x0001
UTF8_FLAG = 0x100
MAX_STRING = 8192
"""Longer values are cut: configuration strings are short, and the scanners cap anyway."""


class ArscError(ValueError):
    """The table has no readable global string pool."""


def value_strings(data: bytes) -> Iterator[tuple[int, str]]:
    """(index, text) of every string in the table's global string pool."""
    if len(data) < 12:
        raise ArscError("resources.arsc is too short")
    kind, header_size, _size = struct.unpack_from("<HHI", data, 0)
    if kind != RES_TABLE_TYPE or header_size < 12 or header_size > len(data):
        raise ArscError("resources.arsc does not start with a resource table header")
    pool = header_size
    if pool + 28 > len(data):
        raise ArscError("resources.arsc has no string pool")
    kind, pool_header, pool_size, count, _styles, flags, strings_start, _ = struct.unpack_from(
        "<HHIIIIII", data, pool
    )
    end = pool + pool_size
    if kind != RES_STRING_POOL_TYPE or pool_header < 28 or end > len(data):
        raise ArscError("resources.arsc string pool header is damaged")
    offsets_at = pool + pool_header
    if count > (end - offsets_at) // 4:
        raise ArscError("resources.arsc string pool declares more strings than it holds")
    base = pool + strings_start
    utf8 = bool(flags & UTF8_FLAG)
    for index in range(count):
        (offset,) = struct.unpack_from("<I", data, offsets_at + 4 * index)
        at = base + offset
        if at >= end:
            continue
        text = _utf8_at(data, at, end) if utf8 else _utf16_at(data, at, end)
        if text:
            yield index, text


def _utf8_at(data: bytes, at: int, end: int) -> str:
    # Two lengths, each one or two bytes (high bit set: two): UTF-16 units, then bytes.
    at += 2 if data[at] & 0x80 else 1
    if at >= end:
        return ""
    length = data[at]
    if length & 0x80:
        if at + 1 >= end:
            return ""
        length = ((length & 0x7F) << 8) | data[at + 1]
        at += 2
    else:
        at += 1
    raw = data[at : min(at + length, end, at + MAX_STRING)]
    return raw.decode("utf-8", "replace")


def _utf16_at(data: bytes, at: int, end: int) -> str:
    if at + 2 > end:
        return ""
    (length,) = struct.unpack_from("<H", data, at)
    at += 2
    if length & 0x8000:
        if at + 2 > end:
            return ""
        (low,) = struct.unpack_from("<H", data, at)
        length = ((length & 0x7FFF) << 16) | low
        at += 2
    raw = data[at : min(at + 2 * length, end, at + 2 * MAX_STRING)]
    return raw.decode("utf-16-le", "replace")
