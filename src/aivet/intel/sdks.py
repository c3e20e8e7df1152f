"""SDK signatures: which SDK an app's class or framework belongs to, and who ships it.

Signatures are data: `intel/data/sdks*.yaml` (curated, every record sourced and tied to an
intel entity) plus signatures the user imported from Exodus Privacy's tracker list into the
local store (`aivet intel import exodus`). This module loads them and matches an app against
them.

Android signatures are package prefixes matched one whole package component at a time
(`com.umeng` covers `com.umeng.analytics.Foo`, never `com.umengx.Foo`). They sit in a trie of
dicts, so a class costs O(package depth) however many signatures there are, and the answer
for a package is cached because apps hold many classes per package. The few Exodus code
signatures that are real regular expressions are tried, as one combined pattern, only on
classes no prefix claimed. iOS signatures are framework names and Objective-C class-name
prefixes.

Curated records win: an imported prefix that a curated prefix covers (the same or a parent
package) is dropped, and so is an imported signature left with nothing to match.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import yaml

from aivet.app_record import SdkHit
from aivet.exposure_session import HostOwner
from aivet.intel.domains import host_of
from aivet.intel.kb import CURATED, Intel, IntelError
from aivet.intel.owners import entity_owner, owner_of
from aivet.intel.store import StoreError

try:  # the C loader parses the bundled YAML several times faster
    _YAML_LOADER: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _YAML_LOADER = yaml.SafeLoader

Confidence = Literal["high", "medium"]

CATEGORIES = frozenset(
    {
        "one-click-login",
        "analytics",
        "advertising",
        "attribution",
        "crash-reporting",
        "push",
        "social-login",
        "payments",
        "location",
        "identification",
        "profiling",
        "other",
    }
)
"""Curated categories; the last few also name Exodus's own (`Identification`, `Profiling`)."""

MAX_PATTERNS = 256
MAX_PATTERN_LENGTH = 300
MAX_CLASS_NAME = 400
"""Regex signatures are bounded in number and length, and only class names up to this long
are tried against them, so a hostile import cannot make matching slow without limit."""

_END = None  # trie key of a signature ending at a node: never a package component
_PACKAGE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_FRAMEWORK_SUFFIXES = (".framework", ".xcframework", ".dylib", ".bundle", ".a")


@dataclass(frozen=True)
class SdkSource:
    url: str
    title: str
    retrieved: str
    """The date the page was read."""
    published: str | None = None
    note: str = ""


@dataclass(frozen=True)
class SdkSignature:
    id: str
    name: str
    entity: str | None
    """Intel entity id of the vendor. Curated records always name a curated entity; an
    imported one names its layer entity (`exodus:119`)."""
    categories: tuple[str, ...]
    android: tuple[str, ...] = ()
    """Dotted package (or class) prefixes, without a trailing dot."""
    android_patterns: tuple[str, ...] = ()
    """Regular expressions searched in dotted class names (Exodus signatures that are not
    plain prefixes)."""
    ios_frameworks: tuple[str, ...] = ()
    """Framework names without `.framework`."""
    ios_classes: tuple[str, ...] = ()
    """Objective-C class-name prefixes."""
    domains: tuple[str, ...] = ()
    """Hosts the SDK talks to, where the source says (Exodus network signatures)."""
    sources: tuple[SdkSource, ...] = ()
    confidence: Confidence = "high"
    """`medium`: a signature seen only in third-party integrations, not in the vendor's
    own material (the record's note says which)."""
    layer: str = CURATED
    website: str | None = None

    @property
    def source_urls(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.url for s in self.sources))


@dataclass(frozen=True)
class _Held:
    """What a trie node or framework name belongs to."""

    index: int
    """Position in `SdkIndex.signatures` (assigned before the signature is appended)."""
    prefix: str
    curated: bool
    sig_id: str


@dataclass(frozen=True)
class SdkMatch:
    signature: SdkSignature
    matched: tuple[str, ...]
    """The prefixes, patterns, framework names or class prefixes that matched."""
    classes: int
    """Classes (or frameworks and classes, on iOS) that matched."""


