"""What changed between two audits of one service: receivers, owners, countries, code, findings.

Pure: it compares two audits (and, when their sessions are at hand, the
scripts each page ran) and touches nothing else. Every change carries a
severity, so a scheduled job can fail when something at or above a threshold
*appeared*; things that vanished or were resolved are reported as `info`.

Scripts are matched by URL without its query (so `app.js?v=2` is a changed
`app.js`), inline and eval scripts by hash. The endpoints of a script are the
URLs written in its source plus those that analyzers attached to findings
about it (`data` keys `endpoint(s)`, `url(s)`, `host(s)` of findings whose
evidence names the script), so decoded endpoints show up once an analyzer
records them.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from aivet.model import SEVERITY_ORDER, Audit, Destination, Severity
from aivet.web_session import ScriptRecord

ChangeKind = Literal["new", "vanished", "changed", "resolved"]
Category = Literal[
    "destination", "entity", "country", "watchlist", "script", "endpoint", "finding", "status"
]

SEVERITIES: tuple[Severity, ...] = ("critical", "high", "medium", "low", "info")
_URL = re.compile(rb"""(?:https?|wss?)://[A-Za-z0-9.\-]+(?::\d+)?(?:/[^\s"'`<>\\)]*)?""")
_ENDPOINT_KEYS = ("endpoint", "endpoints", "url", "urls", "host", "hosts")


def at_least(severity: str, threshold: str) -> bool:
    """True when `severity` is as bad as `threshold` or worse."""
    return SEVERITY_ORDER.get(severity, 9) <= SEVERITY_ORDER.get(threshold, -1)


@dataclass(frozen=True)
class ScriptInfo:
    """One script a page ran, as the diff compares it."""

    key: str
    url: str | None
    sha256: str
    origin: str
    size: int
    endpoints: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Change:
    category: Category
    change: ChangeKind
    severity: Severity
    subject: str
    detail: str

    @property
    def appeared(self) -> bool:
        """New or changed (what a threshold looks at), not vanished or resolved."""
        return self.change in ("new", "changed")


@dataclass
class AuditDiff:
    before: str
    after: str
    target_before: str
    target_after: str
    changes: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def appeared_at_or_above(self, threshold: str) -> list[Change]:
        return [c for c in self.changes if c.appeared and at_least(c.severity, threshold)]

    def worst_appeared(self) -> Severity | None:
        for severity in SEVERITIES:
            if any(c.appeared and c.severity == severity for c in self.changes):
                return severity
        return None


@dataclass
class DiffSide:
    """One audit and, when its session is available, the scripts its page ran."""

    audit: Audit
    scripts: list[ScriptInfo] | None = None


