"""An IPA: its one app bundle, the Info.plist (transport security, URL schemes, privacy
strings), the Mach-O binaries inside, and the configuration files worth scanning.

`read_ios` raises `IpaError` only when the file is not an iOS app at all: no app
bundle, more than one, or no readable Info.plist. Everything else that cannot be
read (a truncated binary, a broken configuration file) is named in `problems` and
the rest is still read.
"""

from __future__ import annotations

import json
import plistlib
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from aivet.analyze.app.archive import AppArchive
from aivet.analyze.app.macho import analyze_macho
from aivet.app_record import (
    AtsException,
    AtsSettings,
    CryptoUse,
    Indicator,
    IosFacts,
    Location,
    StorageWrite,
)

MAX_PLIST_BYTES = 8 * 1024 * 1024
MAX_BINARIES = 64
"""Main executable, frameworks, dylibs and app extensions analysed; the rest are named."""
MAX_CONFIG_FILES = 500
MAX_CONFIG_BYTES = 16 * 1024 * 1024
MAX_CONFIG_TOTAL = 128 * 1024 * 1024
MAX_KEY_PATH = 256
CHUNK = 64 * 1024
"""Text handed to the scanners in pieces of this size (a minified bundle is one line)."""

CONFIG_SUFFIXES = frozenset(
    {
        ".plist", ".json", ".xml", ".txt", ".cfg", ".conf", ".config", ".properties",
        ".yaml", ".yml", ".env", ".ini", ".js", ".jsbundle", ".html", ".htm",
    }
)  # fmt: skip
"""Bundle files read for endpoints and secrets (GoogleService-Info.plist, a React Native
main.jsbundle, web content); localisation tables and compiled assets are not."""

_ATS_IGNORES_GLOBAL = (
    "NSAllowsArbitraryLoadsInWebContent",
    "NSAllowsArbitraryLoadsForMedia",
    "NSAllowsLocalNetworking",
)
"""From iOS 10, any of these in NSAppTransportSecurity makes iOS ignore NSAllowsArbitraryLoads
(Apple's NSAppTransportSecurity documentation)."""


class IpaError(ValueError):
    """The archive is not an iOS app: no single app bundle, or no readable Info.plist."""


@dataclass
class IosScan:
    facts: IosFacts
    plist_xml: bytes
    """Info.plist as XML (a binary plist converted), for the evidence store."""
    strings: list[tuple[str, Location]] = field(default_factory=list)
    """Strings of the binaries and of the bundle's configuration files, for the scanners."""
    objc_classes: list[str] = field(default_factory=list)
    crypto: list[CryptoUse] = field(default_factory=list)
    storage: list[StorageWrite] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """What could not be read, each on one line."""
    notes: list[str] = field(default_factory=list)
    """What the settings mean beyond their face value (an ATS key that iOS ignores…)."""


def app_bundle(names: list[str]) -> str:
    """`Payload/<Name>.app/`, the one app bundle of an IPA."""
    bundles = sorted(
        {
            f"Payload/{parts[1]}/"
            for parts in (name.split("/") for name in names)
            if len(parts) > 2 and parts[0] == "Payload" and parts[1].endswith(".app")
        }
    )
    if not bundles:
        raise IpaError("no Payload/<Name>.app/ in the archive: not an IPA")
    if len(bundles) > 1:
        shown = ", ".join(b.removeprefix("Payload/").rstrip("/") for b in bundles[:5])
        raise IpaError(f"{len(bundles)} app bundles under Payload/ ({shown}); an IPA holds one")
    return bundles[0]


def parse_plist(data: bytes, name: str) -> dict[str, Any]:
    """A property list (XML or binary) whose top level is a dictionary; IpaError if not."""
    try:
        value = plistlib.loads(data)
    except Exception as exc:  # plistlib raises many types on hostile input (Expat, Attribute…)
        raise IpaError(f"{name}: not a property list ({type(exc).__name__}: {exc})") from None
    if not isinstance(value, dict):
        raise IpaError(f"{name}: the property list is a {type(value).__name__}, not a dictionary")
    return value


