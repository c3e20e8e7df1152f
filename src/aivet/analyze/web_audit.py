"""Turn one stored web session into an audit: leaks, destinations, findings, summary.

Pure: it reads the session and its evidence blobs, consults intel, and touches
nothing else, so the same session analysed again gives the same findings.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from aivet import __version__
from aivet.analyze.behaviour import analyze_behaviour
from aivet.analyze.destinations import build_destinations, first_party
from aivet.analyze.findings import sort_findings
from aivet.analyze.js import ScriptAnalysis, analyze_script, script_findings
from aivet.analyze.leaks import find_leaks
from aivet.analyze.web_findings import (
    cleartext_findings,
    leak_findings,
    storage_findings,
    third_party_findings,
    watchlist_findings,
)
from aivet.evidence import Artifact
from aivet.intel.kb import Intel
from aivet.model import CANARY_LEAK_RULES, SCHEMA_VERSION, Audit, Summary, ToolInfo
from aivet.web_session import WebSession


def analyze_web_session(
    session: WebSession,
    read_blob: Callable[[str], bytes],
    intel: Intel,
    *,
    audit_id: str,
    session_sha256: str,
    artifacts: list[Artifact],
) -> Audit:
    first = first_party(session, intel)
    leaks = find_leaks(session, read_blob)
    destinations = build_destinations(session, intel, first, leaks)
    by_host = {d.attribution.host: d for d in destinations}
    behaviour_found, behaviour = analyze_behaviour(session, read_blob, intel, first, leaks)
    scripts = analyze_session_scripts(session, read_blob, intel)
    findings = sort_findings(
        leak_findings(leaks, by_host)
        + watchlist_findings(session, destinations)
        + third_party_findings(session, destinations)
        + cleartext_findings(session, leaks)
        + storage_findings(session, first)
        + behaviour_found
        + script_findings(scripts, session, intel)
    )
    entities = {d.attribution.entity_id for d in destinations if d.attribution.entity_id}
    summary = Summary(
        requests=len(session.requests),
        destinations=len(destinations),
        third_party_destinations=sum(1 for d in destinations if d.party != "first"),
        entities=len(entities),
        countries=sorted({d.attribution.country for d in destinations if d.attribution.country}),
        watchlisted_receivers=sorted(
            {
                d.attribution.entity_name or d.attribution.host
                for d in destinations
                if d.attribution.watchlists
            }
        ),
        canary_leaks=sum(1 for f in findings if f.rule in CANARY_LEAK_RULES),
        findings_by_severity=dict(Counter(f.severity for f in findings)),
    )
    return Audit(
        schema_version=SCHEMA_VERSION,
        audit_id=audit_id,
        kind="web",
        target=session.target_url,
        started_at=session.started_at,
        ended_at=session.ended_at,
        status=session.status,
        status_reasons=list(session.status_reasons),
        tool=ToolInfo(name="aivet", version=__version__),
        intel=intel.info(),
        vantage=session.vantage,
        first_party=first,
        summary=summary,
        resolve=list(session.vantage.resolve),
        destinations=destinations,
        findings=findings,
        session_sha256=session_sha256,
        screenshot_sha256=session.screenshot_sha256,
        artifacts=artifacts,
        timings_ms=dict(session.timings_ms),
        canaries=list(session.canaries),
        behaviour=behaviour,
        analyses=web_analyses(session, behaviour.instrumented),
        scripts=scripts,
    )


def analyze_session_scripts(
    session: WebSession, read_blob: Callable[[str], bytes], intel: Intel
) -> list[ScriptAnalysis]:
    """Every script the session ran, decoded statically: what it can do, not only what it did."""
    analyses = []
    for record in session.scripts:
        try:
            source = read_blob(record.sha256)
        except OSError:
            continue  # listed but not stored (a crash mid-write): nothing to analyse
        analyses.append(analyze_script(source, url=record.url, sha256=record.sha256, intel=intel))
    return analyses


def web_analyses(session: WebSession, instrumented: bool) -> list[str]:
    """What this audit looked at: a verdict must not read silence as a clean bill."""
    analyses = ["web", "js"]
    if session.canaries:
        analyses.append("canaries")
    if instrumented:
        analyses.append("behaviour")
    return analyses
