"""Check an audit's chain of custody: every artifact, the manifest, its signature and chain links.

Each problem names exactly what is wrong (which artifact by number and digest,
which manifest, which link) so that a reader knows what to distrust. The
checks only read: verifying never repairs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aivet.store.keys import VerifyKey, decode_signature
from aivet.store.manifest import ManifestArtifact, manifest_artifacts, parse_manifest
from aivet.store.store import AuditRecord, Store

_CHUNK = 1 << 20


@dataclass(frozen=True)
class Problem:
    """One thing that does not hold: a code for programs, a subject and a sentence for people."""

    code: str
    audit_id: str | None
    subject: str
    message: str

    def __str__(self) -> str:
        where = f"{self.audit_id}: " if self.audit_id else ""
        return f"{where}{self.subject}: {self.message}"


@dataclass
class VerifyResult:
    audits: int = 0
    artifacts: int = 0
    links: int = 0
    signatures: int = 0
    unsigned: int = 0
    running: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, code: str, audit_id: str | None, subject: str, message: str) -> None:
        self.problems.append(Problem(code, audit_id, subject, message))


def _short(digest: str | None) -> str:
    return (digest or "none")[:12]


def _hash_file(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def _label(artifact: ManifestArtifact) -> str:
    return f"artifact #{artifact.seq} ({artifact.kind} {_short(artifact.sha256)})"


class _Manifests:
    """Manifest bytes and parsed form, read once per verification."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._cache: dict[str, tuple[bytes | None, dict[str, Any] | None]] = {}

    def get(self, digest: str) -> tuple[bytes | None, dict[str, Any] | None]:
        if digest not in self._cache:
            try:
                data: bytes | None = self.store.blob_path(digest).read_bytes()
            except OSError:
                data = None
            parsed = None
            if data is not None:
                try:
                    parsed = parse_manifest(data)
                except ValueError:
                    parsed = None
            self._cache[digest] = (data, parsed)
        return self._cache[digest]


def verify_audit(
    store: Store,
    record: AuditRecord,
    result: VerifyResult,
    *,
    trusted_key: VerifyKey | None = None,
    manifests: _Manifests | None = None,
) -> None:
    """Check one sealed audit: manifest integrity, index agreement, artifacts, signature."""
    manifests = manifests or _Manifests(store)
    audit_id = record.audit_id
    result.audits += 1
    if record.manifest_sha256 is None:
        result.add(
            "not-sealed",
            audit_id,
            "manifest",
            "the audit is still running or its process has not been recovered; nothing to verify",
        )
        return
    data, manifest = manifests.get(record.manifest_sha256)
    subject = f"manifest {_short(record.manifest_sha256)}"
    if data is None:
        result.add("manifest-missing", audit_id, subject, "the manifest blob is missing")
        return
    actual = hashlib.sha256(data).hexdigest()
    if actual != record.manifest_sha256:
        result.add(
            "manifest-changed",
            audit_id,
            subject,
            f"the manifest was changed: its content hashes to {_short(actual)}",
        )
    if manifest is None:
        result.add("manifest-invalid", audit_id, subject, "the manifest cannot be read")
        return
    _check_signature(record, data, result, trusted_key, store, subject)
    for name, indexed in (
        ("audit_id", record.audit_id),
        ("status", record.status),
        ("kind", record.kind),
        ("target", record.target),
        ("audit_sha256", record.audit_sha256),
        ("session_sha256", record.session_sha256),
    ):
        if manifest.get(name) != indexed:
            result.add(
                "index-mismatch",
                audit_id,
                subject,
                f"{name} is {manifest.get(name)!r} in the manifest but {indexed!r} in the index",
            )
    chain = manifest.get("chain") or {}
    if chain.get("seq") != record.chain_seq:
        result.add(
            "chain-reordered",
            audit_id,
            f"chain link #{record.chain_seq}",
            f"the manifest says it is link #{chain.get('seq')}, the index puts it at "
            f"#{record.chain_seq}",
        )
    try:
        listed = manifest_artifacts(manifest)
    except ValueError as exc:
        result.add("manifest-invalid", audit_id, subject, str(exc))
        return
    _check_artifacts(store, record, listed, result)


def _check_signature(
    record: AuditRecord,
    data: bytes,
    result: VerifyResult,
    trusted_key: VerifyKey | None,
    store: Store,
    subject: str,
) -> None:
    audit_id = record.audit_id
    if record.signature is None:
        if trusted_key is not None:
            result.add(
                "signature-missing",
                audit_id,
                subject,
                f"the manifest is not signed, so key {trusted_key.key_id} cannot vouch for it",
            )
        else:
            result.unsigned += 1
        return
    key = trusted_key or store.store_key(record.key_id or "")
    if key is None:
        result.add(
            "key-unknown",
            audit_id,
            subject,
            f"signed by key {record.key_id}, whose public key is not in the store "
            "(pass it with --public-key)",
        )
        return
    result.signatures += 1
    if not key.verify(decode_signature(record.signature), data):
        signer = f" (the index names key {record.key_id} as signer)" if record.key_id else ""
        result.add(
            "signature-invalid",
            audit_id,
            subject,
            f"the signature does not verify with key {key.key_id}{signer}",
        )


