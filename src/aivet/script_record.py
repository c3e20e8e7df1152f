"""What the static script analyzer reports about one script: plain data, JSON-able.

An audit embeds these records (`Audit.scripts`); they live outside `aivet.analyze` so that
`aivet.model` can import them.

Locations are 1-based lines and 1-based byte columns of the analysed bytes,
with the byte offset; for code found inside an `eval`/`Function` payload the
location is that of the call that runs the payload, and `via` says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from aivet.attribution import Attribution

Confidence = Literal["high", "medium", "low"]

SINKS = (
    "fetch",
    "xhr",
    "sendBeacon",
    "websocket",
    "eventsource",
    "worker",
    "importScripts",
    "img.src",
    "script.src",
    "iframe.src",
    "element.src",
    "form.action",
    "navigation",
    "window.open",
    "string-only",
)
"""Where an endpoint was found: the network API its URL is handed to, or only in a string."""


@dataclass(frozen=True)
class JsLimits:
    """Bounds on the work spent on one script; hitting one makes the status "partial: ..."."""

    max_bytes: int = 8 * 1024 * 1024
    """Only this many leading bytes are analysed."""
    max_seconds: float = 30.0
    """Wall-clock budget for one script, parse included (checked between steps)."""
    max_nodes: int = 6_000_000
    max_eval_steps: int = 3_000_000
    deep_below_bytes: int = 160 * 1024
    """Scripts this small are always analysed in depth (every call and concatenation)."""
    deep_score: float = 0.5
    """A larger script is analysed in depth when its quick obfuscation score reaches this."""
    sandbox_load_seconds: float = 5.0
    """Loading a decoder runs its string array's rotation loop once."""
    sandbox_call_seconds: float = 0.5
    sandbox_memory_bytes: int = 64 * 1024 * 1024
    sandbox_total_seconds: float = 8.0
    sandbox_max_calls: int = 60_000
    sandbox_max_program_bytes: int = 2 * 1024 * 1024
    max_payload_depth: int = 3
    """How deep `eval`/`Function` payloads inside payloads are followed."""
    max_strings: int = 200
    max_endpoints: int = 400
    max_excerpts: int = 12
    excerpt_chars: int = 700


@dataclass(frozen=True)
class Location:
    line: int
    column: int
    offset: int
    via: str = ""
    """Empty for code of the script itself; "eval" or "Function" for a payload it runs."""


@dataclass(frozen=True)
class DecodedString:
    value: str
    method: str
    """How it was recovered, "+"-joined: string-array-rc4, string-array-base64, fromCharCode,
    atob, uri-decode, unescape, escape, split-join, replace, xor, sandbox, concat, eval."""
    location: Location
    expression: str
    """The code it was recovered from, shortened."""
    role: str
    """Why it matters: endpoint, capability, payload."""


@dataclass(frozen=True)
class Endpoint:
    url: str
    """As recovered; "…" marks a part computed at run time. Scheme-less hosts stay as found."""
    host: str
    registrable_domain: str
    sink: str
    decoded: bool
    """True when the string was hidden (encoded, split, in a string array) and had to be decoded."""
    method: str
    """How the string was recovered ("literal" for a plain string)."""
    location: Location
    occurrences: int
    reference_like: bool
    """Shaped like documentation, a licence, an XML namespace or a spec, not like an API."""
    attribution: Attribution


@dataclass(frozen=True)
class CapabilityHit:
    indicator: str
    location: Location
    decoded: bool


@dataclass(frozen=True)
class Capability:
    name: str
    description: str
    confidence: Confidence
    hits: tuple[CapabilityHit, ...]


@dataclass(frozen=True)
class ObfuscationSignal:
    name: str
    weight: float
    """This signal's share of the score, 0..1 (signals combine as a noisy-or)."""
    detail: str


@dataclass(frozen=True)
class Decoder:
    """A decoding function the analyzer ran in the sandbox (a string array's, an XOR loop...)."""

    name: str
    method: str
    encoding: str
    location: Location
    array_size: int
    calls: int
    decoded: int


@dataclass(frozen=True)
class Highlight:
    start: int
    end: int
    """Character offsets in `Excerpt.deobfuscated`."""


@dataclass(frozen=True)
class Excerpt:
    location: Location
    original: str
    deobfuscated: str
    """The same code with every decoded expression replaced by the string it yields."""
    highlights: tuple[Highlight, ...]


@dataclass(frozen=True)
class ScriptAnalysis:
    sha256: str
    url: str | None
    size: int
    status: str
    """"complete", "partial: <reason>" when a limit was hit, or "skipped: <reason>"."""
    mode: Literal["deep", "light", "none"]
    parse_errors: int
    obfuscation_score: float
    obfuscation_signals: tuple[ObfuscationSignal, ...]
    decoders: tuple[Decoder, ...]
    decoded_total: int
    """Distinct strings recovered by decoding, reported or not."""
    decoded_strings: tuple[DecodedString, ...]
    endpoints: tuple[Endpoint, ...]
    capabilities: tuple[Capability, ...]
    excerpts: tuple[Excerpt, ...]
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def obfuscated(self) -> bool:
        return self.obfuscation_score >= OBFUSCATED_SCORE

    @property
    def complete(self) -> bool:
        return self.status == "complete"


OBFUSCATED_SCORE = 0.5
