"""Findings, destinations and the audit record: what analyzers produce and reports render.

The JSON form of `Audit` is the stable contract, described by
`schema/audit.schema.json`; bump `SCHEMA_VERSION` on any incompatible change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from aivet.app_record import AppReport
from aivet.attribution import Attribution as Attribution
from aivet.attribution import WatchlistHit as WatchlistHit
from aivet.behaviour_record import BehaviourSummary
from aivet.evidence import Artifact
from aivet.exposure_session import ExposureReport
from aivet.model_section import ModelAuditReport
from aivet.policy_model import PolicyReport
from aivet.script_record import ScriptAnalysis
from aivet.web_session import Canary, ResolveRule, Vantage

SCHEMA_VERSION = "1.0"

Severity = Literal["critical", "high", "medium", "low", "info"]
Confidence = Literal["high", "medium", "low"]
Basis = Literal["observed", "capable"]
Party = Literal["first", "third", "unknown"]
AuditKind = Literal["web", "js", "app", "policy", "model", "exposure"]

CANARY_LEAK_RULES = frozenset({"web.keystroke-capture", "web.canary-leak"})
"""Rules whose findings say that a typed canary left the page."""

SEVERITY_ORDER: dict[str, int] = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}


@dataclass(frozen=True)
class EvidenceRef:
    """A pointer into the collected evidence: a request, frame, script, cookie or storage write."""

    kind: Literal[
        "request", "websocket-frame", "script", "cookie", "storage", "screenshot", "probe",
        "document", "app-entry",
    ]
    ref: str
    """Request id, blob SHA-256, cookie name@domain or storage origin/key; for a probe,
    the SHA-256 of the reply blob; for a document (a privacy policy), the SHA-256 of its
    extracted text, with the quoted characters in `detail`; for an app-entry, the path of the
    entry inside the stored app file, with the place inside it in `detail`."""
    detail: str = ""


@dataclass
class Finding:
    id: str
    rule: str
    category: str
    severity: Severity
    confidence: Confidence
    basis: Basis
    title: str
    explanation: str
    evidence: list[EvidenceRef] = field(default_factory=list)
    data: dict[str, object] = field(default_factory=dict)


@dataclass
class Destination:
    """Everything the session sent to one host name."""

    attribution: Attribution
    party: Party
    requests: int = 0
    bytes_sent: int = 0
    methods: list[str] = field(default_factory=list)
    resource_types: list[str] = field(default_factory=list)
    remote_addresses: list[str] = field(default_factory=list)
    websocket_frames_sent: int = 0
    canaries: list[str] = field(default_factory=list)
    """Field kinds of the canaries that reached this host."""
    sets_cookies: bool = False


@dataclass
class FirstParty:
    host: str
    registrable_domain: str
    entity_id: str | None
    entity_name: str | None


@dataclass
class ToolInfo:
    name: str
    version: str


@dataclass
class IntelInfo:
    snapshot_sha256: str
    entities: int
    watchlists: int


@dataclass
class Summary:
    requests: int
    destinations: int
    third_party_destinations: int
    entities: int
    countries: list[str]
    watchlisted_receivers: list[str]
    canary_leaks: int
    findings_by_severity: dict[str, int]


@dataclass
class Audit:
    """One audit of any kind. The header fields are common; the browser-session fields
    (vantage, first_party, summary, destinations, canaries…) are filled by web audits, and
    each other kind adds its own optional section at the end."""

    schema_version: str
    audit_id: str
    kind: AuditKind
    target: str
    started_at: str
    ended_at: str
    status: Literal["complete", "partial"]
    tool: ToolInfo
    intel: IntelInfo
    vantage: Vantage | None = None
    first_party: FirstParty | None = None
    summary: Summary | None = None
    status_reasons: list[str] = field(default_factory=list)
    resolve: list[ResolveRule] = field(default_factory=list)
    destinations: list[Destination] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    session_sha256: str = ""
    """The stored `WebSession` JSON that every finding here was derived from."""
    screenshot_sha256: str | None = None
    artifacts: list[Artifact] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    canaries: list[Canary] = field(default_factory=list)
    """What was typed: with none, the absence of leaks says nothing."""
    derived_from: str | None = None
    """For a re-analysis: the audit whose stored evidence was analysed again (`aivet reanalyze`)."""
    exposure: ExposureReport | None = None
    """For an exposure audit: scope, limits, and every probed service (`docs/exposure.md`)."""
    model: ModelAuditReport | None = None
    """For a model audit: the suite, every answer with its label, rates against controls
    (`docs/model-audit.md`)."""
    behaviour: BehaviourSummary = field(default_factory=BehaviourSummary)
    """For a web audit: what the page's scripts were seen doing (`docs/behaviour.md`);
    `instrumented` is false when nothing watched them."""
    policy: PolicyReport | None = None
    """For a privacy-policy audit: what the policy says, each statement quoted
    (`docs/policy.md`)."""
    analyses: list[str] = field(default_factory=list)
    """Which analyses ran on this audit's evidence (web, canaries, behaviour, js, …), so that a
    verdict can tell "nothing found" from "not looked at"."""
    scripts: list[ScriptAnalysis] = field(default_factory=list)
    """For a web or js audit: every script analysed statically, what its code can do and reach,
    decoded where it was obfuscated (`docs/js-analysis.md`)."""
    app: AppReport | None = None
    """For an app audit: what the APK or IPA carries, where its code sends data and how it
    protects it, each item with its place in the app (`docs/app-audit.md`)."""
