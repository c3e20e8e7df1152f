"""Behaviour instrumentation: hook fingerprinting-relevant APIs in the page, collect the calls.

The in-page half is `hooks.HOOKS_JS`. This half renders it with a per-audit
secret, installs it as a context init script (every frame, before page code),
gives every page, popup, out-of-process frame and dedicated worker a DevTools
binding to report through, and turns the reports into `ApiCall` records (one
evidence blob) and per-script counts for the session.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from playwright.async_api import BrowserContext, CDPSession, Page
from playwright.async_api import Error as PlaywrightError

from aivet.collect.instrument.hooks import HOOKS_JS
from aivet.evidence import EvidenceDir
from aivet.serde import to_jsonable
from aivet.web_session import ApiCall, ApiCallCount, ApiValue, BehaviourLog

__all__ = [
    "BehaviourRecorder",
    "InstrumentLimits",
    "is_instrumentation_script",
    "render_script",
    "strip_instrumentation",
]

_HEAD, _TAIL = HOOKS_JS.split("/*CONFIG*/")
_CONFIG = re.compile(
    r'\{"binding":"_[0-9a-f]{16}","secret":"[0-9a-f]{32}","limits":\{("[A-Za-z]+":\d+,?)+\}\}'
)
# How long to wait for a worker's or frame's reply to one DevTools command.
_REPLY_TIMEOUT_S = 3.0
# Playwright runs a context init script as `(() => {\n SOURCE \n})();`.
_WRAPPERS = frozenset({"", "(()=>{})();"})


@dataclass(frozen=True)
class InstrumentLimits:
    """Bounds on what one audit records, in the page and here (see docs/behaviour.md)."""

    arg: int = 200
    """Characters kept of one argument, result or context value."""
    stack_urls: int = 4
    urls: int = 2000
    """Distinct script URLs one realm reports; later ones are recorded as unknown."""
    full_per_api: int = 20_000
    """Calls of one API per realm with a stack taken each time; past that, 1 in `sample_every`."""
    sample_every: int = 50
    distinct_per_api_script: int = 1000
    distinct_per_realm: int = 10_000
    buffer: int = 2000
    """Records one realm sends at once (per task); the rest of that burst is counted only."""
    total: int = 50_000
    """Records kept for the whole session."""

    def for_page(self) -> dict[str, int]:
        """The in-page limits, under the names the script reads."""
        out = {}
        for key, value in asdict(self).items():
            if key != "total":
                head, *rest = key.split("_")
                out[head + "".join(part.title() for part in rest)] = value
        return out


DEFAULT_LIMITS = InstrumentLimits()


def render_script(token: str, limits: InstrumentLimits = DEFAULT_LIMITS) -> str:
    """The instrumentation with this audit's binding name and registry secret."""
    config = {
        "binding": f"_{token[:16]}",
        "secret": token,
        "limits": limits.for_page(),
    }
    return _HEAD + json.dumps(config, separators=(",", ":")) + _TAIL


def is_instrumentation_script(source: str) -> bool:
    """True for exactly aivet's own init script (as rendered, possibly wrapped by Playwright).

    The collector uses this to keep the instrumentation out of the page's scripts; a page
    script is only taken for it when it is the instrumentation, byte for byte.
    """
    start = source.find(_HEAD)
    if start < 0:
        return False
    end = source.find(_TAIL, start + len(_HEAD))
    if end < 0 or not _CONFIG.fullmatch(source[start + len(_HEAD) : end]):
        return False
    outside = source[:start] + source[end + len(_TAIL) :]
    return "".join(outside.split()) in _WRAPPERS


def strip_instrumentation(body: bytes) -> bytes:
    """A blob or data: worker's script without the instrumentation prepended to it in the page.

    Evidence keeps the page's own code: only an exact copy of aivet's script is cut.
    """
    head = _HEAD.encode()
    if not body.startswith(head):
        return body
    end = body.find(_TAIL.encode(), len(head))
    config = body[len(head) : end].decode("utf-8", "replace")
    if end < 0 or not _CONFIG.fullmatch(config):
        return body
    return body[end + len(_TAIL) :]


@dataclass
class _Channel:
    """One reporting closure: a frame's document or a worker."""

    kind: str = "window"
    url: str = ""
    urls: dict[int, str] | None = None
    records: dict[int, tuple[str, str | None, ApiCall | None]] | None = None


def _value(raw: Any) -> ApiValue:
    if raw is None or isinstance(raw, str | bool | int | float):
        return raw
    return str(raw)[:200]


