"""`aivet app FILE`: what an Android or iOS build carries, where it sends data, how it guards it."""

from __future__ import annotations

import argparse
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from aivet.commands._store import add_store_argument, print_outputs, store_errors
from aivet.commands.common import EXIT_FAILED, EXIT_OK, UsageError, load_intel


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "app",
        help="audit an Android APK or iOS IPA by static analysis",
        description="Read an APK or IPA without running it: manifest or Info.plist "
        "(cleartext and App Transport Security settings, exported components, permissions, "
        "signing), the SDKs its code carries (China Mobile's one-click login, ByteDance, "
        "trackers) with their owners and watchlists, the addresses written in its code, "
        "resources and native libraries, weak or hard-coded cryptography, embedded secrets "
        "and credentials written to unprotected storage. The file is stored as evidence and "
        "can be analysed again with `aivet reanalyze`.",
    )
    parser.add_argument("file", type=Path, help="the .apk or .ipa file")
    parser.add_argument(
        "--intel", type=Path, action="append", default=[], help="extra intel YAML (repeatable)"
    )
    parser.add_argument("--out", type=Path, help="report directory (default audits/app-NAME-TIME)")
    parser.add_argument(
        "--time-limit", type=float, default=600.0, metavar="SECONDS",
        help="stop analysing after this long and report what was found as partial (default 600)",
    )  # fmt: skip
    parser.add_argument(
        "--max-entry-mb", type=int, default=512, metavar="MB",
        help="largest archive entry inflated (default 512)",
    )  # fmt: skip
    parser.add_argument("--quiet", action="store_true", help="no terminal summary")
    add_store_argument(parser)
    parser.set_defaults(handler=run)


def default_out_dir(path: Path) -> Path:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", path.stem)[:60] or "app"
    return Path("audits") / f"app-{stem}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}"


@store_errors
def run(args: argparse.Namespace) -> int:
    from aivet.analyze.app.audit import AppAnalysisError
    from aivet.app_audit import run_app_audit
    from aivet.app_record import AppLimits
    from aivet.collect.app import AppFileError
    from aivet.commands._store import open_store
    from aivet.report.terminal import render_terminal

    if args.time_limit <= 0:
        raise UsageError("--time-limit must be positive")
    if args.max_entry_mb < 1:
        raise UsageError("--max-entry-mb must be at least 1")
    if not args.file.is_file():
        raise UsageError(f"{args.file}: no such file")
    limits = AppLimits(
        max_entry_bytes=args.max_entry_mb * 1024 * 1024, time_limit_s=args.time_limit
    )
    intel = load_intel(args.intel)
    console = Console()
    audit_store = open_store(args, create=True, sign=True)
    try:
        result = run_app_audit(
            args.file,
            args.out or default_out_dir(args.file),
            intel=intel,
            limits=limits,
            store=audit_store,
        )
    except (AppFileError, AppAnalysisError) as exc:
        sys.stderr.write(f"aivet: error: {exc}\n")
        return EXIT_FAILED
    finally:
        audit_store.close()
    if not args.quiet:
        render_terminal(result.audit, console)
    print_outputs(console, result, audit_store.root)
    return EXIT_OK
