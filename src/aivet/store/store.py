"""The local audit store: a SQLite index, content-addressed blobs, sealed manifests in a hash chain.

Layout of a store directory:

    index.sqlite        audits (one row each, summary columns for listing), artifacts, meta
    blobs/<sha256>      every evidence blob, manifest and audit JSON, named by its SHA-256
    runs/<id>.jsonl     the artifact journal of an audit still running (one line per blob)
    keys/<key id>.pub   the public keys that signed manifests here

An audit is registered when it starts; its blobs land in `blobs/` as they are
collected and each is journalled, so a process killed midway leaves its
evidence and the list of it. Sealing writes the manifest, signs it when a key
is given, links it to the previous manifest (the chain) and indexes the
artifacts, in one transaction. A store opened later seals audits whose
process died as `partial`.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sqlite3
import tempfile
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aivet import __version__
from aivet.evidence import Artifact, sha256_hex
from aivet.store.keys import (
    KeyFileError,
    SigningKey,
    VerifyKey,
    encode_signature,
)
from aivet.store.manifest import MANIFEST_FORMAT, ManifestArtifact, canonical_json, parse_manifest

STORE_FORMAT = "aivet-store/1"
INDEX_FILE = "index.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audits (
    id INTEGER PRIMARY KEY,
    audit_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    target TEXT NOT NULL,
    target_host TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'complete', 'partial')),
    status_reasons TEXT NOT NULL DEFAULT '[]',
    started_at TEXT NOT NULL,
    ended_at TEXT,
    sealed_at TEXT,
    configuration TEXT NOT NULL DEFAULT '{}',
    tool_version TEXT NOT NULL,
    intel_sha256 TEXT,
    derived_from TEXT,
    audit_sha256 TEXT,
    session_sha256 TEXT,
    manifest_sha256 TEXT,
    chain_seq INTEGER UNIQUE,
    key_id TEXT,
    signature TEXT,
    findings INTEGER NOT NULL DEFAULT 0,
    critical INTEGER NOT NULL DEFAULT 0,
    high INTEGER NOT NULL DEFAULT 0,
    watchlisted TEXT NOT NULL DEFAULT '',
    destinations INTEGER NOT NULL DEFAULT 0,
    artifact_count INTEGER NOT NULL DEFAULT 0,
    artifact_bytes INTEGER NOT NULL DEFAULT 0,
    pid INTEGER,
    host TEXT,
    proc_start TEXT
);
CREATE INDEX IF NOT EXISTS audits_by_time ON audits (started_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS audits_by_target ON audits (target_host, started_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS audits_running ON audits (status) WHERE status = 'running';
CREATE TABLE IF NOT EXISTS artifacts (
    audit INTEGER NOT NULL REFERENCES audits (id),
    seq INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    media_type TEXT NOT NULL,
    kind TEXT NOT NULL,
    PRIMARY KEY (audit, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS artifacts_by_sha ON artifacts (sha256);
"""

_COLUMNS = (
    "audit_id, kind, target, target_host, status, status_reasons, started_at, ended_at, "
    "sealed_at, tool_version, intel_sha256, derived_from, audit_sha256, session_sha256, "
    "manifest_sha256, chain_seq, key_id, signature, findings, critical, high, watchlisted, "
    "destinations, artifact_count, artifact_bytes, configuration, id"
)


class StoreError(Exception):
    """The store cannot be opened or does not hold what was asked; one line, says which."""


def default_store_path() -> Path:
    """`$AIVET_STORE`, else `$XDG_DATA_HOME/aivet`, else `~/.local/share/aivet`."""
    configured = os.environ.get("AIVET_STORE")
    if configured:
        return Path(configured)
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "aivet"


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def target_host(target: str) -> str:
    try:
        host = urlsplit(target).hostname
    except ValueError:
        host = None
    return (host or target).lower()


