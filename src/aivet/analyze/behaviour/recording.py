"""Session recording: known replay services by signature, and any recorder by behaviour.

A session-replay script watches the whole document for changes, captures mouse
and key or input events, and uploads what it gathered as the visit goes on
(Englehardt, Acar, Narayanan: "No boundaries: Exfiltration of personal data by
session-replay scripts", Freedom to Tinker, 2017). Behaviour alone is enough;
a known service's script URL alone gives medium confidence.

Signatures are the script hosts of each service's installation snippet, with the
page that documents it; they were written from those vendors' documentation and
have not been re-checked here.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from aivet.analyze.behaviour.calls import ScriptCalls, responsible_script
from aivet.analyze.behaviour.heuristics import Detection, Heuristic
from aivet.intel.domains import host_of
from aivet.model import Confidence
from aivet.web_session import ApiCall, NetworkRequest, WebSession

SESSION_RECORDING = Heuristic(
    id="session-recording",
    rule="web.session-recording",
    title="Session recording",
    category="session-recording",
    source=(
        "S. Englehardt, G. Acar, A. Narayanan: No boundaries: Exfiltration of personal data "
        "by session-replay scripts, Freedom to Tinker, 2017"
    ),
    source_url="https://freedom-to-tinker.com/2017/11/15/no-boundaries-exfiltration-of-personal-data-by-session-replay-scripts/",
    criteria=(
        "Behaviour: the script (with the scripts that called it or share its host) observed "
        "the whole document with a subtree MutationObserver, listened to mouse and to key or "
        "input events on the document or window, and sent at least 2 uploads (requests with "
        "a body, beacons, WebSocket frames). Or: the script's URL is a known replay "
        "service's (medium confidence when its behaviour was not also seen)."
    ),
)

MOUSE_EVENTS = frozenset(
    {"mousemove", "mousedown", "mouseup", "click", "pointermove", "pointerdown", "pointerup",
     "touchstart", "touchmove", "wheel", "scroll"}
)  # fmt: skip
KEY_EVENTS = frozenset({"keydown", "keyup", "keypress"})
INPUT_EVENTS = frozenset({"input", "beforeinput", "change", "textInput", "compositionend"})
UPLOAD_MIN = 2


@dataclass(frozen=True)
class RecorderSignature:
    service: str
    hosts: tuple[str, ...]
    """Host names (or parent domains) the service's recording script is served from."""
    path: str
    """Substring of the script's path; empty for any path on those hosts."""
    source: str


SIGNATURES: tuple[RecorderSignature, ...] = (
    RecorderSignature(
        "Hotjar",
        ("static.hotjar.com", "script.hotjar.com"),
        "",
        "https://help.hotjar.com/hc/en-us/articles/115009336727",
    ),
    RecorderSignature(
        "Microsoft Clarity",
        ("www.clarity.ms", "scripts.clarity.ms"),
        "",
        "https://learn.microsoft.com/en-us/clarity/setup-and-installation/clarity-setup",
    ),
    RecorderSignature(
        "FullStory", ("edge.fullstory.com",), "/s/fs.js", "https://help.fullstory.com/"
    ),
    RecorderSignature(
        "LogRocket",
        ("cdn.logrocket.io", "cdn.lr-ingest.io", "cdn.lr-ingest.com", "cdn.lr-in.com"),
        "",
        "https://docs.logrocket.com/docs/quickstart",
    ),
    RecorderSignature("Mouseflow", ("cdn.mouseflow.com",), "", "https://mouseflow.com/"),
    RecorderSignature(
        "Smartlook",
        ("web-sdk.smartlook.com", "rec.smartlook.com"),
        "",
        "https://help.smartlook.com/",
    ),
    RecorderSignature(
        "Yandex Metrica (Webvisor)",
        ("mc.yandex.ru", "mc.yandex.com"),
        "/metrika/",
        "https://yandex.com/support/metrica/code/install-counter.html",
    ),
    RecorderSignature("Inspectlet", ("cdn.inspectlet.com",), "", "https://www.inspectlet.com/"),
    RecorderSignature(
        "Lucky Orange", ("tools.luckyorange.com",), "", "https://www.luckyorange.com/"
    ),
    RecorderSignature(
        "Contentsquare", ("t.contentsquare.net",), "/uxa/", "https://contentsquare.com/"
    ),
    RecorderSignature("Clicktale", ("cdnssl.clicktale.net",), "", "https://contentsquare.com/"),
    RecorderSignature(
        "Quantum Metric", ("cdn.quantummetric.com",), "", "https://www.quantummetric.com/"
    ),
    RecorderSignature(
        "PostHog session recording",
        ("posthog.com",),
        "/recorder",
        "https://posthog.com/docs/session-replay",
    ),
    RecorderSignature(
        "Sentry Session Replay",
        ("browser.sentry-cdn.com",),
        "replay",
        "https://docs.sentry.io/platforms/javascript/session-replay/",
    ),
    RecorderSignature(
        "rrweb (open-source recorder) from a CDN",
        ("cdn.jsdelivr.net", "unpkg.com"),
        "/rrweb",
        "https://github.com/rrweb-io/rrweb",
    ),
)