class SdkIndex:
    """Signatures indexed for matching; `signatures` are the ones kept after merging."""

    def __init__(self, signatures: Iterable[SdkSignature]):
        self.signatures: list[SdkSignature] = []
        self.dropped: list[str] = []
        """Ids of imported signatures the curated ones cover entirely, or over the bounds."""
        self._trie: dict[str | None, Any] = {}
        self._frameworks: dict[str, _Held] = {}
        self._class_prefixes: dict[str, int] = {}
        self._patterns: list[tuple[int, str, re.Pattern[str]]] = []
        for sig in signatures:
            if not self._add(sig, len(self.signatures)):
                self.dropped.append(sig.id)
        # Longest first, so the first prefix a class starts with is the most specific one.
        self._class_prefix_order = sorted(self._class_prefixes, key=lambda p: (-len(p), p))
        self._class_prefix_tuple = tuple(self._class_prefix_order)
        self._combined = (
            re.compile("|".join(f"(?:{p})" for _, p, _ in self._patterns))
            if self._patterns
            else None
        )

    def _add(self, sig: SdkSignature, index: int) -> bool:
        curated = sig.layer == CURATED
        prefixes = [p for p in sig.android if self._claim_prefix(p, index, sig)]
        frameworks = []
        for name in sig.ios_frameworks:
            key = name.casefold()
            held = self._frameworks.get(key)
            if held is None:
                self._frameworks[key] = _Held(index, name, curated, sig.id)
                frameworks.append(name)
            elif curated and held.curated:
                raise IntelError(
                    f"SDK signature '{sig.id}': framework {name} is also claimed by '{held.sig_id}'"
                )
        classes = []
        for prefix in sig.ios_classes:
            if prefix not in self._class_prefixes:
                self._class_prefixes[prefix] = index
                classes.append(prefix)
            elif curated:
                raise IntelError(
                    f"SDK signature '{sig.id}': class prefix {prefix} is claimed twice"
                )
        patterns = []
        for pattern in sig.android_patterns:
            if len(self._patterns) >= MAX_PATTERNS or len(pattern) > MAX_PATTERN_LENGTH:
                continue
            try:
                compiled = re.compile(pattern)
            except re.error as exc:
                raise IntelError(
                    f"SDK signature '{sig.id}': bad pattern {pattern!r}: {exc}"
                ) from None
            self._patterns.append((index, pattern, compiled))
            patterns.append(pattern)
        if not (prefixes or frameworks or classes or patterns):
            return False
        self.signatures.append(sig)
        return True

    def _claim_prefix(self, prefix: str, index: int, sig: SdkSignature) -> bool:
        """Put a prefix in the trie; False when a curated prefix already covers it."""
        curated = sig.layer == CURATED
        node = self._trie
        for part in prefix.split("."):
            node = node.setdefault(part, {})
            held: _Held | None = node.get(_END)
            if held is not None and held.curated:
                if not curated:
                    return False
                if held.prefix == prefix:
                    raise IntelError(
                        f"SDK signature '{sig.id}': prefix {prefix} is also claimed by"
                        f" '{held.sig_id}'"
                    )
                # else a deeper curated prefix names a more specific SDK: keep walking
        if node.get(_END) is not None and not curated:
            return False  # an earlier imported signature has it; the first import wins
        node[_END] = _Held(index, prefix, curated, sig.id)
        return True

    def _walk(self, package: str, sep: str) -> tuple[_Held | None, dict[str | None, Any] | None]:
        """The deepest signature on a package's path, and the trie node at its end."""
        node: dict[str | None, Any] | None = self._trie
        hit: _Held | None = None
        if package:
            for part in package.split(sep):
                node = node.get(part) if node is not None else None
                if node is None:
                    break
                held = node.get(_END)
                if held is not None:
                    hit = held
        return hit, node

    def match_android(self, class_names: Iterable[str]) -> list[SdkMatch]:
        """SDKs in a list of class names: descriptors (`Lcom/a/B;`) or dotted names."""
        counts: dict[int, int] = {}
        matched: dict[int, set[str]] = {}
        cache: dict[str, tuple[_Held | None, dict[str | None, Any] | None]] = {}
        combined = self._combined
        for raw in class_names:
            name = raw.lstrip("[") if raw.startswith("[") else raw
            if name.startswith("L") and name.endswith(";"):
                name, sep = name[1:-1], "/"
            else:
                sep = "/" if "/" in name else "."
            package, _, simple = name.rpartition(sep)
            entry = cache.get(package)
            if entry is None:
                entry = cache[package] = self._walk(package, sep)
            hit, node = entry
            if node is not None and len(node) > 1 and simple:
                # A signature may name a class itself (Exodus: `...FirebaseAnalytics`).
                leaf = node.get(simple.split("$", 1)[0])
                held = leaf.get(_END) if leaf is not None else None
                if held is not None:
                    hit = held
            if hit is not None:
                counts[hit.index] = counts.get(hit.index, 0) + 1
                matched.setdefault(hit.index, set()).add(hit.prefix)
            elif combined is not None and len(name) <= MAX_CLASS_NAME:
                dotted = name.replace("/", ".")
                if combined.search(dotted) is not None:
                    for index, pattern, compiled in self._patterns:
                        if compiled.search(dotted) is not None:
                            counts[index] = counts.get(index, 0) + 1
                            matched.setdefault(index, set()).add(pattern)
                            break
        return self._results(counts, matched)

    def match_ios(self, frameworks: Iterable[str], objc_classes: Iterable[str]) -> list[SdkMatch]:
        """SDKs among framework names or paths (`Frameworks/TYRZUISDK.framework`) and
        Objective-C class names."""
        counts: dict[int, int] = {}
        matched: dict[int, set[str]] = {}
        for path in frameworks:
            found = self._frameworks.get(framework_name(path).casefold())
            if found is not None:
                counts[found.index] = counts.get(found.index, 0) + 1
                matched.setdefault(found.index, set()).add(f"{found.prefix}.framework")
        prefixes = self._class_prefix_tuple
        if prefixes:
            for cls in objc_classes:
                if cls.startswith(prefixes):
                    prefix = next(p for p in self._class_prefix_order if cls.startswith(p))
                    index = self._class_prefixes[prefix]
                    counts[index] = counts.get(index, 0) + 1
                    matched.setdefault(index, set()).add(prefix)
        return self._results(counts, matched)

    def _results(self, counts: dict[int, int], matched: dict[int, set[str]]) -> list[SdkMatch]:
        out = [
            SdkMatch(self.signatures[i], tuple(sorted(matched[i])), n) for i, n in counts.items()
        ]
        return sorted(out, key=lambda m: m.signature.id)


