"""The reports of an app audit: HTML, terminal, JSON round trip, Markdown and SARIF.

The audits are built by hand with the shapes the analyzer writes (an Android app that
reaches China Mobile's passport host and embeds its SSO SDK, an iOS app with ATS off),
and their findings come from the real rules (`app_findings`).
"""

from __future__ import annotations

import html as html_module
import json
import re
from io import StringIO
from urllib.parse import unquote

from rich.console import Console

from aivet.analyze.app.findings import app_findings
from aivet.app_record import (
    AndroidFacts,
    AndroidManifestFacts,
    AppEndpoint,
    AppReport,
    ArchiveReport,
    AtsException,
    AtsSettings,
    Component,
    CryptoUse,
    Indicator,
    IosFacts,
    Location,
    MachOFacts,
    NetworkSecurityConfig,
    Permission,
    PinSet,
    SdkHit,
    SecretHit,
    SigningCertificate,
    SigningInfo,
    StorageWrite,
)
from aivet.exposure_session import HostOwner
from aivet.model import SCHEMA_VERSION, Audit, IntelInfo, ToolInfo
from aivet.report.app import headline
from aivet.report.html import render_html
from aivet.report.json_report import audit_from_dict, audit_to_json
from aivet.report.markdown import audit_to_markdown
from aivet.report.sarif import audit_to_sarif
from aivet.report.terminal import render_terminal
from tests.test_sarif import assert_valid_sarif

CHINA_MOBILE = "China Mobile Communications Group Co., Ltd."
WATCHLISTS = ["FCC Covered List (US FCC)", "DoD 1260H list (US DoD)"]
HOSTILE_URL = "https://x.test/?q=<script>alert(1)</script>"
HOSTILE_KEY = "<script>k…y</script>"
SENDER = "Lcom/cmic/sso/sdk/auth/AuthnHelper;->getPhoneInfo(Ljava/lang/String;)V"


def china_mobile() -> HostOwner:
    return HostOwner(
        entity_id="china-mobile",
        entity_name=CHINA_MOBILE,
        country="CN",
        state_owned=True,
        ownership_chain=[CHINA_MOBILE],
        watchlists=list(WATCHLISTS),
        sources=["https://www.fcc.gov/supplychain/coveredlist"],
    )


def _audit(report: AppReport, **fields: object) -> Audit:
    audit = Audit(
        schema_version=SCHEMA_VERSION,
        audit_id="app-20250101-abcdef",
        kind="app",
        target=report.file_name,
        started_at="2025-01-01T10:00:00+00:00",
        ended_at="2025-01-01T10:00:42+00:00",
        status="complete",
        tool=ToolInfo(name="aivet", version="0.9.0"),
        intel=IntelInfo(snapshot_sha256="c" * 64, entities=120, watchlists=6),
        findings=app_findings(report),
        session_sha256="e" * 64,
        analyses=["app"],
        app=report,
    )
    for name, value in fields.items():
        setattr(audit, name, value)
    return audit


