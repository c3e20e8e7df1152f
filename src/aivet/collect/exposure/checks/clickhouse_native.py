"""ClickHouse native protocol (9000): does it accept user `default` without a password?

Request, on one connection: a ClientHello packet

    varint 0 (Hello) | str "aivet" | varint 1 | varint 1 | varint 54455 (revision)
    | str "default" (database) | str "default" (user) | str "" (password)

(strings are varint-length prefixed). Nothing else is sent: no query.

Decides: a ServerHello (packet 0: name, version, revision, timezone, display name) is
open; an Exception packet (2) with code 192-194 or 516 (unknown user, wrong or required
password, authentication failed) is auth-required; any other exception is restricted.
"""

from __future__ import annotations

from collections.abc import Sequence

from aivet.collect.exposure.checks.base import Check, Step, no_answer
from aivet.collect.exposure.net import ConnectFailed, Probe
from aivet.exposure_session import ServiceFacts

_REVISION = 54455
_AUTH_CODES = {192, 193, 194, 516}


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def string(text: str) -> bytes:
    data = text.encode()
    return varint(len(data)) + data


HELLO = (
    varint(0) + string("aivet") + varint(1) + varint(1) + varint(_REVISION)
    + string("default") + string("default") + string("")
)  # fmt: skip


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def varint(self) -> int:
        shift = value = 0
        while True:
            if self.pos >= len(self.data) or shift > 63:
                raise ValueError("truncated varint")
            byte = self.data[self.pos]
            self.pos += 1
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return value
            shift += 7

    def string(self, limit: int = 65536) -> str:
        size = self.varint()
        if size > limit or self.pos + size > len(self.data):
            raise ValueError("truncated string")
        text = self.data[self.pos : self.pos + size].decode("utf-8", "replace")
        self.pos += size
        return text

    def int32(self) -> int:
        if self.pos + 4 > len(self.data):
            raise ValueError("truncated int")
        value = int.from_bytes(self.data[self.pos : self.pos + 4], "little", signed=True)
        self.pos += 4
        return value


def parse(data: bytes) -> tuple[str, dict[str, str]] | None:
    """('hello', fields) or ('exception', fields), or None if not (yet) a whole packet."""
    reader = _Reader(data)
    try:
        kind = reader.varint()
        if kind == 0:
            name = reader.string()
            major, minor, revision = reader.varint(), reader.varint(), reader.varint()
            fields = {"name": name, "version": f"{major}.{minor}", "revision": str(revision)}
            # The server sends what both sides' revisions know.
            effective = min(revision, _REVISION)
            if effective >= 54058:
                fields["timezone"] = reader.string()
            if effective >= 54372:
                fields["display_name"] = reader.string()
            if effective >= 54401:
                fields["version"] += f".{reader.varint()}"
            return "hello", fields
        if kind == 2:
            code = reader.int32()
            name = reader.string()
            message = reader.string()
            return "exception", {"code": str(code), "name": name, "message": message}
    except ValueError:
        return None
    return "other", {}


def _done(data: bytes) -> bool:
    return parse(data) is not None or len(data) > 4096


async def probe(p: Probe, tls: bool) -> None:
    try:
        conn = await p.connect(tls=tls)
    except ConnectFailed:
        return
    await conn.exchange("ClientHello user=default password=(empty)", HELLO, _done)


def interpret(steps: Sequence[Step]) -> ServiceFacts:
    hello = next((s for s in steps if s.step.startswith("ClientHello")), None)
    parsed = parse(hello.received) if hello and hello.received else None
    if parsed is None or parsed[0] == "other":
        return no_answer(steps, "ClickHouse native", "data-store")
    kind, fields = parsed
    if kind == "hello" and "clickhouse" not in fields["name"].lower():
        return no_answer(steps, "ClickHouse native", "data-store")
    if kind == "exception" and "DB::" not in fields["name"] + fields["message"]:
        return no_answer(steps, "ClickHouse native", "data-store")
    facts = ServiceFacts(
        identified=True, service="clickhouse", product="ClickHouse", category="data-store"
    )
    if kind == "hello":
        facts.access = "open"
        facts.version = fields["version"]
        facts.how = "accepted user default without a password (ServerHello)"
        for key in ("timezone", "display_name", "revision"):
            if fields.get(key):
                facts.details[key] = fields[key]
    else:
        code = int(fields["code"])
        message = fields["message"].split("\n", 1)[0][:160]
        facts.access = "auth-required" if code in _AUTH_CODES else "restricted"
        facts.how = f"refused user default without a password: code {code}: {message}"
    return facts


CHECK = Check(
    name="clickhouse-native",
    service="clickhouse",
    category="data-store",
    ports=(9000,),
    tls_ports=(),
    probe=probe,
    interpret=interpret,
    summary="ClientHello as user default with an empty password",
)
