"""What a browser session collected: the contract between the web collector and its analyzers.

Everything here is plain data that round-trips through JSON, so that a stored
session can be analyzed again later without a browser. Large payloads (request
and response bodies, script sources, WebSocket frames, the screenshot) live in
the evidence directory and are referenced by SHA-256.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

SessionStatus = Literal["complete", "partial"]
RequestSource = Literal["page", "worker", "service_worker"]
FieldKind = Literal["email", "phone", "password", "prompt", "text", "username"]


@dataclass
class StackFrame:
    url: str
    function: str
    line: int
    column: int


@dataclass
class Initiator:
    """Who started a request, as Chromium's DevTools protocol reports it."""

    type: str
    url: str | None = None
    stack: list[StackFrame] = field(default_factory=list)

    def script_url(self) -> str | None:
        """The innermost script with a URL, falling back to the initiator URL."""
        for frame in self.stack:
            if frame.url:
                return frame.url
        return self.url


@dataclass
class NetworkRequest:
    id: str
    url: str
    method: str
    resource_type: str
    started_ms: float
    headers: dict[str, str] = field(default_factory=dict)
    body_sha256: str | None = None
    body_size: int = 0
    frame_url: str | None = None
    source: RequestSource = "page"
    initiator: Initiator | None = None
    redirected_from: str | None = None
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body_sha256: str | None = None
    remote_ip: str | None = None
    remote_port: int | None = None
    failure: str | None = None


@dataclass
class WebSocketFrame:
    socket_url: str
    direction: Literal["sent", "received"]
    time_ms: float
    payload_sha256: str
    size: int
    opcode: Literal["text", "binary"] = "text"


@dataclass
class CookieRecord:
    name: str
    value: str
    domain: str
    path: str
    secure: bool
    http_only: bool
    same_site: str | None
    expires: float | None
    set_by: str | None = None
    """URL of the response whose Set-Cookie made it, or None when set by script."""


@dataclass
class StorageWrite:
    origin: str
    area: Literal["local", "session"]
    key: str
    value: str
    time_ms: float


@dataclass
class ScriptRecord:
    sha256: str
    url: str | None
    origin: Literal["external", "inline", "eval", "worker"]
    size: int
    frame_url: str | None = None
    first_seen_ms: float = 0.0
    created_by: str | None = None
    """For eval/Function scripts: the URL of the script that created them, when known."""


@dataclass
class Canary:
    """A unique value typed into one field, so that its departure can be traced."""

    field_kind: FieldKind
    value: str
    selector: str
    frame_url: str
    typed_at_ms: float


@dataclass
class InteractionEvent:
    time_ms: float
    action: Literal["typed", "submitted", "consent", "scrolled", "no-fields", "error"]
    detail: str


@dataclass(frozen=True)
class ResolveRule:
    """One `--resolve` mapping, passed to Chromium as a host-resolver rule."""

    pattern: str
    address: str
    port: int | None = None

    def chromium_rule(self) -> str:
        target = self.address if self.port is None else f"{self.address}:{self.port}"
        if ":" in self.address and self.port is not None:
            target = f"[{self.address}]:{self.port}"
        return f"MAP {self.pattern} {target}"


@dataclass
class Vantage:
    """Where and how the browser looked: needed to compare two audits honestly."""

    browser_executable: str
    browser_version: str
    user_agent: str
    locale: str
    timezone: str
    viewport: str
    no_sandbox: bool
    headless: bool
    flags: list[str] = field(default_factory=list)
    resolve: list[ResolveRule] = field(default_factory=list)


ApiValue = str | float | bool | None
"""An argument, result or context value of an instrumented call, as recorded (bounded)."""


@dataclass
class ApiCall:
    """One distinct call of an instrumented browser API, with the script that made it.

    Identical calls (same script, arguments, result and context) are recorded once
    and counted; see docs/behaviour.md for what each API records.
    """

    api: str
    """Interface and member, e.g. `CanvasRenderingContext2D.fillText` or `Navigator.plugins`."""
    script_url: str | None
    """Innermost script URL on the caller's stack (eval code: the script that created it)."""
    time_ms: float
    """First call, in ms since the session started."""
    count: int = 1
    args: list[ApiValue] = field(default_factory=list)
    result: ApiValue = None
    context: dict[str, ApiValue] = field(default_factory=dict)
    """E.g. the canvas id and size, the fill style and font at the time of a fillText."""
    stack_urls: list[str] = field(default_factory=list)
    """Distinct script URLs on the stack, innermost first (at most four)."""
    realm: Literal["window", "worker"] = "window"
    realm_url: str = ""
    """URL of the document or worker the call ran in."""


@dataclass
class ApiCallCount:
    """All calls of one API by one script, including repeats and calls past the record caps."""

    api: str
    script_url: str | None
    calls: int


@dataclass
class BehaviourLog:
    """What the in-page instrumentation saw; the calls themselves are one evidence blob."""

    calls_sha256: str | None = None
    """JSON list of `ApiCall`, in order of first call."""
    calls_recorded: int = 0
    calls_total: int = 0
    """Every instrumented call seen, repeats and capped ones included."""
    calls_cut: int = 0
    """Calls counted but not kept as records (past the per-script, per-realm or total caps)."""
    calls_unattributed: int = 0
    """Calls past the per-API stack budget whose script is unknown (sampled)."""
    counts: list[ApiCallCount] = field(default_factory=list)
    realms: list[str] = field(default_factory=list)
    """`window URL` or `worker URL` of every realm that reported."""
    workers_attached: list[str] = field(default_factory=list)
    """Dedicated workers given the reporting channel (URL as Chromium reported it); only blob
    and data: workers carry the hooks."""
    notes: list[str] = field(default_factory=list)


@dataclass
class WebSession:
    target_url: str
    started_at: str
    ended_at: str
    status: SessionStatus
    vantage: Vantage
    final_url: str | None = None
    status_reasons: list[str] = field(default_factory=list)
    interact: str = "auto"
    submit: bool = False
    consent: str = "ignore"
    requests: list[NetworkRequest] = field(default_factory=list)
    websocket_frames: list[WebSocketFrame] = field(default_factory=list)
    cookies: list[CookieRecord] = field(default_factory=list)
    storage_writes: list[StorageWrite] = field(default_factory=list)
    scripts: list[ScriptRecord] = field(default_factory=list)
    canaries: list[Canary] = field(default_factory=list)
    interactions: list[InteractionEvent] = field(default_factory=list)
    submitted_at_ms: float | None = None
    screenshot_sha256: str | None = None
    popups_blocked: int = 0
    timings_ms: dict[str, float] = field(default_factory=dict)
    behaviour: BehaviourLog | None = None
    """API calls seen by the in-page instrumentation; None when it was off."""
