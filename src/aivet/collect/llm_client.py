"""A client for OpenAI-compatible chat endpoints that keeps every exchange as evidence.

Works with any server that speaks `POST {base_url}/chat/completions` (vLLM,
llama.cpp's server, Ollama, hosted APIs). Each request body, each response body
and a record of every attempt (status, timing, error, the wait that followed)
are stored as blobs; the API key is never stored. Requests are bounded by a
concurrency limit and a total time limit each; failures that may pass (time-outs,
dropped connections, 408/429/5xx, a malformed body) are retried with exponential
backoff, or after the server's own Retry-After when it gives one. An endpoint
that refuses everything (401, 403, 404) stops the run at once: asking it 300
more times would only repeat the refusal.

Reasoning is kept apart from the answer: `reasoning_content` / `reasoning`
fields and `<think>…</think>` blocks go to `reasoning`, the rest is `answer`.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import os
import random
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Literal

import httpx

from aivet import __version__
from aivet.evidence import Artifact, EvidenceDir

Outcome = Literal["answer", "blocked", "error"]
ReasoningSource = Literal["none", "field", "think-tags"]

RETRY_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504, 520, 522, 524, 529})
FATAL_STATUSES = frozenset({401, 403, 404})
# Hosted services answer a filtered prompt with an error or a finish reason of their own:
# DeepSeek "Content Exists Risk", Azure/OpenAI "content_filter", Alibaba "data_inspection_failed".
_BLOCK_MARKERS = re.compile(
    r"content[ _-]?(exists[ _-]?risk|filter|management|policy|moderation)|data_inspection_failed"
    r"|sensitive[ _-]?(content|words)|inappropriate[ _-]content|内容安全|敏感",
    re.IGNORECASE,
)
_BLOCK_FINISH = frozenset({"content_filter", "sensitive", "content-filter", "safety"})
_THINK_BLOCK = re.compile(r"<(think|thinking)>(.*?)</\1>", re.IGNORECASE | re.DOTALL)
_THINK_CLOSE = re.compile(r"</(think|thinking)>", re.IGNORECASE)
_THINK_OPEN = re.compile(r"<(think|thinking)>", re.IGNORECASE)
_KEPT_HEADERS = (
    "content-type",
    "content-length",
    "retry-after",
    "retry-after-ms",
    "date",
    "server",
    "x-request-id",
    "request-id",
    "openai-model",
    "x-ratelimit-remaining-requests",
)
_MAX_ERROR_CHARS = 300


class EndpointError(Exception):
    """The endpoint refuses every request (bad key, no such model or path): stop the run."""


@dataclass(frozen=True)
class ClientOptions:
    base_url: str
    """The API root, e.g. `http://127.0.0.1:8000/v1`; `/chat/completions` is appended."""
    api_key: str | None = None
    timeout_s: float = 120.0
    """Upper bound on one attempt, from sending to the last byte of the answer."""
    connect_timeout_s: float = 10.0
    concurrency: int = 4
    max_attempts: int = 5
    backoff_s: float = 1.0
    """First wait before a retry; doubled after each failure, with jitter."""
    backoff_max_s: float = 30.0
    retry_after_max_s: float = 120.0
    """A server's Retry-After is honoured up to this long."""
    max_response_bytes: int = 4_000_000


@dataclass
class Attempt:
    """One try at one request, as stored in the exchange record."""

    started_at: str
    elapsed_ms: float
    status: int | None
    error: str | None
    response_sha256: str | None
    headers: dict[str, str] = field(default_factory=dict)
    retry_after_s: float | None = None
    waited_s: float = 0.0
    """How long the client waited after this attempt before the next one."""


@dataclass
class ChatResult:
    outcome: Outcome
    """answer: the model answered; blocked: the service refused to serve it (content filter);
    error: no answer after every attempt."""
    answer: str
    reasoning: str
    reasoning_source: ReasoningSource
    empty_think: bool
    """The answer carried a `<think>` block with nothing in it."""
    finish_reason: str | None
    served_model: str | None
    error: str | None
    attempts: list[Attempt]
    exchange_sha256: str
    latency_ms: float
    usage: dict[str, int] = field(default_factory=dict)
    artifacts: list[Artifact] = field(default_factory=list)
    """The blobs this exchange stored: request, responses, the exchange record."""


