"""Manifest facts, network security config and signing, on a real APK and on APKs built
with the real Android tools (aapt, smali, zipalign, apksigner), some then tampered."""

from __future__ import annotations

import importlib.resources
import io
import struct
import subprocess
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from androguard.core.apk import APK  # type: ignore[import-untyped]
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from aivet.analyze.app.android_manifest import (
    MANIFEST,
    decode_binary_xml,
    framework_permissions,
    read_android_manifest,
)
from aivet.analyze.app.archive import AppArchive
from aivet.analyze.app.signing import JANUS, certificate_facts, read_signing
from aivet.app_record import AndroidManifestFacts, AppLimits, Component, SigningInfo
from tests.support import bad_zips
from tests.support.android_tools import ApkSpec, build_apk, manifest

LIMITS = AppLimits()
PACKAGE = "com.example.audit"
NSC = """<?xml version="1.0" encoding="utf-8"?>
<network-security-config>
  <base-config cleartextTrafficPermitted="true">
    <trust-anchors><certificates src="system"/><certificates src="user"/></trust-anchors>
  </base-config>
  <domain-config cleartextTrafficPermitted="true">
    <domain includeSubdomains="true">cmpassport.com</domain>
    <domain-config><domain>sub.example.org</domain></domain-config>
  </domain-config>
  <domain-config cleartextTrafficPermitted="false">
    <domain>pinned.example.com</domain>
    <pin-set expiration="2030-01-01">
      <pin digest="SHA-256">7HIpactkIAq2Y49orFOOQKurWxmmSFZhBCoQYcRhJ3Y=</pin>
      <pin digest="SHA-256">fwza0LRMXouZHRC8Ei+4PyuldPDcf3UKgO/04cDM1oE=</pin>
    </pin-set>
    <trust-anchors><certificates src="user"/></trust-anchors>
  </domain-config>
  <debug-overrides><trust-anchors><certificates src="user"/></trust-anchors></debug-overrides>
</network-security-config>
"""
COMPONENTS = """
    <activity android:name=".Main">
      <intent-filter>
        <action android:name="android.intent.action.MAIN"/>
        <category android:name="android.intent.category.LAUNCHER"/>
      </intent-filter>
    </activity>
    <activity android:name=".Internal"/>
    <activity-alias android:name=".Alias" android:targetActivity=".Main" android:exported="false"/>
    <service android:name="com.example.audit.Open" android:exported="true"/>
    <service android:name=".Guarded" android:exported="true"
        android:permission="com.example.audit.PRIVATE"/>
    <receiver android:name="Ping">
      <intent-filter><action android:name="com.example.audit.PING"/></intent-filter>
    </receiver>
    <provider android:name=".Store" android:authorities="com.example.audit.store"/>
"""
DECLARED_PERMISSION = (
    '<permission android:name="com.example.audit.PRIVATE" android:protectionLevel="signature"/>'
)


def real_apk() -> Path:
    return Path(str(importlib.resources.files("uiautomator2") / "assets/app-uiautomator.apk"))


@dataclass
class Built:
    full: Path
    v1_only: Path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    folder = tmp_path_factory.mktemp("apks")
    text = manifest(
        PACKAGE,
        COMPONENTS,
        permissions=(
            "android.permission.INTERNET",
            "android.permission.CAMERA",
            "com.example.audit.PRIVATE",
            "org.other.UNKNOWN",
        ),
        application_attributes=(
            'android:debuggable="true" android:allowBackup="false" '
            'android:usesCleartextTraffic="true" '
            'android:networkSecurityConfig="@xml/network_security_config"'
        ),
        target_sdk=30,
    ).replace("<application", DECLARED_PERMISSION + "\n  <application")
    text = text.replace(
        "<application",
        '<uses-permission-sdk-23 android:name="android.permission.READ_CONTACTS"/>\n  <application',
    )
    full = build_apk(
        ApkSpec(manifest=text, resources={"xml/network_security_config.xml": NSC}),
        folder / "full.apk",
    )
    old = manifest(
        "com.example.old",
        '<provider android:name=".Legacy" android:authorities="com.example.old.legacy"/>',
        target_sdk=16,
    )
    v1_only = build_apk(ApkSpec(manifest=old, v1_only=True), folder / "v1.apk")
    return Built(full, v1_only)


