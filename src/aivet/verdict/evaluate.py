"""Apply a policy to one vendor's audits: each rule passes, fails or is not evaluated; one verdict.

Pure: audits, policy, intel and the date in, a `Verdict` out. The verdict is
deny if a blocking rule fails, review if a rule that asks for a person fails or a
rule could not be evaluated (the audits lack its evidence, or a receiver's owner
is unknown), and allow otherwise.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from aivet.model import SEVERITY_ORDER, Attribution, Audit, Destination, Finding
from aivet.verdict.policy import (
    EVIDENCE_KINDS,
    Policy,
    PolicyException,
    ReceiverMatch,
    Rule,
    needs_for_rule_pattern,
)

if TYPE_CHECKING:
    from aivet.intel.kb import Intel

Decision = Literal["allow", "review", "deny"]
Outcome = Literal["pass", "fail", "not-evaluated"]
Effect = Literal["deny", "review", "none"]

EXIT_CODES: dict[str, int] = {"allow": 0, "review": 10, "deny": 20}
VERDICT_FORMAT = 1
_CONFIDENCE_ORDER = {"high": 0, "medium": 1, "low": 2}
_AUDIT_KIND_EVIDENCE = {
    "web": "web",
    "js": "js",
    "app": "app",
    "policy": "privacy-policy",
    "privacy-policy": "privacy-policy",
    "model": "model",
    "exposure": "exposure",
}


@dataclass
class LoadedAudit:
    """An audit as read from disk, with its raw JSON for fields this version does not model."""

    audit: Audit
    path: Path
    raw: dict[str, Any] = field(default_factory=dict)


def load_audit_input(path: Path) -> LoadedAudit:
    """An audit.json file, or an audit directory holding one; ValueError in one line."""
    from aivet.report.json_report import load_audit

    path = Path(path)
    file = path / "audit.json" if path.is_dir() else path
    if path.is_dir() and not file.is_file():
        raise ValueError(f"{path}: no audit.json in this directory")
    audit = load_audit(file)
    raw = json.loads(file.read_text(encoding="utf-8"))
    return LoadedAudit(audit=audit, path=file, raw=raw if isinstance(raw, dict) else {})


def evidence_present(loaded: LoadedAudit) -> set[str]:
    """Which kinds of evidence an audit carries (see `policy.EVIDENCE_KINDS`).

    An audit declares the analyses it ran in a top-level `analyses` list; until
    every analyzer writes it, the kind of audit, its canaries and the rule ids of
    its findings (a `behaviour.*` finding proves the instrumentation ran) count too.
    """
    audit = loaded.audit
    present: set[str] = set()
    kind_evidence = _AUDIT_KIND_EVIDENCE.get(str(audit.kind))
    if kind_evidence:
        present.add(kind_evidence)
    if audit.canaries:
        present.add("canaries")
    declared = loaded.raw.get("analyses")
    if isinstance(declared, list):
        for name in declared:
            name = "behaviour" if name == "behavior" else name
            if isinstance(name, str) and name in EVIDENCE_KINDS:
                present.add(name)
    for finding in audit.findings:
        need = needs_for_rule_pattern(finding.rule)
        if need:
            present.add(need)
    return present


@dataclass
class Hit:
    """One thing that fails a rule: a receiver or a finding, with what it rests on."""

    summary: str
    audit_id: str
    hosts: list[str] = field(default_factory=list)
    entity: str | None = None
    entity_id: str | None = None
    findings: list[str] = field(default_factory=list)
    """Ids of the findings this hit rests on."""
    finding_rules: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    """Evidence pointers (`kind:ref`) from those findings, the first few."""
    waived_by: PolicyException | None = None


@dataclass
class RuleResult:
    rule: Rule
    outcome: Outcome
    effect: Effect
    hits: list[Hit] = field(default_factory=list)
    waived: list[Hit] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    """Evidence kinds the rule needs and the audits lack."""
    undetermined: list[str] = field(default_factory=list)
    """Receivers the rule could not clear (owner or country unknown)."""
    notes: list[str] = field(default_factory=list)


@dataclass
class AuditRef:
    audit_id: str
    kind: str
    target: str
    status: str
    ended_at: str
    path: str
    status_reasons: list[str] = field(default_factory=list)


@dataclass
class Verdict:
    decision: Decision
    policy: Policy
    evaluated_at: datetime
    valid_until: date | None
    audits: list[AuditRef]
    evidence: list[str]
    results: list[RuleResult]
    general: list[str] = field(default_factory=list)
    """Reasons for review that belong to no rule (a partial audit)."""

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.decision]

    def reasons(self) -> list[str]:
        """One line per thing that made the decision, the blocking ones first."""
        out: list[str] = []
        for effect in ("deny", "review"):
            for result in self.results:
                if result.effect != effect:
                    continue
                if result.outcome == "fail":
                    out += [f"{result.rule.id}: {hit.summary}" for hit in result.hits]
                else:
                    out.append(f"{result.rule.id}: not evaluated ({_not_evaluated_why(result)})")
            if effect == "review":
                out += self.general
        return out

    def blocked_hosts(self) -> list[str]:
        """Receivers named by failing receiver rules that deny: candidates for a blocklist."""
        hosts = {
            host
            for r in self.results
            if r.effect == "deny" and r.rule.receivers is not None
            for hit in r.hits
            for host in hit.hosts
        }
        return sorted(hosts)


def _not_evaluated_why(result: RuleResult) -> str:
    parts = [f"no {EVIDENCE_KINDS.get(m, m)}" for m in result.missing]
    if result.undetermined:
        parts.append("cannot clear " + ", ".join(result.undetermined[:5]))
        if len(result.undetermined) > 5:
            parts[-1] += f" and {len(result.undetermined) - 5} more"
    return "; ".join(parts)


def evaluate(
    policy: Policy,
    audits: Sequence[LoadedAudit],
    intel: Intel,
    *,
    today: date | None = None,
    now: datetime | None = None,
) -> Verdict:
    """The verdict of `policy` on one vendor's audits (web, app, policy, … together)."""
    if not audits:
        raise ValueError("no audits to judge")
    now = now or datetime.now(UTC)
    today = today or now.date()
    present: set[str] = set()
    for loaded in audits:
        present |= evidence_present(loaded)
    context = _Context(intel, audits)
    results = [_evaluate_rule(rule, policy, context, present, today) for rule in policy.rules]
    general: list[str] = []
    if policy.require_complete_audits:
        for loaded in audits:
            if loaded.audit.status != "complete":
                why = "; ".join(loaded.audit.status_reasons) or "no reason recorded"
                general.append(f"audit {loaded.audit.audit_id} is {loaded.audit.status}: {why}")
    effects = {r.effect for r in results}
    decision: Decision
    if "deny" in effects:
        decision = "deny"
    elif "review" in effects or general:
        decision = "review"
    else:
        decision = "allow"
    dates = [d for loaded in audits if (d := _audit_date(loaded.audit)) is not None]
    valid_until = max(dates) + timedelta(days=policy.valid_days) if dates else None
    for result in results:
        for hit in result.waived:
            assert hit.waived_by is not None
            if valid_until is None or hit.waived_by.expires < valid_until:
                valid_until = hit.waived_by.expires
    return Verdict(
        decision=decision,
        policy=policy,
        evaluated_at=now,
        valid_until=valid_until,
        audits=[_audit_ref(loaded) for loaded in audits],
        evidence=sorted(present),
        results=results,
        general=general,
    )


