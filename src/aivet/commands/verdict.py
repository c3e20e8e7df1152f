"""`aivet verdict AUDIT... --policy POLICY`: allow, review or deny, with exit code 0, 10 or 20."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from aivet.commands.common import EXIT_USAGE, UsageError, load_intel


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "verdict",
        help="apply a policy to audits: allow, review or deny (exit 0, 10 or 20)",
        description="Apply an organisation's policy (YAML) to one vendor's audits (audit.json "
        "files or audit directories; web, app, policy… audits of one vendor are judged "
        "together). Each rule passes, fails or is not evaluated (the audits lack its "
        "evidence); the verdict is deny if a blocking rule fails, review if anything is not "
        "evaluated or needs a person, allow otherwise. Exit codes: 0 allow, 10 review, "
        "20 deny, 2 bad policy or input (one line: file:line: message).",
    )
    parser.add_argument("audits", nargs="+", type=Path, metavar="AUDIT")
    parser.add_argument(
        "--policy",
        required=True,
        metavar="FILE|NAME",
        help="policy file, or a bundled one: strict-government, moderate-company",
    )
    parser.add_argument(
        "--format",
        choices=["text", "json", "markdown", "sarif"],
        default="text",
        help="what to print on stdout (default text)",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the verdict JSON")
    parser.add_argument(
        "--markdown", type=Path, metavar="FILE", help="also write a Markdown summary"
    )
    parser.add_argument("--sarif", type=Path, metavar="FILE", help="also write SARIF 2.1.0")
    parser.add_argument(
        "--vendor",
        metavar="ID",
        help="record the verdict for this vendor in the registry (created if new)",
    )
    parser.add_argument(
        "--registry", type=Path, metavar="FILE", help="vendor registry (default: XDG data dir)"
    )
    parser.add_argument(
        "--date",
        type=_parse_date,
        metavar="YYYY-MM-DD",
        help="judge as of this date (exceptions and expiry; default today)",
    )
    parser.add_argument(
        "--intel", type=Path, action="append", default=[], help="extra intel YAML (repeatable)"
    )
    parser.set_defaults(handler=run)


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def run(args: argparse.Namespace) -> int:
    from aivet.verdict.evaluate import evaluate, load_audit_input
    from aivet.verdict.policy import PolicyError, load_policy, resolve_policy_path
    from aivet.verdict.registry import Registry, RegistryError
    from aivet.verdict.render import (
        render_markdown,
        render_sarif,
        render_terminal,
        verdict_to_json,
    )

    intel = load_intel(list(args.intel))
    try:
        policy = load_policy(resolve_policy_path(args.policy), intel.watchlists.keys())
    except PolicyError as exc:
        sys.stderr.write(f"{exc}\n")
        return EXIT_USAGE
    audits = []
    for path in args.audits:
        try:
            audits.append(load_audit_input(path))
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    now = datetime.now(UTC)
    if args.date is not None:
        now = datetime.combine(args.date, now.timetz())
    verdict = evaluate(policy, audits, intel, today=now.date(), now=now)

    outputs: dict[str, Callable[[], str]] = {
        "json": lambda: verdict_to_json(verdict),
        "markdown": lambda: render_markdown(verdict),
        "sarif": lambda: json.dumps(render_sarif(verdict), indent=2, ensure_ascii=False) + "\n",
    }
    for name, make in outputs.items():
        target: Path | None = getattr(args, name)
        if target is not None:
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(make(), encoding="utf-8")
            except OSError as exc:
                raise UsageError(f"--{name} {target}: {exc.strerror or exc}") from None
    if args.format == "text":
        render_terminal(verdict, Console(highlight=False))
    else:
        sys.stdout.write(outputs[args.format]())

    if args.vendor:
        try:
            registry = Registry.load(args.registry)
            if args.vendor not in registry.vendors:
                parties = [a.audit.first_party for a in audits if a.audit.first_party]
                domains = sorted({p.registrable_domain for p in parties})
                name = next((p.entity_name for p in parties if p.entity_name), args.vendor)
                registry.add_vendor(args.vendor, name, domains)
            seen = {
                d.attribution.host
                for a in audits
                for d in a.audit.destinations
                if d.party == "first"
            }
            registry.record(
                args.vendor,
                verdict,
                seen_hosts=seen,
                verdict_path=str(args.json) if args.json else None,
            )
            registry.save()
        except (RegistryError, OSError) as exc:
            raise UsageError(f"registry: {exc}") from None
        if args.format == "text":
            Console(highlight=False, stderr=True).print(
                f"[dim]recorded for vendor {args.vendor} in {registry.path}[/]"
            )
    return verdict.exit_code
