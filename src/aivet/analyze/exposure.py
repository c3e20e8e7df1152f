"""Turn a stored exposure session into an audit: services, owners, findings.

Pure: each probe's recorded bytes are read back from the evidence and handed to its
check's `interpret`, the same function the collector's protocol logic is built on,
so a session analysed again (or by a newer aivet) gives its answer from the bytes,
not from anything the collector concluded. Finding rules are `exposure.*`, listed
with their `data` keys in docs/exposure.md.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from aivet import __version__
from aivet.analyze.findings import finding_id, sort_findings
from aivet.collect.exposure.checks import REGISTRY
from aivet.collect.exposure.checks.base import Step, preview
from aivet.evidence import Artifact
from aivet.exposure_session import (
    ExposureReport,
    ExposureSession,
    ExposureTarget,
    HostOwner,
    ProbeRecord,
    ServiceFacts,
    ServiceResult,
)
from aivet.intel.kb import Intel
from aivet.intel.owners import owner_of
from aivet.model import SCHEMA_VERSION, Audit, EvidenceRef, Finding, Severity, ToolInfo

ReadBlob = Callable[[str], bytes]

RULES: dict[str, tuple[Severity, str]] = {
    "exposure.unauthenticated-data-store": ("critical", "data store readable without credentials"),
    "exposure.unauthenticated-control-api": ("critical", "control API open without credentials"),
    "exposure.unauthenticated-dashboard": ("high", "dashboard or metrics open without credentials"),
    "exposure.exposed-env-file": ("critical", ".env file served"),
    "exposure.exposed-git": ("high", ".git directory served"),
    "exposure.exposed-backup": ("high", "backup or dump file served"),
    "exposure.directory-listing": ("medium", "directory listing"),
    "exposure.service-reachable": ("low", "service reachable, credentials required"),
    "exposure.open-port-unidentified": ("info", "open port, service not identified"),
}
"""Rule id → (severity, short name). Ids are stable: the verdict reads them."""

_OPEN_RULE = {
    "data-store": "exposure.unauthenticated-data-store",
    "control-api": "exposure.unauthenticated-control-api",
    "dashboard": "exposure.unauthenticated-dashboard",
}
_PATH_RULE = {
    "env": "exposure.exposed-env-file",
    "git": "exposure.exposed-git",
    "backup": "exposure.exposed-backup",
    "listing": "exposure.directory-listing",
}
_LESSER: dict[str, Severity] = {"memcached": "high"}
"""Services whose open state is graver or lighter than their category's default."""


def steps_of(record: ProbeRecord, read_blob: ReadBlob) -> list[Step]:
    """The recorded exchanges with their bytes (a missing blob reads as empty)."""

    def read(digest: str | None) -> bytes:
        if not digest:
            return b""
        try:
            return read_blob(digest)
        except (OSError, ValueError):
            return b""

    return [
        Step(
            e.step, read(e.sent_sha256), read(e.received_sha256), e.error, e.truncated, e.connection
        )
        for e in record.exchanges
    ]


def interpret_probe(record: ProbeRecord, read_blob: ReadBlob) -> ServiceFacts:
    check = REGISTRY.get(record.check)
    if check is None:
        return ServiceFacts(identified=False, how=f"unknown check {record.check!r}")
    return check.interpret(steps_of(record, read_blob))


def _banner(steps: Sequence[Step]) -> str | None:
    for step in steps:
        if not step.sent and step.received:
            return preview(step.received, 200)
    return None


def _error(record: ProbeRecord, facts: ServiceFacts) -> str | None:
    if facts.identified:
        return None
    if record.error:
        return record.error
    errors = [e.error for e in record.exchanges if e.error and not e.received_size]
    if errors:
        return errors[0]
    if any(e.truncated for e in record.exchanges):
        return "reply exceeded the read cap without being recognised"
    return None


