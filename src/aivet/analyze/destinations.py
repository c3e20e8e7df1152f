"""Who received what: one destination per host, attributed with intel, split by party.

First and third party are decided by owning entity (up to the ultimate parent),
not by domain string, so a vendor's second domain is still the vendor. A host
no entity claims is "unknown" unless it shares the target's registrable domain.
"""

from __future__ import annotations

from aivet.analyze.leaks import Leak
from aivet.intel.domains import host_of, registrable_domain
from aivet.intel.kb import Intel
from aivet.model import Attribution, Destination, FirstParty, Party
from aivet.web_session import WebSession


def first_party(session: WebSession, intel: Intel) -> FirstParty:
    host = host_of(session.target_url)
    entity = intel.entity_for_host(host)
    return FirstParty(
        host=host,
        registrable_domain=registrable_domain(host),
        entity_id=entity.id if entity else None,
        entity_name=entity.name if entity else None,
    )


def party_of(attribution: Attribution, first: FirstParty, intel: Intel) -> Party:
    if attribution.registrable_domain == first.registrable_domain:
        return "first"
    if attribution.entity_id is None:
        return "unknown"
    if first.entity_id is None:
        return "third"
    ours = intel.ultimate_parent(intel.entities[first.entity_id]).id
    theirs = intel.ultimate_parent(intel.entities[attribution.entity_id]).id
    return "first" if ours == theirs else "third"


def build_destinations(
    session: WebSession, intel: Intel, first: FirstParty, leaks: list[Leak]
) -> list[Destination]:
    by_host: dict[str, Destination] = {}

    def destination(host: str) -> Destination:
        known = by_host.get(host)
        if known is None:
            attribution = intel.attribute(host)
            known = Destination(attribution=attribution, party=party_of(attribution, first, intel))
            by_host[host] = known
        return known

    for request in session.requests:
        host = host_of(request.url)
        if not host:
            continue  # data: and blob: URLs leave nothing on the network
        dest = destination(host)
        dest.requests += 1
        dest.bytes_sent += len(request.url) + request.body_size
        _add(dest.methods, request.method)
        _add(dest.resource_types, request.resource_type)
        if request.remote_ip:
            _add(dest.remote_addresses, f"{request.remote_ip}:{request.remote_port}")
        if "set-cookie" in request.response_headers:
            dest.sets_cookies = True
    for frame in session.websocket_frames:
        if frame.direction == "sent":
            dest = destination(host_of(frame.socket_url))
            dest.websocket_frames_sent += 1
            dest.bytes_sent += frame.size
    for leak in leaks:
        _add(destination(leak.host).canaries, leak.canary.field_kind)
    return sorted(by_host.values(), key=_destination_order)


def _destination_order(dest: Destination) -> tuple[int, int, str]:
    # Watchlisted receivers and canary receivers first, then third parties, then the rest.
    attribution = dest.attribution
    rank = 0 if attribution.watchlists else 1 if dest.canaries else 2
    party_rank = {"third": 0, "unknown": 1, "first": 2}[dest.party]
    return (rank, party_rank, attribution.host)


def _add(items: list[str], item: str) -> None:
    if item not in items:
        items.append(item)
