"""Findings from an app report: transport, crypto, secrets, storage, SDKs, build and packaging.

Pure: a function of the `AppReport` alone. Rule ids are stable (the verdict reads
them) and listed with their `data` keys in docs/app-audit.md. Every finding points
at the places in the app it was read from (`app-entry` evidence refs).
"""

from __future__ import annotations

from collections.abc import Iterable

from aivet.analyze.findings import finding_id, sort_findings
from aivet.app_record import AppReport, CryptoUse, Location
from aivet.model import Confidence, EvidenceRef, Finding, Severity

WEAK_CIPHERS = frozenset({"DES", "3DES", "RC4", "RC2", "Blowfish", "CAST"})
"""Ciphers with 64-bit blocks (Sweet32) or broken keystreams; none is acceptable today."""

_SECRET_SEVERITY: dict[str, tuple[Severity, Confidence]] = {
    "private-key": ("high", "high"),
    "aws-access-key": ("high", "high"),
    "stripe-secret-key": ("high", "high"),
    "github-token": ("high", "high"),
    "slack-token": ("high", "high"),
    "openai-api-key": ("high", "high"),
    "anthropic-api-key": ("high", "high"),
    "google-oauth-client-secret": ("high", "medium"),
    "google-api-key": ("medium", "high"),
    "jwt": ("medium", "medium"),
    "high-entropy": ("low", "low"),
}
"""Google API keys ship in most apps by design (restricted by package signature), hence medium;
an entropy-only hit may be anything random, hence low confidence."""

_INDICATOR_SEVERITY: dict[str, Severity] = {"packer": "medium"}
NOT_ANTI_ANALYSIS = frozenset(
    {"keychain", "crypto-api", "encrypted-database", "tls-validation-disabled"}
)
"""Indicator kinds that are facts for other rules (or none), not hiding from inspection."""
MAX_REFS = 10


def _refs(locations: Iterable[Location]) -> list[EvidenceRef]:
    refs = []
    for location in locations:
        refs.append(EvidenceRef("app-entry", location.file, location.where))
        if len(refs) == MAX_REFS:
            break
    return refs


def _finding(
    rule: str,
    key: str,
    *,
    category: str,
    severity: Severity,
    title: str,
    explanation: str,
    locations: Iterable[Location] = (),
    confidence: Confidence = "high",
    data: dict[str, object] | None = None,
) -> Finding:
    return Finding(
        id=finding_id(rule, key),
        rule=rule,
        category=category,
        severity=severity,
        confidence=confidence,
        basis="capable",
        title=title,
        explanation=explanation,
        evidence=_refs(locations),
        data=data or {},
    )


def app_findings(report: AppReport) -> list[Finding]:
    findings = [
        *_transport(report),
        *_tls_validation(report),
        *_endpoints(report),
        *_sdks(report),
        *_crypto(report),
        *_secrets(report),
        *_storage(report),
        *_android_build(report),
        *_integrity(report),
    ]
    return sort_findings(findings)


