"""The OpenAI-compatible client against a real local server that misbehaves on purpose."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from aivet.collect.llm_client import (
    ChatClient,
    ChatResult,
    ClientOptions,
    EndpointError,
    parse_chat_response,
    parse_retry_after,
    split_reasoning,
)
from aivet.evidence import EvidenceDir
from tests.support.openai_replay import Fault, OpenAIReplayServer, Reply

FAST = {"timeout_s": 2.0, "backoff_s": 0.02, "backoff_max_s": 0.1, "max_attempts": 4}


@pytest.fixture()
def server() -> Iterator[OpenAIReplayServer]:
    with OpenAIReplayServer(default=Reply("Four students were killed.")) as srv:
        yield srv


def ask(
    server: OpenAIReplayServer, evidence_dir: Path, prompt: str = "q", **options: object
) -> ChatResult:
    async def go() -> ChatResult:
        opts = ClientOptions(server.base_url, **{**FAST, **options})  # type: ignore[arg-type]
        async with ChatClient(opts, EvidenceDir(evidence_dir)) as client:
            return await client.chat("m", [{"role": "user", "content": prompt}], max_tokens=50)

    return asyncio.run(go())


def exchange(evidence_dir: Path, result: ChatResult) -> dict[str, object]:
    data: dict[str, object] = json.loads(EvidenceDir(evidence_dir).read(result.exchange_sha256))
    return data


# --- pure parts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "answer", "reasoning", "empty"),
    [
        ("<think>\nweighing it\n</think>\n\nThe answer.", "The answer.", "weighing it", False),
        (
            "<think>\n\n</think>\n\nSorry, that's beyond my scope.",
            "Sorry, that's beyond my scope.",
            "",
            True,
        ),
        (
            "the template opened it</think>The answer.",
            "The answer.",
            "the template opened it",
            False,
        ),
        ("<think>cut off while reasoning", "", "cut off while reasoning", False),
        ("<THINKING>a</THINKING>b<think>c</think>d", "bd", "a\n\nc", False),
        ("No tags at all.", "No tags at all.", "", False),
    ],
)
def test_split_reasoning(content: str, answer: str, reasoning: str, empty: bool) -> None:
    got = split_reasoning(content)
    assert (got[0], got[1], got[3]) == (answer, reasoning, empty)


def test_reasoning_field_is_kept_apart_and_content_parts_are_joined() -> None:
    body = {
        "model": "deepseek-reasoner",
        "choices": [
            {
                "message": {
                    "content": [
                        {"type": "text", "text": "Taiwan "},
                        {"type": "text", "text": "is."},
                    ],
                    "reasoning_content": "Let me think.",
                },
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 3, "completion_tokens": 5},
    }
    parsed = parse_chat_response(json.dumps(body).encode())
    assert (parsed.answer, parsed.reasoning, parsed.reasoning_source) == (
        "Taiwan is.",
        "Let me think.",
        "field",
    )
    assert parsed.usage == {"prompt_tokens": 3, "completion_tokens": 5}
    assert parsed.served_model == "deepseek-reasoner"
    filtered = {"choices": [{"message": {"content": ""}, "finish_reason": "content_filter"}]}
    assert parse_chat_response(json.dumps(filtered).encode()).outcome == "blocked"


def test_retry_after_forms() -> None:
    assert parse_retry_after({"Retry-After": "3"}) == 3.0
    assert parse_retry_after({"retry-after-ms": "250", "Retry-After": "9"}) == 0.25
    assert (
        parse_retry_after({"Retry-After": "Wed, 21 Oct 2015 07:28:10 GMT"}, now=1445412485.0) == 5.0
    )
    assert parse_retry_after({"Retry-After": "soon"}) is None
    assert parse_retry_after({}) is None


# --- against the server --------------------------------------------------------------------


def test_answer_and_evidence_with_the_key_redacted(
    server: OpenAIReplayServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = ask(server, tmp_path, api_key="sk-secret-123")
    assert result.outcome == "answer" and result.answer == "Four students were killed."
    assert server.received[0].authorization == "Bearer sk-secret-123"
    assert server.received[0].body["max_tokens"] == 50
    record = exchange(tmp_path, result)
    assert record["request_headers"]["authorization"] == "Bearer [redacted]"  # type: ignore[index]
    kinds = sorted(a.kind for a in result.artifacts)
    assert kinds == ["model-exchange", "model-request", "model-response"]
    for blob in (tmp_path / "blobs").iterdir():
        assert b"sk-secret-123" not in blob.read_bytes()


@pytest.mark.parametrize(
    "fault",
    [
        Fault("drop"),
        Fault("malformed"),
        Fault("error-200"),
        Fault("500"),
        Fault("503"),
        Fault("429", retry_after_ms="50"),
    ],
)
def test_transient_failures_are_retried(
    server: OpenAIReplayServer, tmp_path: Path, fault: Fault
) -> None:
    server.faults = [fault, fault]
    result = ask(server, tmp_path)
    assert result.outcome == "answer"
    assert len(result.attempts) == 3 and len(server.received) == 3
    assert all(a.error for a in result.attempts[:2])
    record = exchange(tmp_path, result)
    assert len(record["attempts"]) == 3  # type: ignore[arg-type]


def test_timeout_is_retried(server: OpenAIReplayServer, tmp_path: Path) -> None:
    server.hang_s = 5
    server.faults = [Fault("hang")]
    started = time.monotonic()
    result = ask(server, tmp_path, timeout_s=0.4)
    assert result.outcome == "answer"
    assert result.attempts[0].error == "timed out after 0.4 s"
    assert time.monotonic() - started < 3


def test_retry_after_seconds_is_honoured(server: OpenAIReplayServer, tmp_path: Path) -> None:
    server.faults = [Fault("429", retry_after="1")]
    result = ask(server, tmp_path)
    assert result.outcome == "answer"
    first, second = server.received
    assert second.at - first.at >= 0.95
    assert result.attempts[0].retry_after_s == 1.0 and result.attempts[0].waited_s == 1.0
    assert result.attempts[0].headers.get("retry-after") == "1"


def test_retry_after_is_capped(server: OpenAIReplayServer, tmp_path: Path) -> None:
    server.faults = [Fault("429", retry_after="3600")]
    result = ask(server, tmp_path, retry_after_max_s=0.1)
    assert result.outcome == "answer" and result.attempts[0].waited_s == 0.1


def test_gives_up_after_max_attempts(server: OpenAIReplayServer, tmp_path: Path) -> None:
    server.faults = [Fault("500")] * 10
    result = ask(server, tmp_path, max_attempts=3)
    assert result.outcome == "error" and result.answer == ""
    assert result.error == "HTTP 500: internal error"
    assert len(server.received) == 3


def test_content_filter_is_a_block_not_retried(server: OpenAIReplayServer, tmp_path: Path) -> None:
    server.faults = [Fault("blocked")]
    result = ask(server, tmp_path)
    assert result.outcome == "blocked" and len(server.received) == 1
    assert "Content Exists Risk" in (result.error or "")


@pytest.mark.parametrize("kind", ["401", "404"])
def test_refusing_endpoint_is_fatal(server: OpenAIReplayServer, tmp_path: Path, kind: str) -> None:
    server.faults = [Fault(kind)]  # type: ignore[arg-type]
    with pytest.raises(EndpointError, match=f"HTTP {kind}"):
        ask(server, tmp_path)
    assert len(server.received) == 1


def test_unreachable_endpoint_fails_after_retries(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a loopback port with nothing listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    closed = OpenAIReplayServer()
    closed.port = port
    result = ask(closed, tmp_path, max_attempts=2)
    assert result.outcome == "error" and "connection failed" in (result.error or "")


def test_concurrency_limit(server: OpenAIReplayServer, tmp_path: Path) -> None:
    server.delay_s = 0.1

    async def go() -> list[ChatResult]:
        opts = ClientOptions(server.base_url, concurrency=2, **FAST)  # type: ignore[arg-type]
        async with ChatClient(opts, EvidenceDir(tmp_path)) as client:
            return await asyncio.gather(
                *(client.chat("m", [{"role": "user", "content": str(i)}]) for i in range(6))
            )

    results = asyncio.run(go())
    assert all(r.outcome == "answer" for r in results)
    assert server.max_in_flight == 2