def build_services(session: ExposureSession, read_blob: ReadBlob) -> list[ServiceResult]:
    services = []
    for record in session.probes:
        if record.check == "tcp":
            continue
        steps = steps_of(record, read_blob)
        check = REGISTRY.get(record.check)
        facts = (
            check.interpret(steps)
            if check is not None
            else ServiceFacts(identified=False, how=f"unknown check {record.check!r}")
        )
        services.append(
            ServiceResult(
                host=record.host,
                address=record.address,
                port=record.port,
                check=record.check,
                transport=record.transport,
                facts=facts,
                probe_ids=[record.id],
                banner=_banner(steps),
                tls=record.tls,
                error=_error(record, facts),
            )
        )
    return services


def _evidence(session: ExposureSession, probe_ids: Sequence[str]) -> list[EvidenceRef]:
    refs = []
    by_id = {r.id: r for r in session.probes if r.check != "tcp"}
    for pid in probe_ids:
        record = by_id.get(pid)
        if record is None:
            continue
        for exchange in record.exchanges:
            if exchange.received_sha256:
                refs.append(EvidenceRef("probe", exchange.received_sha256,
                                        f"{pid}: {exchange.step}"[:300]))  # fmt: skip
    return refs


def _owner_data(owner: HostOwner | None) -> dict[str, object] | None:
    if owner is None:
        return None
    return {
        "entity_id": owner.entity_id,
        "entity_name": owner.entity_name,
        "country": owner.country,
        "state_owned": owner.state_owned,
        "watchlists": list(owner.watchlists),
    }


def _where(service: ServiceResult) -> str:
    if service.host != service.address:
        return f"{service.host}:{service.port} ({service.address})"
    return f"{service.host}:{service.port}"


def _base_data(service: ServiceResult, owner: HostOwner | None) -> dict[str, object]:
    facts = service.facts
    return {
        "host": service.host,
        "address": service.address,
        "port": service.port,
        "transport": service.transport,
        "check": service.check,
        "service": facts.service,
        "product": facts.product,
        "version": facts.version,
        "access": facts.access,
        "category": facts.category,
        "databases": [
            {"name": d.name, "count": d.count, "unit": d.unit} for d in facts.databases[:200]
        ],
        "details": dict(facts.details),
        "owner": _owner_data(owner),
        "probe_ids": list(service.probe_ids),
    }


def _exposed_summary(facts: ServiceFacts) -> str:
    if not facts.databases:
        return ""
    shown = []
    for d in facts.databases[:8]:
        shown.append(f"{d.name} ({d.count} {d.unit})" if d.count is not None else d.name)
    more = len(facts.databases) - len(shown)
    return "; exposes " + ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def service_findings(
    session: ExposureSession, services: list[ServiceResult], owners: dict[str, HostOwner | None]
) -> list[Finding]:
    findings: list[Finding] = []
    identified_ports = {(s.address, s.port) for s in services if s.facts.identified}
    unidentified_done: set[tuple[str, int]] = set()
    for service in services:
        facts = service.facts
        owner = owners.get(service.host)
        where = _where(service)
        label = facts.product or facts.service or service.check
        version = f" {facts.version}" if facts.version else ""
        evidence = _evidence(session, service.probe_ids)
        data = _base_data(service, owner)
        key = (service.address, str(service.port), service.host, service.check)
        if facts.identified and facts.access == "open" and facts.category in _OPEN_RULE:
            rule = _OPEN_RULE[facts.category]
            severity = _LESSER.get(facts.service or "", RULES[rule][0])
            findings.append(
                Finding(
                    id=finding_id(rule, *key),
                    rule=rule,
                    category="exposure",
                    severity=severity,
                    confidence="high",
                    basis="observed",
                    title=f"{label}{version} at {where} answers without credentials",
                    explanation=f"{facts.how}{_exposed_summary(facts)}.",
                    evidence=evidence,
                    data=data,
                )
            )
        elif facts.identified and facts.category == "web":
            for path in facts.paths:
                rule = _PATH_RULE[path.kind]
                path_data = {
                    **data,
                    "path": path.path,
                    "status": path.status,
                    "detail": path.detail,
                    "names": list(path.names),
                }
                findings.append(
                    Finding(
                        id=finding_id(rule, *key, path.path),
                        rule=rule,
                        category="exposure",
                        severity=RULES[rule][0],
                        confidence="high",
                        basis="observed",
                        title=f"{where} serves {path.path} ({path.detail})",
                        explanation=_path_explanation(path.kind, path.detail, path.names),
                        evidence=evidence,
                        data=path_data,
                    )
                )
        elif facts.identified and facts.access in ("auth-required", "restricted"):
            rule = "exposure.service-reachable"
            findings.append(
                Finding(
                    id=finding_id(rule, *key),
                    rule=rule,
                    category="exposure",
                    severity="low" if facts.access == "auth-required" else "info",
                    confidence="high",
                    basis="observed",
                    title=f"{label}{version} at {where} is reachable but requires credentials"
                    if facts.access == "auth-required"
                    else f"{label}{version} at {where} is reachable but refused the client",
                    explanation=f"{facts.how}. A database or admin port that answers the network "
                    "at all is attack surface; it should not face the internet.",
                    evidence=evidence,
                    data=data,
                )
            )
        elif not facts.identified and (service.address, service.port) not in identified_ports:
            spot = (service.address, service.port)
            if spot in unidentified_done:
                continue
            unidentified_done.add(spot)
            rule = "exposure.open-port-unidentified"
            findings.append(
                Finding(
                    id=finding_id(rule, service.address, str(service.port), service.host),
                    rule=rule,
                    category="exposure",
                    severity="info",
                    confidence="high",
                    basis="observed",
                    title=f"{where} is open; no check recognised the service",
                    explanation=(facts.how or "no reply was recognised")
                    + (f" ({service.error})" if service.error else "")
                    + ".",
                    evidence=evidence,
                    data=data,
                )
            )
    return findings


