"""The web collector: one real Chromium session, everything it saw written as evidence.

Playwright's context-level events give every request of every page, frame and
worker (service workers included); a DevTools-protocol session on each page
and out-of-process frame adds what Playwright does not expose: request
initiators with stacks, every parsed script (external, inline and
eval/Function-created) and DOM-storage writes. Bodies, scripts, frames and the
screenshot go to the evidence directory as they arrive, so a session cut short
keeps what it gathered.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from playwright.async_api import (
    BrowserContext,
    CDPSession,
    Frame,
    Page,
    Request,
    WebSocket,
)
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout

from aivet.collect.browser import LaunchedBrowser
from aivet.collect.canaries import canary_token
from aivet.collect.instrument import (
    BehaviourRecorder,
    is_instrumentation_script,
    strip_instrumentation,
)
from aivet.collect.interact import INTERNAL_SCRIPTS, ConsentMode, InteractMode, interact
from aivet.evidence import EvidenceDir
from aivet.intel.domains import host_of
from aivet.web_session import (
    CookieRecord,
    Initiator,
    InteractionEvent,
    NetworkRequest,
    ResolveRule,
    ScriptRecord,
    StackFrame,
    StorageWrite,
    Vantage,
    WebSession,
    WebSocketFrame,
)

# Response bodies worth keeping: what a page runs or reads, not its images and fonts.
_KEEP_BODY_TYPES = frozenset({"document", "script", "xhr", "fetch", "other", "manifest"})
# A request pending this long is a long poll or a hung server: it no longer keeps the
# page "busy" for the purpose of deciding that the network went quiet.
_LONG_LIVED_MS = 3000.0


@dataclass(frozen=True)
class WebCollectOptions:
    url: str
    interact: InteractMode = "auto"
    submit: bool = False
    consent: ConsentMode = "ignore"
    resolve: tuple[ResolveRule, ...] = ()
    load_timeout_s: float = 20.0
    settle_max_s: float = 6.0
    quiet_ms: float = 400.0
    total_timeout_s: float = 90.0
    max_popups: int = 5
    max_body_bytes: int = 8_000_000
    locale: str = "en-US"
    timezone: str = "UTC"
    viewport: tuple[int, int] = (1280, 800)
    seed: int | None = None
    after_load: Callable[[Page], Awaitable[None]] | None = field(default=None, compare=False)
    """Called once the page has loaded; tests use it to crash the renderer on purpose."""
    instrument: bool = True
    """Hook fingerprinting, key and recording APIs in the page (collect/instrument)."""


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


_NET_ERRORS = {
    "ERR_NAME_NOT_RESOLVED": "host name not found",
    "ERR_CONNECTION_REFUSED": "connection refused",
    "ERR_CONNECTION_RESET": "connection reset",
    "ERR_CONNECTION_TIMED_OUT": "connection timed out",
    "ERR_ADDRESS_UNREACHABLE": "address unreachable",
    "ERR_EMPTY_RESPONSE": "server closed the connection without answering",
    "ERR_TIMED_OUT": "timed out",
}


def describe_navigation_error(message: str) -> str:
    """One line for a failed navigation: unreachable, TLS error, or Chromium's own words."""
    match = re.search(r"net::(ERR_[A-Z0-9_]+)", message)
    if match:
        code = match.group(1)
        if "CERT" in code or "SSL" in code:
            return f"TLS error: net::{code}"
        if code in _NET_ERRORS:
            return f"unreachable: net::{code} ({_NET_ERRORS[code]})"
        return f"navigation failed: net::{code}"
    return f"navigation failed: {message.splitlines()[0][:200]}"