def manifest_of(path: Path) -> tuple[AndroidManifestFacts, bytes]:
    with AppArchive.open(path, LIMITS) as archive:
        return read_android_manifest(archive)


def signing_of(path: Path) -> SigningInfo:
    with AppArchive.open(path, LIMITS) as archive:
        return read_signing(archive, path)


def component(facts: AndroidManifestFacts, name: str) -> Component:
    (found,) = [c for c in facts.components if c.name == name]
    return found


# -- the real APK, against androguard ----------------------------------------------------


def test_real_manifest_matches_androguard() -> None:
    path = real_apk()
    facts, xml = manifest_of(path)
    reference = APK(str(path))
    assert facts.package == reference.get_package() == "com.github.uiautomator"
    assert facts.version_code == reference.get_androidversion_code()
    assert facts.version_name == reference.get_androidversion_name()
    assert facts.min_sdk == int(reference.get_min_sdk_version())
    assert facts.target_sdk == int(reference.get_target_sdk_version())
    assert sorted(p.name for p in facts.permissions) == sorted(reference.get_permissions())
    kinds = {
        "activity": reference.get_activities(),
        "service": reference.get_services(),
        "receiver": reference.get_receivers(),
        "provider": reference.get_providers(),
    }
    for kind, names in kinds.items():
        assert sorted(c.name for c in facts.components if c.kind == kind) == sorted(names)
        for name in names:
            ours = component(facts, name)
            written = reference.get_attribute_value(kind, "exported", name=name)
            filters = reference.get_intent_filters(kind, name)
            expected = written == "true" if written is not None else bool(filters)
            assert ours.exported == expected
            assert ours.explicit == (written is not None)
            assert ours.actions == filters.get("action", [])
    assert facts.debuggable is True
    assert facts.problems == []
    assert xml.startswith(b"<manifest") and b"com.github.uiautomator" in xml


def test_real_signing_matches_androguard() -> None:
    path = real_apk()
    info = signing_of(path)
    reference = APK(str(path))
    expected = {"v1": reference.is_signed_v1(), "v2": reference.is_signed_v2()}
    expected |= {"v3": reference.is_signed_v3()}
    assert info.schemes == [scheme for scheme, present in expected.items() if present]
    ders = [*reference.get_certificates_der_v2(), *reference.get_certificates_der_v3()]
    ders += [reference.get_certificate_der(name) for name in reference.get_signature_names()]
    fingerprints = {certificate_facts(x509.load_der_x509_certificate(d)).sha256 for d in ders}
    assert {c.sha256 for c in info.certificates} == fingerprints
    (certificate,) = info.certificates
    assert certificate.debug and certificate.key_algorithm == "RSA" and certificate.key_bits == 2048
    assert info.problems == []


def test_framework_permission_levels() -> None:
    levels = framework_permissions()
    assert len(levels) > 500
    assert levels["android.permission.CAMERA"].split("|")[0] == "dangerous"
    assert levels["android.permission.INTERNET"].split("|")[0] == "normal"
    assert levels["android.permission.READ_LOGS"] == "signature|privileged|development"


# -- built APKs ------------------------------------------------------------------------


def test_built_manifest_flags_and_permissions(built: Built) -> None:
    facts, _ = manifest_of(built.full)
    assert (facts.package, facts.version_code, facts.version_name) == (PACKAGE, "7", "1.2.3")
    assert (facts.min_sdk, facts.target_sdk) == (21, 30)
    assert facts.debuggable and not facts.allow_backup and facts.uses_cleartext_traffic is True
    assert {p.name: p.protection_level.split("|")[0] for p in facts.permissions} == {
        "android.permission.INTERNET": "normal",
        "android.permission.CAMERA": "dangerous",
        "com.example.audit.PRIVATE": "custom",
        "org.other.UNKNOWN": "unknown",
        "android.permission.READ_CONTACTS": "dangerous",
    }
    assert facts.problems == []


