"""One model audit end to end: ask the suite, store the run, analyze, write the reports.

The output directory holds `audit.json`, `report.html`, `evidence/` (every
request, response and exchange record by SHA-256, and the run record) and
`journal.jsonl`, which lets a run cut short continue where it stopped when it
is started again with the same directory.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from aivet.analyze.model_behaviour.analysis import analyze_model_run
from aivet.collect.llm_client import ChatClient, ClientOptions, EndpointError
from aivet.collect.model_run import JOURNAL_FILE, Journal, ModelRun, Progress, collect_model_run
from aivet.evidence import Artifact, EvidenceDir
from aivet.intel.kb import Intel
from aivet.model import Audit
from aivet.model_section import ModelRunSettings
from aivet.pipeline import AuditOutput, new_audit_id
from aivet.report.html import Custody, write_html
from aivet.report.json_report import audit_to_json, write_audit_json
from aivet.serde import to_jsonable
from aivet.suites import Suite

if TYPE_CHECKING:
    from aivet.store import AuditRun, Store

RUN_FILE = "run.json"


class ModelAuditError(Exception):
    """The audit could not run at all (the endpoint refuses or never answers); one line."""


@dataclass(frozen=True)
class ModelAuditPlan:
    client: ClientOptions
    suite: Suite
    models: tuple[str, ...]
    settings: ModelRunSettings
    judge_client: ClientOptions | None = None


def model_configuration(plan: ModelAuditPlan) -> dict[str, Any]:
    """What the store records about how the audit was asked for (never the API key)."""
    return {
        "endpoint": plan.client.base_url,
        "models": list(plan.models),
        "suite": {"name": plan.suite.name, "sha256": plan.suite.sha256},
        "prompts": len(plan.suite.prompts),
        "settings": to_jsonable(plan.settings),
    }


def run_model_audit(
    plan: ModelAuditPlan,
    out_dir: Path,
    *,
    intel: Intel,
    progress: Progress | None = None,
    store: Store | None = None,
) -> AuditOutput:
    """Ask, store, analyze and report. `ModelAuditError` when nothing could be collected;
    an audit with some answers and some failures is written as `partial`.

    With a `store`, the audit is registered there before the first request and every blob
    goes to the store as it arrives (answers resumed from the journal too), then the audit
    is sealed; `out_dir` keeps the reports, the journal and the run record.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    audit_id = new_audit_id("model")
    record_run: AuditRun | None = None
    if store is not None:
        record_run = store.begin(
            audit_id=audit_id,
            kind="model",
            target=plan.client.base_url,
            configuration=model_configuration(plan),
        )
    on_put: Callable[[Artifact], None] | None = record_run.record if record_run else None
    evidence = EvidenceDir(store.root if store else out_dir / "evidence", on_put=on_put)
    try:
        journal = Journal(out_dir / JOURNAL_FILE, evidence)
        if on_put is not None:
            for item in journal.items.values():
                for artifact in item.artifacts:
                    on_put(artifact)
        started = time.perf_counter()
        try:
            run = asyncio.run(_collect(plan, evidence, journal, progress))
        finally:
            journal.close()
        collect_ms = (time.perf_counter() - started) * 1000
        return write_model_audit(
            run,
            evidence,
            out_dir,
            intel=intel,
            collect_ms=collect_ms,
            audit_id=audit_id,
            record_run=record_run,
        )
    except BaseException as exc:
        if record_run is not None and record_run.sealed is None:
            record_run.abandon(f"{type(exc).__name__}: {str(exc)[:200]}".rstrip(": "))
        raise


async def _collect(
    plan: ModelAuditPlan, evidence: EvidenceDir, journal: Journal, progress: Progress | None
) -> ModelRun:
    async with ChatClient(plan.client, evidence) as client:
        judge = ChatClient(plan.judge_client, evidence) if plan.judge_client else None
        try:
            if judge is not None:
                await judge.__aenter__()
            try:
                run = await collect_model_run(
                    client,
                    plan.suite,
                    list(plan.models),
                    plan.settings,
                    journal,
                    judge_client=judge,
                    progress=progress,
                )
            except EndpointError as exc:
                if not journal.items:
                    raise ModelAuditError(str(exc)) from None
                run = _resumed_only(plan, journal, str(exc))
        finally:
            if judge is not None:
                await judge.__aexit__(None, None, None)
    if not any(i.outcome != "error" for i in run.items):
        raise ModelAuditError(
            run.stopped[0] if run.stopped else "the endpoint gave no answer to any prompt"
        )
    return run


def _resumed_only(plan: ModelAuditPlan, journal: Journal, why: str) -> ModelRun:
    """The endpoint now refuses, but an earlier run was journalled: report what it had."""
    from aivet.collect.model_run import item_key, now_iso

    keys = {
        item_key(plan.client.base_url, model, prompt, sample, plan.settings)
        for model in plan.models
        for prompt in plan.suite.prompts
        for sample in range(plan.settings.samples)
    }
    now = now_iso()
    return ModelRun(
        endpoint=plan.client.base_url,
        models=list(plan.models),
        suite_name=plan.suite.name,
        suite_source=plan.suite.source,
        suite_sha256=plan.suite.sha256,
        prompts=list(plan.suite.prompts),
        settings=plan.settings,
        started_at=now,
        ended_at=now,
        items=[i for k, i in journal.items.items() if k in keys],
        stopped=[f"the endpoint refused: {why}"],
    )


def endpoint_host(endpoint: str) -> str:
    return (urlsplit(endpoint).hostname or "").lower()


def write_model_audit(
    run: ModelRun,
    evidence: EvidenceDir,
    out_dir: Path,
    *,
    intel: Intel,
    collect_ms: float | None = None,
    audit_id: str | None = None,
    record_run: AuditRun | None = None,
) -> AuditOutput:
    """Store the run record, analyze it, write audit.json and report.html, and seal the
    audit in the store when it is being recorded there."""
    run_artifact = evidence.put_json(to_jsonable(run), "model-run")
    (out_dir / RUN_FILE).write_bytes(evidence.read(run_artifact.sha256))
    host = endpoint_host(run.endpoint)
    owner = intel.attribute(host) if host else None
    started = time.perf_counter()
    audit: Audit = analyze_model_run(
        run,
        audit_id=audit_id or new_audit_id("model"),
        run_sha256=run_artifact.sha256,
        artifacts=evidence.artifacts(),
        intel=intel.info(),
        endpoint_owner=owner if owner is not None and owner.entity_name else None,
    )
    if collect_ms is not None:
        audit.timings_ms["collect"] = round(collect_ms, 1)
    audit.timings_ms["analysis"] = round((time.perf_counter() - started) * 1000, 1)
    json_path = out_dir / "audit.json"
    html_path = out_dir / "report.html"
    write_audit_json(audit, json_path)
    record = None
    if record_run is not None:
        from aivet.store import SealInfo

        stored = evidence.put(audit_to_json(audit).encode(), "application/json", "audit")
        severities = [f.severity for f in audit.findings]
        record = record_run.seal(
            SealInfo(
                status=audit.status,
                status_reasons=list(audit.status_reasons),
                ended_at=audit.ended_at,
                audit_sha256=stored.sha256,
                intel=to_jsonable(audit.intel),
                findings=len(audit.findings),
                critical=severities.count("critical"),
                high=severities.count("high"),
            )
        )
    write_html(audit, evidence, html_path, custody=Custody.of(record) if record else None)
    return AuditOutput(audit, out_dir, json_path, html_path, record)
