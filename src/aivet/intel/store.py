"""The user's local intel: a SQLite file holding imported third-party layers and updates.

Kept apart from the curated data shipped with aivet. Each imported layer records where it
came from and under which licence; official list updates record the version fetched. A layer
may carry SDK signatures (Exodus), stored as JSON records that `intel.sdks` reads.
Nothing here ever overrides a curated fact: `Intel` consults a layer only for hosts the
curated data does not claim.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from aivet.intel.ipranges import IpRange

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS layers (
    name TEXT PRIMARY KEY, kind TEXT NOT NULL, title TEXT NOT NULL, source_url TEXT NOT NULL,
    licence TEXT NOT NULL, imported_at TEXT NOT NULL, input_path TEXT NOT NULL,
    input_sha256 TEXT NOT NULL, seq INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS entities (
    layer TEXT NOT NULL, key TEXT NOT NULL, name TEXT NOT NULL, display_name TEXT,
    category TEXT, PRIMARY KEY (layer, key)
);
CREATE TABLE IF NOT EXISTS domains (
    layer TEXT NOT NULL, domain TEXT NOT NULL, entity_key TEXT NOT NULL,
    PRIMARY KEY (layer, domain)
);
CREATE INDEX IF NOT EXISTS domains_entity ON domains (layer, entity_key);
CREATE TABLE IF NOT EXISTS sdk_signatures (
    layer TEXT NOT NULL, id TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY (layer, id)
);
CREATE TABLE IF NOT EXISTS lists (
    list_id TEXT PRIMARY KEY, title TEXT NOT NULL, source_url TEXT NOT NULL,
    licence TEXT NOT NULL, fetched_at TEXT NOT NULL, sha256 TEXT NOT NULL, parties INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS parties (
    list_id TEXT NOT NULL, name TEXT NOT NULL, aliases TEXT NOT NULL, since TEXT,
    program TEXT, remarks TEXT
);
CREATE INDEX IF NOT EXISTS parties_list ON parties (list_id);
CREATE TABLE IF NOT EXISTS matches (
    list_id TEXT NOT NULL, entity_id TEXT NOT NULL, kind TEXT NOT NULL, listed_as TEXT NOT NULL,
    since TEXT
);
CREATE TABLE IF NOT EXISTS ip_ranges (
    layer TEXT NOT NULL, network TEXT NOT NULL, entity_id TEXT NOT NULL, region TEXT,
    country TEXT, service TEXT, source TEXT NOT NULL
);
"""


def default_store_path() -> Path:
    """`$AIVET_INTEL_DB`, else `$XDG_DATA_HOME/aivet/intel.sqlite` (~/.local/share/...)."""
    explicit = os.environ.get("AIVET_INTEL_DB")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "aivet" / "intel.sqlite"


@dataclass(frozen=True)
class Layer:
    name: str
    kind: str
    title: str
    source_url: str
    licence: str
    imported_at: str
    input_path: str
    input_sha256: str
    entities: int = 0
    domains: int = 0


@dataclass(frozen=True)
class ImportedEntity:
    key: str
    name: str
    display_name: str | None
    category: str | None
    domains: tuple[str, ...]


@dataclass(frozen=True)
class ListedParty:
    name: str
    aliases: tuple[str, ...]
    since: str | None
    program: str | None = None
    remarks: str | None = None


@dataclass(frozen=True)
class ListVersion:
    list_id: str
    title: str
    source_url: str
    licence: str
    fetched_at: str
    sha256: str
    parties: int


@dataclass(frozen=True)
class Match:
    list_id: str
    entity_id: str
    kind: str
    """`exact` (applied to attribution) or `alias` (for review only)."""
    listed_as: str
    since: str | None


class StoreError(RuntimeError):
    """The local intel database cannot be read or written (one line, with the path)."""


