"""The terminal report: what matters first, readable in 80 columns and without colour.

Page-supplied text only ever reaches the console inside `rich.text.Text`
objects (never as markup), after `clean_text`, so a hostile host name can
neither inject console markup nor escape sequences.
"""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from aivet.model import Audit
from aivet.report import (
    SEVERITY_STYLE,
    TONE_STYLE,
    canary_leaks,
    format_bytes,
    group_destinations,
    headline,
    list_names,
    sorted_findings,
    watchlisted_groups,
)
from aivet.report.console import hanging, heading, print_status, styled
from aivet.report.scripts import ReachView, hidden_code

_PARTY_STYLE = {"first": "green", "third": "yellow", "unknown": "dim"}


def _headline(console: Console, audit: Audit) -> None:
    head = headline(audit)
    console.print()
    console.print(styled(head.text, TONE_STYLE[head.tone], limit=None))
    for line in head.details:
        hanging(console, "• ", styled(line, "dim", limit=None))


def _watchlisted(console: Console, audit: Audit) -> None:
    groups = watchlisted_groups(audit)
    if not groups:
        return
    heading(console, "Watchlisted receivers")
    for group in groups:
        title = styled(group.label(), "bold red")
        if group.state_owned:
            title.append(", state-owned")
        hanging(console, "", title)
        for hit in group.watchlists:
            line = styled(hit.list_name, "bold") + styled(f" ({hit.authority})")
            detail = f"listed as {hit.listed_entity}"
            if hit.via != group.name:
                detail += f", via owner {hit.via}"
            if hit.since:
                detail += f", since {hit.since}"
            hanging(console, "- ", line + styled(f": {detail}"), indent=4)
        hosts = styled(f"hosts: {', '.join(group.hosts)}", limit=300)
        if group.canaries:
            hosts.append_text(styled(f"; received typed data: {', '.join(group.canaries)}", "red"))
        hanging(console, "", hosts, indent=4)


def _leaks(console: Console, audit: Audit) -> None:
    leaks = canary_leaks(audit)
    shown = [leak for leak in leaks if leak.noteworthy]
    expected = [leak for leak in leaks if not leak.noteworthy]
    heading(console, "Typed data that left the page")
    if not shown:
        hanging(console, "", Text("No typed value was seen reaching anyone but the site itself."))
    for leak in shown:
        line = styled(leak.field_kind, "bold") + Text(" → ") + styled(leak.host, "bold")
        line.append_text(styled(f" ({leak.party} party)"))
        hanging(console, "", line)
        detail = styled(f"{leak.receiver} ({leak.country or 'country unknown'}); ")
        detail.append_text(styled(f"encoding: {leak.encoding}; when: "))
        detail.append_text(styled(leak.timing, "bold red" if leak.before_submit else ""))
        hanging(console, "", detail, indent=4)
    if expected:
        received = ", ".join(f"{leak.field_kind} at {leak.host}" for leak in expected)
        hanging(console, "", styled(f"As expected, the site itself received: {received}", "dim"))


def _destinations(console: Console, audit: Audit) -> None:
    groups = group_destinations(audit)
    heading(console, "Destinations")
    if not groups:
        console.print(Text("  The page sent nothing anywhere."))
        return
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, expand=False)
    table.add_column("Owner / host", overflow="fold", ratio=1, min_width=24)
    table.add_column("Ctry", no_wrap=True)
    table.add_column("Party", no_wrap=True)
    table.add_column("Req", justify="right", no_wrap=True)
    table.add_column("Sent", justify="right", no_wrap=True)
    table.add_column("Typed data", overflow="fold", max_width=16)
    for index, group in enumerate(groups):
        if index:
            table.add_section()
        name = styled(group.name, "bold red" if group.watchlists else "bold")
        if group.watchlists:
            name.append_text(styled(f" [{', '.join(list_names(group.watchlists))}]", "red"))
        table.add_row(
            name,
            styled(group.country or "?"),
            styled(group.party, _PARTY_STYLE.get(group.parties[0], "")),
            Text(str(group.requests)),
            Text(format_bytes(group.bytes_sent)),
            styled(", ".join(group.canaries) or "-", "red" if group.canaries else "dim"),
        )
        if len(group.destinations) == 1 and group.destinations[0].attribution.host == group.name:
            continue
        for dest in group.destinations:
            table.add_row(
                Text("  ") + styled(dest.attribution.host, "dim"),
                Text(""),
                styled(dest.party, "dim") if len(group.parties) > 1 else Text(""),
                Text(str(dest.requests), style="dim"),
                Text(format_bytes(dest.bytes_sent), style="dim"),
                styled(", ".join(dest.canaries), "red") if dest.canaries else Text(""),
            )
    console.print(table)


