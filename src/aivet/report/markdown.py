"""Markdown for pull requests and issues: the headline, the receivers, the findings, the custody.

GitHub renders HTML inside Markdown, so page-supplied text is hostile twice:
`md` escapes Markdown punctuation and HTML (`<`, `>`, `&`), and removes line
breaks from table cells, after `clean_text` has removed control and invisible
characters.
"""

from __future__ import annotations

import re
from typing import cast

from aivet.analyze.diff import AuditDiff
from aivet.model import Audit
from aivet.report import (
    Headline,
    Tone,
    canary_leaks,
    clean_text,
    format_bytes,
    group_destinations,
    headline,
    list_names,
    plural,
    sorted_findings,
)

# Inside a line (every escaped value follows other text), only these can start markup.
_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_SEVERITY_MARK = {"critical": "🟥", "high": "🟧", "medium": "🟨", "low": "🟦", "info": "⬜"}


def md(value: object, limit: int | None = 300) -> str:
    """Text safe inside Markdown (and GitHub's HTML), on one line."""
    text = clean_text(value, limit)
    text = " ".join(text.split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", text)


def code(value: object, limit: int | None = 200) -> str:
    """An inline code span that no backtick in the value can close early."""
    text = " ".join(clean_text(value, limit).split()).replace("`", "'")
    return f"`{text}`"


def _section_headline(audit: Audit) -> Headline | None:
    """The headline of an audit kind that has no browser session (app, exposure)."""
    if audit.kind == "app" and audit.app is not None:
        from aivet.report.app import headline as app_headline

        text, tone = app_headline(audit)
    elif audit.kind == "exposure" and audit.exposure is not None:
        from aivet.report.exposure import headline as exposure_headline

        text, tone = exposure_headline(audit)
    else:
        return None
    return Headline(text, cast(Tone, tone), [])


def audit_to_markdown(audit: Audit) -> str:
    section_head = _section_headline(audit)
    head = section_head or headline(audit)
    lines = [
        f"## aivet {audit.kind} audit of {code(audit.target, 200)}",
        "",
    ]
    if audit.status == "partial":
        reasons = "; ".join(md(r) for r in audit.status_reasons) or "no reason recorded"
        lines += [f"> **Partial audit**: {reasons}. What it did not see is not here.", ""]
    mark = {"danger": "🛑", "warning": "⚠️", "ok": "✅"}[head.tone]
    lines += [f"{mark} **{md(head.text, None)}**", ""]
    lines += [f"- {md(detail, None)}" for detail in head.details]
    lines.append("")

    if section_head is None:
        lines += _browser_sections(audit)
    lines += _findings_and_provenance(audit)
    return "\n".join(lines)


def _browser_sections(audit: Audit) -> list[str]:
    """Receivers, typed data and destinations: what a browser session saw."""
    lines: list[str] = []
    watchlisted = [g for g in group_destinations(audit) if g.watchlists]
    if watchlisted:
        lines += ["### Receivers on government watchlists", ""]
        lines += ["| Receiver | Country | Lists | Hosts | Typed data |", "|---|---|---|---|---|"]
        for group in watchlisted:
            lines.append(
                f"| **{md(group.name)}** | {md(group.country or '?')} "
                f"| {md(', '.join(list_names(group.watchlists)))} "
                f"| {', '.join(code(h) for h in group.hosts)} "
                f"| {md(', '.join(group.canaries) or '—')} |"
            )
        lines.append("")

    leaks = [leak for leak in canary_leaks(audit) if leak.noteworthy]
    lines += ["### Typed data that left the page", ""]
    if leaks:
        lines += ["| Field | Reached | Owner | Encoding | When |", "|---|---|---|---|---|"]
        for leak in leaks:
            lines.append(
                f"| {md(leak.field_kind)} | {code(leak.host)} "
                f"| {md(leak.receiver)} ({md(leak.country or '?')}) "
                f"| {md(leak.encoding)} | {md(leak.timing)} |"
            )
    else:
        lines.append("No typed value was seen reaching anyone but the site itself.")
    lines.append("")

    groups = group_destinations(audit)
    lines += [f"### Destinations ({plural(len(audit.destinations), 'host')})", ""]
    if groups:
        lines += ["| Owner | Country | Party | Requests | Sent |", "|---|---|---|--:|--:|"]
        for group in groups:
            name = md(group.name)
            if group.watchlists:
                name = f"**{name}** ⚠️"
            lines.append(
                f"| {name} | {md(group.country or '?')} | {md(group.party)} "
                f"| {group.requests} | {format_bytes(group.bytes_sent)} |"
            )
    lines.append("")
    return lines


def _findings_and_provenance(audit: Audit) -> list[str]:
    findings = sorted_findings(audit)
    lines = [f"### Findings ({len(findings)})", ""]
    for finding in findings:
        lines.append(
            f"- {_SEVERITY_MARK.get(finding.severity, '')} **{finding.severity}** "
            f"({finding.basis}, {finding.confidence} confidence) {md(finding.title)} "
            f"— {code(finding.rule)} {code(finding.id)}"
        )
    if not findings:
        lines.append("No findings.")
    lines += [
        "",
        "<details><summary>How this audit was made</summary>",
        "",
        f"- audit {code(audit.audit_id)}, {md(audit.started_at)} to {md(audit.ended_at)}",
        f"- {md(audit.tool.name)} {md(audit.tool.version)}, intel snapshot "
        f"{code(audit.intel.snapshot_sha256[:16])}",
        _vantage_line(audit),
        f"- session record {code(audit.session_sha256 or 'none')}, "
        f"{plural(len(audit.artifacts), 'evidence blob')}",
    ]
    if audit.derived_from:
        lines.append(f"- re-analysis of {code(audit.derived_from)}")
    lines += ["", "</details>", ""]
    return lines


def _vantage_line(audit: Audit) -> str:
    vantage = audit.vantage
    if vantage is None:
        return "- no browser vantage recorded"
    line = f"- browser {md(vantage.browser_version)}, {md(vantage.locale)}, {md(vantage.timezone)}"
    return line + (", **sandbox off** (--no-sandbox)" if vantage.no_sandbox else "")


def diff_to_markdown(diff: AuditDiff, fail_on: str = "high") -> str:
    lines = [f"## aivet diff {code(diff.before)} → {code(diff.after)}", ""]
    for note in diff.notes:
        lines.append(f"> {md(note)}")
    if diff.notes:
        lines.append("")
    if not diff.changes:
        lines += ["No changes.", ""]
        return "\n".join(lines)
    lines += ["| | Severity | What | Subject | Detail |", "|---|---|---|---|---|"]
    signs = {"new": "+", "vanished": "-", "changed": "~", "resolved": "✓"}
    for change in diff.changes:
        lines.append(
            f"| {signs[change.change]} | {_SEVERITY_MARK.get(change.severity, '')} "
            f"{change.severity} | {change.change} {change.category} | {md(change.subject)} "
            f"| {md(change.detail)} |"
        )
    lines.append("")
    if fail_on != "none":
        failing = diff.appeared_at_or_above(fail_on)
        if failing:
            lines.append(f"**{plural(len(failing), 'change')} at or above {fail_on} appeared.**")
        else:
            lines.append(f"Nothing at or above {fail_on} appeared.")
        lines.append("")
    return "\n".join(lines)