def endpoint_key(url: str) -> str:
    """scheme://host/path without query or fragment: the address code can send to."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url.strip()
    if not parts.hostname:
        host = url.strip().lower()
        return host if "/" not in host else host.split("/")[0]
    scheme = parts.scheme.lower() or "https"
    return f"{scheme}://{parts.hostname.lower()}{parts.path or '/'}"


def source_endpoints(source: bytes) -> frozenset[str]:
    """URLs written in plain text in a script (what it can reach without decoding)."""
    found = set()
    for match in _URL.finditer(source[:20_000_000]):
        found.add(endpoint_key(match.group().decode("ascii", "replace")))
    return frozenset(found)


def _finding_endpoints(audit: Audit) -> dict[str, set[str]]:
    """Endpoints that findings attach to scripts (by the scripts' SHA-256)."""
    by_script: dict[str, set[str]] = {}
    for finding in audit.findings:
        scripts = [e.ref for e in finding.evidence if e.kind == "script"]
        if not scripts:
            continue
        values: list[str] = []
        for key in _ENDPOINT_KEYS:
            value = finding.data.get(key)
            if isinstance(value, str):
                values.append(value)
            elif isinstance(value, list | tuple):
                values.extend(str(v) for v in value if isinstance(v, str))
        for sha in scripts:
            by_script.setdefault(sha, set()).update(endpoint_key(v) for v in values if v)
    return by_script


def script_infos(
    audit: Audit, scripts: Iterable[ScriptRecord], read_blob: Callable[[str], bytes] | None
) -> list[ScriptInfo]:
    """The page's scripts with their endpoints, from the session and (when readable) the blobs."""
    from_findings = _finding_endpoints(audit)
    infos: list[ScriptInfo] = []
    seen: set[str] = set()
    for script in scripts:
        endpoints = set(from_findings.get(script.sha256, set()))
        if read_blob is not None:
            # A missing blob: the script is compared by hash alone.
            with contextlib.suppress(OSError, ValueError, LookupError):
                endpoints |= source_endpoints(read_blob(script.sha256))
        if script.url and script.origin in ("external", "worker"):
            key = endpoint_key(script.url)
        else:
            key = f"{script.origin}:{script.sha256}"
        if key in seen:  # the same URL loaded twice with different content: keep both
            key = f"{key}#{script.sha256[:12]}"
        seen.add(key)
        infos.append(
            ScriptInfo(
                key=key,
                url=script.url,
                sha256=script.sha256,
                origin=script.origin,
                size=script.size,
                endpoints=frozenset(endpoints),
            )
        )
    return infos


def _entity_key(dest: Destination) -> str:
    att = dest.attribution
    return f"entity:{att.entity_id}" if att.entity_id else f"domain:{att.registrable_domain}"


def _entity_name(dest: Destination) -> str:
    att = dest.attribution
    return att.entity_name or att.entity_id or f"unknown owner ({att.registrable_domain})"


def _host_of(endpoint: str) -> str:
    return (urlsplit(endpoint).hostname or endpoint).lower()


class _Differ:
    def __init__(self, before: DiffSide, after: DiffSide) -> None:
        self.before = before
        self.after = after
        self.result = AuditDiff(
            before=before.audit.audit_id,
            after=after.audit.audit_id,
            target_before=before.audit.target,
            target_after=after.audit.target,
        )

    def add(
        self, category: Category, change: ChangeKind, severity: Severity, subject: str, detail: str
    ) -> None:
        self.result.changes.append(Change(category, change, severity, subject, detail))

    def run(self) -> AuditDiff:
        self.notes()
        self.destinations()
        self.entities()
        self.countries()
        self.watchlists()
        self.scripts()
        self.findings()
        self.result.changes.sort(
            key=lambda c: (SEVERITY_ORDER.get(c.severity, 9), not c.appeared, c.category, c.subject)
        )
        return self.result

    def notes(self) -> None:
        a, b = self.before.audit, self.after.audit
        notes = self.result.notes
        if a.target != b.target:
            notes.append(f"the audits are of different targets: {a.target} and {b.target}")
        if a.intel.snapshot_sha256 != b.intel.snapshot_sha256:
            notes.append("the intel differs: owner, country or list changes may come from it")
        if a.tool.version != b.tool.version:
            notes.append(f"aivet {a.tool.version} made the first, {b.tool.version} the second")
        for name in ("browser_version", "locale", "timezone", "user_agent"):
            if getattr(a.vantage, name, None) != getattr(b.vantage, name, None):
                notes.append(f"the vantage differs ({name.replace('_', ' ')})")
        if a.derived_from or b.derived_from:
            notes.append("one audit is a re-analysis: the evidence may be the same")
        if b.status == "partial" and a.status != "partial":
            self.add(
                "status",
                "changed",
                "low",
                "audit status",
                "the second audit is partial ("
                + "; ".join(b.status_reasons or ["no reason"])
                + "): what vanished may only be unseen",
            )
        elif a.status == "partial" and b.status != "partial":
            notes.append("the first audit was partial: some 'new' items may only be newly seen")

    def destinations(self) -> None:
        before = {d.attribution.host: d for d in self.before.audit.destinations}
        after = {d.attribution.host: d for d in self.after.audit.destinations}
        for host in sorted(after.keys() - before.keys()):
            dest = after[host]
            typed = set(dest.canaries)
            severity: Severity = "low" if dest.party == "first" else "medium"
            if typed and dest.party != "first":
                severity = "high"
            detail = f"{dest.party} party, {_entity_name(dest)}"
            detail += (
                f" ({dest.attribution.country or 'country unknown'}), {dest.requests} requests"
            )
            if typed:
                detail += f"; received typed data: {', '.join(sorted(typed))}"
            self.add("destination", "new", severity, host, detail)
        for host in sorted(before.keys() - after.keys()):
            dest = before[host]
            self.add("destination", "vanished", "info", host, f"was {dest.requests} requests")
        for host in sorted(before.keys() & after.keys()):
            old, new = before[host], after[host]
            gained = sorted(set(new.canaries) - set(old.canaries))
            if gained and new.party != "first":
                self.add(
                    "destination",
                    "changed",
                    "high",
                    host,
                    f"now receives typed data: {', '.join(gained)}",
                )
            if old.party != new.party:
                moved: Severity = "medium" if new.party != "first" else "info"
                self.add("destination", "changed", moved, host, f"party {old.party} → {new.party}")

    def entities(self) -> None:
        def groups(audit: Audit) -> dict[str, tuple[str, set[str], set[str]]]:
            out: dict[str, tuple[str, set[str], set[str]]] = {}
            for dest in audit.destinations:
                _name, hosts, parties = out.setdefault(
                    _entity_key(dest), (_entity_name(dest), set(), set())
                )
                hosts.add(dest.attribution.host)
                parties.add(dest.party)
            return out

        before, after = groups(self.before.audit), groups(self.after.audit)
        for key in sorted(after.keys() - before.keys()):
            name, hosts, parties = after[key]
            severity: Severity = "low" if parties == {"first"} else "medium"
            self.add("entity", "new", severity, name, f"via {', '.join(sorted(hosts))}")
        for key in sorted(before.keys() - after.keys()):
            name, hosts, _ = before[key]
            self.add("entity", "vanished", "info", name, f"was via {', '.join(sorted(hosts))}")

    def countries(self) -> None:
        def countries(audit: Audit) -> dict[str, set[str]]:
            out: dict[str, set[str]] = {}
            for dest in audit.destinations:
                if dest.attribution.country:
                    out.setdefault(dest.attribution.country, set()).add(_entity_name(dest))
            return out

        before, after = countries(self.before.audit), countries(self.after.audit)
        for country in sorted(after.keys() - before.keys()):
            self.add(
                "country", "new", "high", country, f"receivers: {', '.join(sorted(after[country]))}"
            )
        for country in sorted(before.keys() - after.keys()):
            self.add("country", "vanished", "info", country, "no receiver there any more")

    def watchlists(self) -> None:
        def hits(audit: Audit) -> dict[tuple[str, str], str]:
            out: dict[tuple[str, str], str] = {}
            for dest in audit.destinations:
                for hit in dest.attribution.watchlists:
                    key = (hit.via, hit.list_name)
                    out.setdefault(key, f"{_entity_name(dest)} via {dest.attribution.host}")
            return out

        before, after = hits(self.before.audit), hits(self.after.audit)
        for key in sorted(after.keys() - before.keys()):
            via, list_name = key
            self.add(
                "watchlist",
                "new",
                "critical",
                f"{via} on the {list_name}",
                f"contacted: {after[key]}",
            )
        for key in sorted(before.keys() - after.keys()):
            via, list_name = key
            self.add(
                "watchlist", "vanished", "info", f"{via} on the {list_name}", "no longer contacted"
            )

    def _watchlisted_hosts(self) -> set[str]:
        return {
            d.attribution.host for d in self.after.audit.destinations if d.attribution.watchlists
        }

    def scripts(self) -> None:
        if self.before.scripts is None or self.after.scripts is None:
            missing = "first" if self.before.scripts is None else "second"
            self.result.notes.append(
                f"scripts not compared: the {missing} audit's session is not available"
            )
            return
        before = {s.key: s for s in self.before.scripts}
        after = {s.key: s for s in self.after.scripts}
        known_endpoints = {e for s in self.before.scripts for e in s.endpoints}
        watchlisted = self._watchlisted_hosts()
        for key in sorted(after.keys() - before.keys()):
            script = after[key]
            self.add(
                "script",
                "new",
                "low",
                script.url or key,
                f"{script.origin}, {script.size} bytes, sha256 {script.sha256[:12]}",
            )
            self._endpoints(script, set(), known_endpoints, watchlisted)
        for key in sorted(before.keys() - after.keys()):
            script = before[key]
            self.add(
                "script", "vanished", "info", script.url or key, f"sha256 {script.sha256[:12]}"
            )
        for key in sorted(before.keys() & after.keys()):
            old, new = before[key], after[key]
            if old.sha256 == new.sha256:
                continue
            self.add(
                "script",
                "changed",
                "low",
                new.url or key,
                f"sha256 {old.sha256[:12]} → {new.sha256[:12]}, {old.size} → {new.size} bytes",
            )
            self._endpoints(new, set(old.endpoints), known_endpoints, watchlisted)
            for endpoint in sorted(old.endpoints - new.endpoints):
                self.add(
                    "endpoint",
                    "vanished",
                    "info",
                    endpoint,
                    f"no longer in {new.url or key}",
                )

    def _endpoints(
        self, script: ScriptInfo, had: set[str], known: set[str], watchlisted: set[str]
    ) -> None:
        for endpoint in sorted(script.endpoints - had):
            host = _host_of(endpoint)
            severity: Severity = "medium"
            if host in watchlisted:
                severity = "high"
            elif endpoint in known:
                severity = "low"  # moved between scripts, not new to the page
            self.add("endpoint", "new", severity, endpoint, f"in {script.url or script.key}")

    def findings(self) -> None:
        before = {f.id: f for f in self.before.audit.findings}
        after = {f.id: f for f in self.after.audit.findings}
        for fid in sorted(after.keys() - before.keys()):
            finding = after[fid]
            self.add(
                "finding", "new", finding.severity, finding.title, f"{finding.rule} ({finding.id})"
            )
        for fid in sorted(before.keys() - after.keys()):
            finding = before[fid]
            self.add("finding", "resolved", "info", finding.title, f"{finding.rule} ({finding.id})")
        for fid in sorted(before.keys() & after.keys()):
            old, new = before[fid], after[fid]
            if old.severity != new.severity:
                rose = SEVERITY_ORDER[new.severity] < SEVERITY_ORDER[old.severity]
                self.add(
                    "finding",
                    "changed",
                    new.severity if rose else "info",
                    new.title,
                    f"severity {old.severity} → {new.severity} ({new.id})",
                )


def diff_audits(before: DiffSide, after: DiffSide) -> AuditDiff:
    """Every change from `before` to `after`, most severe first."""
    return _Differ(before, after).run()
