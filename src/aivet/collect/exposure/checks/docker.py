"""Docker Engine API (2375 plain, 2376 TLS): is the daemon open?

Requests, each a GET with no credentials:

    GET /version
    GET /containers/json?all=1          (only if /version answered like Docker)

Decides: /version answering 200 with `ApiVersion` is open: whoever reaches it can start
a privileged container, i.e. is root on the host. On 2376 a TLS handshake that fails
for want of a client certificate is restricted. Reports the engine version, OS and the
containers' names and images (never their contents).
"""

from __future__ import annotations

from collections.abc import Sequence

from aivet.collect.exposure.checks.base import Check, Step, no_answer, preview
from aivet.collect.exposure.http import HttpProber, find_reply
from aivet.collect.exposure.net import Probe
from aivet.exposure_session import NamedCount, ServiceFacts


async def probe(p: Probe, tls: bool) -> None:
    http = HttpProber(p, tls)
    version = await http.get("/version")
    body = version.json() if version.status == 200 else None
    if isinstance(body, dict) and "ApiVersion" in body:
        await http.get("/containers/json?all=1", cap=262144)


def interpret(steps: Sequence[Step]) -> ServiceFacts:
    version = find_reply(steps, "GET /version")
    if version is None or version.status is None:
        return no_answer(steps, "Docker API", "control-api")
    body = version.json()
    facts = ServiceFacts(
        identified=True, service="docker", product="Docker Engine", category="control-api"
    )
    if version.status == 200 and isinstance(body, dict) and "ApiVersion" in body:
        facts.access = "open"
        facts.version = str(body.get("Version", "")) or None
        facts.how = "answered GET /version without credentials: the daemon is open"
        for key in ("ApiVersion", "Os", "Arch", "KernelVersion"):
            if key in body:
                facts.details[key.lower()] = str(body[key])
    elif version.status in (401, 403) and "docker" in version.header("server").lower():
        facts.access = "auth-required"
        facts.how = f"refused GET /version: HTTP {version.status} {preview(version.body, 60)}"
        return facts
    else:
        return no_answer(steps, "Docker API", "control-api")
    containers = find_reply(steps, "GET /containers/json?all=1")
    listing = containers.json() if containers is not None and containers.status == 200 else None
    if isinstance(listing, list):
        for item in listing:
            if isinstance(item, dict):
                names = item.get("Names") or ["?"]
                name = str(names[0]).lstrip("/") if isinstance(names, list) else str(names)
                facts.databases.append(NamedCount(name, None, f"container {item.get('Image', '')}"))
    return facts


CHECK = Check(
    name="docker",
    service="docker",
    category="control-api",
    ports=(2375, 2376),
    tls_ports=(2376,),
    probe=probe,
    interpret=interpret,
    summary="GET /version, GET /containers/json",
)
