"""The behaviour heuristics on hand-made call logs (no browser): each condition at its edge."""

from __future__ import annotations

import re

from aivet.analyze.behaviour import detect_all
from aivet.analyze.behaviour.calls import ScriptCalls, by_script
from aivet.analyze.behaviour.heuristics import (
    detect_audio,
    detect_canvas,
    detect_canvas_font,
    detect_canvas_published,
    detect_enumeration,
    detect_font_probe,
    detect_webgl,
    detect_webrtc,
    enumeration_score,
    first_family,
    is_emoji_only,
)
from aivet.analyze.behaviour.recording import signature_of
from aivet.analyze.leaks import Leak
from aivet.collect.instrument import (
    InstrumentLimits,
    is_instrumentation_script,
    render_script,
    strip_instrumentation,
)
from aivet.collect.instrument.hooks import HOOKS_JS
from aivet.web_session import (
    ApiCall,
    ApiValue,
    Canary,
    Initiator,
    NetworkRequest,
    StackFrame,
    Vantage,
    WebSession,
)

SCRIPT = "https://cdn.example.net/fp.js"


def call(
    api: str, *args: ApiValue, result: ApiValue = None, count: int = 1, **context: ApiValue
) -> ApiCall:
    return ApiCall(
        api=api,
        script_url=SCRIPT,
        time_ms=1.0,
        count=count,
        args=list(args),
        result=result,
        context=dict(context),
        stack_urls=[SCRIPT],
    )


def script(*calls: ApiCall) -> ScriptCalls:
    return ScriptCalls(url=SCRIPT, calls=list(calls))


def canvas_calls(
    text: str = "Cwm fjordbank glyphs vext quiz",
    colours: tuple[str, ...] = ("#069", "rgba(102, 204, 0, 0.7)"),
    size: tuple[int, int] = (220, 40),
) -> list[ApiCall]:
    w, h = size
    out = [
        call("CanvasRenderingContext2D.fillText", text, 2, 15, canvas=1, width=w, height=h,
             style=colour)
        for colour in colours
    ]  # fmt: skip
    out.append(call("HTMLCanvasElement.toDataURL", canvas=1, width=w, height=h))
    return out


# --- canvas (Englehardt & Narayanan 2016, four conditions) -----------------------------


def test_canvas_all_four_conditions() -> None:
    detection = detect_canvas(script(*canvas_calls()))
    assert detection is not None
    assert detection.facts["colours"] == ["#069", "rgba(102, 204, 0, 0.7)"]
    assert detection.facts["read_with"] == "toDataURL"


def test_canvas_ten_characters_in_one_colour_suffice() -> None:
    assert detect_canvas(script(*canvas_calls("abcdefghij", ("#000",)))) is not None
    assert detect_canvas(script(*canvas_calls("abcdefghi", ("#000",)))) is None


def test_canvas_smaller_than_16px_is_not_fingerprinting() -> None:
    assert detect_canvas(script(*canvas_calls(size=(15, 40)))) is None
    assert detect_canvas(script(*canvas_calls(size=(16, 16)))) is not None


def test_canvas_save_restore_or_listener_disqualifies() -> None:
    assert detect_canvas(script(*canvas_calls(), call("CanvasRenderingContext2D.save"))) is None
    listener = call("EventTarget.addEventListener", "click", target="canvas#chart")
    assert detect_canvas(script(*canvas_calls(), listener)) is None


def test_canvas_get_image_data_needs_16_by_16() -> None:
    texts = canvas_calls()[:2]
    small = call("CanvasRenderingContext2D.getImageData", 0, 0, 15, 40, canvas=1, width=220,
                 height=40)  # fmt: skip
    big = call("CanvasRenderingContext2D.getImageData", 0, 0, 16, 16, canvas=1, width=220,
               height=40)  # fmt: skip
    assert detect_canvas(script(*texts, small)) is None
    assert detect_canvas(script(*texts, big)) is not None


def test_canvas_needs_an_extraction() -> None:
    assert detect_canvas(script(*canvas_calls()[:2])) is None


def test_emoji_only_text_is_an_emoji_check() -> None:
    calls = canvas_calls("🧑🏽‍🚀", ("#FF0000", "#0000FF"), (40, 25))
    assert detect_canvas(script(*calls)) is None
    assert detect_canvas_published(script(*calls)) is not None
    assert is_emoji_only("🇫🇷") and is_emoji_only("1️⃣") and is_emoji_only("👩‍👩‍👧‍👦")
    assert not is_emoji_only("Cwm 😃") and not is_emoji_only("")


