"""Kubelet API (10250, TLS): does a node hand out its pods to anonymous clients?

Request, a GET with no credentials:

    GET /pods

Decides: 200 with a `PodList` is open (with anonymous auth and AlwaysAllow, anyone
can also exec into those pods); 401 `Unauthorized` or 403 is auth-required. Reports
the pods as namespace/name.
"""

from __future__ import annotations

from collections.abc import Sequence

from aivet.collect.exposure.checks.base import Check, Step, no_answer
from aivet.collect.exposure.http import HttpProber, find_reply
from aivet.collect.exposure.net import Probe
from aivet.exposure_session import NamedCount, ServiceFacts


async def probe(p: Probe, tls: bool) -> None:
    await HttpProber(p, tls).get("/pods", cap=262144)


def interpret(steps: Sequence[Step]) -> ServiceFacts:
    reply = find_reply(steps, "GET /pods")
    if reply is None or reply.status is None:
        return no_answer(steps, "kubelet", "control-api")
    body = reply.json()
    facts = ServiceFacts(
        identified=True, service="kubelet", product="Kubernetes kubelet", category="control-api"
    )
    if reply.status == 200 and isinstance(body, dict) and body.get("kind") == "PodList":
        facts.access = "open"
        facts.how = "listed the node's pods without credentials"
        for item in body.get("items") or []:
            meta = item.get("metadata") if isinstance(item, dict) else None
            if isinstance(meta, dict):
                name = f"{meta.get('namespace', '?')}/{meta.get('name', '?')}"
                facts.databases.append(NamedCount(name, None, "pod"))
    elif (reply.status in (401, 403) and reply.text().strip() in ("Unauthorized", "Forbidden")) or (
        reply.status in (401, 403) and "kubelet" in reply.text().lower()
    ):
        facts.access = "auth-required"
        facts.how = f"refused GET /pods: HTTP {reply.status} {reply.text().strip()[:60]}"
    else:
        return no_answer(steps, "kubelet", "control-api")
    return facts


CHECK = Check(
    name="kubelet",
    service="kubelet",
    category="control-api",
    ports=(10250,),
    tls_ports=(10250,),
    probe=probe,
    interpret=interpret,
    summary="GET /pods",
)