class _Recorder:
    """Collects one session's evidence from Playwright and CDP events."""

    def __init__(self, options: WebCollectOptions, evidence: EvidenceDir) -> None:
        self.options = options
        self.evidence = evidence
        self.t0 = time.perf_counter()
        self.requests: list[NetworkRequest] = []
        self.by_request: dict[int, NetworkRequest] = {}
        self.inflight: dict[int, float] = {}
        self.last_activity = 0.0
        self.cdp_initiators: list[tuple[str, str, Initiator]] = []
        self.ws_frames: list[WebSocketFrame] = []
        self.storage: list[StorageWrite] = []
        self.scripts: dict[str, ScriptRecord] = {}
        self.isolated_contexts: set[tuple[int, int]] = set()
        self.document_urls: set[str] = set()
        self.worker_urls: list[str] = []
        self.tasks: set[asyncio.Task[Any]] = set()
        self.reasons: list[str] = []
        self.popups = 0
        self.popups_closed = 0
        self.crashed = False
        self.crash_event = asyncio.Event()
        self.cdp_sessions: list[CDPSession] = []

    def clock(self) -> float:
        return round((time.perf_counter() - self.t0) * 1000, 1)

    def spawn(self, coro: Awaitable[Any]) -> None:
        task: asyncio.Task[Any] = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def reason(self, text: str) -> None:
        if text not in self.reasons:
            self.reasons.append(text)

    # --- network (Playwright) --------------------------------------------------------

    def on_request(self, request: Request) -> None:
        now = self.clock()
        record = NetworkRequest(
            id=f"req-{len(self.requests) + 1}",
            url=request.url,
            method=request.method,
            resource_type=request.resource_type,
            started_ms=now,
            headers=dict(request.headers),
        )
        body = request.post_data_buffer
        if body:
            artifact = self.evidence.put(
                body[: self.options.max_body_bytes], "application/octet-stream", "request-body"
            )
            record.body_sha256 = artifact.sha256
            record.body_size = len(body)
        if request.service_worker is not None:
            record.source = "service_worker"
        else:
            try:
                record.frame_url = request.frame.url
            except PlaywrightError:
                record.source = "worker"
        previous = request.redirected_from
        if previous is not None and id(previous) in self.by_request:
            record.redirected_from = self.by_request[id(previous)].id
        if request.resource_type == "document":
            self.document_urls.add(request.url)
        self.requests.append(record)
        self.by_request[id(request)] = record
        self.inflight[id(request)] = now
        self.last_activity = now

    def on_request_done(self, request: Request) -> None:
        self.inflight.pop(id(request), None)
        self.last_activity = self.clock()
        record = self.by_request.get(id(request))
        if record is not None:
            self.spawn(self._complete(request, record))

    def on_request_failed(self, request: Request) -> None:
        self.inflight.pop(id(request), None)
        self.last_activity = self.clock()
        record = self.by_request.get(id(request))
        if record is not None:
            record.failure = request.failure or "failed"
            self.spawn(self._complete(request, record))

    async def _complete(self, request: Request, record: NetworkRequest) -> None:
        with contextlib.suppress(PlaywrightError):  # keep the headers seen at request time
            record.headers = await request.all_headers()
        try:
            response = await request.response()
        except PlaywrightError:
            response = None
        if response is None:
            return
        record.status = response.status
        try:
            record.response_headers = await response.all_headers()
            address = await response.server_addr()
            if address:
                record.remote_ip = address["ipAddress"]
                record.remote_port = address["port"]
        except PlaywrightError:
            pass
        if record.resource_type not in _KEEP_BODY_TYPES or not (200 <= response.status < 300):
            return
        length = record.response_headers.get("content-length", "")
        if length.isdigit() and int(length) > self.options.max_body_bytes:
            return
        try:
            body = await response.body()
        except PlaywrightError:
            return
        if body and len(body) <= self.options.max_body_bytes:
            body = strip_instrumentation(body)  # a worker script the hooks were prepended to
            media = record.response_headers.get("content-type", "application/octet-stream")
            record.response_body_sha256 = self.evidence.put(
                body, media.split(";")[0], "response-body"
            ).sha256

    def on_websocket(self, ws: WebSocket) -> None:
        now = self.clock()
        record = NetworkRequest(
            id=f"req-{len(self.requests) + 1}",
            url=ws.url,
            method="GET",
            resource_type="websocket",
            started_ms=now,
        )
        self.requests.append(record)

        def frame(direction: str) -> Callable[[str | bytes], None]:
            def handler(payload: str | bytes) -> None:
                data = payload.encode() if isinstance(payload, str) else payload
                artifact = self.evidence.put(data, "application/octet-stream", "websocket-frame")
                self.ws_frames.append(
                    WebSocketFrame(
                        socket_url=ws.url,
                        direction="sent" if direction == "sent" else "received",
                        time_ms=self.clock(),
                        payload_sha256=artifact.sha256,
                        size=len(data),
                        opcode="text" if isinstance(payload, str) else "binary",
                    )
                )
                self.last_activity = self.clock()

            return handler

        ws.on("framesent", frame("sent"))
        ws.on("framereceived", frame("received"))
        ws.on("socketerror", lambda error: setattr(record, "failure", str(error)[:200]))

    # --- DevTools protocol: initiators, scripts, storage -----------------------------

    async def attach_cdp(self, context: BrowserContext, target: Page | Frame) -> None:
        try:
            session = await context.new_cdp_session(target)
        except PlaywrightError:
            return  # an in-process frame: its page's session already sees it
        self.cdp_sessions.append(session)
        key = len(self.cdp_sessions)
        session.on("Network.requestWillBeSent", self._on_cdp_request)
        session.on("Network.webSocketCreated", self._on_cdp_websocket)
        session.on("Runtime.executionContextCreated", lambda p: self._on_context(key, p))
        session.on("Debugger.scriptParsed", lambda p: self._on_script(session, key, p))
        session.on("DOMStorage.domStorageItemAdded", self._on_storage)
        session.on("DOMStorage.domStorageItemUpdated", self._on_storage)
        try:
            await session.send("Runtime.enable")
            await session.send("Network.enable")
            await session.send("DOMStorage.enable")
            await session.send("Debugger.enable", {"maxScriptsCacheSize": 100_000_000})
            # Anti-debugging `debugger;` loops must not freeze the audited page.
            await session.send("Debugger.setSkipAllPauses", {"skip": True})
        except PlaywrightError as exc:
            self.reason(f"DevTools session incomplete: {_first_line(exc)}")

    def _on_cdp_request(self, params: dict[str, Any]) -> None:
        request = params.get("request", {})
        raw = params.get("initiator") or {}
        self.cdp_initiators.append(
            (request.get("url", ""), request.get("method", ""), _initiator(raw))
        )

    def _on_cdp_websocket(self, params: dict[str, Any]) -> None:
        raw = params.get("initiator") or {"type": "script"}
        self.cdp_initiators.append((params.get("url", ""), "GET", _initiator(raw)))

    def _on_context(self, key: int, params: dict[str, Any]) -> None:
        context = params.get("context", {})
        aux = context.get("auxData") or {}
        if aux.get("type") == "isolated" or not aux.get("isDefault", True):
            self.isolated_contexts.add((key, int(context.get("id", -1))))

    def _on_script(self, session: CDPSession, key: int, params: dict[str, Any]) -> None:
        url = params.get("url") or ""
        if "__playwright" in url or "__puppeteer" in url:
            return
        if (key, int(params.get("executionContextId", -1))) in self.isolated_contexts:
            return  # Playwright's own utility world, not the page's code
        self.spawn(self._fetch_script(session, params, self.clock()))

    async def _fetch_script(self, session: CDPSession, params: dict[str, Any], seen: float) -> None:
        try:
            result = await session.send(
                "Debugger.getScriptSource", {"scriptId": params["scriptId"]}
            )
        except PlaywrightError:
            return
        source = result.get("scriptSource", "")
        if not source or _is_automation_script(params, source):
            return
        data = source.encode("utf-8", "surrogatepass")
        artifact = self.evidence.put(data, "text/javascript", "script")
        if artifact.sha256 in self.scripts:
            return
        url = params.get("url") or None
        creator = None
        stack = params.get("stackTrace") or {}
        for call in stack.get("callFrames", []):
            if call.get("url"):
                creator = call["url"]
                break
        self.scripts[artifact.sha256] = ScriptRecord(
            sha256=artifact.sha256,
            url=url,
            origin="eval" if url is None else "external",
            size=len(data),
            first_seen_ms=seen,
            created_by=creator,
        )

    def _on_storage(self, params: dict[str, Any]) -> None:
        storage_id = params.get("storageId", {})
        origin = storage_id.get("securityOrigin") or storage_id.get("storageKey") or ""
        self.storage.append(
            StorageWrite(
                origin=origin.rstrip("/"),
                area="local" if storage_id.get("isLocalStorage") else "session",
                key=str(params.get("key", "")),
                value=str(params.get("newValue", ""))[:10_000],
                time_ms=self.clock(),
            )
        )

    # --- pages ---------------------------------------------------------------------

    def watch_page(self, context: BrowserContext, page: Page) -> None:
        page.on("websocket", self.on_websocket)
        page.on("dialog", lambda dialog: self.spawn(dialog.dismiss()))
        page.on("crash", lambda _page: self._on_crash())
        page.on("worker", lambda worker: self.worker_urls.append(worker.url))
        page.on("framenavigated", lambda frame: self._on_frame(context, frame))

    def _on_frame(self, context: BrowserContext, frame: Frame) -> None:
        if frame.parent_frame is not None:
            self.spawn(self.attach_cdp(context, frame))

    def _on_crash(self) -> None:
        self.crashed = True
        self.crash_event.set()
        self.reason("renderer crashed")

    def on_popup(self, context: BrowserContext, page: Page, main: Page) -> None:
        if page is main:
            return
        self.popups += 1
        if self.popups > self.options.max_popups:
            self.popups_closed += 1
            self.reason(
                f"page kept opening popups: closed those after the first {self.options.max_popups}"
            )
            self.spawn(page.close())
            return
        self.watch_page(context, page)

    # --- waiting ---------------------------------------------------------------------

    async def network_quiet(self, max_s: float, quiet_ms: float | None = None) -> bool:
        """Wait until no short-lived request is pending for `quiet_ms`; False if never."""
        quiet = self.options.quiet_ms if quiet_ms is None else quiet_ms
        deadline = self.clock() + max_s * 1000
        while self.clock() < deadline:
            now = self.clock()
            busy = any(now - started < _LONG_LIVED_MS for started in self.inflight.values())
            if not busy and now - self.last_activity >= quiet:
                return True
            await asyncio.sleep(0.05)
        return False

    # --- the record ------------------------------------------------------------------

    def classify_scripts(self) -> list[ScriptRecord]:
        external = {r.url for r in self.requests if r.resource_type == "script"}
        for record in self.scripts.values():
            if record.url is None:
                continue
            if record.url in self.worker_urls:
                record.origin = "worker"
            elif record.url in self.document_urls and record.url not in external:
                record.origin = "inline"
                record.frame_url = record.url
        # Worker scripts run in their own targets; keep their source from the network.
        known = set(self.scripts)
        for request in self.requests:
            sha = request.response_body_sha256
            if request.url in self.worker_urls and sha and sha not in known:
                known.add(sha)
                self.scripts[sha] = ScriptRecord(
                    sha256=sha,
                    url=request.url,
                    origin="worker",
                    size=self.evidence.path_of(sha).stat().st_size,
                    first_seen_ms=request.started_ms,
                )
        return sorted(self.scripts.values(), key=lambda s: (s.first_seen_ms, s.sha256))

    def match_initiators(self) -> None:
        """Give each request the initiator of the matching CDP event, in order of arrival."""
        pending: dict[tuple[str, str], list[Initiator]] = {}
        for url, method, initiator in self.cdp_initiators:
            pending.setdefault((url, method), []).append(initiator)
        for request in self.requests:
            queue = pending.get((request.url, request.method))
            if queue:
                request.initiator = queue.pop(0)


