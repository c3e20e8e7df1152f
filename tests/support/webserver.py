"""The test suite's web server: many host names on one 127.0.0.1 port, routed by Host header.

Static pages come from tests/pages/<host>/; a few dynamic routes exist on every
host: /collect (records and answers 204), /ws (WebSocket echo), /hang (never
answers until the server stops), /redirect?to=URL (302), /cookie (sets one).
A second listener serves the same app over TLS with a self-signed certificate,
so that Chromium's certificate error can be tested for real.
"""

from __future__ import annotations

import asyncio
import ssl
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import WSMsgType, web

from tests.support.loop_thread import LoopThread

PAGES = Path(__file__).resolve().parent.parent / "pages"


@dataclass
class Received:
    host: str
    method: str
    path_qs: str
    headers: dict[str, str]
    body: bytes


@dataclass
class LocalWebServer:
    root: Path = PAGES
    port: int = 0
    tls_port: int = 0
    received: list[Received] = field(default_factory=list)
    _loop_thread: LoopThread = field(default_factory=lambda: LoopThread("test web server"))
    _runner: web.AppRunner | None = None
    _stop: asyncio.Event | None = None

    def start(self) -> LocalWebServer:
        self._loop_thread.start(self._start)
        return self

    async def _start(self) -> None:
        self._stop = asyncio.Event()
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        plain = web.TCPSite(self._runner, "127.0.0.1", 0)
        await plain.start()
        self.port = plain._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        secure = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=_self_signed_context())
        await secure.start()
        self.tls_port = secure._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def stop(self) -> None:
        async def shutdown() -> None:
            assert self._stop is not None and self._runner is not None
            self._stop.set()
            await self._runner.cleanup()

        self._loop_thread.stop(shutdown, timeout=10)

    def received_on(self, host: str, path_prefix: str = "") -> list[Received]:
        return [r for r in self.received if r.host == host and r.path_qs.startswith(path_prefix)]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        host = (request.host or "").split(":")[0].lower()
        body = await request.read()
        self.received.append(
            Received(host, request.method, request.path_qs, dict(request.headers), body)
        )
        path = request.path
        if path == "/collect" or path.startswith("/collect/"):
            return web.Response(status=204, headers={"Access-Control-Allow-Origin": "*"})
        if path == "/hang":
            assert self._stop is not None
            await self._stop.wait()
            return web.Response(status=503)
        if path == "/redirect":
            raise web.HTTPFound(request.query.get("to", "/"))
        if path == "/cookie":
            response = web.Response(text="ok")
            response.set_cookie("tp_id", "abc123", path="/", httponly=True)
            return response
        if path == "/ws":
            return await self._websocket(request)
        return self._static(host, path)

    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str("hello from server")
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                await ws.send_str("echo:" + msg.data)
            elif msg.type == WSMsgType.BINARY:
                await ws.send_bytes(msg.data)
        return ws

    def _static(self, host: str, path: str) -> web.StreamResponse:
        base = (self.root / host).resolve()
        relative = path.lstrip("/") or "index.html"
        target = (base / relative).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_relative_to(base) or not target.is_file():
            return web.Response(status=404, text="not found")
        headers = {}
        if target.name == "sw.js":
            headers["Service-Worker-Allowed"] = "/"
        return web.FileResponse(target, headers=headers)


def _self_signed_context() -> ssl.SSLContext:
    """A throwaway certificate no browser trusts: Chromium must report a TLS error."""
    directory = Path(tempfile.mkdtemp(prefix="aivet-tls-"))
    key, cert = directory / "key.pem", directory / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=tls.test",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context
