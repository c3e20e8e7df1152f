"""One web audit end to end: collect in the browser, store, analyze, write the reports."""

from __future__ import annotations

import dataclasses
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from aivet.analyze.web_audit import analyze_web_session
from aivet.collect.browser import BrowserHost, LaunchConfig
from aivet.collect.web import WebCollectOptions, collect_web_session
from aivet.evidence import Artifact, EvidenceDir
from aivet.intel.kb import Intel
from aivet.model import Audit
from aivet.report.html import Custody, write_html
from aivet.report.json_report import audit_to_json, write_audit_json
from aivet.serde import to_jsonable

if TYPE_CHECKING:
    from aivet.store import AuditRecord, AuditRun, Store

SESSION_FILE = "session.json"


class ProgressSink(Protocol):
    """Told what an audit is doing while it runs (the terminal's progress display)."""

    def phase(self, name: str) -> None: ...

    def artifact(self, artifact: Artifact) -> None: ...


@dataclass(frozen=True)
class AuditOutput:
    audit: Audit
    directory: Path
    json_path: Path
    html_path: Path
    record: AuditRecord | None = None
    """The audit's entry in the store, when it was written to one."""


def new_audit_id(kind: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{kind}-{stamp}-{secrets.token_hex(3)}"


def web_configuration(options: WebCollectOptions) -> dict[str, Any]:
    """The collection options as the store's manifest records them."""
    return {
        f.name: to_jsonable(getattr(options, f.name))
        for f in dataclasses.fields(options)
        if f.name != "after_load"
    }


def run_web_audit(
    options: WebCollectOptions,
    out_dir: Path,
    *,
    intel: Intel,
    host: BrowserHost,
    store: Store | None = None,
    progress: ProgressSink | None = None,
) -> AuditOutput:
    """Collect, analyze and report; with a `store`, the evidence goes there as it is collected.

    In a store, the audit is registered before the browser starts and every blob
    is journalled as it lands, so an audit killed midway is found there later,
    sealed as partial; one that raises is sealed as partial at once.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    audit_id = new_audit_id("web")
    run: AuditRun | None = None
    if store is not None:
        run = store.begin(
            audit_id=audit_id,
            kind="web",
            target=options.url,
            configuration=web_configuration(options),
        )
    try:
        return _web_audit(options, out_dir, intel, host, audit_id, store, run, progress)
    except BaseException as exc:
        if run is not None and run.sealed is None:
            run.abandon(f"interrupted: {type(exc).__name__}: {str(exc)[:200]}".rstrip(": "))
        raise


def _web_audit(
    options: WebCollectOptions,
    out_dir: Path,
    intel: Intel,
    host: BrowserHost,
    audit_id: str,
    store: Store | None,
    run: AuditRun | None,
    progress: ProgressSink | None,
) -> AuditOutput:
    def on_put(artifact: Artifact) -> None:
        if run is not None:
            run.record(artifact)
        if progress is not None:
            progress.artifact(artifact)

    evidence = EvidenceDir(store.root if store else out_dir / "evidence", on_put=on_put)

    if progress is not None:
        progress.phase("starting the browser")
    started = time.perf_counter()
    config = LaunchConfig(resolve=options.resolve)
    launched = host.run(lambda: host.browser(config))
    browser_ms = (time.perf_counter() - started) * 1000

    if progress is not None:
        progress.phase(f"collecting {options.url}")
    session = host.run(lambda: collect_web_session(launched, options, evidence))
    session_json = to_jsonable(session)
    session_artifact = evidence.put_json(session_json, "web-session")
    (out_dir / SESSION_FILE).write_bytes(evidence.read(session_artifact.sha256))

    if progress is not None:
        progress.phase("analyzing")
    started = time.perf_counter()
    audit = analyze_web_session(
        session,
        evidence.read,
        intel,
        audit_id=audit_id,
        session_sha256=session_artifact.sha256,
        artifacts=evidence.artifacts(),
    )
    audit.timings_ms["browser_start"] = round(browser_ms, 1)
    audit.timings_ms["analysis"] = round((time.perf_counter() - started) * 1000, 1)

    if progress is not None:
        progress.phase("writing the reports")
    json_path = out_dir / "audit.json"
    html_path = out_dir / "report.html"
    write_audit_json(audit, json_path)
    record = None
    if run is not None:
        from aivet.store import seal_info

        stored = evidence.put(audit_to_json(audit).encode(), "application/json", "audit")
        record = run.seal(seal_info(audit, stored.sha256))
    write_html(audit, evidence, html_path, custody=Custody.of(record) if record else None)
    return AuditOutput(audit, out_dir, json_path, html_path, record)