def _is_automation_script(params: dict[str, Any], source: str) -> bool:
    """Playwright's helpers and aivet's own snippets, which run in the page but are not its code."""
    if params.get("url"):
        return False
    text = source.strip()
    if is_instrumentation_script(text):
        return True
    if text in INTERNAL_SCRIPTS or text.startswith("((utilityScript,"):
        return True
    return "UtilityScript" in source and "__commonJS" in source[:2000]


def _initiator(raw: dict[str, Any]) -> Initiator:
    frames: list[StackFrame] = []
    stack = raw.get("stack")
    while stack and len(frames) < 20:
        for call in stack.get("callFrames", []):
            frames.append(
                StackFrame(
                    url=call.get("url", ""),
                    function=call.get("functionName", ""),
                    line=int(call.get("lineNumber", 0)),
                    column=int(call.get("columnNumber", 0)),
                )
            )
        stack = stack.get("parent")
    return Initiator(type=str(raw.get("type", "other")), url=raw.get("url"), stack=frames[:20])


async def collect_web_session(
    launched: LaunchedBrowser, options: WebCollectOptions, evidence: EvidenceDir
) -> WebSession:
    """Drive one fresh browser context through the page and return what it saw."""
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    rec = _Recorder(options, evidence)
    rng = random.Random(options.seed)
    context = await launched.browser.new_context(
        locale=options.locale,
        timezone_id=options.timezone,
        viewport={"width": options.viewport[0], "height": options.viewport[1]},
        service_workers="allow",
        accept_downloads=False,
    )
    behaviour = BehaviourRecorder(evidence, rec.clock) if options.instrument else None
    try:
        if behaviour is not None:
            await behaviour.install(context)
        page = await context.new_page()
        context.on("request", rec.on_request)
        context.on("requestfinished", rec.on_request_done)
        context.on("requestfailed", rec.on_request_failed)
        context.on("page", lambda p: rec.on_popup(context, p, page))
        rec.watch_page(context, page)
        await rec.attach_cdp(context, page)
        if behaviour is not None:
            await behaviour.attach(context, page)
            context.on("page", lambda p: None if p is page else behaviour.on_page(context, p))
        session_state: dict[str, Any] = {
            "final_url": None,
            "canaries": [],
            "events": [],
            "submitted": None,
        }
        timings: dict[str, float] = {}
        flow = asyncio.ensure_future(
            _drive(rec, context, page, options, rng, session_state, timings)
        )
        crash = asyncio.ensure_future(rec.crash_event.wait())
        done, _ = await asyncio.wait(
            {flow, crash}, timeout=options.total_timeout_s, return_when=asyncio.FIRST_COMPLETED
        )
        crash.cancel()
        if flow not in done:
            # A crashed renderer leaves Playwright calls hanging: stop waiting for them.
            flow.cancel()
            if not rec.crashed:
                rec.reason(f"audit time limit reached ({options.total_timeout_s:.0f} s)")
            await asyncio.wait({flow}, timeout=5)
        elif flow.exception() is not None:
            rec.reason(f"collector error: {_first_line(flow.exception())}")  # type: ignore[arg-type]
        screenshot = await _screenshot(rec, page, evidence)
        cookies = await _cookies(context, rec)
        behaviour_log = await behaviour.finish() if behaviour is not None else None
        if rec.tasks:
            await asyncio.wait(set(rec.tasks), timeout=5)
    finally:
        try:
            await asyncio.wait_for(context.close(), 10)
        except (PlaywrightError, TimeoutError):
            rec.reason("browser context did not close cleanly")
    rec.match_initiators()
    user_agent = next((r.headers.get("user-agent", "") for r in rec.requests if r.headers), "")
    if rec.popups_closed:
        rec.reason(f"closed {rec.popups_closed} popups beyond the first {options.max_popups}")
        rec.reasons = [r for r in rec.reasons if not r.startswith("page kept opening popups")]
        rec.reasons.insert(0, f"page kept opening popups ({rec.popups} opened)")
    return WebSession(
        target_url=options.url,
        started_at=started_at,
        ended_at=datetime.now(UTC).isoformat(timespec="seconds"),
        status="partial" if rec.reasons else "complete",
        vantage=Vantage(
            browser_executable=launched.executable,
            browser_version=launched.version,
            user_agent=user_agent,
            locale=options.locale,
            timezone=options.timezone,
            viewport=f"{options.viewport[0]}x{options.viewport[1]}",
            no_sandbox="--no-sandbox" in launched.args,
            headless=True,
            flags=list(launched.args),
            resolve=list(options.resolve),
        ),
        final_url=session_state["final_url"],
        status_reasons=list(rec.reasons),
        interact=options.interact,
        submit=options.submit,
        consent=options.consent,
        requests=rec.requests,
        websocket_frames=rec.ws_frames,
        cookies=cookies,
        storage_writes=rec.storage,
        scripts=rec.classify_scripts(),
        canaries=session_state["canaries"],
        interactions=session_state["events"],
        submitted_at_ms=session_state["submitted"],
        screenshot_sha256=screenshot,
        popups_blocked=rec.popups_closed,
        timings_ms=timings,
        behaviour=behaviour_log,
    )


