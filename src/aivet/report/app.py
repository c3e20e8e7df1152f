"""Reports of an app audit: the terminal summary and the HTML page.

Everything shown comes from the `Audit` alone. Every string read from the app (URLs,
keys, class names, manifest values, usage descriptions) was written by whoever built
it and is hostile text: in the terminal it reaches the console only inside `Text` after
`clean_text`; in HTML Jinja2 escapes it and `finalize` cleans it.

Static analysis shows what the code can do, never what it did: the reports say so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from aivet.app_record import AppEndpoint, AppReport, Component, SdkHit
from aivet.exposure_session import HostOwner
from aivet.model import SEVERITY_ORDER, Audit, Finding
from aivet.report import (
    SEVERITY_STYLE,
    TONE_STYLE,
    Tone,
    format_bytes,
    plural,
    sorted_findings,
)
from aivet.report.console import heading, print_status, styled

if TYPE_CHECKING:
    from aivet.report.html import Custody

_PARTY_ORDER = {"first": 2, "third": 0, "unknown": 1}
TERMINAL_ROWS = 25
"""Rows of a terminal table; the HTML report has the rest."""
_PLATFORM_NAMES = {"android": "Android", "ios": "iOS"}


def owner_label(owner: HostOwner | None) -> str:
    """`China Mobile (CN)`, as a reader would say it; empty when the intel does not know."""
    if owner is None or not owner.entity_name:
        return ""
    return f"{owner.entity_name} ({owner.country or 'country unknown'})"


def place(entry: str, where: str) -> str:
    """`classes2.dex — Lcom/a/B;->m(I)V`: the archive entry, then the place inside it.

    Takes the two parts rather than a `Location` because evidence refs carry the same pair
    (`ref`, `detail`); an SDK's refs name only a package prefix, with no entry."""
    if entry and where:
        return f"{entry} — {where}"
    return entry or where


def _watchlisted(owner: HostOwner | None) -> bool:
    return owner is not None and bool(owner.watchlists)


def sorted_endpoints(report: AppReport) -> list[AppEndpoint]:
    """Watchlisted owners first, then third parties, then cleartext, then by host."""
    return sorted(
        report.endpoints,
        key=lambda e: (not _watchlisted(e.owner), _PARTY_ORDER[e.party], not e.cleartext, e.host),
    )


def sorted_sdks(report: AppReport) -> list[SdkHit]:
    """Watchlisted makers first, then by name."""
    return sorted(report.sdks, key=lambda s: (not _watchlisted(s.owner), s.name.lower()))


def watchlisted_owners(report: AppReport) -> list[str]:
    """Distinct labels of watchlisted owners of endpoints and SDKs, in report order."""
    owners = [e.owner for e in sorted_endpoints(report)] + [s.owner for s in sorted_sdks(report)]
    labels = [owner_label(o) for o in owners if o is not None and o.watchlists]
    return list(dict.fromkeys(label for label in labels if label))


def _serious(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if SEVERITY_ORDER.get(f.severity, 9) <= SEVERITY_ORDER["high"]]


def headline(audit: Audit) -> tuple[str, str]:
    """(sentence, tone) for the top of both reports."""
    report = audit.app
    assert report is not None
    serious = _serious(audit.findings)
    medium = [f for f in audit.findings if f.severity == "medium"]
    watched = watchlisted_owners(report)
    tone: Tone
    if watched:
        names = ", ".join(watched[:3]) + (
            f" and {len(watched) - 3} more" if len(watched) > 3 else ""
        )
        text = (
            f"The app's code can send data to {names}, on a government watchlist "
            f"({plural(len(serious), 'high or critical finding')} in all)."
        )
        tone = "danger"
    elif serious:
        worst = sorted_findings(audit)[0]
        text = (
            f"{plural(len(serious), 'high or critical finding')} in the app's code and setup, "
            f"first: {worst.title}."
        )
        tone = "danger"
    elif medium:
        text = f"No high or critical finding; {plural(len(medium), 'medium finding')} to review."
        tone = "warning"
    else:
        text = "No high, critical or medium finding in the app's code and setup."
        # Nothing found in what was not read is no reassurance.
        tone = "warning" if audit.status == "partial" or _encrypted(report) else "ok"
    if _encrypted(report):
        text += " Its code is FairPlay-encrypted, so only its configuration could be read."
    return text, tone


def _encrypted(report: AppReport) -> bool:
    return report.ios is not None and any(b.encrypted for b in report.ios.binaries)


def _more(console: Console, total: int, shown: int) -> None:
    if total > shown:
        console.print(Text(f"  and {total - shown} more in the HTML report", style="dim"))