def framework_name(path: str) -> str:
    """`Payload/X.app/Frameworks/TYRZUISDK.framework/TYRZUISDK` → `TYRZUISDK`."""
    parts = [p for p in path.replace("\\", "/").split("/") if p]
    for part in reversed(parts):
        if part.endswith((".framework", ".xcframework")):
            return part.rsplit(".", 1)[0]
    last = parts[-1] if parts else ""
    for suffix in _FRAMEWORK_SUFFIXES:
        if last.endswith(suffix):
            return last[: -len(suffix)]
    return last


def signature_owner(sig: SdkSignature, intel: Intel) -> HostOwner | None:
    """The vendor's owner facts (`HostOwner`) for a signature, or None.

    A curated signature names its entity. An imported one is attributed like a host: by the
    first of its network domains (then its website) that an intel record claims, so that a
    curated claim (umeng.com → Umeng) wins over the import's own layer entity.
    """
    if sig.layer == CURATED and sig.entity is not None:
        return entity_owner(sig.entity, intel)
    hosts = [*sig.domains[:8], host_of(sig.website or "")]
    for host in hosts:
        owner = owner_of(host, intel) if host else None
        if owner is not None:
            return owner
    return entity_owner(sig.entity, intel) if sig.entity else None


def sdk_hit(match: SdkMatch, intel: Intel) -> SdkHit:
    """The audit record of a match: the SDK, its owner and watchlists, what matched, and the
    maker's domains (its entity's, and those its Exodus network signature names)."""
    sig = match.signature
    entity = intel.entities.get(sig.entity) if sig.entity else None
    return SdkHit(
        sdk_id=sig.id,
        name=sig.name,
        categories=list(sig.categories),
        owner=signature_owner(sig, intel),
        matched=list(match.matched),
        classes=match.classes,
        sources=list(sig.source_urls),
        domains=sorted({*(entity.domains if entity else ()), *sig.domains})[:10],
    )


# --- loading ----------------------------------------------------------------------------------


def build_index(intel: Intel, texts: Sequence[tuple[str, str]]) -> SdkIndex:
    """The curated signature files, checked against the intel's entities, then the imports."""
    curated: list[SdkSignature] = []
    seen: set[str] = set()
    for name, text in texts:
        for sig in parse_sdk_yaml(name, text):
            if sig.id in seen:
                raise IntelError(f"{name}: SDK signature '{sig.id}' defined twice")
            seen.add(sig.id)
            if sig.entity not in intel.entities.curated:
                raise IntelError(f"{name}: SDK signature '{sig.id}': unknown entity {sig.entity!r}")
            curated.append(sig)
    imported: list[SdkSignature] = []
    if intel.store is not None:
        try:
            rows = intel.store.sdk_signatures()
        except StoreError as exc:
            raise IntelError(str(exc)) from None
        for layer, record in rows:
            try:
                imported.append(signature_from_json(record))
            except (ValueError, TypeError, KeyError) as exc:
                raise IntelError(f"local intel: SDK signature of layer {layer}: {exc}") from None
    return SdkIndex([*curated, *imported])