def _findings(console: Console, audit: Audit) -> None:
    findings = sorted_findings(audit)
    heading(console, f"Findings ({len(findings)})")
    if not findings:
        console.print(Text("  No findings."))
        return
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(no_wrap=True, min_width=8)
    grid.add_column(no_wrap=True, min_width=8)
    grid.add_column(no_wrap=True, min_width=6)
    grid.add_column(no_wrap=True, overflow="ellipsis", ratio=1)
    for finding in findings:
        grid.add_row(
            Text(finding.severity.upper(), style=SEVERITY_STYLE.get(finding.severity, "")),
            Text(finding.basis),
            Text(finding.confidence),
            styled(finding.title, limit=300),
        )
    console.print(grid)


def _reach_line(view: ReachView) -> Text:
    ep = view.endpoint
    owner = ep.attribution.entity_name or "owner unknown"
    line = styled(ep.host, "bold") + styled(
        f" ({owner}, {ep.attribution.country or 'country unknown'})"
    )
    line.append_text(styled(f" ← {view.script} line {ep.location.line}, {ep.sink}", "dim"))
    if ep.decoded:
        line.append(" decoded", style="yellow")
    line.append(f" · {view.confidence}", style="dim")
    return line


def _hidden_code(console: Console, audit: Audit) -> None:
    hidden = hidden_code(audit)
    if hidden.empty:
        return
    heading(console, "Hidden code")
    for view in hidden.obfuscated:
        a = view.analysis
        signals = ", ".join(s.name for s in a.obfuscation_signals)
        line = styled(view.label, "bold", limit=120) + styled(f" [{a.sha256[:12]}]", "dim")
        line.append(f"  obfuscated {a.obfuscation_score:.2f}", style="yellow")
        line.append_text(styled(f" ({signals})", "dim"))
        hanging(console, "• ", line)
    if hidden.latent:
        console.print(Text("  Latent flows (the code can send there; this session never did):"))
        for reach in hidden.latent[:10]:
            hanging(console, "  ⇢ ", _reach_line(reach))
    if hidden.contacted:
        console.print(Text("  Decoded hosts the session did contact:"))
        for reach in hidden.contacted[:10]:
            hanging(console, "  → ", _reach_line(reach))
    if hidden.uncompared:
        console.print(Text("  Hosts the code can send to (no session to compare):"))
        for reach in hidden.uncompared[:10]:
            hanging(console, "  ⇢ ", _reach_line(reach))


def render_terminal(audit: Audit, console: Console) -> None:
    """Status, the headline, watchlisted receivers and leaks, destinations, then findings."""
    if audit.kind == "exposure":
        from aivet.report.exposure import render_exposure_terminal

        render_exposure_terminal(audit, console)
        return
    if audit.kind == "app" and audit.app is not None:
        from aivet.report.app import render_app_terminal

        render_app_terminal(audit, console)
        return
    if audit.kind == "model":
        from aivet.report.model_audit import render_model_terminal

        render_model_terminal(audit, console)
        return
    if audit.kind == "policy" and audit.policy is not None:
        from aivet.report.policy import render_policy_terminal

        render_policy_terminal(audit, console)
        return
    print_status(console, audit)
    _headline(console, audit)
    if audit.kind != "js":
        _watchlisted(console, audit)
        _leaks(console, audit)
        _destinations(console, audit)
    _hidden_code(console, audit)
    _findings(console, audit)
