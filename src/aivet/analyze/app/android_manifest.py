"""AndroidManifest.xml and its network security config, read the way Android reads them.

Binary XML is decoded with androguard's `AXMLPrinter`, which names `android:`
attributes by their resource ids as the platform does (a tampered string pool
cannot rename `debuggable`); apkInspector's decoder, built for manifests with
broken chunk headers that androguard refuses, is the fallback. The facts are
then read from the decoded XML: exported components as Android computes them,
permissions with the framework's protection levels (data generated from AOSP by
scripts/gen_android_permissions.py), and the network security config resolved
through resources.arsc.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Literal

import yaml
from androguard.core.axml import ARSCParser, AXMLPrinter  # type: ignore[import-untyped]
from apkInspector.axml import get_manifest  # type: ignore[import-untyped]
from loguru import logger

from aivet.analyze.app.archive import AppArchive
from aivet.app_record import (
    AndroidManifestFacts,
    Component,
    NetworkSecurityConfig,
    Permission,
    PinSet,
)

# androguard logs every chunk it reads at debug level to stderr unless told not to;
# that is noise in aivet's output and costs time on big files.
logger.disable("androguard")

MANIFEST = "AndroidManifest.xml"
ANDROID = "{http://schemas.android.com/apk/res/android}"
PERMISSIONS_DATA = "android-permissions.yaml"
_MAX_XML_BYTES = 8 * 1024 * 1024
"""Real manifests are well under 1 MiB; apkInspector's fallback scans garbage byte by byte
(about 3 s per 8 MiB), so a larger file is not decoded."""
_MAX_ARSC_BYTES = 64 * 1024 * 1024
"""androguard parses about 20 MB of resource table a second; Android's own is 31 MB."""
_COMPONENT_KINDS: tuple[
    Literal["activity", "activity-alias", "service", "receiver", "provider"], ...
] = (
    "activity",
    "activity-alias",
    "service",
    "receiver",
    "provider",
)
_USES_PERMISSION = ("uses-permission", "uses-permission-sdk-23", "uses-permission-sdk-m")
_REFERENCE = re.compile(r"@(?:android:)?([0-9A-Fa-f]{8})")
_DECIMAL_REFERENCE = re.compile(r"@(\d+)")

Decoder = Literal["androguard", "apkInspector", "text"]


class BinaryXmlError(ValueError):
    """Neither decoder could make XML of the bytes."""


@dataclass
class DecodedXml:
    root: ET.Element
    xml: bytes
    """The XML text as decoded (evidence)."""
    decoder: Decoder
    problems: list[str] = field(default_factory=list)


def decode_binary_xml(data: bytes, file: str) -> DecodedXml:
    """Android binary XML (or, oddly, plain XML) to an element tree; raises BinaryXmlError."""
    problems: list[str] = []
    if data.lstrip()[:1] == b"<":
        # Android only reads compiled XML; a text file here means a broken or hand-made APK.
        return DecodedXml(_parse(data, file), data, "text", [f"{file} is plain-text XML"])
    try:
        printer = AXMLPrinter(data)
        if printer.is_valid() and printer.get_xml_obj() is not None:
            xml: bytes = printer.get_xml()
            if printer.is_packed():
                problems.append(
                    f"{file}: attribute names in the string pool differ from their resource "
                    "ids (tampered to mislead analysers; the resource ids are what Android uses)"
                )
            if printer.axml.axml_tampered:
                problems.append(f"{file}: binary XML header is tampered (unusual type or size)")
            return DecodedXml(_parse(xml, file), xml, "androguard", problems)
        problems.append(f"{file}: androguard cannot decode the binary XML")
    # Third-party parsers on hostile bytes fail in many ways; each failure is a finding.
    except Exception as error:
        problems.append(f"{file}: androguard fails on the binary XML ({error})")
    try:
        text: str = get_manifest(io.BytesIO(data))
    except Exception as error:
        raise BinaryXmlError(
            "; ".join([*problems, f"apkInspector fails too ({type(error).__name__}: {error})"])
        ) from error
    xml = text.encode("utf-8")
    problems.append(
        f"{file}: decoded with apkInspector (attribute names from the string pool, "
        "which a tampered file can falsify)"
    )
    try:
        root = _parse(xml, file)
    except BinaryXmlError as error:
        raise BinaryXmlError("; ".join([*problems, str(error)])) from error
    return DecodedXml(root, xml, "apkInspector", problems)


def _parse(xml: bytes, file: str) -> ET.Element:
    try:
        return ET.fromstring(xml)
    except ET.ParseError as error:
        raise BinaryXmlError(f"{file}: decoded XML is not well formed ({error})") from error


@cache
def framework_permissions() -> dict[str, str]:
    """{permission name: protection level} for the platform's own permissions."""
    text = files("aivet.intel").joinpath("data", PERMISSIONS_DATA).read_text(encoding="utf-8")
    loaded = yaml.safe_load(text)
    return {str(name): str(level) for name, level in loaded["permissions"].items()}


