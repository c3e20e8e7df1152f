"""`aivet demo`: the whole story on the bundled demo chat service."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from aivet.commands._store import add_store_argument
from aivet.web_session import ResolveRule


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "demo",
        help="run the whole story on the bundled demo chat service",
        description="Start the bundled demo service on 127.0.0.1, map its real-looking host "
        "names to it with Chromium's host-resolver rules, and audit its login page: accept "
        "the cookie banner, type a phone number and password, submit, follow to the chat page. "
        "Then audit the vendor's Android and iOS builds, and judge all three audits with the "
        "strict-government policy.",
    )
    parser.add_argument("--out", type=Path, default=Path("audits/demo"), help="report directory")
    parser.add_argument("--no-submit", action="store_true", help="type but do not submit")
    add_store_argument(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from aivet.collect.web import WebCollectOptions
    from aivet.commands.common import EXIT_OK
    from aivet.commands.web import audit_and_report
    from aivet.demo.server import DEMO_START_URL, DemoServer, demo_intel_path

    with DemoServer() as server:
        options = WebCollectOptions(
            url=DEMO_START_URL,
            interact="login",
            submit=not args.no_submit,
            consent="accept",
            resolve=(ResolveRule("*", "127.0.0.1", server.port),),
        )
        code = audit_and_report(
            options, args.out, [demo_intel_path()], quiet=False, store=args.store
        )
    if code != EXIT_OK:
        return code
    return _apps_and_verdict(args)


def _apps_and_verdict(args: argparse.Namespace) -> int:
    """The vendor's mobile builds, then one verdict over the web and app audits."""
    from rich.console import Console
    from rich.text import Text

    from aivet.app_audit import run_app_audit
    from aivet.commands._store import open_store
    from aivet.commands.common import EXIT_OK, load_intel
    from aivet.demo.server import demo_app_paths, demo_intel_path
    from aivet.report.app import headline
    from aivet.verdict.evaluate import evaluate, load_audit_input
    from aivet.verdict.policy import load_policy, resolve_policy_path
    from aivet.verdict.render import render_terminal

    console = Console(highlight=False)
    intel = load_intel([demo_intel_path()])
    audit_dirs = [args.out]
    with open_store(args, create=True, sign=True) as store:
        for app in demo_app_paths():
            out = args.out / f"app-{app.suffix.lstrip('.')}"
            result = run_app_audit(app, out, intel=intel, store=store)
            text, tone = headline(result.audit)
            console.print()
            console.print(Text(f"aivet app {app.name}", style="bold"))
            console.print(Text(text, style="bold red" if tone == "danger" else "bold"))
            rules = sorted(
                {f.rule for f in result.audit.findings if f.severity in ("critical", "high")}
            )
            console.print(Text("  high: " + ", ".join(rules), style="dim"))
            console.print(f"  report: {result.html_path}  json: {result.json_path}")
            audit_dirs.append(out)
    policy = load_policy(resolve_policy_path("strict-government"), intel.watchlists.keys())
    verdict = evaluate(policy, [load_audit_input(d) for d in audit_dirs], intel)
    console.print()
    console.print(
        Text("aivet verdict (strict-government) over the web and app audits", style="bold")
    )
    render_terminal(verdict, console)
    return EXIT_OK
