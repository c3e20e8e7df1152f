"""Analyse a stored APK or IPA into an app audit.

Pure in the DESIGN sense: reads only the stored app file (by path, since apps are
too big to hold in memory) and the intel, and returns the audit together with the
documents it decoded (manifest, Info.plist), which the pipeline stores as evidence.
Running it again on the same file and intel gives the same findings.

Work is bounded: the archive layer caps what it inflates, each dex file is read,
scanned and dropped before the next, and a time limit ends the analysis with a
`partial` audit that keeps what was found and says what was not read.
"""

from __future__ import annotations

import bisect
import hashlib
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from aivet import __version__
from aivet.analyze.app.archive import AppArchive, ArchiveError
from aivet.analyze.app.arsc import ArscError, value_strings
from aivet.analyze.app.dex import DexFile
from aivet.analyze.app.findings import app_findings
from aivet.app_record import (
    AndroidFacts,
    AppEndpoint,
    AppReport,
    AppSample,
    CryptoUse,
    Indicator,
    Location,
    SecretHit,
    StorageWrite,
)
from aivet.evidence import Artifact
from aivet.intel.domains import registrable_domain
from aivet.intel.kb import Intel
from aivet.intel.sdks import sdk_hit
from aivet.model import SCHEMA_VERSION, Audit, ToolInfo

DEX_NAME = re.compile(r"^classes\d*\.dex$")
TEXT_ASSET = re.compile(
    r"^(assets|res/raw)/.+\.(json|xml|txt|properties|js|html?|cfg|conf|ini|ya?ml|plist)$", re.I
)
MAX_TEXT_ASSET = 4 * 1024 * 1024
"""Larger assets are media or databases, not configuration; skipped for string scanning."""
DOCUMENT_SUFFIXES = (".plist", ".json", ".xml", ".strings", ".txt", ".js", ".html", ".cfg")
"""Bundle files written by people, scanned for random-looking keys; binaries are not."""
PREFERRED_ABIS = ("arm64-v8a", "armeabi-v7a", "x86_64", "x86", "armeabi")
"""Native libraries are scanned for one ABI only: the others are builds of the same code."""
SQLCIPHER_PREFIXES = ("Lnet/sqlcipher/", "Lnet/zetetic/")
"""SQLCipher: with it in the app, its databases may be encrypted (static analysis cannot tell
which ones), so plain-database findings are not raised."""
PACKER_LIBRARIES = {
    "libjiagu": "Qihoo 360 Jiagu",
    "libsecexe": "Bangcle",
    "libsecmain": "Bangcle",
    "libdexprotector": "DexProtector",
    "libshella": "Tencent Legu",
    "libshellx": "Tencent Legu",
    "libexec": "Ijiami",
    "libbaiduprotect": "Baidu",
    "libnqshield": "NQ Shield",
    "libprotectclass": "Apkprotect",
}
"""Commercial packers that decrypt the real code at run time (what static analysis then misses)."""


class AppAnalysisError(ValueError):
    """The file is not an app this analyzer can read (one line)."""


@dataclass(frozen=True)
class DerivedDocument:
    """A document the analyzer decoded from the app (manifest XML, Info.plist as XML)."""

    data: bytes
    media_type: str
    kind: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class AppAnalysis:
    audit: Audit
    derived: list[DerivedDocument] = field(default_factory=list)


@dataclass
class _Collected:
    """What the platform passes gather for the common scanners."""

    crypto: list[CryptoUse] = field(default_factory=list)
    storage: list[StorageWrite] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    endpoints: dict[str, AppEndpoint] = field(default_factory=dict)
    secrets: dict[tuple[str, str], SecretHit] = field(default_factory=dict)
    strings_scanned: int = 0
    partial: list[str] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.ends = time.monotonic() + seconds
        self.seconds = seconds

    def passed(self) -> bool:
        return time.monotonic() > self.ends