def test_built_components_exported_as_android_computes(built: Built) -> None:
    facts, _ = manifest_of(built.full)
    rows = {(c.kind, c.name): (c.exported, c.explicit, c.permission) for c in facts.components}
    assert rows == {
        ("activity", f"{PACKAGE}.Main"): (True, False, None),
        ("activity", f"{PACKAGE}.Internal"): (False, False, None),
        ("activity-alias", f"{PACKAGE}.Alias"): (False, True, None),
        ("service", f"{PACKAGE}.Open"): (True, True, None),
        ("service", f"{PACKAGE}.Guarded"): (True, True, "com.example.audit.PRIVATE"),
        ("receiver", f"{PACKAGE}.Ping"): (True, False, None),
        ("provider", f"{PACKAGE}.Store"): (False, False, None),
    }
    assert component(facts, f"{PACKAGE}.Ping").actions == ["com.example.audit.PING"]


def test_built_network_security_config(built: Built) -> None:
    facts, _ = manifest_of(built.full)
    config = facts.network_security_config
    assert config is not None
    assert config.file == "res/xml/network_security_config.xml"
    assert config.base_cleartext_permitted is True
    assert config.cleartext_domains == ["cmpassport.com", "sub.example.org"]
    assert config.user_trust_anchors == ["base", "debug-overrides", "domain:pinned.example.com"]
    (pins,) = config.pin_sets
    assert pins.domains == ["pinned.example.com"]
    assert pins.expiration == "2030-01-01"
    assert pins.digests == [
        "SHA-256/7HIpactkIAq2Y49orFOOQKurWxmmSFZhBCoQYcRhJ3Y=",
        "SHA-256/fwza0LRMXouZHRC8Ei+4PyuldPDcf3UKgO/04cDM1oE=",
    ]


def test_defaults_and_old_provider(built: Built) -> None:
    facts, _ = manifest_of(built.v1_only)
    assert not facts.debuggable and facts.allow_backup and facts.uses_cleartext_traffic is None
    assert facts.network_security_config is None
    (provider,) = facts.components
    # targetSdk 16: providers are exported unless they say otherwise.
    assert (provider.kind, provider.exported, provider.explicit) == ("provider", True, False)


