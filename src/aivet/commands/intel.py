"""`aivet intel ...`: query the knowledge base."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from aivet.commands.common import EXIT_OK, load_intel


def register(sub: Any) -> None:
    parser = sub.add_parser("intel", help="query the knowledge base")
    intel_sub = parser.add_subparsers(dest="intel_command", required=True)
    lookup = intel_sub.add_parser("lookup", help="owner, country and watchlists of host names")
    lookup.add_argument("hosts", nargs="+")
    lookup.add_argument(
        "--intel", type=Path, action="append", default=[], help="extra intel YAML (repeatable)"
    )
    lookup.set_defaults(handler=run_lookup)


def run_lookup(args: argparse.Namespace) -> int:
    intel = load_intel(list(args.intel))
    console = Console(highlight=False)
    for host in args.hosts:
        a = intel.attribute(host.strip().lower())
        if a.entity_name is None:
            console.print(
                f"{escape(a.host)}: unknown owner (registrable domain {a.registrable_domain})"
            )
            continue
        owned = " state-owned" if a.state_owned else ""
        console.print(f"{a.host}: {escape(' → '.join(a.ownership_chain))} [{a.country}]{owned}")
        for hit in a.watchlists:
            since = f" since {hit.since}" if hit.since else ""
            console.print(
                f"  on {escape(hit.list_name)} as {escape(hit.listed_entity)!r}{since}"
                f"  {hit.source_url}"
            )
    return EXIT_OK
