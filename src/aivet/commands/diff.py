"""`aivet diff [AUDIT_A] AUDIT_B`: what changed between two audits of one service.

Exit codes: 0 nothing at or above the `--fail-on` severity appeared, 3 something
did (new or changed, not vanished), 1 the audits could not be read, 2 bad
arguments. With one audit, it is compared with the audit of the same host
before it in the store, so `aivet web URL && aivet diff latest` runs on a schedule.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from typing import Any

from rich.console import Console
from rich.text import Text

from aivet.commands._store import (
    LoadedAudit,
    add_store_argument,
    load_named_audit,
    open_store,
    store_errors,
)
from aivet.commands.common import EXIT_OK, UsageError
from aivet.store import StoreError

EXIT_CHANGED = 3

_STYLE = {"critical": "bold white on red", "high": "bold red", "medium": "yellow", "low": "cyan"}
_MARK = {"new": "+", "vanished": "-", "changed": "~", "resolved": "-"}


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "diff",
        help="what changed between two audits of one service (exit 3 past a severity threshold)",
        description="New and vanished destinations, owners, countries and watchlist hits, new "
        "or changed scripts and the endpoints in them, new and resolved findings. Exit 0 when "
        "nothing at or above --fail-on appeared, 3 when something did.",
    )
    parser.add_argument(
        "audits",
        nargs="+",
        metavar="AUDIT",
        help="one or two audits: id, id prefix, latest, latest~N, or a path to audit.json; "
        "with one, the audit of the same host before it in the store is the first",
    )
    parser.add_argument(
        "--fail-on",
        choices=["critical", "high", "medium", "low", "info", "none"],
        default="high",
        help="exit 3 when a change this severe or worse appeared (default high)",
    )
    parser.add_argument("--format", choices=["text", "md", "json"], default="text")
    add_store_argument(parser)
    parser.set_defaults(handler=run)


def _pair(args: argparse.Namespace) -> tuple[LoadedAudit, LoadedAudit]:
    if len(args.audits) > 2:
        raise UsageError("diff takes one or two audits")
    if len(args.audits) == 2:
        return load_named_audit(args, args.audits[0]), load_named_audit(args, args.audits[1])
    after = load_named_audit(args, args.audits[0])
    if after.record is None:
        raise UsageError("with one audit file, name the audit to compare it with too")
    with open_store(args) as store:
        previous = store.previous_of(after.record)
    if previous is None:
        raise StoreError(f"no earlier audit of {after.record.target_host} in the store")
    return load_named_audit(args, previous.audit_id), after


@store_errors
def run(args: argparse.Namespace) -> int:
    from aivet.analyze.diff import DiffSide, diff_audits, script_infos
    from aivet.report.markdown import diff_to_markdown

    before, after = _pair(args)

    def side(loaded: LoadedAudit) -> DiffSide:
        if loaded.session is None:
            return DiffSide(loaded.audit)
        reader = loaded.evidence.read if loaded.evidence is not None else None
        return DiffSide(loaded.audit, script_infos(loaded.audit, loaded.session.scripts, reader))

    result = diff_audits(side(before), side(after))
    failing = [] if args.fail_on == "none" else result.appeared_at_or_above(args.fail_on)
    if args.format == "json":
        print(
            json.dumps(
                {**dataclasses.asdict(result), "fail_on": args.fail_on, "failed": bool(failing)},
                indent=2,
                ensure_ascii=False,
            )
        )
    elif args.format == "md":
        print(diff_to_markdown(result, args.fail_on), end="")
    else:
        _print(result, args.fail_on, len(failing))
    return EXIT_CHANGED if failing else EXIT_OK


def _print(result: Any, fail_on: str, failing: int) -> None:
    from aivet.report import clean_text

    console = Console(highlight=False)
    console.print(Text(f"aivet diff {result.before} → {result.after}", "bold"))
    for note in result.notes:
        console.print(Text(f"  note: {clean_text(note, 300)}", "dim"))
    if not result.changes:
        console.print(Text("No changes."))
    for change in result.changes:
        line = Text(f"{_MARK[change.change]} ")
        line.append(f"{change.severity.upper():8}", _STYLE.get(change.severity, "dim"))
        line.append(f" {change.category:11} ")
        line.append(clean_text(change.subject, 160), "bold" if change.appeared else "")
        line.append(f"  {clean_text(change.detail, 300)}", "dim")
        console.print(line, soft_wrap=True)
    if fail_on == "none":
        return
    if failing:
        console.print(Text(f"{failing} changes at or above {fail_on} appeared (exit 3)", "red"))
    else:
        console.print(Text(f"nothing at or above {fail_on} appeared", "green"))