def read_android_manifest(archive: AppArchive) -> tuple[AndroidManifestFacts, bytes]:
    """The manifest's facts and its decoded XML; what cannot be read is named in `problems`."""
    data = archive.read(MANIFEST, max_bytes=_MAX_XML_BYTES)
    if data is None:
        why = "missing" if archive.info(MANIFEST) is None else "not readable (see skipped)"
        return _empty_facts(f"{MANIFEST} {why}"), b""
    try:
        decoded = decode_binary_xml(data, MANIFEST)
    except BinaryXmlError as error:
        return _empty_facts(str(error)), b""
    reader = _ManifestReader(decoded)
    facts = reader.facts()
    nsc_reference = reader.application_attribute("networkSecurityConfig")
    if nsc_reference is not None:
        facts.network_security_config = _network_security_config(
            archive, nsc_reference, decoded.decoder, facts.problems
        )
    return facts, decoded.xml


def _empty_facts(problem: str) -> AndroidManifestFacts:
    return AndroidManifestFacts(
        package="",
        version_code=None,
        version_name=None,
        min_sdk=None,
        target_sdk=None,
        debuggable=False,
        allow_backup=True,
        uses_cleartext_traffic=None,
        problems=[problem],
    )


class _ManifestReader:
    """Facts from a decoded manifest tree, with Android's defaults."""

    def __init__(self, decoded: DecodedXml) -> None:
        self.root = decoded.root
        self.problems = list(decoded.problems)
        application = self.root.find("application")
        self.application = application if application is not None else ET.Element("application")
        if application is None:
            self.problems.append(f"{MANIFEST} has no <application>")
        self.package = self.root.get("package", "")
        if not self.package:
            self.problems.append(f"{MANIFEST} has no package name")

    def application_attribute(self, name: str) -> str | None:
        return self.application.get(ANDROID + name)

    def facts(self) -> AndroidManifestFacts:
        uses_sdk = self.root.find("uses-sdk")
        sdk = uses_sdk if uses_sdk is not None else ET.Element("uses-sdk")
        min_sdk = self._int(sdk, "minSdkVersion")
        target_sdk = self._int(sdk, "targetSdkVersion")
        return AndroidManifestFacts(
            package=self.package,
            version_code=self.root.get(ANDROID + "versionCode"),
            version_name=self.root.get(ANDROID + "versionName"),
            min_sdk=min_sdk,
            target_sdk=target_sdk,
            debuggable=self._bool(self.application, "debuggable") or False,
            allow_backup=_default(self._bool(self.application, "allowBackup"), True),
            uses_cleartext_traffic=self._bool(self.application, "usesCleartextTraffic"),
            permissions=self._permissions(),
            # Android: targetSdkVersion defaults to minSdkVersion, which defaults to 1.
            components=self._components(target_sdk or min_sdk or 1),
            problems=self.problems,
        )

    def _int(self, element: ET.Element, name: str) -> int | None:
        value = element.get(ANDROID + name)
        if value is None:
            return None
        try:
            return int(value, 0)
        except ValueError:
            self.problems.append(f"android:{name} is not a number: {value!r}")
            return None

    def _bool(self, element: ET.Element, name: str) -> bool | None:
        value = element.get(ANDROID + name)
        if value is None:
            return None
        if value in ("true", "false"):
            return value == "true"
        # A resource reference (@bool/x) or garbage: the value is not known here.
        self.problems.append(f"<{element.tag}> android:{name} is not a boolean: {value!r}")
        return None

    def _permissions(self) -> list[Permission]:
        platform = framework_permissions()
        declared = {
            p.get(ANDROID + "name"): p.get(ANDROID + "protectionLevel")
            for p in self.root.iter("permission")
        }
        seen: dict[str, Permission] = {}
        for tag in _USES_PERMISSION:
            for element in self.root.iter(tag):
                name = element.get(ANDROID + "name")
                if not name or name in seen:
                    continue
                if name in platform:
                    level = platform[name]
                elif name in declared:
                    level = "custom"
                else:
                    level = "unknown"
                seen[name] = Permission(name, level)
        return list(seen.values())

    def _components(self, target_sdk: int) -> list[Component]:
        components: list[Component] = []
        for element in self.application:
            if element.tag not in _COMPONENT_KINDS:
                continue
            kind = _COMPONENT_KINDS[_COMPONENT_KINDS.index(element.tag)]
            name = self._class_name(element.get(ANDROID + "name", ""))
            filters = element.findall("intent-filter")
            actions = [
                action
                for intent_filter in filters
                for a in intent_filter.findall("action")
                if (action := a.get(ANDROID + "name"))
            ]
            explicit = self._bool(element, "exported")
            if explicit is not None:
                exported = explicit
            elif kind == "provider":
                # Providers were exported by default until API 17 (Jelly Bean MR1).
                exported = target_sdk < 17
            else:
                exported = bool(filters)
                if filters and target_sdk >= 31:
                    self.problems.append(
                        f"{kind} {name} has intent filters but no android:exported "
                        "(Android 12 refuses to install this for targetSdk 31+)"
                    )
            components.append(
                Component(
                    kind=kind,
                    name=name,
                    exported=exported,
                    explicit=explicit is not None,
                    permission=element.get(ANDROID + "permission"),
                    actions=actions,
                )
            )
        return components

    def _class_name(self, name: str) -> str:
        """Android's expansion: `.Main` and `Main` are classes of the manifest's package."""
        if name.startswith("."):
            return self.package + name
        if "." not in name and name:
            return f"{self.package}.{name}"
        return name


