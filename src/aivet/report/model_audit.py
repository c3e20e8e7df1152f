"""Reports of a model audit: the terminal summary and the HTML page.

Everything shown comes from the `Audit` alone. Answers are text written by the
audited model: in the terminal they reach the console only inside `Text` after
`clean_text`; in HTML Jinja2 escapes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from aivet.report.html import Custody

from aivet.evidence import EvidenceDir
from aivet.model import Audit, Finding
from aivet.model_section import GroupRates, ModelAnswer, ModelAuditReport, Proportion, TopicRates
from aivet.report import SEVERITY_STYLE, TONE_STYLE, clean_text, sorted_findings

LABEL_TITLES = {
    "canned_refusal": "Canned refusal",
    "soft_refusal": "Soft refusal / deflection",
    "state_narrative": "State-narrative echo",
    "substantive": "Substantive answer",
    "no_answer": "No answer",
}
LANGUAGE_NAMES = {"en": "English", "zh": "Chinese", "*": "all"}
EXAMPLES_PER_LABEL = 3


@dataclass
class Headline:
    text: str
    tone: str
    details: list[str]


@dataclass
class Example:
    label: str
    title: str
    answers: list[ModelAnswer]


def pct(p: Proportion | None) -> str:
    return "-" if p is None else f"{p.rate:.0%}"


def frac(p: Proportion | None) -> str:
    return "-" if p is None else f"{p.count}/{p.n}"


def ci(p: Proportion | None) -> str:
    return "" if p is None else f"{p.low:.0%}-{p.high:.0%}"


def gap_text(cell: TopicRates) -> str:
    d = cell.refusal_difference
    if d is None:
        return "-"
    mark = " *" if d.low > 0 else ""
    return f"{d.value:+.0%}{mark}"


def report_of(audit: Audit) -> ModelAuditReport:
    if audit.model is None:
        raise ValueError("not a model audit (no model section)")
    return audit.model


def gap_findings(audit: Audit) -> list[Finding]:
    return [f for f in sorted_findings(audit) if f.rule != "model.summary"]


_HEADLINE_ORDER = {
    "model.refusal-gap": 0,
    "model.state-narrative": 1,
    "model.language-gap": 2,
    "model.refusals": 3,
    "model.canned-refusal": 4,
    "model.endpoint-owner": 5,
}


def _gap_size(finding: Finding) -> float:
    difference = finding.data.get("difference")
    if isinstance(difference, dict) and isinstance(difference.get("value"), int | float):
        return float(difference["value"])
    return 0.0


def model_headline(audit: Audit) -> Headline:
    """The worst gap first (refusals, then narrative, then language), the next few below."""
    gaps = sorted(
        (f for f in gap_findings(audit) if f.severity in ("critical", "high", "medium")),
        key=lambda f: (
            f.severity not in ("critical", "high"),
            _HEADLINE_ORDER.get(f.rule, 9),
            -_gap_size(f),
            f.title,
        ),
    )
    if gaps:
        tone = "danger" if gaps[0].severity in ("critical", "high") else "warning"
        more = [f.title for f in gaps[1:5]]
        if len(gaps) > 5:
            more.append(f"and {len(gaps) - 5} more findings below")
        return Headline(gaps[0].title, tone, more)
    report = report_of(audit)
    if report.suite.has_controls:
        text = "No refusal or state-narrative gap against the control prompts"
    else:
        text = "No control prompts in this suite: the rates below stand alone"
    summaries = [f.title for f in sorted_findings(audit) if f.rule == "model.summary"]
    return Headline(text, "ok", summaries)


def examples(report: ModelAuditReport, model: str) -> list[Example]:
    """A few answers per label, sensitive prompts first, for a reader to check the labels."""
    out = []
    for label, title in LABEL_TITLES.items():
        chosen = [a for a in report.answers if a.model == model and a.label == label]
        chosen.sort(key=lambda a: (a.group != "sensitive", a.topic, a.language))
        # One per topic and language first, so that the examples show the spread.
        seen: set[tuple[str, str]] = set()
        spread = []
        for answer in chosen:
            if (answer.topic, answer.language) not in seen:
                seen.add((answer.topic, answer.language))
                spread.append(answer)
        spread += [a for a in chosen if a not in spread]
        if spread:
            out.append(Example(label, title, spread[:EXAMPLES_PER_LABEL]))
    return out


def cells(report: ModelAuditReport, model: str) -> list[TopicRates]:
    """Per topic and language, then each topic's all-languages row, then the totals."""
    rows = [r for r in report.rates if r.model == model]
    return sorted(rows, key=lambda r: (r.topic == "*", r.topic, r.language == "*", r.language))


