"""The bundled demo service: hosts, pages, API, safety, and (in Chromium) the SDK's behaviour."""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from aivet.demo import (
    DEMO_CHAT_URL,
    DEMO_HOSTS,
    DEMO_START_URL,
    DemoServer,
    ReceivedRequest,
    demo_intel_path,
    resolver_rule,
)
from aivet.demo.server import MAX_BODY_BYTES, demo_site_dir, host_of, safe_segments
from aivet.intel.kb import Intel

if TYPE_CHECKING:
    from playwright.sync_api import Page

DEMO_DIR = Path(demo_intel_path()).parent
SDK_SOURCE = DEMO_DIR / "build" / "sdk.src.js"
SDK_URL_PATH = "/js/sdk.min.js"


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer() as srv:
        yield srv


Response = tuple[int, dict[str, str], bytes]


def fetch(
    srv: DemoServer,
    host: str,
    path: str,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers={"Host": host, **(headers or {})})
        response = conn.getresponse()
        data = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data
    finally:
        conn.close()


def post_json(srv: DemoServer, host: str, path: str, payload: object, **headers: str) -> Response:
    body = json.dumps(payload).encode()
    return fetch(srv, host, path, "POST", body, {"Content-Type": "application/json", **headers})


# --- module surface ------------------------------------------------------------------


def test_constants() -> None:
    assert DEMO_START_URL == "http://chat.demoseek.ai/login"
    assert DEMO_CHAT_URL == "http://chat.demoseek.ai/chat"
    assert resolver_rule(4321) == "MAP * 127.0.0.1:4321"
    assert {"chat.demoseek.ai", "static.demoseek-cdn.com", "log.cmpassport.com"} <= set(DEMO_HOSTS)


def test_lifecycle_binds_loopback_and_stops() -> None:
    srv = DemoServer()
    with pytest.raises(RuntimeError):
        _ = srv.port
    with srv:
        assert srv.port > 0
        assert srv._httpd is not None and srv._httpd.server_address[0] == "127.0.0.1"
        assert srv.host_resolver_rule == f"MAP * 127.0.0.1:{srv.port}"
        assert fetch(srv, "chat.demoseek.ai", "/login")[0] == 200
        port = srv.port
    srv.stop()  # idempotent
    with pytest.raises(OSError):
        http.client.HTTPConnection("127.0.0.1", port, timeout=2).connect()


def test_intel_overlay_alone() -> None:
    intel = Intel.from_texts([("intel.yaml", demo_intel_path().read_text(encoding="utf-8"))])
    assert list(intel.entities) == ["demoseek"]
    assert intel.attribute("static.demoseek-cdn.com").country == "CN"


def test_intel_overlay_loads_with_bundled_intel() -> None:
    intel = Intel.load([demo_intel_path()])
    entity = intel.entities["demoseek"]
    assert entity.name == "DemoSeek (fictional demo vendor)"
    assert entity.country == "CN" and entity.fictional
    assert entity.sources[0].url == "https://aivet.invalid/demo"
    for host in ("chat.demoseek.ai", "static.demoseek-cdn.com"):
        assert intel.attribute(host).entity_id == "demoseek"


def test_pages_only_name_demo_hosts_over_http() -> None:
    """Every absolute URL in the site is plain http:// to a host the server answers."""
    site = demo_site_dir()
    for path in site.rglob("*"):
        if path.suffix not in (".html", ".js") or path.name == "sdk.min.js":
            continue
        text = path.read_text(encoding="utf-8")
        assert "127.0.0.1" not in text and "localhost" not in text, path
        assert "https://" not in text, path
        for host in re.findall(r"http://([a-z0-9.-]+)", text):
            if host != "www.w3.org":
                assert host in DEMO_HOSTS, (path, host)
    source = SDK_SOURCE.read_text(encoding="utf-8")
    for host in re.findall(r"http://([a-z0-9.-]+)", source):
        assert host in DEMO_HOSTS, host


def test_host_and_path_helpers() -> None:
    assert host_of("Chat.DemoSeek.ai:8080") == "chat.demoseek.ai"
    assert host_of("chat.demoseek.ai.") == "chat.demoseek.ai"
    assert safe_segments("/js/sdk.min.js") == ["js", "sdk.min.js"]
    for bad in ("/../x", "/a/../../x", "/a/./b", "//etc/passwd", "/a\\..\\b", "/C:/x", "x"):
        assert safe_segments(bad) is None, bad


