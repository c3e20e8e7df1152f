"""ClickHouse over HTTP (8123 plain, 8443 TLS): does it run SQL without credentials?

This is how Wiz found DeepSeek's database. Requests, each a GET (ClickHouse runs
GET queries read-only), no credentials:

    GET /?query=SELECT%20version()
    GET /?query=SHOW%20DATABASES                                 (only if the first succeeded)
    GET /?query=SELECT%20database%2C%20table%2C%20sum(rows)%20FROM%20system.parts
        %20WHERE%20active%20GROUP%20BY%20database%2C%20table%20ORDER%20BY%201%2C%202
        %20LIMIT%20500%20FORMAT%20TabSeparated                    (row counts from metadata)

Decides: 200 with a version is open; 401/403, or an exception naming authentication
(codes 192-194, 516) is auth-required. Identified as ClickHouse by its
`X-ClickHouse-*` headers or `DB::Exception` bodies. Never reads table contents.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import quote

from aivet.collect.exposure.checks.base import Check, Step, no_answer, preview
from aivet.collect.exposure.http import HttpProber, HttpReply, find_reply
from aivet.collect.exposure.net import Probe
from aivet.exposure_session import NamedCount, ServiceFacts

VERSION_SQL = "SELECT version()"
DATABASES_SQL = "SHOW DATABASES"
ROWS_SQL = (
    "SELECT database, table, sum(rows) FROM system.parts WHERE active "
    "GROUP BY database, table ORDER BY 1, 2 LIMIT 500 FORMAT TabSeparated"
)
_AUTH_CODES = re.compile(r"Code: (192|193|194|516)\b")
_VERSION = re.compile(r"^\d+(\.\d+)+")


def path(sql: str) -> str:
    return "/?query=" + quote(sql, safe="()")


def is_clickhouse(reply: HttpReply) -> bool:
    return any(k.startswith("x-clickhouse-") for k in reply.headers) or (
        b"DB::Exception" in reply.body
    )


async def probe(p: Probe, tls: bool) -> None:
    http = HttpProber(p, tls)
    reply = await http.get(path(VERSION_SQL))
    if reply.status == 200 and _VERSION.match(reply.text().strip()):
        await http.get(path(DATABASES_SQL))
        await http.get(path(ROWS_SQL))


def interpret_replies(steps: Sequence[Step], service_name: str) -> ServiceFacts:
    version = find_reply(steps, "GET " + path(VERSION_SQL))
    if version is None or version.status is None:
        return no_answer(steps, "ClickHouse HTTP", "data-store")
    text = version.text().strip()
    facts = ServiceFacts(
        identified=is_clickhouse(version), service=service_name, product="ClickHouse",
        category="data-store",
    )  # fmt: skip
    if version.status == 200 and _VERSION.match(text) and facts.identified:
        facts.access = "open"
        facts.version = _VERSION.match(text).group(0)  # type: ignore[union-attr]
        facts.how = f"ran `{VERSION_SQL}` without credentials and answered {text[:40]}"
        name = version.header("x-clickhouse-server-display-name")
        if name:
            facts.details["display_name"] = name
    elif version.status in (401, 403) or _AUTH_CODES.search(version.text()):
        realm = version.header("www-authenticate")
        if not (facts.identified or "ClickHouse" in realm):
            return no_answer(steps, "ClickHouse HTTP", "data-store")
        facts.identified = True
        facts.access = "auth-required"
        facts.how = f"refused `{VERSION_SQL}`: HTTP {version.status} {preview(version.body, 100)}"
    elif not facts.identified:
        return no_answer(steps, "ClickHouse HTTP", "data-store")
    else:
        facts.how = f"HTTP {version.status}: {preview(version.body, 100)}"
    rows: dict[str, int] = {}
    tables: list[tuple[int, str]] = []
    counts = find_reply(steps, "GET " + path(ROWS_SQL))
    if counts is not None and counts.status == 200:
        for line in counts.text().splitlines():
            parts = line.split("\t")
            if len(parts) == 3 and parts[2].isdigit():
                rows[parts[0]] = rows.get(parts[0], 0) + int(parts[2])
                tables.append((int(parts[2]), f"{parts[0]}.{parts[1]}"))
    names = find_reply(steps, "GET " + path(DATABASES_SQL))
    if names is not None and names.status == 200:
        for line in names.text().splitlines():
            if line.strip():
                facts.databases.append(NamedCount(line.strip(), rows.get(line.strip()), "rows"))
    if tables:
        tables.sort(reverse=True)
        facts.details["tables"] = str(len(tables))
        facts.details["largest_tables"] = "; ".join(f"{t}: {n} rows" for n, t in tables[:10])
    return facts


def interpret(steps: Sequence[Step]) -> ServiceFacts:
    return interpret_replies(steps, "clickhouse")


CHECK = Check(
    name="clickhouse-http",
    service="clickhouse",
    category="data-store",
    ports=(8123, 8443),
    tls_ports=(8443,),
    probe=probe,
    interpret=interpret,
    summary="SELECT version(), SHOW DATABASES, row counts from system.parts",
)
