"""The demo service: every host the DemoSeek pages use, served from 127.0.0.1.

The browser is started with a host-resolver rule (`resolver_rule(port)`) that
maps every host name to this server, which then answers by the Host header:
the vendor's pages (chat.demoseek.ai) and its second first-party host
(static.demoseek-cdn.com), a library from jsDelivr, Baidu Tongji's tag, and China
Mobile's identity-service log endpoints (log.cmpassport.com). Pages therefore
use the real host names, so attribution is exercised for real, while nothing
leaves the machine. Stdlib only; every request is kept in `received`.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import Any, cast
from urllib.parse import parse_qsl, unquote

CHAT_HOST = "chat.demoseek.ai"
SDK_HOST = "static.demoseek-cdn.com"
# Not cdnjs.cloudflare.com: cloudflare.com is HSTS-preloaded in Chromium, so an http://
# URL there is upgraded to https:// and cannot reach a plain-HTTP local server.
CDN_HOST = "cdn.jsdelivr.net"
BAIDU_HOST = "hm.baidu.com"
CMPASSPORT_LOG_HOST = "log.cmpassport.com"
CMPASSPORT_WWW_HOST = "www.cmpassport.com"

DEMO_START_URL = f"http://{CHAT_HOST}/login"
DEMO_CHAT_URL = f"http://{CHAT_HOST}/chat"
DEMO_PRIVACY_URL = f"http://{CHAT_HOST}/privacy"
DEMO_HOSTS: tuple[str, ...] = (
    CHAT_HOST,
    SDK_HOST,
    CDN_HOST,
    BAIDU_HOST,
    CMPASSPORT_LOG_HOST,
    CMPASSPORT_WWW_HOST,
)
# Hosts that take data in: any path answers, a 1x1 GIF for *.gif, CORS for scripts.
BEACON_HOSTS = frozenset({BAIDU_HOST, CMPASSPORT_LOG_HOST, CMPASSPORT_WWW_HOST})

MAX_BODY_BYTES = 1 << 20
SESSION_COOKIE = "ds_session"

# Pages of chat.demoseek.ai that have no file extension in their URL.
PAGE_ROUTES = {
    "/": "login.html",
    "/login": "login.html",
    "/chat": "chat.html",
    "/privacy": "privacy.html",
    "/terms": "terms.html",
}

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".gif": "image/gif",
    ".png": "image/png",
    ".ico": "image/x-icon",
}

PIXEL_GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


def _package_file(*parts: str) -> Path:
    ref = resources.files("aivet.demo").joinpath(*parts)
    if isinstance(ref, Path):
        return ref
    # A zipped install: Traversables still stringify to a usable path for
    # extracted wheels; a real zip import is not supported by the demo.
    return Path(str(ref))


def demo_intel_path() -> Path:
    """The intel overlay naming the demo's fictional vendor (load it with Intel.load)."""
    return _package_file("intel.yaml")


def demo_app_paths() -> list[Path]:
    """The demo vendor's Android and iOS builds (made by demo/build/build_app.py)."""
    return [_package_file("app/DemoSeek.apk"), _package_file("app/DemoSeek.ipa")]


def demo_site_dir() -> Path:
    """The directory holding one sub-directory of static files per host."""
    return _package_file("site")


def resolver_rule(port: int) -> str:
    """Chromium's --host-resolver-rules value that sends every host to the demo server."""
    return f"MAP * 127.0.0.1:{port}"


@dataclass(frozen=True)
class ReceivedRequest:
    """One request as the demo server received it."""

    host: str
    method: str
    path: str
    """The request target as sent: path and query string."""
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict, compare=False)
    time: float = field(default=0.0, compare=False)

    @property
    def path_only(self) -> str:
        """The path without the query string (not percent-decoded)."""
        return self.path.split("?", 1)[0]

    @property
    def query(self) -> dict[str, str]:
        query = self.path.split("?", 1)[1] if "?" in self.path else ""
        return dict(parse_qsl(query, keep_blank_values=True))

    def header(self, name: str) -> str | None:
        """A request header by case-insensitive name."""
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)

    def json(self) -> Any:
        """The body parsed as JSON (raises ValueError if it is not)."""
        return json.loads(self.body)


def host_of(header: str) -> str:
    """The Host header's name, lower-cased, without port or trailing dot."""
    host = header.strip().lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0].rstrip(".") if ":" in host else host.rstrip(".")


def safe_segments(path: str) -> list[str] | None:
    """The URL path (already percent-decoded) as path segments; None if it could escape.

    Refuses `..` and `.` segments, backslashes, NUL, empty inner segments (`//`,
    which joins to an absolute path) and colons (drive letters).
    """
    if not path.startswith("/") or "\\" in path or "\0" in path or "//" in path:
        return None
    segments = path[1:].split("/")
    for seg in segments:
        if seg in (".", "..") or ":" in seg:
            return None
    return segments


@dataclass
class _Reply:
    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)