def _transport(report: AppReport) -> list[Finding]:
    out: list[Finding] = []
    if report.ios is not None:
        ats = report.ios.ats
        plist = [Location(f"{_bundle_dir(report)}Info.plist", "NSAppTransportSecurity")]
        if ats.allows_arbitrary_loads:
            out.append(
                _finding(
                    "app.ats-disabled",
                    report.identifier,
                    category="transport",
                    severity="high",
                    title="App Transport Security disabled for every connection",
                    explanation="Info.plist sets NSAllowsArbitraryLoads: the app may connect "
                    "over plain HTTP and with weak TLS to any server, so what it sends can be "
                    "read and changed on the network.",
                    locations=plist,
                    data={"setting": "NSAllowsArbitraryLoads"},
                )
            )
        insecure = [e.domain for e in ats.exceptions if e.allows_insecure_http]
        if insecure:
            out.append(
                _finding(
                    "app.ats-insecure-exception",
                    ",".join(insecure),
                    category="transport",
                    severity="medium",
                    title=f"App Transport Security allows plain HTTP to {len(insecure)} domain(s)",
                    explanation="NSExceptionDomains allow insecure HTTP loads for: "
                    f"{', '.join(insecure)}.",
                    locations=plist,
                    data={"domains": insecure},
                )
            )
    if report.android is not None:
        manifest = report.android.manifest
        nsc = manifest.network_security_config
        where = [Location("AndroidManifest.xml", "application")]
        global_cleartext = manifest.uses_cleartext_traffic is True or (
            nsc is not None and nsc.base_cleartext_permitted is True
        )
        if global_cleartext:
            source = (
                "network security config base-config"
                if nsc is not None and nsc.base_cleartext_permitted
                else "android:usesCleartextTraffic"
            )
            locations = [Location(nsc.file, "base-config")] if nsc else where
            out.append(
                _finding(
                    "app.cleartext-traffic-allowed",
                    report.identifier,
                    category="transport",
                    severity="high",
                    title="Cleartext HTTP allowed to every server",
                    explanation=f"The app permits unencrypted connections ({source}): what it "
                    "sends over HTTP can be read and changed on the network.",
                    locations=locations,
                    data={"scope": "global", "source": source},
                )
            )
        elif nsc is not None and nsc.cleartext_domains:
            out.append(
                _finding(
                    "app.cleartext-traffic-allowed",
                    ",".join(nsc.cleartext_domains),
                    category="transport",
                    severity="medium",
                    title=f"Cleartext HTTP allowed to {len(nsc.cleartext_domains)} domain(s)",
                    explanation="The network security config permits unencrypted connections "
                    f"to: {', '.join(nsc.cleartext_domains)}.",
                    locations=[Location(nsc.file, "domain-config")],
                    data={"scope": "domains", "domains": list(nsc.cleartext_domains)},
                )
            )
        elif (
            manifest.uses_cleartext_traffic is None
            and nsc is None
            and (manifest.target_sdk is not None and manifest.target_sdk < 28)
        ):
            out.append(
                _finding(
                    "app.cleartext-traffic-allowed",
                    report.identifier,
                    category="transport",
                    severity="medium",
                    confidence="medium",
                    title="Cleartext HTTP allowed by default (targets an API level below 28)",
                    explanation=f"targetSdkVersion {manifest.target_sdk} keeps the old default "
                    "that permits unencrypted connections to every server.",
                    locations=where,
                    data={"scope": "default"},
                )
            )
        if nsc is not None:
            trusting = [s for s in nsc.user_trust_anchors if s != "debug-overrides"]
            if trusting:
                out.append(
                    _finding(
                        "app.user-ca-trusted",
                        ",".join(trusting),
                        category="transport",
                        severity="medium",
                        title="Trusts certificate authorities the user installs",
                        explanation="The network security config trusts user-added CAs "
                        f"({', '.join(trusting)}): anyone who gets a CA onto the device "
                        "(MDM, malware, a captive portal) can read the app's TLS traffic.",
                        locations=[Location(nsc.file, "trust-anchors")],
                        data={"scopes": trusting},
                    )
                )
    return out


def _tls_validation(report: AppReport) -> list[Finding]:
    """Code that accepts any certificate or host name: TLS that anyone on the path can read."""
    by_detail: dict[str, list[Location]] = {}
    for indicator in report.indicators:
        if indicator.kind == "tls-validation-disabled":
            by_detail.setdefault(indicator.detail, []).append(indicator.location)
    return [
        _finding(
            "app.tls-validation-disabled",
            detail,
            category="transport",
            severity="high",
            title=f"TLS validation switched off: {detail}",
            explanation="Code in the app accepts connections without checking the server's "
            "certificate or name, so a network attacker can read and change the traffic it "
            f"protects ({len(locations)} place(s)). Whether that code path runs is not shown "
            "by static analysis.",
            locations=locations,
            data={"detail": detail, "places": len(locations)},
        )
        for detail, locations in sorted(by_detail.items())
    ]


def _bundle_dir(report: AppReport) -> str:
    if report.ios is None:
        return ""
    binary = report.ios.binaries[0].file if report.ios.binaries else ""
    return binary.rsplit("/", 1)[0] + "/" if "/" in binary else ""


def _endpoints(report: AppReport) -> list[Finding]:
    out: list[Finding] = []
    for endpoint in report.endpoints:
        owner = endpoint.owner
        if owner is not None and owner.watchlists:
            out.append(
                _finding(
                    "app.watchlisted-endpoint",
                    endpoint.host,
                    category="jurisdiction",
                    severity="high",
                    title=f"Code addresses {endpoint.host} ({owner.entity_name}), on a watchlist",
                    explanation=f"The app contains {len(endpoint.urls) or 1} address(es) of "
                    f"{endpoint.host}, run by {owner.entity_name} ({owner.country or '?'}), "
                    f"listed on: {'; '.join(owner.watchlists)}. Static analysis shows the app "
                    "can send data there, not that it does.",
                    locations=endpoint.locations,
                    data={
                        "host": endpoint.host,
                        "entity": owner.entity_name,
                        "entity_id": owner.entity_id,
                        "urls": endpoint.urls[:10],
                        "watchlists": owner.watchlists,
                    },
                )
            )
        if endpoint.cleartext:
            plain = [u for u in endpoint.urls if u.startswith(("http://", "ws://"))]
            out.append(
                _finding(
                    "app.cleartext-endpoint",
                    endpoint.host,
                    category="transport",
                    severity="medium",
                    confidence="medium",
                    title=f"Cleartext address for {endpoint.host}",
                    explanation="The app contains plain-HTTP addresses: "
                    f"{', '.join(plain[:3]) or endpoint.host}. Anything sent there travels "
                    "unencrypted.",
                    locations=endpoint.locations,
                    data={"host": endpoint.host, "urls": plain[:10]},
                )
            )
    return out


