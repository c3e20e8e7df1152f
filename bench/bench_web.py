"""Benchmark the web audit: the demo service and one ordinary local page, cold, N times each.

Prints the median wall time per audit and its breakdown (browser start, page
load, interaction, settle, analysis, report), and, as a baseline measured in
the same run, the time a bare Playwright session takes to start Chromium and
load the same page with no recording, no typing and no analysis. Nothing here
leaves 127.0.0.1.

    python bench/bench_web.py [--runs 5] [--blacklight NODE_MODULES]

With --blacklight (a node_modules folder where `npm install
@themarkup/blacklight-collector` was run, with PUPPETEER_SKIP_DOWNLOAD=1), the
ordinary page is also collected by Blacklight, driving the same Chromium, and
its own reported collection time is printed beside aivet's.
"""

from __future__ import annotations

import argparse
import asyncio
import http.server
import json
import os
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.async_api import async_playwright

from aivet.collect.browser import BrowserHost, LaunchConfig, find_chromium
from aivet.collect.web import WebCollectOptions
from aivet.demo.server import DEMO_START_URL, DemoServer, demo_intel_path
from aivet.intel.kb import Intel
from aivet.pipeline import run_web_audit
from aivet.web_session import ResolveRule

PAGES = Path(__file__).parent / "pages"
ORDINARY_URL = "http://www.ordinary-news.com/"
PHASES = (
    "browser_start",
    "page_load",
    "load_settle",
    "interaction",
    "settle",
    "analysis",
    "report",
)


class _HostHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def translate_path(self, path: str) -> str:
        host = (self.headers.get("Host") or "").split(":")[0]
        return str(PAGES / host / path.lstrip("/").split("?")[0] or "index.html")

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(204)
        self.end_headers()


@contextmanager
def ordinary_server() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _HostHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()


def audit_once(options: WebCollectOptions, intel: Intel, out: Path) -> dict[str, float]:
    """One cold audit, as a user runs it: a fresh Chromium, the audit, the reports."""
    started = time.perf_counter()
    with BrowserHost() as host:
        result = run_web_audit(options, out, intel=intel, host=host)
        total = (time.perf_counter() - started) * 1000
    phases = dict(result.audit.timings_ms)
    accounted = sum(v for k, v in phases.items() if k in PHASES)
    phases["report"] = max(0.0, total - accounted)  # reports, context set-up and close
    phases["total"] = total
    return phases


def bare_load_once(url: str, rules: tuple[ResolveRule, ...]) -> float:
    """Baseline: start Chromium with the same flags, load the page, wait for load, quit."""

    async def run() -> float:
        started = time.perf_counter()
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=find_chromium(), args=LaunchConfig(resolve=rules).args()
            )
            page = await browser.new_page()
            await page.goto(url, wait_until="load")
            await browser.close()
        return (time.perf_counter() - started) * 1000

    return asyncio.run(run())


def blacklight_once(node_modules: Path, url: str, port: int) -> float:
    """Blacklight's collect() on one page (no subpages), as it reports its own duration."""
    done = subprocess.run(
        [
            "node",
            str(Path(__file__).parent / "blacklight_once.js"),
            url,
            str(port),
            find_chromium() or "chromium",
        ],
        env={**os.environ, "NODE_PATH": str(node_modules)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    # Blacklight prints its own messages on stdout too: take our JSON line.
    line = next(x for x in done.stdout.splitlines() if x.startswith('{"ms"'))
    return float(json.loads(line)["ms"])


def report(name: str, runs: list[dict[str, float]], baseline: list[float]) -> None:
    median = statistics.median
    total = median([r["total"] for r in runs])
    base = median(baseline)
    print(f"\n{name}: {len(runs)} cold audits")
    print(f"  median audit        {total:7.0f} ms")
    for phase in PHASES:
        values = [r.get(phase, 0.0) for r in runs]
        print(f"    {phase:<17} {median(values):7.0f} ms")
    print(f"  baseline: bare Playwright start + load of the same page  {base:7.0f} ms")
    print(f"  ratio audit / baseline                                   {total / base:7.2f}x")


def bench_demo(runs: int, out: Path) -> None:
    with DemoServer() as demo:
        rules = (ResolveRule("*", "127.0.0.1", demo.port),)
        intel = Intel.load([demo_intel_path()])
        options = WebCollectOptions(
            url=DEMO_START_URL, interact="login", submit=True, consent="accept", resolve=rules
        )
        audits = [audit_once(options, intel, out / f"demo-{i}") for i in range(runs)]
        baseline = [bare_load_once(DEMO_START_URL, rules) for _ in range(runs)]
        report("demo service (login page, consent, typing, submit, chat page)", audits, baseline)


def bench_ordinary(runs: int, out: Path, blacklight: Path | None) -> None:
    with ordinary_server() as port:
        rules = (ResolveRule("*", "127.0.0.1", port),)
        intel = Intel.load()
        options = WebCollectOptions(url=ORDINARY_URL, interact="auto", resolve=rules)
        audits = [audit_once(options, intel, out / f"ordinary-{i}") for i in range(runs)]
        baseline = [bare_load_once(ORDINARY_URL, rules) for _ in range(runs)]
        report("ordinary local page (search + newsletter fields typed)", audits, baseline)
        if blacklight:
            bl = statistics.median(
                blacklight_once(blacklight, ORDINARY_URL, port) for _ in range(runs)
            )
            ours = statistics.median(r["total"] for r in audits)
            print(f"  Blacklight collect(), same page, same Chromium      {bl:7.0f} ms")
            print(f"  ratio aivet / Blacklight                            {ours / bl:7.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--blacklight", type=Path, help="node_modules with blacklight-collector")
    parser.add_argument("--only", choices=["demo", "ordinary"], help="run one of the two cases")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.only != "ordinary":
            bench_demo(args.runs, Path(tmp))
        if args.only != "demo":
            bench_ordinary(args.runs, Path(tmp), args.blacklight)


if __name__ == "__main__":
    main()