def first_party_domains(identifier: str) -> set[str]:
    """Registrable domains an app id names: com.deepseek.chat → deepseek.com (reversed DNS)."""
    parts = [p for p in identifier.lower().split(".") if p]
    domains = set()
    for length in (2, 3):
        if len(parts) >= length:
            candidate = ".".join(reversed(parts[:length]))
            domains.add(registrable_domain(candidate))
    return {d for d in domains if d and "." in d}


def _first_party_test(identifier: str, intel: Intel) -> Callable[[str], bool]:
    domains = first_party_domains(identifier)
    entities = {e.id for d in domains if (e := intel.entity_for_host(d)) is not None}

    def is_first_party(host: str) -> bool:
        if registrable_domain(host) in domains:
            return True
        entity = intel.entity_for_host(host)
        return entity is not None and entity.id in entities

    return is_first_party


def analyze_app(
    sample: AppSample,
    app_path: Path,
    intel: Intel,
    *,
    audit_id: str,
    session_sha256: str,
    artifacts: list[Artifact],
) -> AppAnalysis:
    """The audit of the app file at `app_path` (the stored blob of `sample`)."""
    started = time.perf_counter()
    deadline = _Deadline(sample.limits.time_limit_s)
    try:
        archive = AppArchive.open(app_path, sample.limits)
    except ArchiveError as exc:
        raise AppAnalysisError(f"{sample.file_name}: {exc}") from None
    with archive:
        names = set(archive.names)
        if "AndroidManifest.xml" in names:
            report, derived, collected = _analyze_android(
                sample, archive, app_path, intel, deadline
            )
        elif any(n.startswith("Payload/") and ".app/" in n for n in names):
            report, derived, collected = _analyze_ios(sample, archive, intel, deadline)
        else:
            raise AppAnalysisError(
                f"{sample.file_name}: not an APK (no AndroidManifest.xml) nor an IPA "
                "(no Payload/<name>.app/)"
            )
    report.crypto = collected.crypto
    report.storage = _dedupe_storage(collected.storage)
    report.indicators = _dedupe_indicators(collected.indicators)
    report.endpoints = sorted(collected.endpoints.values(), key=lambda e: e.host)
    report.secrets = sorted(collected.secrets.values(), key=lambda s: (s.kind, s.sha256))
    report.strings_scanned = collected.strings_scanned
    status_reasons = list(collected.partial)
    if report.archive.skipped:
        status_reasons.append(f"{len(report.archive.skipped)} archive entries not read")
    findings = app_findings(report)
    timings = dict(collected.timings_ms)
    timings["analysis"] = round((time.perf_counter() - started) * 1000, 1)
    audit = Audit(
        schema_version=SCHEMA_VERSION,
        audit_id=audit_id,
        kind="app",
        target=sample.file_name,
        started_at=sample.taken_at,
        ended_at=datetime.now(UTC).isoformat(timespec="seconds"),
        status="partial" if status_reasons else "complete",
        status_reasons=status_reasons,
        tool=ToolInfo(name="aivet", version=__version__),
        intel=intel.info(),
        findings=findings,
        session_sha256=session_sha256,
        artifacts=artifacts,
        timings_ms=timings,
        analyses=["app"],
        app=report,
    )
    return AppAnalysis(audit, derived)


def _scan_strings(
    items: Iterable[tuple[str, Location]],
    intel: Intel,
    is_first_party: Callable[[str], bool],
    collected: _Collected,
    *,
    native: bool = False,
    dex: DexFile | None = None,
) -> None:
    """Endpoints and secrets in one batch of strings, merged into what earlier batches found.

    For a dex (whose strings all share one "string table" location, as a location per
    string would cost more than the scan), the endpoints found are placed afterwards in
    the methods whose code loads their strings."""
    from aivet.analyze.app.strings_scan import find_endpoints, find_secrets

    batch = list(items)
    collected.strings_scanned += len(batch)
    endpoints = find_endpoints(batch, intel, is_first_party)
    if dex is not None and endpoints:
        _place_in_code(dex, endpoints)
    for endpoint in endpoints:
        known = collected.endpoints.get(endpoint.host)
        if known is None:
            collected.endpoints[endpoint.host] = endpoint
            continue
        known.urls = list(dict.fromkeys([*known.urls, *endpoint.urls]))[:50]
        known.locations = list(dict.fromkeys([*known.locations, *endpoint.locations]))[:20]
        known.occurrences += endpoint.occurrences
        known.cleartext = known.cleartext or endpoint.cleartext
    for secret in find_secrets(batch, entropy=not native):
        known_secret = collected.secrets.setdefault((secret.kind, secret.sha256), secret)
        if known_secret is not secret:
            known_secret.occurrences += secret.occurrences