# --- pages and static hosts -------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/login"])
def test_login_page(server: DemoServer, path: str) -> None:
    status, headers, body = fetch(server, "chat.demoseek.ai", path)
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    html = body.decode()
    assert 'type="tel"' in html and 'name="mobile"' in html
    assert 'type="password"' in html and 'name="code"' in html and 'type="email"' in html
    assert ">Log in</button>" in html
    assert ">Accept all</button>" in html and ">Reject all</button>" in html
    assert 'id="onetrust-accept-btn-handler"' in html
    assert 'src="http://static.demoseek-cdn.com/js/sdk.min.js"' in html
    assert "http://hm.baidu.com/hm.js?" in html
    assert "http://cdn.jsdelivr.net/npm/js-cookie@3.0.5/" in html


def test_chat_and_policy_pages(server: DemoServer) -> None:
    status, _, body = fetch(server, "chat.demoseek.ai", "/chat")
    assert status == 200 and 'placeholder="Message DemoSeek"' in body.decode()
    assert "sdk.min.js" not in body.decode()  # the chat page is the control: no SDK
    status, _, body = fetch(server, "chat.demoseek.ai", "/privacy")
    assert status == 200 and "People's Republic of China" in body.decode()
    status, _, body = fetch(server, "chat.demoseek.ai", "/static/chat.js")
    assert status == 200 and b"userToken" in body and b"sessionStorage" in body


@pytest.mark.parametrize(
    ("host", "path", "content_type", "marker"),
    [
        ("chat.demoseek.ai", "/static/app.css", "text/css; charset=utf-8", b"--brand"),
        ("chat.demoseek.ai", "/static/favicon.svg", "image/svg+xml", b"<svg"),
        ("static.demoseek-cdn.com", SDK_URL_PATH, "text/javascript; charset=utf-8", b"function"),
        ("hm.baidu.com", "/hm.js?d5c3f2a1e0b94c8d7a6f5e4d3c2b1a09", "text/javascript", b"hm.gif"),
        (
            "cdn.jsdelivr.net",
            "/npm/js-cookie@3.0.5/dist/js.cookie.min.js",
            "text/javascript",
            b"/*! js-cookie v3.0.5 | MIT */",
        ),
    ],
)
def test_static_files(
    server: DemoServer, host: str, path: str, content_type: str, marker: bytes
) -> None:
    status, headers, body = fetch(server, host, path)
    assert status == 200
    assert headers["content-type"].startswith(content_type)
    assert int(headers["content-length"]) == len(body)
    assert marker in body


def test_head_has_no_body(server: DemoServer) -> None:
    status, headers, body = fetch(server, "chat.demoseek.ai", "/login", "HEAD")
    assert status == 200 and body == b"" and int(headers["content-length"]) > 1000


def test_sdk_is_really_obfuscated(server: DemoServer) -> None:
    _, _, served = fetch(server, "static.demoseek-cdn.com", SDK_URL_PATH)
    assert (
        served == (demo_site_dir() / "static.demoseek-cdn.com" / "js" / "sdk.min.js").read_bytes()
    )
    text = served.decode()
    for plain in ("cmpassport", "getmobile", "logreport", "sendbeacon", "todataurl", "btoa"):
        assert plain not in text.lower(), plain
    # javascript-obfuscator's string array: a function returning the encoded strings.
    assert re.search(r"function _0x[0-9a-f]{4,6}\(\)\{var _0x[0-9a-f]+=\['", text)
    source = SDK_SOURCE.read_text(encoding="utf-8")
    for plain in ("log.cmpassport.com", "/h5/getMobile", "/log/logReport", "sendBeacon", "btoa"):
        assert plain in source, plain


# --- refusals ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "path"),
    [
        ("chat.demoseek.ai", "/nope.html"),
        ("chat.demoseek.ai", "/static/"),
        ("static.demoseek-cdn.com", "/"),
        ("example.com", "/"),
        ("", "/login"),
        ("demoseek.ai", "/login"),
    ],
)
def test_not_found(server: DemoServer, host: str, path: str) -> None:
    assert fetch(server, host, path)[0] == 404


@pytest.mark.parametrize(
    "path",
    [
        "/../server.py",
        "/../../../../etc/passwd",
        "/static/../../server.py",
        "/%2e%2e/server.py",
        "/static/..%2f..%2fserver.py",
        "/%2e%2e%5cserver.py",
        "/..\\server.py",
        "/%2Fetc%2Fpasswd",
        "/C:/Windows/win.ini",
        "http://chat.demoseek.ai/../server.py",
    ],
)
def test_traversal_refused(server: DemoServer, path: str) -> None:
    status, _, body = fetch(server, "chat.demoseek.ai", path)
    assert status == 400
    assert b"import" not in body and b"root:" not in body


