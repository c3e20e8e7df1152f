"""The web collector in real Chromium: requests of every kind, scripts, storage, cookies."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from aivet.pipeline import AuditOutput
from aivet.serde import from_jsonable
from aivet.web_session import NetworkRequest, WebSession
from tests.conftest import SITE


def load_session(result: AuditOutput) -> WebSession:
    return from_jsonable(WebSession, json.loads((result.directory / "session.json").read_text()))


def only(session: WebSession, url_part: str) -> NetworkRequest:
    matches = [r for r in session.requests if url_part in r.url]
    if url_part.startswith(("http://", "ws://")):
        matches = [r for r in session.requests if r.url.startswith(url_part)]
    assert len(matches) >= 1, f"no request to {url_part}: {[r.url for r in session.requests]}"
    return matches[0]


@pytest.fixture(scope="module")
def network_result(run_audit: Callable[..., AuditOutput]) -> AuditOutput:
    return run_audit(f"{SITE}/network.html", interact="none")


@pytest.fixture(scope="module")
def network_session(network_result: AuditOutput) -> WebSession:
    return load_session(network_result)


def blob(result: AuditOutput, sha: str | None) -> bytes:
    assert sha is not None
    return (result.directory / "evidence" / "blobs" / sha).read_bytes()


def test_session_completes_with_vantage(network_session: WebSession) -> None:
    assert network_session.status == "complete", network_session.status_reasons
    vantage = network_session.vantage
    assert vantage.browser_version
    assert "--disable-background-networking" in vantage.flags
    assert any(f.startswith("--host-resolver-rules=") for f in vantage.flags)
    assert vantage.resolve[-1].pattern == "*"


def test_fetch_post_records_method_body_initiator_and_response(
    network_result: AuditOutput, network_session: WebSession
) -> None:
    request = only(network_session, "/collect/fetch-post")
    assert request.method == "POST"
    assert request.resource_type == "fetch"
    assert json.loads(blob(network_result, request.body_sha256)) == {"kind": "fetch", "n": 1}
    assert request.initiator is not None
    assert request.initiator.script_url() == f"{SITE}/js/net.js"
    assert request.status == 204
    assert request.remote_ip == "127.0.0.1" and request.remote_port


def test_xhr_beacon_image_and_redirect(network_session: WebSession) -> None:
    assert only(network_session, "/collect/xhr").resource_type == "xhr"
    beacon = only(network_session, "/collect/beacon")
    assert beacon.method == "POST" and beacon.resource_type == "ping"
    assert only(network_session, "/collect/pixel.gif").resource_type == "image"
    first = only(network_session, "/redirect?to=")
    assert first.status == 302
    after = only(network_session, f"{SITE}/collect/after-redirect")
    assert after.url == f"{SITE}/collect/after-redirect"
    assert after.redirected_from == first.id


def test_websocket_frames_both_directions(
    network_result: AuditOutput, network_session: WebSession
) -> None:
    socket = only(network_session, "ws://ws.aivet-test.com/ws")
    assert socket.resource_type == "websocket"
    sent = [f for f in network_session.websocket_frames if f.direction == "sent"]
    received = [f for f in network_session.websocket_frames if f.direction == "received"]
    assert any(blob(network_result, f.payload_sha256) == b"client-hello" for f in sent)
    assert any(blob(network_result, f.payload_sha256) == b"hello from server" for f in received)


def test_worker_and_cross_origin_frame_requests(network_session: WebSession) -> None:
    worker = only(network_session, "/collect/from-worker")
    assert worker.source in ("worker", "page")
    frame = only(network_session, "/collect/from-frame")
    assert frame.frame_url == "http://frame.aivet-third.net/frame.html"
    assert frame.initiator is not None  # from the out-of-process frame's DevTools session


def test_scripts_external_inline_eval_stored_once(
    network_result: AuditOutput, network_session: WebSession
) -> None:
    by_origin: dict[str, list[str]] = {}
    for script in network_session.scripts:
        source = blob(network_result, script.sha256).decode()
        by_origin.setdefault(script.origin, []).append(source)
    assert any("function sendAll" in s for s in by_origin["external"])
    assert any('localStorage.setItem("ls_key"' in s for s in by_origin["inline"])
    assert any("eval-created-code-" in s for s in by_origin["eval"])
    assert any("function-created-code" in s for s in by_origin["eval"])
    assert any('fetch("http://worker.aivet-third.net' in s for s in by_origin.get("worker", []))
    shas = [s.sha256 for s in network_session.scripts]
    assert len(shas) == len(set(shas))
    # aivet's and Playwright's own helpers never show up as the page's code
    everything = "\n".join(s for sources in by_origin.values() for s in sources)
    assert "UtilityScript" not in everything and "contenteditable" not in everything


def test_storage_writes_and_cookies(network_session: WebSession) -> None:
    writes = {(w.origin, w.area, w.key, w.value) for w in network_session.storage_writes}
    assert (SITE, "local", "ls_key", "ls-value") in writes
    assert (SITE, "session", "ss_key", "ss-value") in writes
    assert ("http://frame.aivet-third.net", "local", "frame_key", "frame-value") in writes
    cookies = {c.name: c for c in network_session.cookies}
    assert cookies["script_cookie"].set_by is None
    assert cookies["tp_id"].set_by == f"{SITE}/cookie"
    assert cookies["tp_id"].domain == "www.aivet-test.com"


def test_screenshot_is_a_png(network_result: AuditOutput, network_session: WebSession) -> None:
    assert blob(network_result, network_session.screenshot_sha256).startswith(b"\x89PNG")


def test_service_worker_requests(run_audit: Callable[..., AuditOutput], web_server: object) -> None:
    port = web_server.port  # type: ignore[attr-defined]
    result = run_audit(f"http://localhost:{port}/sw.html", interact="none")
    session = load_session(result)
    request = only(session, "/collect/from-service-worker")
    assert request.source == "service_worker"
    assert request.method == "POST"
