"""Load the curated intel (entities, watchlists) and answer offline lookups.

Intel is data: YAML files under `intel/data/` (shipped with the package) plus
any extra files a caller adds (the demo adds its fictional vendor this way).
Every entity and every watchlist membership carries its sources; lookups
never guess: a host no entity claims stays unknown.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from aivet.intel.domains import registrable_domain
from aivet.model import Attribution, WatchlistHit


class IntelError(ValueError):
    """Malformed intel data: the message names the file and the record."""


@dataclass(frozen=True)
class Source:
    url: str
    retrieved: str
    note: str = ""


@dataclass
class Entity:
    id: str
    name: str
    country: str | None
    parent: str | None = None
    aliases: list[str] = field(default_factory=list)
    state_owned: bool | None = None
    domains: list[str] = field(default_factory=list)
    category: str | None = None
    fictional: bool = False
    sources: list[Source] = field(default_factory=list)


@dataclass(frozen=True)
class Membership:
    entity: str
    listed_as: str
    since: str | None
    source: str
    note: str = ""


@dataclass
class Watchlist:
    id: str
    name: str
    authority: str
    url: str
    retrieved: str
    description: str = ""
    members: list[Membership] = field(default_factory=list)


def _sources(raw: Any, where: str) -> list[Source]:
    if not raw:
        raise IntelError(f"{where}: no sources (every intel record needs at least one)")
    out = []
    for item in raw:
        if not isinstance(item, dict) or "url" not in item or "retrieved" not in item:
            raise IntelError(f"{where}: each source needs 'url' and 'retrieved'")
        out.append(Source(str(item["url"]), str(item["retrieved"]), str(item.get("note", ""))))
    return out


def _require(record: dict[str, Any], key: str, where: str) -> Any:
    if key not in record or record[key] in (None, ""):
        raise IntelError(f"{where}: missing '{key}'")
    return record[key]


class Intel:
    """The loaded knowledge base with a domain index for fast host lookups."""

    def __init__(self, entities: Iterable[Entity], watchlists: Iterable[Watchlist], digest: str):
        self.entities: dict[str, Entity] = {}
        self.watchlists: dict[str, Watchlist] = {}
        self.snapshot_sha256 = digest
        self._by_domain: dict[str, str] = {}
        self._memberships: dict[str, list[tuple[Watchlist, Membership]]] = {}
        for entity in entities:
            if entity.id in self.entities:
                raise IntelError(f"entity '{entity.id}' defined twice")
            self.entities[entity.id] = entity
            for domain in entity.domains:
                domain = domain.lower().strip(".")
                owner = self._by_domain.get(domain)
                if owner is not None and owner != entity.id:
                    raise IntelError(f"domain '{domain}' claimed by '{owner}' and '{entity.id}'")
                self._by_domain[domain] = entity.id
        for entity in self.entities.values():
            if entity.parent is not None and entity.parent not in self.entities:
                raise IntelError(f"entity '{entity.id}': unknown parent '{entity.parent}'")
        for entity in self.entities.values():
            self._check_no_cycle(entity)
        for wl in watchlists:
            if wl.id in self.watchlists:
                raise IntelError(f"watchlist '{wl.id}' defined twice")
            self.watchlists[wl.id] = wl
            listed: set[tuple[str, str]] = set()
            for member in wl.members:
                if member.entity not in self.entities:
                    raise IntelError(f"watchlist '{wl.id}': unknown entity '{member.entity}'")
                if (member.entity, member.listed_as) in listed:
                    raise IntelError(f"watchlist '{wl.id}': '{member.listed_as}' listed twice")
                listed.add((member.entity, member.listed_as))
                self._memberships.setdefault(member.entity, []).append((wl, member))

    def _check_no_cycle(self, entity: Entity) -> None:
        seen = {entity.id}
        current = entity
        while current.parent is not None:
            if current.parent in seen:
                raise IntelError(
                    f"entity '{entity.id}': ownership cycle through '{current.parent}'"
                )
            seen.add(current.parent)
            current = self.entities[current.parent]

    # --- loading -----------------------------------------------------------------

    @classmethod
    def load(cls, extra_files: Sequence[Path] = ()) -> Intel:
        """The bundled intel, plus any extra YAML files (same format)."""
        data_dir = resources.files("aivet.intel").joinpath("data")
        texts: list[tuple[str, str]] = []
        for item in sorted(data_dir.iterdir(), key=lambda p: p.name):
            if item.name.endswith((".yaml", ".yml")):
                texts.append((item.name, item.read_text(encoding="utf-8")))
        for path in extra_files:
            texts.append((str(path), Path(path).read_text(encoding="utf-8")))
        return cls.from_texts(texts)

    @classmethod
    def from_texts(cls, texts: Sequence[tuple[str, str]]) -> Intel:
        digest = hashlib.sha256()
        entities: list[Entity] = []
        watchlists: list[Watchlist] = []
        for name, text in texts:
            digest.update(name.rsplit("/", 1)[-1].encode() + b"\0" + text.encode() + b"\0")
            try:
                doc = yaml.safe_load(text) or {}
            except yaml.YAMLError as exc:
                raise IntelError(f"{name}: not valid YAML: {exc}") from None
            if not isinstance(doc, dict):
                raise IntelError(f"{name}: expected a mapping with 'entities' and/or 'watchlists'")
            for i, raw in enumerate(doc.get("entities") or []):
                entities.append(_entity(raw, f"{name}: entities[{i}]"))
            for i, raw in enumerate(doc.get("watchlists") or []):
                watchlists.append(_watchlist(raw, f"{name}: watchlists[{i}]"))
        return cls(entities, watchlists, digest.hexdigest())

    # --- lookups -----------------------------------------------------------------

    def entity_for_host(self, host: str) -> Entity | None:
        """The entity claiming the host or its closest claimed parent domain."""
        host = host.lower().rstrip(".")
        labels = host.split(".")
        for i in range(len(labels) - 1):
            entity_id = self._by_domain.get(".".join(labels[i:]))
            if entity_id is not None:
                return self.entities[entity_id]
        return None

    def chain(self, entity: Entity) -> list[Entity]:
        """The entity, its parent, and so on up to the ultimate parent."""
        out = [entity]
        seen = {entity.id}
        while out[-1].parent is not None and out[-1].parent not in seen:
            parent = self.entities[out[-1].parent]
            seen.add(parent.id)
            out.append(parent)
        return out

    def ultimate_parent(self, entity: Entity) -> Entity:
        return self.chain(entity)[-1]

    def watchlist_hits(self, entity: Entity) -> list[WatchlistHit]:
        """Listings of the entity or of any owner above it, each saying which one is listed."""
        hits = []
        for owner in self.chain(entity):
            for wl, member in self._memberships.get(owner.id, []):
                hits.append(
                    WatchlistHit(
                        list_id=wl.id,
                        list_name=wl.name,
                        authority=wl.authority,
                        listed_entity=member.listed_as,
                        via=owner.name,
                        since=member.since,
                        source_url=member.source,
                        note=member.note,
                    )
                )
        return hits

    def attribute(self, host: str) -> Attribution:
        entity = self.entity_for_host(host)
        attribution = Attribution(host=host, registrable_domain=registrable_domain(host))
        if entity is None:
            return attribution
        chain = self.chain(entity)
        attribution.entity_id = entity.id
        attribution.entity_name = entity.name
        attribution.country = entity.country
        attribution.state_owned = next(
            (e.state_owned for e in chain if e.state_owned is not None), None
        )
        attribution.ownership_chain = [e.name for e in chain]
        attribution.watchlists = self.watchlist_hits(entity)
        attribution.sources = sorted({s.url for e in chain for s in e.sources})
        return attribution


def _entity(raw: Any, where: str) -> Entity:
    if not isinstance(raw, dict):
        raise IntelError(f"{where}: expected a mapping")
    country = raw.get("country")
    if country is not None and not (
        isinstance(country, str) and len(country) == 2 and country.isupper()
    ):
        raise IntelError(f"{where}: country must be an ISO 3166-1 alpha-2 code, not {country!r}")
    if raw.get("state_owned") not in (None, True, False):
        raise IntelError(f"{where}: state_owned must be true or false")
    return Entity(
        id=str(_require(raw, "id", where)),
        name=str(_require(raw, "name", where)),
        country=raw.get("country"),
        parent=raw.get("parent"),
        aliases=[str(a) for a in raw.get("aliases") or []],
        state_owned=raw.get("state_owned"),
        domains=[str(d).lower() for d in raw.get("domains") or []],
        category=raw.get("category"),
        fictional=bool(raw.get("fictional", False)),
        sources=_sources(raw.get("sources"), f"{where} ({raw.get('id')})"),
    )


def _watchlist(raw: Any, where: str) -> Watchlist:
    if not isinstance(raw, dict):
        raise IntelError(f"{where}: expected a mapping")
    wl_id = str(_require(raw, "id", where))
    members = []
    for j, m in enumerate(raw.get("members") or []):
        mwhere = f"{where} ({wl_id}) members[{j}]"
        if not isinstance(m, dict):
            raise IntelError(f"{mwhere}: expected a mapping")
        members.append(
            Membership(
                entity=str(_require(m, "entity", mwhere)),
                listed_as=str(_require(m, "listed_as", mwhere)),
                since=str(m["since"]) if m.get("since") else None,
                source=str(m.get("source") or raw.get("url")),
                note=str(m.get("note", "")),
            )
        )
    return Watchlist(
        id=wl_id,
        name=str(_require(raw, "name", where)),
        authority=str(_require(raw, "authority", where)),
        url=str(_require(raw, "url", where)),
        retrieved=str(_require(raw, "retrieved", where)),
        description=str(raw.get("description", "")),
        members=members,
    )
