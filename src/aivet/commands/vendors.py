"""`aivet vendors`: the vendor registry — vendors, their latest audits, verdicts and expiry."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from aivet.commands.common import EXIT_OK, UsageError
from aivet.serde import to_jsonable

_STATUS_STYLE = {
    "allow": "green",
    "review": "yellow",
    "deny": "bold red",
    "expired": "magenta",
    "unaudited": "dim",
}


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "vendors",
        help="the vendor registry: vendors, latest audits, verdicts and expiry",
        description="List the vendors in the registry with their latest audit, current "
        "verdict and when it expires (an allow must be renewed by a newer audit), or add, "
        "show and remove vendors. Verdicts are recorded with `aivet verdict --vendor ID`.",
    )
    _common(parser)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    vendors_sub = parser.add_subparsers(dest="vendors_command")
    add = vendors_sub.add_parser("add", help="add a vendor, or add domains/apps/models to one")
    add.add_argument("vendor_id", metavar="ID")
    add.add_argument("--name", help="display name")
    add.add_argument("--domain", action="append", default=[], help="a domain it operates")
    add.add_argument("--app", action="append", default=[], help="an app id (bundle/package)")
    add.add_argument(
        "--model",
        action="append",
        default=[],
        metavar="PROVIDER/MODEL[@API_BASE]",
        help="a model it serves, e.g. deepseek/deepseek-chat (repeatable)",
    )
    _common(add)
    show = vendors_sub.add_parser("show", help="one vendor with its verdict history")
    show.add_argument("vendor_id", metavar="ID")
    show.add_argument("--json", action="store_true", help="print JSON")
    _common(show)
    remove = vendors_sub.add_parser("remove", help="remove a vendor and its history")
    remove.add_argument("vendor_id", metavar="ID")
    _common(remove)
    parser.set_defaults(handler=run)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--registry",
        type=Path,
        default=argparse.SUPPRESS,
        metavar="FILE",
        help="vendor registry file (default $XDG_DATA_HOME/aivet/vendors.json)",
    )
    parser.add_argument(
        "--date",
        type=date.fromisoformat,
        default=argparse.SUPPRESS,
        metavar="YYYY-MM-DD",
        help="status as of this date (default today)",
    )


def run(args: argparse.Namespace) -> int:
    from aivet.verdict.registry import Registry, RegistryError, parse_model

    today = getattr(args, "date", None) or datetime.now(UTC).date()
    try:
        registry = Registry.load(getattr(args, "registry", None))
        command = args.vendors_command
        if command == "add":
            models = [parse_model(m) for m in args.model]
            vendor = registry.add_vendor(args.vendor_id, args.name, args.domain, args.app, models)
            registry.save()
            print(f"vendor {vendor.id}: {', '.join(vendor.domains) or 'no domains'}")
            return EXIT_OK
        if command == "remove":
            registry.remove(args.vendor_id)
            registry.save()
            print(f"removed vendor {args.vendor_id}")
            return EXIT_OK
        if command == "show":
            vendor = registry.get(args.vendor_id)
            if args.json:
                data = to_jsonable(vendor) | {"status": vendor.status(today)}
                sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
            else:
                _show(vendor, today)
            return EXIT_OK
    except RegistryError as exc:
        raise UsageError(str(exc)) from None
    if getattr(args, "json", False):
        rows = [
            {
                "id": v.id,
                "name": v.name,
                "status": v.status(today),
                "domains": v.domains,
                "latest_audit": to_jsonable(v.latest_audit()),
                "verdict": to_jsonable(v.current()),
            }
            for v in sorted(registry.vendors.values(), key=lambda v: v.id)
        ]
        sys.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
        return EXIT_OK
    console = Console(highlight=False)
    if not registry.vendors:
        console.print(f"no vendors in {registry.path} (add one with `aivet vendors add ID`)")
        return EXIT_OK
    table = Table(title=f"vendors ({registry.path})", title_justify="left")
    for column in ("vendor", "domains", "latest audit", "verdict", "valid until", "policy"):
        table.add_column(column)
    for vendor in sorted(registry.vendors.values(), key=lambda v: v.id):
        status = vendor.status(today)
        current = vendor.current()
        audit = vendor.latest_audit()
        table.add_row(
            escape(f"{vendor.id}\n{vendor.name}" if vendor.name != vendor.id else vendor.id),
            escape(", ".join(vendor.domains)),
            escape(f"{audit.ended_at[:10]} {audit.kind} {audit.audit_id[:12]}") if audit else "—",
            f"[{_STATUS_STYLE[status]}]{status}[/]",
            escape(current.valid_until or "—") if current else "—",
            escape(current.policy_name) if current else "—",
        )
    console.print(table)
    return EXIT_OK


def _show(vendor: Any, today: date) -> None:
    console = Console(highlight=False)
    status = vendor.status(today)
    console.print(
        f"[bold]{escape(vendor.id)}[/] {escape(vendor.name)}  [{_STATUS_STYLE[status]}]{status}[/]"
    )
    console.print(f"  domains: {escape(', '.join(vendor.domains) or '—')}")
    if vendor.apps:
        console.print(f"  apps: {escape(', '.join(vendor.apps))}")
    for model in vendor.models:
        base = f" at {model.api_base}" if model.api_base else ""
        console.print(f"  model: {escape(model.provider)}/{escape(model.id)}{escape(base)}")
    for record in sorted(vendor.verdicts, key=lambda v: v.evaluated_at, reverse=True):
        console.print(
            f"  {escape(record.evaluated_at)} {record.decision} "
            f"(valid until {record.valid_until or '—'}; {escape(record.policy_name)}; "
            f"audits {escape(', '.join(a.audit_id[:12] for a in record.audits))})"
        )
        for reason in record.reasons[:5]:
            console.print(f"    [dim]{escape(reason)}[/]")
