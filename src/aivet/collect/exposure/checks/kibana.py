"""Kibana (5601): is it open without a login?

Request, a GET with no credentials:

    GET /api/status

Decides: 200 with `version.number` is open (Kibana's security is off, so whoever
reaches it reads the Elasticsearch data it fronts); 401 is auth-required. Identified by
its JSON or its `kbn-name` header. Reports the version and overall status.
"""

from __future__ import annotations

from collections.abc import Sequence

from aivet.collect.exposure.checks.base import Check, Step, no_answer
from aivet.collect.exposure.http import HttpProber, find_reply
from aivet.collect.exposure.net import Probe
from aivet.exposure_session import ServiceFacts

STATUS = "/api/status"


async def probe(p: Probe, tls: bool) -> None:
    await HttpProber(p, tls).get(STATUS, cap=262144)


def interpret(steps: Sequence[Step]) -> ServiceFacts:
    reply = find_reply(steps, "GET " + STATUS)
    if reply is None or reply.status is None:
        return no_answer(steps, "Kibana", "dashboard")
    body = reply.json()
    is_kibana = bool(reply.header("kbn-name")) or (
        isinstance(body, dict) and isinstance(body.get("version"), dict)
        and "build_hash" in body["version"]
    )  # fmt: skip
    if not is_kibana:
        return no_answer(steps, "Kibana", "dashboard")
    facts = ServiceFacts(identified=True, service="kibana", product="Kibana", category="dashboard")
    if reply.status == 200 and isinstance(body, dict):
        version = body.get("version")
        if isinstance(version, dict):
            facts.version = str(version.get("number", "")) or None
        facts.access = "open"
        facts.how = f"answered {STATUS} without credentials"
        status = body.get("status")
        if isinstance(status, dict):
            overall = status.get("overall")
            if isinstance(overall, dict):
                level = overall.get("level") or overall.get("state")
                if level:
                    facts.details["status"] = str(level)
        if isinstance(body.get("name"), str):
            facts.details["name"] = body["name"]
    elif reply.status in (401, 403):
        facts.access = "auth-required"
        facts.how = f"refused {STATUS}: HTTP {reply.status}"
    else:
        facts.how = f"answered {STATUS} with HTTP {reply.status}"
    return facts


CHECK = Check(
    name="kibana",
    service="kibana",
    category="dashboard",
    ports=(5601,),
    probe=probe,
    interpret=interpret,
    summary="GET /api/status",
)
