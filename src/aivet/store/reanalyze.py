"""Re-analysis: today's analyzers and intel applied to evidence stored earlier, without a browser.

The result is a new audit in the store whose manifest lists the same evidence
artifacts and names the audit it was derived from; its audit JSON carries
`derived_from`. The source audit is verified first: evidence that no longer
matches its manifest is not analysed again.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime

from aivet.analyze.web_audit import analyze_web_session
from aivet.evidence import Artifact, EvidenceDir
from aivet.intel.kb import Intel
from aivet.model import Audit
from aivet.report.json_report import audit_to_json
from aivet.store import AuditRecord, Store, StoreError, load_session, seal_info
from aivet.store.manifest import manifest_artifacts
from aivet.store.verify import VerifyResult, verify_audit


def new_audit_id(kind: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{kind}-{stamp}-{secrets.token_hex(3)}"


Analysis = Callable[[str, EvidenceDir], Audit]
"""Given the new audit id and the evidence (the source's artifacts already registered), the
audit of the stored evidence."""


def reanalyze(store: Store, record: AuditRecord, intel: Intel) -> tuple[Audit, AuditRecord]:
    """Analyse the stored session of `record` again; returns the new audit and its store entry."""
    if record.kind not in ("web", "app"):
        raise StoreError(
            f"audit {record.audit_id} is a {record.kind} audit: only web and app audits"
        )
    checked = VerifyResult()
    verify_audit(store, record, checked)
    if checked.problems:
        raise StoreError(
            f"audit {record.audit_id} does not verify, so its evidence is not analysed again: "
            f"{checked.problems[0]}"
        )
    analysis = (
        _app_analysis(store, record, intel)
        if record.kind == "app"
        else (_web_analysis(store, record, intel))
    )
    return _sealed_rerun(store, record, analysis)


def _web_analysis(store: Store, record: AuditRecord, intel: Intel) -> Analysis:
    session = load_session(store, record)
    if session is None:
        raise StoreError(
            f"audit {record.audit_id} was interrupted before its session was recorded: its "
            f"{record.artifact_count} artifacts are kept, but there is no session to analyse"
        )

    def analyse(audit_id: str, evidence: EvidenceDir) -> Audit:
        return analyze_web_session(
            session,
            store.read_blob,
            intel,
            audit_id=audit_id,
            session_sha256=record.session_sha256 or "",
            artifacts=evidence.artifacts(),
        )

    return analyse


def _app_analysis(store: Store, record: AuditRecord, intel: Intel) -> Analysis:
    """The stored app file analysed again: same bytes, today's analyzers and intel."""
    from aivet.app_audit import analyze_stored_app, load_sample

    if not record.session_sha256 or not store.has_blob(record.session_sha256):
        raise StoreError(
            f"audit {record.audit_id} was interrupted before its app file was recorded"
        )
    try:
        sample = load_sample(store.read_blob(record.session_sha256))
    except ValueError as exc:
        raise StoreError(f"audit {record.audit_id}: {exc}") from None
    if not store.has_blob(sample.sha256):
        raise StoreError(
            f"audit {record.audit_id}: its app file blob {sample.sha256[:12]} is missing"
        )

    def analyse(audit_id: str, evidence: EvidenceDir) -> Audit:
        return analyze_stored_app(
            sample, evidence, intel, audit_id=audit_id, session_sha256=record.session_sha256 or ""
        )

    return analyse


def _sealed_rerun(
    store: Store, record: AuditRecord, analyse: Analysis
) -> tuple[Audit, AuditRecord]:
    """A new audit in the store, derived from `record`, listing its evidence and sealed."""
    sources = [a for a in manifest_artifacts(store.manifest(record)) if a.kind != "audit"]
    audit_id = new_audit_id(record.kind)
    run = store.begin(
        audit_id=audit_id,
        kind=record.kind,
        target=record.target,
        configuration=record.configuration,
        derived_from=record.audit_id,
    )
    try:
        evidence = EvidenceDir(store.root, on_put=run.record)
        for item in sources:
            artifact = Artifact(item.sha256, item.size, item.media_type, item.kind)
            run.record(artifact)
            evidence.register_existing(artifact)
        started = time.perf_counter()
        audit = analyse(audit_id, evidence)
        audit.derived_from = record.audit_id
        audit.timings_ms["reanalysis"] = round((time.perf_counter() - started) * 1000, 1)
        data = audit_to_json(audit).encode()
        digest = store.put_blob(data)
        run.record(Artifact(digest, len(data), "application/json", "audit"))
        sealed = run.seal(seal_info(audit, digest))
    except BaseException as exc:
        if run.sealed is None:
            run.abandon(f"re-analysis failed: {type(exc).__name__}: {str(exc)[:200]}")
        raise
    return audit, sealed
