"""Rules that turn a web session's leaks, destinations and storage into findings.

Each rule is a small function with its own id (`web.*`), so that a policy can
name it and a reader can find the code that raised it.
"""

from __future__ import annotations

import re
from collections import defaultdict

from aivet.analyze.findings import finding_id
from aivet.analyze.leaks import Leak, stored_canaries
from aivet.intel.domains import host_of, registrable_domain
from aivet.model import Destination, EvidenceRef, Finding, FirstParty, Severity
from aivet.web_session import WebSession

FIELD_NAMES = {
    "email": "email address",
    "phone": "phone number",
    "password": "password",
    "prompt": "chat prompt",
    "username": "user name",
    "text": "text",
}


def describe_receiver(dest: Destination) -> str:
    a = dest.attribution
    if a.entity_name is None:
        return f"{a.host} (owner unknown)"
    return f"{a.host} ({a.entity_name}, {a.country or 'country unknown'})"


def watchlist_names(dest: Destination) -> list[str]:
    return sorted({hit.list_name for hit in dest.attribution.watchlists})


def leak_findings(leaks: list[Leak], destinations: dict[str, Destination]) -> list[Finding]:
    groups: dict[tuple[str, str, bool], list[Leak]] = defaultdict(list)
    for leak in leaks:
        groups[(leak.canary.value, leak.host, leak.before_submit)].append(leak)
    findings = []
    for (value, host, before_submit), group in groups.items():
        canary = group[0].canary
        dest = destinations[host]
        field = FIELD_NAMES[canary.field_kind]
        encodings = sorted({_encoding_label(g) for g in group})
        listed = watchlist_names(dest)
        severity = _leak_severity(canary.field_kind, dest, before_submit)
        when = (
            "before the form was submitted (captured as it was typed)"
            if before_submit
            else "when the form was submitted"
        )
        rule = "web.keystroke-capture" if before_submit else "web.canary-leak"
        title = (
            f"Typed {field} sent to {describe_receiver(dest)} "
            f"{'before submit' if before_submit else 'on submit'}, as {', '.join(encodings)}"
        )
        explanation = (
            f"aivet typed a unique {field} ({value!r}) into the page. It left the page {when}, "
            f"to {host}, {len(group)} time(s), encoded as {', '.join(encodings)}, in "
            f"{', '.join(sorted({g.location for g in group}))}."
        )
        if listed:
            explanation += f" The receiver's owner is on: {', '.join(listed)}."
        if dest.party == "first" and not before_submit:
            explanation += " The receiver is the service itself, as expected for a submitted form."
        evidence = [
            EvidenceRef("request", g.request_id, f"{g.location}, {_encoding_label(g)}")
            for g in group
            if g.request_id
        ]
        evidence += [
            EvidenceRef("websocket-frame", g.frame_sha256, "frame sent")
            for g in group
            if g.frame_sha256
        ]
        findings.append(
            Finding(
                id=finding_id(rule, canary.field_kind, host, value),
                rule=rule,
                category="data-flow",
                severity=severity,
                confidence="high",
                basis="observed",
                title=title,
                explanation=explanation,
                evidence=_dedupe(evidence),
                data={
                    "field_kind": canary.field_kind,
                    "canary": value,
                    "host": host,
                    "entity": dest.attribution.entity_name,
                    "country": dest.attribution.country,
                    "party": dest.party,
                    "encodings": encodings,
                    "locations": sorted({g.location for g in group}),
                    "channel": ", ".join(sorted({g.location for g in group})),
                    "before_submit": before_submit,
                    "first_seen_ms": min(g.time_ms for g in group),
                    "watchlists": listed,
                },
            )
        )
    return findings


def _encoding_label(leak: Leak) -> str:
    if leak.letter_case in ("upper", "lower") and leak.encoding not in ("plain", "url-encoded"):
        return f"{leak.encoding} ({leak.letter_case}-case)"
    if leak.letter_case == "upper":
        return f"{leak.encoding} (upper-cased)"
    return leak.encoding


def _leak_severity(kind: str, dest: Destination, before_submit: bool) -> Severity:
    if dest.attribution.watchlists:
        return "critical"
    if dest.party == "first":
        if before_submit:
            return "high" if kind == "password" else "medium"
        return "info"
    return "critical" if kind == "password" else "high"


