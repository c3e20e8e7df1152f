"""Small hand-made audits for the verdict tests, so that rules can be tested without a browser.

The demo audit and the clean page are audited for real in tests/test_verdict_real.py; these
builders cover the cases a real page cannot easily produce (a partial audit, a latent flow,
an audit that declares behaviour instrumentation).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aivet.model import (
    SCHEMA_VERSION,
    Attribution,
    Audit,
    Destination,
    EvidenceRef,
    Finding,
    FirstParty,
    IntelInfo,
    Summary,
    ToolInfo,
    WatchlistHit,
)
from aivet.report.json_report import write_audit_json
from aivet.verdict.evaluate import LoadedAudit
from aivet.web_session import Canary, Vantage

FCC = WatchlistHit(
    list_id="fcc-covered-list",
    list_name="FCC Covered List",
    authority="FCC",
    listed_entity="China Mobile International USA Inc.",
    via="China Mobile",
    since="2022-03-25",
    source_url="https://docs.fcc.gov/public/attachments/DA-22-320A1.txt",
)


def dest(
    host: str,
    *,
    entity_id: str | None = None,
    entity_name: str | None = None,
    country: str | None = None,
    party: str = "third",
    watchlists: tuple[WatchlistHit, ...] = (),
    state_owned: bool | None = None,
    canaries: tuple[str, ...] = (),
) -> Destination:
    domain = ".".join(host.split(".")[-2:])
    return Destination(
        attribution=Attribution(
            host=host,
            registrable_domain=domain,
            entity_id=entity_id,
            entity_name=entity_name,
            country=country,
            state_owned=state_owned,
            ownership_chain=[entity_name] if entity_name else [],
            watchlists=list(watchlists),
        ),
        party=party,  # type: ignore[arg-type]
        requests=1,
        canaries=list(canaries),
    )


def finding(
    rule: str,
    *,
    category: str = "data-flow",
    severity: str = "high",
    basis: str = "observed",
    confidence: str = "high",
    data: dict[str, Any] | None = None,
    fid: str | None = None,
) -> Finding:
    return Finding(
        id=fid or f"{rule}:{abs(hash((rule, str(data)))) % 10**12:012d}",
        rule=rule,
        category=category,
        severity=severity,  # type: ignore[arg-type]
        confidence=confidence,  # type: ignore[arg-type]
        basis=basis,  # type: ignore[arg-type]
        title=f"{rule} finding",
        explanation="made by tests/support/verdict_audits.py",
        evidence=[EvidenceRef("request", "r1", "GET /")],
        data=data or {},
    )


def make_audit(
    *,
    destinations: list[Destination] | None = None,
    findings: list[Finding] | None = None,
    typed: bool = True,
    status: str = "complete",
    target: str = "https://chat.example.com/",
    ended_at: str = "2026-11-20T10:00:00+00:00",
    audit_id: str = "web-20261120T100000Z-test01",
) -> Audit:
    host = target.split("/")[2]
    destinations = (
        destinations
        if destinations is not None
        else [
            dest(host, entity_id="example", entity_name="Example AI", country="NL", party="first")
        ]
    )
    return Audit(
        schema_version=SCHEMA_VERSION,
        audit_id=audit_id,
        kind="web",
        target=target,
        started_at=ended_at,
        ended_at=ended_at,
        status=status,  # type: ignore[arg-type]
        tool=ToolInfo("aivet", "test"),
        intel=IntelInfo("0" * 64, 1, 1),
        vantage=Vantage("chromium", "1", "ua", "en-US", "UTC", "1280x800", False, True),
        first_party=FirstParty(host, ".".join(host.split(".")[-2:]), "example", "Example AI"),
        summary=Summary(1, len(destinations), 0, 1, [], [], 0, {}),
        status_reasons=["time limit reached"] if status == "partial" else [],
        destinations=destinations,
        findings=findings or [],
        canaries=[Canary("email", "canary@example.com", "input", target, 1.0)] if typed else [],
    )


def loaded(audit: Audit, **raw: Any) -> LoadedAudit:
    """As if read from disk; `raw` adds top-level JSON fields (e.g. analyses=[...])."""
    return LoadedAudit(audit=audit, path=Path(f"/audits/{audit.audit_id}/audit.json"), raw=raw)


def write(audit: Audit, directory: Path) -> Path:
    """Write the audit as audit.json in `directory` (created) and return the directory."""
    directory.mkdir(parents=True, exist_ok=True)
    write_audit_json(audit, directory / "audit.json")
    return directory