# --- canvas fonts, WebRTC, audio, WebGL -------------------------------------------------


def _font_calls(fonts: int, measures: int) -> list[ApiCall]:
    out = [
        call("CanvasRenderingContext2D.font", f"72px F{i}", result=f"72px F{i}")
        for i in range(fonts)
    ]
    out.append(call("CanvasRenderingContext2D.measureText", "mmmmmlli", count=measures))
    return out


def test_canvas_font_needs_50_fonts_and_50_measurements() -> None:
    assert detect_canvas_font(script(*_font_calls(50, 50))) is not None
    assert detect_canvas_font(script(*_font_calls(49, 80))) is None
    assert detect_canvas_font(script(*_font_calls(80, 49))) is None


def test_canvas_font_counts_only_fonts_the_canvas_kept() -> None:
    rejected = [
        call("CanvasRenderingContext2D.font", f"not a font {i}", result="10px sans-serif")
        for i in range(60)
    ]
    assert detect_canvas_font(script(*rejected, *_font_calls(10, 60))) is None


def test_webrtc_needs_channel_offer_and_ice_candidates() -> None:
    base = [call("RTCPeerConnection.createDataChannel", ""), call("RTCPeerConnection.createOffer")]
    assert detect_webrtc(script(*base)) is None
    assert detect_webrtc(script(*base, call("RTCPeerConnection.onicecandidate"))) is not None
    listener = call("EventTarget.addEventListener", "icecandidate", target="RTCPeerConnection")
    assert detect_webrtc(script(*base, listener)) is not None


def test_audio_needs_graph_and_read_back() -> None:
    graph = [
        call("BaseAudioContext.createOscillator", context="OfflineAudioContext"),
        call("BaseAudioContext.createDynamicsCompressor", context="OfflineAudioContext"),
    ]
    assert detect_audio(script(*graph)) is None
    offline = [call("OfflineAudioContext.startRendering"), call("AudioBuffer.getChannelData")]
    assert detect_audio(script(*graph, *offline)) is not None
    analyser = [
        call("BaseAudioContext.createOscillator"),
        call("BaseAudioContext.createAnalyser"),
        call("AnalyserNode.getFloatFrequencyData"),
    ]
    assert detect_audio(script(*analyser)) is not None
    # A game that plays a tone and never reads it back is not fingerprinting.
    assert detect_audio(script(graph[0], call("BaseAudioContext.createAnalyser"))) is None


def test_webgl_unmasked_renderer_only() -> None:
    masked = call("WebGLRenderingContext.getParameter", 7937, result="WebKit WebGL")
    assert detect_webgl(script(masked)) is None
    unmasked = call("WebGLRenderingContext.getParameter", 37446, result="ANGLE (SwiftShader)")
    detection = detect_webgl(script(masked, unmasked))
    assert detection is not None
    assert detection.facts["unmasked"] == {"renderer": "ANGLE (SwiftShader)"}


# --- fonts by element size, enumeration ---------------------------------------------------


def _size_reads(families: int) -> list[ApiCall]:
    families_read = [f"'Font {i}',monospace" for i in range(families)] + ["serif", "monospace"]
    out = []
    for family in families_read:
        read = call("HTMLElement.offsetWidth")
        read.context["font-family"] = family
        out.append(read)
    return out


def test_font_probing_needs_20_families() -> None:
    assert detect_font_probe(script(*_size_reads(20))) is not None
    assert detect_font_probe(script(*_size_reads(19))) is None
    checks = [call("FontFaceSet.check", f'12px "Font {i}"') for i in range(20)]
    assert detect_font_probe(script(*checks)) is not None
    assert first_family("'Arial Black', sans-serif") == "arial black"


def test_enumeration_score_and_threshold() -> None:
    few = script(call("Navigator.userAgent"), call("Screen.width"), call("Navigator.plugins"))
    assert enumeration_score(few)[0] == 4
    assert detect_enumeration(few) is None
    media = [call("Window.matchMedia", f"({feature}: x)") for feature in ("a", "b", "c", "a")]
    many = script(
        *few.calls,
        *media,
        call("Navigator.hardwareConcurrency"),
        call("Intl.DateTimeFormat.resolvedOptions"),
        call("Screen.height"),
        call("Navigator.languages"),
    )
    score, found = enumeration_score(many)
    assert score == 4 + 3 + 2 + 2 + 1 + 1 and "media:a" in found
    detection = detect_enumeration(many)
    assert detection is not None and detection.confidence == "medium"


