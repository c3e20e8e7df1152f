"""What an app audit found in an APK or IPA: the `app` section of an `Audit`.

Every item carries the `Location` it was read from (archive entry and place
inside it), so a reader can open the same file and see the same bytes. The
app file itself is the evidence: it is stored once, named by its SHA-256, and
the analyzer can be run on it again (`aivet reanalyze`) to give the same result.

This module imports nothing from `aivet.model` (which imports it); a receiver's
owner is carried as `exposure_session.HostOwner`, like an exposure audit's hosts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from aivet.exposure_session import HostOwner

Platform = Literal["android", "ios"]


@dataclass(frozen=True)
class Location:
    """Where something was read: an archive entry and the place inside it."""

    file: str
    """Entry path inside the archive (`classes2.dex`, `Payload/X.app/X`, `res/xml/nsc.xml`)."""
    where: str = ""
    """Inside the entry: a method (`Lcom/a/B;->m(I)V`), a string index, a file offset, a key."""


@dataclass
class AppLimits:
    """The bounds the analysis ran under; recorded so a reader knows what was not read."""

    max_entries: int = 200_000
    max_entry_bytes: int = 512 * 1024 * 1024
    """Largest uncompressed entry read; a larger one is skipped and named in `skipped`."""
    max_total_bytes: int = 4 * 1024 * 1024 * 1024
    """Most uncompressed bytes read from the whole archive."""
    max_ratio: float = 200.0
    """Highest uncompressed:compressed ratio accepted for an entry over 1 MiB (zip bombs)."""
    time_limit_s: float = 600.0


@dataclass
class ArchiveReport:
    """The container as read: its entries, what looked tampered, what was not read."""

    format: Literal["zip"]
    entries: int
    compressed_bytes: int
    uncompressed_bytes: int
    anomalies: list[str] = field(default_factory=list)
    """Signs of tampering or damage: overlapping entries, local/central header mismatch,
    duplicate names, unknown compression methods, data after the central directory…"""
    skipped: list[str] = field(default_factory=list)
    """Entries not read, each with why (over a limit, bad data)."""


@dataclass
class Permission:
    name: str
    protection_level: str
    """From the Android framework (`dangerous`, `normal`, `signature`…), or `custom` for a
    permission the app declares itself, `unknown` when neither says."""


@dataclass
class Component:
    kind: Literal["activity", "activity-alias", "service", "receiver", "provider"]
    name: str
    exported: bool
    explicit: bool
    """Whether `android:exported` was written; if not, exported follows from intent filters."""
    permission: str | None = None
    actions: list[str] = field(default_factory=list)
    """Intent-filter actions (what other apps can send it)."""


@dataclass
class PinSet:
    domains: list[str]
    digests: list[str]
    """`SHA-256/base64` pins."""
    expiration: str | None = None


@dataclass
class NetworkSecurityConfig:
    """res/xml/<networkSecurityConfig>: who the app trusts and where it allows cleartext."""

    file: str
    base_cleartext_permitted: bool | None
    """`<base-config cleartextTrafficPermitted>`; None when not written."""
    cleartext_domains: list[str] = field(default_factory=list)
    """Domains of `<domain-config cleartextTrafficPermitted="true">`."""
    user_trust_anchors: list[str] = field(default_factory=list)
    """Scopes that trust user-installed CAs: `base`, `debug-overrides` or `domain:NAME`."""
    pin_sets: list[PinSet] = field(default_factory=list)


@dataclass
class AndroidManifestFacts:
    package: str
    version_code: str | None
    version_name: str | None
    min_sdk: int | None
    target_sdk: int | None
    debuggable: bool
    allow_backup: bool
    """The platform default (true) when not written."""
    uses_cleartext_traffic: bool | None
    """As written; None means the platform default (true before API 28, false from 28)."""
    permissions: list[Permission] = field(default_factory=list)
    components: list[Component] = field(default_factory=list)
    network_security_config: NetworkSecurityConfig | None = None
    manifest_sha256: str | None = None
    """Blob of the decoded manifest XML (evidence)."""
    problems: list[str] = field(default_factory=list)
    """What could not be read or looked tampered (garbled binary XML, unresolved references)."""


@dataclass
class SigningCertificate:
    sha256: str
    """Fingerprint of the DER certificate."""
    subject: str
    issuer: str
    serial: str
    not_before: str
    not_after: str
    key_algorithm: str
    key_bits: int | None
    signature_algorithm: str
    debug: bool
    """The Android debug certificate (CN=Android Debug), or self-described test keys."""


@dataclass
class SigningInfo:
    schemes: list[str] = field(default_factory=list)
    """`v1` (JAR), `v2`, `v3`, `v3.1` as present; verification of the signatures themselves
    is not claimed."""
    certificates: list[SigningCertificate] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class AndroidFacts:
    manifest: AndroidManifestFacts
    signing: SigningInfo
    dex_files: list[str] = field(default_factory=list)
    classes: int = 0
    native_libraries: list[str] = field(default_factory=list)
    """`lib/<abi>/*.so` entries scanned for strings."""


@dataclass
class AtsException:
    domain: str
    allows_insecure_http: bool
    includes_subdomains: bool
    minimum_tls_version: str | None = None
    requires_forward_secrecy: bool | None = None


@dataclass
class AtsSettings:
    """Info.plist `NSAppTransportSecurity`; absent means the secure default."""

    present: bool
    allows_arbitrary_loads: bool
    allows_arbitrary_loads_in_web_content: bool = False
    allows_arbitrary_loads_for_media: bool = False
    allows_local_networking: bool = False
    exceptions: list[AtsException] = field(default_factory=list)


@dataclass
class MachOFacts:
    file: str
    architectures: list[str] = field(default_factory=list)
    encrypted: bool = False
    """FairPlay-encrypted (`cryptid` set): code and strings are unreadable until decrypted."""
    imports: list[str] = field(default_factory=list)
    """Imported symbols of interest (crypto, keychain, defaults, anti-debugging)."""
    linked_libraries: list[str] = field(default_factory=list)


@dataclass
class IosFacts:
    bundle_id: str
    version: str | None
    short_version: str | None
    minimum_os: str | None
    executable: str
    ats: AtsSettings
    url_schemes: list[str] = field(default_factory=list)
    usage_descriptions: dict[str, str] = field(default_factory=dict)
    """Privacy usage strings (`NSCameraUsageDescription`…) as the user is shown them."""
    frameworks: list[str] = field(default_factory=list)
    binaries: list[MachOFacts] = field(default_factory=list)
    info_plist_sha256: str | None = None
    """Blob of Info.plist as XML (evidence; a binary plist is stored converted)."""
    notes: list[str] = field(default_factory=list)
    """Where iOS applies a setting differently than written (e.g. NSAllowsArbitraryLoads is
    ignored when NSAllowsArbitraryLoadsInWebContent is present)."""


@dataclass
class SdkHit:
    """A software development kit recognised by class names or framework names."""

    sdk_id: str
    name: str
    categories: list[str]
    owner: HostOwner | None
    matched: list[str]
    """The signatures that matched (package prefixes, framework names)."""
    classes: int
    """Classes (Android) or frameworks/classes (iOS) under those signatures."""
    sources: list[str] = field(default_factory=list)
    """Where the signature comes from (intel record sources, Exodus)."""
    domains: list[str] = field(default_factory=list)
    """The maker's domains as the intel knows them, so receiver rules of a policy apply."""
    locations: list[Location] = field(default_factory=list)
    """Where its code is: the first class under each matched prefix, in its dex file."""