@dataclass(frozen=True)
class AuditRecord:
    """One audit as the index lists it: enough to list, find and verify it without opening it."""

    audit_id: str
    kind: str
    target: str
    target_host: str
    status: str
    status_reasons: list[str]
    started_at: str
    ended_at: str | None
    sealed_at: str | None
    tool_version: str
    intel_sha256: str | None
    derived_from: str | None
    audit_sha256: str | None
    session_sha256: str | None
    manifest_sha256: str | None
    chain_seq: int | None
    key_id: str | None
    signature: str | None
    findings: int
    critical: int
    high: int
    watchlisted: list[str]
    destinations: int
    artifact_count: int
    artifact_bytes: int
    configuration: dict[str, Any]
    row_id: int

    @property
    def sealed(self) -> bool:
        return self.manifest_sha256 is not None

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> AuditRecord:
        (
            audit_id, kind, target, host, status, reasons, started, ended, sealed, tool,
            intel, derived, audit_sha, session_sha, manifest_sha, seq, key_id, signature,
            findings, critical, high, watchlisted, destinations, count, size, config, row_id,
        ) = row  # fmt: skip
        return cls(
            audit_id=audit_id,
            kind=kind,
            target=target,
            target_host=host,
            status=status,
            status_reasons=list(json.loads(reasons)),
            started_at=started,
            ended_at=ended,
            sealed_at=sealed,
            tool_version=tool,
            intel_sha256=intel,
            derived_from=derived,
            audit_sha256=audit_sha,
            session_sha256=session_sha,
            manifest_sha256=manifest_sha,
            chain_seq=seq,
            key_id=key_id,
            signature=signature,
            findings=findings,
            critical=critical,
            high=high,
            watchlisted=[w for w in watchlisted.split("\n") if w],
            destinations=destinations,
            artifact_count=count,
            artifact_bytes=size,
            configuration=dict(json.loads(config)),
            row_id=row_id,
        )


@dataclass(frozen=True)
class SealInfo:
    """What only the end of an audit knows; everything else the run recorded when it began."""

    status: str
    status_reasons: list[str]
    ended_at: str
    audit_sha256: str | None = None
    session_sha256: str | None = None
    intel: dict[str, Any] | None = None
    vantage: dict[str, Any] | None = None
    findings: int = 0
    critical: int = 0
    high: int = 0
    watchlisted: tuple[str, ...] = ()
    destinations: int = 0


