"""Parsers for user-supplied third-party tracker data: DuckDuckGo Tracker Radar, Disconnect.

Both are published under CC BY-NC-SA 4.0 (non-commercial); aivet never ships them. A user
imports their own copy into the local intel (`aivet intel import ...`), where it stays a
separate, labelled layer that never overrides the curated facts.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aivet.intel.store import ImportedEntity


class ImportError_(ValueError):
    """The input is not in the expected format (one line naming the file)."""


@dataclass(frozen=True)
class SourceInfo:
    layer: str
    kind: str
    title: str
    source_url: str
    licence: str


TRACKER_RADAR = SourceInfo(
    layer="trackerradar",
    kind="trackerradar",
    title="DuckDuckGo Tracker Radar",
    source_url="https://github.com/duckduckgo/tracker-radar",
    licence="CC BY-NC-SA 4.0 (non-commercial; see the repository's LICENSE)",
)
DISCONNECT = SourceInfo(
    layer="disconnect",
    kind="disconnect",
    title="Disconnect tracking protection lists",
    source_url="https://github.com/disconnectme/disconnect-tracking-protection",
    licence="CC BY-NC-SA 4.0 (non-commercial; see the repository's LICENSE)",
)


def clean_domain(text: str) -> str | None:
    """A lower-case domain name, or None for entries that are not one (paths, blanks)."""
    domain = text.strip().lower().rstrip(".")
    if domain.startswith("*."):
        domain = domain[2:]
    if not domain or "." not in domain or any(c in domain for c in " /:@*?#"):
        return None
    return domain


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportError_(f"{path}: cannot read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ImportError_(f"{path}: not valid JSON: {exc}") from None


class _Builder:
    def __init__(self) -> None:
        self.names: dict[str, str | None] = {}
        self.categories: dict[str, str | None] = {}
        self.domains: dict[str, list[str]] = {}

    def add(
        self,
        key: str,
        domains: Iterable[str],
        *,
        display: str | None = None,
        category: str | None = None,
    ) -> None:
        key = key.strip()
        if not key:
            return
        if key not in self.names or (display and not self.names[key]):
            self.names[key] = display
        if category and not self.categories.get(key):
            self.categories[key] = category
        bucket = self.domains.setdefault(key, [])
        for raw in domains:
            domain = clean_domain(str(raw))
            if domain is not None and domain not in bucket:
                bucket.append(domain)

    def entities(self) -> list[ImportedEntity]:
        return [
            ImportedEntity(
                key=key,
                name=key,
                display_name=self.names.get(key),
                category=self.categories.get(key),
                domains=tuple(self.domains.get(key, ())),
            )
            for key in sorted(self.names)
        ]


def parse_tracker_radar(root: Path) -> tuple[list[ImportedEntity], str]:
    """A Tracker Radar checkout (or its `entities/` folder): entities and domain owners.

    Returns the entities and a SHA-256 over the files read, so the import is versioned.
    """
    root = Path(root)
    if not root.is_dir():
        raise ImportError_(f"{root}: not a directory (give a tracker-radar checkout)")
    entity_dir = root / "entities" if (root / "entities").is_dir() else None
    domain_dirs = sorted(p for p in (root / "domains").glob("*") if p.is_dir())
    if entity_dir is None and not domain_dirs and any(root.glob("*.json")):
        entity_dir = root
    if entity_dir is None and not domain_dirs:
        raise ImportError_(f"{root}: no entities/ or domains/ folder of Tracker Radar found")
    digest = hashlib.sha256()
    builder = _Builder()
    for path in sorted(entity_dir.glob("*.json")) if entity_dir else []:
        doc = _load_json(path)
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
        if not isinstance(doc, dict) or "name" not in doc:
            raise ImportError_(f"{path}: not a Tracker Radar entity file (no 'name')")
        builder.add(str(doc["name"]), doc.get("properties") or [], display=doc.get("displayName"))
    for region_dir in domain_dirs:
        for path in sorted(region_dir.glob("*.json")):
            doc = _load_json(path)
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
            if not isinstance(doc, dict) or "domain" not in doc:
                raise ImportError_(f"{path}: not a Tracker Radar domain file (no 'domain')")
            owner = doc.get("owner") or {}
            if not isinstance(owner, dict) or not owner.get("name"):
                continue  # Tracker Radar knows no owner for this domain: it stays unknown
            categories = doc.get("categories") or []
            builder.add(
                str(owner["name"]),
                [str(doc["domain"])],
                display=owner.get("displayName"),
                category=str(categories[0]) if categories else None,
            )
    return builder.entities(), digest.hexdigest()


def parse_disconnect(path: Path) -> tuple[list[ImportedEntity], str]:
    """Disconnect's `entities.json` (properties and resources) or `services.json`."""
    path = Path(path)
    raw = path.read_bytes() if path.is_file() else None
    if raw is None:
        raise ImportError_(
            f"{path}: no such file (give Disconnect's entities.json or services.json)"
        )
    doc = _load_json(path)
    if not isinstance(doc, dict):
        raise ImportError_(f"{path}: expected a JSON object")
    builder = _Builder()
    if isinstance(doc.get("categories"), dict):
        for category, services in doc["categories"].items():
            for service in services if isinstance(services, list) else []:
                for name, urls in service.items() if isinstance(service, dict) else []:
                    domains: list[str] = []
                    for value in urls.values() if isinstance(urls, dict) else []:
                        if isinstance(value, list):
                            domains.extend(str(d) for d in value)
                    builder.add(str(name), domains, category=str(category).lower())
    else:
        nested = doc.get("entities")
        entities: dict[str, Any] = nested if isinstance(nested, dict) else doc
        for name, body in entities.items():
            if not isinstance(body, dict):
                continue
            domains = [*(body.get("properties") or []), *(body.get("resources") or [])]
            builder.add(str(name), [str(d) for d in domains])
    result = builder.entities()
    if not result:
        raise ImportError_(f"{path}: no Disconnect entities or services found")
    return result, hashlib.sha256(raw).hexdigest()
