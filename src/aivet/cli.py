"""The `aivet` command line: parse arguments, wire the pieces, print one-line errors.

Exit codes: 0 done, 1 the audit could not run (no browser, unreadable intel),
2 bad arguments.
"""

from __future__ import annotations

import argparse
import ipaddress
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn
from urllib.parse import urlsplit

from rich.console import Console

from aivet import __version__
from aivet.web_session import ResolveRule

if TYPE_CHECKING:
    from aivet.collect.web import WebCollectOptions
    from aivet.intel.kb import Intel

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

_PATTERN = re.compile(r"^(\*|(\*\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*)$")
_HOSTNAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")


class UsageError(Exception):
    """Bad command-line input: reported in one line with exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"aivet: error: {message} (see aivet {self.prog.split()[-1]} --help)\n")
        raise SystemExit(EXIT_USAGE)


def parse_resolve(text: str) -> ResolveRule:
    """`PATTERN=ADDRESS[:PORT]`, e.g. `*=127.0.0.1:8080`, `*.example.com=[::1]:8443`."""
    pattern, sep, target = text.partition("=")
    pattern = pattern.strip().lower()
    if not sep or not pattern or not target:
        raise UsageError(f"--resolve {text!r}: expected PATTERN=ADDRESS[:PORT]")
    if not _PATTERN.match(pattern):
        raise UsageError(f"--resolve {text!r}: pattern must be '*', '*.example.com' or a host name")
    port: int | None = None
    if target.startswith("["):
        address, _, rest = target[1:].partition("]")
        if rest:
            if not rest.startswith(":"):
                raise UsageError(f"--resolve {text!r}: expected [IPv6]:PORT")
            port = _port(rest[1:], text)
    elif target.count(":") == 1:
        address, port_text = target.split(":")
        port = _port(port_text, text)
    else:
        address = target
    address = address.strip().lower()
    try:
        ipaddress.ip_address(address)
    except ValueError:
        if not _HOSTNAME.match(address):
            raise UsageError(f"--resolve {text!r}: {address!r} is not an IP address or host name") from None
    return ResolveRule(pattern=pattern, address=address, port=port)


def _port(text: str, whole: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise UsageError(f"--resolve {whole!r}: port must be 1-65535")
    return int(text)


def normalise_url(text: str) -> str:
    """An http(s) URL with a host; a bare host name gets https://."""
    text = text.strip()
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        _ = parts.port
    except ValueError as exc:
        raise UsageError(f"not a valid URL: {text!r} ({exc})") from None
    if parts.scheme not in ("http", "https"):
        raise UsageError(f"only http and https URLs can be audited, not {parts.scheme!r}")
    if not parts.hostname:
        raise UsageError(f"URL has no host: {text!r}")
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="aivet",
        description="Audit AI services: where typed data goes, who receives it, under which flag.",
    )
    parser.add_argument("--version", action="version", version=f"aivet {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    web = sub.add_parser(
        "web",
        help="audit a page in a real browser session",
        description="Open URL in headless Chromium, type unique canaries into its fields, "
        "record every request, script, cookie and storage write, and report where the data went.",
    )
    web.add_argument("url", help="page to audit (http or https; a bare host gets https://)")
    _add_web_options(web)
    web.add_argument("--out", type=Path, help="report directory (default: audits/<host>-<time>)")

    demo = sub.add_parser(
        "demo",
        help="run the whole story on the bundled demo chat service",
        description="Start the bundled demo service on 127.0.0.1, map its real-looking host "
        "names to it, and audit its login page (typing and submitting).",
    )
    demo.add_argument("--out", type=Path, default=Path("audits/demo"), help="report directory")
    demo.add_argument("--no-submit", action="store_true", help="type but do not submit")

    intel = sub.add_parser("intel", help="query the knowledge base")
    intel_sub = intel.add_subparsers(dest="intel_command", required=True, parser_class=_Parser)
    lookup = intel_sub.add_parser("lookup", help="owner, country and watchlists of host names")
    lookup.add_argument("hosts", nargs="+")
    lookup.add_argument("--intel", type=Path, action="append", default=[],
                        help="extra intel YAML file (repeatable)")
    return parser


