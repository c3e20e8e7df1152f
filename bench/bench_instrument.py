"""Benchmark the behaviour instrumentation: the same pages loaded with and without it.

Each run opens a fresh browser context on one shared Chromium, alternating "with hooks"
and "without", and measures (1) an ordinary page with a chart and a rich-text editor until
its load event, (2) a page running FingerprintJS until the visitor id is posted, the worst
case for the hooks (hundreds of hooked calls), and (3) a loop of 200,000 hooked reads in the
page. Prints medians and the ratio with/without. Nothing leaves 127.0.0.1.

    python bench/bench_instrument.py [--runs 10]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from playwright.async_api import Browser, Page, async_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aivet.collect.browser import LaunchConfig, find_chromium  # noqa: E402
from aivet.collect.instrument import BehaviourRecorder  # noqa: E402
from aivet.evidence import EvidenceDir  # noqa: E402
from aivet.web_session import ResolveRule  # noqa: E402
from tests.support.webserver import LocalWebServer  # noqa: E402

SITE = "http://www.fp-test.com"
LOOP = "() => { const t = performance.now(); let n = 0; " \
    "for (let i = 0; i < 200000; i++) n += navigator.hardwareConcurrency; " \
    "return performance.now() - t; }"  # fmt: skip


async def _ordinary(page: Page, server: LocalWebServer) -> float:
    started = time.perf_counter()
    await page.goto(f"{SITE}/negatives.html", wait_until="load")
    return (time.perf_counter() - started) * 1000


async def _fingerprintjs(page: Page, server: LocalWebServer) -> float:
    before = len(server.received_on("www.fp-test.com", "/collect/visitor"))
    started = time.perf_counter()
    await page.goto(f"{SITE}/fingerprintjs.html", wait_until="load")
    while len(server.received_on("www.fp-test.com", "/collect/visitor")) == before:
        await asyncio.sleep(0.005)
    return (time.perf_counter() - started) * 1000


async def _loop(page: Page, server: LocalWebServer) -> float:
    await page.goto(f"{SITE}/preserve.html", wait_until="load")
    result: float = await page.evaluate(LOOP)
    return result


CASES: dict[str, Callable[[Page, LocalWebServer], Awaitable[float]]] = {
    "ordinary page (Chart.js + Quill), to load event": _ordinary,
    "FingerprintJS page, to visitor id posted": _fingerprintjs,
    "200,000 hooked navigator reads in the page (in-page ms)": _loop,
}


async def _once(
    browser: Browser,
    server: LocalWebServer,
    case: Callable[[Page, LocalWebServer], Awaitable[float]],
    hooked: bool,
    tmp: Path,
) -> float:
    context = await browser.new_context()
    try:
        recorder = None
        if hooked:
            recorder = BehaviourRecorder(EvidenceDir(tmp), time.perf_counter)
            await recorder.install(context)
        page = await context.new_page()
        if recorder is not None:
            await recorder.attach(context, page)
        return await case(page, server)
    finally:
        await context.close()


async def run(runs: int) -> None:
    server = LocalWebServer().start()
    rules = (ResolveRule("*", "127.0.0.1", server.port),)
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=find_chromium(), args=LaunchConfig(resolve=rules).args()
            )
            with tempfile.TemporaryDirectory() as tmp:
                for name, case in CASES.items():
                    times: dict[bool, list[float]] = {True: [], False: []}
                    await _once(browser, server, case, False, Path(tmp))  # warm the cache
                    for _ in range(runs):
                        for hooked in (False, True):
                            times[hooked].append(
                                await _once(browser, server, case, hooked, Path(tmp))
                            )
                    plain = statistics.median(times[False])
                    hooked_ms = statistics.median(times[True])
                    print(f"\n{name}: {runs} runs each, alternating")
                    print(f"  without instrumentation  {plain:8.1f} ms (median)")
                    print(f"  with instrumentation     {hooked_ms:8.1f} ms (median)")
                    print(f"  ratio with / without     {hooked_ms / plain:8.2f}x")
            await browser.close()
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    asyncio.run(run(args.runs))


if __name__ == "__main__":
    main()
