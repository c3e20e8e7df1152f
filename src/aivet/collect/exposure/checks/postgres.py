"""PostgreSQL (5432): does it accept a login without a password?

Requests, on one connection (protocol 3.0):

    SSLRequest                      8 bytes: length 8, code 80877103
    (TLS handshake if the server answers `S`; the rest goes inside it)
    StartupMessage                  user=postgres database=postgres application_name=aivet
    Query  "SELECT datname FROM pg_database WHERE NOT datistemplate ORDER BY 1"
                                    (only after AuthenticationOk)
    Terminate

Decides: AuthenticationOk (R, code 0) right after the startup is open; a password
request (R with code 3 cleartext, 5 MD5, 10 SASL/SCRAM) is auth-required; an
ErrorResponse (no pg_hba.conf entry, role does not exist) is restricted. No password
is ever sent. Reports server_version and the database names.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator, Sequence

from aivet.collect.exposure.checks.base import Check, Step, no_answer
from aivet.collect.exposure.net import ConnectFailed, Probe
from aivet.exposure_session import NamedCount, ServiceFacts

SSL_REQUEST = struct.pack("!ii", 8, 80877103)
_DATABASES_SQL = "SELECT datname FROM pg_database WHERE NOT datistemplate ORDER BY 1"
_AUTH_NAMES = {3: "a cleartext password", 5: "an MD5 password", 7: "GSSAPI", 9: "SSPI",
               10: "SASL (SCRAM)"}  # fmt: skip


def startup_message(user: str = "postgres", database: str = "postgres") -> bytes:
    params = b"".join(
        k.encode() + b"\0" + v.encode() + b"\0"
        for k, v in (("user", user), ("database", database), ("application_name", "aivet"))
    )
    body = struct.pack("!i", 196608) + params + b"\0"
    return struct.pack("!i", len(body) + 4) + body


def query_message(sql: str) -> bytes:
    body = sql.encode() + b"\0"
    return b"Q" + struct.pack("!i", len(body) + 4) + body


TERMINATE = b"X\x00\x00\x00\x04"


def messages(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    """(type, payload) of each whole backend message; stops at anything malformed."""
    pos = 0
    while pos + 5 <= len(data):
        kind = data[pos : pos + 1]
        (length,) = struct.unpack("!i", data[pos + 1 : pos + 5])
        if length < 4 or not kind.isalpha() or pos + 1 + length > len(data):
            return
        yield kind, data[pos + 5 : pos + 1 + length]
        pos += 1 + length


def _done_after_startup(data: bytes) -> bool:
    for kind, payload in messages(data):
        if kind == b"E" or kind == b"Z":
            return True
        if kind == b"R" and len(payload) >= 4 and struct.unpack("!i", payload[:4])[0] != 0:
            return True
    return not data[:1].isalpha()  # not PostgreSQL: stop waiting


def _done_after_query(data: bytes) -> bool:
    return any(kind in (b"Z",) for kind, _ in messages(data)) or not data[:1].isalpha()


async def probe(p: Probe, tls: bool) -> None:
    try:
        conn = await p.connect(tls=tls)
    except ConnectFailed:
        return
    answer = await conn.exchange("SSLRequest", SSL_REQUEST, lambda d: len(d) >= 1)
    if answer == b"S":
        if not await conn.start_tls():
            return
    elif answer != b"N":
        return  # not PostgreSQL
    reply = await conn.exchange("startup user=postgres database=postgres", startup_message(),
                                _done_after_startup)  # fmt: skip
    if any(k == b"R" and payload[:4] == b"\0\0\0\0" for k, payload in messages(reply)):
        await conn.exchange(_DATABASES_SQL, query_message(_DATABASES_SQL), _done_after_query)
    await conn.exchange("Terminate", TERMINATE, lambda d: True)


def _fields(payload: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in payload.split(b"\0"):
        if part:
            out[chr(part[0])] = part[1:].decode("utf-8", "replace")
    return out


def interpret(steps: Sequence[Step]) -> ServiceFacts:
    startup = next((s for s in steps if s.step.startswith("startup")), None)
    ssl_answer = next((s.received for s in steps if s.step == "SSLRequest"), b"")
    if startup is None or not startup.received:
        if ssl_answer in (b"S", b"N"):
            return ServiceFacts(
                identified=True, service="postgresql", product="PostgreSQL",
                category="data-store", how="answered the SSLRequest but not the startup",
            )  # fmt: skip
        return no_answer(steps, "PostgreSQL", "data-store")
    facts = ServiceFacts(
        identified=False, service="postgresql", product="PostgreSQL", category="data-store"
    )
    if ssl_answer == b"S":
        facts.details["tls"] = "offered"
    elif ssl_answer == b"N":
        facts.details["tls"] = "not offered"
    for kind, payload in messages(startup.received):
        if kind == b"R" and len(payload) >= 4:
            facts.identified = True
            (code,) = struct.unpack("!i", payload[:4])
            if code == 0:
                facts.access = "open"
                facts.how = "accepted user postgres without a password (AuthenticationOk)"
            else:
                facts.access = "auth-required"
                facts.how = f"asked for {_AUTH_NAMES.get(code, f'authentication method {code}')}"
        elif kind == b"S":
            name, _, value = payload.partition(b"\0")
            if name == b"server_version":
                facts.version = value.rstrip(b"\0").decode("utf-8", "replace")
        elif kind == b"E":
            facts.identified = True
            fields = _fields(payload)
            facts.access = "restricted" if facts.access == "unknown" else facts.access
            facts.how = facts.how or f"refused the login: {fields.get('M', 'error')}"
            facts.details["error_code"] = fields.get("C", "")
    if not facts.identified:
        return no_answer(steps, "PostgreSQL", "data-store")
    for s in steps:
        if s.step.startswith("SELECT datname"):
            for kind, payload in messages(s.received):
                if kind == b"D" and len(payload) >= 6:
                    (size,) = struct.unpack("!i", payload[2:6])
                    if size >= 0:
                        db = payload[6 : 6 + size].decode("utf-8", "replace")
                        facts.databases.append(NamedCount(db))
    return facts


CHECK = Check(
    name="postgresql",
    service="postgresql",
    category="data-store",
    ports=(5432,),
    probe=probe,
    interpret=interpret,
    summary="SSLRequest, startup as postgres without password, list databases if let in",
)