class LocalStore:
    """A small API over the SQLite file; every write is one transaction."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        if self._conn is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.path)
                conn.executescript(_SCHEMA)
                conn.execute(
                    "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)",
                    (str(SCHEMA_VERSION),),
                )
                conn.commit()  # never leave a write transaction open: other readers would block
            except (OSError, sqlite3.Error) as exc:
                raise StoreError(f"local intel {self.path}: {exc}") from None
            self._conn = conn
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        conn = self._connect()
        try:
            with conn:
                yield conn
        except sqlite3.Error as exc:
            raise StoreError(f"local intel {self.path}: {exc}") from None

    # --- imported layers ---------------------------------------------------------------

    def replace_layer(
        self,
        layer: Layer,
        entities: Iterable[ImportedEntity],
        sdk_signatures: Iterable[tuple[str, str]] = (),
    ) -> Layer:
        """Store a layer, replacing any earlier import of the same name.

        `sdk_signatures`: (id, JSON record) pairs, written in the same transaction.
        """
        with self._tx() as conn:
            seq_row = conn.execute(
                "SELECT seq FROM layers WHERE name = ?", (layer.name,)
            ).fetchone()
            if seq_row is None:
                seq_row = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM layers").fetchone()
            for table in ("entities", "domains", "sdk_signatures"):
                conn.execute(f"DELETE FROM {table} WHERE layer = ?", (layer.name,))
            conn.execute("DELETE FROM layers WHERE name = ?", (layer.name,))
            conn.executemany(
                "INSERT OR REPLACE INTO sdk_signatures VALUES (?, ?, ?)",
                [(layer.name, sig_id, record) for sig_id, record in sdk_signatures],
            )
            n_entities = n_domains = 0
            for entity in entities:
                conn.execute(
                    "INSERT OR REPLACE INTO entities VALUES (?, ?, ?, ?, ?)",
                    (layer.name, entity.key, entity.name, entity.display_name, entity.category),
                )
                n_entities += 1
                rows = [(layer.name, d, entity.key) for d in entity.domains]
                conn.executemany("INSERT OR IGNORE INTO domains VALUES (?, ?, ?)", rows)
                n_domains += len(rows)
            conn.execute(
                "INSERT INTO layers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    layer.name,
                    layer.kind,
                    layer.title,
                    layer.source_url,
                    layer.licence,
                    layer.imported_at,
                    layer.input_path,
                    layer.input_sha256,
                    seq_row[0],
                ),
            )
            n_domains = conn.execute(
                "SELECT COUNT(*) FROM domains WHERE layer = ?", (layer.name,)
            ).fetchone()[0]
        return Layer(**{**layer.__dict__, "entities": n_entities, "domains": n_domains})

    def remove_layer(self, name: str) -> bool:
        with self._tx() as conn:
            for table in ("entities", "domains", "ip_ranges", "sdk_signatures"):
                conn.execute(f"DELETE FROM {table} WHERE layer = ?", (name,))
            return conn.execute("DELETE FROM layers WHERE name = ?", (name,)).rowcount > 0

    def layers(self) -> list[Layer]:
        conn = self._connect()
        rows = conn.execute(
            "SELECT l.name, l.kind, l.title, l.source_url, l.licence, l.imported_at, l.input_path,"
            " l.input_sha256,"
            " (SELECT COUNT(*) FROM entities e WHERE e.layer = l.name),"
            " (SELECT COUNT(*) FROM domains d WHERE d.layer = l.name)"
            " FROM layers l ORDER BY l.seq"
        ).fetchall()
        return [Layer(*row) for row in rows]

    def domain_rows(self) -> list[tuple[str, str, str]]:
        """(domain, layer, entity key) of every layer, earliest import first."""
        conn = self._connect()
        return conn.execute(
            "SELECT d.domain, d.layer, d.entity_key FROM domains d"
            " JOIN layers l ON l.name = d.layer ORDER BY l.seq"
        ).fetchall()

    def sdk_signatures(self) -> list[tuple[str, str]]:
        """(layer, JSON record) of every imported SDK signature, earliest import first."""
        conn = self._connect()
        return conn.execute(
            "SELECT s.layer, s.record FROM sdk_signatures s"
            " JOIN layers l ON l.name = s.layer ORDER BY l.seq, s.id"
        ).fetchall()

    def entity(self, layer: str, key: str) -> ImportedEntity | None:
        conn = self._connect()
        row = conn.execute(
            "SELECT key, name, display_name, category FROM entities WHERE layer = ? AND key = ?",
            (layer, key),
        ).fetchone()
        if row is None:
            return None
        domains = tuple(
            d
            for (d,) in conn.execute(
                "SELECT domain FROM domains INDEXED BY domains_entity"
                " WHERE layer = ? AND entity_key = ? ORDER BY domain",
                (layer, key),
            )
        )
        return ImportedEntity(row[0], row[1], row[2], row[3], domains)

    def entities_named(self, text: str) -> list[tuple[str, str]]:
        """(layer, key) of imported entities whose name or display name is `text` (any case)."""
        conn = self._connect()
        return conn.execute(
            "SELECT layer, key FROM entities WHERE lower(name) = lower(?)"
            " OR lower(display_name) = lower(?)",
            (text, text),
        ).fetchall()

    # --- official list versions --------------------------------------------------------

    def replace_list(self, version: ListVersion, parties: Sequence[ListedParty]) -> None:
        with self._tx() as conn:
            conn.execute("DELETE FROM parties WHERE list_id = ?", (version.list_id,))
            conn.execute("DELETE FROM lists WHERE list_id = ?", (version.list_id,))
            conn.execute(
                "INSERT INTO lists VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    version.list_id,
                    version.title,
                    version.source_url,
                    version.licence,
                    version.fetched_at,
                    version.sha256,
                    len(parties),
                ),
            )
            conn.executemany(
                "INSERT INTO parties VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        version.list_id,
                        p.name,
                        json.dumps(list(p.aliases)),
                        p.since,
                        p.program,
                        p.remarks,
                    )
                    for p in parties
                ],
            )

    def replace_matches(self, list_id: str, matches: Sequence[Match]) -> None:
        """The parties of a fetched list that name intel entities (from `aivet intel update`)."""
        with self._tx() as conn:
            conn.execute("DELETE FROM matches WHERE list_id = ?", (list_id,))
            conn.executemany(
                "INSERT INTO matches VALUES (?, ?, ?, ?, ?)",
                [(list_id, m.entity_id, m.kind, m.listed_as, m.since) for m in matches],
            )

    def matches(self) -> list[Match]:
        conn = self._connect()
        rows = conn.execute(
            "SELECT list_id, entity_id, kind, listed_as, since FROM matches ORDER BY 1, 2"
        ).fetchall()
        return [Match(*row) for row in rows]

    def list_versions(self) -> list[ListVersion]:
        conn = self._connect()
        rows = conn.execute("SELECT * FROM lists ORDER BY list_id").fetchall()
        return [ListVersion(*row) for row in rows]

    def parties(self, list_id: str) -> list[ListedParty]:
        conn = self._connect()
        rows = conn.execute(
            "SELECT name, aliases, since, program, remarks FROM parties WHERE list_id = ?",
            (list_id,),
        ).fetchall()
        return [ListedParty(r[0], tuple(json.loads(r[1])), r[2], r[3], r[4]) for r in rows]

    # --- IP ranges -----------------------------------------------------------------------

    def replace_ip_ranges(self, layer: str, ranges: Sequence[IpRange]) -> None:
        with self._tx() as conn:
            conn.execute("DELETE FROM ip_ranges WHERE layer = ?", (layer,))
            conn.executemany(
                "INSERT INTO ip_ranges VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (layer, r.network, r.entity_id, r.region, r.country, r.service, r.source)
                    for r in ranges
                ],
            )

    def ip_ranges(self) -> list[IpRange]:
        conn = self._connect()
        rows = conn.execute(
            "SELECT network, entity_id, region, country, service, source FROM ip_ranges"
        ).fetchall()
        return [IpRange(*row) for row in rows]

    def digest(self) -> str:
        """SHA-256 over what the store contributes to attribution (layers, lists, ranges)."""
        h = hashlib.sha256()
        for layer in self.layers():
            h.update(f"layer\0{layer.name}\0{layer.input_sha256}\0".encode())
        for version in self.list_versions():
            h.update(f"list\0{version.list_id}\0{version.sha256}\0".encode())
        conn = self._connect()
        for row in conn.execute("SELECT layer, COUNT(*) FROM ip_ranges GROUP BY layer ORDER BY 1"):
            h.update(f"ip\0{row[0]}\0{row[1]}\0".encode())
        return h.hexdigest()
