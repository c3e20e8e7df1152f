"""Connections for probes: bounded in time and in bytes, every byte recorded as evidence.

A check never reads from a socket directly. It asks a `Probe` for a connection and
calls `exchange(step, data, done)`: send `data`, read until `done(reply)` says the
reply is complete, the peer closes, the read cap is reached, the peer is silent for
`read_timeout_s`, or the check's own deadline passes. None of those raise: the
exchange records what happened and returns what arrived, so a host that hangs,
resets or speaks garbage ends in bounded time with a recorded reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import ipaddress
import ssl
import time
import warnings
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aivet.collect.exposure.limits import Limiter
from aivet.evidence import EvidenceDir
from aivet.exposure_session import Exchange, ProbeLimits, ProbeRecord, Reachability, TlsInfo

Done = Callable[[bytes], bool]


class ConnectFailed(Exception):
    def __init__(self, reachability: Reachability, reason: str) -> None:
        super().__init__(reason)
        self.reachability: Reachability = reachability
        self.reason = reason


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _tls_context() -> ssl.SSLContext:
    # An auditor must talk to old and self-signed servers and record what they present,
    # so nothing is verified here; the certificate is stored and reported instead.
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with contextlib.suppress(ssl.SSLError):
        context.set_ciphers("ALL:@SECLEVEL=0")
    with contextlib.suppress(ValueError), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = ssl.TLSVersion.TLSv1
    return context


_TLS_CONTEXT = _tls_context()


async def open_tcp(
    address: str, port: int, timeout: float, *, tls: bool = False, server_name: str | None = None
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Connect to an address (never a name: resolution happened once, in scope)."""
    ipaddress.ip_address(address)  # a name here would bypass the scope check
    try:
        return await asyncio.wait_for(
            asyncio.open_connection(
                address,
                port,
                ssl=_TLS_CONTEXT if tls else None,
                server_hostname=(server_name or "") if tls else None,
                limit=1 << 20,
            ),
            timeout,
        )
    except TimeoutError:
        raise ConnectFailed("filtered", f"no answer within {timeout:g} s") from None
    except ConnectionRefusedError:
        raise ConnectFailed("closed", "connection refused") from None
    except ssl.SSLError as exc:
        raise ConnectFailed("open", f"TLS handshake failed: {exc.reason or exc}") from None
    except (ConnectionResetError, BrokenPipeError):
        raise ConnectFailed("open", "reset during connect") from None
    except OSError as exc:
        if exc.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            raise ConnectFailed("filtered", exc.strerror or str(exc)) from None
        raise ConnectFailed("error", exc.strerror or str(exc)) from None


def tls_info(writer: asyncio.StreamWriter, evidence: EvidenceDir) -> TlsInfo | None:
    obj = writer.get_extra_info("ssl_object")
    if not isinstance(obj, ssl.SSLObject):
        return None
    der = obj.getpeercert(binary_form=True)
    cipher = obj.cipher()
    info = TlsInfo(
        version=obj.version() or "",
        cipher=cipher[0] if cipher else "",
        certificate_sha256=evidence.put(der, "application/pkix-cert", "tls-certificate").sha256
        if der
        else None,
    )
    if der:
        _describe_certificate(der, info)
    return info


def _describe_certificate(der: bytes, info: TlsInfo) -> None:
    from cryptography import x509

    try:
        cert = x509.load_der_x509_certificate(der)
        info.subject = cert.subject.rfc4514_string()
        info.issuer = cert.issuer.rfc4514_string()
        info.not_after = cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
        info.self_signed = cert.subject == cert.issuer
        try:
            san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            info.names = [str(n) for n in san.get_values_for_type(x509.DNSName)] + [
                str(a) for a in san.get_values_for_type(x509.IPAddress)
            ]
        except x509.ExtensionNotFound:
            pass
    except ValueError:
        info.subject = "(certificate could not be parsed)"