def _path_explanation(kind: str, detail: str, names: Sequence[str]) -> str:
    if kind == "env":
        return (
            f"The server hands out its environment file: {detail}. Variable names: "
            + ", ".join(names[:20])
            + ". Values are in the stored evidence only, never in this report."
        )
    if kind == "git":
        return (
            f"The git repository is downloadable ({detail}): source code, history and any "
            "committed secrets. " + "; ".join(names[:5])
        )
    if kind == "backup":
        return f"A backup is downloadable ({detail}); only its first KiB was asked for."
    return f"The server lists a directory ({detail}): " + ", ".join(names[:20])


def analyze_exposure_session(
    session: ExposureSession,
    read_blob: ReadBlob,
    intel: Intel,
    *,
    audit_id: str,
    session_sha256: str,
    artifacts: list[Artifact],
) -> Audit:
    owners: dict[str, HostOwner | None] = {}
    for target in session.targets:
        if target.host not in owners:
            owners[target.host] = owner_of(target.host, intel)
    services = build_services(session, read_blob)
    findings = sort_findings(service_findings(session, services, owners))
    tcp = Counter(r.reachability for r in session.probes if r.check == "tcp")
    report = ExposureReport(
        authorized=session.authorized,
        allow_private=session.allow_private,
        limits=session.limits,
        targets=[
            ExposureTarget(t.given, t.host, t.address, t.refused, owners.get(t.host))
            for t in session.targets
        ],
        ports=list(session.ports),
        probed=sum(n for state, n in tcp.items() if state != "not-probed"),
        open=tcp["open"],
        closed=tcp["closed"],
        filtered=tcp["filtered"] + tcp["error"],
        not_probed=tcp["not-probed"],
        services=services,
    )
    given = list(dict.fromkeys(t.given for t in session.targets))
    return Audit(
        schema_version=SCHEMA_VERSION,
        audit_id=audit_id,
        kind="exposure",
        target=", ".join(given)[:500],
        started_at=session.started_at,
        ended_at=session.ended_at,
        status=session.status,
        status_reasons=list(session.status_reasons),
        tool=ToolInfo(name="aivet", version=__version__),
        intel=intel.info(),
        findings=findings,
        session_sha256=session_sha256,
        artifacts=artifacts,
        timings_ms=dict(session.timings_ms),
        exposure=report,
    )