def render_app_terminal(audit: Audit, console: Console) -> None:
    """Status, headline, who the code talks to, SDKs, then the findings with their places."""
    report = audit.app
    assert report is not None
    print_status(console, audit)
    facts = styled(f"  {_PLATFORM_NAMES[report.platform]} ", "dim")
    facts.append_text(styled(report.identifier, "dim", 150))
    facts.append_text(styled(f" {report.version}" if report.version else "", "dim", 60))
    facts.append(f", {format_bytes(report.file_size)}, sha256 {report.file_sha256}", style="dim")
    console.print(facts)

    text, tone = headline(audit)
    console.print()
    console.print(styled(text, TONE_STYLE[tone], None))
    console.print(
        Text(
            f"  Static analysis: what the code can do, not what it was seen doing. "
            f"{plural(len(report.endpoints), 'host')}, {plural(len(report.sdks), 'SDK')}, "
            f"{plural(len(report.crypto), 'cipher use')}, {plural(len(report.secrets), 'secret')}, "
            f"{plural(len(report.storage), 'storage write')}.",
            style="dim",
        )
    )
    _endpoints(console, report)
    _sdks(console, report)
    _findings(console, audit)


def _endpoints(console: Console, report: AppReport) -> None:
    heading(console, f"Who the code talks to ({plural(len(report.endpoints), 'host')})")
    if not report.endpoints:
        console.print(Text("  No URL or host name was found in the app."))
        return
    table = Table(box=box.SIMPLE, show_edge=False, pad_edge=False)
    for name in ("Host", "Owner", "Party", "Where"):
        table.add_column(name, overflow="fold")
    endpoints = sorted_endpoints(report)
    for endpoint in endpoints[:TERMINAL_ROWS]:
        watched = _watchlisted(endpoint.owner)
        host = styled(endpoint.host, "bold red" if watched else "", 120)
        if endpoint.cleartext:
            host.append(" http", style="yellow")
        owner = styled(owner_label(endpoint.owner) or "unknown", "" if endpoint.owner else "dim")
        if endpoint.owner is not None:
            for name in endpoint.owner.watchlists:
                owner.append_text(styled("\n" + name, "bold red"))
        where = styled(
            ", ".join(place(loc.file, loc.where) for loc in endpoint.locations[:2]), "dim", 160
        )
        table.add_row(host, owner, Text(endpoint.party), where)
    console.print(table)
    _more(console, len(endpoints), TERMINAL_ROWS)


def _sdks(console: Console, report: AppReport) -> None:
    if not report.sdks:
        return
    heading(console, f"SDKs ({len(report.sdks)})")
    sdks = sorted_sdks(report)
    for sdk in sdks[:TERMINAL_ROWS]:
        watched = _watchlisted(sdk.owner)
        line = styled("  " + sdk.name, "bold red" if watched else "bold", 120)
        line.append_text(styled(f"  {', '.join(sdk.categories)}" if sdk.categories else ""))
        line.append_text(styled(f"  by {owner_label(sdk.owner)}" if sdk.owner else "", limit=150))
        if sdk.owner is not None and sdk.owner.watchlists:
            line.append_text(styled(f" [{'; '.join(sdk.owner.watchlists)}]", "bold red", 300))
        line.append_text(styled(f"  {', '.join(sdk.matched)}", "dim", 200))
        console.print(line)
    _more(console, len(sdks), TERMINAL_ROWS)


def _findings(console: Console, audit: Audit) -> None:
    findings = sorted_findings(audit)
    heading(console, f"Findings ({len(findings)})")
    if not findings:
        console.print(Text("  No findings."))
    for finding in findings:
        line = Text(f"{finding.severity.upper():9}", style=SEVERITY_STYLE.get(finding.severity, ""))
        line.append_text(styled(f"{finding.rule}  {finding.title}", limit=300))
        console.print(line)
        if finding.evidence:
            first = finding.evidence[0]
            extra = f" (+{len(finding.evidence) - 1})" if len(finding.evidence) > 1 else ""
            console.print(
                styled(f"         at {place(first.ref, first.detail)}{extra}", "dim", 200)
            )


def render_app_html(audit: Audit, *, custody: Custody | None = None) -> str:
    from aivet.report.html import _environment

    report = audit.app
    assert report is not None
    text, tone = headline(audit)
    template = _environment().get_template("app.html.j2")
    return template.render(
        audit=audit,
        report=report,
        headline=text,
        tone=tone,
        findings=sorted_findings(audit),
        endpoints=sorted_endpoints(report),
        sdks=sorted_sdks(report),
        storage=sorted(report.storage, key=lambda w: (not w.sensitive, w.store, w.key)),
        platform_name=_PLATFORM_NAMES[report.platform],
        place=place,
        open_to_all=open_to_all,
        custody=custody,
        **_android_rows(report),
    )


def open_to_all(component: Component) -> bool:
    """Exported with no permission, so any app on the device can reach it; the launcher
    activity is left out, since it must be exported (the findings skip it too)."""
    return (
        component.exported
        and not component.permission
        and "android.intent.action.MAIN" not in component.actions
    )


def _android_rows(report: AppReport) -> dict[str, object]:
    """Permissions and components in the order a reviewer reads them: the risky ones first."""
    if report.android is None:
        return {"permissions": [], "components": []}
    manifest = report.android.manifest
    return {
        "permissions": sorted(
            manifest.permissions, key=lambda p: (p.protection_level != "dangerous", p.name)
        ),
        "components": sorted(
            manifest.components,
            key=lambda c: (not open_to_all(c), not c.exported, c.kind, c.name),
        ),
    }