def _flag(settings: dict[str, Any], key: str) -> bool:
    """ATS flags are booleans; iOS reads anything else as unset."""
    return settings.get(key) is True


def _first(settings: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if key in settings:
            return settings[key]
    return None


def ats_settings(info: dict[str, Any], notes: list[str]) -> AtsSettings:
    """NSAppTransportSecurity as iOS applies it; what it ignores is said in `notes`."""
    ats = info.get("NSAppTransportSecurity")
    if not isinstance(ats, dict):
        return AtsSettings(present=False, allows_arbitrary_loads=False)
    ignoring = [key for key in _ATS_IGNORES_GLOBAL if key in ats]
    arbitrary = _flag(ats, "NSAllowsArbitraryLoads")
    if arbitrary and ignoring:
        notes.append(
            f"NSAllowsArbitraryLoads is true but iOS 10+ ignores it because {ignoring[0]} is set"
        )
    settings = AtsSettings(
        present=True,
        allows_arbitrary_loads=arbitrary and not ignoring,
        allows_arbitrary_loads_in_web_content=_flag(ats, "NSAllowsArbitraryLoadsInWebContent"),
        allows_arbitrary_loads_for_media=_flag(ats, "NSAllowsArbitraryLoadsForMedia"),
        allows_local_networking=_flag(ats, "NSAllowsLocalNetworking"),
    )
    domains = ats.get("NSExceptionDomains")
    for domain, rules in (domains or {}).items() if isinstance(domains, dict) else ():
        if not isinstance(rules, dict):
            continue
        tls = _first(
            rules, "NSExceptionMinimumTLSVersion", "NSTemporaryExceptionMinimumTLSVersion",
            "NSThirdPartyExceptionMinimumTLSVersion",
        )  # fmt: skip
        secrecy = _first(
            rules, "NSExceptionRequiresForwardSecrecy",
            "NSTemporaryExceptionRequiresForwardSecrecy",
            "NSThirdPartyExceptionRequiresForwardSecrecy",
        )  # fmt: skip
        settings.exceptions.append(
            AtsException(
                domain=str(domain),
                allows_insecure_http=any(
                    _flag(rules, key)
                    for key in (
                        "NSExceptionAllowsInsecureHTTPLoads",
                        "NSTemporaryExceptionAllowsInsecureHTTPLoads",
                        "NSThirdPartyExceptionAllowsInsecureHTTPLoads",
                    )
                ),
                includes_subdomains=_flag(rules, "NSIncludesSubdomains"),
                minimum_tls_version=tls if isinstance(tls, str) else None,
                requires_forward_secrecy=secrecy if isinstance(secrecy, bool) else None,
            )
        )
    return settings


def _strings_list(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def url_schemes(info: dict[str, Any]) -> list[str]:
    types = info.get("CFBundleURLTypes")
    found: list[str] = []
    for entry in types if isinstance(types, list) else ():
        if isinstance(entry, dict):
            found += _strings_list(entry.get("CFBundleURLSchemes"))
    return list(dict.fromkeys(found))


def _optional_str(info: dict[str, Any], key: str) -> str | None:
    value = info.get(key)
    return value if isinstance(value, str) else None


def _xml(info: dict[str, Any], name: str, raw: bytes, problems: list[str]) -> bytes:
    try:
        return plistlib.dumps(info, fmt=plistlib.FMT_XML, sort_keys=False)
    except (TypeError, ValueError, OverflowError, RecursionError) as exc:  # UIDs, deep nesting
        problems.append(f"{name}: kept as read, cannot be written as XML ({exc})")
        return raw


def _flatten(document: Any) -> Iterator[tuple[str, str]]:
    """(text, key path) for every string in a plist or JSON document, depth first.

    With a stack, not recursion: an XML plist can nest deeper than Python recurses."""
    stack: list[tuple[Any, str]] = [(document, "")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            yield value, path
        elif isinstance(value, dict | list):
            if len(path) > MAX_KEY_PATH:  # a hostile depth: stop naming the levels
                pairs = [
                    (item, path) for item in (value.values() if isinstance(value, dict) else value)
                ]
            elif isinstance(value, dict):
                pairs = [
                    (item, f"{path}.{key}" if path else str(key)) for key, item in value.items()
                ]
            else:
                pairs = [(item, f"{path}[{i}]") for i, item in enumerate(value)]
            stack.extend(reversed(pairs))


def config_strings(name: str, data: bytes) -> list[tuple[str, Location]]:
    """The strings of one bundle file: a plist's or JSON's values by key path, else its
    text by line (long lines in CHUNK pieces)."""
    suffix = posixpath.splitext(name)[1].lower()
    document: Any = None
    if suffix == ".plist" or data.startswith(b"bplist"):
        try:
            document = plistlib.loads(data)
        except Exception:  # not a plist after all (or hostile): read it as text below
            document = None
    elif suffix == ".json":
        try:
            document = json.loads(data)
        except (ValueError, RecursionError):
            document = None
    if document is not None:
        return [(text, Location(name, path or "/")) for text, path in _flatten(document)]
    if b"\0" in data[:8192] and not data.startswith(b"\xff\xfe"):
        return []  # binary data under a text name
    text = data.decode("utf-8", errors="replace")
    out: list[tuple[str, Location]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        for start in range(0, len(line), CHUNK):
            piece = line[start : start + CHUNK]
            if piece.strip():
                where = f"line {number}" + (f", column {start + 1}" if start else "")
                out.append((piece, Location(name, where)))
    return out


def _bundle_binaries(
    archive: AppArchive, bundle: str, executable: str, problems: list[str]
) -> tuple[list[str], list[str]]:
    """(frameworks listed as names, binary entries to analyse: the executable first)."""
    names = archive.names
    frameworks: list[str] = []
    binaries = [bundle + executable]
    for name in names:
        rest = name.removeprefix(bundle)
        if rest == name:
            continue
        parts = rest.split("/")
        if parts[0] == "Frameworks" and len(parts) == 2 and parts[1].endswith(".dylib"):
            frameworks.append(parts[1])
            binaries.append(name)
        elif parts[0] == "Frameworks" and len(parts) > 2 and parts[1].endswith(".framework"):
            if parts[1] not in frameworks:
                frameworks.append(parts[1])
                binaries.append(
                    _inner_executable(archive, f"{bundle}Frameworks/{parts[1]}/", problems)
                )
        elif parts[0] == "PlugIns" and len(parts) > 2 and parts[1].endswith(".appex"):
            inner = _inner_executable(archive, f"{bundle}PlugIns/{parts[1]}/", problems)
            if inner not in binaries:
                binaries.append(inner)
    present = set(names)
    return frameworks, [b for b in binaries if b in present]


def _inner_executable(archive: AppArchive, folder: str, problems: list[str]) -> str:
    """A framework's or extension's binary: its Info.plist's CFBundleExecutable, else the
    folder's name without the extension (Xcode's default)."""
    default = posixpath.splitext(posixpath.basename(folder.rstrip("/")))[0]
    raw = archive.read(folder + "Info.plist", max_bytes=MAX_PLIST_BYTES)
    if raw is None:
        return folder + default
    try:
        executable = parse_plist(raw, folder + "Info.plist").get("CFBundleExecutable")
    except IpaError as exc:
        problems.append(str(exc))
        return folder + default
    if isinstance(executable, str) and executable and "/" not in executable:
        return folder + executable
    return folder + default


def _config_files(
    archive: AppArchive, bundle: str, skip: set[str], problems: list[str]
) -> Iterator[str]:
    count = 0
    for name in archive.names:
        if not name.startswith(bundle) or name.endswith("/") or name in skip:
            continue
        if posixpath.splitext(name)[1].lower() not in CONFIG_SUFFIXES:
            continue
        info = archive.info(name)
        if info is None:
            continue
        if info.uncompressed_size > MAX_CONFIG_BYTES:
            problems.append(f"{name}: not scanned ({info.uncompressed_size} bytes)")
            continue
        count += 1
        if count > MAX_CONFIG_FILES:
            problems.append(f"configuration files past the first {MAX_CONFIG_FILES} not scanned")
            return
        yield name


def read_ios(archive: AppArchive) -> IosScan:
    """Read the IPA open in `archive`; IpaError when it holds no single readable app."""
    bundle = app_bundle(archive.names)
    plist_name = bundle + "Info.plist"
    raw = archive.read(plist_name, max_bytes=MAX_PLIST_BYTES)
    if raw is None:
        raise IpaError(f"{plist_name}: missing or unreadable")
    info = parse_plist(raw, plist_name)
    problems: list[str] = []
    notes: list[str] = []
    bundle_id = _optional_str(info, "CFBundleIdentifier")
    if not bundle_id:
        problems.append(f"{plist_name}: no CFBundleIdentifier")
    executable = _optional_str(info, "CFBundleExecutable")
    if not executable or "/" in executable:
        problems.append(f"{plist_name}: no usable CFBundleExecutable; using the bundle's name")
        executable = bundle.removeprefix("Payload/").removesuffix(".app/")
    usage = {
        key: value
        for key, value in info.items()
        if isinstance(key, str) and key.endswith("UsageDescription") and isinstance(value, str)
    }
    frameworks, binaries = _bundle_binaries(archive, bundle, executable, problems)
    if bundle + executable not in binaries:
        problems.append(f"{bundle}{executable}: the main executable is not in the archive")
    facts = IosFacts(
        bundle_id=bundle_id or "",
        version=_optional_str(info, "CFBundleVersion"),
        short_version=_optional_str(info, "CFBundleShortVersionString"),
        minimum_os=_optional_str(info, "MinimumOSVersion"),
        executable=executable,
        ats=ats_settings(info, notes),
        url_schemes=url_schemes(info),
        usage_descriptions=usage,
        frameworks=frameworks,
    )
    scan = IosScan(facts, _xml(info, plist_name, raw, problems), problems=problems, notes=notes)
    _read_binaries(archive, binaries, scan)
    _read_config_files(archive, _config_files(archive, bundle, set(binaries), problems), scan)
    return scan


def _read_binaries(archive: AppArchive, binaries: list[str], scan: IosScan) -> None:
    problems = scan.problems
    classes: set[str] = set()
    for name in binaries[:MAX_BINARIES]:
        data = archive.read(name)
        if data is None:
            problems.append(f"{name}: not read (see the archive's skipped entries)")
            continue
        found = analyze_macho(data, name)
        scan.strings += found.strings
        classes.update(found.objc_classes)
        scan.crypto += found.crypto
        scan.storage += found.storage
        scan.indicators += found.indicators
        problems += found.problems
        scan.facts.binaries.append(found.facts)
    if len(binaries) > MAX_BINARIES:
        problems.append(f"{len(binaries) - MAX_BINARIES} binaries not analysed (over the limit)")
    scan.objc_classes = sorted(classes)


def _read_config_files(archive: AppArchive, names: Iterator[str], scan: IosScan) -> None:
    total = 0
    for name in names:
        data = archive.read(name, max_bytes=MAX_CONFIG_BYTES)
        if data is None:
            continue
        total += len(data)
        if total > MAX_CONFIG_TOTAL:
            scan.problems.append(f"configuration files past {MAX_CONFIG_TOTAL} bytes not scanned")
            return
        scan.strings += config_strings(name, data)
