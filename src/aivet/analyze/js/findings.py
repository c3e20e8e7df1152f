"""Findings from script analyses, and the join of what scripts can do with what a session saw.

Rules (each id is `js.*`, deterministic: the rule plus the script digest plus
the host or capability):

- `js.obfuscated-script`: a script scored as obfuscated, with the signals.
- `js.hidden-endpoint`: a host recovered only by decoding (no session to compare with).
- `js.latent-flow`: with a session, a host a script can send to that no request
  of the session went to: the "could send it for some users" case (basis capable).
- `js.hidden-endpoint-contacted`: with a session, a decoded host that requests did
  go to: the requests are linked to the hidden code that names it (basis observed).
- `js.capability`: a fingerprinting, input-capture, clipboard or anti-debugging
  capability (storage and cookie use only for obfuscated scripts).

Confidence follows how the host was found: handed to a network API (high),
decoded from hidden code but only seen as a string (medium), a plain string
in ordinary code (low); documentation-like URLs (licences, docs, XML
namespaces) in ordinary code give no finding at all.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from aivet.analyze.findings import finding_id
from aivet.intel.domains import host_of, registrable_domain
from aivet.intel.kb import Intel
from aivet.model import Attribution, Confidence, EvidenceRef, Finding, Severity
from aivet.script_record import Endpoint, ScriptAnalysis
from aivet.serde import to_jsonable
from aivet.web_session import NetworkRequest, WebSession

CAPABILITY_CATEGORY = {
    "canvas-fingerprinting": "fingerprinting",
    "webgl-fingerprinting": "fingerprinting",
    "audio-fingerprinting": "fingerprinting",
    "font-probing": "fingerprinting",
    "webrtc": "fingerprinting",
    "navigator-enumeration": "fingerprinting",
    "device-identity": "fingerprinting",
    "key-listener": "input-capture",
    "input-listener": "input-capture",
    "clipboard": "input-capture",
    "anti-debugging": "anti-analysis",
    "storage": "storage",
    "cookie": "storage",
}
_QUIET_CAPABILITIES = frozenset({"storage", "cookie"})
_MAX_REQUEST_REFS = 20


@dataclass
class _HostGroup:
    """Everything one script says about one host."""

    host: str
    endpoints: list[Endpoint] = field(default_factory=list)

    @property
    def attribution(self) -> Attribution:
        return self.endpoints[0].attribution

    @property
    def decoded(self) -> bool:
        return any(e.decoded for e in self.endpoints)

    @property
    def in_sink(self) -> bool:
        return any(e.sink != "string-only" and not e.reference_like for e in self.endpoints)

    @property
    def reference_like(self) -> bool:
        return all(e.reference_like for e in self.endpoints)


def script_findings(
    analyses: list[ScriptAnalysis], session: WebSession | None, intel: Intel
) -> list[Finding]:
    """Findings for obfuscated scripts, hidden endpoints, capabilities and (with a session)
    latent flows and hidden endpoints that were contacted."""
    del intel  # attribution was done by analyze_script with the same intel
    findings: list[Finding] = []
    requests_by_host: dict[str, list[NetworkRequest]] = defaultdict(list)
    first_party = ""
    if session is not None:
        for request in session.requests:
            host = host_of(request.url)
            if host:
                requests_by_host[host].append(request)
        first_party = registrable_domain(host_of(session.final_url or session.target_url))
    seen: set[str] = set()
    for analysis in sorted(analyses, key=lambda a: (a.url or "", a.sha256)):
        if analysis.sha256 in seen:
            continue  # the same bytes loaded twice say the same things
        seen.add(analysis.sha256)
        script_ref = EvidenceRef("script", analysis.sha256, analysis.url or "inline script")
        if analysis.obfuscated:
            findings.append(_obfuscated(analysis, script_ref))
        for group in _host_groups(analysis):
            if session is None:
                if group.decoded and not group.reference_like:
                    findings.append(_hidden_endpoint(analysis, group))
                continue
            contacted = _contacted(group.host, requests_by_host)
            if contacted:
                if group.decoded and not group.reference_like:
                    findings.append(_contacted_finding(analysis, group, contacted))
                continue
            latent = _latent_flow(analysis, group, first_party)
            if latent is not None:
                findings.append(latent)
        findings.extend(_capabilities(analysis))
    return findings


def _script_name(analysis: ScriptAnalysis) -> str:
    if analysis.url:
        return analysis.url
    return f"inline script {analysis.sha256[:12]}"


def _receiver(attribution: Attribution) -> str:
    if attribution.entity_name is None:
        return f"{attribution.host} (owner unknown)"
    country = attribution.country or "country unknown"
    return f"{attribution.host} ({attribution.entity_name}, {country})"


def _listed(attribution: Attribution) -> list[str]:
    return sorted({hit.list_name for hit in attribution.watchlists})


def _host_groups(analysis: ScriptAnalysis) -> list[_HostGroup]:
    groups: dict[str, _HostGroup] = {}
    for endpoint in analysis.endpoints:
        groups.setdefault(endpoint.host, _HostGroup(endpoint.host)).endpoints.append(endpoint)
    return sorted(groups.values(), key=lambda g: g.host)


def _contacted(
    host: str, requests_by_host: dict[str, list[NetworkRequest]]
) -> list[NetworkRequest]:
    if host.startswith("*."):
        suffix = host[1:]
        return [r for h, rs in requests_by_host.items() if h.endswith(suffix) for r in rs]
    return list(requests_by_host.get(host, ()))


def _endpoint_data(group: _HostGroup) -> dict[str, object]:
    return {
        "host": group.host,
        "registrable_domain": group.endpoints[0].registrable_domain,
        "urls": sorted({e.url for e in group.endpoints}),
        "sinks": sorted({e.sink for e in group.endpoints}),
        "decoded": group.decoded,
        "methods": sorted({e.method for e in group.endpoints}),
        "locations": [
            {"line": e.location.line, "column": e.location.column, "sink": e.sink, "url": e.url}
            for e in group.endpoints[:10]
        ],
        "attribution": to_jsonable(group.attribution),
    }


def _how(group: _HostGroup) -> str:
    sinks = sorted({e.sink for e in group.endpoints if e.sink != "string-only"})
    where = f"handed to {', '.join(sinks)}" if sinks else "present only as a string"
    if group.decoded:
        methods = sorted({e.method for e in group.endpoints if e.decoded})
        return f"recovered by decoding ({', '.join(methods)}), {where}"
    return where


def _location_detail(analysis: ScriptAnalysis, endpoint: Endpoint) -> str:
    via = f" (in code run by {endpoint.location.via})" if endpoint.location.via else ""
    where = f"line {endpoint.location.line} column {endpoint.location.column}"
    return f"{_script_name(analysis)} {where}{via}"


def _obfuscated(analysis: ScriptAnalysis, script_ref: EvidenceRef) -> Finding:
    hidden = [e for e in analysis.endpoints if e.decoded and not e.reference_like]
    severity: Severity = "medium" if hidden or analysis.capabilities else "low"
    confidence: Confidence = "high" if analysis.obfuscation_score >= 0.8 else "medium"
    signals = ", ".join(s.name for s in analysis.obfuscation_signals[:6])
    explanation = (
        f"The script's code is obfuscated (score {analysis.obfuscation_score:.2f}: {signals}). "
        f"aivet decoded {analysis.decoded_total} hidden string(s)"
    )
    if analysis.decoders:
        names = ", ".join(
            f"{d.name} ({d.method}, {d.decoded} strings)" for d in analysis.decoders[:4]
        )
        explanation += f" by running its decoder(s) {names} in a sandbox"
    explanation += "."
    if hidden:
        hosts = sorted({e.host for e in hidden})
        explanation += f" Hidden hosts: {', '.join(hosts[:8])}."
    if not analysis.complete:
        explanation += f" Analysis {analysis.status}."
    return Finding(
        id=finding_id("js.obfuscated-script", analysis.sha256),
        rule="js.obfuscated-script",
        category="hidden-code",
        severity=severity,
        confidence=confidence,
        basis="observed",
        title=f"Obfuscated script: {_script_name(analysis)}",
        explanation=explanation,
        evidence=[script_ref],
        data={
            "score": analysis.obfuscation_score,
            "signals": to_jsonable(list(analysis.obfuscation_signals)),
            "decoders": to_jsonable(list(analysis.decoders)),
            "decoded_total": analysis.decoded_total,
            "status": analysis.status,
        },
    )


def _hidden_endpoint(analysis: ScriptAnalysis, group: _HostGroup) -> Finding:
    listed = _listed(group.attribution)
    severity: Severity = "high" if listed else "medium"
    confidence: Confidence = "high" if group.in_sink else "medium"
    explanation = (
        f"{_script_name(analysis)} names {group.host}, {_how(group)}. "
        f"The name does not appear in the script's text: it is hidden from a reader."
    )
    if listed:
        explanation += f" The receiver's owner is on: {', '.join(listed)}."
    first = group.endpoints[0]
    return Finding(
        id=finding_id("js.hidden-endpoint", analysis.sha256, group.host),
        rule="js.hidden-endpoint",
        category="hidden-code",
        severity=severity,
        confidence=confidence,
        basis="capable",
        title=f"Hidden endpoint {_receiver(group.attribution)} in {_script_name(analysis)}",
        explanation=explanation,
        evidence=[EvidenceRef("script", analysis.sha256, _location_detail(analysis, first))],
        data=_endpoint_data(group),
    )


def _latent_flow(analysis: ScriptAnalysis, group: _HostGroup, first_party: str) -> Finding | None:
    if group.reference_like and not group.decoded:
        return None  # documentation, licences, XML namespaces of ordinary libraries
    listed = _listed(group.attribution)
    first_party_host = bool(first_party) and group.endpoints[0].registrable_domain == first_party
    confidence: Confidence
    if group.in_sink:
        confidence = "high"
    elif group.decoded and not group.reference_like:
        confidence = "medium"
    else:
        confidence = "low"
    severity: Severity
    if listed:
        severity = "high"
    elif first_party_host or confidence == "low":
        severity = "info"
    elif group.decoded:
        severity = "medium"
    else:
        severity = "low"
    first = group.endpoints[0]
    explanation = (
        f"{_script_name(analysis)} can send to {_receiver(group.attribution)}: the host is "
        f"{_how(group)}. No request of this session went to {group.host}, so this is a "
        f"capability of the code, not an observed flow: it may run for other users, login "
        f"methods or settings."
    )
    if listed:
        explanation += f" The receiver's owner is on: {', '.join(listed)}."
    if confidence == "low":
        explanation += " Only a plain string in ordinary code names it: it may be a mere mention."
    return Finding(
        id=finding_id("js.latent-flow", analysis.sha256, group.host),
        rule="js.latent-flow",
        category="data-flow",
        severity=severity,
        confidence=confidence,
        basis="capable",
        title=f"Latent flow: {_script_name(analysis)} can send to {_receiver(group.attribution)}",
        explanation=explanation,
        evidence=[EvidenceRef("script", analysis.sha256, _location_detail(analysis, first))],
        data=_endpoint_data(group),
    )


def _contacted_finding(
    analysis: ScriptAnalysis, group: _HostGroup, requests: list[NetworkRequest]
) -> Finding:
    listed = _listed(group.attribution)
    severity: Severity = "high" if listed else "medium"
    initiated = [
        r for r in requests if r.initiator is not None and analysis.url
        and r.initiator.script_url() == analysis.url
    ]  # fmt: skip
    first = group.endpoints[0]
    explanation = (
        f"Requests of this session went to {_receiver(group.attribution)} ({len(requests)} "
        f"request(s)), and {_script_name(analysis)} names that host only in hidden form: "
        f"{_how(group)}."
    )
    if initiated:
        explanation += f" The browser attributes {len(initiated)} of them to this script."
    if listed:
        explanation += f" The receiver's owner is on: {', '.join(listed)}."
    ordered = sorted(requests, key=lambda r: (r not in initiated, r.started_ms, r.id))
    evidence = [EvidenceRef("script", analysis.sha256, _location_detail(analysis, first))]
    evidence += [
        EvidenceRef("request", r.id, f"{r.method} {r.url}") for r in ordered[:_MAX_REQUEST_REFS]
    ]
    data = _endpoint_data(group)
    data["requests"] = [r.id for r in ordered]
    data["initiated_by_script"] = [r.id for r in initiated]
    return Finding(
        id=finding_id("js.hidden-endpoint-contacted", analysis.sha256, group.host),
        rule="js.hidden-endpoint-contacted",
        category="data-flow",
        severity=severity,
        confidence="high",
        basis="observed",
        title=f"Hidden code sends to {_receiver(group.attribution)}: {_script_name(analysis)}",
        explanation=explanation,
        evidence=evidence,
        data=data,
    )


def _capability_title(name: str) -> str:
    return name.replace("-", " ").capitalize()


def _capabilities(analysis: ScriptAnalysis) -> list[Finding]:
    out = []
    interesting = analysis.obfuscated or any(e.decoded for e in analysis.endpoints)
    for capability in analysis.capabilities:
        if capability.name in _QUIET_CAPABILITIES and not interesting:
            continue
        category = CAPABILITY_CATEGORY.get(capability.name, "capability")
        severity: Severity
        if category in ("fingerprinting", "input-capture"):
            severity = "medium"
        elif category == "anti-analysis":
            severity = "medium" if analysis.obfuscated else "low"
        else:
            severity = "info"
        hidden = [h for h in capability.hits if h.decoded]
        indicators = ", ".join(sorted({h.indicator for h in capability.hits}))
        explanation = f"{_script_name(analysis)} {capability.description} ({indicators})."
        if hidden:
            explanation += f" {len(hidden)} of these API names were hidden and had to be decoded."
        first = capability.hits[0].location
        out.append(
            Finding(
                id=finding_id("js.capability", analysis.sha256, capability.name),
                rule="js.capability",
                category=category,
                severity=severity,
                confidence=capability.confidence,
                basis="capable",
                title=f"{_capability_title(capability.name)} in {_script_name(analysis)}",
                explanation=explanation,
                evidence=[
                    EvidenceRef(
                        "script",
                        analysis.sha256,
                        f"{_script_name(analysis)} line {first.line} column {first.column}",
                    )
                ],
                data={
                    "capability": capability.name,
                    "hits": to_jsonable(list(capability.hits)),
                },
            )
        )
    return out