def _process_start(pid: int) -> str | None:
    """The kernel's start time of a process, so a reused pid is not taken for the old one."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else None


def _process_alive(pid: int, start: str | None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        fields = stat.rsplit(")", 1)[-1].split()
        if fields and fields[0] == "Z":
            return False  # killed, waiting to be reaped
    return start is None or _process_start(pid) in (None, start)


class AuditRun:
    """An audit in progress: journals each artifact as it is stored, then seals the audit."""

    def __init__(self, store: Store, audit_id: str, artifacts: list[ManifestArtifact]) -> None:
        self.store = store
        self.audit_id = audit_id
        self.journal_path = store.runs_dir / f"{audit_id}.jsonl"
        self._artifacts = list(artifacts)
        self._seen = {a.sha256 for a in artifacts}
        self._lock = threading.Lock()
        self._journal = self.journal_path.open("a", encoding="utf-8")
        self.sealed: AuditRecord | None = None

    @property
    def artifacts(self) -> list[ManifestArtifact]:
        with self._lock:
            return list(self._artifacts)

    def record(self, artifact: Artifact) -> None:
        """Journal one stored blob (called from the collector's thread as blobs arrive)."""
        with self._lock:
            if artifact.sha256 in self._seen or self._journal.closed:
                return
            self._seen.add(artifact.sha256)
            entry = ManifestArtifact(
                len(self._artifacts),
                artifact.sha256,
                artifact.size,
                artifact.media_type,
                artifact.kind,
            )
            self._artifacts.append(entry)
            # One line per blob, flushed: a killed process leaves every line written so far.
            self._journal.write(json.dumps(entry.to_json(), sort_keys=True) + "\n")
            self._journal.flush()

    def seal(self, info: SealInfo) -> AuditRecord:
        with self._lock:
            self._journal.close()
            artifacts = list(self._artifacts)
        record = self.store._seal(self.audit_id, artifacts, info)
        with contextlib.suppress(OSError):
            self.journal_path.unlink()
        self.sealed = record
        return record

    def abandon(self, reason: str) -> AuditRecord:
        """Seal what was collected as a partial audit, saying why it stopped."""
        return self.seal(SealInfo(status="partial", status_reasons=[reason], ended_at=utc_now()))

    def close(self) -> None:
        with self._lock:
            self._journal.close()


class Store:
    """One store directory; open with `Store.open(path)`."""

    def __init__(self, root: Path, conn: sqlite3.Connection, signer: SigningKey | None) -> None:
        self.root = root
        self.blobs_dir = root / "blobs"
        self.runs_dir = root / "runs"
        self.keys_dir = root / "keys"
        self.conn = conn
        self.signer = signer
        self.store_id = self._meta("store_id") or ""

    # --- opening ---------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        root: Path,
        *,
        create: bool = True,
        signer: SigningKey | None = None,
        recover: bool = True,
    ) -> Store:
        root = Path(root).expanduser()
        index = root / INDEX_FILE
        if not index.exists() and not create:
            raise StoreError(f"no aivet store at {root} (no {INDEX_FILE})")
        try:
            for sub in ("blobs", "runs", "keys"):
                (root / sub).mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(index, timeout=30, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open store {root}: {exc}") from None
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.executescript(_SCHEMA)
            fmt = conn.execute("SELECT value FROM meta WHERE key='format'").fetchone()
            if fmt is None:
                conn.execute("BEGIN IMMEDIATE")
                if conn.execute("SELECT value FROM meta WHERE key='format'").fetchone() is None:
                    conn.executemany(
                        "INSERT INTO meta (key, value) VALUES (?, ?)",
                        [
                            ("format", STORE_FORMAT),
                            ("store_id", str(uuid.uuid4())),
                            ("created_at", utc_now()),
                        ],
                    )
                conn.execute("COMMIT")
            elif fmt[0] != STORE_FORMAT:
                raise StoreError(
                    f"{index}: store format {fmt[0]!r}, this aivet reads {STORE_FORMAT}"
                )
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StoreError(f"{index}: not a usable aivet index ({exc})") from None
        store = cls(root, conn, signer)
        if recover:
            store.recover_interrupted()
        return store

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return None if row is None else str(row[0])

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One IMMEDIATE transaction: concurrent writers queue instead of failing mid-way."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # --- blobs -----------------------------------------------------------------------

    def blob_path(self, digest: str) -> Path:
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise StoreError(f"not a SHA-256 digest: {digest!r}")
        return self.blobs_dir / digest

    def put_blob(self, data: bytes) -> str:
        digest = sha256_hex(data)
        path = self.blob_path(digest)
        if not path.exists():
            fd, tmp = tempfile.mkstemp(dir=self.blobs_dir, prefix=".tmp-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        return digest

    def read_blob(self, digest: str) -> bytes:
        try:
            return self.blob_path(digest).read_bytes()
        except OSError as exc:
            raise StoreError(f"blob {digest} is missing from {self.blobs_dir}") from exc

    def has_blob(self, digest: str) -> bool:
        return self.blob_path(digest).is_file()

    # --- running and sealing ---------------------------------------------------------

    def begin(
        self,
        *,
        audit_id: str,
        kind: str,
        target: str,
        configuration: dict[str, Any],
        started_at: str | None = None,
        derived_from: str | None = None,
    ) -> AuditRun:
        """Register an audit that starts now; its artifacts are journalled until it is sealed."""
        pid = os.getpid()
        try:
            with self._write() as conn:
                conn.execute(
                    "INSERT INTO audits (audit_id, kind, target, target_host, status, started_at,"
                    " configuration, tool_version, derived_from, pid, host, proc_start)"
                    " VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?)",
                    (
                        audit_id,
                        kind,
                        target,
                        target_host(target),
                        started_at or utc_now(),
                        json.dumps(configuration, sort_keys=True),
                        __version__,
                        derived_from,
                        pid,
                        socket.gethostname(),
                        _process_start(pid),
                    ),
                )
        except sqlite3.IntegrityError:
            raise StoreError(f"audit {audit_id} is already in the store") from None
        return AuditRun(self, audit_id, [])

    def _seal(
        self, audit_id: str, artifacts: list[ManifestArtifact], info: SealInfo
    ) -> AuditRecord:
        row = self._row(audit_id)
        if row is None:
            raise StoreError(f"no audit {audit_id} in {self.root}")
        if row.sealed:
            raise StoreError(f"audit {audit_id} is already sealed")
        derived: dict[str, Any] | None = None
        if row.derived_from:
            parent = self._row(row.derived_from)
            derived = {
                "audit_id": row.derived_from,
                "manifest_sha256": parent.manifest_sha256 if parent else None,
            }
        with self._write() as conn:
            head_seq = int(self._meta("head_seq") or 0)
            head_manifest = self._meta("head_manifest")
            seq = head_seq + 1
            manifest = {
                "format": MANIFEST_FORMAT,
                "store_id": self.store_id,
                "audit_id": audit_id,
                "kind": row.kind,
                "target": row.target,
                "status": info.status,
                "status_reasons": list(info.status_reasons),
                "started_at": row.started_at,
                "ended_at": info.ended_at,
                "sealed_at": utc_now(),
                "tool": {"name": "aivet", "version": row.tool_version},
                "intel": info.intel,
                "configuration": row.configuration,
                "vantage": info.vantage,
                "derived_from": derived,
                "session_sha256": info.session_sha256,
                "audit_sha256": info.audit_sha256,
                "artifacts": [a.to_json() for a in artifacts],
                "chain": {"seq": seq, "previous_manifest_sha256": head_manifest},
            }
            data = canonical_json(manifest)
            manifest_sha = self.put_blob(data)
            key_id = signature = None
            if self.signer is not None:
                key_id = self.signer.key_id
                signature = encode_signature(self.signer.sign(data))
                self._register_public_key(self.signer.verify_key())
            conn.execute(
                "UPDATE audits SET status=?, status_reasons=?, ended_at=?, sealed_at=?,"
                " intel_sha256=?, audit_sha256=?, session_sha256=?, manifest_sha256=?,"
                " chain_seq=?, key_id=?, signature=?, findings=?, critical=?, high=?,"
                " watchlisted=?, destinations=?, artifact_count=?, artifact_bytes=?,"
                " pid=NULL, host=NULL, proc_start=NULL WHERE audit_id=?",
                (
                    info.status,
                    json.dumps(info.status_reasons),
                    info.ended_at,
                    manifest["sealed_at"],
                    (info.intel or {}).get("snapshot_sha256"),
                    info.audit_sha256,
                    info.session_sha256,
                    manifest_sha,
                    seq,
                    key_id,
                    signature,
                    info.findings,
                    info.critical,
                    info.high,
                    "\n".join(info.watchlisted),
                    info.destinations,
                    len(artifacts),
                    sum(a.size for a in artifacts),
                    audit_id,
                ),
            )
            conn.executemany(
                "INSERT INTO artifacts (audit, seq, sha256, size, media_type, kind)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [(row.row_id, a.seq, a.sha256, a.size, a.media_type, a.kind) for a in artifacts],
            )
            conn.executemany(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                [("head_seq", str(seq)), ("head_manifest", manifest_sha)],
            )
        sealed = self._row(audit_id)
        assert sealed is not None
        return sealed

    def _register_public_key(self, key: VerifyKey) -> None:
        path = self.keys_dir / f"{key.key_id}.pub"
        if not path.exists():
            path.write_bytes(key.pem())

    def store_key(self, key_id: str) -> VerifyKey | None:
        """A public key that signed in this store, by id; None when the store has no copy."""
        path = self.keys_dir / f"{key_id}.pub"
        if not path.is_file():
            return None
        try:
            return VerifyKey.load(path)
        except KeyFileError:
            return None

    def recover_interrupted(self) -> list[str]:
        """Seal as partial every audit whose process on this machine died before finishing."""
        rows = self.conn.execute(
            "SELECT audit_id, pid, host, proc_start FROM audits WHERE status='running'"
        ).fetchall()
        here = socket.gethostname()
        recovered = []
        for audit_id, pid, host, start in rows:
            if host != here or pid is None or _process_alive(int(pid), start):
                continue
            journal = self.runs_dir / f"{audit_id}.jsonl"
            artifacts = self._read_journal(journal)
            try:
                ended = datetime.fromtimestamp(journal.stat().st_mtime, UTC)
                ended_at = ended.isoformat(timespec="seconds")
            except OSError:
                ended_at = utc_now()
            reason = (
                f"interrupted: the aivet process (pid {pid}) ended before the audit finished; "
                f"the {len(artifacts)} artifacts it had collected are kept"
            )
            try:
                self._seal(
                    audit_id,
                    artifacts,
                    SealInfo(status="partial", status_reasons=[reason], ended_at=ended_at),
                )
            except StoreError:
                continue  # another process recovered it first
            with contextlib.suppress(OSError):
                journal.unlink()
            recovered.append(audit_id)
        return recovered

    def _read_journal(self, path: Path) -> list[ManifestArtifact]:
        artifacts: list[ManifestArtifact] = []
        seen: set[str] = set()
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError:
            return artifacts
        for line in lines:
            try:
                entry = ManifestArtifact.from_json(json.loads(line))
            except ValueError:
                continue  # the line being written when the process died
            if entry.sha256 in seen or not self.blob_path(entry.sha256).is_file():
                continue
            seen.add(entry.sha256)
            artifacts.append(
                ManifestArtifact(
                    len(artifacts), entry.sha256, entry.size, entry.media_type, entry.kind
                )
            )
        return artifacts

    # --- looking up --------------------------------------------------------------------

    def _row(self, audit_id: str) -> AuditRecord | None:
        row = self.conn.execute(
            f"SELECT {_COLUMNS} FROM audits WHERE audit_id=?", (audit_id,)
        ).fetchone()
        return None if row is None else AuditRecord.from_row(row)

    def get(self, audit_id: str) -> AuditRecord:
        record = self._row(audit_id)
        if record is None:
            raise StoreError(f"no audit {audit_id!r} in {self.root}")
        return record

    def count(self, *, target: str | None = None) -> int:
        if target:
            row = self.conn.execute(
                "SELECT count(*) FROM audits WHERE target_host=?", (target.lower(),)
            ).fetchone()
        else:
            row = self.conn.execute("SELECT count(*) FROM audits").fetchone()
        return int(row[0])

    def audits(
        self, *, limit: int = 20, offset: int = 0, target: str | None = None
    ) -> list[AuditRecord]:
        """Newest first; `target` keeps the audits of one host name."""
        if target:
            rows = self.conn.execute(
                f"SELECT {_COLUMNS} FROM audits WHERE target_host=?"
                " ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?",
                (target.lower(), limit, offset),
            ).fetchall()
        else:
            rows = self.conn.execute(
                f"SELECT {_COLUMNS} FROM audits ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?",
                (limit, offset),
            ).fetchall()
        return [AuditRecord.from_row(r) for r in rows]

    def resolve(self, selector: str) -> AuditRecord:
        """An audit by id, unique id prefix, `latest` or `latest~N` (N audits before the newest)."""
        selector = selector.strip()
        if selector == "latest" or selector.startswith("latest~"):
            back = selector.partition("~")[2] or "0"
            if not back.isdigit():
                raise StoreError(f"{selector!r}: expected latest or latest~N")
            found = self.audits(limit=1, offset=int(back))
            if not found:
                raise StoreError(f"{selector!r}: the store holds {self.count()} audits")
            return found[0]
        exact = self._row(selector)
        if exact is not None:
            return exact
        if not selector or any(c in selector for c in "*?[]"):
            raise StoreError(f"no audit {selector!r} in {self.root}")
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM audits WHERE audit_id GLOB ? ORDER BY audit_id LIMIT 3",
            (selector + "*",),
        ).fetchall()
        if not rows:
            raise StoreError(f"no audit {selector!r} in {self.root} (see aivet history)")
        if len(rows) > 1:
            names = ", ".join(r[0] for r in rows[:2])
            raise StoreError(f"{selector!r} is ambiguous: it starts {names}, …")
        return AuditRecord.from_row(rows[0])

    def previous_of(self, record: AuditRecord) -> AuditRecord | None:
        """The audit of the same host that started before this one (for scheduled diffs)."""
        row = self.conn.execute(
            f"SELECT {_COLUMNS} FROM audits WHERE target_host=? AND kind=? AND id != ?"
            " AND status != 'running' AND (started_at < ? OR (started_at = ? AND id < ?))"
            " ORDER BY started_at DESC, id DESC LIMIT 1",
            (
                record.target_host,
                record.kind,
                record.row_id,
                record.started_at,
                record.started_at,
                record.row_id,
            ),
        ).fetchone()
        return None if row is None else AuditRecord.from_row(row)

    def chain_rows(self) -> list[tuple[int, str, str]]:
        """(seq, audit id, manifest SHA-256) of every sealed audit, in chain order."""
        return [
            (int(seq), str(audit_id), str(manifest))
            for seq, audit_id, manifest in self.conn.execute(
                "SELECT chain_seq, audit_id, manifest_sha256 FROM audits"
                " WHERE chain_seq IS NOT NULL ORDER BY chain_seq"
            )
        ]

    def chain_row(self, seq: int) -> tuple[str, str] | None:
        row = self.conn.execute(
            "SELECT audit_id, manifest_sha256 FROM audits WHERE chain_seq=?", (seq,)
        ).fetchone()
        return None if row is None else (str(row[0]), str(row[1]))

    def head(self) -> tuple[int, str | None]:
        """The chain head: its sequence number and manifest SHA-256 (0, None when empty)."""
        return int(self._meta("head_seq") or 0), self._meta("head_manifest")

    def indexed_artifacts(self, record: AuditRecord) -> list[ManifestArtifact]:
        return [
            ManifestArtifact(int(seq), sha, int(size), media, kind)
            for seq, sha, size, media, kind in self.conn.execute(
                "SELECT seq, sha256, size, media_type, kind FROM artifacts WHERE audit=?"
                " ORDER BY seq",
                (record.row_id,),
            )
        ]

    def manifest(self, record: AuditRecord) -> dict[str, Any]:
        if record.manifest_sha256 is None:
            raise StoreError(f"audit {record.audit_id} is still running: it has no manifest yet")
        try:
            return parse_manifest(self.read_blob(record.manifest_sha256))
        except ValueError as exc:
            raise StoreError(f"manifest of {record.audit_id}: {exc}") from None

    def audit_json(self, record: AuditRecord) -> dict[str, Any]:
        """The stored audit JSON as a dict; StoreError when the audit has none."""
        if record.audit_sha256 is None:
            why = "it is still running" if record.status == "running" else "it was interrupted"
            raise StoreError(f"audit {record.audit_id} has no audit record: {why}")
        try:
            value = json.loads(self.read_blob(record.audit_sha256))
        except json.JSONDecodeError as exc:
            raise StoreError(f"audit JSON of {record.audit_id} is not JSON: {exc}") from None
        if not isinstance(value, dict):
            raise StoreError(f"audit JSON of {record.audit_id} is not an object")
        return value