def _audit_date(audit: Audit) -> date | None:
    for stamp in (audit.ended_at, audit.started_at):
        try:
            return datetime.fromisoformat(stamp.replace("Z", "+00:00")).date()
        except (ValueError, AttributeError):
            continue
    return None


def _audit_ref(loaded: LoadedAudit) -> AuditRef:
    a = loaded.audit
    return AuditRef(
        audit_id=a.audit_id,
        kind=str(a.kind),
        target=a.target,
        status=a.status,
        ended_at=a.ended_at,
        path=str(loaded.path),
        status_reasons=list(a.status_reasons),
    )


class _Context:
    """Lookups shared by all rules: destinations by host, owner chains, finding hosts."""

    def __init__(self, intel: Intel, audits: Sequence[LoadedAudit]) -> None:
        self.intel = intel
        self.audits = audits
        self._attribution_cache: dict[str, Attribution] = {}

    def attribution(self, audit: Audit, host: str) -> Attribution:
        for dest in audit.destinations:
            if dest.attribution.host == host:
                return dest.attribution
        if host not in self._attribution_cache:
            self._attribution_cache[host] = self.intel.attribute(host)
        return self._attribution_cache[host]

    def owner_chain(self, attribution: Attribution) -> list[tuple[str, str | None]]:
        """(entity id, country) from the receiver up to its ultimate parent."""
        entity_id = attribution.entity_id
        if entity_id is None:
            return []
        entity = self.intel.entities.get(entity_id)
        if entity is None:
            return [(entity_id, attribution.country)]
        return [(e.id, e.country) for e in self.intel.chain(entity)]