def test_signing_schemes_and_debug_certificate(built: Built) -> None:
    info = signing_of(built.full)
    assert info.schemes == ["v1", "v2", "v3"]
    (certificate,) = info.certificates
    printed = subprocess.run(
        ["apksigner", "verify", "--print-certs", str(built.full)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f"Signer #1 certificate SHA-256 digest: {certificate.sha256}" in printed
    assert certificate.subject == "CN=Android Debug,O=Android,C=US" and certificate.debug
    assert certificate.signature_algorithm == "sha256WithRSAEncryption"
    assert info.problems == []


def test_v1_only_is_janus(built: Built) -> None:
    info = signing_of(built.v1_only)
    assert info.schemes == ["v1"]
    assert info.problems == [JANUS]
    assert len(info.certificates) == 1 and info.certificates[0].debug


def test_unsigned_archive(tmp_path: Path) -> None:
    info = signing_of(bad_zips.plain(tmp_path / "x.apk"))
    assert info.schemes == [] and info.certificates == []
    assert info.problems == ["no signature: Android refuses to install an unsigned APK"]


def test_release_certificate_is_not_debug() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Example Release")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(0xABC)
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    facts = certificate_facts(certificate)
    assert not facts.debug
    assert (facts.key_algorithm, facts.key_bits) == ("EC secp256r1", 256)
    assert facts.serial == "abc" and facts.signature_algorithm == "ecdsa-with-SHA256"


# -- tampered ----------------------------------------------------------------------------


def signing_block_span(data: bytes) -> tuple[int, int]:
    """(start, end) of the APK Signing Block; end is the central directory offset."""
    end_record = data.rfind(b"PK\x05\x06")
    (cd_offset,) = struct.unpack_from("<I", data, end_record + 16)
    (size,) = struct.unpack_from("<Q", data, cd_offset - 24)
    return cd_offset - size - 8, cd_offset


def test_malformed_signing_block(built: Built, tmp_path: Path) -> None:
    data = bytearray(built.full.read_bytes())
    start, end = signing_block_span(bytes(data))
    v2 = data.index(struct.pack("<I", 0x7109871A), start, end)
    struct.pack_into("<I", data, v2 + 4, 0xFFFFFF00)
    path = tmp_path / "bad.apk"
    path.write_bytes(bytes(data))
    info = signing_of(path)
    assert info.schemes == ["v1", "v2", "v3"]
    assert info.problems == [
        "APK Signing Block malformed: v2 field of 4294967040 bytes runs past its container"
    ]
    struct.pack_into("<Q", data, start, 12)
    path.write_bytes(bytes(data))
    assert signing_of(path).problems == [
        "APK Signing Block malformed: its two size fields differ",
        "v1 only: vulnerable to Janus (CVE-2017-13156) on Android 5.0–8.0 devices",  # noqa: RUF001
    ]


def test_v1_and_v2_signers_differ(built: Built, tmp_path: Path) -> None:
    """The v1 signature file swapped for another signer's, the signing block kept."""
    data = built.full.read_bytes()
    start, end = signing_block_span(data)
    with zipfile.ZipFile(real_apk()) as other:
        foreign = other.read("META-INF/CERT.RSA")
    rebuilt = io.BytesIO()
    with zipfile.ZipFile(built.full) as source, zipfile.ZipFile(rebuilt, "w") as target:
        for entry in source.infolist():
            content = foreign if entry.filename.endswith(".RSA") else source.read(entry)
            target.writestr(entry, content)
    plain = rebuilt.getvalue()
    plain_end = plain.rfind(b"PK\x05\x06")
    (cd_offset,) = struct.unpack_from("<I", plain, plain_end + 16)
    spliced = bytearray(plain[:cd_offset] + data[start:end] + plain[cd_offset:])
    struct.pack_into("<I", spliced, plain_end + (end - start) + 16, cd_offset + end - start)
    path = tmp_path / "mixed.apk"
    path.write_bytes(bytes(spliced))
    info = signing_of(path)
    assert info.schemes == ["v1", "v2", "v3"]
    assert len(info.certificates) == 2
    assert info.problems == ["v1 and v2 certificates differ (a different signer per scheme)"]


def with_manifest(source: Path, manifest_bytes: bytes, out: Path) -> Path:
    with zipfile.ZipFile(source) as apk, zipfile.ZipFile(out, "w") as target:
        for info in apk.infolist():
            content = manifest_bytes if info.filename == MANIFEST else apk.read(info)
            target.writestr(info, content)
    return out


def utf16(text: str) -> bytes:
    return text.encode("utf-16-le")


def test_renamed_attribute_strings_do_not_fool_the_reader(built: Built, tmp_path: Path) -> None:
    """The string pool names `debuggable` otherwise; Android goes by resource id, so do we."""
    with zipfile.ZipFile(built.full) as apk:
        original = apk.read(MANIFEST)
    assert utf16("debuggable") in original, "aapt writes a UTF-16 string pool"
    tampered = original.replace(utf16("debuggable"), utf16("harmlessly"))
    facts, _ = manifest_of(with_manifest(built.full, tampered, tmp_path / "t.apk"))
    assert facts.debuggable is True
    assert facts.problems == [
        "AndroidManifest.xml: attribute names in the string pool differ from their resource "
        "ids (tampered to mislead analysers; the resource ids are what Android uses)"
    ]


def test_broken_header_falls_back_to_apkinspector(built: Built, tmp_path: Path) -> None:
    with zipfile.ZipFile(built.full) as apk:
        tampered = bytearray(apk.read(MANIFEST))
    struct.pack_into("<H", tampered, 2, 16)  # header size 16: androguard gives up
    facts, xml = manifest_of(with_manifest(built.full, bytes(tampered), tmp_path / "t.apk"))
    assert facts.package == PACKAGE and facts.debuggable
    assert facts.problems[:2] == [
        "AndroidManifest.xml: androguard cannot decode the binary XML",
        "AndroidManifest.xml: decoded with apkInspector (attribute names from the string "
        "pool, which a tampered file can falsify)",
    ]
    # The reference from apkInspector (decimal) still resolves through resources.arsc.
    config = facts.network_security_config
    assert config is not None and config.cleartext_domains == ["cmpassport.com", "sub.example.org"]
    assert xml.startswith(b"<manifest")


def test_garbage_manifest_is_a_problem_not_a_crash(built: Built, tmp_path: Path) -> None:
    facts, xml = manifest_of(
        with_manifest(built.full, b"\x03\x00\x08\x00" + bytes(20), tmp_path / "g.apk")
    )
    assert xml == b"" and facts.package == ""
    assert facts.problems[0].startswith("AndroidManifest.xml: androguard cannot decode")
    assert "apkInspector fails too" in facts.problems[0]


def test_missing_manifest(tmp_path: Path) -> None:
    facts, xml = manifest_of(bad_zips.plain(tmp_path / "x.apk"))
    assert (facts.problems, xml) == (["AndroidManifest.xml missing"], b"")


def test_decode_plain_text_xml() -> None:
    decoded = decode_binary_xml(b"<manifest package='p'/>", MANIFEST)
    assert decoded.decoder == "text" and decoded.root.get("package") == "p"
    assert decoded.problems == ["AndroidManifest.xml is plain-text XML"]


def test_missing_network_security_config_file(built: Built, tmp_path: Path) -> None:
    path = tmp_path / "no-nsc.apk"
    with zipfile.ZipFile(built.full) as source, zipfile.ZipFile(path, "w") as target:
        for entry in source.infolist():
            if not entry.filename.startswith("res/xml/"):
                target.writestr(entry, source.read(entry))
    facts, _ = manifest_of(path)
    assert facts.network_security_config is None
    assert facts.problems == [
        "network security config res/xml/network_security_config.xml is not in the archive "
        "or not readable"
    ]


def test_android_12_rule_and_unreadable_values(tmp_path: Path) -> None:
    """A plain-text manifest (not installable, but readable) exercises the rules directly."""
    text = f"""<manifest xmlns:android="http://schemas.android.com/apk/res/android"
        package="{PACKAGE}">
      <uses-sdk android:targetSdkVersion="33" android:minSdkVersion="S"/>
      <uses-permission-sdk-m android:name="android.permission.CAMERA"/>
      <application android:debuggable="@7F010000">
        <activity android:name=".Share">
          <intent-filter><action android:name="android.intent.action.SEND"/></intent-filter>
        </activity>
      </application>
    </manifest>"""
    path = bad_zips.plain(tmp_path / "x.apk", {MANIFEST: text.encode()})
    facts, _ = manifest_of(path)
    assert (facts.min_sdk, facts.target_sdk, facts.debuggable) == (None, 33, False)
    assert [p.name for p in facts.permissions] == ["android.permission.CAMERA"]
    assert component(facts, f"{PACKAGE}.Share").exported is True
    assert facts.problems == [
        "AndroidManifest.xml is plain-text XML",
        "android:minSdkVersion is not a number: 'S'",
        "<application> android:debuggable is not a boolean: '@7F010000'",
        f"activity {PACKAGE}.Share has intent filters but no android:exported "
        "(Android 12 refuses to install this for targetSdk 31+)",
    ]
