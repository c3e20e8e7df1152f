"""One app audit end to end: take in the file, store it, analyze, write the reports, seal.

With a store, the audit is registered first and the app file itself goes to the
store's blobs (streamed), so the evidence behind every finding can be checked, and
analysed again with `aivet reanalyze`, long after the file on disk has changed.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING

from aivet.analyze.app.audit import analyze_app
from aivet.app_record import AppLimits, AppSample
from aivet.collect.app import ingest_app
from aivet.evidence import EvidenceDir
from aivet.intel.kb import Intel
from aivet.model import Audit
from aivet.pipeline import AuditOutput, new_audit_id
from aivet.report.html import Custody, write_html
from aivet.report.json_report import audit_to_json, write_audit_json
from aivet.serde import from_jsonable, to_jsonable

if TYPE_CHECKING:
    from aivet.store import AuditRecord, AuditRun, Store

SAMPLE_KIND = "app-sample"


def run_app_audit(
    path: Path,
    out_dir: Path,
    *,
    intel: Intel,
    limits: AppLimits | None = None,
    store: Store | None = None,
) -> AuditOutput:
    """Audit the APK or IPA at `path`; `AppFileError`/`AppAnalysisError` for a bad file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    audit_id = new_audit_id("app")
    limits = limits or AppLimits()
    run: AuditRun | None = None
    if store is not None:
        run = store.begin(
            audit_id=audit_id,
            kind="app",
            target=path.name,
            configuration={"file": path.name, "limits": to_jsonable(limits)},
        )
    try:
        evidence = EvidenceDir(
            store.root if store else out_dir / "evidence",
            on_put=run.record if run is not None else None,
        )
        started = time.perf_counter()
        sample = ingest_app(path, evidence, limits)
        ingest_ms = (time.perf_counter() - started) * 1000
        sample_artifact = evidence.put_json(to_jsonable(sample), SAMPLE_KIND)
        audit = analyze_stored_app(
            sample, evidence, intel, audit_id=audit_id, session_sha256=sample_artifact.sha256
        )
        audit.timings_ms["ingest"] = round(ingest_ms, 1)
        json_path, html_path = out_dir / "audit.json", out_dir / "report.html"
        write_audit_json(audit, json_path)
        record: AuditRecord | None = None
        if run is not None:
            from aivet.store import seal_info

            stored = evidence.put(audit_to_json(audit).encode(), "application/json", "audit")
            record = run.seal(seal_info(audit, stored.sha256))
        write_html(audit, evidence, html_path, custody=Custody.of(record) if record else None)
        return AuditOutput(audit, out_dir, json_path, html_path, record)
    except BaseException as exc:
        if run is not None and run.sealed is None:
            run.abandon(f"{type(exc).__name__}: {str(exc)[:200]}".rstrip(": "))
        raise


def analyze_stored_app(
    sample: AppSample,
    evidence: EvidenceDir,
    intel: Intel,
    *,
    audit_id: str,
    session_sha256: str,
) -> Audit:
    """Analyse the app blob a sample names and store the documents the analysis decoded."""
    analysis = analyze_app(
        sample,
        evidence.path_of(sample.sha256),
        intel,
        audit_id=audit_id,
        session_sha256=session_sha256,
        artifacts=[],
    )
    for document in analysis.derived:
        evidence.put(document.data, document.media_type, document.kind)
    analysis.audit.artifacts = evidence.artifacts()
    return analysis.audit


def load_sample(data: bytes) -> AppSample:
    """The stored `app-sample` record; ValueError in one line when it is unreadable."""
    try:
        return from_jsonable(AppSample, json.loads(data))
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ValueError(f"unreadable app sample record ({exc})") from None