def _default(value: bool | None, default: bool) -> bool:
    return default if value is None else value


def _resource_id(reference: str, decoder: Decoder) -> int | None:
    # androguard writes references as 8 hex digits, apkInspector as a decimal number.
    if decoder == "apkInspector":
        decimal = _DECIMAL_REFERENCE.fullmatch(reference)
        return int(decimal.group(1)) if decimal else None
    hexadecimal = _REFERENCE.fullmatch(reference)
    return int(hexadecimal.group(1), 16) if hexadecimal else None


def _network_security_config(
    archive: AppArchive, reference: str, decoder: Decoder, problems: list[str]
) -> NetworkSecurityConfig | None:
    resource_id = _resource_id(reference, decoder)
    if resource_id is None:
        problems.append(f"android:networkSecurityConfig is not a resource reference: {reference!r}")
        return None
    path = _resource_file(archive, resource_id, problems)
    if path is None:
        return None
    data = archive.read(path, max_bytes=_MAX_XML_BYTES)
    if data is None:
        problems.append(f"network security config {path} is not in the archive or not readable")
        return None
    try:
        decoded = decode_binary_xml(data, path)
    except BinaryXmlError as error:
        problems.append(str(error))
        return None
    problems += decoded.problems
    return parse_network_security_config(decoded.root, path)


def _resource_file(archive: AppArchive, resource_id: int, problems: list[str]) -> str | None:
    """The res/… path a resource id names, from resources.arsc (the default config first)."""
    table = archive.read("resources.arsc", max_bytes=_MAX_ARSC_BYTES)
    if table is None:
        why = "missing" if archive.info("resources.arsc") is None else "not readable"
        problems.append(f"resources.arsc is {why}: resource 0x{resource_id:08x} not resolved")
        return None
    try:
        resolved = ARSCParser(table).get_resolved_res_configs(resource_id)
    # As for binary XML: a hostile resource table may break the parser in any way.
    except Exception as error:
        problems.append(f"resources.arsc cannot be parsed ({type(error).__name__}: {error})")
        return None
    paths = [(config.get_qualifier(), str(value)) for config, value in resolved]
    paths.sort(key=lambda item: item[0] != "")
    if not paths:
        problems.append(f"resource 0x{resource_id:08x} is not in resources.arsc")
        return None
    return paths[0][1]


def parse_network_security_config(root: ET.Element, file: str) -> NetworkSecurityConfig:
    """The cleartext, trust anchor and pinning facts of a decoded network security config."""
    base = root.find("base-config")
    config = NetworkSecurityConfig(
        file=file,
        base_cleartext_permitted=_nsc_bool(base.get("cleartextTrafficPermitted"))
        if base is not None
        else None,
    )
    if base is not None and _trusts_user_cas(base):
        config.user_trust_anchors.append("base")
    debug = root.find("debug-overrides")
    if debug is not None and _trusts_user_cas(debug):
        config.user_trust_anchors.append("debug-overrides")
    for domain_config in root.findall("domain-config"):
        _domain_config(domain_config, None, config)
    return config


def _domain_config(
    element: ET.Element, inherited: bool | None, config: NetworkSecurityConfig
) -> None:
    """One <domain-config>; a nested one inherits cleartextTrafficPermitted from its parent."""
    own = _nsc_bool(element.get("cleartextTrafficPermitted"))
    cleartext = inherited if own is None else own
    domains = [d.text.strip() for d in element.findall("domain") if d.text and d.text.strip()]
    if cleartext:
        config.cleartext_domains += domains
    if _trusts_user_cas(element):
        config.user_trust_anchors += [f"domain:{domain}" for domain in domains]
    for pin_set in element.findall("pin-set"):
        digests = [
            f"{pin.get('digest', 'SHA-256')}/{pin.text.strip()}"
            for pin in pin_set.findall("pin")
            if pin.text and pin.text.strip()
        ]
        config.pin_sets.append(PinSet(domains, digests, pin_set.get("expiration")))
    for nested in element.findall("domain-config"):
        _domain_config(nested, cleartext, config)


def _trusts_user_cas(element: ET.Element) -> bool:
    return any(c.get("src") == "user" for c in element.findall("trust-anchors/certificates"))


def _nsc_bool(value: str | None) -> bool | None:
    return None if value is None else value == "true"