MAX_PLACES_PER_HOST = 10


def _place_in_code(dex: DexFile, endpoints: list[AppEndpoint]) -> None:
    """Replace the dex's string-table location of each endpoint by the methods that load
    its strings (`Lcom/a/B;->m()V (string #12)`), keeping the table when no code loads them."""
    from aivet.analyze.app.dex_code import string_users

    table = Location(dex.name, "string table")
    # URLs are found inside strings; a bare host is a whole (stripped) string.
    with_scheme = [(i, text) for i, text in enumerate(dex.strings) if "://" in text]
    whole: dict[str, int] | None = None
    wanted: dict[str, list[int]] = {}
    for endpoint in endpoints:
        if table not in endpoint.locations:
            continue
        indices: list[int] = []
        for url in endpoint.urls:
            if "://" in url:
                indices += [i for i, text in with_scheme if url in text][:MAX_PLACES_PER_HOST]
            else:
                if whole is None:
                    whole = {text.strip(): i for i, text in enumerate(dex.strings) if "." in text}
                if url in whole:
                    indices.append(whole[url])
            if len(indices) >= MAX_PLACES_PER_HOST:
                break
        wanted[endpoint.host] = indices[:MAX_PLACES_PER_HOST]
    users = string_users(dex, {i for indices in wanted.values() for i in indices}, per_string=3)
    for endpoint in endpoints:
        indices = wanted.get(endpoint.host, [])
        places = [
            Location(dex.name, f"{method} (string #{index})")
            for index in indices
            for method in users.get(index, [])
        ]
        if places:
            others = [place for place in endpoint.locations if place != table]
            endpoint.locations = list(dict.fromkeys([*places, *others]))[:20]


def _text_entries(archive: AppArchive, pattern: re.Pattern[str]) -> Iterator[tuple[str, bytes]]:
    for name in archive.names:
        info = archive.info(name)
        if info is None or not pattern.search(name) or info.uncompressed_size > MAX_TEXT_ASSET:
            continue
        data = archive.read(name, max_bytes=MAX_TEXT_ASSET)
        if data is not None:
            yield name, data


def _bytes_strings(name: str, data: bytes) -> Iterator[tuple[str, Location]]:
    from aivet.analyze.app.strings_scan import printable_strings

    for offset, text in printable_strings(data):
        yield text, Location(name, f"offset 0x{offset:x}")