def _json_reply(status: int, payload: Any, headers: list[tuple[str, str]] | None = None) -> _Reply:
    body = json.dumps(payload, ensure_ascii=False).encode()
    return _Reply(status, body, "application/json; charset=utf-8", headers or [])


def _text_reply(status: int, text: str) -> _Reply:
    return _Reply(status, (text + "\n").encode(), "text/plain; charset=utf-8")


def _parse_body(body: bytes, content_type: str) -> dict[str, Any] | None:
    """A JSON object or a urlencoded form as a dict; None if the body is neither."""
    text = body.decode("utf-8", errors="replace")
    if "application/x-www-form-urlencoded" in content_type:
        return dict(parse_qsl(text, keep_blank_values=True))
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _mask(identity: str) -> str:
    if "@" in identity:
        name, _, domain = identity.partition("@")
        return f"{name[:1]}***@{domain}"
    return f"{identity[:3]}****{identity[-4:]}" if len(identity) >= 8 else "****"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 15

    def version_string(self) -> str:
        return "nginx"

    @property
    def demo(self) -> DemoServer:
        return cast(_HTTPServer, self.server).demo

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the demo keeps its own record in `received`."""

    def do_GET(self) -> None:
        self._handle("GET")

    def do_HEAD(self) -> None:
        self._handle("HEAD")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def do_OPTIONS(self) -> None:
        self._handle("OPTIONS")

    # --- request ----------------------------------------------------------------

    def _read_body(self) -> tuple[bytes, _Reply | None]:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
            return b"", _text_reply(411, "length required")
        raw_length = self.headers.get("Content-Length", "0").strip() or "0"
        if not raw_length.isdigit():
            self.close_connection = True
            return b"", _text_reply(400, "bad content-length")
        length = int(raw_length)
        if length > MAX_BODY_BYTES:
            self.close_connection = True
            return b"", _text_reply(413, f"body over {MAX_BODY_BYTES} bytes")
        return (self.rfile.read(length) if length else b""), None

    def _handle(self, method: str) -> None:
        host = host_of(self.headers.get("Host", ""))
        body, refused = self._read_body()
        self.demo._record(
            ReceivedRequest(
                host=host,
                method=method,
                path=self.path,
                body=body,
                headers=dict(self.headers.items()),
                time=time.time(),
            )
        )
        reply = refused or self._route(host, method, body)
        self._send(reply, head=method == "HEAD")

    def _send(self, reply: _Reply, head: bool) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        if reply.status != 204:
            if reply.content_type:
                self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
        self.send_header("Cache-Control", "no-cache")
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if reply.body and not head and reply.status != 204:
            self.wfile.write(reply.body)

    # --- routing ----------------------------------------------------------------

    def _route(self, host: str, method: str, body: bytes) -> _Reply:
        if host not in DEMO_HOSTS:
            return _text_reply(404, f"unknown host {host!r}")
        if not self.path.startswith("/"):
            return _text_reply(400, "request target must be a path")
        # Not urlsplit: it would read "//etc/passwd" as a host name and a path.
        path = unquote(self.path.split("?", 1)[0].split("#", 1)[0])
        segments = safe_segments(path)
        if segments is None:
            return _text_reply(400, "path refused")
        if host in BEACON_HOSTS:
            return self._beacon(host, method, segments)
        if method == "OPTIONS":
            return self._preflight()
        if host == CHAT_HOST and path.startswith("/api/"):
            return self._api(path, method, body)
        if method not in ("GET", "HEAD"):
            return _Reply(405, b"method not allowed\n", "text/plain", [("Allow", "GET, HEAD")])
        if host == CHAT_HOST and path in PAGE_ROUTES:
            segments = [PAGE_ROUTES[path]]
        reply = self._static(host, segments)
        if host == CDN_HOST:
            reply.headers.append(("Access-Control-Allow-Origin", "*"))
        return reply

    def _static(self, host: str, segments: list[str]) -> _Reply:
        if not segments or segments[-1] == "":
            segments = [*segments[:-1], "index.html"]
        root = (demo_site_dir() / host).resolve()
        target = root.joinpath(*segments).resolve()
        if not target.is_relative_to(root) or not target.is_file():
            return _text_reply(404, "not found")
        content_type = CONTENT_TYPES.get(target.suffix.lower(), "application/octet-stream")
        return _Reply(200, target.read_bytes(), content_type)

    def _cors(self) -> list[tuple[str, str]]:
        origin = self.headers.get("Origin")
        if not origin:
            return [("Access-Control-Allow-Origin", "*")]
        return [
            ("Access-Control-Allow-Origin", origin),
            ("Access-Control-Allow-Credentials", "true"),
            ("Vary", "Origin"),
        ]

    def _preflight(self) -> _Reply:
        requested = self.headers.get("Access-Control-Request-Headers") or "Content-Type"
        return _Reply(
            204,
            headers=[
                *self._cors(),
                ("Access-Control-Allow-Methods", "GET, POST, OPTIONS"),
                ("Access-Control-Allow-Headers", requested),
                ("Access-Control-Max-Age", "600"),
            ],
        )

    def _beacon(self, host: str, method: str, segments: list[str]) -> _Reply:
        if method == "OPTIONS":
            return self._preflight()
        if method in ("GET", "HEAD"):
            reply = self._static(host, segments)
            if reply.status == 200:
                return reply
        if segments and segments[-1].endswith(".gif"):
            return _Reply(200, PIXEL_GIF, "image/gif", self._cors())
        if method == "POST":
            # cmpassport-style success envelope; Baidu's endpoints ignore the body anyway.
            return _json_reply(200, {"resultCode": "103000", "desc": "success"}, self._cors())
        return _Reply(204, headers=self._cors())

    def _api(self, path: str, method: str, body: bytes) -> _Reply:
        content_type = self.headers.get("Content-Type", "")
        if path == "/api/login":
            if method != "POST":
                return _json_reply(405, {"code": 40500, "msg": "use POST"}, [("Allow", "POST")])
            form = _parse_body(body, content_type)
            if form is None:
                return _json_reply(400, {"code": 40000, "msg": "invalid request body"})
            identity = str(form.get("mobile") or form.get("email") or "").strip()
            if not identity:
                return _json_reply(400, {"code": 40001, "msg": "phone number or email required"})
            sid, user = self.demo._open_session(identity)
            cookie = f"{SESSION_COOKIE}={sid}; Path=/; HttpOnly; SameSite=Lax"
            return _json_reply(200, {"code": 0, "msg": "", "data": user}, [("Set-Cookie", cookie)])
        if path == "/api/user":
            if method not in ("GET", "HEAD"):
                return _json_reply(405, {"code": 40500, "msg": "use GET"}, [("Allow", "GET")])
            session = self.demo._session(self._cookie(SESSION_COOKIE))
            if session is None:
                return _json_reply(401, {"code": 40100, "msg": "not logged in"})
            return _json_reply(200, {"code": 0, "msg": "", "data": session})
        if path == "/api/chat":
            if method != "POST":
                return _json_reply(405, {"code": 40500, "msg": "use POST"}, [("Allow", "POST")])
            message = _parse_body(body, content_type)
            prompt = str((message or {}).get("prompt") or "").strip()
            if not prompt:
                return _json_reply(400, {"code": 40002, "msg": "empty prompt"})
            reply = (
                "Hello! I am DemoSeek, a fictional assistant served by aivet's demo. "
                f"I received your message ({len(prompt)} characters); "
                "in this demo it went to chat.demoseek.ai only."
            )
            conversation = str((message or {}).get("conversation_id") or secrets.token_hex(8))
            data = {"reply": reply, "conversation_id": conversation}
            return _json_reply(200, {"code": 0, "msg": "", "data": data})
        return _json_reply(404, {"code": 40400, "msg": "no such API"})

    def _cookie(self, name: str) -> str | None:
        for part in self.headers.get("Cookie", "").split(";"):
            key, _, value = part.strip().partition("=")
            if key == name:
                return value
        return None


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    demo: DemoServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: browsers drop connections mid-response all the time."""


