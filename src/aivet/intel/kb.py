"""Load the curated intel (entities, watchlists) and answer offline lookups.

Intel is data: YAML files under `intel/data/` (shipped with the package) plus
any extra files a caller adds (the demo adds its fictional vendor this way).
Every entity and every watchlist membership carries its sources; lookups
never guess: a host no entity claims stays unknown.

Beside the curated data, the user's local store (`store.py`) may hold imported third-party
layers (Tracker Radar, Disconnect) and official list updates. A layer is consulted only for
hosts no curated record claims, and its entities keep the layer's name in their id
(`trackerradar:Baidu, Inc.`), source and licence, so an audit always says where a fact
came from.

SDK signatures (`sdks*.yaml`, and signatures imported from Exodus into the store) are read
only when `Intel.sdks` is first used, so a lookup of hosts never pays for them; their text
still counts in `snapshot_sha256`.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from aivet.intel.domains import is_ip_address, registrable_domain
from aivet.intel.ipranges import IpIndex, IpRange, aws_region_country
from aivet.intel.names import NameIndex
from aivet.intel.store import Layer, LocalStore, StoreError, default_store_path
from aivet.model import Attribution, WatchlistHit

if TYPE_CHECKING:  # the SDK module is imported on first use of `Intel.sdks`
    from aivet.intel.sdks import SdkIndex
    from aivet.model import IntelInfo

CURATED = "curated"
SDK_FILE_PREFIX = "sdks"
"""Data files named `sdks*.yaml` hold SDK signatures, parsed lazily by `Intel.sdks`."""
try:  # the C loader parses the bundled YAML several times faster
    _YAML_LOADER: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _YAML_LOADER = yaml.SafeLoader


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
    layer: str = CURATED
    """`curated` (shipped, sourced records) or the name of an imported third-party layer."""


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


class _Entities(Mapping[str, Entity]):
    """Curated entities, plus imported ones fetched from the local store on first use."""

    def __init__(self, intel: Intel) -> None:
        self._intel = intel
        self.curated: dict[str, Entity] = {}
        self.imported: dict[str, Entity] = {}

    def __getitem__(self, key: str) -> Entity:
        found = self.curated.get(key) or self.imported.get(key)
        if found is None and ":" in key:
            found = self._intel._imported_entity(key)
        if found is None:
            raise KeyError(key)
        return found

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        try:
            self[key]
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(self.curated)

    def __len__(self) -> int:
        return len(self.curated)


class Intel:
    """The loaded knowledge base with a domain index for fast host lookups."""

    def __init__(
        self,
        entities: Iterable[Entity],
        watchlists: Iterable[Watchlist],
        digest: str,
        ip_ranges: Iterable[IpRange] = (),
        store: LocalStore | None = None,
        sdk_texts: Sequence[tuple[str, str]] = (),
    ):
        self.entities = _Entities(self)
        """Curated entities by id (iteration and len); imported ids resolve on lookup too."""
        self.watchlists: dict[str, Watchlist] = {}
        self.snapshot_sha256 = digest
        self.store = store
        self._by_domain: dict[str, str] = {}
        self._imported_by_domain: dict[str, str] = {}
        self._layers: dict[str, Layer] = {}
        self._memberships: dict[str, list[tuple[Watchlist, Membership]]] = {}
        self._names = NameIndex()
        self._sdk_texts = list(sdk_texts)
        self._sdk_index: SdkIndex | None = None
        ip_ranges = list(ip_ranges)
        self._ip_index = IpIndex(ip_ranges)
        curated = self.entities.curated
        for entity in entities:
            if entity.id in curated:
                raise IntelError(f"entity '{entity.id}' defined twice")
            curated[entity.id] = entity
            self._names.add(entity.id, entity.name, entity.aliases)
            for domain in entity.domains:
                domain = domain.lower().strip(".")
                owner = self._by_domain.get(domain)
                if owner is not None and owner != entity.id:
                    raise IntelError(f"domain '{domain}' claimed by '{owner}' and '{entity.id}'")
                self._by_domain[domain] = entity.id
        for entity in curated.values():
            if entity.parent is not None and entity.parent not in curated:
                raise IntelError(f"entity '{entity.id}': unknown parent '{entity.parent}'")
        for entity in curated.values():
            self._check_no_cycle(entity)
        for wl in watchlists:
            if wl.id in self.watchlists:
                raise IntelError(f"watchlist '{wl.id}' defined twice")
            self.watchlists[wl.id] = wl
            listed: set[tuple[str, str]] = set()
            for member in wl.members:
                if member.entity not in curated:
                    raise IntelError(f"watchlist '{wl.id}': unknown entity '{member.entity}'")
                if (member.entity, member.listed_as) in listed:
                    raise IntelError(f"watchlist '{wl.id}': '{member.listed_as}' listed twice")
                listed.add((member.entity, member.listed_as))
                self._memberships.setdefault(member.entity, []).append((wl, member))
        for r in ip_ranges:
            if r.entity_id not in curated:
                raise IntelError(f"IP range {r.network}: unknown entity '{r.entity_id}'")
        if store is not None:
            self._attach_store(store)

    def _check_no_cycle(self, entity: Entity) -> None:
        seen = {entity.id}
        current = entity
        while current.parent is not None:
            if current.parent in seen:
                raise IntelError(
                    f"entity '{entity.id}': ownership cycle through '{current.parent}'"
                )
            seen.add(current.parent)
            current = self.entities.curated[current.parent]

    # --- loading -----------------------------------------------------------------

    @classmethod
    def load(cls, extra_files: Sequence[Path] = (), store: Path | bool | None = None) -> Intel:
        """The bundled intel, plus any extra YAML files (same format), plus the local store.

        `store`: None uses the user's local store (`default_store_path()`) when it exists,
        False uses none, a path uses that file.
        """
        data_dir = resources.files("aivet.intel").joinpath("data")
        texts: list[tuple[str, str]] = []
        for item in sorted(data_dir.iterdir(), key=lambda p: p.name):
            if item.name.endswith((".yaml", ".yml")):
                texts.append((item.name, item.read_text(encoding="utf-8")))
        for path in extra_files:
            texts.append((str(path), Path(path).read_text(encoding="utf-8")))
        local: LocalStore | None = None
        if store is None:
            candidate = default_store_path()
            local = LocalStore(candidate) if candidate.is_file() else None
        elif store is not False and store is not True:
            local = LocalStore(Path(store))
        return cls.from_texts(texts, store=local)

    @classmethod
    def from_texts(cls, texts: Sequence[tuple[str, str]], store: LocalStore | None = None) -> Intel:
        digest = hashlib.sha256()
        entities: list[Entity] = []
        watchlists: list[Watchlist] = []
        ranges: list[IpRange] = []
        sdk_texts: list[tuple[str, str]] = []
        for name, text in texts:
            digest.update(name.rsplit("/", 1)[-1].encode() + b"\0" + text.encode() + b"\0")
            if _is_sdk_file(name):
                sdk_texts.append((name, text))
                continue
            try:
                doc = yaml.load(text, Loader=_YAML_LOADER) or {}
            except yaml.YAMLError as exc:
                raise IntelError(f"{name}: not valid YAML: {exc}") from None
            if not isinstance(doc, dict):
                raise IntelError(f"{name}: expected a mapping with 'entities' and/or 'watchlists'")
            for i, raw in enumerate(doc.get("entities") or []):
                entities.append(_entity(raw, f"{name}: entities[{i}]"))
            for i, raw in enumerate(doc.get("watchlists") or []):
                watchlists.append(_watchlist(raw, f"{name}: watchlists[{i}]"))
            for i, raw in enumerate(doc.get("ip_ranges") or []):
                ranges.extend(_ip_ranges(raw, f"{name}: ip_ranges[{i}]"))
        if store is not None:
            try:
                digest.update(b"store\0" + store.digest().encode())
            except StoreError as exc:
                raise IntelError(str(exc)) from None
        return cls(entities, watchlists, digest.hexdigest(), ranges, store, sdk_texts)

    def _attach_store(self, store: LocalStore) -> None:
        """Index the imported layers' domains and the official-update ranges and matches."""
        try:
            self._layers = {layer.name: layer for layer in store.layers()}
            for domain, layer, key in store.domain_rows():
                if domain not in self._by_domain:
                    self._imported_by_domain.setdefault(domain, f"{layer}:{key}")
            self._ip_index.add(r for r in store.ip_ranges() if r.entity_id in self.entities)
            versions = {v.list_id: v for v in store.list_versions()}
            for match in store.matches():
                version = versions.get(match.list_id)
                entity = self.entities.curated.get(match.entity_id)
                if match.kind != "exact" or version is None or entity is None:
                    continue
                if any(wl.id == match.list_id for wl, _ in self._memberships.get(entity.id, [])):
                    continue  # the curated membership already says it, with its sources
                wl = self.watchlists.get(match.list_id) or Watchlist(
                    id=match.list_id,
                    name=version.title,
                    authority="(from aivet intel update)",
                    url=version.source_url,
                    retrieved=version.fetched_at[:10],
                )
                self.watchlists.setdefault(wl.id, wl)
                member = Membership(
                    entity=entity.id,
                    listed_as=match.listed_as,
                    since=match.since,
                    source=version.source_url,
                    note=(
                        f"from the list fetched {version.fetched_at} by `aivet intel update`"
                        f" (sha256 {version.sha256[:12]}), matched by exact legal name;"
                        " not in the curated data"
                    ),
                )
                self._memberships.setdefault(entity.id, []).append((wl, member))
        except StoreError as exc:
            raise IntelError(str(exc)) from None

    def _imported_entity(self, entity_id: str) -> Entity | None:
        cached = self.entities.imported.get(entity_id)
        if cached is not None or self.store is None:
            return cached
        layer_name, _, key = entity_id.partition(":")
        try:
            row = self.store.entity(layer_name, key)
            layer = self._layers.get(layer_name)
        except StoreError:
            return None
        if row is None or layer is None:
            return None
        entity = Entity(
            id=entity_id,
            name=row.name,
            country=None,
            aliases=[row.display_name] if row.display_name else [],
            domains=list(row.domains),
            category=row.category,
            layer=layer_name,
            sources=[
                Source(
                    url=layer.source_url,
                    retrieved=layer.imported_at[:10],
                    note=(
                        f"{layer.title}, imported by the user from {layer.input_path}"
                        f" (sha256 {layer.input_sha256[:12]}); licence: {layer.licence}."
                        " Third-party data, not checked by aivet: no country, parent or"
                        " watchlist facts come from it."
                    ),
                )
            ],
        )
        self.entities.imported[entity_id] = entity
        return entity

    # --- lookups -----------------------------------------------------------------

    def entity_for_host(self, host: str) -> Entity | None:
        """The entity claiming the host or its closest claimed parent domain.

        Curated records first (at any level), then the imported layers; an IP address is
        looked up in the published IP ranges.
        """
        host = host.lower().rstrip(".")
        labels = host.split(".")
        by_domain = self._by_domain
        for i in range(len(labels) - 1):
            entity_id = by_domain.get(".".join(labels[i:]))
            if entity_id is not None:
                return self.entities.curated[entity_id]
        if self._imported_by_domain:
            for i in range(len(labels) - 1):
                imported_id = self._imported_by_domain.get(".".join(labels[i:]))
                if imported_id is not None:
                    return self._imported_entity(imported_id)
        if labels[-1].isdigit() or ":" in host:
            found = self._ip_index.lookup(host)
            if found is not None:
                return self.entities.curated.get(found.entity_id)
        return None

    def ip_range(self, address: str) -> IpRange | None:
        """The published range (operator, region, hosting country) containing an IP address."""
        return self._ip_index.lookup(address)

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

    def memberships(self, entity: Entity) -> list[tuple[Watchlist, Membership]]:
        """The entity's own listings (not its owners')."""
        return list(self._memberships.get(entity.id, []))

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
        host = host.strip().lower().rstrip(".")
        if host.startswith("[") and host.endswith("]"):
            host = host[1:-1]
        attribution = Attribution(host=host, registrable_domain=registrable_domain(host))
        ip = self._ip_index.lookup(host) if is_ip_address(host) else None
        entity = self.entities.curated.get(ip.entity_id) if ip else self.entity_for_host(host)
        if entity is None:
            return attribution
        self._describe(attribution, entity)
        if ip is not None:
            attribution.sources = sorted({*attribution.sources, ip.source})
            attribution.hosting_country = ip.country
        return attribution

    def entity_attribution(self, entity: Entity) -> Attribution:
        """The facts `attribute` gives for a host of this entity, for a receiver known by its
        entity rather than by a host (an SDK recognised in an app's code)."""
        attribution = Attribution(host="", registrable_domain="")
        self._describe(attribution, entity)
        return attribution

    def _describe(self, attribution: Attribution, entity: Entity) -> None:
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
        attribution.layer = entity.layer

    @property
    def sdks(self) -> SdkIndex:
        """SDK signatures (curated, then imported ones the curated do not cover), built on
        first use; raises `IntelError` on a malformed record or an unknown entity."""
        if self._sdk_index is None:
            from aivet.intel.sdks import build_index

            self._sdk_index = build_index(self, self._sdk_texts)
        return self._sdk_index

    def find(self, text: str) -> list[Entity]:
        """Entities by id, legal name or alias (any case, legal forms ignored)."""
        text = text.strip()
        if text in self.entities:
            return [self.entities[text]]
        found = [self.entities.curated[i] for i in self._names.by_name(text)]
        if self.store is not None:
            try:
                for layer, key in self.store.entities_named(text):
                    imported = self._imported_entity(f"{layer}:{key}")
                    if imported is not None:
                        found.append(imported)
            except StoreError:
                pass
        return found

    def children(self, entity: Entity) -> list[Entity]:
        return [e for e in self.entities.curated.values() if e.parent == entity.id]

    def info(self) -> IntelInfo:
        """What an audit records about the intel it was analysed with."""
        from aivet.model import IntelInfo

        return IntelInfo(
            snapshot_sha256=self.snapshot_sha256,
            entities=len(self.entities),
            watchlists=len(self.watchlists),
        )

    @property
    def snapshot_date(self) -> str:
        """The newest `retrieved` date in the curated data: how current the snapshot is."""
        dates = [s.retrieved for e in self.entities.curated.values() for s in e.sources]
        dates += [wl.retrieved for wl in self.watchlists.values()]
        valid = [d for d in dates if _is_iso_date(d)]
        return max(valid) if valid else ""

    def stats(self) -> dict[str, Any]:
        """Counts for `aivet intel stats` and the benchmark."""
        curated = self.entities.curated
        by_category: dict[str, int] = {}
        by_country: dict[str, int] = {}
        for e in curated.values():
            by_category[e.category or "none"] = by_category.get(e.category or "none", 0) + 1
            by_country[e.country or "unknown"] = by_country.get(e.country or "unknown", 0) + 1
        layers = []
        versions = []
        if self.store is not None:
            try:
                layers = [lay.__dict__ for lay in self.store.layers()]
                versions = [v.__dict__ for v in self.store.list_versions()]
            except StoreError:
                pass
        return {
            "snapshot_sha256": self.snapshot_sha256,
            "snapshot_date": self.snapshot_date,
            "curated_entities": len(curated),
            "fictional_entities": sum(1 for e in curated.values() if e.fictional),
            "curated_domains": len(self._by_domain),
            "state_owned_entities": sum(1 for e in curated.values() if e.state_owned),
            "by_category": dict(sorted(by_category.items())),
            "by_country": dict(sorted(by_country.items(), key=lambda kv: (-kv[1], kv[0]))),
            "watchlists": {
                wl.id: sum(1 for ms in self._memberships.values() for w, _ in ms if w.id == wl.id)
                for wl in self.watchlists.values()
            },
            "ip_ranges": self._ip_index.count,
            "imported_domains": len(self._imported_by_domain),
            "layers": layers,
            "list_updates": versions,
            "store": str(self.store.path) if self.store is not None else None,
        }


def _is_sdk_file(name: str) -> bool:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return base.startswith(SDK_FILE_PREFIX) and base.endswith((".yaml", ".yml"))


def _is_iso_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _ip_ranges(raw: Any, where: str) -> list[IpRange]:
    """`ip_ranges:` blocks: one published list (or an excerpt of it) per block."""
    if not isinstance(raw, dict):
        raise IntelError(f"{where}: expected a mapping")
    entity_id = str(_require(raw, "entity", where))
    source = str(_require(raw, "source", where))
    _require(raw, "retrieved", where)
    out = []
    for item in raw.get("networks") or []:
        parts = str(item).split()
        region = parts[1] if len(parts) > 1 else None
        try:
            network = str(ipaddress.ip_network(parts[0], strict=False))
        except (ValueError, IndexError):
            raise IntelError(f"{where}: not a network: {item!r}") from None
        out.append(
            IpRange(
                network=network,
                entity_id=entity_id,
                region=region,
                country=aws_region_country(region) if region and entity_id == "aws" else None,
                service=parts[2] if len(parts) > 2 else None,
                source=source,
            )
        )
    return out


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
