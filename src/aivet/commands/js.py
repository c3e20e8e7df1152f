"""`aivet js FILE|URL...`: decode obfuscated scripts and report the endpoints and capabilities
they hide, without a browser (see docs/js-analysis.md)."""

from __future__ import annotations

import argparse
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from rich.console import Console

from aivet.commands.common import (
    EXIT_FAILED,
    EXIT_OK,
    UsageError,
    load_intel,
    parse_resolve,
)
from aivet.web_session import ResolveRule

MAX_SCRIPT_BYTES = 50 * 1024 * 1024
"""Larger files and downloads are refused; the analyzer itself reads at most its own limit."""


class FetchError(Exception):
    """A script URL that could not be fetched: one line, exit code 1."""


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "js",
        help="decode obfuscated JavaScript (files or URLs) and report what it hides",
        description="Analyse scripts statically: recover strings hidden by obfuscation, list the "
        "endpoints the code can send to and the capabilities it has (fingerprinting, input "
        "capture, anti-debugging), and score the obfuscation. Files are read, URLs fetched "
        "once; each script is kept as evidence. Nothing is executed except single decoders in "
        "a sandbox. See docs/js-analysis.md.",
    )
    parser.add_argument("targets", nargs="+", metavar="FILE|URL", help="script files or URLs")
    parser.add_argument(
        "--resolve",
        action="append",
        default=[],
        metavar="PATTERN=ADDRESS[:PORT]",
        help="for URLs: map host names to an address, e.g. 'cdn.example=127.0.0.1:8080'",
    )
    parser.add_argument(
        "--timeout", type=float, default=30.0, metavar="SECONDS", help="fetch limit (default 30)"
    )
    parser.add_argument(
        "--intel", type=Path, action="append", default=[], help="extra intel YAML (repeatable)"
    )
    parser.add_argument("--out", type=Path, help="report directory (default audits/js-TIME)")
    parser.add_argument("--quiet", action="store_true", help="no terminal summary")
    parser.set_defaults(handler=run)


def _is_url(text: str) -> bool:
    return re.match(r"^[a-z][a-z0-9+.-]*://", text, re.I) is not None


def read_script_file(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise UsageError(f"{path}: not a file")
        if size > MAX_SCRIPT_BYTES:
            raise UsageError(f"{path}: {size} bytes, more than the {MAX_SCRIPT_BYTES} allowed")
        with path.open("rb") as handle:
            return handle.read(MAX_SCRIPT_BYTES + 1)[:MAX_SCRIPT_BYTES]
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror or exc})") from None


def _rule_for(host: str, rules: tuple[ResolveRule, ...]) -> ResolveRule | None:
    for rule in rules:
        if rule.pattern == "*" or rule.pattern == host:
            return rule
        if rule.pattern.startswith("*.") and host.endswith(rule.pattern[1:]):
            return rule
    return None


def fetch_script(url: str, rules: tuple[ResolveRule, ...], timeout: float) -> bytes:
    """One GET, no cookies, bounded size; a --resolve rule sends it to the mapped address."""
    import httpx

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{url}: only http and https URLs can be fetched")
    host = parts.hostname
    headers = {"User-Agent": "aivet-js", "Accept": "*/*"}
    extensions: dict[str, Any] = {}
    target = url
    rule = _rule_for(host, rules)
    if rule is not None:
        address = f"[{rule.address}]" if ":" in rule.address else rule.address
        port = rule.port if rule.port is not None else parts.port
        netloc = address if port is None else f"{address}:{port}"
        target = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
        headers["Host"] = parts.netloc.rpartition("@")[2]
        if parts.scheme == "https":
            extensions["sni_hostname"] = host
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client,
            client.stream("GET", target, headers=headers, extensions=extensions) as response,
        ):
            if response.status_code != 200:
                raise FetchError(f"{url}: HTTP {response.status_code}")
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_SCRIPT_BYTES:
                    raise FetchError(f"{url}: larger than {MAX_SCRIPT_BYTES} bytes")
                chunks.append(chunk)
            return b"".join(chunks)
    except httpx.HTTPError as exc:
        raise FetchError(f"{url}: cannot fetch ({type(exc).__name__}: {exc})") from None


def default_out_dir() -> Path:
    return Path("audits") / f"js-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}"


def run(args: argparse.Namespace) -> int:
    from aivet import __version__
    from aivet.analyze.findings import sort_findings
    from aivet.analyze.js import analyze_script, script_findings
    from aivet.evidence import EvidenceDir
    from aivet.model import SCHEMA_VERSION, Audit, ToolInfo
    from aivet.pipeline import new_audit_id
    from aivet.report.html import write_html
    from aivet.report.json_report import write_audit_json
    from aivet.report.terminal import render_terminal

    if args.timeout <= 0:
        raise UsageError("--timeout must be positive")
    rules = tuple(parse_resolve(r) for r in args.resolve)
    started_at = datetime.now(UTC).isoformat()
    sources: list[tuple[str, str | None, bytes]] = []
    try:
        for target in args.targets:
            if _is_url(target):
                sources.append((target, target, fetch_script(target, rules, args.timeout)))
            else:
                sources.append((target, target, read_script_file(Path(target))))
    except FetchError as exc:
        sys.stderr.write(f"aivet: error: {exc}\n")
        return EXIT_FAILED
    intel = load_intel(list(args.intel))
    out: Path = args.out or default_out_dir()
    out.mkdir(parents=True, exist_ok=True)
    evidence = EvidenceDir(out / "evidence")
    started = time.perf_counter()
    analyses = []
    for _name, url, data in sources:
        artifact = evidence.put(data, "text/javascript", "script")
        analyses.append(analyze_script(data, url=url, sha256=artifact.sha256, intel=intel))
    analysis_ms = (time.perf_counter() - started) * 1000
    reasons = [
        f"{url or name}: {a.status}"
        for (name, url, _), a in zip(sources, analyses, strict=True)
        if not a.complete
    ]
    targets = list(args.targets)
    audit = Audit(
        schema_version=SCHEMA_VERSION,
        audit_id=new_audit_id("js"),
        kind="js",
        target=targets[0] if len(targets) == 1 else f"{len(targets)} scripts",
        started_at=started_at,
        ended_at=datetime.now(UTC).isoformat(),
        status="partial" if reasons else "complete",
        status_reasons=reasons,
        tool=ToolInfo(name="aivet", version=__version__),
        intel=intel.info(),
        resolve=list(rules),
        findings=sort_findings(script_findings(analyses, None, intel)),
        artifacts=evidence.artifacts(),
        timings_ms={"analysis": round(analysis_ms, 1)},
        analyses=["js"],
        scripts=analyses,
    )
    json_path = out / "audit.json"
    html_path = out / "report.html"
    write_audit_json(audit, json_path)
    write_html(audit, evidence, html_path)
    console = Console()
    if not args.quiet:
        render_terminal(audit, console)
    console.print(f"report: {html_path}  json: {json_path}  evidence: {out / 'evidence'}")
    return EXIT_OK