def _add_web_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--interact", choices=["auto", "login", "chat", "none"], default="auto",
                        help="which fields to type canaries into (default: auto = all found)")
    parser.add_argument("--submit", action="store_true",
                        help="also submit the form after typing (default: type only)")
    parser.add_argument("--consent", choices=["accept", "reject", "ignore"], default="ignore",
                        help="what to do with a cookie-consent banner (default: ignore)")
    parser.add_argument("--resolve", action="append", default=[], metavar="PATTERN=ADDRESS[:PORT]",
                        help="map host names to an address, e.g. '*=127.0.0.1:8080' "
                        "(repeatable; first match wins; recorded in the audit)")
    parser.add_argument("--timeout", type=float, default=20.0, metavar="SECONDS",
                        help="page-load limit (default 20); the whole audit is limited to 4x this")
    parser.add_argument("--intel", type=Path, action="append", default=[],
                        help="extra intel YAML file (repeatable)")
    parser.add_argument("--quiet", action="store_true", help="no terminal summary")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "web":
            return _cmd_web(args)
        if args.command == "demo":
            return _cmd_demo(args)
        if args.command == "intel":
            return _cmd_intel(args)
    except UsageError as exc:
        sys.stderr.write(f"aivet: error: {exc}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        sys.stderr.write("aivet: interrupted\n")
        return 130
    parser.error(f"unknown command {args.command}")


def _load_intel(extra: Sequence[Path]) -> Intel:
    from aivet.intel.kb import Intel, IntelError

    for path in extra:
        if not path.is_file():
            raise UsageError(f"--intel {path}: no such file")
    try:
        return Intel.load(extra)
    except IntelError as exc:
        raise UsageError(f"intel: {exc}") from None


def _cmd_web(args: argparse.Namespace) -> int:
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
    out = args.out or _default_out(url)
    return _run_and_report(options, out, list(args.intel), quiet=args.quiet)


def _default_out(url: str) -> Path:
    from datetime import UTC, datetime

    host = urlsplit(url).hostname or "target"
    return Path("audits") / f"{host}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}"


def _run_and_report(
    options: WebCollectOptions, out: Path, extra_intel: list[Path], *, quiet: bool
) -> int:
    from aivet.collect.browser import BrowserHost, BrowserUnavailable
    from aivet.pipeline import run_web_audit
    from aivet.report.terminal import render_terminal

    intel = _load_intel(extra_intel)
    console = Console(stderr=False)
    try:
        with BrowserHost() as host:
            result = run_web_audit(options, out, intel=intel, host=host)
    except BrowserUnavailable as exc:
        sys.stderr.write(f"aivet: error: {exc}\n")
        return EXIT_FAILED
    if not quiet:
        render_terminal(result.audit, console)
    console.print(f"report: {result.html_path}  json: {result.json_path}  "
                  f"evidence: {result.directory / 'evidence'}")
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    from aivet.collect.web import WebCollectOptions
    from aivet.demo.server import DEMO_START_URL, DemoServer, demo_intel_path

    with DemoServer() as server:
        options = WebCollectOptions(
            url=DEMO_START_URL,
            interact="login",
            submit=not args.no_submit,
            consent="accept",
            resolve=(ResolveRule("*", "127.0.0.1", server.port),),
        )
        return _run_and_report(options, args.out, [demo_intel_path()], quiet=False)


def _cmd_intel(args: argparse.Namespace) -> int:
    intel = _load_intel(list(args.intel))
    console = Console()
    for host in args.hosts:
        a = intel.attribute(host.strip().lower())
        if a.entity_name is None:
            console.print(f"{a.host}: unknown owner (registrable domain {a.registrable_domain})")
            continue
        console.print(f"{a.host}: {' → '.join(a.ownership_chain)} [{a.country or '?'}]"
                      + (" state-owned" if a.state_owned else ""))
        for hit in a.watchlists:
            console.print(f"  on {hit.list_name} as {hit.listed_entity!r}"
                          + (f" since {hit.since}" if hit.since else "") + f"  {hit.source_url}")
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
