"""One privacy-policy audit end to end: get the document, store it, analyse it, write reports.

Mirrors `pipeline.run_web_audit`: `audit.json`, `report.html` and `evidence/`
in the output directory. The raw document, the rendered page (for a URL) and
the extracted text are evidence blobs; every quote points into the text blob.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from aivet import __version__
from aivet.analyze.policy.analyze import analyze_policy_document
from aivet.analyze.policy.semantic import MAX_SENTENCES, Embedder
from aivet.collect.browser import BrowserHost, LaunchConfig
from aivet.collect.policy_fetch import FetchedPolicy, fetch_policy_page, read_policy_file
from aivet.evidence import EvidenceDir
from aivet.intel.kb import Intel
from aivet.model import SCHEMA_VERSION, Audit, ToolInfo
from aivet.pipeline import AuditOutput, new_audit_id
from aivet.policy_model import PolicySource
from aivet.report.html import write_html
from aivet.report.json_report import write_audit_json
from aivet.web_session import ResolveRule


@dataclass(frozen=True)
class PolicyAuditOptions:
    target: str
    """A URL (fetched with the browser) or a file path."""
    is_url: bool
    resolve: tuple[ResolveRule, ...] = ()
    timeout_s: float = 30.0
    semantic: bool = True
    max_semantic: int = MAX_SENTENCES


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _find_entity(intel: Intel) -> Callable[[str], str | None]:
    def find(name: str) -> str | None:
        found = intel.find(name)
        return found[0].id if len(found) == 1 else None

    return find


def collect_policy(options: PolicyAuditOptions, host: BrowserHost | None) -> FetchedPolicy:
    """The document's bytes: read from disk, or fetched in Chromium (host required)."""
    if not options.is_url:
        return read_policy_file(Path(options.target))
    if host is None:
        raise ValueError("a URL needs a browser host")
    config = LaunchConfig(resolve=options.resolve)
    launched = host.run(lambda: host.browser(config))
    return host.run(
        lambda: fetch_policy_page(launched, options.target, timeout_s=options.timeout_s),
        timeout=options.timeout_s * 3 + 30,
    )


def run_policy_audit(
    options: PolicyAuditOptions,
    out_dir: Path,
    *,
    intel: Intel,
    host: BrowserHost | None = None,
    embedder: Embedder | None = None,
) -> AuditOutput:
    """Collect, store, analyse and report one policy; PolicyFileError for an unreadable file."""
    started_at = _now()
    started = time.perf_counter()
    fetched = collect_policy(options, host)
    collect_ms = (time.perf_counter() - started) * 1000

    out_dir.mkdir(parents=True, exist_ok=True)
    evidence = EvidenceDir(out_dir / "evidence")
    source = PolicySource(
        location=options.target,
        fetched_with="browser" if options.is_url else "file",
        media_type=fetched.media_type or "",
        http_status=fetched.http_status,
        final_url=fetched.final_url,
    )
    if fetched.data is not None:
        stored = evidence.put(
            fetched.data, fetched.media_type or "application/octet-stream", "policy-document"
        )
        source.document_sha256 = stored.sha256
    document = fetched.data or b""
    if fetched.rendered is not None:
        rendered = evidence.put(fetched.rendered.encode("utf-8"), "text/html", "policy-rendered")
        source.rendered_sha256 = rendered.sha256
        # Scripts may write the policy: the rendered DOM is what a reader sees.
        document = fetched.rendered.encode("utf-8")
        source.media_type = "text/html"

    started = time.perf_counter()
    analysis = analyze_policy_document(
        document,
        source,
        charset="utf-8" if fetched.rendered is not None else fetched.charset,
        semantic=options.semantic,
        embedder=embedder,
        find_entity=_find_entity(intel),
        max_semantic=options.max_semantic,
    )
    analysis_ms = (time.perf_counter() - started) * 1000
    evidence.put(analysis.text, "text/plain; charset=utf-8", "policy-text")

    reasons = list(dict.fromkeys([*fetched.problems, *analysis.status_reasons]))
    audit = Audit(
        schema_version=SCHEMA_VERSION,
        audit_id=new_audit_id("policy"),
        kind="policy",
        target=options.target,
        started_at=started_at,
        ended_at=_now(),
        status="partial" if reasons else "complete",
        status_reasons=reasons,
        tool=ToolInfo(name="aivet", version=__version__),
        intel=intel.info(),
        resolve=list(options.resolve),
        findings=analysis.findings,
        artifacts=evidence.artifacts(),
        timings_ms={"collect": round(collect_ms, 1), "analysis": round(analysis_ms, 1)},
        policy=analysis.report,
    )
    json_path = out_dir / "audit.json"
    html_path = out_dir / "report.html"
    write_audit_json(audit, json_path)
    write_html(audit, evidence, html_path)
    return AuditOutput(audit, out_dir, json_path, html_path)
