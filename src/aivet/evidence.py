"""Content-addressed evidence: every blob stored once, named by its SHA-256.

The collector writes blobs as it gathers them, so an audit cut short keeps
what it had. Analyzers read blobs back through the same object and never
touch the outside world.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Artifact:
    """One stored blob: its digest, size, media type and what kind of evidence it is."""

    sha256: str
    size: int
    media_type: str
    kind: str


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class EvidenceDir:
    """A directory of blobs named by SHA-256, with an index of what each one is."""

    def __init__(self, root: Path, on_put: Callable[[Artifact], None] | None = None) -> None:
        self.root = root
        self.blobs = root / "blobs"
        self.blobs.mkdir(parents=True, exist_ok=True)
        self._artifacts: dict[str, Artifact] = {}
        self._lock = threading.Lock()
        # Told of each new artifact once its blob is on disk, in order (the store's journal).
        self._on_put = on_put

    def put(self, data: bytes, media_type: str, kind: str) -> Artifact:
        def write(path: Path) -> None:
            # Write then rename so that a crash never leaves a blob whose name lies; the
            # temporary name is per process, as a store's blob directory is shared.
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)

        return self._add(sha256_hex(data), len(data), media_type, kind, write)

    def put_file(self, source: Path, media_type: str, kind: str) -> Artifact:
        """Store a file by streaming it (an app can be hundreds of MB): hash while copying."""
        digest = hashlib.sha256()
        tmp = self.blobs / f"incoming.{os.getpid()}.{threading.get_ident()}.tmp"
        size = 0
        try:
            with source.open("rb") as reader, tmp.open("wb") as writer:
                while chunk := reader.read(1 << 20):
                    digest.update(chunk)
                    writer.write(chunk)
                    size += len(chunk)
            return self._add(
                digest.hexdigest(), size, media_type, kind, lambda path: os.replace(tmp, path)
            )
        finally:
            tmp.unlink(missing_ok=True)

    def _add(
        self, digest: str, size: int, media_type: str, kind: str, place: Callable[[Path], None]
    ) -> Artifact:
        """Record a blob once: `place` puts its bytes at their path unless a blob is there."""
        path = self.path_of(digest)
        with self._lock:
            known = self._artifacts.get(digest)
            if known is not None:
                return known
            if not path.exists():
                place(path)
            artifact = Artifact(digest, size, media_type, kind)
            self._artifacts[digest] = artifact
            if self._on_put is not None:
                self._on_put(artifact)
            return artifact

    def put_json(self, value: Any, kind: str) -> Artifact:
        data = json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False).encode()
        return self.put(data, "application/json", kind)

    def read(self, digest: str) -> bytes:
        return self.path_of(digest).read_bytes()

    def path_of(self, digest: str) -> Path:
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ValueError(f"not a SHA-256 digest: {digest!r}")
        return self.blobs / digest

    def artifacts(self) -> list[Artifact]:
        with self._lock:
            return sorted(self._artifacts.values(), key=lambda a: (a.kind, a.sha256))

    def register_existing(self, artifact: Artifact) -> None:
        """Re-open an evidence directory written earlier (for re-analysis)."""
        with self._lock:
            self._artifacts[artifact.sha256] = artifact