class DemoServer:
    """The demo service on 127.0.0.1 (port 0: any free port), in a daemon thread.

    Use as a context manager, or call start() and stop(). Every request it
    receives is appended to `received`, in arrival order.
    """

    def __init__(self, port: int = 0) -> None:
        self._requested_port = port
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._sessions: dict[str, dict[str, Any]] = {}
        self.received: list[ReceivedRequest] = []

    # --- lifecycle --------------------------------------------------------------

    def start(self) -> DemoServer:
        if self._httpd is not None:
            raise RuntimeError("demo server already started")
        httpd = _HTTPServer(("127.0.0.1", self._requested_port), _Handler)
        httpd.demo = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, name="aivet-demo-server"
        )
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("demo server not started")
        return int(self._httpd.server_address[1])

    @property
    def host_resolver_rule(self) -> str:
        return resolver_rule(self.port)

    # --- what it saw ------------------------------------------------------------

    def requests_to(self, host: str, path: str | None = None) -> list[ReceivedRequest]:
        """Received requests for a host, optionally only those whose path (no query) is `path`."""
        with self._lock:
            seen = list(self.received)
        return [r for r in seen if r.host == host and (path is None or r.path_only == path)]

    def clear(self) -> None:
        with self._lock:
            self.received.clear()

    def _record(self, request: ReceivedRequest) -> None:
        with self._lock:
            self.received.append(request)

    # --- logins -----------------------------------------------------------------

    def _open_session(self, identity: str) -> tuple[str, dict[str, Any]]:
        sid = secrets.token_hex(16)
        user = {
            "token": secrets.token_urlsafe(32),
            "user": {"id": "u" + secrets.token_hex(6), "display": _mask(identity)},
        }
        with self._lock:
            self._sessions[sid] = user
        return sid, user

    def _session(self, sid: str | None) -> dict[str, Any] | None:
        if not sid:
            return None
        with self._lock:
            return self._sessions.get(sid)
