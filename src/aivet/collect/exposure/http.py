"""A minimal HTTP/1.1 client over a recorded `Connection`, parsed with h11.

One request per connection (`Connection: close`), no credentials, no cookies, no
redirects followed. Parsing is a pure function of the recorded bytes, so an
interpreter reads the same reply the probe saw.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import h11

from aivet.collect.exposure.checks.base import Step
from aivet.collect.exposure.net import ConnectFailed, Probe

USER_AGENT = "aivet-exposure (authorised audit; read-only)"


@dataclass
class HttpReply:
    status: int | None
    """None when the reply is not HTTP."""
    headers: dict[str, str] = field(default_factory=dict)
    """Lower-case names; repeated headers joined with ', '."""
    body: bytes = b""
    complete: bool = False

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")

    def json(self) -> Any:
        try:
            return json.loads(self.body.decode("utf-8", "replace"))
        except ValueError:
            return None

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def request_bytes(
    method: str, path: str, host: str, headers: Sequence[tuple[str, str]] = (), body: bytes = b""
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", f"User-Agent: {USER_AGENT}"]
    lines += ["Accept: */*", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers]
    if body or method in ("POST", "PUT"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def parse_reply(data: bytes, method: str = "GET") -> HttpReply:
    """Parse whatever arrived; `complete` says whether the whole message did."""
    conn = h11.Connection(our_role=h11.CLIENT)
    conn.send(h11.Request(method=method, target="/", headers=[("Host", "x")]))
    conn.send(h11.EndOfMessage())
    conn.receive_data(data)
    reply = HttpReply(status=None)
    body = bytearray()
    ended = False
    try:
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                if ended:
                    break
                conn.receive_data(b"")  # what arrived is all there is
                ended = True
                continue
            if isinstance(event, h11.InformationalResponse):
                continue
            if isinstance(event, h11.Response):
                reply.status = event.status_code
                for name, value in event.headers:
                    key = name.decode("latin-1").lower()
                    text = value.decode("latin-1")
                    reply.headers[key] = (
                        f"{reply.headers[key]}, {text}" if key in reply.headers else text
                    )
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                reply.complete = True
                break
            elif isinstance(event, h11.ConnectionClosed) or event is h11.PAUSED:
                break
    except h11.RemoteProtocolError:
        pass
    reply.body = bytes(body)
    return reply


def reply_complete(data: bytes) -> bool:
    """True once a whole response has arrived (the `done` test of an HTTP exchange)."""
    conn = h11.Connection(our_role=h11.CLIENT)
    conn.send(h11.Request(method="GET", target="/", headers=[("Host", "x")]))
    conn.send(h11.EndOfMessage())
    conn.receive_data(data)
    try:
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA or event is h11.PAUSED:
                return False
            if isinstance(event, h11.EndOfMessage):
                return True
            if isinstance(event, h11.ConnectionClosed):
                return True
    except h11.RemoteProtocolError:
        return True  # not HTTP: nothing more to wait for


def looks_like_tls(data: bytes) -> bool:
    """A TLS record (alert or handshake) where plain HTTP was expected."""
    return len(data) >= 3 and data[0] in (0x15, 0x16) and data[1] == 0x03


class HttpProber:
    """Sends GETs for one check; picks TLS or plain once, by what the port answers."""

    def __init__(self, probe: Probe, tls_first: bool) -> None:
        self.probe = probe
        self.tls: bool | None = None
        self.tls_first = tls_first

    async def get(
        self,
        path: str,
        *,
        method: str = "GET",
        headers: Sequence[tuple[str, str]] = (),
        body: bytes = b"",
        cap: int | None = None,
    ) -> HttpReply:
        data = request_bytes(method, path, self.probe.host_header, headers, body)
        step = f"{method} {path}" + (f" {body.decode('utf-8', 'replace')}" if body else "")
        order = [self.tls] if self.tls is not None else [self.tls_first, not self.tls_first]
        reply = HttpReply(status=None)
        for tls in order:
            assert tls is not None
            try:
                conn = await self.probe.connect(tls=tls)
            except ConnectFailed:
                continue
            raw = await conn.exchange(step, data, reply_complete, cap=cap)
            await conn.close()
            reply = parse_reply(raw, method)
            if reply.status is not None:
                self.tls = tls
                return reply
            if not (raw == b"" or looks_like_tls(raw)) and not tls:
                break  # it answered, in something other than HTTP: TLS will not help
        return reply


def find_reply(steps: Sequence[Step], request: str) -> HttpReply | None:
    """The parsed reply to `request` ("GET /path"), preferring one that was HTTP."""
    found: HttpReply | None = None
    for s in steps:
        if s.step == request or s.step.startswith(request + " "):
            reply = parse_reply(s.received, s.step.split(" ", 1)[0])
            if reply.status is not None or found is None:
                found = reply
    return found
