"""MySQL / MariaDB (3306): does it accept root without a password?

The server speaks first (handshake v10: version, auth plugin). Requests, on one connection:

    HandshakeResponse41   user=root, empty auth response, plugin as offered
    (an AuthSwitchRequest is answered once with an empty auth response)
    COM_QUERY "SHOW DATABASES"      (only after an OK packet)
    COM_QUIT

Decides: OK after the empty password is open; ERR 1045 (access denied) or a request for
more auth data (caching_sha2 full authentication) is auth-required; an ERR before the
handshake (host not allowed, too many connections) is restricted. No password is sent.
Reports the server version and the database names.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator, Sequence

from aivet.collect.exposure.checks.base import Check, Step, no_answer
from aivet.collect.exposure.net import ConnectFailed, Probe
from aivet.exposure_session import NamedCount, ServiceFacts

_CAPABILITIES = 0x00000001 | 0x00000200 | 0x00008000 | 0x00080000
"""LONG_PASSWORD, PROTOCOL_41, SECURE_CONNECTION, PLUGIN_AUTH: no DEPRECATE_EOF."""


def packets(data: bytes) -> Iterator[tuple[int, bytes]]:
    """(sequence id, payload) of each whole packet."""
    pos = 0
    while pos + 4 <= len(data):
        length = int.from_bytes(data[pos : pos + 3], "little")
        if pos + 4 + length > len(data):
            return
        yield data[pos + 3], data[pos + 4 : pos + 4 + length]
        pos += 4 + length


def packet(seq: int, payload: bytes) -> bytes:
    return len(payload).to_bytes(3, "little") + bytes([seq & 0xFF]) + payload


def _one_packet(data: bytes) -> bool:
    return any(True for _ in packets(data)) or (len(data) >= 4 and data[3] > 8)


def _result_done(data: bytes) -> bool:
    eofs = 0
    for _, payload in packets(data):
        if payload[:1] == b"\xff":
            return True
        if payload[:1] == b"\xfe" and len(payload) < 9:
            eofs += 1
    return eofs >= 2


def parse_handshake(payload: bytes) -> tuple[str, str] | None:
    """(server version, auth plugin) of a v10 handshake, or None."""
    if payload[:1] != b"\x0a":
        return None
    end = payload.find(b"\0", 1)
    if end < 0:
        return None
    version = payload[1:end].decode("latin-1")
    plugin = ""
    tail = payload[end + 1 :]
    if len(tail) > 31:
        part2_len = max(13, tail[20] - 8) if tail[20] else 13
        rest = tail[31 + part2_len :]
        plugin = rest.split(b"\0", 1)[0].decode("latin-1")
    return version, plugin


def handshake_response(plugin: str) -> bytes:
    body = struct.pack("<IIB", _CAPABILITIES, 16 * 1024 * 1024, 33) + b"\0" * 23
    body += b"root\0" + b"\0" + (plugin or "mysql_native_password").encode() + b"\0"
    return packet(1, body)


def _error(payload: bytes) -> tuple[int, str]:
    code = int.from_bytes(payload[1:3], "little") if len(payload) >= 3 else 0
    message = payload[3:]
    if message[:1] == b"#":
        message = message[6:]
    return code, message.decode("utf-8", "replace")


async def probe(p: Probe, tls: bool) -> None:
    try:
        conn = await p.connect(tls=tls)
    except ConnectFailed:
        return
    greeting = await conn.exchange("read handshake", b"", _one_packet)
    first = next(packets(greeting), None)
    if first is None or parse_handshake(first[1]) is None:
        return
    _, plugin = parse_handshake(first[1]) or ("", "")
    reply = await conn.exchange("login user=root password=(empty)", handshake_response(plugin),
                                _one_packet)  # fmt: skip
    answer = next(packets(reply), None)
    if answer is not None and answer[1][:1] == b"\xfe":
        reply = await conn.exchange(
            "auth switch: empty response", packet(answer[0] + 1, b""), _one_packet
        )
        answer = next(packets(reply), None)
    if answer is not None and answer[1][:2] == b"\x01\x03":
        # caching_sha2 fast-auth success: the OK packet follows.
        more = list(packets(reply))
        answer = more[1] if len(more) > 1 else None
        if answer is None:
            reply = await conn.exchange("read OK", b"", _one_packet)
            answer = next(packets(reply), None)
    if answer is not None and answer[1][:1] == b"\x00":
        await conn.exchange("SHOW DATABASES", packet(0, b"\x03SHOW DATABASES"), _result_done)
    await conn.exchange("COM_QUIT", packet(0, b"\x01"), lambda d: True)


def _lenenc(data: bytes, pos: int) -> tuple[bytes, int]:
    first = data[pos]
    if first < 0xFB:
        return data[pos + 1 : pos + 1 + first], pos + 1 + first
    width = {0xFC: 2, 0xFD: 3, 0xFE: 8}.get(first, 0)
    size = int.from_bytes(data[pos + 1 : pos + 1 + width], "little")
    start = pos + 1 + width
    return data[start : start + size], start + size


def interpret(steps: Sequence[Step]) -> ServiceFacts:
    greeting = next((s for s in steps if s.step == "read handshake"), None)
    first = next(packets(greeting.received), None) if greeting else None
    if first is None:
        return no_answer(steps, "MySQL", "data-store")
    facts = ServiceFacts(identified=True, service="mysql", product="MySQL", category="data-store")
    if first[1][:1] == b"\xff":
        code, message = _error(first[1])
        facts.access = "restricted"
        facts.how = f"refused before the handshake: error {code}: {message[:120]}"
        return facts
    parsed = parse_handshake(first[1])
    if parsed is None:
        return no_answer(steps, "MySQL", "data-store")
    version, plugin = parsed
    facts.version = version
    if "mariadb" in version.lower():
        facts.product = "MariaDB"
        facts.version = version.split("-MariaDB")[0].removeprefix("5.5.5-")
    facts.details["auth_plugin"] = plugin
    outcome: bytes | None = None
    for s in steps:
        if s.step.startswith(("login", "auth switch", "read OK")):
            for _, payload in packets(s.received):
                if payload[:2] == b"\x01\x03":
                    continue
                outcome = payload
    if outcome is None:
        facts.how = "sent its handshake but did not answer the login"
    elif outcome[:1] == b"\x00":
        facts.access = "open"
        facts.how = "accepted user root with an empty password (OK packet)"
    elif outcome[:1] == b"\xff":
        code, message = _error(outcome)
        facts.access = "auth-required"
        facts.how = f"refused user root without a password: error {code}: {message[:120]}"
    elif outcome[:1] in (b"\x01", b"\xfe"):
        facts.access = "auth-required"
        facts.how = "asked for more authentication data (a password is needed)"
    for s in steps:
        if s.step == "SHOW DATABASES":
            eofs = 0
            for _, payload in packets(s.received):
                if payload[:1] == b"\xfe" and len(payload) < 9:
                    eofs += 1
                    continue
                if eofs == 1 and payload:
                    name, _ = _lenenc(payload, 0)
                    facts.databases.append(NamedCount(name.decode("utf-8", "replace")))
    return facts


CHECK = Check(
    name="mysql",
    service="mysql",
    category="data-store",
    ports=(3306,),
    probe=probe,
    interpret=interpret,
    summary="read the handshake, log in as root with an empty password, SHOW DATABASES",
)
