"""`aivet policy FILE|URL`: what a privacy policy says it collects, keeps where, gives to whom."""

from __future__ import annotations

import argparse
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from rich.console import Console

from aivet.commands.common import (
    EXIT_FAILED,
    EXIT_OK,
    UsageError,
    load_intel,
    normalise_url,
    parse_resolve,
)

_HOST_PATH = re.compile(
    r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(/.*)?$", re.I
)


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "policy",
        help="analyse a privacy policy (file or URL)",
        description="Read a privacy policy (HTML, PDF or text, from a file or fetched with the "
        "browser), quote what it says it collects, where it stores data and who receives it, "
        "and raise policy.* flags (storage country, biometric data, disclosure to authorities "
        "without legal process, no GDPR legal basis, no retention limit, training without "
        "opt-out) that a verdict policy can require or forbid. See docs/policy.md.",
    )
    parser.add_argument(
        "target",
        help="a policy file (.html, .pdf, .txt, .md) or an http(s) URL "
        "(a bare host/path that is not a file is taken as https://)",
    )
    parser.add_argument(
        "--resolve",
        action="append",
        default=[],
        metavar="PATTERN=ADDRESS[:PORT]",
        help="for a URL: map host names to an address, e.g. '*=127.0.0.1:8080' (repeatable)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="for a URL: page-load limit (default 30)",
    )
    parser.add_argument(
        "--no-semantic",
        action="store_true",
        help="rules only: do not load the sentence-embedding model (faster, misses paraphrases)",
    )
    parser.add_argument(
        "--intel", type=Path, action="append", default=[], help="extra intel YAML (repeatable)"
    )
    parser.add_argument(
        "--out", type=Path, help="report directory (default audits/policy-NAME-TIME)"
    )
    parser.add_argument("--quiet", action="store_true", help="no terminal summary")
    parser.set_defaults(handler=run)


def _target(text: str) -> tuple[str, bool]:
    """(target, is_url): an http(s) URL, an existing path, or a bare host/path taken as a URL."""
    if re.match(r"^[a-z][a-z0-9+.-]*://", text, re.I):
        return normalise_url(text), True
    if Path(text).exists():
        return text, False
    if _HOST_PATH.match(text) and Path(text).suffix.lower() not in (
        ".pdf",
        ".html",
        ".htm",
        ".txt",
        ".md",
    ):
        return normalise_url(text), True
    raise UsageError(f"{text}: no such file (give an http(s) URL to fetch one)")


def default_out_dir(target: str, is_url: bool) -> Path:
    name = (urlsplit(target).hostname if is_url else Path(target).stem) or "policy"
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", name)[:60]
    return Path("audits") / f"policy-{name}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}"


def run(args: argparse.Namespace) -> int:
    from aivet.collect.browser import BrowserHost, BrowserUnavailable
    from aivet.collect.policy_fetch import PolicyFileError
    from aivet.policy_pipeline import PolicyAuditOptions, run_policy_audit
    from aivet.report.policy import render_policy_terminal

    target, is_url = _target(args.target)
    if args.timeout <= 0:
        raise UsageError("--timeout must be positive")
    rules = tuple(parse_resolve(r) for r in args.resolve)
    if rules and not is_url:
        raise UsageError("--resolve applies to a URL, not a file")
    options = PolicyAuditOptions(
        target=target,
        is_url=is_url,
        resolve=rules,
        timeout_s=args.timeout,
        semantic=not args.no_semantic,
    )
    intel = load_intel(list(args.intel))
    out = args.out or default_out_dir(target, is_url)
    console = Console()
    try:
        if is_url:
            with BrowserHost() as host:
                result = run_policy_audit(options, out, intel=intel, host=host)
        else:
            result = run_policy_audit(options, out, intel=intel)
    except PolicyFileError as exc:
        raise UsageError(str(exc)) from None
    except BrowserUnavailable as exc:
        sys.stderr.write(f"aivet: error: {exc}\n")
        return EXIT_FAILED
    if not args.quiet:
        render_policy_terminal(result.audit, console)
    console.print(
        f"report: {result.html_path}  json: {result.json_path}  "
        f"evidence: {result.directory / 'evidence'}"
    )
    return EXIT_OK
