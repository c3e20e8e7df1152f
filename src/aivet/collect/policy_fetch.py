"""Get a privacy policy: from a file, or from a URL with the real browser.

A URL is opened in a fresh Chromium context (the same `BrowserHost` as web
audits, so `--resolve` mappings apply): the bytes the server sent and the DOM
after scripts ran are both kept, since many policies are rendered by
JavaScript. A URL that serves a PDF arrives as a download and is kept as is.
Nothing here analyses; failures are described in one line and kept.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from dataclasses import dataclass, field
from pathlib import Path

from playwright.async_api import Download, Response
from playwright.async_api import Error as PlaywrightError

from aivet.collect.browser import LaunchedBrowser
from aivet.collect.web import describe_navigation_error

MAX_FILE_BYTES = 200 * 1024 * 1024
"""A file larger than this is refused before it is read (the reader's own limits are lower)."""
SETTLE_S = 3.0
_FETCH_BASE64 = """async (url) => {
  const bytes = new Uint8Array(await (await fetch(url, {credentials: "include"})).arrayBuffer());
  let text = "";
  for (let i = 0; i < bytes.length; i += 32768) {
    text += String.fromCharCode.apply(null, bytes.subarray(i, i + 32768));
  }
  return btoa(text);
}"""


class PolicyFileError(ValueError):
    """The policy file cannot be read at all (missing, a directory, unreadable, too large)."""


@dataclass
class FetchedPolicy:
    location: str
    data: bytes | None = None
    """The bytes as served or read; None when nothing arrived."""
    rendered: str | None = None
    """The DOM after scripts ran (browser only)."""
    media_type: str | None = None
    charset: str | None = None
    http_status: int | None = None
    final_url: str | None = None
    browser_version: str | None = None
    problems: list[str] = field(default_factory=list)


def read_policy_file(path: Path) -> FetchedPolicy:
    """The file's bytes; PolicyFileError with one line when it cannot be read."""
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise PolicyFileError(f"{path}: not a file")
        if size > MAX_FILE_BYTES:
            raise PolicyFileError(f"{path}: {size:,} bytes is larger than {MAX_FILE_BYTES:,}")
        data = path.read_bytes()
    except FileNotFoundError:
        raise PolicyFileError(f"{path}: no such file") from None
    except OSError as exc:
        raise PolicyFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return FetchedPolicy(location=str(path), data=data)


def _content_type(response: Response | None) -> tuple[str | None, str | None]:
    if response is None:
        return None, None
    value = response.headers.get("content-type", "")
    parts = [p.strip() for p in value.split(";")]
    charset = next(
        (p.split("=", 1)[1].strip('"') for p in parts[1:] if p.lower().startswith("charset=")), None
    )
    return (parts[0].lower() or None), charset


async def fetch_policy_page(
    launched: LaunchedBrowser, url: str, *, timeout_s: float
) -> FetchedPolicy:
    """Open `url` in a fresh context; keep what arrived even when the page fails."""
    fetched = FetchedPolicy(location=url, browser_version=launched.version)
    context = await launched.browser.new_context(accept_downloads=True, service_workers="block")
    downloads: list[Download] = []
    try:
        page = await context.new_page()
        page.on("download", lambda download: downloads.append(download))
        page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.dismiss()))
        response: Response | None = None
        try:
            response = await page.goto(url, wait_until="load", timeout=timeout_s * 1000)
        except PlaywrightError as exc:
            if not downloads:
                await asyncio.sleep(0.5)  # a PDF download is announced just after the error
            if not downloads:
                fetched.problems.append(
                    f"the policy could not be loaded: {describe_navigation_error(str(exc))}"
                )
        if downloads:
            download = downloads[0]
            try:
                path = await asyncio.wait_for(download.path(), timeout=timeout_s)
                fetched.data = Path(path).read_bytes()
                fetched.final_url = download.url
                fetched.media_type = "application/pdf" if fetched.data[:5] == b"%PDF-" else None
            except (PlaywrightError, TimeoutError, OSError) as exc:
                fetched.problems.append(f"the policy download failed: {str(exc).splitlines()[0]}")
            return fetched
        if response is not None:
            fetched.http_status = response.status
            fetched.final_url = page.url
            fetched.media_type, fetched.charset = _content_type(response)
            with contextlib.suppress(PlaywrightError):
                fetched.data = await response.body()
            if response.status >= 400:
                fetched.problems.append(f"the server answered HTTP {response.status}")
            with contextlib.suppress(PlaywrightError):
                await page.wait_for_load_state("networkidle", timeout=SETTLE_S * 1000)
        is_pdf = fetched.media_type == "application/pdf" or (fetched.data or b"")[:5] == b"%PDF-"
        if is_pdf and response is not None:
            # Chromium streams a PDF into its viewer and Playwright sees only a prefix of the
            # body; fetching it again from the page goes through the same network stack.
            with contextlib.suppress(PlaywrightError, ValueError, TimeoutError):
                encoded = await asyncio.wait_for(page.evaluate(_FETCH_BASE64, page.url), timeout_s)
                whole = base64.b64decode(str(encoded))
                if len(whole) > len(fetched.data or b""):
                    fetched.data = whole
        if response is not None and not is_pdf and not page.is_closed():
            with contextlib.suppress(PlaywrightError):
                fetched.rendered = await asyncio.wait_for(page.content(), timeout=timeout_s)
    finally:
        with contextlib.suppress(Exception):  # a crashed context cannot be closed cleanly
            await context.close()
    return fetched
