"""What a report of a web audit shows, worked out once from the audit for every format.

The format modules (`json_report`, `html`, `terminal`) import from here; this
module imports none of them. Everything is derived from the `Audit` alone, so
a stored audit renders the same way years later.

Canary leaks are read from findings of the rules in `CANARY_LEAK_RULES`
(see docs/audit-json.md for the `data` keys used) and, for any host a
destination lists canaries for that no finding covers, from the destination.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from aivet.model import (
    CANARY_LEAK_RULES,
    SEVERITY_ORDER,
    Audit,
    Destination,
    EvidenceRef,
    Finding,
    WatchlistHit,
)

Tone = Literal["danger", "warning", "ok"]

SEVERITY_STYLE = {
    "critical": "bold white on red",
    "high": "bold red",
    "medium": "yellow",
    "low": "cyan",
    "info": "dim",
}
"""How the terminal shows each severity (rich styles), the same in every report."""
TONE_STYLE = {"danger": "bold red", "warning": "bold yellow", "ok": "bold green"}

_CONFIDENCE_ORDER = {"high": 0, "medium": 1, "low": 2}
_PARTY_ORDER = {"first": 0, "third": 1, "unknown": 2}
# Bidirectional overrides and zero-width marks can make a hostile URL read as another.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


@dataclass
class EntityGroup:
    """The destinations run by one entity (or, owner unknown, by one registrable domain)."""

    key: str
    name: str
    known: bool
    entity_id: str | None
    country: str | None
    state_owned: bool | None
    ownership_chain: list[str]
    parties: list[str]
    watchlists: list[WatchlistHit]
    destinations: list[Destination]
    requests: int = 0
    bytes_sent: int = 0
    websocket_frames_sent: int = 0
    canaries: list[str] = field(default_factory=list)
    sets_cookies: bool = False
    sources: list[str] = field(default_factory=list)

    @property
    def party(self) -> str:
        return ", ".join(self.parties)

    @property
    def is_first_party(self) -> bool:
        return self.parties == ["first"]

    @property
    def hosts(self) -> list[str]:
        return [d.attribution.host for d in self.destinations]

    def label(self) -> str:
        """Name and country, as a reader would say it: `China Mobile (CN)`."""
        return f"{self.name} ({self.country or 'country unknown'})"


@dataclass
class CanaryLeak:
    """One typed value seen reaching one host."""

    field_kind: str
    host: str
    receiver: str
    country: str | None
    party: str
    watchlisted: bool
    encodings: list[str]
    before_submit: bool | None
    channel: str | None
    finding: Finding | None
    evidence: list[EvidenceRef]

    @property
    def timing(self) -> str:
        if self.before_submit is True:
            return "before submit (keystroke capture)"
        if self.before_submit is False:
            return "after submit"
        return "unknown"

    @property
    def noteworthy(self) -> bool:
        """False only in the expected case: the site itself got a value and no finding says more."""
        return self.party != "first" or self.finding is not None

    @property
    def encoding(self) -> str:
        return ", ".join(self.encodings) if self.encodings else "not recorded"


@dataclass
class Headline:
    """The one sentence a reader needs first, its tone, and a few supporting facts."""

    text: str
    tone: Tone
    details: list[str]


def len_requests(audit: Audit) -> int:
    return audit.summary.requests if audit.summary is not None else 0


def clean_text(value: object, limit: int | None = None) -> str:
    """Page-supplied text made safe to show: no control or invisible characters, bounded length."""
    text = str(value)
    text = "".join(
        ch if ch in "\n\t" or unicodedata.category(ch) != "Cc" else f"\\x{ord(ch):02x}"
        for ch in text
    )
    text = _INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def format_bytes(size: int) -> str:
    if size < 1000:
        return f"{size} B"
    value = float(size)
    for unit in ("kB", "MB", "GB"):
        value /= 1000
        if value < 1000 or unit == "GB":
            return f"{value:.1f} {unit}"
    return f"{size} B"  # pragma: no cover


def plural(count: int, singular: str, many: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (many or singular + 's')}"


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _unique_hits(hits: Iterable[WatchlistHit]) -> list[WatchlistHit]:
    seen: dict[tuple[str, str], WatchlistHit] = {}
    for hit in hits:
        seen.setdefault((hit.list_id, hit.via), hit)
    return list(seen.values())


def list_names(hits: Iterable[WatchlistHit]) -> list[str]:
    """Distinct list names, in first-seen order."""
    return _unique(hit.list_name for hit in hits)


def group_destinations(audit: Audit) -> list[EntityGroup]:
    """Destinations grouped by owning entity, most concerning first.

    Order: watchlisted receivers, then receivers of typed data, then third and
    unknown parties, then the site itself; larger senders first within each.
    """
    groups: dict[str, EntityGroup] = {}
    for dest in audit.destinations:
        att = dest.attribution
        key = f"entity:{att.entity_id}" if att.entity_id else f"domain:{att.registrable_domain}"
        group = groups.get(key)
        if group is None:
            known = att.entity_id is not None
            group = EntityGroup(
                key=key,
                name=att.entity_name
                or att.entity_id
                or f"Unknown owner ({att.registrable_domain})",
                known=known,
                entity_id=att.entity_id,
                country=att.country,
                state_owned=att.state_owned,
                ownership_chain=list(att.ownership_chain),
                parties=[],
                watchlists=[],
                destinations=[],
            )
            groups[key] = group
        group.destinations.append(dest)
        group.parties = sorted(set(group.parties) | {dest.party}, key=_PARTY_ORDER.__getitem__)
        group.watchlists = _unique_hits([*group.watchlists, *att.watchlists])
        group.requests += dest.requests
        group.bytes_sent += dest.bytes_sent
        group.websocket_frames_sent += dest.websocket_frames_sent
        group.canaries = _unique([*group.canaries, *dest.canaries])
        group.sets_cookies = group.sets_cookies or dest.sets_cookies
        group.sources = _unique([*group.sources, *att.sources])
        if group.country is None:
            group.country = att.country
    for group in groups.values():
        group.destinations.sort(key=lambda d: (-d.bytes_sent, -d.requests, d.attribution.host))
    return sorted(
        groups.values(),
        key=lambda g: (
            not g.watchlists,
            not (g.canaries and not g.is_first_party),
            g.is_first_party,
            -g.bytes_sent,
            -g.requests,
            g.name,
        ),
    )


def watchlisted_groups(audit: Audit) -> list[EntityGroup]:
    return [g for g in group_destinations(audit) if g.watchlists]


def is_canary_finding(finding: Finding) -> bool:
    return finding.rule in CANARY_LEAK_RULES


def _str_list(value: object) -> list[str]:
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list | tuple):
        return [str(v) for v in value if v not in (None, "")]
    return []


def _first_str(data: dict[str, object], *keys: str) -> str | None:
    for key in keys:
        value = data.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def _before_submit(data: dict[str, object]) -> bool | None:
    value = data.get("before_submit")
    if isinstance(value, bool):
        return value
    phase = _first_str(data, "phase", "timing")
    if phase is not None:
        phase = phase.lower()
        if "before" in phase or "keystroke" in phase or "typing" in phase:
            return True
        if "after" in phase or "submit" in phase:
            return False
    return None


def canary_leaks(audit: Audit) -> list[CanaryLeak]:
    """Every (field, host) pair where a typed value was seen arriving, with how and when."""
    by_host = {d.attribution.host: d for d in audit.destinations}
    groups = {h: g for g in group_destinations(audit) for h in g.hosts}
    leaks: list[CanaryLeak] = []
    covered: set[tuple[str, str]] = set()

    def make(
        field_kind: str, host: str, finding: Finding | None, data: dict[str, object]
    ) -> CanaryLeak:
        dest = by_host.get(host)
        group = groups.get(host)
        return CanaryLeak(
            field_kind=field_kind,
            host=host,
            receiver=group.name if group else "Unknown owner",
            country=group.country if group else None,
            party=dest.party if dest else "unknown",
            watchlisted=bool(group and group.watchlists),
            encodings=_unique(_str_list(data.get("encodings")) + _str_list(data.get("encoding"))),
            before_submit=_before_submit(data),
            channel=_first_str(data, "channel", "via"),
            finding=finding,
            evidence=list(finding.evidence) if finding else [],
        )

    for finding in audit.findings:
        if not is_canary_finding(finding) or finding.basis != "observed":
            continue
        data = finding.data
        field_kind = _first_str(data, "field_kind", "field", "canary_kind") or "unknown field"
        hosts = _str_list(data.get("hosts")) or _str_list(
            _first_str(data, "host", "destination", "receiver")
        )
        for host in hosts:
            covered.add((field_kind, host))
            leaks.append(make(field_kind, host, finding, data))
    for dest in audit.destinations:
        for field_kind in dest.canaries:
            if (field_kind, dest.attribution.host) not in covered:
                covered.add((field_kind, dest.attribution.host))
                leaks.append(make(field_kind, dest.attribution.host, None, {}))
    leaks.sort(
        key=lambda leak: (
            not leak.watchlisted,
            leak.party == "first",
            leak.before_submit is not True,
            leak.field_kind,
            leak.host,
        )
    )
    return leaks


def sorted_findings(audit: Audit) -> list[Finding]:
    """Most severe first; within a severity, observed before capable, then the surest."""
    return sorted(
        audit.findings,
        key=lambda f: (
            SEVERITY_ORDER.get(f.severity, len(SEVERITY_ORDER)),
            f.basis != "observed",
            _CONFIDENCE_ORDER.get(f.confidence, len(_CONFIDENCE_ORDER)),
            f.id,
        ),
    )


def _sentence(text: str) -> str:
    return text if text.endswith(".") else text + "."


def _labels_with_lists(groups: list[EntityGroup]) -> str:
    parts = [f"{g.label()} — on the {', '.join(list_names(g.watchlists))}" for g in groups]
    return "; and ".join(parts)


def headline(audit: Audit) -> Headline:
    """The verdict-like sentence at the top of every report, from evidence only."""
    if audit.kind == "js":
        return _js_headline(audit)
    groups = group_destinations(audit)
    leaks = canary_leaks(audit)
    outside = [g for g in groups if g.canaries and not g.is_first_party]
    watch_leak = [g for g in outside if g.watchlists]
    watch_contact = [g for g in groups if g.watchlists and g not in watch_leak]

    if watch_leak:
        text = f"Data typed on this page reached {_labels_with_lists(watch_leak)}"
        tone: Tone = "danger"
    elif outside:
        names = ", ".join(g.label() for g in outside)
        count = plural(len(outside), "other party", "other parties")
        text = f"Data typed on this page reached {count}: {names}"
        tone = "warning"
    elif watch_contact:
        text = (
            f"This page contacted {_labels_with_lists(watch_contact)}. "
            "No typed data was seen reaching it"
        )
        tone = "warning"
    else:
        text = "No typed data was seen reaching anyone but the site itself"
        tone = "ok"

    details: list[str] = []
    if watch_leak and watch_contact:
        details.append(_sentence(f"The page also contacted {_labels_with_lists(watch_contact)}"))
    keystroke = _unique(leak.receiver for leak in leaks if leak.before_submit)
    if keystroke:
        details.append(
            _sentence(
                "Typed data left before the form was submitted (captured while typing), to "
                + ", ".join(keystroke)
            )
        )
    known = [g for g in groups if g.known]
    unknown = [g for g in groups if not g.known]
    countries = _unique(g.country for g in known if g.country)
    contacted = (
        f"The session sent {plural(len_requests(audit), 'request')} to "
        f"{plural(len(audit.destinations), 'host')}: {plural(len(known), 'known owner')}"
    )
    if countries:
        contacted += (
            f" in {plural(len(countries), 'country', 'countries')} ({', '.join(countries)})"
        )
    if unknown:
        contacted += f", and {plural(len(unknown), 'domain')} whose owner the intel does not know"
    details.append(contacted + ".")
    capable = [
        f for f in audit.findings if f.basis == "capable" and SEVERITY_ORDER.get(f.severity, 9) <= 1
    ]
    if capable:
        verb = "describes" if len(capable) == 1 else "describe"
        details.append(
            f"{plural(len(capable), 'serious finding')} {verb} what the page's code can do "
            "but was not seen doing."
        )
    if audit.status == "partial":
        details.append("The audit is partial: what it did not see is not in this report.")
    return Headline(text=text, tone=tone, details=details)


def _js_headline(audit: Audit) -> Headline:
    """For scripts analysed without a browser: what the code hides and can reach."""
    obfuscated = [a for a in audit.scripts if a.obfuscated]
    hosts = sorted(
        {e.host for a in audit.scripts for e in a.endpoints if e.decoded and not e.reference_like}
    )
    serious = [f for f in audit.findings if SEVERITY_ORDER.get(f.severity, 9) <= 1]
    if hosts:
        text = f"Hidden code can send data to {', '.join(hosts[:5])}"
        if len(hosts) > 5:
            text += f" and {plural(len(hosts) - 5, 'other host')}"
        tone: Tone = "danger" if serious else "warning"
    elif obfuscated:
        text = f"{plural(len(obfuscated), 'obfuscated script')}; no hidden endpoint was decoded"
        tone = "warning"
    else:
        text = "No obfuscation and no hidden endpoint were found"
        tone = "ok"
    details = [
        f"{plural(len(audit.scripts), 'script')} analysed statically, "
        f"{len(obfuscated)} obfuscated; no browser ran them, so nothing here was observed "
        "being sent."
    ]
    if audit.status == "partial":
        details.append("The audit is partial: what it did not see is not in this report.")
    return Headline(text=text, tone=tone, details=details)
