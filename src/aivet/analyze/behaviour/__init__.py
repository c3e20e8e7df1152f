"""What the page's scripts did: fingerprinting, session recording and key logging.

Pure: reads the session's recorded API calls (an evidence blob), its requests
and the canary leaks the web audit found, consults intel for who is behind each
script, and returns findings plus a per-script summary. Every heuristic, its
source and its criteria are in `heuristics.py`, `recording.py` and
`keylogging.py`; docs/behaviour.md lists them with their results on the corpus.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable

from aivet.analyze.behaviour.calls import (
    ScriptCalls,
    by_script,
    creators,
    load_calls,
    responsible_script,
)
from aivet.analyze.behaviour.heuristics import FINGERPRINTING, Detection, Heuristic, fingerprinting
from aivet.analyze.behaviour.keylogging import KEY_LOGGING, detect_key_logging
from aivet.analyze.behaviour.recording import SESSION_RECORDING, detect_recording
from aivet.analyze.destinations import party_of
from aivet.analyze.findings import finding_id
from aivet.analyze.leaks import Leak
from aivet.behaviour_record import BehaviourSummary, ScriptBehaviour
from aivet.intel.domains import host_of
from aivet.intel.kb import Intel
from aivet.model import Attribution, EvidenceRef, Finding, FirstParty, Party, Severity
from aivet.web_session import ApiCall, WebSession

HEURISTICS: list[Heuristic] = [*FINGERPRINTING, SESSION_RECORDING, KEY_LOGGING]

__all__ = ["HEURISTICS", "analyze_behaviour", "detect_all"]

_LOWER: dict[Severity, Severity] = {
    "critical": "high",
    "high": "medium",
    "medium": "low",
    "low": "info",
    "info": "info",
}


def detect_all(
    session: WebSession, calls: list[ApiCall], leaks: list[Leak]
) -> tuple[list[Detection], dict[str, ScriptCalls]]:
    """Every heuristic that fires on this session, and the calls grouped by script."""
    made = creators(calls)
    scripts = by_script(calls)
    loaded = [s.url for s in session.scripts if s.url]
    detections = (
        fingerprinting(scripts)
        + detect_recording(scripts, session, made, loaded)
        + detect_key_logging(scripts, session, leaks, made)
    )
    return detections, scripts


def analyze_behaviour(
    session: WebSession,
    read_blob: Callable[[str], bytes],
    intel: Intel,
    first: FirstParty,
    leaks: list[Leak],
) -> tuple[list[Finding], BehaviourSummary]:
    log = session.behaviour
    if log is None:
        return [], BehaviourSummary(instrumented=False)
    calls = load_calls(session, read_blob)
    detections, _ = detect_all(session, calls, leaks)
    script_sha = {s.url: s.sha256 for s in reversed(session.scripts) if s.url}
    owners = _Owners(intel, first)
    findings = [_finding(d, owners, script_sha, log.calls_sha256, session) for d in detections]
    return findings, _summary(session, calls, detections, owners)


class _Owners:
    """Intel attribution of script hosts, looked up once each."""

    def __init__(self, intel: Intel, first: FirstParty) -> None:
        self.intel = intel
        self.first = first
        self.cache: dict[str, tuple[Attribution, Party]] = {}

    def of(self, url: str) -> tuple[str, Attribution, Party]:
        host = host_of(url) or self.first.host
        known = self.cache.get(host)
        if known is None:
            attribution = self.intel.attribute(host)
            known = self.cache[host] = (attribution, party_of(attribution, self.first, self.intel))
        return host, known[0], known[1]


def _severity(
    d: Detection, attribution: Attribution, party: Party, leaks_to_listed: bool
) -> Severity:
    if d.heuristic.id == KEY_LOGGING.id:
        severity: Severity = "critical" if leaks_to_listed else "high"
        return severity if party != "first" or leaks_to_listed else "medium"
    if attribution.watchlists:
        severity = "high"
    elif party == "first":
        severity = "low"
    else:
        severity = "medium"
    if d.heuristic.id == "enumeration" or d.basis == "capable":
        severity = _LOWER[severity]
    return severity


def _call_summary(call: ApiCall) -> dict[str, object]:
    out: dict[str, object] = {"api": call.api, "count": call.count, "time_ms": call.time_ms}
    if call.args:
        out["args"] = call.args
    if call.result is not None:
        out["result"] = call.result
    if call.context:
        out["context"] = call.context
    if call.realm == "worker":
        out["realm"] = f"worker {call.realm_url}"
    return out


def _words(value: object) -> str:
    """A list fact as words: `a, b and c`."""
    items = [str(v) for v in value] if isinstance(value, list | tuple | set) else [str(value)]
    return ", ".join(items[:-1]) + f" and {items[-1]}" if len(items) > 1 else "".join(items)


def _explain(d: Detection) -> str:
    """What the script did, in one or two sentences, from the detection's facts."""
    f = d.facts
    h = d.heuristic.id
    if h == "canvas":
        colours = f["colours"]
        count = len(colours) if isinstance(colours, list) else 0
        return (
            f"It drew {f['text']!r} in {count} colour(s) with {f['distinct_characters']} "
            f"distinct characters on a {f['canvas_size']} canvas and read the image back "
            f"with {f['read_with']}."
        )
    if h == "canvas-font":
        return (
            f"It set {f['distinct_fonts']} distinct canvas fonts and measured "
            f"{f['measure_text']!r} {f['measure_text_calls']} times."
        )
    if h == "webrtc-ip":
        return "It opened a data channel, created an offer and listened for ICE candidates."
    if h == "audio":
        return (
            f"It built an audio graph ({_words(f['nodes'])}) and read the signal back by "
            f"{f['read_back']}."
        )
    if h == "webgl-unmask":
        return f"It read the unmasked GPU vendor/renderer: {f['unmasked']}."
    if h == "font-probe":
        return f"It measured text in {f['distinct_families']} font families by element size."
    if h == "enumeration":
        properties = f["properties"]
        count = len(properties) if isinstance(properties, list) else 0
        return (
            f"It read {count} identifying properties (score {f['score']}, "
            f"threshold {f['threshold']})."
        )
    if h == "session-recording":
        parts = []
        if f.get("service"):
            parts.append(f"Its URL is that of {f['service']}.")
        if f.get("observes_document"):
            parts.append(
                "It watched the whole document for changes, listened to "
                f"{_words(f['mouse_events'])} and {_words(f['key_events'])} events, and sent "
                f"{f['uploads']} upload(s) and {f['websocket_frames_sent']} WebSocket frame(s)."
            )
        return " ".join(parts)
    if h == "key-logging":
        how = []
        if f.get("listeners"):
            how.append(f"listened to {_words(f['listeners'])}")
        if f.get("fields_read"):
            how.append(f"read {_words(f['fields_read'])}")
        return (
            f"It {' and '.join(how) or 'captured typing'}; the typed {_words(f['fields'])} "
            f"left for {_words(f['receivers'])} before the form was submitted."
        )
    return ""


