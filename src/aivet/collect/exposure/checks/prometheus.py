"""Prometheus (9090): is the query API open to anyone?

Requests, each a GET with no credentials:

    GET /api/v1/status/buildinfo
    GET /api/v1/targets?state=active        (only if the first answered)

Decides: `{"status":"success"}` from buildinfo is open (metrics, and through the
targets the names and addresses of internal services, are readable); HTTP 401 with a
Basic challenge is auth-required. Reports the version and the scrape jobs with their
target counts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from aivet.collect.exposure.checks.base import Check, Step, no_answer, preview
from aivet.collect.exposure.http import HttpProber, find_reply
from aivet.collect.exposure.net import Probe
from aivet.exposure_session import NamedCount, ServiceFacts

BUILDINFO = "/api/v1/status/buildinfo"
TARGETS = "/api/v1/targets?state=active"


async def probe(p: Probe, tls: bool) -> None:
    http = HttpProber(p, tls)
    info = await http.get(BUILDINFO)
    body = info.json() if info.status == 200 else None
    if isinstance(body, dict) and body.get("status") == "success":
        await http.get(TARGETS, cap=262144)


def interpret(steps: Sequence[Step]) -> ServiceFacts:
    info = find_reply(steps, "GET " + BUILDINFO)
    if info is None or info.status is None:
        return no_answer(steps, "Prometheus", "dashboard")
    body = info.json()
    facts = ServiceFacts(
        identified=True, service="prometheus", product="Prometheus", category="dashboard"
    )
    if info.status == 200 and isinstance(body, dict) and body.get("status") == "success":
        data = body.get("data")
        if isinstance(data, dict):
            facts.version = str(data.get("version", "")) or None
        facts.access = "open"
        facts.how = f"answered {BUILDINFO} without credentials"
    elif info.status == 401 and "basic" in info.header("www-authenticate").lower():
        facts.access = "auth-required"
        facts.how = (
            f"refused {BUILDINFO}: HTTP 401 {preview(info.header('www-authenticate').encode(), 60)}"
        )
        return facts
    else:
        return no_answer(steps, "Prometheus", "dashboard")
    targets = find_reply(steps, "GET " + TARGETS)
    listing = targets.json() if targets is not None and targets.status == 200 else None
    if isinstance(listing, dict) and isinstance(listing.get("data"), dict):
        active = listing["data"].get("activeTargets")
        if isinstance(active, list):
            jobs = Counter(
                str(t.get("labels", {}).get("job", "?")) for t in active if isinstance(t, dict)
            )
            facts.databases = [NamedCount(job, n, "targets") for job, n in sorted(jobs.items())]
            urls = [str(t.get("scrapeUrl", "")) for t in active if isinstance(t, dict)]
            if urls:
                facts.details["scrape_urls"] = "; ".join(urls[:10])
    return facts


CHECK = Check(
    name="prometheus",
    service="prometheus",
    category="dashboard",
    ports=(9090,),
    probe=probe,
    interpret=interpret,
    summary="GET buildinfo, GET active targets",
)