def _analyze_android(
    sample: AppSample, archive: AppArchive, app_path: Path, intel: Intel, deadline: _Deadline
) -> tuple[AppReport, list[DerivedDocument], _Collected]:
    from aivet.analyze.app.android_manifest import read_android_manifest
    from aivet.analyze.app.dex import DexError
    from aivet.analyze.app.dex_code import scan_dex
    from aivet.analyze.app.signing import read_signing

    collected = _Collected()
    step = time.perf_counter()
    manifest, manifest_xml = read_android_manifest(archive)
    derived = [DerivedDocument(manifest_xml, "application/xml", "app-manifest")]
    manifest.manifest_sha256 = derived[0].sha256
    signing = read_signing(archive, app_path)
    collected.timings_ms["manifest_and_signing"] = _ms(step)
    is_first_party = _first_party_test(manifest.package, intel)

    step = time.perf_counter()
    dex_names = sorted(
        (n for n in archive.names if DEX_NAME.match(n)),
        key=lambda n: int(n[7:-4] or 1),
    )
    hidden_dex = [n for n in archive.names if n.endswith(".dex") and not DEX_NAME.match(n)]
    class_files: list[tuple[str, str]] = []
    """(class descriptor, dex file) of every class defined in the app."""
    for name in [*dex_names, *hidden_dex]:
        if deadline.passed():
            collected.partial.append(
                f"time limit ({deadline.seconds:g} s) reached before {name} was analysed"
            )
            break
        data = archive.read(name)
        if data is None:
            continue
        try:
            dex = DexFile.parse(data, name)
        except DexError as exc:
            collected.partial.append(f"{name}: {exc}")
            continue
        del data
        class_files += ((c, name) for c in dex.class_names)
        scan = scan_dex(dex)
        collected.crypto += scan.crypto
        collected.storage += scan.storage
        collected.indicators += scan.indicators
        where = Location(name, "string table")
        _scan_strings(((s, where) for s in dex.strings), intel, is_first_party, collected, dex=dex)
        if name in hidden_dex:
            collected.indicators.append(
                Indicator("packer", f"dex file outside the standard names: {name}", Location(name))
            )
    if any(c.startswith(SQLCIPHER_PREFIXES) for c, _ in class_files):
        collected.indicators.append(
            Indicator("encrypted-database", "SQLCipher classes", Location("", "Lnet/sqlcipher/"))
        )
    collected.timings_ms["dex"] = _ms(step)

    step = time.perf_counter()
    native = _native_libraries(archive.names)
    for name in archive.names:
        stem = name.rsplit("/", 1)[-1].removesuffix(".so")
        if name.startswith("lib/") and stem in PACKER_LIBRARIES:
            collected.indicators.append(
                Indicator("packer", f"{PACKER_LIBRARIES[stem]} ({stem}.so)", Location(name))
            )
    for name in native:
        if deadline.passed():
            collected.partial.append(f"time limit reached before {name} was scanned")
            break
        data = archive.read(name)
        if data is not None:
            _scan_strings(_bytes_strings(name, data), intel, is_first_party, collected, native=True)
    for name, data in _text_entries(archive, TEXT_ASSET):
        _scan_strings(_bytes_strings(name, data), intel, is_first_party, collected)
    arsc = archive.read("resources.arsc") if "resources.arsc" in archive.names else None
    if arsc is not None:
        try:
            values = [
                (text, Location("resources.arsc", f"string #{index}"))
                for index, text in value_strings(arsc)
            ]
        except ArscError as exc:
            collected.partial.append(f"resources.arsc not scanned: {exc}")
        else:
            _scan_strings(values, intel, is_first_party, collected)
    collected.timings_ms["resources_and_native"] = _ms(step)

    step = time.perf_counter()
    sdks = [sdk_hit(m, intel) for m in intel.sdks.match_android(c for c, _ in class_files)]
    class_files.sort()
    for hit in sdks:
        hit.locations = _sdk_locations(class_files, hit.matched)
    collected.timings_ms["sdks"] = _ms(step)
    report = AppReport(
        platform="android",
        file_name=sample.file_name,
        file_sha256=sample.sha256,
        file_size=sample.size,
        identifier=manifest.package,
        version=manifest.version_name,
        archive=archive.report(),
        limits=sample.limits,
        android=AndroidFacts(
            manifest=manifest,
            signing=signing,
            dex_files=[*dex_names, *hidden_dex],
            classes=len(class_files),
            native_libraries=native,
        ),
        sdks=sdks,
    )
    return report, derived, collected


PACKAGE_PREFIX = re.compile(r"^[A-Za-z0-9_$]+(?:\.[A-Za-z0-9_$]+)*\.?$")