def android_report() -> AppReport:
    nsc = NetworkSecurityConfig(
        file="res/xml/network_security_config.xml",
        base_cleartext_permitted=False,
        cleartext_domains=["log.umeng.com"],
        user_trust_anchors=["base", "debug-overrides"],
        pin_sets=[PinSet(["api.chat.example"], ["SHA-256/" + "A" * 43 + "="], "2026-01-01")],
    )
    manifest = AndroidManifestFacts(
        package="com.example.chat",
        version_code="1042",
        version_name="3.1.0",
        min_sdk=24,
        target_sdk=34,
        debuggable=False,
        allow_backup=True,
        uses_cleartext_traffic=None,
        permissions=[
            Permission("android.permission.INTERNET", "normal"),
            Permission("android.permission.READ_PHONE_STATE", "dangerous"),
        ],
        components=[
            Component(
                "activity",
                "com.example.chat.MainActivity",
                True,
                True,
                actions=["android.intent.action.MAIN"],
            ),
            Component(
                "receiver",
                "com.cmic.sso.sdk.PushReceiver",
                True,
                False,
                actions=["com.cmic.sso.PUSH"],
            ),
        ],
        network_security_config=nsc,
        manifest_sha256="a" * 64,
    )
    signing = SigningInfo(
        schemes=["v1", "v2"],
        certificates=[
            SigningCertificate(
                sha256="b" * 64,
                subject="CN=Example Chat",
                issuer="CN=Example Chat",
                serial="1f2e",
                not_before="2020-01-01T00:00:00Z",
                not_after="2050-01-01T00:00:00Z",
                key_algorithm="RSA",
                key_bits=2048,
                signature_algorithm="SHA256withRSA",
                debug=False,
            )
        ],
    )
    return AppReport(
        platform="android",
        file_name="example-chat-3.1.0.apk",
        file_sha256="f" * 64,
        file_size=48_213_004,
        identifier="com.example.chat",
        version="3.1.0",
        archive=ArchiveReport("zip", 1812, 48_000_000, 120_000_000),
        android=AndroidFacts(
            manifest, signing, ["classes.dex", "classes2.dex"], 15_230, ["lib/arm64-v8a/libcore.so"]
        ),
        sdks=[
            SdkHit(
                "cmic-sso",
                "China Mobile SSO",
                ["authentication"],
                china_mobile(),
                ["com.cmic.sso.sdk"],
                212,
                ["exodus"],
            ),
            SdkHit("okhttp", "OkHttp", ["network"], None, ["okhttp3"], 180),
        ],
        endpoints=[
            AppEndpoint(
                host="api.chat.example",
                urls=["https://api.chat.example/v1/chat"],
                cleartext=False,
                owner=None,
                party="first",
                locations=[Location("classes.dex", "Lcom/example/chat/Api;->send()V")],
                occurrences=3,
            ),
            AppEndpoint(
                host="www.cmpassport.com",
                urls=["https://www.cmpassport.com/unisdk/rs/scripAndTokenForHttps"],
                cleartext=False,
                owner=china_mobile(),
                party="third",
                locations=[Location("classes2.dex", SENDER)],
                occurrences=2,
            ),
            AppEndpoint(
                host="log.umeng.com",
                urls=["http://log.umeng.com/app_logs"],
                cleartext=True,
                owner=HostOwner("alibaba", "Alibaba Group", "CN"),
                party="third",
                locations=[Location("classes2.dex", "string 4411")],
                occurrences=1,
            ),
            AppEndpoint(
                host="x.test",
                urls=[HOSTILE_URL],
                cleartext=False,
                owner=None,
                party="unknown",
                locations=[Location("assets/config.json", "offset 120")],
                occurrences=1,
            ),
        ],
        crypto=[
            CryptoUse(
                algorithm="3DES",
                mode="ECB",
                transformation="DESede/ECB/PKCS5Padding",
                key_source="literal",
                key_preview=HOSTILE_KEY,
                key_sha256="d" * 64,
                iv_source="none",
                location=Location("classes2.dex", "Lcom/cmic/sso/sdk/utils/Des;->encrypt([B)[B"),
            )
        ],
        secrets=[
            SecretHit(
                "google-api-key",
                "AIza…Xk4",
                "9" * 64,
                4.9,
                Location("res/values/strings.xml", "google_api_key"),
            ),
        ],
        storage=[
            StorageWrite(
                "shared-preferences",
                "theme",
                False,
                Location("classes.dex", "Lcom/example/chat/Prefs;->save()V"),
            ),
            StorageWrite(
                "shared-preferences",
                "auth_token",
                True,
                Location("classes.dex", "Lcom/example/chat/Session;->store()V"),
            ),
        ],
        indicators=[
            Indicator(
                "root-check",
                "looks for /system/xbin/su",
                Location("classes.dex", "Lcom/example/chat/Guard;->rooted()Z"),
            ),
        ],
        strings_scanned=98_310,
    )


def ios_report() -> AppReport:
    binary = "Payload/Chat.app/Chat"
    return AppReport(
        platform="ios",
        file_name="Chat.ipa",
        file_sha256="1" * 64,
        file_size=30_000_000,
        identifier="com.example.chat.ios",
        version="2.0",
        archive=ArchiveReport("zip", 420, 29_000_000, 70_000_000),
        ios=IosFacts(
            bundle_id="com.example.chat.ios",
            version="77",
            short_version="2.0",
            minimum_os="15.0",
            executable="Chat",
            ats=AtsSettings(
                present=True,
                allows_arbitrary_loads=True,
                exceptions=[AtsException("legacy.example", True, True, "TLSv1.0", False)],
            ),
            url_schemes=["examplechat"],
            usage_descriptions={"NSCameraUsageDescription": "To scan <b>QR</b> codes"},
            frameworks=["Alamofire.framework"],
            binaries=[
                MachOFacts(
                    binary,
                    ["arm64"],
                    False,
                    ["_CCCrypt", "_SecItemAdd"],
                    ["/usr/lib/libSystem.B.dylib"],
                )
            ],
        ),
    )