async def _drive(
    rec: _Recorder,
    context: BrowserContext,
    page: Page,
    options: WebCollectOptions,
    rng: random.Random,
    state: dict[str, Any],
    timings: dict[str, float],
) -> None:
    mark = rec.clock()
    loaded = await _navigate(rec, page, options)
    timings["page_load"] = rec.clock() - mark
    state["final_url"] = page.url if page.url != "about:blank" else None
    if not loaded or rec.crashed:
        return
    if options.after_load is not None:
        await options.after_load(page)
    mark = rec.clock()
    # A shorter quiet window before typing: scripts that attach key listeners load with the
    # page, and anything later still loads during the second or so of typing.
    await rec.network_quiet(min(options.settle_max_s, 3.0), quiet_ms=min(options.quiet_ms, 150))
    timings["load_settle"] = rec.clock() - mark
    if rec.crashed:
        return

    mark = rec.clock()
    canaries, events, submitted = await interact(
        page,
        mode=options.interact,
        consent=options.consent,
        submit=options.submit,
        token=canary_token(),
        clock=rec.clock,
        rng=rng,
    )
    state["canaries"], state["events"], state["submitted"] = canaries, events, submitted
    timings["interaction"] = rec.clock() - mark
    # The quiet window starts at the last keystroke, not at the last request: a page that
    # sends typed data on a debounce timer must get the time to fire it.
    rec.last_activity = rec.clock()

    mark = rec.clock()
    if submitted is not None:
        with contextlib.suppress(PlaywrightError):  # no navigation, or a slow one
            await page.wait_for_load_state("load", timeout=options.settle_max_s * 1000)
    if not await rec.network_quiet(options.settle_max_s):
        events.append(
            _event(
                rec, f"network still busy after {options.settle_max_s:.0f} s (polling or streaming)"
            )
        )
    timings["settle"] = rec.clock() - mark
    if not page.is_closed():
        state["final_url"] = page.url


