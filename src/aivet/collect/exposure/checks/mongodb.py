"""MongoDB (27017): does it list databases without authentication?

Requests, on one connection:

    OP_QUERY admin.$cmd {isMaster: 1}        (the handshake every server version answers)
    OP_MSG   {listDatabases: 1, nameOnly: false, $db: "admin"}
             (OP_QUERY admin.$cmd {listDatabases: 1} for servers older than wire version 6)

Decides: `ok: 1` with a `databases` array is open; `ok: 0` with code 13 (Unauthorized)
or an errmsg about authentication is auth-required. Reports the version (from
buildInfo-free fields: maxWireVersion), each database and its size on disk. Never
reads a collection.

BSON is encoded and decoded here (a few types, bounds-checked) rather than with a
driver: the probe needs two fixed documents and must survive any reply.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Any

from aivet.collect.exposure.checks.base import Check, Step, no_answer
from aivet.collect.exposure.net import ConnectFailed, Probe
from aivet.exposure_session import NamedCount, ServiceFacts

OP_REPLY, OP_QUERY, OP_MSG = 1, 2004, 2013
_WIRE_TO_VERSION = {25: "8.0", 21: "7.0", 17: "6.0", 13: "5.0", 9: "4.4", 8: "4.2", 7: "4.0",
                    6: "3.6", 5: "3.4", 4: "3.2", 3: "3.0"}  # fmt: skip


def bson_encode(doc: dict[str, int | str | bool]) -> bytes:
    body = b""
    for key, value in doc.items():
        name = key.encode() + b"\0"
        if isinstance(value, bool):
            body += b"\x08" + name + (b"\x01" if value else b"\x00")
        elif isinstance(value, int):
            body += b"\x10" + name + struct.pack("<i", value)
        else:
            data = value.encode() + b"\0"
            body += b"\x02" + name + struct.pack("<i", len(data)) + data
    return struct.pack("<i", len(body) + 5) + body + b"\0"


_FIXED = {0x01: 8, 0x07: 12, 0x09: 8, 0x11: 8, 0x12: 8, 0x13: 16, 0x0A: 0, 0x7F: 0, 0xFF: 0}


def bson_decode(data: bytes, depth: int = 0) -> dict[str, Any]:
    """Decode one document; raises ValueError on anything malformed or too deep."""
    if depth > 16 or len(data) < 5:
        raise ValueError("bad document")
    (size,) = struct.unpack("<i", data[:4])
    if size < 5 or size > len(data):
        raise ValueError("bad document size")
    out: dict[str, Any] = {}
    pos, end = 4, size - 1
    while pos < end:
        kind = data[pos]
        name_end = data.index(b"\0", pos + 1, end)
        name = data[pos + 1 : name_end].decode("utf-8", "replace")
        pos = name_end + 1
        if kind == 0x02:
            (length,) = struct.unpack("<i", data[pos : pos + 4])
            if length < 1 or pos + 4 + length > end:
                raise ValueError("bad string")
            out[name] = data[pos + 4 : pos + 3 + length].decode("utf-8", "replace")
            pos += 4 + length
        elif kind in (0x03, 0x04):
            (length,) = struct.unpack("<i", data[pos : pos + 4])
            if length < 5 or pos + length > end:
                raise ValueError("bad subdocument")
            sub = bson_decode(data[pos : pos + length], depth + 1)
            out[name] = list(sub.values()) if kind == 0x04 else sub
            pos += length
        elif kind == 0x05:
            (length,) = struct.unpack("<i", data[pos : pos + 4])
            pos += 5 + length
        elif kind == 0x08:
            out[name] = data[pos] == 1
            pos += 1
        elif kind == 0x10:
            (out[name],) = struct.unpack("<i", data[pos : pos + 4])
            pos += 4
        elif kind == 0x12:
            (out[name],) = struct.unpack("<q", data[pos : pos + 8])
            pos += 8
        elif kind == 0x01:
            (out[name],) = struct.unpack("<d", data[pos : pos + 8])
            pos += 8
        elif kind in _FIXED:
            out[name] = None
            pos += _FIXED[kind]
        else:
            raise ValueError(f"unsupported BSON type {kind:#x}")
        if pos > end:
            raise ValueError("overrun")
    return out


def op_query(request_id: int, doc: dict[str, int | str | bool]) -> bytes:
    body = struct.pack("<i", 0) + b"admin.$cmd\0" + struct.pack("<ii", 0, -1) + bson_encode(doc)
    return struct.pack("<iiii", 16 + len(body), request_id, 0, OP_QUERY) + body


def op_msg(request_id: int, doc: dict[str, int | str | bool]) -> bytes:
    body = struct.pack("<I", 0) + b"\x00" + bson_encode(doc)
    return struct.pack("<iiii", 16 + len(body), request_id, 0, OP_MSG) + body


def _message_done(data: bytes) -> bool:
    if len(data) < 4:
        return False
    length = int.from_bytes(data[:4], "little", signed=True)
    return length < 16 or len(data) >= length


def reply_document(data: bytes) -> dict[str, Any] | None:
    """The first document of an OP_REPLY or OP_MSG reply, or None."""
    try:
        length, _, _, opcode = struct.unpack("<iiii", data[:16])
        if length > len(data) or length < 16:
            return None
        if opcode == OP_REPLY:
            return bson_decode(data[36:length])
        if opcode == OP_MSG and data[20] == 0:
            return bson_decode(data[21:length])
    except (ValueError, struct.error, IndexError):
        return None
    return None


async def probe(p: Probe, tls: bool) -> None:
    try:
        conn = await p.connect(tls=tls)
    except ConnectFailed:
        return
    reply = await conn.exchange("isMaster", op_query(1, {"isMaster": 1}), _message_done)
    hello = reply_document(reply)
    if hello is None:
        return
    wire = hello.get("maxWireVersion")
    if isinstance(wire, int) and wire >= 6:
        request = op_msg(2, {"listDatabases": 1, "nameOnly": False, "$db": "admin"})
    else:
        request = op_query(2, {"listDatabases": 1})
    await conn.exchange("listDatabases", request, _message_done, cap=262144)


def interpret(steps: Sequence[Step]) -> ServiceFacts:
    first = next((s for s in steps if s.step == "isMaster"), None)
    hello = reply_document(first.received) if first else None
    if hello is None or ("ismaster" not in hello and "isWritablePrimary" not in hello):
        return no_answer(steps, "MongoDB", "data-store")
    facts = ServiceFacts(
        identified=True, service="mongodb", product="MongoDB", category="data-store"
    )
    wire = hello.get("maxWireVersion")
    if isinstance(wire, int):
        facts.details["max_wire_version"] = str(wire)
        known = [v for w, v in sorted(_WIRE_TO_VERSION.items()) if w <= wire]
        if known:
            facts.version = f"{known[-1]} or later"
    if isinstance(hello.get("setName"), str):
        facts.details["replica_set"] = hello["setName"]
    listing_step = next((s for s in steps if s.step == "listDatabases"), None)
    listing = reply_document(listing_step.received) if listing_step else None
    if listing is None:
        facts.how = "answered isMaster; listDatabases got no readable reply"
        return facts
    if listing.get("ok") in (1, 1.0, True) and isinstance(listing.get("databases"), list):
        facts.access = "open"
        facts.how = "ran listDatabases without authentication"
        for db in listing["databases"]:
            if isinstance(db, dict):
                size = db.get("sizeOnDisk")
                facts.databases.append(
                    NamedCount(str(db.get("name", "?")),
                               int(size) if isinstance(size, int | float) else None, "bytes")
                )  # fmt: skip
    else:
        message = str(listing.get("errmsg", ""))
        if listing.get("code") == 13 or "auth" in message.lower():
            facts.access = "auth-required"
        facts.how = f"refused listDatabases: {message[:120]}"
    return facts


CHECK = Check(
    name="mongodb",
    service="mongodb",
    category="data-store",
    ports=(27017,),
    probe=probe,
    interpret=interpret,
    summary="isMaster, listDatabases",
)
