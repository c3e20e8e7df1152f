"""`aivet allowlist export --to FORMAT`: the registry's decisions for gateways and proxies."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from aivet.commands.common import EXIT_OK, UsageError

FORMATS = ("litellm", "portkey", "hosts", "dnsmasq", "squid", "pac", "json")


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "allowlist",
        help="export the registry's allow/deny decisions for gateways and proxies",
        description="Compile the vendor registry's current verdicts into configurations that "
        "existing gateways and proxies load. Only vendors whose newest verdict is an "
        "unexpired allow are allowed; denied vendors are blocked.",
    )
    allow_sub = parser.add_subparsers(dest="allowlist_command", required=True)
    export = allow_sub.add_parser(
        "export",
        help="write one format",
        description="litellm: proxy config model_list of allowed models; portkey: gateway "
        "config with a modelWhitelist guardrail; hosts: hosts-file blocklist; dnsmasq: "
        "address=/domain/ blocklist (covers subdomains); squid: dstdomain ACLs; pac: proxy "
        "auto-config; json: every vendor with status and verdict.",
    )
    export.add_argument("--to", required=True, choices=FORMATS, help="output format")
    export.add_argument("--out", type=Path, metavar="FILE", help="write here (default stdout)")
    export.add_argument(
        "--registry", type=Path, metavar="FILE", help="vendor registry (default: XDG data dir)"
    )
    export.add_argument(
        "--with-receivers",
        action="store_true",
        help="also block the receivers that made a verdict deny (e.g. log.cmpassport.com)",
    )
    export.add_argument(
        "--date", type=date.fromisoformat, metavar="YYYY-MM-DD", help="as of (default today)"
    )
    export.add_argument(
        "--pac-default", default="DIRECT", help="PAC route for everything else (default DIRECT)"
    )
    export.add_argument(
        "--pac-allowed", default="DIRECT", help="PAC route for allowed vendors (default DIRECT)"
    )
    export.add_argument(
        "--pac-blackhole",
        default="PROXY 127.0.0.1:9",
        help="PAC route for denied domains (default 'PROXY 127.0.0.1:9', which fails)",
    )
    export.set_defaults(handler=run_export)


def run_export(args: argparse.Namespace) -> int:
    from aivet.verdict.exporters import EXPORTERS, ExportError, build_input
    from aivet.verdict.registry import Registry, RegistryError

    now = datetime.now(UTC)
    if args.date is not None:
        now = datetime.combine(args.date, now.timetz())
    try:
        registry = Registry.load(args.registry)
        data = build_input(
            registry,
            now,
            with_receivers=args.with_receivers,
            pac_default=args.pac_default,
            pac_allowed=args.pac_allowed,
            pac_blackhole=args.pac_blackhole,
        )
        text = EXPORTERS[args.to](data)
    except (RegistryError, ExportError) as exc:
        raise UsageError(str(exc)) from None
    if args.out is None:
        sys.stdout.write(text)
        return EXIT_OK
    try:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--out {args.out}: {exc.strerror or exc}") from None
    allowed = sum(1 for _, s in data.vendors if s == "allow")
    denied = sum(1 for _, s in data.vendors if s == "deny")
    sys.stderr.write(f"{args.to}: {allowed} allowed, {denied} denied vendor(s) → {args.out}\n")
    return EXIT_OK
