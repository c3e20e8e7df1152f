"""Ask a model every prompt of a suite, journalled so that an interrupted run resumes.

The record of a run (`ModelRun`) is the contract between this collector and
the analyzers in `analyze/model_behaviour/`: plain dataclasses that round-trip
through JSON. Each answered request is appended to `journal.jsonl` in the
output directory as soon as it arrives (flushed and synced), naming the blobs
it stored; a later run with the same output directory reuses every journalled
answer whose blobs are still there and asks only the rest. Failed requests are
not journalled, so they are asked again on resume.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aivet.analyze.model_behaviour.judge import judge_messages, parse_judge_label
from aivet.collect.llm_client import ChatClient, ChatResult, Outcome
from aivet.evidence import Artifact, EvidenceDir
from aivet.model_section import ModelRunSettings as RunSettings
from aivet.serde import from_jsonable, to_jsonable
from aivet.suites import Suite, SuitePrompt

JOURNAL_FILE = "journal.jsonl"
MAX_CONSECUTIVE_FAILURES = 8


@dataclass
class RunItem:
    """One prompt asked of one model (one sample), as answered."""

    key: str
    prompt_id: str
    model: str
    sample: int
    outcome: Outcome
    answer: str
    reasoning: str
    reasoning_source: str
    empty_think: bool
    finish_reason: str | None
    served_model: str | None
    error: str | None
    attempts: int
    latency_ms: float
    exchange_sha256: str
    usage: dict[str, int] = field(default_factory=dict)
    artifacts: list[Artifact] = field(default_factory=list)
    resumed: bool = False
    """Taken from the journal of an earlier, interrupted run."""


@dataclass
class JudgeItem:
    """The judge model's label for one answer."""

    key: str
    item_key: str
    judge_model: str
    outcome: Outcome
    label: str | None
    reply: str
    error: str | None
    exchange_sha256: str
    artifacts: list[Artifact] = field(default_factory=list)


