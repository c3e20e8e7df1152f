"""A receiver's owner as audits record it (`HostOwner`), from the intel's attribution.

Shared by every analyzer that names who runs a host or an SDK (exposure, app), so that they
all report the same facts in the same shape.
"""

from __future__ import annotations

from aivet.exposure_session import HostOwner
from aivet.intel.kb import Intel
from aivet.model import Attribution


def owner_of(host: str, intel: Intel) -> HostOwner | None:
    """The owner of a host name or IP address; None when no intel record claims it."""
    return _owner(intel.attribute(host))


def entity_owner(entity_id: str, intel: Intel) -> HostOwner | None:
    """The owner facts of an entity known by id (curated or `layer:key`); None if unknown."""
    entity = intel.entities.get(entity_id)
    return None if entity is None else _owner(intel.entity_attribution(entity))


def _owner(att: Attribution) -> HostOwner | None:
    if att.entity_id is None:
        return None
    return HostOwner(
        entity_id=att.entity_id,
        entity_name=att.entity_name,
        country=att.country,
        state_owned=att.state_owned,
        ownership_chain=list(att.ownership_chain),
        watchlists=[f"{h.list_name} ({h.authority})" for h in att.watchlists],
        sources=list(att.sources),
    )
