"""Grafana (3000): are dashboards readable anonymously?

Requests, each a GET with no credentials:

    GET /api/health
    GET /api/search?limit=100               (only if /api/health looks like Grafana)

Decides: /api/health (always public) identifies Grafana and its version; /api/search
answering 200 with a list is open (anonymous access on); 401 is auth-required. Reports
the dashboard titles (never a panel's data).
"""

from __future__ import annotations

from collections.abc import Sequence

from aivet.collect.exposure.checks.base import Check, Step, no_answer
from aivet.collect.exposure.http import HttpProber, find_reply
from aivet.collect.exposure.net import Probe
from aivet.exposure_session import NamedCount, ServiceFacts

HEALTH = "/api/health"
SEARCH = "/api/search?limit=100"


def _is_grafana(body: object) -> bool:
    return isinstance(body, dict) and "database" in body and ("version" in body or "commit" in body)


async def probe(p: Probe, tls: bool) -> None:
    http = HttpProber(p, tls)
    health = await http.get(HEALTH)
    if health.status == 200 and _is_grafana(health.json()):
        await http.get(SEARCH, cap=262144)


def interpret(steps: Sequence[Step]) -> ServiceFacts:
    health = find_reply(steps, "GET " + HEALTH)
    body = health.json() if health is not None and health.status == 200 else None
    if not _is_grafana(body):
        return no_answer(steps, "Grafana", "dashboard")
    assert isinstance(body, dict)
    facts = ServiceFacts(
        identified=True, service="grafana", product="Grafana", category="dashboard",
        version=str(body["version"]) if body.get("version") else None,
    )  # fmt: skip
    search = find_reply(steps, "GET " + SEARCH)
    listing = search.json() if search is not None and search.status == 200 else None
    if isinstance(listing, list):
        facts.access = "open"
        facts.how = f"listed {len(listing)} dashboards and folders without credentials"
        facts.databases = [
            NamedCount(str(item.get("title", "?")), None, str(item.get("type", "")))
            for item in listing
            if isinstance(item, dict)
        ]
    elif search is not None and search.status in (401, 403):
        facts.access = "auth-required"
        facts.how = f"refused {SEARCH}: HTTP {search.status}"
    else:
        facts.how = "answered /api/health; the dashboard search could not be read"
    return facts


CHECK = Check(
    name="grafana",
    service="grafana",
    category="dashboard",
    ports=(3000,),
    probe=probe,
    interpret=interpret,
    summary="GET /api/health, GET /api/search",
)