def _terminal(audit: Audit) -> str:
    console = Console(file=StringIO(), record=True, width=120)
    render_terminal(audit, console)
    return console.export_text()


def _text(html: str) -> str:
    return html_module.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def test_android_findings_come_from_the_report() -> None:
    rules = {f.rule for f in _audit(android_report()).findings}
    assert {
        "app.watchlisted-endpoint",
        "app.watchlisted-sdk",
        "app.sdk",
        "app.cleartext-endpoint",
        "app.cleartext-traffic-allowed",
        "app.user-ca-trusted",
        "app.weak-cipher",
        "app.ecb-mode",
        "app.hardcoded-key",
        "app.hardcoded-secret",
        "app.credential-storage",
        "app.backup-allowed",
        "app.exported-component",
        "app.dangerous-permissions",
        "app.anti-analysis",
    } <= rules


def test_headline_names_the_watchlisted_owner() -> None:
    text, tone = headline(_audit(android_report()))
    assert tone == "danger" and CHINA_MOBILE in text and "(CN)" in text
    text, tone = headline(_audit(ios_report()))
    assert tone == "danger" and "App Transport Security disabled" in text
    quiet = ios_report()
    assert quiet.ios is not None
    quiet.ios.ats = AtsSettings(present=False, allows_arbitrary_loads=False)
    assert headline(_audit(quiet))[1] == "ok"
    assert headline(_audit(quiet, status="partial"))[1] == "warning"
    quiet.ios.binaries[0].encrypted = True
    text, tone = headline(_audit(quiet))
    assert tone == "warning" and "FairPlay" in text


def test_android_html_shows_the_facts_in_review_order() -> None:
    html = render_html(_audit(android_report()))
    text = _text(html)
    for needle in [
        "example-chat-3.1.0.apk",
        "com.example.chat",
        "3.1.0",
        "f" * 64,
        "48.2 MB",
        "www.cmpassport.com",
        CHINA_MOBILE,
        *WATCHLISTS,
        "China Mobile SSO",
        "com.cmic.sso.sdk",
        "DESede/ECB/PKCS5Padding",
        "AIza…Xk4",
        "auth_token",
        "looks for /system/xbin/su",
        "res/xml/network_security_config.xml",
        "log.umeng.com",
        "READ_PHONE_STATE",
        "com.cmic.sso.sdk.PushReceiver",
        "CN=Example Chat",
        "v1, v2",
        "1812 entries",
        f"classes2.dex — {SENDER}",
        "app sample",
        "c" * 12,
    ]:
        assert needle in text, needle
    order = [
        html.index(f'id="{name}"')
        for name in (
            "app",
            "headline",
            "findings",
            "endpoints",
            "sdks",
            "transport",
            "crypto",
            "secrets",
            "storage",
            "indicators",
            "android",
            "archive",
            "limits",
        )
    ]
    assert order == sorted(order)
    assert 'id="ios"' not in html and 'id="status"' not in html
    # Watchlisted first in the endpoint table; the worst findings first.
    endpoints = html[html.index('id="endpoints"') : html.index('id="sdks"')]
    assert endpoints.index("www.cmpassport.com") < endpoints.index("api.chat.example")
    assert re.findall(r"badge sev-(\w+)", html)[0] == "high"
    assert '<span class="watch">FCC Covered List (US FCC)</span>' in html


def test_html_escapes_app_strings_and_stays_self_contained() -> None:
    report = android_report()
    report.identifier = '"><img src=x onerror=alert(1)>'
    report.indicators[0].detail = "\u202egnp.exe"
    html = render_html(_audit(report))
    assert "<script" not in html.lower() and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the URL
    assert "&lt;script&gt;k…y&lt;/script&gt;" in html  # the key preview
    assert "\u202e" not in html and "\\u202e" in html
    assert (
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">"
    ) in html
    assert not re.search(r"<(?:link|script|iframe|object|embed)\b", html, re.I)
    assert "url(" not in html and "@import" not in html


