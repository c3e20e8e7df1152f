"""Where each canary went: every request and WebSocket frame that carried one.

A canary that left before the form was submitted (or with no submit at all)
was captured from the keystrokes, not sent by the user: that is the key fact
of the reference case, so each leak records its timing against the submit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aivet.analyze.canary_leaks import CanaryHit, CanaryMatcher
from aivet.intel.domains import host_of
from aivet.web_session import Canary, NetworkRequest, WebSession

# Headers that a browser fills in itself and that never carry typed data in practice
# except through the page URL (which the referer check covers).
_SKIP_HEADERS = frozenset(
    {
        "accept",
        "accept-encoding",
        "accept-language",
        "connection",
        "host",
        "user-agent",
        "content-length",
        "sec-ch-ua",
        "sec-ch-ua-mobile",
        "sec-ch-ua-platform",
        "upgrade-insecure-requests",
    }
)


@dataclass(frozen=True)
class Leak:
    canary: Canary
    host: str
    location: str
    """url, header:NAME, body, or websocket."""
    encoding: str
    letter_case: str
    time_ms: float
    before_submit: bool
    request_id: str | None = None
    frame_sha256: str | None = None


def find_leaks(session: WebSession, read_blob: Callable[[str], bytes]) -> list[Leak]:
    if not session.canaries:
        return []
    matcher = CanaryMatcher(session.canaries)
    submitted = session.submitted_at_ms
    leaks: list[Leak] = []

    def record(
        hits: list[CanaryHit],
        host: str,
        location: str,
        time_ms: float,
        request_id: str | None = None,
        frame_sha256: str | None = None,
    ) -> None:
        for hit in hits:
            if time_ms + 1 < hit.canary.typed_at_ms:
                continue  # cannot have been typed yet: the page itself happens to contain it
            leaks.append(
                Leak(
                    canary=hit.canary,
                    host=host,
                    location=location,
                    encoding=hit.encoding,
                    letter_case=hit.letter_case,
                    time_ms=time_ms,
                    before_submit=submitted is None or time_ms < submitted,
                    request_id=request_id,
                    frame_sha256=frame_sha256,
                )
            )

    for request in session.requests:
        host = host_of(request.url)
        for location, text in _request_haystacks(request):
            record(matcher.search(text), host, location, request.started_ms, request_id=request.id)
        if request.body_sha256:
            try:
                body = read_blob(request.body_sha256)
            except OSError:
                continue
            record(
                matcher.search_bytes(body), host, "body", request.started_ms, request_id=request.id
            )
    for frame in session.websocket_frames:
        if frame.direction != "sent":
            continue
        try:
            payload = read_blob(frame.payload_sha256)
        except OSError:
            continue
        socket_request = next((r.id for r in session.requests if r.url == frame.socket_url), None)
        record(
            matcher.search_bytes(payload),
            host_of(frame.socket_url),
            "websocket",
            frame.time_ms,
            request_id=socket_request,
            frame_sha256=frame.payload_sha256,
        )
    return leaks


def _request_haystacks(request: NetworkRequest) -> list[tuple[str, str]]:
    out = [("url", request.url)]
    for name, value in request.headers.items():
        if name.lower() not in _SKIP_HEADERS:
            out.append((f"header:{name.lower()}", value))
    return out


def stored_canaries(session: WebSession) -> list[tuple[Canary, str, str]]:
    """Canaries written to cookies or web storage: (canary, where, key)."""
    if not session.canaries:
        return []
    matcher = CanaryMatcher(session.canaries)
    out = []
    for write in session.storage_writes:
        for hit in matcher.search(write.value):
            out.append((hit.canary, f"{write.area}Storage of {write.origin}", write.key))
    for cookie in session.cookies:
        for hit in matcher.search(cookie.value):
            out.append((hit.canary, f"cookie on {cookie.domain}", cookie.name))
    return out
