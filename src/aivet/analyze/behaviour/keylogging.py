"""Key logging: a script that listens to keys or reads fields, and typed data that left early.

Listening to keys is what every editor does, so listeners alone prove nothing.
The web audit already knows when a typed canary left the page before submit
(rule web.keystroke-capture); this heuristic names the script that sent it and
shows the listeners or field reads that captured it.
"""

from __future__ import annotations

from collections import defaultdict

from aivet.analyze.behaviour.calls import ScriptCalls
from aivet.analyze.behaviour.heuristics import Detection, Heuristic
from aivet.analyze.behaviour.recording import INPUT_EVENTS, KEY_EVENTS, request_scripts
from aivet.analyze.findings import finding_id
from aivet.analyze.leaks import Leak
from aivet.intel.domains import host_of
from aivet.web_session import ApiCall, NetworkRequest, WebSession

KEY_LOGGING = Heuristic(
    id="key-logging",
    rule="web.key-logging",
    title="Key logging",
    category="key-logging",
    source=(
        "aivet: key or input capture observed in the page together with a typed canary "
        "leaving before submit (web.keystroke-capture); see S. Englehardt, G. Acar, "
        "A. Narayanan, No boundaries, 2017, for capture of typed data before submission"
    ),
    source_url="https://freedom-to-tinker.com/2017/11/15/no-boundaries-exfiltration-of-personal-data-by-session-replay-scripts/",
    criteria=(
        "A typed canary left the page before submit in a request (or WebSocket) started by a "
        "script that registered key or input listeners or read text fields; high confidence "
        "when that script is on the request's stack, medium when it only shares its host."
    ),
)

_CAPTURE_APIS = (
    "HTMLInputElement.value",
    "HTMLTextAreaElement.value",
    "KeyboardEvent.key",
    "KeyboardEvent.code",
    "KeyboardEvent.keyCode",
)


def capture_calls(s: ScriptCalls) -> list[ApiCall]:
    """Key or input listeners this script registered and field values it read."""
    listeners = [
        c
        for c in s.of("EventTarget.addEventListener")
        if c.args[:1] and c.args[0] in KEY_EVENTS | INPUT_EVENTS
    ]
    return listeners + s.of(*_CAPTURE_APIS)


def _sending_request(
    leak: Leak, session: WebSession, by_id: dict[str, NetworkRequest]
) -> NetworkRequest | None:
    if leak.request_id is not None:
        return by_id.get(leak.request_id)
    if leak.frame_sha256 is not None:
        frame = next(
            (f for f in session.websocket_frames if f.payload_sha256 == leak.frame_sha256), None
        )
        if frame is not None:
            return next(
                (r for r in session.requests if r.resource_type == "websocket"
                 and r.url == frame.socket_url),
                None,
            )  # fmt: skip
    return None


def detect_key_logging(
    scripts: dict[str, ScriptCalls],
    session: WebSession,
    leaks: list[Leak],
    made: dict[str, str],
) -> list[Detection]:
    by_id = {r.id: r for r in session.requests}
    sent_by: dict[str, list[tuple[Leak, NetworkRequest, list[str]]]] = defaultdict(list)
    for leak in leaks:
        if not leak.before_submit:
            continue
        request = _sending_request(leak, session, by_id)
        stack = request_scripts(request, made) if request is not None else []
        if request is not None and stack:
            sent_by[stack[0]].append((leak, request, stack))
    out = []
    for sender, items in sorted(sent_by.items()):
        on_stack = {u for _, _, stack in items for u in stack}
        direct = [c for u in sorted(on_stack) if u in scripts for c in capture_calls(scripts[u])]
        confidence: str = "high"
        evidence = direct
        if not direct:
            host = host_of(sender)
            evidence = [
                c for u in sorted(scripts) if host_of(u) == host
                for c in capture_calls(scripts[u])
            ]  # fmt: skip
            confidence = "medium"
        if not evidence:
            continue  # the leak finding stands on its own; no capture was seen to attribute
        leaks_here = [leak for leak, _, _ in items]
        out.append(
            Detection(
                heuristic=KEY_LOGGING,
                script_url=sender,
                calls=evidence[:12],
                facts={
                    "fields": sorted({leak.canary.field_kind for leak in leaks_here}),
                    "receivers": sorted({leak.host for leak in leaks_here}),
                    "encodings": sorted({leak.encoding for leak in leaks_here}),
                    "listeners": sorted(
                        {str(c.args[0]) for c in evidence if c.api.endswith("addEventListener")}
                    ),
                    "fields_read": sorted(
                        {str(c.context.get("target")) for c in evidence if c.api.endswith(".value")}
                    ),
                    "leak_findings": sorted(
                        {
                            finding_id(
                                "web.keystroke-capture",
                                leak.canary.field_kind,
                                leak.host,
                                leak.canary.value,
                            )
                            for leak in leaks_here
                        }
                    ),
                    "first_leak_ms": min(leak.time_ms for leak in leaks_here),
                },
                confidence="high" if confidence == "high" else "medium",
                request_ids=sorted({r.id for _, r, _ in items}),
            )
        )
    return out