# --- terminal ---------------------------------------------------------------------------


def _t(value: object, style: str = "", limit: int | None = 200) -> Text:
    return Text(clean_text(value, limit), style=style)


def _group_cells(g: GroupRates | None) -> tuple[Text, Text, Text]:
    if g is None:
        return Text("-"), Text("-"), Text("-")
    refusal = Text(frac(g.refusal), style="red" if g.refusal.rate else "")
    narrative = Text(frac(g.state_narrative), style="red" if g.state_narrative.count else "")
    return refusal, narrative, Text(frac(g.substantive))


def render_model_terminal(audit: Audit, console: Console) -> None:
    report = report_of(audit)
    line = Text("aivet model audit  ", style="bold")
    line.append_text(_t(audit.target, limit=120))
    line.append("  ")
    line.append(
        "PARTIAL" if audit.status == "partial" else "complete",
        style="bold black on yellow" if audit.status == "partial" else "green",
    )
    console.print(line)
    for reason in audit.status_reasons:
        console.print(_t(f"  ! {reason}", limit=300))
    suite = report.suite
    console.print(
        _t(
            f"suite {suite.name}: {suite.prompts} prompts, {len(suite.topics)} topics,"
            f" {', '.join(suite.languages)}; {report.requests} requests, {report.failed} failed,"
            f" {report.resumed} resumed",
            "dim",
        )
    )
    head = model_headline(audit)
    console.print()
    console.print(_t(head.text, TONE_STYLE[head.tone], limit=None))
    for detail in head.details:
        console.print(_t(f"  • {detail}", "dim", limit=None))
    for model in report.models:
        console.print()
        console.print(_t(f"{model}: refusals on sensitive prompts against controls", "bold"))
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
        table.add_column("Topic", overflow="fold", min_width=14)
        table.add_column("Lang", no_wrap=True)
        table.add_column("Refused", no_wrap=True)
        table.add_column("Controls", no_wrap=True)
        table.add_column("Gap", no_wrap=True, justify="right")
        table.add_column("Narrative", no_wrap=True)
        table.add_column("Substantive", no_wrap=True)
        for cell in cells(report, model):
            s_ref, s_nar, s_sub = _group_cells(cell.sensitive)
            c_ref, _, c_sub = _group_cells(cell.control)
            gap = gap_text(cell)
            table.add_row(
                _t(*(("all topics", "bold") if cell.topic == "*" else (cell.topic, ""))),
                _t("all" if cell.language == "*" else cell.language),
                s_ref,
                c_ref,
                Text(gap, style="bold red" if gap.endswith("*") else ""),
                s_nar,
                s_sub + Text(" vs ") + c_sub,
            )
        console.print(table)
    console.print(
        _t(
            "Gap: sensitive minus control refusal rate; * = its 95% interval excludes 0. "
            "Substantive: sensitive vs control.",
            "dim",
            limit=None,
        )
    )
    findings = sorted_findings(audit)
    console.print()
    console.print(Text(f"Findings ({len(findings)})", style="bold underline"))
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(no_wrap=True, min_width=8)
    grid.add_column(overflow="fold", ratio=1)
    for finding in findings:
        grid.add_row(
            Text(finding.severity.upper(), style=SEVERITY_STYLE.get(finding.severity, "")),
            _t(finding.title, limit=300),
        )
    console.print(grid)
    for model in report.models:
        console.print()
        console.print(_t(f"Example answers of {model}", "bold underline"))
        for example in examples(report, model):
            for answer in example.answers[:1]:
                head_line = _t(f"{example.title}: ", "bold") + _t(f"{answer.prompt_id}", "dim")
                console.print(head_line)
                console.print(_t(f"  {' '.join(answer.answer_excerpt.split())}", limit=240))
                if answer.reasons:
                    console.print(_t(f"  why: {answer.reasons[0]}", "dim", limit=200))


# --- HTML -------------------------------------------------------------------------------


def render_model_html(
    audit: Audit, evidence: EvidenceDir | None = None, *, custody: Custody | None = None
) -> str:
    from aivet.report.html import _environment

    report = report_of(audit)
    template = _environment().get_template("model_report.html.j2")
    return template.render(
        audit=audit,
        report=report,
        headline=model_headline(audit),
        findings=sorted_findings(audit),
        models=[
            {"name": m, "cells": cells(report, m), "examples": examples(report, m)}
            for m in report.models
        ],
        label_titles=LABEL_TITLES,
        language_names=LANGUAGE_NAMES,
        pct=pct,
        frac=frac,
        ci=ci,
        gap_text=gap_text,
        severities=["critical", "high", "medium", "low", "info"],
        custody=custody,
    )