def parse_sdk_yaml(name: str, text: str) -> list[SdkSignature]:
    """The `sdks:` records of one file; `IntelError` names the file and record on bad data."""
    try:
        doc = yaml.load(text, Loader=_YAML_LOADER) or {}
    except yaml.YAMLError as exc:
        raise IntelError(f"{name}: not valid YAML: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("sdks"), list):
        raise IntelError(f"{name}: expected a mapping with an 'sdks' list")
    return [_signature(raw, f"{name}: sdks[{i}]") for i, raw in enumerate(doc["sdks"])]


def _signature(raw: Any, where: str) -> SdkSignature:
    if not isinstance(raw, dict):
        raise IntelError(f"{where}: expected a mapping")
    sig_id = raw.get("id")
    if not isinstance(sig_id, str) or not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", sig_id):
        raise IntelError(f"{where}: 'id' must be kebab-case, not {sig_id!r}")
    where = f"{where} ({sig_id})"
    name, entity = raw.get("name"), raw.get("entity")
    if not isinstance(name, str) or not name or not isinstance(entity, str) or not entity:
        raise IntelError(f"{where}: needs 'name' and 'entity'")
    categories = _strings(raw.get("categories"), where, "categories")
    if not categories or not set(categories) <= CATEGORIES:
        raise IntelError(f"{where}: categories must be some of {sorted(CATEGORIES)}")
    android = tuple(_prefix(p, where) for p in _strings(raw.get("android"), where, "android"))
    ios = raw.get("ios") or {}
    if not isinstance(ios, dict):
        raise IntelError(f"{where}: 'ios' must be a mapping of frameworks and classes")
    frameworks = _strings(ios.get("frameworks"), where, "ios.frameworks")
    classes = _strings(ios.get("classes"), where, "ios.classes")
    if not (android or frameworks or classes):
        raise IntelError(f"{where}: no android prefix and no ios signature")
    confidence = raw.get("confidence", "high")
    if confidence not in ("high", "medium"):
        raise IntelError(f"{where}: confidence must be high or medium")
    sources = raw.get("sources")
    if not isinstance(sources, list) or not sources:
        raise IntelError(f"{where}: no sources (every signature needs at least one)")
    return SdkSignature(
        id=sig_id,
        name=name,
        entity=entity,
        categories=categories,
        android=android,
        ios_frameworks=tuple(framework_name(f) for f in frameworks),
        ios_classes=classes,
        sources=tuple(_source(s, where) for s in sources),
        confidence=confidence,
    )


def _strings(raw: Any, where: str, key: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(x, str) and x for x in raw):
        raise IntelError(f"{where}: '{key}' must be a list of strings")
    return tuple(raw)


def _prefix(text: str, where: str) -> str:
    prefix = text.strip().rstrip(".")
    if not _PACKAGE.fullmatch(prefix):
        raise IntelError(f"{where}: not a Java package prefix: {text!r}")
    return prefix


def _source(raw: Any, where: str) -> SdkSource:
    if not isinstance(raw, dict):
        raise IntelError(f"{where}: each source must be a mapping")
    url, title, retrieved = raw.get("url"), raw.get("title"), raw.get("retrieved")
    if not (isinstance(url, str) and url.startswith(("https://", "http://"))):
        raise IntelError(f"{where}: source url must be http(s), not {url!r}")
    if not (isinstance(title, str) and title and retrieved):
        raise IntelError(f"{where}: each source needs 'title' and 'retrieved'")
    published = raw.get("published")
    return SdkSource(
        url=url,
        title=title,
        retrieved=str(retrieved),
        published=str(published) if published else None,
        note=" ".join(str(raw.get("note", "")).split()),
    )


def signature_to_json(sig: SdkSignature) -> str:
    """The record stored for an imported signature in the local store."""
    return json.dumps(asdict(sig), ensure_ascii=False, sort_keys=True)


def signature_from_json(text: str) -> SdkSignature:
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    tuples = ("categories", "android", "android_patterns", "ios_frameworks", "ios_classes")
    for key in (*tuples, "domains"):
        data[key] = tuple(str(x) for x in data.get(key) or ())
    data["sources"] = tuple(SdkSource(**s) for s in data.get("sources") or ())
    return SdkSignature(**data)