def _sdks(report: AppReport) -> list[Finding]:
    out: list[Finding] = []
    for sdk in report.sdks:
        owner = sdk.owner
        who = f"{owner.entity_name} ({owner.country or '?'})" if owner else "owner unknown"
        data: dict[str, object] = {
            "sdk": sdk.sdk_id, "name": sdk.name, "categories": sdk.categories,
            "matched": sdk.matched, "classes": sdk.classes,
            "entity": owner.entity_name if owner else None,
            "entity_id": owner.entity_id if owner else None, "domains": sdk.domains,
        }  # fmt: skip
        locations = sdk.locations or [Location("", m) for m in sdk.matched]
        if owner is not None and owner.watchlists:
            out.append(
                _finding(
                    "app.watchlisted-sdk",
                    sdk.sdk_id,
                    category="jurisdiction",
                    severity="high",
                    title=f"Embeds {sdk.name} by {who}, on a watchlist",
                    explanation=f"{sdk.classes} class(es) under {', '.join(sdk.matched)} belong "
                    f"to {sdk.name}, made by {who}, which is listed on: "
                    f"{'; '.join(owner.watchlists)}.",
                    locations=locations,
                    data={**data, "watchlists": owner.watchlists},
                )
            )
        else:
            out.append(
                _finding(
                    "app.sdk",
                    sdk.sdk_id,
                    category="third-party",
                    severity="info",
                    title=f"Embeds {sdk.name} ({', '.join(sdk.categories) or 'SDK'}) by {who}",
                    explanation=f"{sdk.classes} class(es) under {', '.join(sdk.matched)}.",
                    locations=locations,
                    data=data,
                )
            )
    return out


def _crypto_name(use: CryptoUse) -> str:
    return f"{use.algorithm}{'/' + use.mode if use.mode else ''}"


NOT_BLOCK_CIPHERS = frozenset({"RC4", "RSA", "EC", "ECIES"})
"""Stream and public-key ciphers: ECB and IVs mean nothing for them ("RSA/ECB/…" is a name)."""


def ecb_mode(use: CryptoUse) -> bool:
    """ECB written, or a JCE block cipher transformation with no mode (the default is ECB).

    Only a real `Cipher.getInstance` transformation ("AES", "DESede") counts as defaulting:
    a key spec or key factory (written with parentheses) says nothing about the mode."""
    if use.algorithm in NOT_BLOCK_CIPHERS:
        return False
    if use.mode == "ECB":
        return True
    written = use.transformation
    return use.mode is None and "/" not in written and "(" not in written and " " not in written


def _crypto(report: AppReport) -> list[Finding]:
    out: list[Finding] = []
    for use in report.crypto:
        key = f"{use.transformation}@{use.location.file}:{use.location.where}"
        data: dict[str, object] = {
            "algorithm": use.algorithm, "mode": use.mode, "transformation": use.transformation,
            "key_source": use.key_source, "iv_source": use.iv_source,
        }  # fmt: skip
        if use.algorithm in WEAK_CIPHERS:
            out.append(
                _finding(
                    "app.weak-cipher",
                    key,
                    category="crypto",
                    severity="high",
                    title=f"Weak cipher {use.algorithm} ({use.transformation})",
                    explanation=f"{use.algorithm} is broken or has a 64-bit block (Sweet32); "
                    "what it protects can be recovered.",
                    locations=[use.location],
                    data=data,
                )
            )
        if ecb_mode(use):
            out.append(
                _finding(
                    "app.ecb-mode",
                    key,
                    category="crypto",
                    severity="medium",
                    title=f"ECB mode ({_crypto_name(use)})",
                    explanation="ECB encrypts equal blocks to equal ciphertext, so patterns in "
                    "the data show through"
                    + (" (the default when no mode is named)." if use.mode is None else "."),
                    locations=[use.location],
                    data=data,
                )
            )
        if use.key_source == "literal":
            out.append(
                _finding(
                    "app.hardcoded-key",
                    key,
                    category="crypto",
                    severity="high",
                    title=f"Hard-coded {use.algorithm} key {use.key_preview or ''}".rstrip(),
                    explanation="The key is a literal in the app: anyone with the app can "
                    "decrypt (and forge) what it protects.",
                    locations=[use.location],
                    data={**data, "key_preview": use.key_preview, "key_sha256": use.key_sha256},
                )
            )
        if (
            use.iv_source in ("zero", "literal", "none")
            and use.algorithm not in NOT_BLOCK_CIPHERS
            and use.mode not in (None, "ECB")
        ):
            out.append(
                _finding(
                    "app.static-iv",
                    key,
                    category="crypto",
                    severity="medium",
                    title=f"Fixed IV ({use.iv_source}) for {_crypto_name(use)}",
                    explanation="The same IV is used for every message, so equal plaintexts "
                    "give equal ciphertexts and CBC/CTR lose their protection.",
                    locations=[use.location],
                    data=data,
                )
            )
    return out