def _evaluate_rule(
    rule: Rule, policy: Policy, ctx: _Context, present: set[str], today: date
) -> RuleResult:
    hits: list[Hit] = []
    undetermined: list[str] = []
    for loaded in ctx.audits:
        audit = loaded.audit
        if rule.receivers is not None:
            found, unknown = _receiver_hits(rule.receivers, audit, ctx)
            hits += found
            undetermined += unknown
        elif rule.findings is not None:
            hits += _finding_hits(rule, audit, ctx)
        else:
            hits += _severity_hits(rule, audit)
    result = RuleResult(rule=rule, outcome="pass", effect="none")
    result.missing = [need for need in rule.needs if need not in present]
    result.undetermined = sorted(set(undetermined))
    exceptions = [e for e in policy.exceptions if e.rule == rule.id]
    targets = {loaded.audit.audit_id: loaded.audit.target for loaded in ctx.audits}
    expired_noted: set[int] = set()
    for hit in hits:
        applicable = [e for e in exceptions if _exception_covers(e, hit, targets[hit.audit_id])]
        active = [e for e in applicable if e.is_active(today)]
        if active:
            hit.waived_by = min(active, key=lambda e: e.expires)
            result.waived.append(hit)
            continue
        result.hits.append(hit)
        for e in applicable:
            if e.line not in expired_noted:
                expired_noted.add(e.line)
                result.notes.append(
                    f"exception (policy line {e.line}, owner {e.owner}) expired on "
                    f"{e.expires.isoformat()} and no longer applies"
                )
    for hit in result.waived:
        assert hit.waived_by is not None
        days = (hit.waived_by.expires - today).days
        result.notes.append(
            f"waived: {hit.summary} (exception on policy line {hit.waived_by.line}, "
            f"owner {hit.waived_by.owner}, expires {hit.waived_by.expires.isoformat()}"
            + (f", in {days} day(s)" if days <= 30 else "")
            + ")"
        )
    if rule.receivers is not None and rule.receivers.if_unknown == "ignore":
        result.undetermined = []
    if result.hits:
        result.outcome = "fail"
        result.effect = rule.action
    elif result.missing or result.undetermined:
        result.outcome = "not-evaluated"
        result.effect = "review" if rule.if_not_evaluated == "review" else "none"
    return result