def _event(rec: _Recorder, detail: str) -> InteractionEvent:
    return InteractionEvent(rec.clock(), "error", detail)


async def _navigate(rec: _Recorder, page: Page, options: WebCollectOptions) -> bool:
    """Open the target; True when there is a document to interact with."""
    try:
        response = await page.goto(
            options.url, wait_until="load", timeout=options.load_timeout_s * 1000
        )
    except PlaywrightTimeout:
        rec.reason(f"page did not finish loading within {options.load_timeout_s:.0f} s")
        return not page.is_closed() and page.url != "about:blank"
    except PlaywrightError as exc:
        if rec.crashed:
            return False
        rec.reason(describe_navigation_error(str(exc)))
        return False
    if response is not None and response.status >= 400:
        rec.reason(f"target answered HTTP {response.status}")
    return True


async def _screenshot(rec: _Recorder, page: Page, evidence: EvidenceDir) -> str | None:
    if rec.crashed or page.is_closed():
        return None
    try:
        png = await page.screenshot(type="png", timeout=5000)
    except PlaywrightError as exc:
        if not rec.reasons:  # after a failed navigation there is nothing to capture anyway
            rec.reason(f"no screenshot: {_first_line(exc)}")
        return None
    return evidence.put(png, "image/png", "screenshot").sha256