def _secrets(report: AppReport) -> list[Finding]:
    out: list[Finding] = []
    random_looking = [s for s in report.secrets if s.kind == "high-entropy"]
    for secret in report.secrets:
        if secret.kind == "high-entropy":
            continue
        severity, confidence = _SECRET_SEVERITY.get(secret.kind, ("medium", "medium"))
        out.append(
            _finding(
                "app.hardcoded-secret",
                f"{secret.kind}:{secret.sha256}",
                category="secrets",
                severity=severity,
                confidence=confidence,
                title=f"Embedded {secret.kind} {secret.preview}",
                explanation=f"A {secret.kind} is written in the app (masked here; SHA-256 "
                f"{secret.sha256[:16]}…): anyone with the app can use it.",
                locations=[secret.location],
                data={"kind": secret.kind, "sha256": secret.sha256, "entropy": secret.entropy},
            )
        )
    if random_looking:
        # Entropy alone also catches hashes, encoded blobs and ids: one low-confidence finding
        # that lists them, rather than one per string.
        out.append(
            _finding(
                "app.hardcoded-secret",
                "high-entropy:" + ",".join(sorted(s.sha256 for s in random_looking)),
                category="secrets",
                severity="low",
                confidence="low",
                title=f"{len(random_looking)} random-looking string(s) that may be keys",
                explanation="Strings with the length and entropy of keys, in no known key "
                "format: " + ", ".join(s.preview for s in random_looking[:10]) + ".",
                locations=[s.location for s in random_looking],
                data={
                    "kind": "high-entropy",
                    "sha256": [s.sha256 for s in random_looking[:50]],
                    "count": len(random_looking),
                },
            )
        )
    return out


def _storage(report: AppReport) -> list[Finding]:
    out: list[Finding] = []
    sensitive = [w for w in report.storage if w.sensitive and w.store != "keychain"]
    by_key: dict[tuple[str, str], list[Location]] = {}
    for write in sensitive:
        by_key.setdefault((write.store, write.key), []).append(write.location)
    for (store, key), locations in sorted(by_key.items()):
        out.append(
            _finding(
                "app.credential-storage",
                f"{store}:{key}",
                category="storage",
                severity="medium",
                title=f"Credential '{key}' kept in {store}",
                explanation=f"The code writes a value named '{key}' to {store}, which is "
                "neither encrypted nor in the Keychain/Keystore: it sits in the app's files "
                "and device backups.",
                locations=locations,
                data={"store": store, "key": key},
            )
        )
    encrypted = any(i.kind == "encrypted-database" for i in report.indicators)
    databases: dict[str, list[Location]] = {}
    for write in report.storage:
        if write.store == "sqlite" and not encrypted:
            databases.setdefault(write.key, []).append(write.location)
    for name, locations in sorted(databases.items()):
        out.append(
            _finding(
                "app.unencrypted-database",
                name,
                category="storage",
                severity="low",
                confidence="medium",
                title=f"Plain SQLite database '{name}'",
                explanation="The code opens this database with Android's SQLite, which does "
                "not encrypt; no SQLCipher classes are in the app. What it holds is readable "
                "from backups and rooted devices.",
                locations=locations,
                data={"store": "sqlite", "key": name},
            )
        )
    return out