def _exception_covers(exception: PolicyException, hit: Hit, target: str) -> bool:
    if exception.targets:
        target_host = (urlsplit(target).hostname or target).lower()
        if not any(_under(target_host, t) for t in exception.targets):
            return False
    scoped = exception.hosts or exception.entities or exception.findings
    if not scoped:
        return True
    if exception.hosts and any(_under(h, d) for h in hit.hosts for d in exception.hosts):
        return True
    if exception.entities and hit.entity_id in exception.entities:
        return True
    return bool(
        exception.findings
        and any(
            fid == pattern or fnmatch.fnmatchcase(rule_id, pattern)
            for pattern in exception.findings
            for fid, rule_id in zip(hit.findings, hit.finding_rules, strict=False)
        )
    )


def _under(host: str, domain: str) -> bool:
    host = host.lower().rstrip(".")
    return host == domain or host.endswith("." + domain)


# --- receivers -------------------------------------------------------------------------


def _classify(
    match: ReceiverMatch, attribution: Attribution, party: str, ctx: _Context
) -> tuple[str, list[str]]:
    """("match", why) when the receiver is forbidden, ("unknown", why) when it cannot be
    cleared, ("clear", []) otherwise."""
    why: list[str] = []
    host = attribution.host
    for domain in match.hosts:
        if _under(host, domain):
            why.append(f"host under {domain}")
    chain = ctx.owner_chain(attribution)
    chain_ids = {entity_id for entity_id, _ in chain}
    for entity_id in match.entities:
        if entity_id in chain_ids:
            why.append(f"entity {entity_id}")
    if match.watchlists:
        lists = sorted(
            {hit.list_name for hit in attribution.watchlists if hit.list_id in match.watchlists}
        )
        if lists:
            why.append("on " + ", ".join(lists))
    if match.countries:
        countries = [c for _, c in chain] or [attribution.country]
        bad = [c for c in dict.fromkeys(countries) if c in match.countries]
        if bad:
            own = attribution.country
            why.append(
                f"in {own}"
                if own in bad
                else f"owned from {', '.join(c for c in bad if c is not None)}"
            )
    if match.state_owned and attribution.state_owned:
        why.append("state-owned")
    if match.owner_unknown and attribution.entity_id is None:
        why.append("owner unknown")
    if not match.has_properties:
        why.append("received typed data" if match.typed_data else f"{party} party")
    if why:
        return "match", why
    asks_owner = match.watchlists or match.countries or match.entities or match.state_owned
    if asks_owner and attribution.entity_id is None and party != "first":
        return "unknown", [f"{host} (owner unknown)"]
    if match.countries and attribution.entity_id is not None and attribution.country is None:
        return "unknown", [f"{host} (country unknown)"]
    return "clear", []


def _receiver_hits(
    match: ReceiverMatch, audit: Audit, ctx: _Context
) -> tuple[list[Hit], list[str]]:
    groups: dict[str, list[tuple[Destination, list[str]]]] = {}
    unknown: list[str] = []
    for dest in audit.destinations:
        if dest.party not in match.parties:
            continue
        if match.typed_data and not dest.canaries:
            continue
        status, why = _classify(match, dest.attribution, dest.party, ctx)
        if status == "match":
            key = dest.attribution.entity_id or dest.attribution.host
            groups.setdefault(key, []).append((dest, why))
        elif status == "unknown":
            unknown += why
    hits = []
    for members in groups.values():
        first = members[0][0].attribution
        hosts = sorted(d.attribution.host for d, _ in members)
        reasons = list(dict.fromkeys(r for _, why in members for r in why))
        canaries = sorted({c for d, _ in members for c in d.canaries})
        who = (
            f"{first.entity_name} ({first.country or 'country unknown'})"
            if first.entity_name
            else "owner unknown"
        )
        summary = f"{who} at {', '.join(hosts)}: {'; '.join(reasons)}"
        if canaries:
            summary += f"; typed {', '.join(canaries)} reached it"
        related = [f for f in audit.findings if set(_finding_hosts(f)) & set(hosts)]
        hits.append(
            Hit(
                summary=summary,
                audit_id=audit.audit_id,
                hosts=hosts,
                entity=first.entity_name,
                entity_id=first.entity_id,
                findings=[f.id for f in related],
                finding_rules=[f.rule for f in related],
                evidence=_evidence(related),
            )
        )
    # Receivers that got typed data first, then those with most findings behind them.
    hits.sort(key=lambda h: ("typed" not in h.summary, -len(h.findings), h.summary))
    return hits, unknown


