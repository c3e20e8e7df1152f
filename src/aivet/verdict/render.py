"""A verdict for machines (JSON), people (terminal), pull requests (Markdown), CI (SARIF 2.1.0)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from aivet import __version__
from aivet.verdict.evaluate import VERDICT_FORMAT, Hit, RuleResult, Verdict

_MARK = {"pass": "✓", "fail": "✗", "not-evaluated": "?"}
_STYLE = {"deny": "bold red", "review": "yellow", "none": "green"}
_DECISION_STYLE = {"allow": "bold green", "review": "bold yellow", "deny": "bold red"}


def _hit_dict(hit: Hit) -> dict[str, Any]:
    out: dict[str, Any] = {
        "summary": hit.summary,
        "audit_id": hit.audit_id,
        "hosts": hit.hosts,
        "entity": hit.entity,
        "entity_id": hit.entity_id,
        "findings": hit.findings,
        "finding_rules": hit.finding_rules,
        "evidence": hit.evidence,
    }
    if hit.waived_by is not None:
        e = hit.waived_by
        out["waived_by"] = {
            "line": e.line,
            "owner": e.owner,
            "justification": e.justification,
            "expires": e.expires.isoformat(),
            "approved": e.approved.isoformat() if e.approved else None,
        }
    return out


def _result_dict(result: RuleResult) -> dict[str, Any]:
    rule = result.rule
    return {
        "id": rule.id,
        "title": rule.title,
        "kind": rule.kind,
        "line": rule.line,
        "action": rule.action,
        "outcome": result.outcome,
        "effect": result.effect,
        "needs": list(rule.needs),
        "missing": result.missing,
        "undetermined": result.undetermined,
        "hits": [_hit_dict(h) for h in result.hits],
        "waived": [_hit_dict(h) for h in result.waived],
        "notes": result.notes,
    }


def verdict_to_dict(verdict: Verdict) -> dict[str, Any]:
    """The JSON form of a verdict (described by `schemas/verdict.schema.json`)."""
    return {
        "aivet_verdict": VERDICT_FORMAT,
        "decision": verdict.decision,
        "exit_code": verdict.exit_code,
        "evaluated_at": verdict.evaluated_at.isoformat(timespec="seconds"),
        "valid_until": verdict.valid_until.isoformat() if verdict.valid_until else None,
        "tool": {"name": "aivet", "version": __version__},
        "policy": {
            "name": verdict.policy.name,
            "path": verdict.policy.path,
            "sha256": verdict.policy.sha256,
        },
        "audits": [
            {
                "audit_id": a.audit_id,
                "kind": a.kind,
                "target": a.target,
                "status": a.status,
                "ended_at": a.ended_at,
                "path": a.path,
            }
            for a in verdict.audits
        ],
        "evidence": verdict.evidence,
        "reasons": verdict.reasons(),
        "blocked_hosts": verdict.blocked_hosts(),
        "general": verdict.general,
        "rules": [_result_dict(r) for r in verdict.results],
    }


def verdict_to_json(verdict: Verdict) -> str:
    return json.dumps(verdict_to_dict(verdict), indent=2, ensure_ascii=False) + "\n"


# --- terminal --------------------------------------------------------------------------


def render_terminal(verdict: Verdict, console: Console, *, max_hits: int = 3) -> None:
    """The verdict in one screen: decision, audits, then each rule with its reasons."""
    targets = ", ".join(sorted({a.target for a in verdict.audits}))
    console.print(
        f"[{_DECISION_STYLE[verdict.decision]}]{verdict.decision.upper()}[/]  "
        f"{escape(targets)}  [dim](policy: {escape(verdict.policy.name)})[/]"
    )
    for a in verdict.audits:
        console.print(
            f"  [dim]audit {escape(a.audit_id)} {a.kind} {a.status} {escape(a.ended_at)}[/]"
        )
    order = {"deny": 0, "review": 1, "none": 2}
    passed = []
    for result in sorted(verdict.results, key=lambda r: order[r.effect]):
        rule = result.rule
        if result.outcome == "pass" and not result.notes:
            passed.append(rule.id)
            continue
        label = result.outcome if result.effect == "none" else f"{result.outcome} → {result.effect}"
        console.print(
            f"  [{_STYLE[result.effect]}]{_MARK[result.outcome]} {rule.id}[/] "
            f"[dim]{escape(label)}[/]  {escape(rule.title)}"
        )
        for hit in result.hits[:max_hits]:
            shown = ", ".join(hit.findings[:2])
            more = f" +{len(hit.findings) - 2}" if len(hit.findings) > 2 else ""
            console.print(
                f"      {escape(hit.summary)}"
                + (f" [dim]({escape(shown)}{more})[/]" if hit.findings else "")
            )
        if len(result.hits) > max_hits:
            console.print(f"      [dim]… and {len(result.hits) - max_hits} more[/]")
        if result.outcome == "not-evaluated":
            for need in result.missing:
                console.print(f"      [dim]no evidence: {escape(need)}[/]")
            for what in result.undetermined[:max_hits]:
                console.print(f"      [dim]cannot clear {escape(what)}[/]")
        for note in result.notes:
            console.print(f"      [dim]{escape(note)}[/]")
    for line in verdict.general:
        console.print(f"  [yellow]? {escape(line)}[/]")
    if passed:
        console.print(f"  [green]✓ passed:[/] {escape(', '.join(passed))}")
    until = verdict.valid_until.isoformat() if verdict.valid_until else "—"
    console.print(
        f"[dim]evidence: {', '.join(verdict.evidence) or 'none'}; valid until {until}; "
        f"exit {verdict.exit_code}[/]"
    )


# --- Markdown --------------------------------------------------------------------------


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(verdict: Verdict) -> str:
    """A summary for a pull request or a GitHub Actions job summary."""
    icon = {"allow": "✅", "review": "⚠️", "deny": "⛔"}[verdict.decision]
    targets = ", ".join(f"`{a.target}`" for a in verdict.audits)
    until = verdict.valid_until.isoformat() if verdict.valid_until else "—"
    lines = [
        f"## {icon} aivet verdict: {verdict.decision.upper()}",
        "",
        f"Policy **{_md(verdict.policy.name)}** on {len(verdict.audits)} audit(s) of {targets}. "
        f"Valid until {until}. Evidence: {', '.join(verdict.evidence) or 'none'}.",
        "",
    ]
    reasons = verdict.reasons()
    if reasons:
        lines += ["### Reasons", ""]
        lines += [f"- {_md(r)}" for r in reasons]
        lines.append("")
    lines += ["### Rules", "", "| rule | outcome | effect | details |", "|---|---|---|---|"]
    for result in verdict.results:
        details = [h.summary for h in result.hits[:3]]
        if len(result.hits) > 3:
            details.append(f"… {len(result.hits) - 3} more")
        details += [f"no evidence: {m}" for m in result.missing]
        details += [f"cannot clear {u}" for u in result.undetermined[:3]]
        details += result.notes
        lines.append(
            f"| `{result.rule.id}` | {_MARK[result.outcome]} {result.outcome} | "
            f"{result.effect} | {_md('<br>'.join(details)) or ''} |"
        )
    lines.append("")
    return "\n".join(lines)


# --- SARIF -----------------------------------------------------------------------------


def _uri(path: str) -> str:
    try:
        rel = os.path.relpath(Path(path).resolve(), Path.cwd())
    except ValueError:
        return Path(path).resolve().as_uri()
    if rel.startswith(".."):
        return Path(path).resolve().as_uri()
    return Path(rel).as_posix()


def render_sarif(verdict: Verdict) -> dict[str, Any]:
    """SARIF 2.1.0: one result per failing hit and per rule not evaluated, located at the
    policy rule's line, so that code scanning shows the verdict next to the policy."""
    policy_uri = _uri(verdict.policy.path)
    rules = []
    results: list[dict[str, Any]] = []
    for index, result in enumerate(verdict.results):
        rule = result.rule
        rules.append(
            {
                "id": rule.id,
                "name": "".join(part.capitalize() for part in rule.id.replace(".", "-").split("-")),
                "shortDescription": {"text": rule.title},
                "fullDescription": {
                    "text": f"{rule.title} ({rule.kind} rule; a failure means {rule.action})."
                },
                "defaultConfiguration": {"level": "error" if rule.action == "deny" else "warning"},
                "properties": {"action": rule.action, "needs": list(rule.needs)},
            }
        )
        location = {
            "physicalLocation": {
                "artifactLocation": {"uri": policy_uri},
                "region": {"startLine": max(rule.line, 1)},
            }
        }
        level = "error" if result.effect == "deny" else "warning"
        for hit in result.hits:
            results.append(
                {
                    "ruleId": rule.id,
                    "ruleIndex": index,
                    "level": level if result.effect != "none" else "note",
                    "message": {"text": hit.summary},
                    "locations": [location],
                    "partialFingerprints": {
                        "aivetHit/v1": _fingerprint(rule.id, *hit.hosts, *hit.findings)
                    },
                    "properties": {
                        "audit_id": hit.audit_id,
                        "hosts": hit.hosts,
                        "findings": hit.findings,
                        "evidence": hit.evidence,
                    },
                }
            )
        if result.outcome == "not-evaluated":
            missing = ", ".join(result.missing + result.undetermined[:5])
            results.append(
                {
                    "ruleId": rule.id,
                    "ruleIndex": index,
                    "level": "warning" if result.effect == "review" else "note",
                    "message": {"text": f"Not evaluated: the audits lack {missing}."},
                    "locations": [location],
                    "partialFingerprints": {
                        "aivetHit/v1": _fingerprint(rule.id, "not-evaluated", missing)
                    },
                }
            )
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "aivet",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": rules,
                    }
                },
                "automationDetails": {"id": f"aivet-verdict/{verdict.policy.name}/"},
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "exitCode": verdict.exit_code,
                        "endTimeUtc": verdict.evaluated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    }
                ],
                "results": results,
                "properties": {
                    "decision": verdict.decision,
                    "valid_until": verdict.valid_until.isoformat() if verdict.valid_until else None,
                    "audits": [a.audit_id for a in verdict.audits],
                },
            }
        ],
    }


def _fingerprint(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]
