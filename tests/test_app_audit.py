"""`aivet app` end to end on real files: the reference-case APK built with the real Android
tools, a real APK from PyPI, and broken files; store, re-analysis and verdict included."""

from __future__ import annotations

import importlib.resources
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from aivet.analyze.app.audit import AppAnalysisError, first_party_domains
from aivet.app_audit import run_app_audit
from aivet.app_record import AppLimits
from aivet.cli import main
from aivet.intel.kb import Intel
from aivet.model import Audit
from aivet.report.json_report import load_audit
from aivet.store import Store
from tests.support.app_samples import AWS_KEY, reference_apk

UIAUTOMATOR_APK = Path(
    str(importlib.resources.files("uiautomator2") / "assets/app-uiautomator.apk")
)


@pytest.fixture(scope="module")
def apk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return reference_apk(tmp_path_factory.mktemp("apk") / "demoseek.apk")


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("store")


@pytest.fixture(scope="module")
def audited(
    apk: Path, store_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Audit]:
    out = tmp_path_factory.mktemp("out")
    code = main(["app", str(apk), "--out", str(out), "--store", str(store_dir), "--quiet"])
    assert code == 0
    yield load_audit(out / "audit.json")  # validates against the JSON Schema


def _rules(audit: Audit) -> dict[str, list[str]]:
    rules: dict[str, list[str]] = {}
    for finding in audit.findings:
        rules.setdefault(finding.rule, []).append(finding.title)
    return rules


def test_reference_apk_shows_every_reported_weakness(audited: Audit) -> None:
    report = audited.app
    assert report is not None and report.platform == "android"
    assert audited.status == "complete", audited.status_reasons
    assert report.identifier == "ai.demoseek.chat"
    rules = _rules(audited)
    # China Mobile's one-click login SDK, and the address it talks to, with the watchlists.
    assert any("China Mobile" in t for t in rules["app.watchlisted-sdk"])
    assert any("www.cmpassport.com" in t for t in rules["app.watchlisted-endpoint"])
    cmic = next(s for s in report.sdks if s.matched and "com.cmic.sso.sdk" in s.matched[0])
    assert cmic.owner is not None and any("FCC" in w for w in cmic.owner.watchlists)
    # 3DES/ECB with the literal key, exactly where smali put it.
    (des,) = [c for c in report.crypto if c.algorithm == "3DES"]
    assert des.mode == "ECB" and des.key_source == "literal"
    assert des.location.file == "classes.dex"
    assert des.location.where.startswith("Lcom/cmic/sso/sdk/AuthnHelper;->encrypt")
    assert {"app.weak-cipher", "app.hardcoded-key", "app.ecb-mode"} <= set(rules)
    # Transport, build, storage, secrets, anti-debugging.
    assert {"app.cleartext-traffic-allowed", "app.user-ca-trusted", "app.debuggable",
            "app.debug-certificate", "app.credential-storage", "app.hardcoded-secret",
            "app.anti-analysis", "app.exported-component"} <= set(rules)  # fmt: skip
    assert any("password" in t for t in rules["app.credential-storage"])
    assert any("chat_history.db" in t for t in rules["app.unencrypted-database"])
    exported = [f for f in audited.findings if f.rule == "app.exported-component"]
    assert [f.data["name"] for f in exported] == ["ai.demoseek.chat.PushReceiver"]
    secret = next(s for s in report.secrets if s.kind == "aws-access-key")
    assert secret.location.file == "assets/config.json" and AWS_KEY not in secret.preview
    # Endpoints from the second dex, the asset and the native library, with their owners.
    hosts = {e.host: e for e in report.endpoints}
    assert {"www.cmpassport.com", "gator.volces.com", "api.demoseek.ai",
            "upload.demoseek.ai"} <= set(hosts)  # fmt: skip
    assert hosts["api.demoseek.ai"].party == "first"
    assert hosts["upload.demoseek.ai"].cleartext
    if "tracker.demoseek.ai" in hosts:  # the native library is built when gcc is present
        assert hosts["tracker.demoseek.ai"].locations[0].file == "lib/arm64-v8a/libdemoseek.so"
    assert report.android is not None
    assert report.android.dex_files == ["classes.dex", "classes2.dex"]
    assert report.android.signing.schemes[:1] == ["v1"] and "v2" in report.android.signing.schemes


def test_the_json_report_never_carries_the_secrets_in_clear(audited: Audit) -> None:
    from aivet.report.json_report import audit_to_json

    text = audit_to_json(audited)
    assert AWS_KEY not in text
    assert "cmcc-sso-3des-key-2025!!" not in text