def _sdk_locations(class_files: list[tuple[str, str]], matched: list[str]) -> list[Location]:
    """The first class (by name) under each matched package prefix, with its dex file;
    `class_files` is sorted, so each lookup is a binary search."""
    places = []
    for prefix in matched[:5]:
        if not PACKAGE_PREFIX.match(prefix):
            continue  # an Exodus regular expression: no single package to point at
        descriptor = "L" + prefix.rstrip(".").replace(".", "/") + "/"
        at = bisect.bisect_left(class_files, (descriptor, ""))
        if at < len(class_files) and class_files[at][0].startswith(descriptor):
            name, dex = class_files[at]
            places.append(Location(dex, name))
    return places


def _native_libraries(names: Iterable[str]) -> list[str]:
    by_abi: dict[str, list[str]] = {}
    for name in names:
        parts = name.split("/")
        if len(parts) == 3 and parts[0] == "lib" and parts[2].endswith(".so"):
            by_abi.setdefault(parts[1], []).append(name)
    for abi in (*PREFERRED_ABIS, *sorted(by_abi)):
        if abi in by_abi:
            return sorted(by_abi[abi])
    return []


def _analyze_ios(
    sample: AppSample, archive: AppArchive, intel: Intel, deadline: _Deadline
) -> tuple[AppReport, list[DerivedDocument], _Collected]:
    from aivet.analyze.app.ios import IpaError, read_ios

    collected = _Collected()
    step = time.perf_counter()
    try:
        scan = read_ios(archive)
    except IpaError as exc:
        raise AppAnalysisError(f"{sample.file_name}: {exc}") from None
    collected.timings_ms["bundle_and_binaries"] = _ms(step)
    facts = scan.facts
    facts.notes = list(scan.notes)
    derived = [DerivedDocument(scan.plist_xml, "application/xml", "app-info-plist")]
    facts.info_plist_sha256 = derived[0].sha256
    collected.crypto += scan.crypto
    collected.storage += scan.storage
    collected.indicators += scan.indicators
    collected.partial += [p for p in scan.problems if p]
    if any(b.encrypted for b in facts.binaries):
        collected.partial.append(
            "the executable is FairPlay-encrypted: its code and strings were not readable "
            "(decrypt it first for a full analysis)"
        )
    if deadline.passed():
        collected.partial.append(f"time limit ({deadline.seconds:g} s) reached")
    step = time.perf_counter()
    is_first_party = _first_party_test(facts.bundle_id, intel)
    documents: list[tuple[str, Location]] = []
    binaries: list[tuple[str, Location]] = []
    for item in scan.strings:
        is_document = item[1].file.lower().endswith(DOCUMENT_SUFFIXES)
        (documents if is_document else binaries).append(item)
    _scan_strings(documents, intel, is_first_party, collected)
    _scan_strings(binaries, intel, is_first_party, collected, native=True)
    collected.timings_ms["strings"] = _ms(step)
    sdks = [sdk_hit(m, intel) for m in intel.sdks.match_ios(facts.frameworks, scan.objc_classes)]
    report = AppReport(
        platform="ios",
        file_name=sample.file_name,
        file_sha256=sample.sha256,
        file_size=sample.size,
        identifier=facts.bundle_id,
        version=facts.short_version or facts.version,
        archive=archive.report(),
        limits=sample.limits,
        ios=facts,
        sdks=sdks,
    )
    return report, derived, collected


def _dedupe_storage(writes: list[StorageWrite]) -> list[StorageWrite]:
    seen: dict[tuple[str, str, Location], StorageWrite] = {}
    for write in writes:
        seen.setdefault((write.store, write.key, write.location), write)
    return sorted(seen.values(), key=lambda w: (not w.sensitive, w.store, w.key))


def _dedupe_indicators(indicators: list[Indicator]) -> list[Indicator]:
    seen: dict[tuple[str, str, Location], Indicator] = {}
    for indicator in indicators:
        seen.setdefault((indicator.kind, indicator.detail, indicator.location), indicator)
    return sorted(seen.values(), key=lambda i: (i.kind, i.detail, i.location.file))


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 1)
