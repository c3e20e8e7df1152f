"""Reports of a privacy-policy audit: the terminal summary and the HTML page.

Worked out from the `Audit` alone (its `policy` section and `policy.*` findings),
so a stored audit renders the same later. Policy text is hostile input like any
page text: it reaches the console only inside `rich.text.Text` after
`clean_text`, and the HTML template escapes and cleans everything.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from rich.console import Console
from rich.table import Table
from rich.text import Text

from aivet.model import Audit, Finding
from aivet.policy_model import PolicyReport, PolicyStatement
from aivet.report import SEVERITY_STYLE, TONE_STYLE, clean_text, sorted_findings

GROUPS = (
    ("collect", "What it says it collects"),
    ("location", "Where it keeps data"),
    ("share", "Who receives data"),
    ("retention", "How long it keeps data"),
    ("training", "Training on user content"),
    ("legal-basis", "Legal bases"),
    ("rights", "User rights"),
    ("children", "Children"),
    ("controller", "Who is responsible"),
    ("eu-representative", "Who is responsible"),
    ("dpo-contact", "Who is responsible"),
)


@functools.cache
def category_labels() -> dict[str, str]:
    from aivet.analyze.policy.taxonomy import load_taxonomy

    return {c.id: c.label for c in load_taxonomy().categories}


def label(category: str) -> str:
    return category_labels().get(category, category)


def country_label(code: str) -> str:
    from aivet.analyze.policy.countries import country_name

    name = country_name(code)
    return f"{name} ({code})" if name != code else code


@dataclass
class Fact:
    name: str
    value: str
    tone: str = ""


@dataclass
class StatementGroup:
    title: str
    statements: list[PolicyStatement] = field(default_factory=list)


@dataclass
class PolicyView:
    report: PolicyReport
    flags: list[Finding]
    tone: str
    headline: str
    facts: list[Fact]
    groups: list[StatementGroup]


def policy_view(audit: Audit) -> PolicyView:
    report = audit.policy
    assert report is not None
    flags = [f for f in sorted_findings(audit) if f.rule.startswith("policy.")]
    serious = [f for f in flags if f.severity in ("critical", "high")]
    notable = [f for f in flags if f.severity == "medium"]
    if serious:
        tone = "danger"
    elif notable:
        tone = "warning"
    else:
        tone = "ok"
    if flags:
        headline = f"{len(flags)} flag{'s' if len(flags) != 1 else ''} raised by the privacy policy"
        if serious:
            headline += f", {len(serious)} high"
    else:
        headline = "The privacy policy raised no flag"
    if audit.status == "partial":
        headline += " (partial: see why above)"

    def names(categories: list[str]) -> str:
        return ", ".join(label(c) for c in categories) or "none stated"

    controllers = [p for p in report.parties if p.role == "controller"]
    controller_text = "; ".join(
        f"{p.name or 'unnamed'}" + (f", {country_label(p.country)}" if p.country else "")
        for p in controllers
    )
    training = [s for s in report.statements if s.category == "training" and not s.negated]
    opt_out = [s for s in report.statements if s.category == "training.opt-out" and not s.negated]
    no_training = [s for s in report.statements if s.category == "training" and s.negated]
    if training:
        training_text = "yes" + (", with an opt-out" if opt_out else ", no opt-out stated")
    elif no_training:
        training_text = "says it does not train on user content"
    else:
        training_text = "not stated"
    ages: set[int] = set()
    for s in report.statements:
        found = s.attributes.get("ages") if s.category == "children" else None
        if isinstance(found, list):
            ages.update(a for a in found if isinstance(a, int))
    retention = ", ".join(report.retention_periods) or (
        "open-ended only"
        if any(s.category == "retention" for s in report.statements)
        else "not stated"
    )
    facts = [
        Fact("Controller", controller_text or "not named"),
        Fact(
            "Stored or processed in",
            ", ".join(country_label(c) for c in report.storage_countries) or "not stated",
        ),
        Fact(
            "Transferred to",
            ", ".join(country_label(c) for c in report.transfer_countries) or "no country named",
        ),
        Fact("Collects", names(report.data_collected)),
        Fact("Shares with", names(report.recipients)),
        Fact("Legal bases", names(report.legal_bases)),
        Fact("Retention limits", retention),
        Fact("Trains models on user data", training_text),
        Fact("Minimum age", ", ".join(str(a) for a in sorted(ages)) or "not stated"),
    ]
    groups: dict[str, StatementGroup] = {}
    for _, title in GROUPS:
        groups.setdefault(title, StatementGroup(title))
    other = StatementGroup("Other")
    for statement in report.statements:
        prefix = statement.category.split(".")[0]
        group_title = next((t for g, t in GROUPS if g == prefix), None)
        (groups[group_title] if group_title else other).statements.append(statement)
    ordered = [g for g in groups.values() if g.statements]
    if other.statements:
        ordered.append(other)
    return PolicyView(report, flags, tone, headline, facts, ordered)


# --- terminal ----------------------------------------------------------------------------


def _t(value: object, style: str = "", limit: int | None = 300) -> Text:
    return Text(clean_text(value, limit), style=style)


def _hanging(console: Console, marker: str, text: Text, indent: int = 2) -> None:
    grid = Table.grid()
    grid.add_column(width=indent + len(marker), no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row(Text(" " * indent + marker), text)
    console.print(grid)


def render_policy_terminal(audit: Audit, console: Console) -> None:
    """Status, headline, the flags with their quotes, then the key facts."""
    view = policy_view(audit)
    report = view.report
    line = Text("aivet policy audit  ", style="bold")
    line.append_text(_t(audit.target, limit=120))
    line.append("  ")
    if audit.status == "partial":
        line.append("PARTIAL", style="bold black on yellow")
    else:
        line.append("complete", style="green")
    console.print(line)
    for reason in audit.status_reasons if audit.status == "partial" else []:
        _hanging(console, "! ", _t(reason))
    source = report.source
    detail = f"{source.media_type or 'unknown type'}, {report.sentences} sentences"
    if source.pages:
        detail += f", {source.pages} pages"
    detail += "; " + (
        f"rules + semantic matching ({report.semantic.sentences_embedded} sentences embedded)"
        if report.semantic
        else "rules only"
    )
    _hanging(console, "", _t(detail, "dim"))
    console.print()
    console.print(_t(view.headline, TONE_STYLE[view.tone], limit=None))

    if view.flags:
        console.print()
        console.print(Text("Flags", style="bold underline"))
    for finding in view.flags:
        head = Text(
            f"{finding.severity.upper():<7}", style=SEVERITY_STYLE.get(finding.severity, "")
        )
        head.append(" ")
        head.append_text(_t(finding.title, "bold"))
        _hanging(console, "", head)
        _hanging(
            console,
            "",
            _t(f"rule {finding.rule}, confidence {finding.confidence}", "dim"),
            indent=10,
        )
        quotes = finding.data.get("quotes")
        if isinstance(quotes, list):
            for quote in quotes[:2]:
                if isinstance(quote, dict):
                    _hanging(
                        console, "“ ", _t(quote.get("text", ""), "italic", limit=260), indent=10
                    )

    console.print()
    console.print(Text("What the policy says", style="bold underline"))
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True, style="bold")
    grid.add_column(overflow="fold")
    for fact in view.facts:
        grid.add_row(Text("  " + fact.name), _t(fact.value, limit=400))
    console.print(grid)
    counts = f"{len(report.statements)} statements quoted in the report"
    _hanging(console, "", _t(counts, "dim"))


# --- HTML --------------------------------------------------------------------------------


def render_policy_html(audit: Audit) -> str:
    """The HTML report of a policy audit (same environment and safety as the web report)."""
    from aivet.report.html import _environment

    view = policy_view(audit)
    template = _environment().get_template("policy.html.j2")
    return template.render(audit=audit, view=view, report=view.report, label=label)