class BehaviourRecorder:
    """Installs the instrumentation in one browser context and gathers what it reports."""

    def __init__(
        self,
        evidence: EvidenceDir,
        clock: Callable[[], float],
        limits: InstrumentLimits = DEFAULT_LIMITS,
    ) -> None:
        self.evidence = evidence
        self.clock = clock
        self.limits = limits
        self.token = secrets.token_hex(16)
        self.binding = f"_{self.token[:16]}"
        self.source = render_script(self.token, limits)
        self.calls: list[ApiCall] = []
        self.counts: dict[tuple[str, str | None], int] = {}
        self.total = 0
        self.cut = 0
        self.unattributed = 0
        self.channels: dict[tuple[Any, ...], _Channel] = {}
        self.realms: list[str] = []
        self.workers: list[str] = []
        self.replies: dict[tuple[str, int], asyncio.Future[dict[str, Any]]] = {}
        self.notes: list[str] = []
        self.sessions: list[CDPSession] = []
        self.tasks: set[asyncio.Task[Any]] = set()
        self._message_id = 0

    # --- installing ---------------------------------------------------------------------

    async def install(self, context: BrowserContext) -> None:
        """Every document of the context runs the hooks first (popups and frames included)."""
        await context.add_init_script(script=self.source)

    def on_page(self, context: BrowserContext, page: Page) -> None:
        """A popup: give it the reporting binding and worker instrumentation too."""
        self._spawn(self.attach(context, page))

    async def attach(self, context: BrowserContext, page: Page) -> None:
        try:
            session = await context.new_cdp_session(page)
        except PlaywrightError:
            return
        self.sessions.append(session)
        key = len(self.sessions)
        session.on("Runtime.bindingCalled", lambda p: self._on_binding(("page", key), p))
        session.on("Target.attachedToTarget", lambda p: self._on_attached(session, p))
        session.on("Target.receivedMessageFromTarget", lambda p: self._on_target_message(key, p))
        try:
            await session.send("Runtime.enable")
            await session.send("Runtime.addBinding", {"name": self.binding})
            # Non-flattened auto-attach: Playwright's connection only routes its own
            # flattened child sessions, so ours talk through Target.sendMessageToTarget.
            await session.send(
                "Target.setAutoAttach",
                {"autoAttach": True, "waitForDebuggerOnStart": True, "flatten": False},
            )
        except PlaywrightError as exc:
            self._note(f"instrumentation incomplete: {str(exc).splitlines()[0][:200]}")

    def _on_attached(self, session: CDPSession, params: dict[str, Any]) -> None:
        info = params.get("targetInfo") or {}
        target = str(params.get("sessionId", ""))
        kind = info.get("type")
        steps: list[tuple[str, dict[str, Any]]] = []
        url = str(info.get("url", ""))
        if kind in ("worker", "iframe"):
            steps += [("Runtime.enable", {}), ("Runtime.addBinding", {"name": self.binding})]
        # Hooks reach workers only inside their script: the page prepends them to blob and
        # data: workers. A worker loaded from a URL is not hooked (docs/behaviour.md): sending
        # the hooks through Runtime.evaluate arrives after Playwright has resumed it and
        # crashed the renderer in about one run in three; serving its script with the hooks
        # prepended (Fetch.fulfillRequest) breaks the worker's own importScripts.
        steps.append(("Runtime.runIfWaitingForDebugger", {}))
        self._spawn(self._send_steps(session, target, url, kind, steps))

    async def _send_steps(
        self,
        session: CDPSession,
        target: str,
        url: str,
        kind: object,
        steps: list[tuple[str, dict[str, Any]]],
    ) -> None:
        results = await asyncio.gather(
            *(self._call(session, target, m, p) for m, p in steps), return_exceptions=True
        )
        if kind != "worker":
            return
        if any(isinstance(r, BaseException) or "error" in r for r in results):
            self._note(f"worker {url[:200]} could not be given its reporting channel")
        else:
            self.workers.append(url)

    async def _call(
        self, session: CDPSession, target: str, method: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        """One command to a worker or frame through the parent session; its reply."""
        self._message_id += 1
        message_id = self._message_id
        reply: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.replies[(target, message_id)] = reply
        message = {"id": message_id, "method": method, "params": params}
        try:
            await session.send(
                "Target.sendMessageToTarget", {"sessionId": target, "message": json.dumps(message)}
            )
            return await asyncio.wait_for(reply, _REPLY_TIMEOUT_S)
        finally:
            self.replies.pop((target, message_id), None)

    def _spawn(self, coro: Any) -> None:
        task: asyncio.Task[Any] = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    # --- receiving ----------------------------------------------------------------------

    def _on_target_message(self, key: int, params: dict[str, Any]) -> None:
        text = params.get("message")
        if not isinstance(text, str):
            return
        target = str(params.get("sessionId", ""))
        head = text[:40]
        if not head.startswith('{"id":') and '"Runtime.bindingCalled"' not in text[:200]:
            return
        try:
            message = json.loads(text)
        except ValueError:
            return
        if "id" in message:
            reply = self.replies.get((target, message["id"]))
            if reply is not None and not reply.done():
                reply.set_result(message)
        elif message.get("method") == "Runtime.bindingCalled":
            self._on_binding(("target", key, target), message.get("params", {}))

    def _on_binding(self, where: tuple[Any, ...], params: dict[str, Any]) -> None:
        if params.get("name") != self.binding:
            return
        payload = params.get("payload")
        if not isinstance(payload, str) or len(payload) > 16_000_000:
            return
        try:
            data = json.loads(payload)
        except ValueError:
            return
        if isinstance(data, dict):
            self._ingest((*where, params.get("executionContextId")), data)

    def _ingest(self, key: tuple[Any, ...], data: dict[str, Any]) -> None:
        channel = self.channels.get(key)
        if channel is None:
            channel = self.channels[key] = _Channel(urls={}, records={})
        assert channel.urls is not None and channel.records is not None
        realm = data.get("realm")
        if isinstance(realm, list) and len(realm) == 2:
            channel.kind = "worker" if realm[0] == "worker" else "window"
            channel.url = str(realm[1])[:2000]
            self.realms.append(f"{channel.kind} {channel.url}")
        for pair in _pairs(data.get("urls"), str):
            if isinstance(pair[0], int):
                channel.urls[pair[0]] = pair[1]
        offset = self.clock() - time.time() * 1000  # page times are epoch milliseconds
        for raw in data.get("calls") or []:
            self._add_call(channel, raw, offset)
        for pair in _pairs(data.get("repeats")):
            known = channel.records.get(int(pair[0]))
            if known is None:
                continue
            api, script, call = known
            n = int(pair[1])
            if call is not None:
                call.count += n
            self._count(api, script, n)
        for pair in _pairs(data.get("overflow")):
            try:
                api, head = json.loads(pair[0])
            except (TypeError, ValueError):
                continue
            n = int(pair[1])
            self._count(str(api), channel.urls.get(int(head)), n)
            self.cut += n
        for pair in _pairs(data.get("unattributed")):
            n = int(pair[1])
            self._count(str(pair[0]), None, n)
            self.unattributed += n
        dropped = data.get("dropped")
        if isinstance(dropped, int) and dropped > 0:
            self.cut += dropped
            self.total += dropped

    def _add_call(self, channel: _Channel, raw: Any, offset: float) -> None:
        assert channel.urls is not None and channel.records is not None
        if not isinstance(raw, list) or len(raw) != 7:
            return
        local_id, when, api, ids, args, result, context = raw
        if not isinstance(api, str) or not isinstance(local_id, int):
            return
        stack = [channel.urls.get(i, "") for i in ids if isinstance(i, int)]
        stack = [url for url in stack if url]
        script = stack[0] if stack else None
        self._count(api, script, 1)
        if len(self.calls) >= self.limits.total:
            channel.records[local_id] = (api, script, None)
            self.cut += 1
            return
        pairs = context if isinstance(context, list) else []
        call = ApiCall(
            api=api[:200],
            script_url=script,
            time_ms=round(float(when) + offset, 1) if isinstance(when, int | float) else 0.0,
            args=[_value(a) for a in (args if isinstance(args, list) else [])],
            result=_value(result),
            context={str(pairs[i]): _value(pairs[i + 1]) for i in range(0, len(pairs) - 1, 2)},
            stack_urls=stack,
            realm="worker" if channel.kind == "worker" else "window",
            realm_url=channel.url,
        )
        channel.records[local_id] = (api, script, call)
        self.calls.append(call)

    def _count(self, api: str, script: str | None, n: int) -> None:
        self.counts[(api, script)] = self.counts.get((api, script), 0) + n
        self.total += n

    def _note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    # --- the record -----------------------------------------------------------------------

    async def finish(self) -> BehaviourLog:
        """What was reported until now; the calls are stored as one evidence blob."""
        await asyncio.sleep(0.1)  # reports already sent by the page are still on their way
        for task in list(self.tasks):
            task.cancel()
        calls = sorted(self.calls, key=lambda c: c.time_ms)
        sha = None
        if calls:
            sha = self.evidence.put_json(to_jsonable(calls), "behaviour-calls").sha256
        counts = [
            ApiCallCount(api=api, script_url=script, calls=n)
            for (api, script), n in sorted(
                self.counts.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")
            )
        ]
        return BehaviourLog(
            calls_sha256=sha,
            calls_recorded=len(calls),
            calls_total=self.total,
            calls_cut=self.cut,
            calls_unattributed=self.unattributed,
            counts=counts,
            realms=list(dict.fromkeys(self.realms)),
            workers_attached=list(dict.fromkeys(self.workers)),
            notes=list(self.notes),
        )


def _pairs(raw: Any, value: type = int) -> list[list[Any]]:
    """`[[key, value], ...]` entries of a report whose value has the expected type."""
    if not isinstance(raw, list):
        return []
    return [p for p in raw if isinstance(p, list) and len(p) == 2 and isinstance(p[1], value)]