def test_double_slash_stays_inside_the_site(server: DemoServer) -> None:
    # http.server itself collapses a leading "//" (CVE-2021-28861), so this is a plain miss.
    status, _, body = fetch(server, "chat.demoseek.ai", "//etc/passwd")
    assert status == 404 and b"root:" not in body


def test_static_hosts_refuse_writes(server: DemoServer) -> None:
    assert fetch(server, "static.demoseek-cdn.com", SDK_URL_PATH, "POST", b"x")[0] == 405


def test_body_size_cap(server: DemoServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.putrequest("POST", "/h5/getMobile", skip_host=True)
        conn.putheader("Host", "log.cmpassport.com")
        conn.putheader("Content-Length", str(MAX_BODY_BYTES + 1))
        conn.endheaders()
        response = conn.getresponse()
        assert response.status == 413
        response.read()
    finally:
        conn.close()
    assert server.received[-1].body == b""


# --- data endpoints ------------------------------------------------------------------------


def test_beacon_hosts_record_everything(server: DemoServer) -> None:
    payload = {"mobile": base64.b64encode(b"13800138000").decode(), "scene": "h5login"}
    status, headers, body = post_json(
        server, "log.cmpassport.com", "/h5/getMobile", payload, Origin="http://chat.demoseek.ai"
    )
    assert status == 200 and json.loads(body)["resultCode"] == "103000"
    assert headers["access-control-allow-origin"] == "http://chat.demoseek.ai"
    got = server.requests_to("log.cmpassport.com", "/h5/getMobile")[-1]
    assert isinstance(got, ReceivedRequest)
    assert (got.host, got.method, got.path) == ("log.cmpassport.com", "POST", "/h5/getMobile")
    assert got.json() == payload

    status, headers, body = fetch(server, "hm.baidu.com", "/hm.gif?si=abc&u=http%3A%2F%2Fx")
    assert status == 200 and headers["content-type"] == "image/gif" and body[:6] == b"GIF89a"
    assert server.requests_to("hm.baidu.com", "/hm.gif")[-1].query["si"] == "abc"

    status, headers, body = fetch(server, "log.cmpassport.com", "/anything/else")
    assert status == 204 and body == b""

    status, headers, _ = fetch(
        server,
        "log.cmpassport.com",
        "/log/logReport",
        "OPTIONS",
        headers={
            "Origin": "http://chat.demoseek.ai",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert status == 204
    assert "POST" in headers["access-control-allow-methods"]
    assert headers["access-control-allow-headers"] == "content-type"


def test_login_user_and_chat_api(server: DemoServer) -> None:
    status, headers, body = post_json(
        server, "chat.demoseek.ai", "/api/login", {"mobile": "13800138000", "password": "x"}
    )
    assert status == 200
    data = json.loads(body)
    assert data["code"] == 0 and len(data["data"]["token"]) >= 32
    assert data["data"]["user"]["display"] == "138****8000"
    cookie = headers["set-cookie"]
    assert cookie.startswith("ds_session=") and "HttpOnly" in cookie
    session = cookie.split(";", 1)[0]

    status, _, body = fetch(server, "chat.demoseek.ai", "/api/user", headers={"Cookie": session})
    assert status == 200 and json.loads(body)["data"]["token"] == data["data"]["token"]
    assert fetch(server, "chat.demoseek.ai", "/api/user")[0] == 401

    status, _, body = post_json(
        server, "chat.demoseek.ai", "/api/chat", {"prompt": "hello", "conversation_id": "c1"}
    )
    assert status == 200
    reply = json.loads(body)["data"]
    assert reply["conversation_id"] == "c1" and "DemoSeek" in reply["reply"]

    assert post_json(server, "chat.demoseek.ai", "/api/chat", {"prompt": " "})[0] == 400
    assert post_json(server, "chat.demoseek.ai", "/api/login", {"password": "x"})[0] == 400
    assert fetch(server, "chat.demoseek.ai", "/api/login", "POST", b"{not json")[0] == 400
    assert fetch(server, "chat.demoseek.ai", "/api/login")[0] == 405
    assert fetch(server, "chat.demoseek.ai", "/api/nope", "POST", b"{}")[0] == 404
    logins = server.requests_to("chat.demoseek.ai", "/api/login")
    assert logins[0].method == "POST" and logins[0].json()["mobile"] == "13800138000"


# --- in a real browser ------------------------------------------------------------------------


def _chromium() -> str | None:
    configured = os.environ.get("AIVET_CHROMIUM")
    if configured:
        return configured
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def _wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.fixture
def browser_page(server: DemoServer) -> Iterator[Page]:
    sync_api = pytest.importorskip("playwright.sync_api")
    executable = _chromium()
    if executable is None:
        pytest.skip("no Chromium (set AIVET_CHROMIUM)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            args=[
                "--no-sandbox",
                f"--host-resolver-rules={resolver_rule(server.port)}",
                "--disable-features=HttpsUpgrades",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        try:
            server.clear()
            yield browser.new_page()
        finally:
            browser.close()


@pytest.mark.browser
def test_browser_sdk_captures_phone_before_submit(server: DemoServer, browser_page: Page) -> None:
    page = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(DEMO_START_URL, wait_until="load")

    def posts(path: str) -> list[ReceivedRequest]:
        return [r for r in server.requests_to("log.cmpassport.com", path) if r.method == "POST"]

    # Fingerprint and page view, on load, with no interaction (the fingerprint's
    # JSON body needs a CORS preflight, so wait for the POST itself).
    assert _wait_for(lambda: bool(posts("/log/logReport")))
    report = posts("/log/logReport")[0]
    fp = report.json()["fp"]
    assert re.fullmatch(r"[0-9a-f]{8}", fp["canvas"])
    assert fp["ua"] == page.evaluate("navigator.userAgent")
    assert fp["tz"] and fp["lang"] and fp["cores"] > 0 and re.match(r"\d+x\d+x\d+", fp["screen"])
    assert _wait_for(lambda: bool(posts("/log/pv")))
    pv = posts("/log/pv")[0]
    assert (pv.header("content-type") or "").startswith("text/plain")  # sendBeacon's string body
    assert json.loads(pv.body)["event"] == "pv"
    assert _wait_for(lambda: bool(server.requests_to("hm.baidu.com", "/hm.gif")))

    # Keystroke capture: the number leaves, base64-encoded, while it is typed.
    phone = "13812345678"
    page.locator("#mobile").click()
    page.keyboard.type(phone, delay=40)

    def mobiles() -> list[str]:
        return [r.json()["mobile"] for r in posts("/h5/getMobile")]

    assert _wait_for(lambda: _b64(phone) in mobiles())
    sent = mobiles()
    assert all(phone.startswith(base64.b64decode(m).decode()) for m in sent)
    assert not server.requests_to("chat.demoseek.ai", "/api/login")  # nothing was submitted
    assert errors == []


@pytest.mark.browser
def test_browser_login_then_chat_control(server: DemoServer, browser_page: Page) -> None:
    page = browser_page
    page.goto(DEMO_START_URL, wait_until="load")
    page.click("#onetrust-reject-all-handler")
    page.locator("#mobile").fill("13900001111")
    page.locator("#password").fill("Pw!secret7")
    page.click("#login-submit")
    page.wait_for_url(DEMO_CHAT_URL)
    assert _wait_for(lambda: page.evaluate("localStorage.getItem('userToken')") is not None)
    token = json.loads(page.evaluate("localStorage.getItem('userToken')"))["value"]
    assert len(token) >= 32
    assert page.evaluate("sessionStorage.getItem('ds_chat_session')")
    assert any(c["name"] == "ds_session" and c["httpOnly"] for c in page.context.cookies())

    before = len(server.received)
    prompt = "my secret prompt 42"
    page.locator("#chat-input").click()
    page.keyboard.type(prompt, delay=10)
    page.wait_for_timeout(400)
    typed_only = server.received[before:]
    assert not any(prompt.encode() in r.body or "secret" in r.path for r in typed_only)
    page.click("#chat-send")
    assert _wait_for(lambda: bool(server.requests_to("chat.demoseek.ai", "/api/chat")))
    chat = server.requests_to("chat.demoseek.ai", "/api/chat")[0]
    assert chat.json()["prompt"] == prompt
    assert chat.header("authorization") == f"Bearer {token}"
    third_party = [r for r in server.received if r.host != "chat.demoseek.ai"]
    assert not any(prompt.encode() in r.body or b"Pw!secret7" in r.body for r in third_party)
    assert not any(_b64("Pw!secret7").encode() in r.body for r in third_party)  # dormant path