# --- attribution, signatures ----------------------------------------------------------------


def test_blob_worker_calls_belong_to_the_script_that_made_the_blob() -> None:
    blob = "blob:https://site.example/1234"
    made = ApiCall("URL.createObjectURL", SCRIPT, 1.0, args=["Blob"], result=blob)
    worker = ApiCall("Worker", SCRIPT, 2.0, args=[blob], result="blob:https://site.example/99")
    inside = ApiCall("Navigator.userAgent", "blob:https://site.example/99", 3.0, realm="worker")
    grouped = by_script([made, worker, inside])
    assert set(grouped) == {SCRIPT}
    assert inside in grouped[SCRIPT].calls


def test_recorder_signatures() -> None:
    assert signature_of("https://static.hotjar.com/c/hotjar-123.js?sv=6") is not None
    assert signature_of("https://www.clarity.ms/tag/abcd") is not None
    assert signature_of("https://cdn.jsdelivr.net/npm/rrweb@2/dist/rrweb.min.js") is not None
    assert signature_of("https://cdn.jsdelivr.net/npm/chart.js") is None
    assert signature_of("https://nothotjar.com/c/hotjar-1.js") is None


# --- key logging: capture joined with the canary leak -----------------------------------


def _session(leak_time: float = 500.0) -> tuple[WebSession, list[Leak]]:
    canary = Canary("email", "x7k2@example.com", "input", "https://site.example/", 100.0)
    request = NetworkRequest(
        id="req-9",
        url="https://keys.example.net/k",
        method="POST",
        resource_type="fetch",
        started_ms=leak_time,
        initiator=Initiator("script", stack=[StackFrame(SCRIPT, "send", 1, 1)]),
    )
    session = WebSession(
        target_url="https://site.example/",
        started_at="2026-11-23T00:00:00+00:00",
        ended_at="2026-11-23T00:00:10+00:00",
        status="complete",
        vantage=Vantage("chromium", "1", "ua", "en-US", "UTC", "1x1", False, True),
        requests=[request],
        canaries=[canary],
    )
    leak = Leak(canary, "keys.example.net", "body", "plain", "", leak_time, True, "req-9")
    return session, [leak]


def test_key_logging_needs_capture_and_an_early_leak() -> None:
    session, leaks = _session()
    listener = call("EventTarget.addEventListener", "keydown", target="document")
    found, _ = detect_all(session, [listener], leaks)
    assert [d.heuristic.id for d in found] == ["key-logging"]
    assert found[0].confidence == "high" and found[0].request_ids == ["req-9"]
    assert found[0].facts["leak_findings"] == [
        "web.keystroke-capture:" + found[0].facts["leak_findings"][0].split(":")[1]  # type: ignore[index]
    ]
    # Listeners without a leak (an editor), or a leak on submit, are not key logging.
    assert detect_all(session, [listener], [])[0] == []
    after_submit = [Leak(**{**leaks[0].__dict__, "before_submit": False})]
    assert detect_all(session, [listener], after_submit)[0] == []
    # A leak with no capture seen stays the web audit's keystroke-capture finding alone.
    assert detect_all(session, [], leaks)[0] == []


# --- the instrumentation script -------------------------------------------------------------


def test_only_the_exact_instrumentation_is_recognised() -> None:
    source = render_script("ab" * 16)
    wrapped = f"(() => {{\n      {source}\n    }})();"
    assert is_instrumentation_script(source) and is_instrumentation_script(wrapped)
    assert not is_instrumentation_script(source + "stealData();")
    assert not is_instrumentation_script(source.replace("'use strict';", "'use strict'; x();"))
    body = b"postMessage(1);"
    assert strip_instrumentation(source.encode() + body) == body
    assert (
        strip_instrumentation(b"// not ours\n" + source.encode())
        == b"// not ours\n" + source.encode()
    )


def test_every_limit_is_read_by_the_page_script() -> None:
    for name in InstrumentLimits().for_page():
        assert re.search(rf"\bL\.{name}\b", HOOKS_JS), name
    assert "aivet" not in render_script("0" * 32).lower()
