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
        "the cookie banner, type a phone number and password, submit, follow to the chat page.",
    )
    parser.add_argument("--out", type=Path, default=Path("audits/demo"), help="report directory")
    parser.add_argument("--no-submit", action="store_true", help="type but do not submit")
    add_store_argument(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from aivet.collect.web import WebCollectOptions
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
        return audit_and_report(
            options, args.out, [demo_intel_path()], quiet=False, store=args.store
        )
