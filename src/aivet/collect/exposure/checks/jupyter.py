"""Jupyter Notebook / Jupyter Server (8888): does it run without a token?

Requests, each a GET with no token or cookie:

    GET /api
    GET /api/kernels              (only if /api answered like Jupyter)
    GET /api/contents             (only if /api/kernels answered 200)

Decides: /api (public) gives the version; /api/kernels answering 200 with a list is
open: anyone can start a kernel, i.e. run code on the host. 401/403 is auth-required.
Reports running kernels and the names in the top-level directory (no file is read).
"""

from __future__ import annotations

from collections.abc import Sequence

from aivet.collect.exposure.checks.base import Check, Step, no_answer
from aivet.collect.exposure.http import HttpProber, find_reply
from aivet.collect.exposure.net import Probe
from aivet.exposure_session import NamedCount, ServiceFacts


async def probe(p: Probe, tls: bool) -> None:
    http = HttpProber(p, tls)
    api = await http.get("/api")
    body = api.json() if api.status == 200 else None
    if isinstance(body, dict) and "version" in body:
        kernels = await http.get("/api/kernels")
        if kernels.status == 200:
            await http.get("/api/contents", cap=262144)


def interpret(steps: Sequence[Step]) -> ServiceFacts:
    api = find_reply(steps, "GET /api")
    body = api.json() if api is not None and api.status == 200 else None
    if not isinstance(body, dict) or "version" not in body or len(body) > 3:
        return no_answer(steps, "Jupyter", "control-api")
    facts = ServiceFacts(
        identified=True, service="jupyter", product="Jupyter", category="control-api",
        version=str(body["version"]),
    )  # fmt: skip
    kernels = find_reply(steps, "GET /api/kernels")
    listing = kernels.json() if kernels is not None and kernels.status == 200 else None
    if isinstance(listing, list):
        facts.access = "open"
        facts.how = "listed kernels without a token: anyone can run code on this host"
        facts.details["running_kernels"] = str(len(listing))
        contents = find_reply(steps, "GET /api/contents")
        tree = contents.json() if contents is not None and contents.status == 200 else None
        if isinstance(tree, dict) and isinstance(tree.get("content"), list):
            facts.databases = [
                NamedCount(str(item.get("name", "?")), None, str(item.get("type", "")))
                for item in tree["content"]
                if isinstance(item, dict)
            ]
    elif kernels is not None and kernels.status in (401, 403):
        facts.access = "auth-required"
        facts.how = f"refused /api/kernels without a token: HTTP {kernels.status}"
    return facts


CHECK = Check(
    name="jupyter",
    service="jupyter",
    category="control-api",
    ports=(8888,),
    probe=probe,
    interpret=interpret,
    summary="GET /api, /api/kernels, /api/contents",
)