@dataclass(frozen=True)
class _Parsed:
    outcome: Outcome
    answer: str
    reasoning: str
    reasoning_source: ReasoningSource
    empty_think: bool
    finish_reason: str | None
    served_model: str | None
    usage: dict[str, int]


class _Malformed(Exception):
    pass


def api_key_from_env(name: str | None) -> str | None:
    """The key in environment variable `name`, or None when unset or empty."""
    if not name:
        return None
    value = os.environ.get(name, "").strip()
    return value or None


def split_reasoning(content: str) -> tuple[str, str, bool, bool]:
    """Split `<think>` blocks from an answer: (answer, reasoning, had_tags, empty_block).

    Handles complete blocks, a closing tag whose opening tag was in the chat template,
    and an opening tag never closed (the answer was cut off while reasoning).
    """
    parts: list[str] = []
    had_tags = False

    def keep(match: re.Match[str]) -> str:
        parts.append(match.group(2))
        return ""

    answer, found = _THINK_BLOCK.subn(keep, content)
    had_tags = found > 0
    close = _THINK_CLOSE.search(answer)
    if close:
        parts.insert(0, answer[: close.start()])
        answer = answer[close.end() :]
        had_tags = True
    opening = _THINK_OPEN.search(answer)
    if opening:
        parts.append(answer[opening.end() :])
        answer = answer[: opening.start()]
        had_tags = True
    reasoning = "\n\n".join(p.strip() for p in parts if p.strip())
    return answer.strip(), reasoning, had_tags, had_tags and not reasoning


def parse_retry_after(
    headers: httpx.Headers | dict[str, str], now: float | None = None
) -> float | None:
    """Seconds to wait from `retry-after-ms` or `Retry-After` (seconds or an HTTP date)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    millis = lowered.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _error_message(body: bytes) -> str:
    """The `error.message` of an error body, else its start, on one short line."""
    text = body.decode("utf-8", "replace")
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        err = data.get("error", data.get("message", data.get("detail")))
        if isinstance(err, dict):
            err = err.get("message") or err.get("code") or err
        if err:
            text = str(err)
    text = " ".join(text.split())
    return text[:_MAX_ERROR_CHARS] + ("…" if len(text) > _MAX_ERROR_CHARS else "")


def _text_of(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        # Some servers answer with content parts: [{"type": "text", "text": "..."}].
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    raise _Malformed(f"message content is a {type(content).__name__}")


def parse_chat_response(body: bytes) -> _Parsed:
    """Read one chat-completions body; `_Malformed` when it is not one."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _Malformed(f"malformed JSON ({exc.__class__.__name__}: {str(exc)[:80]})") from None
    if not isinstance(data, dict):
        raise _Malformed("response is not a JSON object")
    if "error" in data and "choices" not in data:
        raise _Malformed(f"error in a 200 response: {_error_message(body)}")
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise _Malformed("response has no choices")
    choice = choices[0]
    message = choice.get("message")
    if not isinstance(message, dict):
        raise _Malformed("first choice has no message")
    finish = choice.get("finish_reason")
    finish_reason = str(finish) if finish is not None else None
    content = _text_of(message.get("content"))
    answer, think, had_tags, empty_think = split_reasoning(content)
    field_reasoning = message.get("reasoning_content") or message.get("reasoning")
    reasoning_parts = []
    source: ReasoningSource = "none"
    if isinstance(field_reasoning, str) and field_reasoning.strip():
        reasoning_parts.append(field_reasoning.strip())
        source = "field"
    if think:
        reasoning_parts.append(think)
        source = "think-tags" if source == "none" else source
    elif had_tags and source == "none":
        source = "think-tags"
    usage_raw = data.get("usage")
    usage = (
        {k: int(v) for k, v in usage_raw.items() if isinstance(v, int) and not isinstance(v, bool)}
        if isinstance(usage_raw, dict)
        else {}
    )
    model = data.get("model")
    blocked = finish_reason in _BLOCK_FINISH
    return _Parsed(
        outcome="blocked" if blocked else "answer",
        answer=answer,
        reasoning="\n\n".join(reasoning_parts),
        reasoning_source=source,
        empty_think=empty_think,
        finish_reason=finish_reason,
        served_model=str(model) if isinstance(model, str) else None,
        usage=usage,
    )


