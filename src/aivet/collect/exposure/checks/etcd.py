"""etcd (2379): can anyone read the key space?

Requests, no credentials:

    GET  /version
    POST /v3/kv/range  {"key":"AA==","range_end":"AA==","count_only":true}

The second is the v3 gRPC gateway's Range: a read that returns only the number of
keys (`count_only`), never a key or value. Decides: a `count` in the Range reply is
open; `user name is empty` / `invalid auth token` (auth enabled) or HTTP 401 is
auth-required. Reports the server and cluster versions and the key count.
"""

from __future__ import annotations

from collections.abc import Sequence

from aivet.collect.exposure.checks.base import Check, Step, no_answer, preview
from aivet.collect.exposure.http import HttpProber, find_reply
from aivet.collect.exposure.net import Probe
from aivet.exposure_session import NamedCount, ServiceFacts

RANGE_BODY = b'{"key":"AA==","range_end":"AA==","count_only":true}'


async def probe(p: Probe, tls: bool) -> None:
    http = HttpProber(p, tls)
    version = await http.get("/version")
    info = version.json() if version.status == 200 else None
    if isinstance(info, dict) and "etcdserver" in info:
        await http.get(
            "/v3/kv/range", method="POST", body=RANGE_BODY,
            headers=[("Content-Type", "application/json")],
        )  # fmt: skip


def interpret(steps: Sequence[Step]) -> ServiceFacts:
    version = find_reply(steps, "GET /version")
    info = version.json() if version is not None and version.status == 200 else None
    if not isinstance(info, dict) or "etcdserver" not in info:
        return no_answer(steps, "etcd", "data-store")
    facts = ServiceFacts(
        identified=True, service="etcd", product="etcd", category="data-store",
        version=str(info["etcdserver"]),
    )  # fmt: skip
    if "etcdcluster" in info:
        facts.details["cluster_version"] = str(info["etcdcluster"])
    rng = find_reply(steps, "POST /v3/kv/range")
    answer = rng.json() if rng is not None else None
    if isinstance(answer, dict) and rng is not None and rng.status == 200:
        count = str(answer.get("count", "0"))
        facts.access = "open"
        facts.how = "answered a v3 Range over the whole key space without credentials"
        facts.databases = [NamedCount("keys", int(count) if count.isdigit() else None, "keys")]
    elif rng is not None and (
        rng.status == 401 or "user name is empty" in rng.text() or "auth token" in rng.text()
    ):
        facts.access = "auth-required"
        facts.how = f"refused the Range: HTTP {rng.status} {preview(rng.body, 80)}"
    else:
        facts.how = "answered /version; the key space could not be read"
    return facts


CHECK = Check(
    name="etcd",
    service="etcd",
    category="data-store",
    ports=(2379,),
    tls_ports=(),
    probe=probe,
    interpret=interpret,
    summary="GET /version, count-only Range over all keys",
)
