"""Web servers (80, 443, 8000, 8080): directory listings, `.git/`, `.env` and backup files.

Requests, each a GET with no credentials, on its own connection:

    GET /                      (a directory listing?)
    GET /.git/HEAD             then GET /.git/config if HEAD looks like git
    GET /.env
    GET /backup.zip  /backup.tar.gz  /backup.sql  /dump.sql  /db.sql  /database.sql
                               with `Range: bytes=0-1023` (only the first KiB is asked
                               for, and the read cap stops a server that ignores Range)

Decides by content, never by status alone (many servers answer 200 to everything):
a listing has an `Index of /` or `Directory listing for /` title; `.git/HEAD` is
`ref: refs/...` or a 40-hex commit; `.env` has `NAME=value` lines and no HTML; a backup
starts with a ZIP or gzip signature or an SQL dump header. Reports git refs and remote
hosts (credentials in a remote URL are flagged, never copied), .env variable NAMES
(never values), and listing entries.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from aivet.collect.exposure.checks.base import Check, Step, no_answer
from aivet.collect.exposure.http import HttpProber, HttpReply, find_reply
from aivet.collect.exposure.net import Probe
from aivet.exposure_session import ExposedPath, ServiceFacts

BACKUPS = ("/backup.zip", "/backup.tar.gz", "/backup.sql", "/dump.sql", "/db.sql", "/database.sql")
RANGE = [("Range", "bytes=0-1023")]
_LISTING_TITLE = re.compile(
    rb"<title>\s*(Index of|Directory listing for) ([^<]{0,200})</title>", re.I
)
_HREF = re.compile(rb'<a href="([^"?#]{1,200})"')
_GIT_HEAD = re.compile(rb"^(ref: refs/[\w./-]+|[0-9a-f]{40})\s*$")
_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=", re.M)
_REMOTE = re.compile(r"^\s*url\s*=\s*(\S+)", re.M)
_SQL_DUMP = re.compile(
    rb"^(\xef\xbb\xbf)?(-- (MySQL|MariaDB) dump|-- PostgreSQL database dump|--\s*\n-- PostgreSQL"
    rb"|CREATE TABLE|INSERT INTO|SET (NAMES|statement_timeout)|/\*!\d+ SET|BEGIN TRANSACTION)",
    re.I,
)


async def probe(p: Probe, tls: bool) -> None:
    http = HttpProber(p, tls)
    root = await http.get("/", cap=262144)
    if root.status is None:
        return  # not a web server: the other requests would tell nothing
    head = await http.get("/.git/HEAD")
    if head.status == 200 and _GIT_HEAD.match(head.body.strip() + b"\n"):
        await http.get("/.git/config")
    await http.get("/.env")
    for path in BACKUPS:
        await http.get(path, headers=RANGE, cap=4096)


def _listing(reply: HttpReply, path: str) -> ExposedPath | None:
    match = _LISTING_TITLE.search(reply.body)
    if reply.status != 200 or match is None:
        return None
    entries = [
        h.decode("utf-8", "replace")
        for h in _HREF.findall(reply.body)
        if not h.startswith((b"/", b"../", b"http:", b"https:", b"?"))
    ]
    return ExposedPath(
        "listing", path, 200, f"directory listing ({len(entries)} entries)", entries[:200]
    )


def _git(steps: Sequence[Step]) -> ExposedPath | None:
    head = find_reply(steps, "GET /.git/HEAD")
    if head is None or head.status != 200 or not _GIT_HEAD.match(head.body.strip() + b"\n"):
        return None
    ref = head.body.strip().decode("latin-1")
    names = [ref]
    detail = f"HEAD is `{ref}`"
    config = find_reply(steps, "GET /.git/config")
    if config is not None and config.status == 200 and b"[core]" in config.body:
        for url in _REMOTE.findall(config.text()):
            parts = urlsplit(url)
            if parts.password or (parts.username and parts.scheme in ("http", "https")):
                names.append(f"remote {parts.hostname}: URL carries credentials")
            else:
                names.append(f"remote {parts.hostname or url.split(':')[0]}")
        detail += "; .git/config readable"
    return ExposedPath("git", "/.git/", 200, detail, names)


def _env(steps: Sequence[Step]) -> ExposedPath | None:
    reply = find_reply(steps, "GET /.env")
    if reply is None or reply.status != 200 or b"<" in reply.body[:200]:
        return None
    text = reply.text()
    names = list(dict.fromkeys(_ENV_LINE.findall(text)))
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not names or len(names) * 2 < len(lines):
        return None
    secret = [
        n for n in names if re.search(r"KEY|SECRET|TOKEN|PASS|PWD|CREDENTIAL|DSN|URL", n, re.I)
    ]
    detail = f"{len(names)} variables" + (f", {len(secret)} named like secrets" if secret else "")
    return ExposedPath("env", "/.env", 200, detail, names[:100])


def _backup(steps: Sequence[Step], path: str) -> ExposedPath | None:
    reply = find_reply(steps, "GET " + path)
    if reply is None or reply.status not in (200, 206):
        return None
    body = reply.body
    if body.startswith(b"PK\x03\x04"):
        kind = "ZIP archive"
    elif body.startswith(b"\x1f\x8b"):
        kind = "gzip archive"
    elif _SQL_DUMP.match(body.lstrip()):
        kind = "SQL dump"
    else:
        return None
    size = reply.header("content-range").rpartition("/")[2] or reply.header("content-length")
    detail = kind + (f", {size} bytes" if size.isdigit() else "")
    return ExposedPath("backup", path, reply.status, detail)


def interpret(steps: Sequence[Step]) -> ServiceFacts:
    root = find_reply(steps, "GET /")
    if root is None or root.status is None:
        return no_answer(steps, "HTTP", "web")
    facts = ServiceFacts(identified=True, service="web", product="HTTP server", category="web")
    server = root.header("server")
    if server:
        facts.product = server[:80]
        facts.details["server"] = server[:200]
    facts.details["root_status"] = str(root.status)
    found = [_listing(root, "/"), _git(steps), _env(steps)]
    found += [_backup(steps, path) for path in BACKUPS]
    facts.paths = [f for f in found if f is not None]
    facts.access = "open" if facts.paths else "restricted"
    if facts.paths:
        facts.how = "served " + ", ".join(f"{p.path} ({p.kind})" for p in facts.paths)
    else:
        facts.how = "served none of the sensitive paths asked for"
    return facts


CHECK = Check(
    name="web",
    service="web",
    category="web",
    ports=(80, 443, 8000, 8080),
    tls_ports=(443,),
    probe=probe,
    interpret=interpret,
    summary="GET /, /.git/HEAD, /.env and six backup names",
)
