"""`aivet history`: the audits in the store, newest first."""

from __future__ import annotations

import argparse
import json
from typing import Any

from rich.console import Console
from rich.text import Text

from aivet.commands._store import add_store_argument, open_store, store_errors
from aivet.commands.common import EXIT_OK, UsageError
from aivet.report import clean_text
from aivet.store import AuditRecord

_STATUS_STYLE = {"complete": "green", "partial": "bold yellow", "running": "cyan"}


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "history",
        help="list the audits in the store, newest first",
        description="List the audits in the store, newest first, with their status, findings, "
        "watchlisted receivers and place in the hash chain.",
    )
    parser.add_argument("--target", metavar="HOST", help="only audits of this host name")
    parser.add_argument("--limit", type=int, default=20, help="how many to show (default 20)")
    parser.add_argument("--offset", type=int, default=0, help="skip the newest N")
    parser.add_argument("--json", action="store_true", help="JSON lines, one audit each")
    add_store_argument(parser)
    parser.set_defaults(handler=run)


def record_json(record: AuditRecord) -> dict[str, Any]:
    return {
        "audit_id": record.audit_id,
        "kind": record.kind,
        "target": record.target,
        "status": record.status,
        "status_reasons": record.status_reasons,
        "started_at": record.started_at,
        "ended_at": record.ended_at,
        "derived_from": record.derived_from,
        "findings": record.findings,
        "critical": record.critical,
        "high": record.high,
        "watchlisted": record.watchlisted,
        "destinations": record.destinations,
        "artifacts": record.artifact_count,
        "bytes": record.artifact_bytes,
        "chain_seq": record.chain_seq,
        "manifest_sha256": record.manifest_sha256,
        "key_id": record.key_id,
    }


@store_errors
def run(args: argparse.Namespace) -> int:
    if args.limit < 1 or args.offset < 0:
        raise UsageError("--limit must be at least 1 and --offset not negative")
    with open_store(args, create=False) as store:
        records = store.audits(limit=args.limit, offset=args.offset, target=args.target)
        total = store.count(target=args.target)
        head_seq, head_manifest = store.head()
        root = store.root
    if args.json:
        for record in records:
            print(json.dumps(record_json(record), ensure_ascii=False))
        return EXIT_OK
    console = Console(highlight=False)
    if not records:
        console.print(Text(f"No audits in {root}" + (f" for {args.target}" if args.target else "")))
        return EXIT_OK
    # Two lines an audit: fits 80 columns with full ids, which people copy into other verbs.
    for record in records:
        line = Text(record.audit_id, "bold")
        line.append(f"  {record.status}", _STATUS_STYLE.get(record.status, ""))
        line.append(f"  {record.started_at.replace('+00:00', '').replace('T', ' ')}")
        if record.chain_seq is not None:
            line.append(f"  #{record.chain_seq}" + (" signed" if record.key_id else ""), "dim")
        console.print(line)
        detail = Text("  ")
        detail.append(clean_text(record.target, 100))
        if record.critical or record.high:
            detail.append(
                f"  {record.findings} findings ({record.critical} critical, {record.high} high)",
                "red",
            )
        else:
            detail.append(f"  {record.findings} findings")
        if record.watchlisted:
            detail.append(f"  watchlisted: {clean_text(', '.join(record.watchlisted), 200)}", "red")
        if record.derived_from:
            detail.append(f"  re-analysis of {record.derived_from}", "dim")
        if record.status == "partial" and record.status_reasons:
            detail.append(f"  ({clean_text(record.status_reasons[0], 160)})", "yellow")
        console.print(detail)
    shown = f"{args.offset + 1}-{args.offset + len(records)}"
    head = f"#{head_seq} manifest {head_manifest[:16]}" if head_manifest else "empty"
    console.print(Text(f"{shown} of {total} audits in {root}; chain head {head}", "dim"))
    return EXIT_OK
