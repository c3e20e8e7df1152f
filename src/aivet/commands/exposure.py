"""`aivet exposure HOST...`: data services a vendor left open, probed within an authorised scope.

Also holds `run_exposure_audit`, the exposure pipeline (collect → store → analyze →
reports), mirroring `pipeline.run_web_audit`, for the CLI, the tests and the benchmark.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.text import Text

from aivet.commands.common import EXIT_FAILED, EXIT_OK, UsageError, load_intel

if TYPE_CHECKING:
    from aivet.collect.exposure.runner import ExposureOptions
    from aivet.collect.exposure.scope import Scope
    from aivet.intel.kb import Intel
    from aivet.model import Audit

SESSION_FILE = "exposure-session.json"


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "exposure",
        help="find data services left open (authorised targets only)",
        description="Probe hosts you are authorised to test for data services that answer "
        "without credentials (ClickHouse, Elasticsearch, Redis, MongoDB, PostgreSQL, MySQL, "
        "Memcached, Kafka, etcd, Prometheus, Grafana, Kibana, Jupyter, Docker, Kubernetes) and "
        "for .git/, .env, backups and directory listings on web servers. Read-only requests "
        "only, each documented in docs/exposure.md; every request and reply is kept as "
        "evidence. Targets are listed before anything is sent, and nothing is sent without "
        "--authorized.",
    )
    parser.add_argument("targets", nargs="*", metavar="HOST", help="host name, IP address or CIDR")
    parser.add_argument(
        "--from-audit", type=Path, metavar="AUDIT",
        help="also probe the hosts a web audit saw (its audit.json or directory); first-party "
        "hosts only unless --include-third-party",
    )  # fmt: skip
    parser.add_argument(
        "--include-third-party", action="store_true",
        help="with --from-audit: also third-party and unknown-owner hosts (you must be "
        "authorised for them too)",
    )  # fmt: skip
    parser.add_argument(
        "--authorized", action="store_true",
        help="confirm that you may test every listed target (the owner's permission, or your own)",
    )  # fmt: skip
    parser.add_argument(
        "--ports", default="default",
        help="'default' (each check's usual ports), numbers, ranges, check names, or "
        "PORT=CHECK[+CHECK] to run checks on a non-standard port; comma-separated",
    )  # fmt: skip
    parser.add_argument(
        "--allow-private", action="store_true",
        help="allow loopback, private and other non-public addresses (your own network)",
    )  # fmt: skip
    parser.add_argument(
        "--resolve", action="append", default=[], metavar="NAME=ADDRESS",
        help="use ADDRESS for NAME instead of asking DNS (repeatable)",
    )  # fmt: skip
    parser.add_argument("--max-hosts", type=int, default=256, help="most hosts (default 256)")
    parser.add_argument("--rate", type=float, default=100.0,
                        help="new connections per second per address (default 100)")  # fmt: skip
    parser.add_argument("--per-host", type=int, default=4,
                        help="connections at once per address (default 4)")  # fmt: skip
    parser.add_argument("--concurrency", type=int, default=128,
                        help="connections at once in all (default 128)")  # fmt: skip
    parser.add_argument("--connect-timeout", type=float, default=3.0, metavar="SECONDS")
    parser.add_argument("--read-timeout", type=float, default=3.0, metavar="SECONDS")
    parser.add_argument("--probe-timeout", type=float, default=10.0, metavar="SECONDS",
                        help="limit of one check on one port (default 10)")  # fmt: skip
    parser.add_argument("--time-limit", type=float, default=600.0, metavar="SECONDS",
                        help="limit of the whole scan (default 600)")  # fmt: skip
    parser.add_argument("--dry-run", action="store_true", help="list the scope, probe nothing")
    parser.add_argument(
        "--intel", type=Path, action="append", default=[], help="extra intel YAML (repeatable)"
    )
    parser.add_argument("--out", type=Path, help="report directory (default audits/exposure-TIME)")
    parser.add_argument("--quiet", action="store_true", help="no terminal summary")
    parser.set_defaults(handler=run)


@dataclass(frozen=True)
class ExposureAuditOutput:
    audit: Audit
    directory: Path
    json_path: Path
    html_path: Path


def run_exposure_audit(
    options: ExposureOptions, out_dir: Path, *, intel: Intel
) -> ExposureAuditOutput:
    """Probe, store the session and every byte, analyze, write audit.json and report.html."""
    from aivet.analyze.exposure import analyze_exposure_session
    from aivet.collect.exposure.runner import collect_exposure
    from aivet.evidence import EvidenceDir
    from aivet.pipeline import new_audit_id
    from aivet.report.html import write_html
    from aivet.report.json_report import write_audit_json
    from aivet.serde import to_jsonable

    out_dir.mkdir(parents=True, exist_ok=True)
    evidence = EvidenceDir(out_dir / "evidence")
    session = asyncio.run(collect_exposure(options, evidence))
    stored = evidence.put_json(to_jsonable(session), "exposure-session")
    (out_dir / SESSION_FILE).write_bytes(evidence.read(stored.sha256))
    started = time.perf_counter()
    audit = analyze_exposure_session(
        session,
        evidence.read,
        intel,
        audit_id=new_audit_id("exposure"),
        session_sha256=stored.sha256,
        artifacts=evidence.artifacts(),
    )
    audit.timings_ms["analysis"] = round((time.perf_counter() - started) * 1000, 1)
    json_path, html_path = out_dir / "audit.json", out_dir / "report.html"
    write_audit_json(audit, json_path)
    write_html(audit, evidence, html_path)
    return ExposureAuditOutput(audit, out_dir, json_path, html_path)


def parse_overrides(items: list[str]) -> dict[str, str]:
    import ipaddress

    overrides = {}
    for item in items:
        name, sep, address = item.partition("=")
        name, address = name.strip().lower(), address.strip().strip("[]")
        try:
            ipaddress.ip_address(address)
        except ValueError:
            raise UsageError(f"--resolve {item!r}: expected NAME=ADDRESS (an IP address)") from None
        if not sep or not name:
            raise UsageError(f"--resolve {item!r}: expected NAME=ADDRESS")
        overrides[name] = address
    return overrides


def hosts_from_audit(path: Path, include_third_party: bool) -> tuple[str, list[str]]:
    """(audit id, host names) of the destinations a stored audit saw."""
    from aivet.report.json_report import load_audit

    if path.is_dir():
        path = path / "audit.json"
    try:
        audit = load_audit(path)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    hosts = [
        d.attribution.host for d in audit.destinations if include_third_party or d.party == "first"
    ]
    return audit.audit_id, list(dict.fromkeys(hosts))


def build_scope(args: argparse.Namespace) -> Scope:
    from aivet.collect.exposure.scope import ScopeError, expand

    overrides = parse_overrides(args.resolve)
    if args.max_hosts < 1:
        raise UsageError("--max-hosts must be at least 1")
    try:
        scope = expand(
            args.targets, allow_private=args.allow_private, max_hosts=args.max_hosts,
            overrides=overrides,
        )  # fmt: skip
        if args.from_audit is not None:
            audit_id, hosts = hosts_from_audit(args.from_audit, args.include_third_party)
            extra = expand(
                hosts, allow_private=args.allow_private, max_hosts=args.max_hosts,
                overrides=overrides, source=f"audit:{audit_id}",
            )  # fmt: skip
            known = {(t.host, t.address) for t in scope.targets}
            scope.targets += [t for t in extra.targets if (t.host, t.address) not in known]
    except ScopeError as exc:
        raise UsageError(str(exc)) from None
    if len(scope.probed) > args.max_hosts:
        raise UsageError(f"more than {args.max_hosts} hosts to probe; raise --max-hosts")
    return scope


def _print_scope(console: Console, scope: Scope, ports: int) -> None:
    from aivet.report import clean_text

    console.print(Text(f"Scope: {len(scope.probed)} hosts x {ports} ports", style="bold"))
    for target in scope.targets:
        where = (
            target.host
            if target.address in (None, target.host)
            else (f"{target.host} ({target.address})")
        )
        line = Text("  ")
        if target.refused:
            line.append("refused ", style="yellow")
            line.append(clean_text(where, 120))
            line.append(f": {target.refused}", style="yellow")
        else:
            line.append("probe   ", style="green")
            line.append(clean_text(where, 120))
        if target.given not in (target.host, target.address):
            line.append(f"  from {clean_text(target.given, 80)}", style="dim")
        console.print(line)


def run(args: argparse.Namespace) -> int:
    from aivet.collect.exposure.ports import PortSpecError, parse_ports
    from aivet.collect.exposure.runner import ExposureOptions
    from aivet.exposure_session import ProbeLimits
    from aivet.report.exposure import render_exposure_terminal

    if not args.targets and args.from_audit is None:
        raise UsageError("name at least one HOST, or --from-audit AUDIT")
    for name in ("rate", "connect_timeout", "read_timeout", "probe_timeout", "time_limit"):
        if getattr(args, name) <= 0:
            raise UsageError(f"--{name.replace('_', '-')} must be positive")
    if args.per_host < 1 or args.concurrency < 1:
        raise UsageError("--per-host and --concurrency must be at least 1")
    try:
        ports = parse_ports(args.ports)
    except PortSpecError as exc:
        raise UsageError(str(exc)) from None
    scope = build_scope(args)
    console = Console(stderr=args.quiet, highlight=False)
    _print_scope(console, scope, len(ports))
    if args.dry_run:
        return EXIT_OK
    if not args.authorized:
        raise UsageError(
            "nothing was probed: add --authorized to confirm you may test every target above"
        )
    if not scope.probed:
        sys.stderr.write("aivet: error: no target is in scope to probe\n")
        return EXIT_FAILED
    intel = load_intel(list(args.intel))
    limits = ProbeLimits(
        connect_timeout_s=args.connect_timeout,
        read_timeout_s=args.read_timeout,
        probe_timeout_s=args.probe_timeout,
        per_host_concurrency=args.per_host,
        per_host_rate=args.rate,
        concurrency=args.concurrency,
        time_limit_s=args.time_limit,
    )
    options = ExposureOptions(
        targets=scope.targets, ports=ports, authorized=True,
        allow_private=args.allow_private, limits=limits,
    )  # fmt: skip
    out = args.out or Path("audits") / f"exposure-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}"
    result = run_exposure_audit(options, out, intel=intel)
    if not args.quiet:
        render_exposure_terminal(result.audit, console)
    Console(highlight=False).print(
        f"report: {result.html_path}  json: {result.json_path}  "
        f"evidence: {result.directory / 'evidence'}"
    )
    return EXIT_OK
