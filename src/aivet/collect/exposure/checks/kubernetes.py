"""Kubernetes API server (6443, TLS): does it serve cluster objects to anonymous clients?

Requests, each a GET with no credentials:

    GET /version
    GET /api/v1/namespaces

Decides: /version (often public) gives the version; /api/v1/namespaces answering 200
with a `NamespaceList` is open; a 401/403 `Status` is auth-required. Reports the
namespace names.
"""

from __future__ import annotations

from collections.abc import Sequence

from aivet.collect.exposure.checks.base import Check, Step, no_answer
from aivet.collect.exposure.http import HttpProber, HttpReply, find_reply
from aivet.collect.exposure.net import Probe
from aivet.exposure_session import NamedCount, ServiceFacts


def is_status(reply: HttpReply) -> bool:
    body = reply.json()
    return isinstance(body, dict) and body.get("kind") == "Status"


async def probe(p: Probe, tls: bool) -> None:
    http = HttpProber(p, tls)
    await http.get("/version")
    await http.get("/api/v1/namespaces", cap=262144)


def interpret(steps: Sequence[Step]) -> ServiceFacts:
    version = find_reply(steps, "GET /version")
    namespaces = find_reply(steps, "GET /api/v1/namespaces")
    info = version.json() if version is not None and version.status == 200 else None
    listing = namespaces.json() if namespaces is not None and namespaces.status == 200 else None
    identified = (isinstance(info, dict) and "gitVersion" in info) or (
        namespaces is not None and (is_status(namespaces) or (isinstance(listing, dict)
                                    and listing.get("kind") == "NamespaceList"))
    )  # fmt: skip
    if not identified:
        return no_answer(steps, "Kubernetes API", "control-api")
    facts = ServiceFacts(
        identified=True, service="kubernetes", product="Kubernetes API server",
        category="control-api",
    )  # fmt: skip
    if isinstance(info, dict) and "gitVersion" in info:
        facts.version = str(info["gitVersion"])
        facts.details["version_public"] = "yes"
    if isinstance(listing, dict) and listing.get("kind") == "NamespaceList":
        facts.access = "open"
        facts.how = "listed namespaces without credentials"
        items = listing.get("items") if isinstance(listing.get("items"), list) else []
        for item in items or []:
            meta = item.get("metadata") if isinstance(item, dict) else None
            if isinstance(meta, dict):
                facts.databases.append(NamedCount(str(meta.get("name", "?")), None, "namespace"))
    elif namespaces is not None and namespaces.status in (401, 403):
        facts.access = "auth-required"
        facts.how = f"refused /api/v1/namespaces: HTTP {namespaces.status}"
    return facts


CHECK = Check(
    name="kubernetes",
    service="kubernetes",
    category="control-api",
    ports=(6443,),
    tls_ports=(6443,),
    probe=probe,
    interpret=interpret,
    summary="GET /version, GET /api/v1/namespaces",
)
