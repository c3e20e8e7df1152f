"""A small local server that answers probes with fixed replies (no real server available).

Used only for services no Debian, PyPI or npm package runs here (Elasticsearch/OpenSearch,
MongoDB, Kafka, Grafana, Kibana, Docker, Kubernetes). The replies follow the services'
documented examples and wire-protocol specifications; docs/exposure.md says which checks
are tested this way. Handlers get the bytes received so far and return the reply, or
None to wait for more.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.support.loop_thread import LoopThread

Handler = Callable[[bytes], "bytes | None"]
"""Request bytes → reply (b"" to close without a word), or None: need more."""


def http_reply(status: int, body: bytes | str, headers: dict[str, str] | None = None) -> bytes:
    data = body.encode() if isinstance(body, str) else body
    reason = {200: "OK", 206: "Partial Content", 401: "Unauthorized", 403: "Forbidden",
              404: "Not Found"}.get(status, "OK")  # fmt: skip
    head = [f"HTTP/1.1 {status} {reason}", f"Content-Length: {len(data)}", "Connection: close"]
    head += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + data


def http_routes(routes: dict[str, bytes], default: bytes | None = None) -> Handler:
    """Route an HTTP request by `METHOD path` (or just the path) to a fixed reply."""

    def handle(data: bytes) -> bytes | None:
        if b"\r\n\r\n" not in data:
            return None
        line = data.split(b"\r\n", 1)[0].decode("latin-1")
        method, path = line.split(" ")[:2]
        for key in (f"{method} {path}", path):
            if key in routes:
                return routes[key]
        return default if default is not None else http_reply(404, "not found")

    return handle


@dataclass
class Behaviour:
    """What one port does: answer by handler, or misbehave."""

    handler: Handler | None = None
    mode: str = "answer"
    """answer | hang | reset | garbage | drip | greet"""
    greeting: bytes = b""


@dataclass
class CannedServer:
    behaviours: list[Behaviour]
    ports: list[int] = field(default_factory=list)
    _loop_thread: LoopThread = field(default_factory=lambda: LoopThread("canned server"))
    _servers: list[asyncio.AbstractServer] = field(default_factory=list)

    def start(self) -> CannedServer:
        self._loop_thread.start(self._start, timeout=10)
        return self

    async def _start(self) -> None:
        for behaviour in self.behaviours:
            server = await asyncio.start_server(
                functools.partial(self._serve, behaviour), "127.0.0.1", 0
            )
            self._servers.append(server)
            self.ports.append(server.sockets[0].getsockname()[1])

    async def _serve(
        self, behaviour: Behaviour, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        try:
            if behaviour.mode == "hang":
                await asyncio.sleep(30)
            elif behaviour.mode == "reset":
                await reader.read(1)
                sock = writer.get_extra_info("socket")
                import socket
                import struct

                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                writer.transport.abort()
                return
            elif behaviour.mode == "garbage":
                for _ in range(2000):  # bounded: 2000 x 1 KiB at most
                    writer.write(bytes(range(256)) * 4)
                    await writer.drain()
            elif behaviour.mode == "drip":
                for _ in range(300):  # one byte every 0.1 s, for 30 s at most
                    writer.write(b"x")
                    await writer.drain()
                    await asyncio.sleep(0.1)
            else:
                if behaviour.greeting:
                    writer.write(behaviour.greeting)
                    await writer.drain()
                data = b""
                while behaviour.handler is not None:
                    chunk = await asyncio.wait_for(reader.read(65536), 10)
                    if not chunk:
                        break
                    data += chunk
                    reply = behaviour.handler(data)
                    if reply is None:
                        continue
                    if reply == b"":
                        break
                    writer.write(reply)
                    await writer.drain()
                    data = b""
        except (OSError, TimeoutError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    def stop(self) -> None:
        async def shutdown() -> None:
            for server in self._servers:
                server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        self._loop_thread.stop(shutdown, timeout=5)
