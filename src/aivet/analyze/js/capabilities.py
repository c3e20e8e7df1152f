"""What a script can do to the person using the page, from the browser APIs its code names.

Detection knowledge is data: each capability is a set of weighted indicators
and a threshold, so that one stray API name does not make a fingerprinter.
Indicators are tokens the analyzer saw, plain or decoded:

- `api:NAME`: a property or global named NAME is used (`x.toDataURL`, `x["toDataURL"]`);
- `event:NAME`: a listener for event NAME is added (`addEventListener("keydown", ...)`);
- `context:NAME`: `getContext(NAME)`;
- `string:NAME`: a string constant NAME (`"WEBGL_debug_renderer_info"`);
- `statement:debugger`: a `debugger` statement;
- `font:NAME`: a font family name in a string (font probing needs many).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from aivet.script_record import Confidence


@dataclass(frozen=True)
class CapabilityRule:
    name: str
    description: str
    indicators: dict[str, float]
    threshold: float = 1.0
    same_function: bool = False
    """All indicators must be seen inside one function (canvas drawing vs. export in charts)."""
    min_fonts: int = 0
    """For font probing: at least this many distinct font names make the `fonts` indicator."""


RULES: tuple[CapabilityRule, ...] = (
    CapabilityRule(
        "canvas-fingerprinting",
        "draws text on a canvas and reads the pixels back (toDataURL/getImageData) in one function",
        {
            "api:toDataURL": 0.6,
            "api:getImageData": 0.5,
            "api:fillText": 0.4,
            "api:strokeText": 0.3,
            "api:isPointInPath": 0.3,
            "context:2d": 0.1,
        },
        same_function=True,
    ),
    CapabilityRule(
        "webgl-fingerprinting",
        "reads the GPU vendor and renderer or the WebGL extension list",
        {
            "string:WEBGL_debug_renderer_info": 1.0,
            "api:WEBGL_debug_renderer_info": 1.0,
            "api:UNMASKED_VENDOR_WEBGL": 1.0,
            "api:UNMASKED_RENDERER_WEBGL": 1.0,
            "api:getSupportedExtensions": 0.4,
            "api:getShaderPrecisionFormat": 0.5,
            "context:webgl": 0.3,
            "context:experimental-webgl": 0.3,
            "context:webgl2": 0.3,
            "api:getParameter": 0.2,
        },
    ),
    CapabilityRule(
        "audio-fingerprinting",
        "renders a sound offline and reads the samples back (OfflineAudioContext, oscillator)",
        {
            "api:OfflineAudioContext": 0.6,
            "api:webkitOfflineAudioContext": 0.6,
            "api:createOscillator": 0.3,
            "api:createDynamicsCompressor": 0.5,
            "api:startRendering": 0.3,
            "api:getChannelData": 0.3,
            "api:getFloatFrequencyData": 0.3,
        },
    ),
    CapabilityRule(
        "font-probing",
        "measures text in many font families to learn which fonts are installed",
        {"api:measureText": 0.4, "fonts": 0.6, "api:offsetWidth": 0.2},
        min_fonts=5,
    ),
    CapabilityRule(
        "webrtc",
        "opens a WebRTC peer connection and gathers ICE candidates (local network addresses)",
        {
            "api:RTCPeerConnection": 0.6,
            "api:webkitRTCPeerConnection": 0.6,
            "api:mozRTCPeerConnection": 0.6,
            "api:createDataChannel": 0.4,
            "api:onicecandidate": 0.4,
            "event:icecandidate": 0.4,
            "api:createOffer": 0.3,
        },
    ),
    CapabilityRule(
        "navigator-enumeration",
        "reads many navigator and screen properties (five or more distinct ones)",
        {
            name: 0.2
            for name in (
                "api:userAgent",
                "api:platform",
                "api:hardwareConcurrency",
                "api:deviceMemory",
                "api:plugins",
                "api:mimeTypes",
                "api:languages",
                "api:doNotTrack",
                "api:maxTouchPoints",
                "api:appVersion",
                "api:oscpu",
                "api:cpuClass",
                "api:colorDepth",
                "api:pixelDepth",
                "api:availWidth",
                "api:availHeight",
                "api:getTimezoneOffset",
                "api:resolvedOptions",
                "api:webdriver",
                "api:productSub",
                "api:userAgentData",
            )
        },
    ),
    CapabilityRule(
        "device-identity",
        "asks for device identifiers (battery, media devices, high-entropy client hints)",
        {
            "api:getBattery": 1.0,
            "api:enumerateDevices": 1.0,
            "api:getHighEntropyValues": 1.0,
            "api:requestMediaKeySystemAccess": 0.5,
        },
    ),
    CapabilityRule(
        "key-listener",
        "listens to key presses (keydown/keyup/keypress)",
        {
            "event:keydown": 1.0,
            "event:keyup": 1.0,
            "event:keypress": 1.0,
            "api:onkeydown": 1.0,
            "api:onkeyup": 1.0,
            "api:onkeypress": 1.0,
        },
    ),
    CapabilityRule(
        "input-listener",
        "listens to what is typed into fields (input events)",
        {"event:input": 1.0, "event:beforeinput": 1.0, "api:oninput": 1.0, "event:change": 0.5},
    ),
    CapabilityRule(
        "clipboard",
        "reads the clipboard or listens to copy/cut/paste",
        {
            "event:paste": 1.0,
            "event:copy": 0.8,
            "event:cut": 0.8,
            "api:readText": 0.6,
            "api:clipboardData": 0.6,
            "api:clipboard": 0.4,
        },
    ),
    CapabilityRule(
        "storage",
        "reads or writes browser storage (localStorage, sessionStorage, IndexedDB)",
        {"api:localStorage": 1.0, "api:sessionStorage": 1.0, "api:indexedDB": 1.0},
    ),
    CapabilityRule("cookie", "reads or writes document.cookie", {"api:cookie": 1.0}),
    CapabilityRule(
        "anti-debugging",
        "resists inspection: debugger statements or traps, DevTools size checks",
        {
            "statement:debugger": 1.0,
            "string:debugger": 1.0,
            "api:outerWidth": 0.3,
            "api:outerHeight": 0.3,
            "string:(((.+)+)+)+$": 0.6,
        },
    ),
)

FONT_NAMES = (
    "Arial",
    "Arial Black",
    "Calibri",
    "Cambria",
    "Comic Sans MS",
    "Consolas",
    "Courier New",
    "Georgia",
    "Helvetica",
    "Helvetica Neue",
    "Impact",
    "Lucida Console",
    "Lucida Grande",
    "Microsoft YaHei",
    "Palatino",
    "PingFang SC",
    "Segoe UI",
    "SimHei",
    "SimSun",
    "Tahoma",
    "Times New Roman",
    "Trebuchet MS",
    "Verdana",
    "Wingdings",
)

INDICATORS: frozenset[str] = frozenset(
    indicator for rule in RULES for indicator in rule.indicators if indicator != "fonts"
)
"""Every indicator some rule weighs."""

API_NAMES = frozenset(i.split(":", 1)[1] for i in INDICATORS if i.startswith("api:"))
EVENT_NAMES = frozenset(i.split(":", 1)[1] for i in INDICATORS if i.startswith("event:"))
CONTEXT_NAMES = frozenset(i.split(":", 1)[1] for i in INDICATORS if i.startswith("context:"))
STRING_NAMES = frozenset(i.split(":", 1)[1] for i in INDICATORS if i.startswith("string:"))

LISTENER_METHODS = frozenset({"addEventListener", "attachEvent"})
WATCHED_METHODS = LISTENER_METHODS | {"getContext", "getExtension"}


ANCHOR_WORDS = API_NAMES | EVENT_NAMES | CONTEXT_NAMES | {"debugger"}
"""Words whose occurrences in the source are worth a look."""


def extra_anchor_pattern() -> bytes:
    """Indicators that are not plain words: font names in strings, known string constants."""
    return (
        rb"WEBGL_debug_renderer_info|(?<=['\"`, ])"
        + trie_pattern(FONT_NAMES)
        + rb"(?=['\"`,])|\(\(\(\.\+\)\+\)\+\)\+\$"
    )


def trie_pattern(words: Iterable[str]) -> bytes:
    """An alternation of words with shared prefixes factored out.

    Python's `re` tries the branches of a flat alternation one by one at every
    position; a trie makes it fail on the first character instead (3x faster here).
    """
    trie: dict[str, dict[str, object]] = {}
    for word in words:
        node: dict[str, object] = trie  # type: ignore[assignment]
        for ch in word:
            node = node.setdefault(ch, {})  # type: ignore[assignment]
        node[""] = {}

    def build(node: dict[str, object]) -> bytes:
        branches = [
            re.escape(ch.encode()) + build(child)  # type: ignore[arg-type]
            for ch, child in sorted(node.items())
            if ch
        ]
        if not branches:
            return b""
        body = branches[0] if len(branches) == 1 else b"(?:" + b"|".join(branches) + b")"
        return b"(?:" + body + b")?" if "" in node else body

    return b"(?:" + build(trie) + b")"  # type: ignore[arg-type]


@dataclass(frozen=True)
class Token:
    indicator: str
    offset: int
    decoded: bool
    function: int
    """Id of the innermost function scope it was seen in (0: top level)."""


@dataclass(frozen=True)
class Detected:
    rule: CapabilityRule
    score: float
    tokens: tuple[Token, ...]

    @property
    def confidence(self) -> Confidence:
        if self.score >= 1.5 or any(
            w >= 1.0 for w in (self.rule.indicators.get(t.indicator, 0) for t in self.tokens)
        ):
            return "high"
        return "medium" if self.score >= 1.0 else "low"


def detect(tokens: Iterable[Token]) -> list[Detected]:
    """Capabilities whose indicators reach their threshold."""
    by_indicator: dict[str, list[Token]] = {}
    for token in tokens:
        by_indicator.setdefault(token.indicator, []).append(token)
    font_tokens = [t for name, ts in by_indicator.items() if name.startswith("font:") for t in ts]
    out = []
    for rule in RULES:
        if rule.same_function:
            groups: dict[int, dict[str, list[Token]]] = {}
            for indicator in rule.indicators:
                for token in by_indicator.get(indicator, ()):
                    groups.setdefault(token.function, {}).setdefault(indicator, []).append(token)
            best: tuple[float, list[Token]] = (0.0, [])
            for group in groups.values():
                score = sum(rule.indicators[i] for i in group)
                if score > best[0]:
                    best = (score, [ts[0] for ts in group.values()])
            score, chosen = best
        else:
            chosen = [by_indicator[i][0] for i in rule.indicators if i in by_indicator]
            score = sum(rule.indicators[t.indicator] for t in chosen)
            if rule.min_fonts:
                distinct = {t.indicator for t in font_tokens}
                if len(distinct) >= rule.min_fonts:
                    score += rule.indicators.get("fonts", 0.0)
                    chosen.extend(sorted(font_tokens, key=lambda t: t.offset)[: rule.min_fonts])
        if score >= rule.threshold - 1e-9 and chosen:
            out.append(
                Detected(rule, round(score, 3), tuple(sorted(chosen, key=lambda t: t.offset)))
            )
    return out
