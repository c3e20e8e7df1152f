"""A real OpenAI-compatible HTTP server on 127.0.0.1 that replays recorded answers.

`POST /v1/chat/completions` answers the last user message from a table of
recorded replies (by prompt text), or with a default. It can also misbehave,
once per queued fault: hang past the client's time limit, answer 429 with
Retry-After (seconds or milliseconds), 500, a malformed JSON body, an error
object in a 200, a content-filter 400, 401/404, or drop the connection
without answering. Every request it receives is recorded.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web

from tests.support.loop_thread import LoopThread

FaultKind = Literal[
    "hang", "429", "500", "503", "malformed", "error-200", "drop", "blocked", "401", "404"
]


@dataclass(frozen=True)
class Reply:
    content: str
    reasoning_content: str | None = None
    finish_reason: str = "stop"


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    retry_after: str | None = None
    retry_after_ms: str | None = None


@dataclass
class Received:
    at: float
    prompt: str
    model: str
    body: dict[str, Any]
    authorization: str | None


@dataclass
class OpenAIReplayServer:
    replies: dict[str, Reply] = field(default_factory=dict)
    default: Reply | None = Reply("I have no recorded answer for that.")
    answer: Callable[[str, str], Reply | None] | None = None
    """Optional: (model, prompt) -> reply, consulted before `replies`."""
    delay_s: float = 0.0
    hang_s: float = 30.0
    faults: list[Fault] = field(default_factory=list)
    """Applied to the next requests in order, whatever their prompt."""
    fail_after: int | None = None
    """Answer 503 to every request after this many (the backend went down)."""
    prompt_faults: dict[str, list[Fault]] = field(default_factory=dict)
    """Applied to the next requests for that prompt text, in order."""
    received: list[Received] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    port: int = 0
    _loop_thread: LoopThread = field(default_factory=lambda: LoopThread("replay server"))
    _runner: web.AppRunner | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> OpenAIReplayServer:
        self._loop_thread.start(self._start)
        return self

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_get("/v1/models", self._models)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def stop(self) -> None:
        async def shutdown() -> None:
            if self._runner is not None:
                await self._runner.cleanup()
            # Handlers still hanging on purpose end now, not at garbage collection.
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in others:
                task.cancel()
            await asyncio.gather(*others, return_exceptions=True)

        self._loop_thread.stop(shutdown, timeout=10)

    def __enter__(self) -> OpenAIReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def prompts_received(self) -> list[str]:
        with self._lock:
            return [r.prompt for r in self.received]

    def _next_fault(self, prompt: str) -> Fault | None:
        with self._lock:
            if self.fail_after is not None and len(self.received) > self.fail_after:
                return Fault("503")
            queued = self.prompt_faults.get(prompt)
            if queued:
                return queued.pop(0)
            if self.faults:
                return self.faults.pop(0)
        return None

    async def _models(self, request: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [{"id": "replay", "object": "model"}]})

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        messages = body.get("messages") or []
        prompt = next(
            (m.get("content", "") for m in reversed(messages) if m.get("role") == "user"), ""
        )
        model = str(body.get("model", ""))
        with self._lock:
            self.received.append(
                Received(
                    time.monotonic(), prompt, model, body, request.headers.get("Authorization")
                )
            )
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await self._respond(request, model, prompt)
        finally:
            with self._lock:
                self.in_flight -= 1

    async def _respond(self, request: web.Request, model: str, prompt: str) -> web.StreamResponse:
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        fault = self._next_fault(prompt)
        if fault is not None:
            return await self._misbehave(request, fault)
        reply = self.answer(model, prompt) if self.answer else None
        reply = reply or self.replies.get(prompt) or self.default
        if reply is None:
            return web.json_response({"error": {"message": "no such prompt"}}, status=404)
        message: dict[str, Any] = {"role": "assistant", "content": reply.content}
        if reply.reasoning_content is not None:
            message["reasoning_content"] = reply.reasoning_content
        return web.json_response(
            {
                "id": f"chatcmpl-replay-{len(self.received)}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": f"{model}-replayed",
                "choices": [{"index": 0, "message": message, "finish_reason": reply.finish_reason}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 20, "total_tokens": 30},
            }
        )

    async def _misbehave(self, request: web.Request, fault: Fault) -> web.StreamResponse:
        kind = fault.kind
        if kind == "hang":
            await asyncio.sleep(self.hang_s)
            return web.json_response({"error": "too late"}, status=504)
        if kind == "drop":
            # Close the socket without a byte of response: the client sees the connection drop.
            transport = request.transport
            if transport is not None:
                transport.abort()
            return web.Response(status=500)
        if kind == "malformed":
            return web.Response(
                text='{"id": "x", "choices": [{"message": {"content": "trunc',
                content_type="application/json",
            )
        if kind == "error-200":
            return web.json_response({"error": {"message": "upstream overloaded"}})
        if kind == "blocked":
            return web.json_response(
                {"error": {"message": "Content Exists Risk", "type": "invalid_request_error"}},
                status=400,
            )
        headers = {}
        if fault.retry_after is not None:
            headers["Retry-After"] = fault.retry_after
        if fault.retry_after_ms is not None:
            headers["retry-after-ms"] = fault.retry_after_ms
        messages = {
            "429": "Rate limit reached",
            "500": "internal error",
            "503": "overloaded",
            "401": "Incorrect API key provided",
            "404": "The model does not exist",
        }
        return web.Response(
            status=int(kind),
            text=json.dumps({"error": {"message": messages[kind]}}),
            content_type="application/json",
            headers=headers,
        )
