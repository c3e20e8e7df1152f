"""`aivet web URL`: audit a page in a real browser session."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from rich.console import Console

from aivet.commands._store import add_store_argument, print_outputs
from aivet.commands.common import (
    EXIT_FAILED,
    EXIT_OK,
    UsageError,
    load_intel,
    normalise_url,
    parse_resolve,
)

if TYPE_CHECKING:
    from aivet.collect.web import WebCollectOptions


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "web",
        help="audit a page in a real browser session",
        description="Open URL in headless Chromium, type unique canaries into its fields, "
        "record every request, script, cookie and storage write, and report where the data "
        "went, who received it and under which flag.",
    )
    parser.add_argument("url", help="page to audit (http or https; a bare host gets https://)")
    parser.add_argument(
        "--interact",
        choices=["auto", "login", "chat", "none"],
        default="auto",
        help="which fields to type canaries into (default: auto = all found)",
    )
    parser.add_argument(
        "--submit", action="store_true", help="also submit the form after typing (default: no)"
    )
    parser.add_argument(
        "--consent",
        choices=["accept", "reject", "ignore"],
        default="ignore",
        help="what to do with a cookie-consent banner (default: ignore)",
    )
    parser.add_argument(
        "--resolve",
        action="append",
        default=[],
        metavar="PATTERN=ADDRESS[:PORT]",
        help="map host names to an address, e.g. '*=127.0.0.1:8080' (repeatable; first match "
        "wins; recorded in the audit)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=20.0,
        metavar="SECONDS",
        help="page-load limit (default 20); the whole audit is limited to 4x this, at least 60",
    )
    parser.add_argument(
        "--intel", type=Path, action="append", default=[], help="extra intel YAML (repeatable)"
    )
    parser.add_argument("--out", type=Path, help="report directory (default audits/HOST-TIME)")
    parser.add_argument("--quiet", action="store_true", help="no terminal summary")
    add_store_argument(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from aivet.collect.web import WebCollectOptions

    url = normalise_url(args.url)
    rules = tuple(parse_resolve(r) for r in args.resolve)
    if args.timeout <= 0:
        raise UsageError("--timeout must be positive")
    options = WebCollectOptions(
        url=url,
        interact=args.interact,
        submit=args.submit,
        consent=args.consent,
        resolve=rules,
        load_timeout_s=args.timeout,
        total_timeout_s=max(60.0, args.timeout * 4),
    )
    out = args.out or default_out_dir(url)
    return audit_and_report(options, out, list(args.intel), quiet=args.quiet, store=args.store)


def default_out_dir(url: str) -> Path:
    host = urlsplit(url).hostname or "target"
    return Path("audits") / f"{host}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}"


def audit_and_report(
    options: WebCollectOptions,
    out: Path,
    extra_intel: list[Path],
    *,
    quiet: bool,
    store: Path | None = None,
) -> int:
    """Run one web audit into the store and print its summary; shared by `web` and `demo`."""
    from aivet.collect.browser import BrowserHost, BrowserUnavailable
    from aivet.commands._store import open_store
    from aivet.pipeline import run_web_audit
    from aivet.report.progress import AuditProgress
    from aivet.report.terminal import render_terminal
    from aivet.store import StoreError
    from aivet.store.keys import KeyFileError

    intel = load_intel(extra_intel)
    console = Console()
    try:
        audit_store = open_store(argparse.Namespace(store=store), create=True, sign=True)
    except (StoreError, KeyFileError) as exc:
        sys.stderr.write(f"aivet: error: {exc}\n")
        return EXIT_FAILED
    try:
        with BrowserHost() as host, AuditProgress(Console(stderr=True)) as progress:
            result = run_web_audit(
                options,
                out,
                intel=intel,
                host=host,
                store=audit_store,
                progress=None if quiet else progress,
            )
    except BrowserUnavailable as exc:
        sys.stderr.write(f"aivet: error: {exc}\n")
        return EXIT_FAILED
    finally:
        audit_store.close()
    if not quiet:
        render_terminal(result.audit, console)
    print_outputs(console, result, audit_store.root)
    return EXIT_OK