def _finding(
    d: Detection,
    owners: _Owners,
    script_sha: dict[str, str],
    call_log: str | None,
    session: WebSession,
) -> Finding:
    host, attribution, party = owners.of(d.script_url)
    hosts = d.facts.get("receivers")
    receivers = [owners.of(f"http://{h}/")[1] for h in hosts] if isinstance(hosts, list) else []
    listed_receivers = sorted({w.list_name for a in receivers for w in a.watchlists})
    owner = attribution.entity_name or "owner unknown"
    where = f"{host} ({owner}{', ' + attribution.country if attribution.country else ''})"
    title = f"{d.heuristic.title} by {_short(d.script_url)} from {where}"
    if d.basis == "capable":
        title = f"{d.heuristic.title} service loaded: {_short(d.script_url)} from {where}"
    explanation = f"{_explain(d)} Heuristic: {d.heuristic.criteria} Source: {d.heuristic.source}."
    if attribution.watchlists:
        lists = sorted({w.list_name for w in attribution.watchlists})
        explanation += f" The script's owner is on: {', '.join(lists)}."
    if listed_receivers:
        explanation += f" A receiver of the typed data is on: {', '.join(listed_receivers)}."
    evidence = []
    sha = script_sha.get(d.script_url)
    if sha is not None:
        evidence.append(EvidenceRef("script", sha, d.script_url[:200]))
    by_id = {r.id: r for r in session.requests}
    for request_id in d.request_ids[:20]:
        request = by_id.get(request_id)
        detail = f"{request.method} {request.url[:120]}" if request is not None else ""
        evidence.append(EvidenceRef("request", request_id, detail))
    return Finding(
        id=finding_id(d.heuristic.rule, d.script_url),
        rule=d.heuristic.rule,
        category=d.heuristic.category,
        severity=_severity(d, attribution, party, bool(listed_receivers)),
        confidence=d.confidence,
        basis=d.basis,
        title=title,
        explanation=explanation,
        evidence=evidence,
        data={
            "heuristic": d.heuristic.id,
            "source": d.heuristic.source,
            "source_url": d.heuristic.source_url,
            "script_url": d.script_url,
            "host": host,
            "entity": attribution.entity_name,
            "entity_id": attribution.entity_id,
            "country": attribution.country,
            "party": party,
            "watchlists": sorted({w.list_name for w in attribution.watchlists}),
            **d.facts,
            "calls": [_call_summary(c) for c in d.calls[:25]],
            "call_log_sha256": call_log,
        },
    )


def _short(url: str, limit: int = 80) -> str:
    return url if len(url) <= limit else url[: limit - 1] + "…"


def _summary(
    session: WebSession,
    calls: list[ApiCall],
    detections: list[Detection],
    owners: _Owners,
) -> BehaviourSummary:
    log = session.behaviour
    assert log is not None
    made = creators(calls)
    per_script: dict[str, Counter[str]] = defaultdict(Counter)
    for count in log.counts:
        url = responsible_script(count.script_url, made) or "(script unknown)"
        per_script[url][count.api] += count.calls
    fired: dict[str, list[str]] = defaultdict(list)
    for d in detections:
        if d.heuristic.id not in fired[d.script_url]:
            fired[d.script_url].append(d.heuristic.id)
    rows = []
    for url, apis in per_script.items():
        if url == "(script unknown)":
            host, entity, country, party = "", None, None, "unknown"
        else:
            host, attribution, party = owners.of(url)
            entity, country = attribution.entity_name, attribution.country
        rows.append(
            ScriptBehaviour(
                script_url=url,
                host=host,
                entity=entity,
                country=country,
                party=party,
                heuristics=fired.get(url, []),
                calls=sum(apis.values()),
                apis=dict(apis.most_common(40)),
            )
        )
    rows.sort(key=lambda r: (not r.heuristics, -r.calls, r.script_url))
    return BehaviourSummary(
        instrumented=True,
        calls_recorded=log.calls_recorded,
        calls_total=log.calls_total,
        calls_cut=log.calls_cut,
        call_log_sha256=log.calls_sha256,
        realms=len(log.realms),
        workers=list(log.workers_attached),
        scripts=rows[:200],
        notes=list(log.notes),
    )
