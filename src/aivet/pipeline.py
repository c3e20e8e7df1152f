"""One web audit end to end: collect in the browser, store, analyze, write the reports."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from aivet.analyze.web_audit import analyze_web_session
from aivet.collect.browser import BrowserHost, LaunchConfig
from aivet.collect.web import WebCollectOptions, collect_web_session
from aivet.evidence import EvidenceDir
from aivet.intel.kb import Intel
from aivet.model import Audit
from aivet.report.html import write_html
from aivet.report.json_report import write_audit_json
from aivet.serde import to_jsonable

SESSION_FILE = "session.json"


@dataclass(frozen=True)
class AuditOutput:
    audit: Audit
    directory: Path
    json_path: Path
    html_path: Path


def new_audit_id(kind: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{kind}-{stamp}-{secrets.token_hex(3)}"


def run_web_audit(
    options: WebCollectOptions, out_dir: Path, *, intel: Intel, host: BrowserHost
) -> AuditOutput:
    out_dir.mkdir(parents=True, exist_ok=True)
    evidence = EvidenceDir(out_dir / "evidence")

    started = time.perf_counter()
    config = LaunchConfig(resolve=options.resolve)
    launched = host.run(lambda: host.browser(config))
    browser_ms = (time.perf_counter() - started) * 1000

    session = host.run(lambda: collect_web_session(launched, options, evidence))
    session_json = to_jsonable(session)
    session_artifact = evidence.put_json(session_json, "web-session")
    (out_dir / SESSION_FILE).write_bytes(evidence.read(session_artifact.sha256))

    started = time.perf_counter()
    audit = analyze_web_session(
        session,
        evidence.read,
        intel,
        audit_id=new_audit_id("web"),
        session_sha256=session_artifact.sha256,
        artifacts=evidence.artifacts(),
    )
    audit.timings_ms["browser_start"] = round(browser_ms, 1)
    audit.timings_ms["analysis"] = round((time.perf_counter() - started) * 1000, 1)

    json_path = out_dir / "audit.json"
    html_path = out_dir / "report.html"
    write_audit_json(audit, json_path)
    write_html(audit, evidence, html_path)
    return AuditOutput(audit, out_dir, json_path, html_path)
