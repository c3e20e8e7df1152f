"""Who is behind a host name: the attribution record shared by audits and the script analyzer.

Kept apart from `aivet.model` so that record modules the audit embeds (`script_record`)
can use it without an import cycle; `aivet.model` re-exports both classes.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class WatchlistHit:
    list_id: str
    list_name: str
    authority: str
    listed_entity: str
    """The name under which the list names the entity (may be a subsidiary)."""
    via: str
    """The entity in the ownership chain that is listed (the receiver itself or a parent)."""
    since: str | None
    source_url: str
    note: str = ""


@dataclass
class Attribution:
    """Who is behind a host name, as far as the intel knows; never guessed."""

    host: str
    registrable_domain: str
    entity_id: str | None = None
    entity_name: str | None = None
    country: str | None = None
    state_owned: bool | None = None
    ownership_chain: list[str] = field(default_factory=list)
    """Entity names from the receiver up to its ultimate parent."""
    watchlists: list[WatchlistHit] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    layer: str | None = None
    """Where the owner comes from: `curated` (aivet's sourced data) or an imported layer."""
    hosting_country: str | None = None
    """For an IP address in a published range: the country of the hosting region."""
