"""Audit manifests: what was collected, how and by what, in one canonical, hashable document.

A manifest names every artifact of an audit by SHA-256 in the order it was
collected, with the tool version, intel snapshot, configuration, vantage and
times; it also names the manifest sealed before it in the same store, which
makes the store's manifests a hash chain. The bytes that are hashed and
signed are the canonical JSON below, so anyone can recompute them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

MANIFEST_FORMAT = "aivet-manifest/1"


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no whitespace, UTF-8: the one byte form that is hashed and signed."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True)
class ManifestArtifact:
    """One artifact as the manifest lists it: its place in the collection order and its digest."""

    seq: int
    sha256: str
    size: int
    media_type: str
    kind: str

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "sha256": self.sha256,
            "size": self.size,
            "media_type": self.media_type,
            "kind": self.kind,
        }

    @classmethod
    def from_json(cls, data: Any) -> ManifestArtifact:
        if not isinstance(data, dict):
            raise ValueError("artifact entry is not an object")
        try:
            return cls(
                seq=int(data["seq"]),
                sha256=str(data["sha256"]),
                size=int(data["size"]),
                media_type=str(data["media_type"]),
                kind=str(data["kind"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"artifact entry lacks or mangles {exc}") from None


def parse_manifest(data: bytes) -> dict[str, Any]:
    """The manifest as a dict; ValueError when it is not a manifest of a known format."""
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not JSON ({exc})") from None
    if not isinstance(value, dict) or value.get("format") != MANIFEST_FORMAT:
        raise ValueError(f"not an {MANIFEST_FORMAT} document")
    for key in ("audit_id", "artifacts", "chain"):
        if key not in value:
            raise ValueError(f"has no {key!r}")
    if not isinstance(value["artifacts"], list) or not isinstance(value["chain"], dict):
        raise ValueError("artifacts or chain has the wrong type")
    return value


def manifest_artifacts(manifest: dict[str, Any]) -> list[ManifestArtifact]:
    return [ManifestArtifact.from_json(item) for item in manifest["artifacts"]]
