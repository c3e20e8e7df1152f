"""Start Chromium through Playwright and keep it on a private event loop.

A `BrowserHost` owns one asyncio loop in a daemon thread with Playwright and
one browser per set of launch flags (host-resolver rules are launch flags, so
two audits with different `--resolve` mappings need two browsers). Callers
stay synchronous: `host.run(coroutine_factory)` runs a coroutine on that loop.
Tests share one host for the whole run, so Chromium starts once.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from playwright.async_api import Browser, Playwright, async_playwright

from aivet.web_session import ResolveRule

T = TypeVar("T")

# Flags that keep Chromium from phoning home while it audits: without them it contacts
# Google services on its own, which pollutes the evidence and fails offline.
QUIET_FLAGS = (
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--metrics-recording-only",
    "--disable-breakpad",
    # HTTPS-Upgrades would silently retry http:// navigations over https first. Site
    # isolation is off so that cross-site frames run in the page's renderer, where the
    # page's DevTools session sees their scripts, storage and request initiators from
    # their first instruction (an out-of-process frame could only be attached after it
    # started). The audit profile is fresh and holds no user data worth isolating.
    "--disable-features=HttpsUpgrades,HttpsFirstBalancedModeAutoEnable,"
    "OptimizationHints,MediaRouter,Translate,InterestFeedContentSuggestions,"
    "IsolateOrigins,site-per-process",
    "--disable-site-isolation-trials",
    "--disable-quic",
    "--disable-gpu",
)


class BrowserUnavailable(RuntimeError):
    """No Chromium could be found or started; the message says what to install."""


def find_chromium() -> str | None:
    """AIVET_CHROMIUM, then the system Chromium; None means Playwright's own download."""
    configured = os.environ.get("AIVET_CHROMIUM")
    if configured:
        if not Path(configured).is_file():
            raise BrowserUnavailable(f"AIVET_CHROMIUM={configured} is not a file")
        return configured
    for candidate in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if Path(candidate).is_file():
            return candidate
    found = shutil.which("chromium")
    return found


def needs_no_sandbox() -> bool:
    """Chromium's sandbox cannot start as root; the audit records that it was off."""
    return hasattr(os, "geteuid") and os.geteuid() == 0


@dataclass(frozen=True)
class LaunchConfig:
    resolve: tuple[ResolveRule, ...] = ()
    headless: bool = True

    def args(self) -> list[str]:
        args = list(QUIET_FLAGS)
        if needs_no_sandbox():
            args.append("--no-sandbox")
        if self.resolve:
            rules = ", ".join(rule.chromium_rule() for rule in self.resolve)
            args.append(f"--host-resolver-rules={rules}")
        return args


@dataclass
class LaunchedBrowser:
    browser: Browser
    executable: str
    version: str
    args: list[str]
    start_ms: float


class BrowserHost:
    """One Playwright instance on a background loop, with browsers keyed by launch config."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._playwright: Playwright | None = None
        self._browsers: dict[LaunchConfig, LaunchedBrowser] = {}
        self._lock = asyncio.Lock()

    def run(self, factory: Callable[[], Awaitable[T]], timeout: float | None = None) -> T:
        async def wrapped() -> T:
            return await factory()

        future: Future[T] = asyncio.run_coroutine_threadsafe(wrapped(), self._loop)
        return future.result(timeout)

    async def browser(self, config: LaunchConfig) -> LaunchedBrowser:
        """A connected browser for this config, launched on first use or after a crash."""
        async with self._lock:
            known = self._browsers.get(config)
            if known is not None and known.browser.is_connected():
                return known
            if self._playwright is None:
                self._playwright = await async_playwright().start()
            executable = find_chromium()
            args = config.args()
            started = time.perf_counter()
            try:
                browser = await self._playwright.chromium.launch(
                    executable_path=executable,
                    headless=config.headless,
                    args=args,
                    chromium_sandbox=False,
                    timeout=30_000,
                )
            except Exception as exc:  # Playwright raises plain Error with a long log
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
                raise BrowserUnavailable(
                    f"could not start Chromium ({executable or 'Playwright download'}): {first}; "
                    "install Debian's 'chromium' package or set AIVET_CHROMIUM"
                ) from None
            launched = LaunchedBrowser(
                browser=browser,
                executable=executable or "playwright-chromium",
                version=browser.version,
                args=args,
                start_ms=(time.perf_counter() - started) * 1000,
            )
            self._browsers[config] = launched
            return launched

    def close(self) -> None:
        async def shutdown() -> None:
            for launched in self._browsers.values():
                with contextlib.suppress(Exception):  # already gone: nothing to close
                    await launched.browser.close()
            self._browsers.clear()
            if self._playwright is not None:
                await self._playwright.stop()
                self._playwright = None

        try:
            self.run(shutdown, timeout=30)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)

    def __enter__(self) -> BrowserHost:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