@dataclass
class AppEndpoint:
    """A URL or host name written in the app's code, resources or native libraries."""

    host: str
    urls: list[str]
    """Distinct URLs for this host (at most a few dozen)."""
    cleartext: bool
    """Some URL uses http:// or ws:// (to a non-local host)."""
    owner: HostOwner | None
    party: Literal["first", "third", "unknown"]
    locations: list[Location] = field(default_factory=list)
    occurrences: int = 0


@dataclass
class CryptoUse:
    algorithm: str
    """`DES`, `3DES`, `RC4`, `AES`, `Blowfish`… as named by the call."""
    mode: str | None
    """`ECB`, `CBC`, `GCM`…; None when the call does not say (Java default is ECB)."""
    transformation: str
    """What the code passed: `DESede/ECB/PKCS5Padding`, or `CCCrypt(kCCAlgorithm3DES,
    kCCOptionECBMode)`."""
    key_source: Literal["literal", "derived", "unknown"]
    key_preview: str | None = None
    """A literal key, masked but for its first and last characters."""
    key_sha256: str | None = None
    iv_source: Literal["literal", "zero", "none", "random", "unknown"] = "unknown"
    location: Location = field(default_factory=lambda: Location(""))


@dataclass
class SecretHit:
    kind: str
    """`aws-access-key`, `google-api-key`, `private-key`, `jwt`, `high-entropy`…"""
    preview: str
    """Masked value: enough to recognise, not to use."""
    sha256: str
    entropy: float
    location: Location
    """The first place it was seen."""
    occurrences: int = 1
    """How many times the same value (same kind) was seen in the app."""


@dataclass
class StorageWrite:
    store: Literal["shared-preferences", "sqlite", "user-defaults", "plist", "file", "keychain"]
    key: str
    """The key or table written, as a literal in the code."""
    sensitive: bool
    """The key names a credential (password, token, secret, session…)."""
    location: Location


@dataclass
class Indicator:
    """A behaviour seen in the code: anti-debugging, root/jailbreak checks, emulator checks."""

    kind: str
    detail: str
    location: Location


@dataclass
class AppReport:
    platform: Platform
    file_name: str
    file_sha256: str
    file_size: int
    identifier: str
    """Package name (Android) or bundle id (iOS)."""
    version: str | None
    archive: ArchiveReport
    limits: AppLimits = field(default_factory=AppLimits)
    android: AndroidFacts | None = None
    ios: IosFacts | None = None
    sdks: list[SdkHit] = field(default_factory=list)
    endpoints: list[AppEndpoint] = field(default_factory=list)
    crypto: list[CryptoUse] = field(default_factory=list)
    secrets: list[SecretHit] = field(default_factory=list)
    storage: list[StorageWrite] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    strings_scanned: int = 0


@dataclass
class AppSample:
    """The collector's record of an app file: what was audited, stored as evidence.

    Stored as JSON (kind `app-sample`); the audit's `session_sha256` names it, and
    `aivet reanalyze` reads the app blob it names to analyse it again.
    """

    file_name: str
    sha256: str
    """Blob of the app file itself."""
    size: int
    media_type: str
    taken_at: str
    """When the file was taken in (ISO 8601, UTC): the audit's start."""
    limits: AppLimits = field(default_factory=AppLimits)