def _check_artifacts(
    store: Store, record: AuditRecord, listed: list[ManifestArtifact], result: VerifyResult
) -> None:
    audit_id = record.audit_id
    for position, artifact in enumerate(listed):
        if artifact.seq != position:
            result.add(
                "artifact-reordered",
                audit_id,
                _label(artifact),
                f"listed at position {position} of the manifest: the collection order was changed",
            )
    indexed = store.indexed_artifacts(record)
    by_seq = {a.seq: a for a in indexed}
    for artifact in listed:
        other = by_seq.pop(artifact.seq, None)
        if other is None:
            result.add(
                "index-mismatch", audit_id, _label(artifact), "is in the manifest, not the index"
            )
        elif other != artifact:
            result.add(
                "index-mismatch",
                audit_id,
                _label(artifact),
                f"the index lists #{other.seq} as {other.kind} {_short(other.sha256)} "
                f"({other.size} bytes): reordered or replaced",
            )
    for other in by_seq.values():
        result.add("index-mismatch", audit_id, _label(other), "is in the index, not the manifest")
    for artifact in listed:
        result.artifacts += 1
        path = store.blob_path(artifact.sha256)
        if not path.is_file():
            result.add("artifact-missing", audit_id, _label(artifact), "the blob is missing")
            continue
        actual = _hash_file(path)
        if actual != artifact.sha256:
            result.add(
                "artifact-changed",
                audit_id,
                _label(artifact),
                f"the blob was changed: its content hashes to {_short(actual)}",
            )
        elif path.stat().st_size != artifact.size:
            result.add(
                "artifact-changed",
                audit_id,
                _label(artifact),
                f"the manifest says {artifact.size} bytes, the blob has {path.stat().st_size}",
            )


def verify_links(
    store: Store,
    result: VerifyResult,
    seqs: Iterable[int] | None = None,
    manifests: _Manifests | None = None,
) -> None:
    """Check chain links: each named link (`seqs`), or the whole chain and its head."""
    manifests = manifests or _Manifests(store)
    head_seq, head_manifest = store.head()
    rows: dict[int, tuple[str, str]] = {}
    if seqs is None:
        rows = {seq: (audit_id, sha) for seq, audit_id, sha in store.chain_rows()}
        wanted = sorted(set(rows) | set(range(1, head_seq + 1)))
        check_head = True
    else:
        wanted = sorted({s for s in seqs if s >= 1})
        check_head = head_seq in wanted or (head_seq + 1) in wanted
        # Only the links asked for and their predecessors: cheap in a store of any size.
        for seq in {n for s in wanted for n in (s - 1, s) if n >= 1}:
            row = store.chain_row(seq)
            if row is not None:
                rows[seq] = row
        if check_head:
            top = store.conn.execute("SELECT max(chain_seq) FROM audits").fetchone()[0]
            if top is not None and int(top) not in rows:
                row = store.chain_row(int(top))
                if row is not None:
                    rows[int(top)] = row
    for seq in wanted:
        row = rows.get(seq)
        if row is None:
            if seq <= head_seq:
                result.add(
                    "chain-gap",
                    None,
                    f"chain link #{seq}",
                    "no audit in the index holds this link: an audit was removed",
                )
            continue
        audit_id, sha = row
        result.links += 1
        _, manifest = manifests.get(sha)
        if manifest is None:
            continue  # reported by the audit check
        chain = manifest.get("chain") or {}
        if manifest.get("store_id") != store.store_id:
            result.add(
                "chain-foreign",
                audit_id,
                f"chain link #{seq}",
                f"the manifest belongs to store {manifest.get('store_id')}, not {store.store_id}",
            )
        previous = chain.get("previous_manifest_sha256")
        if seq == 1:
            if previous is not None:
                result.add(
                    "chain-broken",
                    audit_id,
                    "chain link #1",
                    f"the first manifest names a previous one ({_short(previous)})",
                )
            continue
        before = rows.get(seq - 1)
        if before is None:
            continue  # the gap is reported on its own
        if previous != before[1]:
            result.add(
                "chain-broken",
                audit_id,
                f"chain link #{seq - 1} → #{seq}",
                f"the manifest names previous manifest {_short(previous)}, but link #{seq - 1} "
                f"({before[0]}) is manifest {_short(before[1])}",
            )
    if check_head and head_seq:
        top = max(rows) if rows else 0
        if top != head_seq or (rows.get(head_seq) or ("", None))[1] != head_manifest:
            result.add(
                "chain-head",
                None,
                "chain head",
                f"the store's head is link #{head_seq} (manifest {_short(head_manifest)}), "
                f"but the index ends at link #{top}",
            )


def verify(
    store: Store,
    records: list[AuditRecord] | None = None,
    *,
    trusted_key: VerifyKey | None = None,
) -> VerifyResult:
    """Verify the named audits and the chain links around them, or the whole store."""
    result = VerifyResult()
    manifests = _Manifests(store)
    if records is None:
        offset = 0
        while batch := store.audits(limit=500, offset=offset):
            for record in batch:
                if record.status == "running":
                    result.running += 1  # still collecting: nothing sealed to check yet
                    continue
                verify_audit(store, record, result, trusted_key=trusted_key, manifests=manifests)
            offset += len(batch)
        verify_links(store, result, None, manifests)
        return result
    seqs: set[int] = set()
    for record in records:
        verify_audit(store, record, result, trusted_key=trusted_key, manifests=manifests)
        if record.chain_seq is not None:
            seqs.update({record.chain_seq, record.chain_seq + 1})
    verify_links(store, result, seqs, manifests)
    return result
