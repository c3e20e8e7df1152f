"""Published fingerprinting heuristics, applied to the calls one script is responsible for.

Each heuristic is a `Heuristic` record (id, rule, source, criteria in words) and a
pure function from a script's calls to a `Detection` or None. The words in
`criteria` are what docs/behaviour.md prints; the code below is what they mean.
A heuristic fires only on a combination of calls, never on one API alone.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from aivet.analyze.behaviour.calls import ScriptCalls
from aivet.analyze.behaviour.surface import SURFACE, media_feature
from aivet.model import Basis, Confidence
from aivet.web_session import ApiCall

ENGLEHARDT_2016 = (
    "S. Englehardt, A. Narayanan: Online Tracking: A 1-million-site Measurement and Analysis, "
    "ACM CCS 2016"
)
ENGLEHARDT_2016_URL = "https://www.cs.princeton.edu/~arvindn/publications/OpenWPM_1_million_site_tracking_measurement.pdf"


@dataclass(frozen=True)
class Heuristic:
    id: str
    rule: str
    title: str
    category: str
    source: str
    source_url: str
    criteria: str
    """The conditions, in words, exactly as the code applies them."""


@dataclass
class Detection:
    """A heuristic that fired for one script, with the calls and facts that made it fire."""

    heuristic: Heuristic
    script_url: str
    calls: list[ApiCall]
    facts: dict[str, object] = field(default_factory=dict)
    confidence: Confidence = "high"
    request_ids: list[str] = field(default_factory=list)
    basis: Basis = "observed"


CANVAS = Heuristic(
    id="canvas",
    rule="web.fingerprinting.canvas",
    title="Canvas fingerprinting",
    category="fingerprinting",
    source=f"{ENGLEHARDT_2016}, section 6.1 (after Acar et al., CCS 2014)",
    source_url=ENGLEHARDT_2016_URL,
    criteria=(
        "All four conditions of the paper, per script: (1) the canvas read is at "
        "least 16x16 px; (2) text was drawn on it in at least 2 colours or with at least 10 "
        "distinct characters; (3) the script called no save, restore or addEventListener on "
        "a canvas or its context; (4) the image was read with toDataURL/toBlob/convertToBlob "
        "or one getImageData of at least 16x16 px. aivet adds one exclusion: text that is "
        "only emoji is an emoji-support check (is-emoji-supported meets the four conditions)."
    ),
)
CANVAS_FONT = Heuristic(
    id="canvas-font",
    rule="web.fingerprinting.canvas-font",
    title="Canvas font fingerprinting",
    category="fingerprinting",
    source=f"{ENGLEHARDT_2016}, section 6.2",
    source_url=ENGLEHARDT_2016_URL,
    criteria=(
        "The script set the canvas font to at least 50 distinct values the canvas accepted "
        "and called measureText at least 50 times on the same text."
    ),
)
WEBRTC = Heuristic(
    id="webrtc-ip",
    rule="web.fingerprinting.webrtc-ip",
    title="WebRTC local IP discovery",
    category="fingerprinting",
    source=f"{ENGLEHARDT_2016}, section 6.4",
    source_url=ENGLEHARDT_2016_URL,
    criteria=(
        "The script called createDataChannel and createOffer on an RTCPeerConnection and "
        "used its icecandidate event (onicecandidate, or addEventListener('icecandidate'))."
    ),
)
AUDIO = Heuristic(
    id="audio",
    rule="web.fingerprinting.audio",
    title="Audio (AudioContext) fingerprinting",
    category="fingerprinting",
    source=f"{ENGLEHARDT_2016}, section 6.3",
    source_url=ENGLEHARDT_2016_URL,
    criteria=(
        "The script created an oscillator and a dynamics compressor or an analyser, and read "
        "the signal back: rendered offline (startRendering) and read with getChannelData or "
        "copyFromChannel, or read from an AnalyserNode."
    ),
)
WEBGL = Heuristic(
    id="webgl-unmask",
    rule="web.fingerprinting.webgl",
    title="WebGL renderer unmasking",
    category="fingerprinting",
    source=(
        "P. Laperdrix, W. Rudametkin, B. Baudry: Beauty and the Beast: Diverting modern web "
        "browsers to build unique browser fingerprints, IEEE S&P 2016 (WebGL vendor and "
        "renderer); Khronos WEBGL_debug_renderer_info"
    ),
    source_url="https://registry.khronos.org/webgl/extensions/WEBGL_debug_renderer_info/",
    criteria=(
        "The script read UNMASKED_VENDOR_WEBGL (0x9245) or UNMASKED_RENDERER_WEBGL (0x9246) "
        "with getParameter, which answers only after WEBGL_debug_renderer_info is enabled."
    ),
)
FONT_PROBE = Heuristic(
    id="font-probe",
    rule="web.fingerprinting.font-probing",
    title="Font probing through element sizes",
    category="fingerprinting",
    source=(
        "N. Nikiforakis et al.: Cookieless Monster: Exploring the Ecosystem of Web-based "
        "Device Fingerprinting, IEEE S&P 2013 (font detection by text width/height); "
        "D. Fifield, S. Egelman: Fingerprinting web users through font metrics, FC 2015"
    ),
    source_url="https://seclab.cs.ucsb.edu/files/publications/Nikiforakis2013Cookieless.pdf",
    criteria=(
        "The script measured the size (offsetWidth/Height, client/scroll sizes, "
        "getBoundingClientRect) of elements styled with at least 20 distinct font families "
        "(generic families not counted), or checked at least 20 with document.fonts.check."
    ),
)
ENUMERATION = Heuristic(
    id="enumeration",
    rule="web.fingerprinting.enumeration",
    title="Broad enumeration of browser and device properties",
    category="fingerprinting",
    source=(
        "P. Eckersley: How Unique Is Your Web Browser?, PETS 2010; P. Laperdrix et al., "
        "IEEE S&P 2016 (attributes and their entropy); G. Acar et al.: FPDetective, CCS 2013"
    ),
    source_url="https://coveryourtracks.eff.org/static/browser-uniqueness.pdf",
    criteria=(
        "The script read enough distinct identifying properties (navigator, screen, time "
        "zone, media queries, permissions, devices, WebGL parameters ...) to score at least "
        "12, each property weighing 1 or, when the studies found it high in entropy, 2 "
        "(weights in analyze/behaviour/surface.py). The threshold is aivet's own, set below "
        "the least broad fingerprinting library of the corpus (ClientJS, 13) and well above "
        "its ordinary libraries (at most 1)."
    ),
)

FINGERPRINTING: list[Heuristic] = [
    CANVAS,
    CANVAS_FONT,
    WEBRTC,
    AUDIO,
    WEBGL,
    FONT_PROBE,
    ENUMERATION,
]
ENUMERATION_THRESHOLD = 12
CANVAS_MIN_PX = 16
CANVAS_TEXT_COLOURS = 2
CANVAS_TEXT_CHARS = 10
CANVAS_FONT_MIN = 50
FONT_PROBE_MIN = 20

_GENERIC_FAMILIES = frozenset(
    {
        "serif",
        "sans-serif",
        "monospace",
        "cursive",
        "fantasy",
        "system-ui",
        "ui-serif",
        "ui-sans-serif",
        "ui-monospace",
        "ui-rounded",
        "math",
        "emoji",
        "fangsong",
        "inherit",
        "initial",
        "unset",
    }
)


# --- canvas -----------------------------------------------------------------------------

_EMOJI_RANGES = (
    (0x1F000, 0x1FAFF),  # pictographs, emoticons, transport, flags' regional indicators
    (0x2600, 0x27BF),  # miscellaneous symbols, dingbats
    (0x2300, 0x23FF),
    (0x2B00, 0x2BFF),
    (0x2190, 0x21FF),
    (0x3030, 0x303D),
    (0x3297, 0x3299),
    (0xFE00, 0xFE0F),  # variation selectors
    (0x200D, 0x200D),  # zero-width joiner
    (0x20E3, 0x20E3),  # combining keycap
    (0xE0020, 0xE007F),  # tag sequences (subdivision flags)
    (0x00A9, 0x00A9),
    (0x00AE, 0x00AE),
    (0x2122, 0x2122),
    (0x2139, 0x2139),
    (0x24C2, 0x24C2),
)
_KEYCAP = re.compile("[0-9#*]\ufe0f?\u20e3")


def is_emoji_only(text: str) -> bool:
    """True when the text is nothing but emoji (what an emoji-support check draws)."""
    rest = _KEYCAP.sub("", text)
    if not text.strip():
        return False
    return all(ch.isspace() or any(lo <= ord(ch) <= hi for lo, hi in _EMOJI_RANGES) for ch in rest)


def _num(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _canvas_size(call: ApiCall) -> tuple[float | None, float | None]:
    return _num(call.context.get("width")), _num(call.context.get("height"))


def _big_enough(width: float | None, height: float | None) -> bool:
    return (width or 0) >= CANVAS_MIN_PX and (height or 0) >= CANVAS_MIN_PX


def _extractions(s: ScriptCalls) -> list[ApiCall]:
    out = []
    for call in s.of(".toDataURL", ".toBlob", ".convertToBlob"):
        if _big_enough(*_canvas_size(call)):
            out.append(call)
    for call in s.of(".getImageData"):
        sw = _num(call.args[2]) if len(call.args) > 2 else None
        sh = _num(call.args[3]) if len(call.args) > 3 else None
        if _big_enough(abs(sw or 0), abs(sh or 0)) and _big_enough(*_canvas_size(call)):
            out.append(call)
    return out


def detect_canvas(s: ScriptCalls, *, exclude_emoji: bool = True) -> Detection | None:
    texts = s.of(".fillText", ".strokeText")
    extractions = _extractions(s)
    if not texts or not extractions:
        return None
    disqualifiers = s.of(".save", ".restore") + [
        c
        for c in s.of("EventTarget.addEventListener")
        if str(c.context.get("target", "")).startswith(("canvas", "CanvasRenderingContext2D"))
    ]
    if disqualifiers:
        return None
    strings = [str(t.args[0]) for t in texts if t.args and t.args[0] is not None]
    colours = sorted({str(t.context["style"]) for t in texts if t.context.get("style")})
    characters = sorted(set("".join(strings)))
    if len(colours) < CANVAS_TEXT_COLOURS and len(characters) < CANVAS_TEXT_CHARS:
        return None
    emoji_only = bool(strings) and all(is_emoji_only(text) for text in strings)
    if exclude_emoji and emoji_only:
        return None
    extraction = extractions[0]
    width, height = _canvas_size(extraction)
    return Detection(
        heuristic=CANVAS,
        script_url=s.url,
        calls=[*texts[:10], *extractions[:3]],
        facts={
            "canvas_size": f"{width:.0f}x{height:.0f}" if width and height else None,
            "text": sorted(set(strings))[:5],
            "colours": colours[:10],
            "distinct_characters": len(characters),
            "read_with": extraction.api.rsplit(".", 1)[-1],
            "emoji_only": emoji_only,
        },
    )


def detect_canvas_published(s: ScriptCalls) -> Detection | None:
    """The paper's four conditions without aivet's emoji exclusion (for the corpus table)."""
    return detect_canvas(s, exclude_emoji=False)


def detect_canvas_font(s: ScriptCalls) -> Detection | None:
    fonts = {str(c.result) for c in s.of(".font") if isinstance(c.result, str) and c.result}
    measured: Counter[str] = Counter()
    for call in s.of(".measureText"):
        if call.args:
            measured[str(call.args[0])] += call.count
    if len(fonts) < CANVAS_FONT_MIN or not measured:
        return None
    text, times = measured.most_common(1)[0]
    if times < CANVAS_FONT_MIN:
        return None
    return Detection(
        heuristic=CANVAS_FONT,
        script_url=s.url,
        calls=s.of(".font")[:10] + [c for c in s.of(".measureText") if c.args[:1] == [text]][:10],
        facts={
            "distinct_fonts": len(fonts),
            "fonts": sorted(fonts)[:15],
            "measure_text": text,
            "measure_text_calls": times,
        },
    )


# --- WebRTC, audio, WebGL ---------------------------------------------------------------


def detect_webrtc(s: ScriptCalls) -> Detection | None:
    channel = s.of("RTCPeerConnection.createDataChannel")
    offer = s.of("RTCPeerConnection.createOffer")
    ice = s.of("RTCPeerConnection.onicecandidate") + [
        c for c in s.of("EventTarget.addEventListener") if c.args[:1] == ["icecandidate"]
    ]
    if not (channel and offer and ice):
        return None
    candidates = [c.result for c in s.of("RTCIceCandidate.candidate") if c.result]
    return Detection(
        heuristic=WEBRTC,
        script_url=s.url,
        calls=channel[:2] + offer[:2] + ice[:2] + s.of("RTCIceCandidate.candidate")[:3],
        facts={"candidates_read": [str(c)[:120] for c in candidates[:5]]},
    )


def detect_audio(s: ScriptCalls) -> Detection | None:
    oscillator = s.of("BaseAudioContext.createOscillator")
    shaping = s.of("BaseAudioContext.createDynamicsCompressor", "BaseAudioContext.createAnalyser")
    offline = s.of("OfflineAudioContext.startRendering")
    buffer_read = s.of("AudioBuffer.getChannelData", "AudioBuffer.copyFromChannel")
    analyser_read = s.of(
        "AnalyserNode.getFloatFrequencyData",
        "AnalyserNode.getByteFrequencyData",
        "AnalyserNode.getFloatTimeDomainData",
        "AnalyserNode.getByteTimeDomainData",
    )
    rendered = bool(offline and buffer_read)
    if not (oscillator and shaping and (rendered or analyser_read)):
        return None
    return Detection(
        heuristic=AUDIO,
        script_url=s.url,
        calls=oscillator[:1] + shaping[:2] + offline[:1] + buffer_read[:1] + analyser_read[:1],
        facts={
            "nodes": sorted({c.api.rsplit(".", 1)[-1] for c in oscillator + shaping}),
            "read_back": "offline rendering" if rendered else "analyser",
        },
    )


def detect_webgl(s: ScriptCalls) -> Detection | None:
    unmasked = [c for c in s.of(".getParameter") if c.args[:1] in ([37445], [37446])]
    if not unmasked:
        return None
    extension = [
        c
        for c in s.of(".getExtension")
        if c.args and str(c.args[0]).lower() == "webgl_debug_renderer_info"
    ]
    return Detection(
        heuristic=WEBGL,
        script_url=s.url,
        calls=extension[:1] + unmasked[:2],
        facts={
            "unmasked": {
                ("vendor" if c.args[0] == 37445 else "renderer"): c.result for c in unmasked
            },
            "extension_enabled": bool(extension),
        },
    )


# --- fonts and enumeration ---------------------------------------------------------------

_SIZE_READS = (
    "HTMLElement.offsetWidth",
    "HTMLElement.offsetHeight",
    "Element.clientWidth",
    "Element.clientHeight",
    "Element.scrollWidth",
    "Element.scrollHeight",
    "Element.getBoundingClientRect",
)
_FONT_SHORTHAND = re.compile(r"[\d.]+(?:px|pt|em|rem|%|ex|ch|vw|vh)\s*(?:/\s*\S+\s*)?(.+)$", re.I)


def first_family(value: object) -> str | None:
    """The first font family of a font-family list, unquoted and lower-cased."""
    if not isinstance(value, str) or not value.strip():
        return None
    family = value.split(",")[0].strip().strip("'\"").strip().lower()
    return family or None


def _families(s: ScriptCalls) -> tuple[set[str], list[ApiCall]]:
    families: set[str] = set()
    evidence: list[ApiCall] = []
    for call in s.of(*_SIZE_READS):
        family = first_family(call.context.get("font-family"))
        if family and family not in _GENERIC_FAMILIES:
            if family not in families:
                evidence.append(call)
            families.add(family)
    for call in s.of("FontFaceSet.check"):
        match = _FONT_SHORTHAND.search(str(call.args[0])) if call.args else None
        family = first_family(match.group(1)) if match else None
        if family and family not in _GENERIC_FAMILIES:
            if family not in families:
                evidence.append(call)
            families.add(family)
    return families, evidence


def detect_font_probe(s: ScriptCalls) -> Detection | None:
    families, evidence = _families(s)
    if len(families) < FONT_PROBE_MIN:
        return None
    return Detection(
        heuristic=FONT_PROBE,
        script_url=s.url,
        calls=evidence[:12],
        facts={"distinct_families": len(families), "families": sorted(families)[:20]},
    )


def surface_read(s: ScriptCalls) -> dict[str, tuple[int, ApiCall]]:
    """Identifying properties the script read: attribute → (weight, first call)."""
    found: dict[str, tuple[int, ApiCall]] = {}
    for call in s.calls:
        key: str | None = None
        weight = 0
        if call.api == "Window.matchMedia":
            feature = media_feature(str(call.args[0]) if call.args else "")
            if feature:
                key, weight = f"media:{feature}", 1
        elif call.api == "Permissions.query":
            key, weight = f"permission:{call.args[0] if call.args else '?'}", 1
        elif call.api.endswith(".getParameter"):
            key, weight = "webgl:parameters", 1
        else:
            known = SURFACE.get(call.api)
            if known is not None:
                key, weight = known
        if key is not None and key not in found:
            found[key] = (weight, call)
    return found


def enumeration_score(s: ScriptCalls) -> tuple[int, dict[str, tuple[int, ApiCall]]]:
    found = surface_read(s)
    return sum(weight for weight, _ in found.values()), found


def detect_enumeration(s: ScriptCalls) -> Detection | None:
    score, found = enumeration_score(s)
    if score < ENUMERATION_THRESHOLD:
        return None
    keys = sorted(found, key=lambda k: (-found[k][0], k))
    return Detection(
        heuristic=ENUMERATION,
        script_url=s.url,
        calls=[found[k][1] for k in keys[:15]],
        facts={"score": score, "threshold": ENUMERATION_THRESHOLD, "properties": sorted(found)},
        confidence="medium",
    )


DETECTORS: dict[str, Callable[[ScriptCalls], Detection | None]] = {
    CANVAS.id: detect_canvas,
    CANVAS_FONT.id: detect_canvas_font,
    WEBRTC.id: detect_webrtc,
    AUDIO.id: detect_audio,
    WEBGL.id: detect_webgl,
    FONT_PROBE.id: detect_font_probe,
    ENUMERATION.id: detect_enumeration,
}


def fingerprinting(scripts: dict[str, ScriptCalls]) -> list[Detection]:
    """Every fingerprinting heuristic that fires, per script, in a stable order."""
    out = []
    for url in sorted(scripts):
        for heuristic in FINGERPRINTING:
            detection = DETECTORS[heuristic.id](scripts[url])
            if detection is not None:
                out.append(detection)
    return out