def request_refs(session: WebSession, hosts: list[str], limit: int = 50) -> list[EvidenceRef]:
    """Evidence pointers to the requests that went to these hosts (the first `limit`)."""
    wanted = set(hosts)
    refs = [
        EvidenceRef("request", r.id, f"{r.method} {r.url[:120]}")
        for r in session.requests
        if host_of(r.url) in wanted
    ]
    return refs[:limit]


def watchlist_findings(session: WebSession, destinations: list[Destination]) -> list[Finding]:
    by_entity: dict[str, list[Destination]] = defaultdict(list)
    for dest in destinations:
        if dest.attribution.watchlists and dest.attribution.entity_id:
            by_entity[dest.attribution.entity_id].append(dest)
    findings = []
    for entity_id, dests in by_entity.items():
        first = dests[0].attribution
        hosts = sorted(d.attribution.host for d in dests)
        carried = sorted({c for d in dests for c in d.canaries})
        hits = first.watchlists
        lists = sorted({h.list_name for h in hits})
        listing_lines = "; ".join(
            f"{h.list_name} ({h.authority}) lists {h.listed_entity!r}"
            + (f" since {h.since}" if h.since else "")
            + (f", via owner {h.via}" if h.via != first.entity_name else "")
            for h in hits
        )
        requests = sum(d.requests for d in dests)
        findings.append(
            Finding(
                id=finding_id("web.watchlisted-receiver", entity_id),
                rule="web.watchlisted-receiver",
                category="jurisdiction",
                severity="critical" if carried else "high",
                confidence="high",
                basis="observed",
                title=f"{first.entity_name} ({first.country}) received {requests} request(s); "
                f"on {', '.join(lists)}",
                explanation=(
                    f"The page sent {requests} request(s) to {', '.join(hosts)}, operated by "
                    f"{' → '.join(first.ownership_chain)}. {listing_lines}."
                    + (f" Typed data reached it: {', '.join(carried)}." if carried else "")
                ),
                evidence=request_refs(session, hosts),
                data={
                    "entity": first.entity_name,
                    "entity_id": entity_id,
                    "country": first.country,
                    "hosts": hosts,
                    "watchlists": lists,
                    "canaries": carried,
                    "state_owned": first.state_owned,
                },
            )
        )
    return findings


def third_party_findings(session: WebSession, destinations: list[Destination]) -> list[Finding]:
    by_entity: dict[str, list[Destination]] = defaultdict(list)
    unknown: list[Destination] = []
    for dest in destinations:
        if dest.party == "unknown":
            unknown.append(dest)
        elif (
            dest.party == "third" and dest.attribution.entity_id and not dest.attribution.watchlists
        ):
            by_entity[dest.attribution.entity_id].append(dest)
    findings = []
    for entity_id, dests in sorted(by_entity.items()):
        a = dests[0].attribution
        hosts = sorted(d.attribution.host for d in dests)
        severity: Severity = (
            "medium" if a.state_owned else "low" if any(d.canaries for d in dests) else "info"
        )
        owner = " → ".join(a.ownership_chain)
        findings.append(
            Finding(
                id=finding_id("web.third-party-receiver", entity_id),
                rule="web.third-party-receiver",
                category="third-party",
                severity=severity,
                confidence="high",
                basis="observed",
                title=f"Third party {a.entity_name} ({a.country or '?'}) received "
                f"{sum(d.requests for d in dests)} request(s)",
                explanation=(
                    f"Hosts {', '.join(hosts)} belong to {owner}"
                    + (", which is state-owned" if a.state_owned else "")
                    + f"; country of incorporation {a.country or 'unknown'}."
                ),
                evidence=request_refs(session, hosts),
                data={
                    "entity": a.entity_name,
                    "entity_id": entity_id,
                    "country": a.country,
                    "hosts": hosts,
                    "state_owned": a.state_owned,
                },
            )
        )
    if unknown:
        hosts = sorted(d.attribution.host for d in unknown)
        findings.append(
            Finding(
                id=finding_id("web.unknown-receiver", *hosts),
                rule="web.unknown-receiver",
                category="third-party",
                severity="low" if any(d.canaries for d in unknown) else "info",
                confidence="high",
                basis="observed",
                title=f"{len(hosts)} receiver(s) with no known owner",
                explanation=(
                    "aivet's intel names no owner for these hosts, so their country and watchlist "
                    f"status are unknown (not assumed clean): {', '.join(hosts)}."
                ),
                evidence=request_refs(session, hosts),
                data={"hosts": hosts},
            )
        )
    return findings


