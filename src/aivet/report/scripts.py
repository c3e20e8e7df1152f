"""The "hidden code" part of the reports: obfuscated scripts, what decoding them revealed, and
the endpoints their code can reach, split into those the session contacted and latent ones.

Plain data for the HTML template and the terminal; every string in it came from the audited
code and is escaped (HTML) or wrapped in `Text` (terminal) by the renderer.
"""

from __future__ import annotations

from dataclasses import dataclass

from aivet.model import Audit
from aivet.script_record import Endpoint, Excerpt, ScriptAnalysis

MAX_ENDPOINTS_SHOWN = 60


@dataclass(frozen=True)
class Segment:
    text: str
    marked: bool


@dataclass(frozen=True)
class ExcerptView:
    line: int
    via: str
    segments: tuple[Segment, ...]
    original: str


@dataclass(frozen=True)
class ScriptView:
    analysis: ScriptAnalysis
    label: str
    """The script's URL, or "inline/eval"."""
    excerpts: tuple[ExcerptView, ...]


@dataclass(frozen=True)
class ReachView:
    """One host a script's code can send to."""

    script: str
    endpoint: Endpoint
    contacted: bool | None
    """True: the session sent requests there; False: latent; None: no session to compare."""

    @property
    def confidence(self) -> str:
        if self.endpoint.sink != "string-only":
            return "high"
        if self.endpoint.decoded and not self.endpoint.reference_like:
            return "medium"
        return "low"


@dataclass(frozen=True)
class HiddenCode:
    obfuscated: tuple[ScriptView, ...]
    latent: tuple[ReachView, ...]
    contacted: tuple[ReachView, ...]
    uncompared: tuple[ReachView, ...]
    """Endpoints of a js audit: there is no session, so neither latent nor contacted."""
    analysed: int

    @property
    def empty(self) -> bool:
        return not (self.obfuscated or self.latent or self.contacted or self.uncompared)


def script_label(analysis: ScriptAnalysis) -> str:
    return analysis.url or "inline/eval"


def excerpt_segments(excerpt: Excerpt) -> tuple[Segment, ...]:
    """The de-obfuscated text cut at its highlights; overlapping or out-of-range spans are
    clipped, never trusted."""
    text = excerpt.deobfuscated
    segments: list[Segment] = []
    at = 0
    for span in sorted(excerpt.highlights, key=lambda h: (h.start, h.end)):
        start, end = max(span.start, at), min(span.end, len(text))
        if start >= end:
            continue
        if start > at:
            segments.append(Segment(text[at:start], False))
        segments.append(Segment(text[start:end], True))
        at = end
    if at < len(text):
        segments.append(Segment(text[at:], False))
    return tuple(segments)


def _contacted(host: str, contacted_hosts: set[str]) -> bool:
    if host.startswith("*."):
        return any(h.endswith(host[1:]) for h in contacted_hosts)
    return host in contacted_hosts


def hidden_code(audit: Audit) -> HiddenCode:
    """What the report says about the audit's scripts."""
    has_session = audit.kind == "web" and audit.summary is not None
    contacted_hosts = {d.attribution.host for d in audit.destinations}
    obfuscated: list[ScriptView] = []
    latent: list[ReachView] = []
    contacted: list[ReachView] = []
    uncompared: list[ReachView] = []
    seen_scripts: set[str] = set()
    seen_hosts: set[tuple[str, str]] = set()
    for analysis in sorted(audit.scripts, key=lambda a: (a.url or "", a.sha256)):
        if analysis.sha256 in seen_scripts:
            continue
        seen_scripts.add(analysis.sha256)
        label = script_label(analysis)
        if analysis.obfuscated:
            excerpts = tuple(
                ExcerptView(e.location.line, e.location.via, excerpt_segments(e), e.original)
                for e in analysis.excerpts
            )
            obfuscated.append(ScriptView(analysis, label, excerpts))
        for endpoint in analysis.endpoints:
            if endpoint.reference_like and not endpoint.decoded:
                continue  # documentation, licences, namespaces of ordinary libraries
            if (analysis.sha256, endpoint.host) in seen_hosts:
                continue
            seen_hosts.add((analysis.sha256, endpoint.host))
            if not has_session:
                uncompared.append(ReachView(label, endpoint, None))
            elif _contacted(endpoint.host, contacted_hosts):
                if endpoint.decoded:  # the request is linked to the hidden code naming it
                    contacted.append(ReachView(label, endpoint, True))
            else:
                latent.append(ReachView(label, endpoint, False))

    def ordered(views: list[ReachView]) -> tuple[ReachView, ...]:
        rank = {"high": 0, "medium": 1, "low": 2}
        views.sort(key=lambda v: (rank[v.confidence], v.endpoint.host, v.script))
        return tuple(views[:MAX_ENDPOINTS_SHOWN])

    return HiddenCode(
        tuple(obfuscated),
        ordered(latent),
        ordered(contacted),
        ordered(uncompared),
        len(seen_scripts),
    )