# --- findings --------------------------------------------------------------------------


def _finding_hosts(finding: Finding) -> list[str]:
    """Host names a finding is about, from the fields analyzers put in `data`."""
    data = finding.data
    hosts: list[str] = []
    for key in ("host", "domain", "receiver"):
        value = data.get(key)
        if isinstance(value, str) and value:
            hosts.append(value.lower())
    for key in ("hosts", "domains", "receivers"):
        value = data.get(key)
        if isinstance(value, list):
            hosts += [v.lower() for v in value if isinstance(v, str)]
    for key in ("url", "endpoint", "urls", "endpoints"):
        value = data.get(key)
        values = value if isinstance(value, list) else [value]
        for v in values:
            if isinstance(v, str) and v:
                host = urlsplit(v if "//" in v else "//" + v).hostname
                if host:
                    hosts.append(host.lower())
    return list(dict.fromkeys(hosts))


def _selected(rule: Rule, finding: Finding) -> bool:
    match = rule.findings
    assert match is not None
    chosen = any(fnmatch.fnmatchcase(finding.rule, p) for p in match.rules) or (
        finding.category in match.categories
    )
    if not chosen:
        return False
    if SEVERITY_ORDER.get(finding.severity, 4) > SEVERITY_ORDER[match.min_severity]:
        return False
    if _CONFIDENCE_ORDER.get(finding.confidence, 2) > _CONFIDENCE_ORDER[match.min_confidence]:
        return False
    return finding.basis in match.basis


def _finding_hits(rule: Rule, audit: Audit, ctx: _Context) -> list[Hit]:
    match = rule.findings
    assert match is not None
    hits = []
    for finding in audit.findings:
        if not _selected(rule, finding):
            continue
        hosts = _finding_hosts(finding)
        entity_name = finding.data.get("entity")
        entity_id = finding.data.get("entity_id")
        summary = f"{finding.title} [{finding.rule}, {finding.severity}, {finding.basis}]"
        if match.receivers is not None:
            reasons = []
            for host in hosts:
                attribution = ctx.attribution(audit, host)
                status, why = _classify(match.receivers, attribution, "third", ctx)
                if status == "match":
                    reasons.append(f"{host}: {'; '.join(why)}")
                    entity_name = attribution.entity_name
                    entity_id = attribution.entity_id
            if not reasons:
                continue
            summary += " — " + ", ".join(reasons)
        hits.append(
            Hit(
                summary=summary,
                audit_id=audit.audit_id,
                hosts=hosts,
                entity=entity_name if isinstance(entity_name, str) else None,
                entity_id=entity_id if isinstance(entity_id, str) else None,
                findings=[finding.id],
                finding_rules=[finding.rule],
                evidence=_evidence([finding]),
            )
        )
    return hits


def _severity_hits(rule: Rule, audit: Audit) -> list[Hit]:
    limits = dict(rule.severity_limits)
    hits = []
    for finding in audit.findings:
        limit = limits.get(finding.category)
        if limit is None or SEVERITY_ORDER.get(finding.severity, 4) > SEVERITY_ORDER[limit]:
            continue
        hits.append(
            Hit(
                summary=f"{finding.title} [{finding.category} {finding.severity} ≥ {limit}]",
                audit_id=audit.audit_id,
                hosts=_finding_hosts(finding),
                findings=[finding.id],
                finding_rules=[finding.rule],
                evidence=_evidence([finding]),
            )
        )
    return hits


def _evidence(findings: Iterable[Finding], limit: int = 5) -> list[str]:
    refs = [f"{ref.kind}:{ref.ref}" for f in findings for ref in f.evidence]
    return list(dict.fromkeys(refs))[:limit]
