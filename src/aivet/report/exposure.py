"""Reports of an exposure audit: the terminal summary and the HTML page.

Everything shown comes from the `Audit` alone. Replies from probed hosts are hostile
text: in the terminal they only reach the console inside `Text` after `clean_text`;
in HTML Jinja2 escapes them.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console
from rich.table import Table
from rich.text import Text

from aivet.exposure_session import ExposureReport, ServiceResult
from aivet.model import Audit
from aivet.report import SEVERITY_STYLE, clean_text, plural, sorted_findings

_ACCESS_LABEL = {
    "open": "OPEN (no credentials)",
    "auth-required": "credentials required",
    "restricted": "refused",
    "unknown": "undecided",
}


@dataclass
class ServiceRow:
    where: str
    service: str
    version: str
    access: str
    exposed: str
    owner: str
    result: ServiceResult


def _where(s: ServiceResult) -> str:
    host = s.host if s.host == s.address else f"{s.host} ({s.address})"
    return f"{host}:{s.port}" + (" tls" if s.transport == "tls" else "")


def _exposed(s: ServiceResult) -> str:
    parts = []
    for d in s.facts.databases[:6]:
        parts.append(f"{d.name} ({d.count} {d.unit})" if d.count is not None else d.name)
    if len(s.facts.databases) > 6:
        parts.append(f"+{len(s.facts.databases) - 6} more")
    parts += [f"{p.path}: {p.detail}" for p in s.facts.paths]
    return "; ".join(parts)


def service_rows(report: ExposureReport) -> list[ServiceRow]:
    """Identified services, open ones first; unrecognised replies on open ports last."""
    owners = {t.host: t.owner for t in report.targets}
    rows = []
    order = {"open": 0, "auth-required": 1, "restricted": 2, "unknown": 3}
    shown = sorted(
        report.services,
        key=lambda s: (not s.facts.identified, order[s.facts.access], s.address, s.port),
    )
    identified = {(s.address, s.port) for s in report.services if s.facts.identified}
    seen_unknown: set[tuple[str, int]] = set()
    for s in shown:
        if not s.facts.identified:
            if (s.address, s.port) in identified or (s.address, s.port) in seen_unknown:
                continue
            seen_unknown.add((s.address, s.port))
        owner = owners.get(s.host)
        owner_text = ""
        if owner is not None:
            owner_text = f"{owner.entity_name} ({owner.country or '?'})"
            if owner.watchlists:
                owner_text += " [" + ", ".join(owner.watchlists) + "]"
        rows.append(
            ServiceRow(
                where=_where(s),
                service=(s.facts.product or s.facts.service or "not identified")
                if s.facts.identified
                else "not identified",
                version=s.facts.version or "",
                access=_ACCESS_LABEL[s.facts.access]
                if s.facts.identified
                else (s.error or "open port"),
                exposed=_exposed(s) if s.facts.identified else (s.banner or s.facts.how),
                owner=owner_text,
                result=s,
            )
        )
    return rows


def headline(audit: Audit) -> tuple[str, str]:
    """(sentence, tone) for the top of both reports."""
    report = audit.exposure
    assert report is not None
    worst = [f for f in audit.findings if f.severity in ("critical", "high")]
    if worst:
        return (
            f"{plural(len(worst), 'high or critical exposure')} found "
            f"({plural(report.open, 'open port')} of {report.probed} probed).",
            "danger",
        )
    if report.open:
        return (
            f"No open data service found; {plural(report.open, 'port')} of {report.probed} "
            "probed answer, see below.",
            "warning",
        )
    return (f"No open port among {report.probed} probed.", "ok")


def render_exposure_terminal(audit: Audit, console: Console) -> None:
    report = audit.exposure
    assert report is not None
    line = Text("aivet exposure audit  ", style="bold")
    line.append(clean_text(audit.target, 120))
    line.append("  ")
    line.append("PARTIAL" if audit.status == "partial" else "complete",
                style="bold black on yellow" if audit.status == "partial" else "green")  # fmt: skip
    console.print(line)
    for reason in audit.status_reasons:
        console.print(Text("  ! " + clean_text(reason, 300)))
    text, tone = headline(audit)
    console.print()
    console.print(
        Text(text, style={"danger": "bold red", "warning": "bold yellow"}.get(tone, "bold green"))
    )
    console.print(
        Text(
            f"  {report.probed} host:port probed: {report.open} open, {report.closed} closed, "
            f"{report.filtered} filtered"
            + (f", {report.not_probed} not probed" if report.not_probed else ""),
            style="dim",
        )
    )
    refused = [t for t in report.targets if t.refused]
    if refused:
        console.print(Text(f"  {plural(len(refused), 'target')} refused:", style="yellow"))
        for t in refused[:20]:
            console.print(Text(f"    {clean_text(t.host, 100)}: {clean_text(t.refused, 120)}"))
    rows = service_rows(report)
    console.print()
    console.print(Text("Services", style="bold underline"))
    if not rows:
        console.print(Text("  No open port."))
    else:
        table = Table(show_edge=False, pad_edge=False, show_lines=False)
        for name in ("Where", "Service", "Access", "Exposed / reply"):
            table.add_column(name, overflow="fold")
        for row in rows:
            style = (
                "bold red"
                if row.result.facts.access == "open" and row.result.facts.identified
                else ""
            )
            service = row.service + (f" {row.version}" if row.version else "")
            where = row.where + (f"\n{row.owner}" if row.owner else "")
            table.add_row(Text(clean_text(where, 160)), Text(clean_text(service, 60)),
                          Text(clean_text(row.access, 60), style=style),
                          Text(clean_text(row.exposed, 300)))  # fmt: skip
        console.print(table)
    findings = sorted_findings(audit)
    console.print()
    console.print(Text(f"Findings ({len(findings)})", style="bold underline"))
    for f in findings:
        line = Text(f"{f.severity.upper():9}", style=SEVERITY_STYLE.get(f.severity, ""))
        line.append(clean_text(f"{f.rule}  {f.title}", 300))
        console.print(line)


def render_exposure_html(audit: Audit) -> str:
    from aivet.report.html import _environment

    report = audit.exposure
    assert report is not None
    text, tone = headline(audit)
    template = _environment().get_template("exposure.html.j2")
    return template.render(
        audit=audit,
        report=report,
        headline=text,
        tone=tone,
        rows=service_rows(report),
        findings=sorted_findings(audit),
        severities=["critical", "high", "medium", "low", "info"],
    )