async def _cookies(context: BrowserContext, rec: _Recorder) -> list[CookieRecord]:
    try:
        raw = await asyncio.wait_for(context.cookies(), 5)
    except (PlaywrightError, TimeoutError):
        rec.reason("cookies could not be read")
        return []
    out = []
    for cookie in raw:
        name = cookie.get("name", "")
        domain = cookie.get("domain", "")
        out.append(
            CookieRecord(
                name=name,
                value=cookie.get("value", "")[:4096],
                domain=domain,
                path=cookie.get("path", "/"),
                secure=bool(cookie.get("secure")),
                http_only=bool(cookie.get("httpOnly")),
                same_site=cookie.get("sameSite"),
                expires=cookie.get("expires") if cookie.get("expires", -1) != -1 else None,
                set_by=_cookie_setter(rec.requests, name, domain),
            )
        )
    return out


def _cookie_setter(requests: list[NetworkRequest], name: str, domain: str) -> str | None:
    """URL of the first response whose Set-Cookie made this cookie; None when a script did."""
    bare = domain.lstrip(".")
    for request in requests:
        header = request.response_headers.get("set-cookie")
        if not header:
            continue
        host = host_of(request.url)
        if host != bare and not host.endswith("." + bare):
            continue
        for line in header.split("\n"):
            if line.strip().startswith(name + "="):
                return request.url
    return None