@dataclass
class Connection:
    probe: Probe
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    index: int
    slot: AbstractAsyncContextManager[None] | None = field(default=None, repr=False)
    """The limiter slot this connection holds until it is closed."""
    closed: bool = False

    async def exchange(
        self, step: str, data: bytes, done: Done | None = None, *, cap: int | None = None
    ) -> bytes:
        """Send `data` (may be empty), read the reply; always returns, never raises."""
        probe = self.probe
        limit = min(cap or probe.limits.read_cap_bytes, probe.limits.read_cap_bytes * 4)
        started = time.perf_counter()
        received = bytearray()
        error: str | None = None
        truncated = False
        if self.closed:
            error = "closed"
        else:
            try:
                if data:
                    self.writer.write(data)
                    await asyncio.wait_for(self.writer.drain(), probe.remaining())
                while not (done is not None and received and done(bytes(received))):
                    wait = min(probe.limits.read_timeout_s, probe.remaining())
                    if wait <= 0:
                        error = "deadline"
                        break
                    try:
                        chunk = await asyncio.wait_for(
                            self.reader.read(min(65536, limit - len(received))), wait
                        )
                    except TimeoutError:
                        error = "deadline" if probe.remaining() <= 0 else "timeout"
                        break
                    if not chunk:
                        self.closed = True
                        if not received:
                            error = "closed"
                        break
                    received += chunk
                    if len(received) >= limit:
                        truncated = True
                        break
            except TimeoutError:
                error = "deadline"
            except (ConnectionResetError, BrokenPipeError):
                error, self.closed = "reset", True
            except (OSError, ssl.SSLError) as exc:
                error, self.closed = f"error: {exc}", True
        reply = bytes(received)
        probe.record_exchange(
            step, data, reply, (time.perf_counter() - started) * 1000, error, truncated, self.index
        )
        return reply

    async def start_tls(self) -> bool:
        """Upgrade in place (PostgreSQL's SSLRequest, STARTTLS); False if the handshake fails."""
        probe = self.probe
        try:
            await asyncio.wait_for(
                self.writer.start_tls(_TLS_CONTEXT, server_hostname=probe.server_name or ""),
                max(min(probe.limits.connect_timeout_s, probe.remaining()), 0.01),
            )
        except (TimeoutError, OSError, ssl.SSLError) as exc:
            probe.record_exchange(
                "TLS handshake", b"", b"", 0.0, f"error: {exc}", False, self.index
            )
            self.closed = True
            return False
        probe.record.transport = "tls"
        if probe.record.tls is None:
            probe.record.tls = tls_info(self.writer, probe.evidence)
        return True

    async def close(self) -> None:
        if not self.writer.is_closing():
            self.writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.writer.wait_closed(), 0.5)
        self.closed = True
        slot, self.slot = self.slot, None
        if slot is not None:
            await slot.__aexit__(None, None, None)


class Probe:
    """One check on one host and port: its connections, deadline and record."""

    def __init__(
        self,
        record: ProbeRecord,
        limits: ProbeLimits,
        limiter: Limiter,
        evidence: EvidenceDir,
        *,
        server_name: str | None,
    ) -> None:
        self.record = record
        self.limits = limits
        self.limiter = limiter
        self.evidence = evidence
        self.server_name = server_name
        self.deadline: float | None = None
        """Set at the first connection, so time spent waiting for the limiter is not lost."""
        self._connections: list[Connection] = []

    @property
    def host(self) -> str:
        """Host name for HTTP Host and TLS SNI (the address when none was given)."""
        return self.record.host

    @property
    def host_header(self) -> str:
        host = self.record.host
        host = f"[{host}]" if ":" in host else host
        return host if self.record.port in (80, 443) else f"{host}:{self.record.port}"

    def remaining(self) -> float:
        if self.deadline is None:
            return self.limits.probe_timeout_s
        return self.deadline - time.monotonic()

    async def connect(self, *, tls: bool = False) -> Connection:
        """A new connection, gated by the limiter; raises ConnectFailed."""
        if self.remaining() <= 0:
            raise ConnectFailed("open", "check deadline passed")
        slot = self.limiter.connection(self.record.address)
        await slot.__aenter__()
        if self.deadline is None:
            self.deadline = time.monotonic() + self.limits.probe_timeout_s
        timeout = min(self.limits.connect_timeout_s, max(self.remaining(), 0.01))
        try:
            reader, writer = await open_tcp(
                self.record.address, self.record.port, timeout, tls=tls,
                server_name=self.server_name,
            )  # fmt: skip
        except BaseException:
            await slot.__aexit__(None, None, None)
            raise
        if tls:
            self.record.transport = "tls"
            if self.record.tls is None:
                self.record.tls = tls_info(writer, self.evidence)
        conn = Connection(self, reader, writer, len(self._connections), slot)
        self._connections.append(conn)
        return conn

    def record_exchange(
        self,
        step: str,
        sent: bytes,
        received: bytes,
        elapsed_ms: float,
        error: str | None,
        truncated: bool,
        connection: int,
    ) -> None:
        sent_sha = (
            self.evidence.put(sent, "application/octet-stream", "probe-sent").sha256
            if sent
            else None
        )
        recv_sha = (
            self.evidence.put(received, "application/octet-stream", "probe-reply").sha256
            if received
            else None
        )
        self.record.exchanges.append(
            Exchange(
                step=step,
                sent_sha256=sent_sha,
                sent_size=len(sent),
                received_sha256=recv_sha,
                received_size=len(received),
                elapsed_ms=round(elapsed_ms, 1),
                error=error,
                truncated=truncated,
                connection=connection,
            )
        )

    async def aclose(self) -> None:
        for conn in self._connections:
            await conn.close()
