"""Kafka (9092): does the broker list its topics to an unauthenticated client?

Requests, on one connection (Kafka wire protocol, client id "aivet"):

    ApiVersions v0                            (api key 18; allowed before any SASL step)
    Metadata v4  topics=null, allow_auto_topic_creation=false      (api key 3)
             (v1 when the broker's ApiVersions caps Metadata below 4)

Metadata with a null topic list asks for every topic's name and partitions; auto
creation is off so nothing is written. Decides: a Metadata reply is open (anyone can
consume); ApiVersions answered but the connection closed at Metadata is auth-required
(a SASL listener). Reports the brokers and every topic with its partition count.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

from aivet.collect.exposure.checks.base import Check, Step, no_answer
from aivet.collect.exposure.net import ConnectFailed, Probe
from aivet.exposure_session import NamedCount, ServiceFacts

API_VERSIONS, METADATA = 18, 3


def request(api_key: int, version: int, correlation: int, body: bytes = b"") -> bytes:
    client = b"aivet"
    header = struct.pack(">hhih", api_key, version, correlation, len(client)) + client
    return struct.pack(">i", len(header) + len(body)) + header + body


def metadata_request(version: int) -> bytes:
    body = struct.pack(">i", -1)  # null: every topic
    if version >= 4:
        body += b"\x00"  # allow_auto_topic_creation = false
    return request(METADATA, version, 2, body)


def _frame_done(data: bytes) -> bool:
    if len(data) < 4:
        return False
    size = int.from_bytes(data[:4], "big", signed=True)
    return size < 0 or len(data) >= 4 + size


class _R:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, fmt: str) -> int:
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.data):
            raise ValueError("truncated")
        (value,) = struct.unpack(fmt, self.data[self.pos : self.pos + size])
        self.pos += size
        return int(value)

    def string(self) -> str | None:
        size = self.take(">h")
        if size < 0:
            return None
        if self.pos + size > len(self.data):
            raise ValueError("truncated")
        text = self.data[self.pos : self.pos + size].decode("utf-8", "replace")
        self.pos += size
        return text

    def count(self) -> int:
        n = self.take(">i")
        if n > 100000:
            raise ValueError("implausible array")
        return max(n, 0)


def parse_api_versions(data: bytes) -> dict[int, tuple[int, int]] | None:
    try:
        r = _R(data[4:])
        r.take(">i")
        if r.take(">h") != 0:
            return None
        return {r.take(">h"): (r.take(">h"), r.take(">h")) for _ in range(r.count())}
    except ValueError:
        return None


def metadata_version(versions: dict[int, tuple[int, int]]) -> int:
    low, high = versions.get(METADATA, (0, 0))
    return 4 if low <= 4 <= high else 1


def parse_metadata(data: bytes, version: int) -> tuple[list[str], list[NamedCount], str | None]:
    """(brokers, topics with partition counts, cluster id); ValueError if malformed."""
    r = _R(data[4:])
    r.take(">i")  # correlation id
    if version >= 3:
        r.take(">i")  # throttle time
    brokers = []
    for _ in range(r.count()):
        node = r.take(">i")
        host, port = r.string(), r.take(">i")
        if version >= 1:
            r.string()  # rack
        brokers.append(f"{node}:{host}:{port}")
    cluster = r.string() if version >= 2 else None
    if version >= 1:
        r.take(">i")  # controller id
    topics = []
    for _ in range(r.count()):
        r.take(">h")  # error code
        name = r.string() or "?"
        internal = r.take(">b") if version >= 1 else 0
        partitions = r.count()
        for _ in range(partitions):
            r.take(">h")
            r.take(">i")
            r.take(">i")
            for _ in range(2):  # replicas, isr
                for _ in range(r.count()):
                    r.take(">i")
        topics.append(NamedCount(name + (" (internal)" if internal else ""), partitions,
                                 "partitions"))  # fmt: skip
    return brokers, topics, cluster


async def probe(p: Probe, tls: bool) -> None:
    try:
        conn = await p.connect(tls=tls)
    except ConnectFailed:
        return
    reply = await conn.exchange("ApiVersions v0", request(API_VERSIONS, 0, 1), _frame_done)
    versions = parse_api_versions(reply)
    if versions is None:
        return
    version = metadata_version(versions)
    await conn.exchange(f"Metadata v{version} topics=null", metadata_request(version),
                        _frame_done, cap=262144)  # fmt: skip


def interpret(steps: Sequence[Step]) -> ServiceFacts:
    first = next((s for s in steps if s.step == "ApiVersions v0"), None)
    versions = parse_api_versions(first.received) if first and first.received else None
    if not versions or API_VERSIONS not in versions:
        return no_answer(steps, "Kafka", "data-store")
    facts = ServiceFacts(identified=True, service="kafka", product="Kafka", category="data-store")
    facts.details["api_keys"] = str(len(versions))
    meta = next((s for s in steps if s.step.startswith("Metadata v")), None)
    if meta is None:
        facts.how = "answered ApiVersions; Metadata was not asked"
        return facts
    version = int(meta.step.split()[1][1:])
    try:
        brokers, topics, cluster = parse_metadata(meta.received, version)
    except ValueError:
        if meta.error in ("closed", "reset") or not meta.received:
            facts.access = "auth-required"
            facts.how = "answered ApiVersions but closed the connection at Metadata (SASL listener)"
        else:
            facts.how = "answered ApiVersions; the Metadata reply could not be read"
        return facts
    facts.access = "open"
    facts.how = f"listed {len(topics)} topics to an unauthenticated client (Metadata v{version})"
    facts.databases = topics
    facts.details["brokers"] = ", ".join(brokers[:10])
    if cluster:
        facts.details["cluster_id"] = cluster
    return facts


CHECK = Check(
    name="kafka",
    service="kafka",
    category="data-store",
    ports=(9092,),
    probe=probe,
    interpret=interpret,
    summary="ApiVersions, Metadata for all topics (no auto-creation)",
)
