"""Memcached (11211): does the text protocol answer without authentication?

Requests, on one connection:

    version\\r\\n
    stats\\r\\n          (only after a VERSION line)

Decides: `VERSION x` is open (anyone can read and overwrite cached values);
`CLIENT_ERROR unauthenticated` or a closed connection after `ERROR` (SASL builds
speak only the binary protocol) is auth-required. Reports the item count and bytes
from `stats`; never reads a value.
"""

from __future__ import annotations

from collections.abc import Sequence

from aivet.collect.exposure.checks.base import Check, Step, no_answer, preview
from aivet.collect.exposure.net import ConnectFailed, Probe
from aivet.exposure_session import NamedCount, ServiceFacts


def _line_done(data: bytes) -> bool:
    return data.endswith(b"\r\n")


def _stats_done(data: bytes) -> bool:
    return data.endswith((b"END\r\n", b"ERROR\r\n")) or data.startswith(b"CLIENT_ERROR")


async def probe(p: Probe, tls: bool) -> None:
    try:
        conn = await p.connect(tls=tls)
    except ConnectFailed:
        return
    reply = await conn.exchange("version", b"version\r\n", _line_done)
    if reply.startswith(b"VERSION "):
        await conn.exchange("stats", b"stats\r\n", _stats_done)


def interpret(steps: Sequence[Step]) -> ServiceFacts:
    version = next((s for s in steps if s.step == "version"), None)
    if version is None or not version.received:
        return no_answer(steps, "Memcached", "data-store")
    line = version.received.split(b"\r\n", 1)[0]
    facts = ServiceFacts(
        identified=True, service="memcached", product="Memcached", category="data-store"
    )
    if line.startswith(b"VERSION "):
        facts.version = line[8:].decode("latin-1").strip()
        facts.access = "open"
        facts.how = "answered `version` without authentication"
        stats: dict[str, str] = {}
        for s in steps:
            if s.step == "stats":
                for row in s.received.split(b"\r\n"):
                    parts = row.decode("latin-1").split(" ")
                    if len(parts) == 3 and parts[0] == "STAT":
                        stats[parts[1]] = parts[2]
        if stats.get("curr_items", "").isdigit():
            facts.databases = [NamedCount("cache", int(stats["curr_items"]), "items")]
        for key in ("bytes", "curr_connections", "uptime"):
            if key in stats:
                facts.details[key] = stats[key]
    elif line.startswith(b"CLIENT_ERROR unauthenticated"):
        facts.access = "auth-required"
        facts.how = f"answered `version` with {preview(line, 60)}"
    else:
        return no_answer(steps, "Memcached", "data-store")
    return facts


CHECK = Check(
    name="memcached",
    service="memcached",
    category="data-store",
    ports=(11211,),
    probe=probe,
    interpret=interpret,
    summary="version, then stats",
)