class ChatClient:
    """Async client for one endpoint; use as `async with ChatClient(options, evidence) as c`."""

    def __init__(self, options: ClientOptions, evidence: EvidenceDir) -> None:
        if options.concurrency < 1 or options.max_attempts < 1:
            raise ValueError("concurrency and max_attempts must be at least 1")
        self.options = options
        self.evidence = evidence
        self.url = options.base_url.rstrip("/") + "/chat/completions"
        self._semaphore = asyncio.Semaphore(options.concurrency)
        self._random = random.Random()
        self._http: httpx.AsyncClient | None = None

    async def __aenter__(self) -> ChatClient:
        timeout = httpx.Timeout(self.options.timeout_s, connect=self.options.connect_timeout_s)
        limits = httpx.Limits(
            max_connections=self.options.concurrency,
            max_keepalive_connections=self.options.concurrency,
        )
        # trust_env=False: no proxy from the environment, the endpoint is reached as named.
        self._http = httpx.AsyncClient(timeout=timeout, limits=limits, trust_env=False)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    def _headers(self) -> dict[str, str]:
        headers = {
            "content-type": "application/json",
            "accept": "application/json",
            "user-agent": f"aivet/{__version__}",
        }
        if self.options.api_key:
            headers["authorization"] = f"Bearer {self.options.api_key}"
        return headers

    async def chat(
        self,
        model: str,
        messages: list[dict[str, str]],
        *,
        temperature: float | None = None,
        max_tokens: int | None = None,
        seed: int | None = None,
    ) -> ChatResult:
        """Ask once (retrying as needed); never raises for a failed request except
        `EndpointError`, which means no request to this endpoint can succeed."""
        body: dict[str, Any] = {"model": model, "messages": messages, "stream": False}
        if temperature is not None:
            body["temperature"] = temperature
        if max_tokens is not None:
            body["max_tokens"] = max_tokens
        if seed is not None:
            body["seed"] = seed
        payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        request_blob = self.evidence.put(payload, "application/json", "model-request")
        async with self._semaphore:
            return await self._exchange(payload, request_blob)

    async def _exchange(self, payload: bytes, request_blob: Artifact) -> ChatResult:
        request_sha256 = request_blob.sha256
        blobs: list[Artifact] = [request_blob]
        attempts: list[Attempt] = []
        started = time.perf_counter()
        parsed: _Parsed | None = None
        final_error: str | None = None
        fatal: str | None = None
        for number in range(1, self.options.max_attempts + 1):
            attempt, parsed, retry, fatal = await self._attempt(payload, blobs)
            attempts.append(attempt)
            if parsed is not None or fatal is not None or not retry:
                final_error = attempt.error
                break
            final_error = attempt.error
            if number == self.options.max_attempts:
                break
            wait = self._wait_before_retry(number, attempt.retry_after_s)
            attempt.waited_s = round(wait, 3)
            await asyncio.sleep(wait)
        latency_ms = round((time.perf_counter() - started) * 1000, 1)
        if parsed is not None:
            final_error = None
        outcome: Outcome = parsed.outcome if parsed is not None else "error"
        if parsed is None and final_error and final_error.startswith("blocked"):
            outcome = "blocked"
        record = {
            "url": self.url,
            "method": "POST",
            "request_headers": {
                k: ("Bearer [redacted]" if k == "authorization" else v)
                for k, v in self._headers().items()
            },
            "request_sha256": request_sha256,
            "attempts": [_attempt_json(a) for a in attempts],
            "outcome": outcome,
            "error": final_error if outcome != "answer" else None,
        }
        exchange = self.evidence.put_json(record, "model-exchange")
        blobs.append(exchange)
        if fatal is not None:
            raise EndpointError(fatal)
        if parsed is None:
            return ChatResult(
                outcome=outcome,
                answer="",
                reasoning="",
                reasoning_source="none",
                empty_think=False,
                finish_reason=None,
                served_model=None,
                error=final_error or "no answer",
                attempts=attempts,
                exchange_sha256=exchange.sha256,
                latency_ms=latency_ms,
                artifacts=blobs,
            )
        return ChatResult(
            outcome=parsed.outcome,
            answer=parsed.answer,
            reasoning=parsed.reasoning,
            reasoning_source=parsed.reasoning_source,
            empty_think=parsed.empty_think,
            finish_reason=parsed.finish_reason,
            served_model=parsed.served_model,
            error=None,
            attempts=attempts,
            exchange_sha256=exchange.sha256,
            latency_ms=latency_ms,
            usage=parsed.usage,
            artifacts=blobs,
        )

    def _wait_before_retry(self, failures: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.options.retry_after_max_s)
        ceiling = min(self.options.backoff_max_s, self.options.backoff_s * 2.0 ** (failures - 1))
        # Full jitter on the upper half: clients retrying together drift apart.
        return ceiling * self._random.uniform(0.5, 1.0)

    async def _attempt(
        self, payload: bytes, blobs: list[Artifact]
    ) -> tuple[Attempt, _Parsed | None, bool, str | None]:
        """One try: (record, parsed answer or None, worth retrying, fatal message or None)."""
        assert self._http is not None, "use ChatClient as an async context manager"
        started_at = _now_iso()
        started = time.perf_counter()
        status: int | None = None
        headers: dict[str, str] = {}
        body = b""
        error: str | None = None
        try:
            async with asyncio.timeout(self.options.timeout_s):
                async with self._http.stream(
                    "POST", self.url, content=payload, headers=self._headers()
                ) as response:
                    status = response.status_code
                    headers = {
                        k: v for k, v in response.headers.items() if k.lower() in _KEPT_HEADERS
                    }
                    chunks = []
                    size = 0
                    async for chunk in response.aiter_bytes():
                        size += len(chunk)
                        if size > self.options.max_response_bytes:
                            raise _Malformed(
                                f"response larger than {self.options.max_response_bytes} bytes"
                            )
                        chunks.append(chunk)
                    body = b"".join(chunks)
        except (TimeoutError, httpx.TimeoutException):
            error = f"timed out after {self.options.timeout_s:g} s"
        except httpx.RemoteProtocolError as exc:
            error = f"connection dropped ({_short(exc)})"
        except httpx.TransportError as exc:
            error = f"connection failed ({exc.__class__.__name__}: {_short(exc)})"
        except _Malformed as exc:
            error = str(exc)
        elapsed = round((time.perf_counter() - started) * 1000, 1)
        response_sha = None
        if status is not None and body:
            media = headers.get("content-type", "application/octet-stream").split(";")[0]
            response_blob = self.evidence.put(body, media, "model-response")
            blobs.append(response_blob)
            response_sha = response_blob.sha256
        attempt = Attempt(started_at, elapsed, status, error, response_sha, headers)
        if error is not None:
            return attempt, None, True, None
        assert status is not None
        if status == 200:
            try:
                return attempt, parse_chat_response(body), False, None
            except _Malformed as exc:
                attempt.error = str(exc)
                return attempt, None, True, None
        message = _error_message(body) if body else "(empty body)"
        attempt.retry_after_s = parse_retry_after(headers)
        if status >= 400 and _BLOCK_MARKERS.search(body.decode("utf-8", "replace")):
            attempt.error = f"blocked by the service: HTTP {status}: {message}"
            return attempt, None, False, None
        attempt.error = f"HTTP {status}: {message}"
        if status in RETRY_STATUSES:
            return attempt, None, True, None
        if status in FATAL_STATUSES:
            return attempt, None, False, f"{self.url} answered HTTP {status}: {message}"
        return attempt, None, False, None


def _attempt_json(attempt: Attempt) -> dict[str, Any]:
    return {
        "started_at": attempt.started_at,
        "elapsed_ms": attempt.elapsed_ms,
        "status": attempt.status,
        "error": attempt.error,
        "response_sha256": attempt.response_sha256,
        "headers": attempt.headers,
        "retry_after_s": attempt.retry_after_s,
        "waited_s": attempt.waited_s,
    }


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or exc.__class__.__name__
    return text[:120]
