"""Parsers for user-supplied third-party tracker data: Tracker Radar, Disconnect, Exodus.

DuckDuckGo Tracker Radar and Disconnect are published under CC BY-NC-SA 4.0 (non-commercial);
aivet never ships them, nor Exodus Privacy's tracker list. A user imports their own copy into
the local intel (`aivet intel import ...`), where it stays a separate, labelled layer that
never overrides the curated facts. Exodus gives SDK code signatures (matched against an app's
classes by `Intel.sdks`) and network signatures (the plain domains among them attribute hosts
to the tracker).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aivet.intel.domains import is_ip_address
from aivet.intel.sdks import MAX_PATTERN_LENGTH, SdkSignature, SdkSource
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


EXODUS = SourceInfo(
    layer="exodus",
    kind="exodus",
    title="Exodus Privacy tracker list",
    source_url="https://reports.exodus-privacy.eu.org/api/trackers",
    licence="not stated with the API answer; see Exodus Privacy's terms (not redistributed)",
)

# Exodus names its categories in English words; the curated vocabulary is kebab-case.
_EXODUS_CATEGORIES = {
    "advertisement": "advertising",
    "analytics": "analytics",
    "crash reporting": "crash-reporting",
    "identification": "identification",
    "location": "location",
    "profiling": "profiling",
}
# A code signature piece that is a plain package or class prefix once `\.` is read as `.`:
# matched as a prefix, not as a regex (the dots of `com.umeng.` are meant literally).
_PLAIN_PREFIX = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*\.?")
_PLAIN_DOMAIN = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+")


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


def parse_exodus(path: Path, retrieved: str | None = None) -> list[SdkSignature]:
    """Exodus Privacy's tracker list (`GET /api/trackers`, or an export in the same format).

    Each tracker becomes a signature `exodus-<id>` whose entity is the layer's own record
    `exodus:<id>`. Its `code_signature` (an alternation such as `com.umeng.|com.uc.crashsdk`)
    is split into plain prefixes and the few real regular expressions; its
    `network_signature` gives the plain domains it names (domain regexes such as
    `.*\\.estimote\\.com` give `estimote.com`; other regexes are not used). `retrieved` is
    the date the list was read (default: today, UTC).
    """
    path = Path(path)
    if not path.is_file():
        raise ImportError_(f"{path}: no such file (give the JSON of Exodus's /api/trackers)")
    doc = _load_json(path)
    trackers = doc.get("trackers") if isinstance(doc, dict) else None
    if not isinstance(trackers, dict) or not trackers:
        raise ImportError_(f"{path}: not an Exodus tracker list (no 'trackers' object)")
    day = retrieved or datetime.now(UTC).strftime("%Y-%m-%d")
    return [_exodus_tracker(path, str(key), body, day) for key, body in sorted(trackers.items())]


def _exodus_tracker(path: Path, key: str, body: Any, day: str) -> SdkSignature:
    where = f"{path}: tracker {key}"
    if not isinstance(body, dict) or not isinstance(body.get("name"), str) or not body["name"]:
        raise ImportError_(f"{where}: not a tracker object with a 'name'")
    fields = {k: body.get(k) or "" for k in ("code_signature", "network_signature", "website")}
    if not all(isinstance(v, str) for v in fields.values()):
        raise ImportError_(f"{where}: code_signature, network_signature and website must be text")
    categories = body.get("categories") or []
    if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
        raise ImportError_(f"{where}: 'categories' must be a list of names")
    prefixes: list[str] = []
    patterns: list[str] = []
    for piece in split_alternation(fields["code_signature"]):
        literal = piece.replace("\\.", ".")
        if _PLAIN_PREFIX.fullmatch(literal):
            prefixes.append(literal.rstrip("."))
            continue
        if len(piece) > MAX_PATTERN_LENGTH:
            raise ImportError_(f"{where}: code signature piece longer than {MAX_PATTERN_LENGTH}")
        try:
            re.compile(piece)
        except re.error as exc:
            raise ImportError_(f"{where}: code signature {piece!r} is not a regex: {exc}") from None
        patterns.append(piece)
    domains = []
    for piece in split_alternation(fields["network_signature"]):
        domain = _exodus_domain(piece)
        if domain is not None and domain not in domains:
            domains.append(domain)
    creation = body.get("creation_date")
    return SdkSignature(
        id=f"exodus-{key}",
        name=body["name"],
        entity=f"{EXODUS.layer}:{key}",
        categories=tuple(
            _EXODUS_CATEGORIES.get(c.lower(), c.lower().replace(" ", "-")) for c in categories
        ),
        android=tuple(dict.fromkeys(prefixes)),
        android_patterns=tuple(dict.fromkeys(patterns)),
        domains=tuple(domains),
        sources=(
            SdkSource(
                url=EXODUS.source_url,
                title=f"{EXODUS.title}, tracker {key} ({body['name']})",
                retrieved=day,
                published=str(creation) if creation else None,
                note="Third-party data imported by the user; not checked by aivet.",
            ),
        ),
        confidence="medium",
        layer=EXODUS.layer,
        website=fields["website"] or None,
    )


def _exodus_domain(piece: str) -> str | None:
    """`alog\\.umeng\\.com` or `.*\\.estimote\\.com` → the domain; None for other regexes."""
    text = piece.strip().removeprefix("^").removesuffix("$")
    for lead in (".*\\.", ".*", "\\."):
        text = text.removeprefix(lead)
    text = text.replace("\\.", ".").replace("\\-", "-").lower()
    if not _PLAIN_DOMAIN.fullmatch(text) or is_ip_address(text):
        return None
    return clean_domain(text)


def split_alternation(text: str) -> list[str]:
    """Top-level `|` pieces of a regex, leaving alternations inside (), [] and escapes alone."""
    pieces: list[str] = []
    depth = 0
    in_class = False
    start = 0
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        elif char == "|" and depth == 0:
            pieces.append(text[start:i])
            start = i + 1
        i += 1
    pieces.append(text[start:])
    return [p.strip() for p in pieces if p.strip()]


def exodus_entities(signatures: Iterable[SdkSignature]) -> list[ImportedEntity]:
    """The layer's entities: one per tracker, claiming the domains of its network signature."""
    out = []
    for sig in signatures:
        key = (sig.entity or "").partition(":")[2]
        out.append(
            ImportedEntity(
                key=key,
                name=sig.name,
                display_name=None,
                category=sig.categories[0] if sig.categories else None,
                domains=sig.domains,
            )
        )
    return out