def test_ios_html_shows_ats_and_the_bundle() -> None:
    html = render_html(_audit(ios_report()))
    text = _text(html)
    assert 'id="android"' not in html and 'id="ios"' in html
    for needle in [
        "ATS off for every connection",
        "legacy.example",
        "TLSv1.0",
        "not required",
        "NSCameraUsageDescription",
        "To scan <b>QR</b> codes",
        "examplechat",
        "Payload/Chat.app/Chat",
        "arm64",
        "_SecItemAdd",
        "Alamofire.framework",
        "15.0",
        "App Transport Security disabled",
        "Payload/Chat.app/Info.plist — NSAppTransportSecurity",
    ]:
        assert needle in text, needle
    assert "<b>QR</b>" not in html


def test_html_caps_long_lists() -> None:
    report = android_report()
    report.archive.skipped = [f"lib/x86/lib{i}.so: over the entry limit" for i in range(250)]
    html = render_html(_audit(report))
    assert "lib199.so" in html and "lib200.so" not in html
    assert "and 50 more, in the audit JSON." in html


def test_partial_audit_shows_the_banner_and_reasons() -> None:
    reasons = ["time limit of 600 s reached in classes3.dex", "2 archive entries not read"]
    audit = _audit(android_report(), status="partial", status_reasons=reasons)
    html = render_html(audit)
    assert html.index('id="status"') < html.index('id="headline"')
    assert "Partial audit." in html and all(reason in html for reason in reasons)
    out = _terminal(audit)
    assert "PARTIAL" in out.splitlines()[0]
    assert all(reason in out for reason in reasons)


def test_terminal_shows_headline_owner_and_findings() -> None:
    report = android_report()
    report.endpoints[3].host = "[bold]evil[/bold]\x1b[31m.test"
    audit = _audit(report)
    out = _terminal(audit)
    lines = out.splitlines()
    assert "example-chat-3.1.0.apk" in lines[0] and "complete" in lines[0]
    text, _ = headline(audit)
    assert " ".join(text.split()[:6]) in " ".join(out.split())
    assert CHINA_MOBILE in out and "FCC Covered List (US FCC)" in out
    assert "www.cmpassport.com" in out and "China Mobile SSO" in out
    findings = out[out.index(f"Findings ({len(audit.findings)})") :]
    severities = re.findall(r"^(CRITICAL|HIGH|MEDIUM|LOW|INFO)\b", findings, re.M)
    assert severities[0] == "HIGH" and len(severities) == len(audit.findings)
    assert "app.watchlisted-endpoint" in findings and f"at classes2.dex — {SENDER[:30]}" in out
    assert "[bold]evil[/bold]" in out and "\x1b" not in out


def test_json_round_trip() -> None:
    for report in (android_report(), ios_report()):
        audit = _audit(report)
        assert audit_from_dict(json.loads(audit_to_json(audit))) == audit


def test_sarif_points_at_archive_entries() -> None:
    report = android_report()
    report.crypto[0].location = Location("assets/odd name#1.bin", "offset 0x40")
    log = audit_to_sarif(_audit(report))
    assert_valid_sarif(log)
    results = {r["ruleId"]: r for r in log["runs"][0]["results"]}
    endpoint = results["app.watchlisted-endpoint"]["locations"][0]
    assert endpoint["physicalLocation"]["artifactLocation"]["uri"] == "classes2.dex"
    assert endpoint["message"]["text"] == SENDER
    assert {"name": "www.cmpassport.com", "kind": "resource"} in endpoint["logicalLocations"]
    key = results["app.hardcoded-key"]["locations"][0]
    assert key["physicalLocation"]["artifactLocation"]["uri"] == "assets/odd%20name%231.bin"
    assert unquote(key["physicalLocation"]["artifactLocation"]["uri"]) == "assets/odd name#1.bin"
    # An SDK is found by package prefix, not in one entry: it points at the app file.
    sdk = results["app.watchlisted-sdk"]["locations"][0]
    assert sdk["physicalLocation"]["artifactLocation"]["uri"] == "example-chat-3.1.0.apk"
    # A repository file named by the caller still wins.
    log = audit_to_sarif(_audit(report), location_uri="apps/approved.yaml")
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
        for loc in r["locations"]
    }
    assert uris == {"apps/approved.yaml"}


def test_markdown_lists_app_findings_escaped() -> None:
    text = audit_to_markdown(_audit(android_report()))
    assert "aivet app audit of `example-chat-3.1.0.apk`" in text
    assert "app.watchlisted-endpoint" in text and "www.cmpassport.com" in text
    assert "<script" not in text
