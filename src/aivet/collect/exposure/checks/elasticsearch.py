"""Elasticsearch / OpenSearch (9200, plain or TLS): cluster info and index list without credentials?

Requests, each a GET with no credentials:

    GET /
    GET /_cat/indices?format=json&h=index,docs.count,store.size&bytes=b&s=index
                                                   (only if / answered with cluster info)

Decides: `/` answering 200 with `version.number` (and the "You Know, for Search" tagline
or an `opensearch` distribution) is open; 401 with a `security_exception` or a
`Basic realm="security"` / `OpenSearch Security` challenge is auth-required. Reports the
cluster name, version and every index with its document count; never reads a document.
"""

from __future__ import annotations

from collections.abc import Sequence

from aivet.collect.exposure.checks.base import Check, Step, no_answer, preview
from aivet.collect.exposure.http import HttpProber, find_reply
from aivet.collect.exposure.net import Probe
from aivet.exposure_session import NamedCount, ServiceFacts

INDICES = "/_cat/indices?format=json&h=index,docs.count,store.size&bytes=b&s=index"


async def probe(p: Probe, tls: bool) -> None:
    http = HttpProber(p, tls)
    root = await http.get("/")
    info = root.json() if root.status == 200 else None
    if isinstance(info, dict) and isinstance(info.get("version"), dict):
        await http.get(INDICES, cap=262144)


def interpret(steps: Sequence[Step]) -> ServiceFacts:
    root = find_reply(steps, "GET /")
    if root is None or root.status is None:
        return no_answer(steps, "Elasticsearch", "data-store")
    info = root.json()
    facts = ServiceFacts(
        identified=False, service="elasticsearch", product="Elasticsearch", category="data-store"
    )
    challenge = root.header("www-authenticate")
    if root.status == 200 and isinstance(info, dict) and isinstance(info.get("version"), dict):
        version = info["version"]
        if version.get("distribution") == "opensearch":
            facts.product = "OpenSearch"
        elif info.get("tagline") != "You Know, for Search":
            return no_answer(steps, "Elasticsearch", "data-store")
        facts.identified = True
        facts.access = "open"
        facts.version = str(version.get("number", "")) or None
        facts.how = "answered GET / with cluster info without credentials"
        for key in ("cluster_name", "name"):
            if isinstance(info.get(key), str):
                facts.details[key] = info[key]
    elif root.status == 401 and (
        "security_exception" in root.text() or 'realm="security"' in challenge
        or "OpenSearch Security" in challenge
    ):  # fmt: skip
        facts.identified = True
        facts.access = "auth-required"
        if "OpenSearch" in challenge:
            facts.product = "OpenSearch"
        facts.how = f"refused GET /: HTTP 401 {preview(challenge.encode(), 80)}"
    else:
        return no_answer(steps, "Elasticsearch", "data-store")
    indices = find_reply(steps, "GET " + INDICES)
    listing = indices.json() if indices is not None and indices.status == 200 else None
    if isinstance(listing, list):
        for row in listing:
            if isinstance(row, dict) and isinstance(row.get("index"), str):
                count = str(row.get("docs.count"))
                facts.databases.append(
                    NamedCount(row["index"], int(count) if count.isdigit() else None,
                               "documents")
                )  # fmt: skip
    return facts


CHECK = Check(
    name="elasticsearch",
    service="elasticsearch",
    category="data-store",
    ports=(9200,),
    probe=probe,
    interpret=interpret,
    summary="GET / (cluster info), GET /_cat/indices (names and document counts)",
)
