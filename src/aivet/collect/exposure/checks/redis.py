"""Redis (6379): does it answer commands without AUTH?

Requests, on one connection, in RESP:

    *1\\r\\n$4\\r\\nPING\\r\\n
    *2\\r\\n$4\\r\\nINFO\\r\\n$6\\r\\nserver\\r\\n        (only after +PONG)
    *2\\r\\n$4\\r\\nINFO\\r\\n$8\\r\\nkeyspace\\r\\n      (only after +PONG)

Decides: `+PONG` is open; `-NOAUTH` or `-WRONGPASS` is auth-required; `-DENIED`
(protected mode: no password, so remote clients are refused) is restricted.
Reports redis_version, os and the key count of each database from INFO keyspace.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from aivet.collect.exposure.checks.base import Check, Step, no_answer, preview
from aivet.collect.exposure.net import ConnectFailed, Probe
from aivet.exposure_session import NamedCount, ServiceFacts

PING = b"*1\r\n$4\r\nPING\r\n"
INFO_SERVER = b"*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n"
INFO_KEYSPACE = b"*2\r\n$4\r\nINFO\r\n$8\r\nkeyspace\r\n"
_KEYSPACE = re.compile(rb"^(db\d+):keys=(\d+)", re.M)


def resp_complete(data: bytes) -> bool:
    """A whole simple reply (+ - :) or bulk string ($n)."""
    if data[:1] in (b"+", b"-", b":"):
        return b"\r\n" in data
    if data[:1] == b"$":
        head, sep, rest = data.partition(b"\r\n")
        if not sep:
            return False
        try:
            size = int(head[1:])
        except ValueError:
            return True
        return size < 0 or len(rest) >= size + 2
    return len(data) > 0 and b"\r\n" in data  # not RESP: the line is all we wait for


async def probe(p: Probe, tls: bool) -> None:
    try:
        conn = await p.connect(tls=tls)
    except ConnectFailed:
        return
    reply = await conn.exchange("PING", PING, resp_complete)
    if reply.startswith(b"+PONG"):
        await conn.exchange("INFO server", INFO_SERVER, resp_complete)
        await conn.exchange("INFO keyspace", INFO_KEYSPACE, resp_complete)


def _info(data: bytes) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in data.split(b"\r\n"):
        key, sep, value = line.partition(b":")
        if sep and not key.startswith(b"#"):
            fields[key.decode("latin-1")] = value.decode("latin-1")
    return fields


def interpret(steps: Sequence[Step]) -> ServiceFacts:
    ping = next((s for s in steps if s.step == "PING"), None)
    if ping is None or not ping.received:
        return no_answer(steps, "Redis", "data-store")
    first = ping.received.split(b"\r\n", 1)[0]
    facts = ServiceFacts(identified=True, service="redis", product="Redis", category="data-store")
    if first.startswith(b"+PONG"):
        facts.access = "open"
        facts.how = "answered PING with +PONG without AUTH"
        for s in steps:
            if s.step == "INFO server":
                info = _info(s.received)
                facts.version = info.get("redis_version")
                for key in ("os", "redis_mode", "tcp_port"):
                    if key in info:
                        facts.details[key] = info[key]
            elif s.step == "INFO keyspace":
                facts.databases = [
                    NamedCount(m.group(1).decode(), int(m.group(2)), "keys")
                    for m in _KEYSPACE.finditer(s.received)
                ]
    elif first.startswith((b"-NOAUTH", b"-WRONGPASS", b"-ERR operation not permitted")):
        facts.access = "auth-required"
        facts.how = f"answered PING with {preview(first, 80)}"
    elif first.startswith(b"-DENIED"):
        facts.access = "restricted"
        facts.how = "protected mode: refuses remote clients because no password is set"
    else:
        return no_answer(steps, "Redis", "data-store")
    return facts


CHECK = Check(
    name="redis",
    service="redis",
    category="data-store",
    ports=(6379,),
    probe=probe,
    interpret=interpret,
    summary="PING, then INFO server and INFO keyspace",
)