def test_evidence_is_stored_and_reanalysis_gives_the_same_findings(
    audited: Audit, store_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = audited.app
    assert report is not None
    with Store.open(store_dir) as store:
        record = store.get(audited.audit_id)
        assert record.kind == "app" and record.sealed
        assert store.has_blob(report.file_sha256)
        assert report.android is not None and report.android.manifest.manifest_sha256
        manifest_xml = store.read_blob(report.android.manifest.manifest_sha256).decode()
        assert 'package="ai.demoseek.chat"' in manifest_xml
    assert main(["verify", audited.audit_id, "--store", str(store_dir)]) == 0
    capsys.readouterr()
    assert main(["reanalyze", audited.audit_id, "--store", str(store_dir)]) == 0
    printed = capsys.readouterr().out
    with Store.open(store_dir) as store:
        derived = [r for r in store.audits() if r.derived_from == audited.audit_id]
        assert len(derived) == 1, printed
        from aivet.store import load_audit as load_stored

        again = load_stored(store, derived[0])
    assert sorted(f.id for f in again.findings) == sorted(f.id for f in audited.findings)


def test_verdicts_deny_the_reference_app(
    audited: Audit, store_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "audit.json"
    from aivet.report.json_report import write_audit_json

    write_audit_json(audited, path)
    assert main(["verdict", str(path), "--policy", "moderate-company"]) == 20
    out = capsys.readouterr().out
    assert out.startswith("DENY") and "app-code-of-listed-entities" in out
    assert main(["verdict", str(path), "--policy", "strict-government"]) == 20
    out = capsys.readouterr().out
    for rule in ("app-code-of-concern", "app-transport", "app-crypto-and-secrets", "app-build"):
        assert rule in out


def test_real_apk_from_pypi(tmp_path: Path, intel: Intel) -> None:
    result = run_app_audit(UIAUTOMATOR_APK, tmp_path, intel=intel)
    audit = result.audit
    report = audit.app
    assert report is not None and audit.status == "complete", audit.status_reasons
    assert report.identifier == "com.github.uiautomator"
    assert report.android is not None and report.android.classes > 1000
    assert report.strings_scanned > 10_000
    assert not [f for f in audit.findings if f.rule.startswith("app.watchlisted")]
    html = result.html_path.read_text(encoding="utf-8")
    assert "com.github.uiautomator" in html


def test_time_limit_gives_a_partial_audit_that_keeps_what_it_found(
    tmp_path: Path, intel: Intel
) -> None:
    result = run_app_audit(
        UIAUTOMATOR_APK, tmp_path, intel=intel, limits=AppLimits(time_limit_s=1e-9)
    )
    audit = result.audit
    assert audit.status == "partial"
    assert any("time limit" in r for r in audit.status_reasons)
    assert audit.app is not None and audit.app.identifier == "com.github.uiautomator"


def test_bad_files_end_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = tmp_path / "notes.apk"
    text.write_text("not a zip at all", encoding="utf-8")
    plain = tmp_path / "plain.apk"
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("readme.txt", "hello")
    truncated = tmp_path / "truncated.apk"
    truncated.write_bytes(UIAUTOMATOR_APK.read_bytes()[: UIAUTOMATOR_APK.stat().st_size // 2])
    empty = tmp_path / "empty.ipa"
    empty.write_bytes(b"")
    for path, expected in [
        (text, "notes.apk"),
        (plain, "not an APK"),
        (truncated, "truncated.apk"),
        (empty, "empty"),
        (tmp_path / "missing.apk", "no such file"),
    ]:
        code = main(["app", str(path), "--out", str(tmp_path / f"out-{path.name}"), "--quiet"])
        err = capsys.readouterr().err
        if path == truncated and code == 0:
            continue  # a readable remainder is reported as partial, checked below
        assert code in (1, 2), (path, err)
        assert expected in err and err.count("\n") == 1 and "Traceback" not in err, err


def test_truncated_apk_is_an_error_or_a_marked_partial(tmp_path: Path, intel: Intel) -> None:
    truncated = tmp_path / "cut.apk"
    truncated.write_bytes(UIAUTOMATOR_APK.read_bytes()[: UIAUTOMATOR_APK.stat().st_size - 5000])
    try:
        result = run_app_audit(truncated, tmp_path / "out", intel=intel)
    except AppAnalysisError as exc:
        assert "cut.apk" in str(exc)
        return
    assert result.audit.status == "partial"


def test_first_party_domains_come_from_the_reversed_id() -> None:
    assert first_party_domains("com.deepseek.chat") >= {"deepseek.com"}
    assert "demoseek.ai" in first_party_domains("ai.demoseek.chat")
    assert first_party_domains("app") == set()


def test_cli_help_lists_the_app_verb(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["app", "--help"])
    out = capsys.readouterr().out
    assert "APK" in out and "--time-limit" in out
    json.dumps(out)


def test_reference_ipa_shows_what_nowsecure_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.support.app_samples import IOS_3DES_KEY, reference_ipa

    ipa = reference_ipa(tmp_path / "DemoSeek.ipa")
    out = tmp_path / "out"
    assert main(["app", str(ipa), "--out", str(out), "--store", str(tmp_path / "s")]) == 0
    printed = capsys.readouterr().out
    assert "app.ats-disabled" in printed
    audit = load_audit(out / "audit.json")
    report = audit.app
    assert report is not None and report.platform == "ios" and report.ios is not None
    assert report.identifier == "ai.demoseek.chat" and report.ios.ats.allows_arbitrary_loads
    rules = _rules(audit)
    assert {"app.ats-disabled", "app.weak-cipher", "app.hardcoded-key", "app.static-iv",
            "app.credential-storage", "app.cleartext-endpoint"} <= set(rules)  # fmt: skip
    (des,) = [c for c in report.crypto if c.algorithm == "3DES"]
    assert des.key_source == "literal" and des.iv_source in ("zero", "none") and des.mode == "CBC"
    assert des.location.file == "Payload/DemoSeek.app/DemoSeek"
    assert IOS_3DES_KEY not in (out / "audit.json").read_text(encoding="utf-8")
    assert {"log.demoseek.ai", "gator.volces.com"} <= {e.host for e in report.endpoints}
    (applog,) = [s for s in report.sdks if "RangersAppLog" in " ".join(s.matched)]
    assert applog.owner is not None and applog.owner.country == "CN"
    assert main(["verdict", str(out), "--policy", "strict-government"]) == 20
    verdict = capsys.readouterr().out
    assert "app-transport" in verdict and "app-crypto-and-secrets" in verdict


def test_large_apk_with_many_dex_files_is_read_whole(tmp_path: Path, intel: Intel) -> None:
    """Over 100 MB and 30 dex files: every dex is analysed, nothing is skipped, and the
    incompressible asset is never inflated (it is not configuration)."""
    import os

    with zipfile.ZipFile(UIAUTOMATOR_APK) as source:
        manifest = source.read("AndroidManifest.xml")
        dex = source.read("classes.dex")
    large = tmp_path / "large.apk"
    with zipfile.ZipFile(large, "w", zipfile.ZIP_DEFLATED) as apk:
        apk.writestr("AndroidManifest.xml", manifest)
        for index in range(30):
            apk.writestr("classes.dex" if index == 0 else f"classes{index + 1}.dex", dex)
        media = zipfile.ZipInfo("assets/media.bin")
        apk.writestr(media, os.urandom(100 * 1024 * 1024), compress_type=zipfile.ZIP_STORED)
    assert large.stat().st_size > 100 * 1024 * 1024
    result = run_app_audit(large, tmp_path / "out", intel=intel)
    report = result.audit.app
    assert report is not None and result.audit.status == "complete", result.audit.status_reasons
    assert report.android is not None and len(report.android.dex_files) == 30
    assert report.android.classes == 30 * 1714
    assert not report.archive.skipped


TRUST_ALL = """.class public Lai/demoseek/net/TrustAll;
.super Ljava/lang/Object;
.implements Ljavax/net/ssl/X509TrustManager;

.method public checkClientTrusted([Ljava/security/cert/X509Certificate;Ljava/lang/String;)V
    .registers 3
    return-void
.end method

.method public checkServerTrusted([Ljava/security/cert/X509Certificate;Ljava/lang/String;)V
    .registers 3
    return-void
.end method

.method public getAcceptedIssuers()[Ljava/security/cert/X509Certificate;
    .registers 2
    const/4 v0, 0x0
    new-array v0, v0, [Ljava/security/cert/X509Certificate;
    return-object v0
.end method
"""


def test_trust_all_certificates_is_a_transport_finding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.support.android_tools import ApkSpec, build_apk, manifest

    apk = build_apk(
        ApkSpec(manifest=manifest("ai.demoseek.net"), smali={"TrustAll.smali": TRUST_ALL}),
        tmp_path / "trust.apk",
    )
    out = tmp_path / "out"
    assert main(["app", str(apk), "--out", str(out), "--quiet"]) == 0
    audit = load_audit(out / "audit.json")
    (finding,) = [f for f in audit.findings if f.rule == "app.tls-validation-disabled"]
    assert finding.severity == "high" and "every certificate" in finding.title
    assert finding.evidence[0].ref == "classes.dex"
    assert finding.evidence[0].detail.startswith("Lai/demoseek/net/TrustAll;->checkServerTrusted")
    assert not [f for f in audit.findings if f.rule == "app.anti-analysis"]
    capsys.readouterr()
    assert main(["verdict", str(out), "--policy", "moderate-company"]) == 10
    assert "app-security" in capsys.readouterr().out