def signature_of(url: str) -> RecorderSignature | None:
    host = host_of(url)
    path = urlsplit(url).path
    for signature in SIGNATURES:
        on_host = any(host == h or host.endswith("." + h) for h in signature.hosts)
        if on_host and signature.path in path:
            return signature
    return None


def _listeners(s: ScriptCalls, events: frozenset[str], page_level: bool) -> list[ApiCall]:
    out = []
    for call in s.of("EventTarget.addEventListener"):
        target = str(call.context.get("target", ""))
        page = target in ("document", "window") or target.startswith(("html", "body"))
        if call.args[:1] and call.args[0] in events and (page or not page_level):
            out.append(call)
    return out


def _whole_document_observers(s: ScriptCalls) -> list[ApiCall]:
    out = []
    for call in s.of("MutationObserver.observe"):
        target = str(call.context.get("target", ""))
        options = str(call.context.get("options", ""))
        whole = target in ("document", "html", "body") or target.startswith(("html#", "body#"))
        if whole and "subtree" in options:
            out.append(call)
    return out


def request_scripts(request: NetworkRequest, made: dict[str, str]) -> list[str]:
    """Script URLs on a request's initiator stack, innermost first, blob/data resolved."""
    if request.initiator is None:
        return []
    urls = [f.url for f in request.initiator.stack if f.url]
    if not urls and request.initiator.url:
        urls = [request.initiator.url]
    out: list[str] = []
    for url in urls:
        resolved = responsible_script(url, made) or url
        if resolved not in out:
            out.append(resolved)
    return out


def _is_upload(request: NetworkRequest) -> bool:
    if request.resource_type in ("ping", "websocket"):
        return True
    return request.resource_type in ("fetch", "xhr", "other", "image") and (
        request.body_size > 0 or request.method == "POST"
    )


def uploads(
    session: WebSession, scripts: set[str], made: dict[str, str]
) -> tuple[list[NetworkRequest], int]:
    """Requests with data that these scripts started, and WebSocket frames they sent."""
    sent: list[NetworkRequest] = []
    sockets: set[str] = set()
    for request in session.requests:
        if not _is_upload(request) or not set(request_scripts(request, made)) & scripts:
            continue
        if request.resource_type == "websocket":
            sockets.add(request.url)
        else:
            sent.append(request)
    frames = sum(
        1 for f in session.websocket_frames if f.direction == "sent" and f.socket_url in sockets
    )
    return sent, frames


def detect_recording(
    scripts: dict[str, ScriptCalls],
    session: WebSession,
    made: dict[str, str],
    loaded_scripts: list[str],
) -> list[Detection]:
    documents = {session.target_url, session.final_url or ""} | {
        r.url for r in session.requests if r.resource_type == "document"
    }
    out = []
    candidates = sorted(set(scripts) | {u for u in loaded_scripts if signature_of(u)})
    for url in candidates:
        s = scripts.get(url) or ScriptCalls(url=url)
        signature = signature_of(url)
        observers = _whole_document_observers(s)
        mouse = _listeners(s, MOUSE_EVENTS, page_level=True)
        keys = _listeners(s, KEY_EVENTS | INPUT_EVENTS, page_level=True)
        behaviour = bool(observers and mouse and keys)
        if not behaviour and signature is None:
            continue
        related = {url} | {
            u for c in observers + mouse + keys for u in c.stack_urls if u not in documents
        }
        host = host_of(url)
        related |= {
            u for u in {*scripts, *loaded_scripts} if host_of(u) == host and u not in documents
        }
        sent, frames = uploads(session, related, made)
        upload_count = len(sent) + frames
        if signature is None and upload_count < UPLOAD_MIN:
            continue
        confidence: Confidence = (
            "high" if behaviour and (upload_count >= UPLOAD_MIN or signature) else "medium"
        )
        out.append(
            Detection(
                heuristic=SESSION_RECORDING,
                script_url=url,
                calls=observers[:2] + mouse[:4] + keys[:4],
                facts={
                    "service": signature.service if signature else None,
                    "signature_source": signature.source if signature else None,
                    "observes_document": bool(observers),
                    "mouse_events": sorted({str(c.args[0]) for c in mouse}),
                    "key_events": sorted({str(c.args[0]) for c in keys}),
                    "uploads": len(sent),
                    "websocket_frames_sent": frames,
                    "upload_hosts": sorted({host_of(r.url) for r in sent}),
                },
                confidence=confidence,
                request_ids=[r.id for r in sent[:20]],
                basis="observed" if behaviour else "capable",
            )
        )
    return out