def _android_build(report: AppReport) -> list[Finding]:
    if report.android is None:
        return []
    manifest = report.android.manifest
    out: list[Finding] = []
    where = [Location("AndroidManifest.xml", "application")]
    if manifest.debuggable:
        out.append(
            _finding(
                "app.debuggable",
                manifest.package,
                category="configuration",
                severity="high",
                title="Release build is debuggable",
                explanation="android:debuggable lets anyone with USB access attach a debugger "
                "and read or change the app's memory, keys and data.",
                locations=where,
            )
        )
    if manifest.allow_backup:
        out.append(
            _finding(
                "app.backup-allowed",
                manifest.package,
                category="storage",
                severity="low",
                title="App data included in device backups",
                explanation="android:allowBackup (the default when not written) lets adb "
                "backup and cloud backups copy the app's private files, tokens included.",
                locations=where,
            )
        )
    for component in manifest.components:
        if not component.exported or component.permission:
            continue
        if "android.intent.action.MAIN" in component.actions:
            continue
        out.append(
            _finding(
                "app.exported-component",
                f"{component.kind}:{component.name}",
                category="configuration",
                severity="medium" if component.kind != "activity" else "low",
                title=f"Exported {component.kind} {component.name} without a permission",
                explanation=f"Any app on the device can start or call this {component.kind}"
                + (f" (actions: {', '.join(component.actions[:5])})" if component.actions else "")
                + ".",
                locations=[Location("AndroidManifest.xml", f"{component.kind} {component.name}")],
                data={
                    "kind": component.kind,
                    "name": component.name,
                    "explicit": component.explicit,
                    "actions": component.actions,
                },
            )
        )
    dangerous = [p.name for p in manifest.permissions if p.protection_level == "dangerous"]
    if dangerous:
        out.append(
            _finding(
                "app.dangerous-permissions",
                manifest.package,
                category="permissions",
                severity="info",
                title=f"Asks for {len(dangerous)} dangerous permission(s)",
                explanation="Permissions the user must grant: " + ", ".join(dangerous) + ".",
                locations=[Location("AndroidManifest.xml", "uses-permission")],
                data={"permissions": dangerous},
            )
        )
    signing = report.android.signing
    for cert in signing.certificates:
        if cert.debug:
            out.append(
                _finding(
                    "app.debug-certificate",
                    cert.sha256,
                    category="integrity",
                    severity="high",
                    title="Signed with a debug certificate",
                    explanation=f"The signing certificate ({cert.subject}) is a debug or test "
                    "key, whose private key is widely known: anyone can sign an update.",
                    locations=[Location("META-INF/", "signing certificate")],
                    data={"certificate_sha256": cert.sha256, "subject": cert.subject},
                )
            )
    if not signing.schemes:
        out.append(
            _finding(
                "app.unsigned",
                manifest.package,
                category="integrity",
                severity="high",
                title="Not signed",
                explanation="No v1 signature and no APK Signing Block: "
                "this file cannot be installed as it is, and says nothing about its author.",
            )
        )
    elif signing.schemes == ["v1"]:
        out.append(
            _finding(
                "app.v1-signature-only",
                manifest.package,
                category="integrity",
                severity="medium",
                title="Signed with the v1 (JAR) scheme only",
                explanation="Without a v2+ signature, Android 5.0-8.0 devices accept code "
                "injected into the APK (Janus, CVE-2017-13156).",
                locations=[Location("META-INF/", "v1 signature")],
            )
        )
    return out


def _integrity(report: AppReport) -> list[Finding]:
    out: list[Finding] = []
    if report.archive.anomalies:
        out.append(
            _finding(
                "app.archive-tampered",
                report.file_sha256,
                category="integrity",
                severity="medium",
                confidence="medium",
                title=f"Archive structure tampered or damaged ({len(report.archive.anomalies)})",
                explanation="The ZIP container has irregularities that analysis tools and "
                "the installer read differently, a technique to hide code: "
                + "; ".join(report.archive.anomalies[:5]),
                data={"anomalies": report.archive.anomalies[:50]},
            )
        )
    by_kind: dict[str, list[Location]] = {}
    details: dict[str, list[str]] = {}
    for indicator in report.indicators:
        if indicator.kind in NOT_ANTI_ANALYSIS:
            continue
        by_kind.setdefault(indicator.kind, []).append(indicator.location)
        details.setdefault(indicator.kind, []).append(indicator.detail)
    for kind, locations in sorted(by_kind.items()):
        shown = list(dict.fromkeys(details[kind]))
        out.append(
            _finding(
                f"app.{kind}" if kind == "packer" else "app.anti-analysis",
                kind,
                category="anti-analysis",
                severity=_INDICATOR_SEVERITY.get(kind, "low"),
                confidence="medium",
                title=f"{kind.replace('-', ' ').capitalize()} code ({len(locations)} place(s))",
                explanation="The app checks for or hides from inspection: "
                + "; ".join(shown[:5])
                + ".",
                locations=locations,
                data={"kind": kind, "details": shown[:20]},
            )
        )
    return out