def cleartext_findings(session: WebSession, leaks: list[Leak]) -> list[Finding]:
    leaking = {leak.request_id for leak in leaks}
    by_host: dict[str, list[str]] = defaultdict(list)
    for request in session.requests:
        if not request.url.startswith(("http://", "ws://")):
            continue
        if request.body_size or request.id in leaking or "cookie" in request.headers:
            by_host[host_of(request.url)].append(request.id)
    findings = []
    for host, ids in sorted(by_host.items()):
        carries_canary = any(i in leaking for i in ids)
        findings.append(
            Finding(
                id=finding_id("web.cleartext-transport", host),
                rule="web.cleartext-transport",
                category="transport",
                severity="high" if carries_canary else "medium",
                confidence="high",
                basis="observed",
                title=f"Data sent to {host} without TLS ({len(ids)} request(s))",
                explanation=(
                    "These requests carried a body, cookies or typed data over plain HTTP, "
                    "readable "
                    "and alterable by anyone on the path. (When the audit maps names to a local "
                    "mirror with --resolve, check whether the real service uses HTTPS.)"
                ),
                evidence=[EvidenceRef("request", i) for i in ids[:50]],
                data={"host": host, "requests": len(ids), "carries_canary": carries_canary},
            )
        )
    return findings


_TOKEN_KEY = re.compile(r"token|auth|jwt|session|access|refresh|bearer|credential", re.I)
_JWT = re.compile(r"^[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}$")


def storage_findings(session: WebSession, first: FirstParty) -> list[Finding]:
    findings = []
    seen: set[tuple[str, str]] = set()
    for write in session.storage_writes:
        key = (write.origin, write.key)
        if key in seen:
            continue
        value = write.value.strip().strip('"')
        if not (_TOKEN_KEY.search(write.key) and len(value) >= 16) and not _JWT.match(value):
            continue
        seen.add(key)
        findings.append(
            Finding(
                id=finding_id("web.token-in-storage", write.origin, write.key),
                rule="web.token-in-storage",
                category="storage",
                severity="low",
                confidence="medium",
                basis="observed",
                title=f"Credential-like value stored in {write.area}Storage under {write.key!r}",
                explanation=(
                    f"{write.origin} wrote a {len(value)}-character value that looks like a "
                    f"session or access token to {write.area}Storage. Any script running on "
                    "that origin, including third-party scripts, can read it; HttpOnly cookies "
                    "cannot be read so."
                ),
                evidence=[EvidenceRef("storage", f"{write.origin}/{write.key}", write.area)],
                data={
                    "origin": write.origin,
                    "area": write.area,
                    "key": write.key,
                    "jwt": bool(_JWT.match(value)),
                },
            )
        )
    for canary, where, name in stored_canaries(session):
        findings.append(
            Finding(
                id=finding_id("web.canary-stored", canary.value, where, name),
                rule="web.canary-stored",
                category="storage",
                severity="low",
                confidence="high",
                basis="observed",
                title=f"Typed {FIELD_NAMES[canary.field_kind]} kept in {where}",
                explanation=f"The value typed into the {canary.field_kind} field was stored under "
                f"{name!r} in {where}, where it outlives the page.",
                evidence=[
                    EvidenceRef("storage" if "Storage" in where else "cookie", f"{where}/{name}")
                ],
                data={"field": canary.field_kind, "where": where, "key": name},
            )
        )
    third_cookies: dict[str, list[str]] = defaultdict(list)
    for cookie in session.cookies:
        domain = cookie.domain.lstrip(".")
        if registrable_domain(domain) != first.registrable_domain:
            third_cookies[domain].append(cookie.name)
    for domain, names in sorted(third_cookies.items()):
        findings.append(
            Finding(
                id=finding_id("web.third-party-cookie", domain),
                rule="web.third-party-cookie",
                category="storage",
                severity="low",
                confidence="high",
                basis="observed",
                title=f"{len(names)} cookie(s) set for third-party domain {domain}",
                explanation=f"Cookies {', '.join(sorted(names))} were set for {domain}, "
                "which is not "
                "the audited site; they can identify this browser across sites.",
                evidence=[EvidenceRef("cookie", f"{n}@{domain}") for n in sorted(names)],
                data={"domain": domain, "cookies": sorted(names)},
            )
        )
    return findings


def _dedupe(refs: list[EvidenceRef]) -> list[EvidenceRef]:
    return list(dict.fromkeys(refs))