@dataclass
class ModelRun:
    endpoint: str
    models: list[str]
    suite_name: str
    suite_source: str
    suite_sha256: str
    prompts: list[SuitePrompt]
    settings: RunSettings
    started_at: str
    ended_at: str
    items: list[RunItem] = field(default_factory=list)
    judgements: list[JudgeItem] = field(default_factory=list)
    stopped: list[str] = field(default_factory=list)
    """Why the run did not ask everything it planned (empty when it did)."""


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def item_key(endpoint: str, model: str, prompt: SuitePrompt, sample: int, s: RunSettings) -> str:
    """Same question, same model, same settings: same key, so a resumed run reuses it."""
    parts = [
        endpoint.rstrip("/"),
        model,
        prompt.id,
        prompt.prompt,
        str(sample),
        repr(s.temperature),
        repr(s.max_tokens),
        repr(s.seed),
        s.system_prompt or "",
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def judge_key(item: RunItem, judge_model: str, judge_endpoint: str) -> str:
    parts = ["judge", judge_endpoint.rstrip("/"), judge_model, item.key, item.answer]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


class Journal:
    """Append-only JSON lines: every answer (and judgement) as soon as it arrives."""

    def __init__(self, path: Path, evidence: EvidenceDir) -> None:
        self.path = path
        self.evidence = evidence
        self.items: dict[str, RunItem] = {}
        self.judgements: dict[str, JudgeItem] = {}
        if path.exists():
            self._load()
        self._file = path.open("a", encoding="utf-8")

    def _load(self) -> None:
        with self.path.open(encoding="utf-8", errors="replace") as handle:
            for line in handle:
                try:
                    data = json.loads(line)
                    kind = data.pop("type")
                    if kind == "answer":
                        item = from_jsonable(RunItem, data)
                        if self._blobs_present(item.artifacts):
                            item.resumed = True
                            self.items[item.key] = item
                    elif kind == "judge":
                        judgement = from_jsonable(JudgeItem, data)
                        if self._blobs_present(judgement.artifacts):
                            self.judgements[judgement.key] = judgement
                except (ValueError, KeyError, TypeError, AttributeError):
                    # A line torn by a kill mid-write, or not ours: that answer is asked again.
                    continue
        if self.path.stat().st_size and not self.path.read_bytes().endswith(b"\n"):
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write("\n")

    def _blobs_present(self, artifacts: list[Artifact]) -> bool:
        if not artifacts:
            return False
        for artifact in artifacts:
            try:
                if not self.evidence.path_of(artifact.sha256).is_file():
                    return False
            except ValueError:
                return False
        for artifact in artifacts:
            self.evidence.register_existing(artifact)
        return True

    def _append(self, kind: str, record: Any) -> None:
        data = {"type": kind, **to_jsonable(record)}
        data.pop("resumed", None)
        self._file.write(json.dumps(data, ensure_ascii=False) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def add_item(self, item: RunItem) -> None:
        self.items[item.key] = item
        self._append("answer", item)

    def add_judgement(self, judgement: JudgeItem) -> None:
        self.judgements[judgement.key] = judgement
        self._append("judge", judgement)

    def close(self) -> None:
        self._file.close()


@dataclass(frozen=True)
class _Work:
    key: str
    model: str
    prompt: SuitePrompt
    sample: int


Progress = Callable[[str, int, int], None]
"""Told (phase, done, total) as answers arrive; phase is `ask` or `judge`."""


def _messages(prompt: str, system_prompt: str | None) -> list[dict[str, str]]:
    messages = [{"role": "system", "content": system_prompt}] if system_prompt else []
    messages.append({"role": "user", "content": prompt})
    return messages


def _item(work: _Work, result: ChatResult) -> RunItem:
    return RunItem(
        key=work.key,
        prompt_id=work.prompt.id,
        model=work.model,
        sample=work.sample,
        outcome=result.outcome,
        answer=result.answer,
        reasoning=result.reasoning,
        reasoning_source=result.reasoning_source,
        empty_think=result.empty_think,
        finish_reason=result.finish_reason,
        served_model=result.served_model,
        error=result.error,
        attempts=len(result.attempts),
        latency_ms=result.latency_ms,
        exchange_sha256=result.exchange_sha256,
        usage=result.usage,
        artifacts=list(result.artifacts),
    )


async def _run_pool(
    pending: list[Any],
    ask: Callable[[Any], Any],
    concurrency: int,
    stopped: list[str],
    on_done: Callable[[], None],
    what: str,
) -> None:
    """Ask `pending` with `concurrency` workers, the first one alone as a probe; stop after
    too many failures in a row (the endpoint is down: asking on would only repeat the error)."""
    queue: list[Any] = list(pending)
    failures = 0
    last_error = ""

    async def one(work: Any) -> None:
        nonlocal failures, last_error
        ok, error = await ask(work)
        on_done()
        if ok:
            failures = 0
        else:
            failures += 1
            last_error = error

    async def worker() -> None:
        while queue and failures < MAX_CONSECUTIVE_FAILURES:
            await one(queue.pop(0))

    if not queue:
        return
    await one(queue.pop(0))
    if failures and queue:
        # The probe failed after all its retries: the endpoint is not answering.
        stopped.append(f"{what}: the endpoint did not answer the first request: {last_error}")
        return
    await asyncio.gather(*(worker() for _ in range(max(1, concurrency))))
    if failures >= MAX_CONSECUTIVE_FAILURES and queue:
        stopped.append(
            f"{what}: stopped after {failures} failed requests in a row; last: {last_error}"
        )


async def collect_model_run(
    client: ChatClient,
    suite: Suite,
    models: list[str],
    settings: RunSettings,
    journal: Journal,
    *,
    judge_client: ChatClient | None = None,
    progress: Progress | None = None,
) -> ModelRun:
    """Ask every prompt of `suite` of every model (`settings.samples` times), then, when a
    judge model is named, have it label every answer. `EndpointError` propagates."""
    started = now_iso()
    endpoint = client.options.base_url
    run = ModelRun(
        endpoint=endpoint,
        models=list(models),
        suite_name=suite.name,
        suite_source=suite.source,
        suite_sha256=suite.sha256,
        prompts=list(suite.prompts),
        settings=settings,
        started_at=started,
        ended_at=started,
    )
    work = [
        _Work(item_key(endpoint, model, prompt, sample, settings), model, prompt, sample)
        for model in models
        for prompt in suite.prompts
        for sample in range(settings.samples)
    ]
    done_items: dict[str, RunItem] = {}
    failed: dict[str, RunItem] = {}
    total = len(work)
    pending = []
    for w in work:
        known = journal.items.get(w.key)
        if known is not None:
            done_items[w.key] = known
        else:
            pending.append(w)
    count = len(done_items)
    if progress is not None:
        progress("ask", count, total)

    def done() -> None:
        nonlocal count
        count += 1
        if progress is not None:
            progress("ask", count, total)

    async def ask(w: _Work) -> tuple[bool, str]:
        result = await client.chat(
            w.model,
            _messages(w.prompt.prompt, settings.system_prompt),
            temperature=settings.temperature,
            max_tokens=settings.max_tokens,
            seed=settings.seed,
        )
        item = _item(w, result)
        if result.outcome == "error":
            failed[w.key] = item
            return False, result.error or "no answer"
        journal.add_item(item)
        done_items[w.key] = item
        return True, ""

    try:
        await _run_pool(pending, ask, settings.concurrency, run.stopped, done, "asking")
    finally:
        run.items = [
            done_items.get(w.key) or failed[w.key]
            for w in work
            if w.key in done_items or w.key in failed
        ]
        run.ended_at = now_iso()
    unasked = total - len(run.items)
    if unasked and not run.stopped:
        run.stopped.append(f"{unasked} of {total} prompts were not asked")
    if judge_client is not None and settings.judge_model:
        await _judge(run, judge_client, settings.judge_model, journal, progress)
        run.ended_at = now_iso()
    return run


async def _judge(
    run: ModelRun,
    client: ChatClient,
    judge_model: str,
    journal: Journal,
    progress: Progress | None,
) -> None:
    prompts = {p.id: p for p in run.prompts}
    endpoint = client.options.base_url
    targets = [i for i in run.items if i.outcome == "answer" and i.answer.strip()]
    judged: dict[str, JudgeItem] = {}
    pending: list[tuple[str, RunItem]] = []
    for item in targets:
        key = judge_key(item, judge_model, endpoint)
        known = journal.judgements.get(key)
        if known is not None:
            judged[key] = known
        else:
            pending.append((key, item))
    total = len(targets)
    count = len(judged)
    if progress is not None:
        progress("judge", count, total)

    async def ask(work: tuple[str, RunItem]) -> tuple[bool, str]:
        key, item = work
        result = await client.chat(
            judge_model,
            judge_messages(prompts[item.prompt_id].prompt, item.answer),
            temperature=0.0,
            max_tokens=run.settings.max_tokens,
        )
        judgement = JudgeItem(
            key=key,
            item_key=item.key,
            judge_model=judge_model,
            outcome=result.outcome,
            label=parse_judge_label(result.answer) if result.outcome == "answer" else None,
            reply=result.answer[:2000],
            error=result.error,
            exchange_sha256=result.exchange_sha256,
            artifacts=list(result.artifacts),
        )
        if result.outcome == "error":
            return False, result.error or "no answer"
        journal.add_judgement(judgement)
        judged[key] = judgement
        return True, ""

    def done() -> None:
        nonlocal count
        count += 1
        if progress is not None:
            progress("judge", count, total)

    try:
        await _run_pool(pending, ask, run.settings.concurrency, run.stopped, done, "judging")
    finally:
        run.judgements = list(judged.values())
