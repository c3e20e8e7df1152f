"""SDK signatures in the intel: the curated file, matching, and the Exodus import.

The Exodus fixture `tests/data/exodus-trackers-sample.json` is an excerpt of the real list
(`GET https://reports.exodus-privacy.eu.org/api/trackers`) copied on 2026-11-23 from a stored
copy of an export (github.com/Hamza417/Inure, app/src/main/resources/trackers.json, commit
525dadc); `tests/data/exodus-trackers-sample.md` says what was trimmed. No network.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from importlib import resources
from pathlib import Path

import pytest
import yaml

from aivet.cli import main
from aivet.intel.importers import ImportError_, exodus_entities, parse_exodus, split_alternation
from aivet.intel.kb import Intel, IntelError
from aivet.intel.sdks import (
    CATEGORIES,
    SdkIndex,
    SdkMatch,
    sdk_hit,
    signature_from_json,
    signature_to_json,
)

EXODUS = Path(__file__).parent / "data" / "exodus-trackers-sample.json"


@pytest.fixture(scope="module")
def intel() -> Intel:
    return Intel.load(store=False)


def _ids(matches: list[SdkMatch]) -> list[str]:
    return [m.signature.id for m in matches]


# --- the curated file -------------------------------------------------------------------------


def test_curated_signatures_load_and_are_sourced(intel: Intel) -> None:
    index = intel.sdks
    assert len(index.signatures) >= 35 and index.dropped == []
    for sig in index.signatures:
        assert sig.sources, sig.id
        assert sig.entity in intel.entities.curated, sig.id
        assert set(sig.categories) <= CATEGORIES, sig.id
        assert sig.android or sig.ios_frameworks or sig.ios_classes, sig.id
        for src in sig.sources:
            assert src.url.startswith(("https://", "http://")) and src.title, sig.id
            date.fromisoformat(src.retrieved)
    raw = yaml.safe_load(resources.files("aivet.intel").joinpath("data/sdks.yaml").read_text())
    assert len(raw["sdks"]) == len(index.signatures)


def test_required_sdks_are_covered(intel: Intel) -> None:
    ids = {s.id for s in intel.sdks.signatures}
    required = {
        "china-mobile-quick-login",
        "china-unicom-quick-login",
        "china-telecom-quick-login",
        "pangle-csj",
        "volcengine-applog",
        "umeng",
        "jpush",
        "getui-push",
        "tencent-bugly",
        "wechat-opensdk",
        "alipay-sdk",
        "baidu-mobstat",
        "huawei-hms",
        "xiaomi-push",
        "weibo-sdk",
        "firebase-analytics",
        "firebase-crashlytics",
        "firebase-messaging",
        "google-admob",
        "facebook-sdk",
        "appsflyer",
        "adjust",
        "branch",
        "sentry",
        "mixpanel",
        "amplitude",
        "segment",
        "onesignal",
        "braze",
        "applovin",
        "unity-ads",
        "ironsource",
    }
    assert required <= ids, required - ids


_VENDOR = (
    "entities.yaml",
    "entities:\n  - {id: v, name: Vendor, category: other,"
    " sources: [{url: 'https://v.example', retrieved: '2026-11-23'}]}\n",
)
_SOURCE = "sources: [{url: 'https://v.example/sdk', title: SDK docs, retrieved: '2026-11-23'}]"


def _sdk_file(*records: str) -> tuple[str, str]:
    return "sdks-extra.yaml", "sdks:\n" + "".join(f"  - {{{r}}}\n" for r in records)


def test_signature_files_load_lazily_and_are_validated() -> None:
    unknown = _sdk_file(
        f"id: x, name: X, entity: nobody, categories: [push], android: [com.x.], {_SOURCE}"
    )
    loaded = Intel.from_texts([_VENDOR, unknown])  # loads: the SDK file is not read yet
    with pytest.raises(IntelError, match="unknown entity 'nobody'"):
        _ = loaded.sdks
    sourceless = _sdk_file("id: x, name: X, entity: v, categories: [push], android: [com.x.]")
    with pytest.raises(IntelError, match="no sources"):
        _ = Intel.from_texts([_VENDOR, sourceless]).sdks
    twice = _sdk_file(
        f"id: x, name: X, entity: v, categories: [push], android: [com.x.], {_SOURCE}",
        f"id: y, name: Y, entity: v, categories: [push], android: [com.x], {_SOURCE}",
    )
    with pytest.raises(IntelError, match=r"prefix com\.x is also claimed by 'x'"):
        _ = Intel.from_texts([_VENDOR, twice]).sdks


# --- matching ---------------------------------------------------------------------------------


def test_cmic_is_china_mobile_with_its_watchlists(intel: Intel) -> None:
    classes = [
        "Lcom/cmic/sso/sdk/AuthnHelper;",
        "Lcom/cmic/sso/sdk/auth/TokenListener;",
        "Lcom/cmic/sso/sdk/activity/LoginAuthActivity$1;",
        "Lcom/example/app/MainActivity;",
    ]
    (match,) = intel.sdks.match_android(classes)
    assert match.signature.id == "china-mobile-quick-login"
    assert match.classes == 3 and match.matched == ("com.cmic.sso.sdk",)
    hit = sdk_hit(match, intel)
    assert hit.owner is not None and hit.owner.entity_id == "china-mobile"
    assert hit.owner.country == "CN" and hit.owner.state_owned is True
    assert any("FCC Covered List" in w for w in hit.owner.watchlists)
    assert any("1260H" in w for w in hit.owner.watchlists)
    assert hit.categories == ["one-click-login"] and hit.sources == list(
        match.signature.source_urls
    )
    assert "cmpassport.com" in hit.domains


def test_prefixes_match_whole_package_components(intel: Intel) -> None:
    index = intel.sdks
    assert index.match_android(["Lcom/umengx/Foo;", "com.umengx.Bar", "Lcom/umen/A;"]) == []
    matches = index.match_android(["Lcom/umeng/A;", "com.umeng.analytics.B", "[Lcom/umeng/c/D;"])
    assert _ids(matches) == ["umeng"] and matches[0].classes == 3
    assert index.match_android(["Lcom/cmic/sso/sdkx/A;", "Lcom/cmic/A;"]) == []
    odd = ["", "L;", "[[[", "Lcom//umeng/A;", "Lcom/umeng/;", "com..umeng.A", "/", "."]
    assert _ids(index.match_android(odd)) == ["umeng"]  # `com/umeng/` with no class name


def test_longest_prefix_and_class_level_signatures(intel: Intel) -> None:
    index = intel.sdks
    matches = index.match_android(
        [
            "Lcom/google/android/gms/ads/identifier/AdvertisingIdClient;",
            "Lcom/google/android/gms/ads/AdView;",
            "Lcom/google/android/gms/ads/AdRequest$Builder;",
        ]
    )
    assert {m.signature.id: m.classes for m in matches} == {
        "google-admob": 2,
        "google-advertising-id": 1,
    }
    matches = index.match_android(
        ["Lcom/facebook/FacebookSdk;", "Lcom/facebook/FacebookSdk$1;", "Lcom/facebook/react/A;"]
    )
    assert _ids(matches) == ["facebook-sdk"] and matches[0].classes == 2
    assert index.match_android(["Lcom/facebook/drawee/view/SimpleDraweeView;"]) == []


def test_ios_frameworks_of_the_carrier_login_sdks(intel: Intel) -> None:
    matches = intel.sdks.match_ios(
        [
            "Payload/App.app/Frameworks/TYRZUISDK.framework/TYRZUISDK",
            "EAccountApiSDK.framework",
            "Payload/App.app/Frameworks/Other.framework",
        ],
        ["AppDelegate"],
    )
    assert _ids(matches) == ["china-mobile-quick-login", "china-telecom-quick-login"]
    hit = sdk_hit(matches[1], intel)
    assert hit.owner is not None and hit.owner.entity_id == "china-telecom"
    assert hit.matched == ["EAccountApiSDK.framework"]


def _owner_id(match: SdkMatch, intel: Intel) -> str | None:
    owner = sdk_hit(match, intel).owner
    return owner.entity_id if owner is not None else None


def test_ios_volcengine_applog_by_framework_and_by_class(intel: Intel) -> None:
    index = intel.sdks
    (match,) = index.match_ios(
        ["Payload/DeepSeek.app/Frameworks/RangersAppLog.framework/RangersAppLog"], []
    )
    assert match.signature.id == "volcengine-applog"
    assert match.matched == ("RangersAppLog.framework",)
    assert _owner_id(match, intel) == "volcengine"
    # The SDK is usually linked statically: its classes are what an IPA shows.
    (match,) = index.match_ios(
        [], ["AppDelegate", "BDAutoTrack", "BDAutoTrackConfig", "BDAutoTrackSchemeHandler"]
    )
    assert match.signature.id == "volcengine-applog"
    assert match.matched == ("BDAutoTrack",) and match.classes == 3
    assert _owner_id(match, intel) == "volcengine"


def test_ios_chinese_sdks_and_their_makers(intel: Intel) -> None:
    frameworks = [
        "Payload/App.app/Frameworks/BUAdSDK.framework/BUAdSDK",
        "Payload/App.app/Frameworks/UMCommon.framework",
        "Payload/App.app/Frameworks/Bugly.framework/Bugly",
        "Payload/App.app/Frameworks/GTSDK.framework",
    ]
    classes = [
        "BUAdSDKManager",
        "PAGSdk",  # Pangle outside China
        "UMConfigure",
        "MobClick",
        "JPUSHService",
        "JPUSHRegisterEntity",
        "JPushNotificationContent",
        "GeTuiSdk",
        "WXApi",
        "WeiboSDK",
        "WBSendMessageToWeiboRequest",
    ]
    found = {m.signature.id: m for m in intel.sdks.match_ios(frameworks, classes)}
    expected = {
        "pangle-csj": ("bytedance", 3),
        "umeng": ("umeng", 3),
        "jpush": ("aurora-mobile", 3),
        "tencent-bugly": ("tencent-computer", 1),
        "getui-push": ("getui", 2),
        "wechat-opensdk": ("tencent-computer", 1),
        "weibo-sdk": ("weibo", 2),
    }
    assert set(found) == set(expected)
    for sdk_id, (entity, count) in expected.items():
        assert _owner_id(found[sdk_id], intel) == entity, sdk_id
        assert found[sdk_id].classes == count, sdk_id
    assert found["pangle-csj"].matched == ("BUAdSDK.framework", "BUAdSDKManager", "PAGSdk")


def test_ios_western_sdks(intel: Intel) -> None:
    found = {
        m.signature.id: m
        for m in intel.sdks.match_ios(
            [
                "Payload/App.app/Frameworks/AppsFlyerLib.xcframework",
                "Payload/App.app/Frameworks/FirebaseAnalytics.framework/FirebaseAnalytics",
                "Payload/App.app/Frameworks/BrazeKit.framework",
            ],
            ["AppsFlyerLib", "FIRAnalytics", "SentrySDK", "FBSDKAppEvents", "GADMobileAds"],
        )
    }
    owners = {sdk_id: _owner_id(m, intel) for sdk_id, m in found.items()}
    assert owners == {
        "appsflyer": "appsflyer",
        "firebase-analytics": "google",
        "braze": "braze",
        "sentry": "sentry",
        "facebook-sdk": "meta",
        "google-admob": "google",
    }
    assert found["appsflyer"].matched == ("AppsFlyerLib", "AppsFlyerLib.framework")


def test_ios_signatures_do_not_over_match(intel: Intel) -> None:
    index = intel.sdks
    # Framework names are whole names, not prefixes.
    near_frameworks = [
        "Payload/App.app/Frameworks/RangersAppLogX.framework",
        "Payload/App.app/Frameworks/MyBUAdSDK.framework",
        "Payload/App.app/Frameworks/UMCommonUtils.framework",
    ]
    assert index.match_ios(near_frameworks, []) == []
    # Class prefixes are matched from the start of the name and case-sensitively; the short
    # prefixes other libraries share (Weibo's WB, Expo's UM, Tencent libpag's PAG) are not
    # claimed, nor common words (Branch, Amplitude, Adjust).
    unrelated = [
        "XBDAutoTrack",
        "BDAutoTrac",
        "bdautotrack",
        "WBSomething",
        "WBViewController",
        "WBAuthorize",
        "UMCore",
        "UMAppDelegateWrapper",
        "PAGView",
        "PAGFile",
        "BranchViewController",
        "AmplitudeView",
        "AdjustableSlider",
        "JPush",
        "ABKUserSettings",
    ]
    assert index.match_ios([], unrelated) == []


def test_curated_ios_class_prefixes_are_specific(intel: Intel) -> None:
    for sig in intel.sdks.signatures:
        for prefix in sig.ios_classes:
            assert len(prefix) >= 5 and prefix.isidentifier(), (sig.id, prefix)
        for name in sig.ios_frameworks:
            assert name and "/" not in name and not name.endswith(".framework"), (sig.id, name)


# --- Exodus -----------------------------------------------------------------------------------


def test_parse_exodus_sample() -> None:
    sigs = {s.id: s for s in parse_exodus(EXODUS, retrieved="2026-11-23")}
    assert len(sigs) == 10
    teemo = sigs["exodus-1"]
    assert teemo.name == "Teemo" and teemo.entity == "exodus:1" and teemo.layer == "exodus"
    assert teemo.android == ("com.databerries", "com.geolocstation")
    assert teemo.domains == ("databerries.com",) and teemo.categories == ("analytics",)
    assert teemo.sources[0].published == "2017-09-24"
    assert sigs["exodus-10"].android == () and sigs["exodus-10"].domains == ()
    assert sigs["exodus-102"].domains == ("estimote.com",)  # from `.*\.estimote\.com`
    inmobi = sigs["exodus-106"]
    assert inmobi.android == ("com.inmobi", "in.inmobi")
    assert "inmobisdk-a.akamaihd.net" in inmobi.domains and "w.inmobi.com" in inmobi.domains
    assert sigs["exodus-119"].domains[:2] == ("alog.umeng.com", "alogs.umeng.com")
    assert sigs["exodus-121"].categories == ("advertising",)
    assert all(s.android_patterns == () for s in sigs.values())
    entities = {e.key: e for e in exodus_entities(sigs.values())}
    assert entities["119"].name == "Umeng Analytics" and "umeng.com" in entities["119"].domains


def test_exodus_regex_signatures_are_kept_as_bounded_patterns(tmp_path: Path) -> None:
    # A constructed record (not from Exodus): one real regex beside one plain prefix.
    doc = {
        "trackers": {
            "900": {
                "name": "Constructed regex tracker",
                "code_signature": "com\\.example\\.(alpha|beta)\\.track|io.plain.",
                "network_signature": "track\\.example\\.net|[a-z]+\\.cdn\\.example\\.net",
                "website": "https://example.net",
                "categories": ["Profiling"],
                "creation_date": "2024-01-01",
            }
        }
    }
    path = tmp_path / "trackers.json"
    path.write_text(json.dumps(doc))
    (sig,) = parse_exodus(path)
    assert sig.android == ("io.plain",)
    assert sig.android_patterns == ("com\\.example\\.(alpha|beta)\\.track",)
    assert sig.domains == ("track.example.net",)  # the domain regex is not used
    assert sig.categories == ("profiling",)
    index = SdkIndex([sig])
    (match,) = index.match_android(
        ["Lcom/example/beta/tracker/A;", "Lio/plain/B;", "Lcom/example/gamma/track/C;"]
    )
    assert match.classes == 2
    assert match.matched == ("com\\.example\\.(alpha|beta)\\.track", "io.plain")
    assert split_alternation("a|(b|c)|[|]|d\\|e") == ["a", "(b|c)", "[|]", "d\\|e"]
    # One signature may hold a prefix and a deeper one of its own.
    nested = SdkIndex([replace(sig, android=("io.plain", "io.plain.deep"), android_patterns=())])
    (match,) = nested.match_android(["Lio/plain/deep/A;", "Lio/plain/B;"])
    assert match.classes == 2 and match.matched == ("io.plain", "io.plain.deep")
    assert signature_from_json(signature_to_json(sig)) == sig


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"trackers": []}', "not an Exodus tracker list"),
        ('{"trackers": {"1": {"code_signature": "com.x."}}}', "tracker 1: not a tracker object"),
        ('{"trackers": {"1": {"name": "X", "code_signature": "com.(x"}}}', "is not a regex"),
        ('{"trackers": {"1": {"name": "X", "code_signature": 5}}}', "must be text"),
    ],
)
def test_malformed_exodus_is_one_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ImportError_) as exc:
        parse_exodus(path)
    assert message in str(exc.value) and str(path) in str(exc.value)
    assert "\n" not in str(exc.value)


def test_import_exodus_merges_with_curated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "intel.sqlite"
    monkeypatch.setenv("AIVET_INTEL_DB", str(db))
    assert main(["intel", "import", "exodus", str(EXODUS)]) == 0
    out = capsys.readouterr().out
    assert "layer 'exodus'" in out and "10 SDK signatures" in out

    intel = Intel.load(store=db)
    index = intel.sdks
    kept = {s.id for s in index.signatures if s.layer == "exodus"}
    # Covered by curated prefixes (com.umeng, com.baidu.mobstat, com.baidu.mobads,
    # com.tencent.stat, com.unity3d.*) or with no code signature (Xiti): dropped.
    assert set(index.dropped) == {
        "exodus-10",
        "exodus-100",
        "exodus-101",
        "exodus-116",
        "exodus-119",
        "exodus-121",
    }
    assert kept == {"exodus-1", "exodus-102", "exodus-105", "exodus-106"}

    # Curated wins on a shared prefix: Umeng classes stay the curated Umeng record.
    classes = [
        "Lcom/umeng/analytics/MobclickAgent;",
        "Lcom/databerries/A;",
        "Lcom/google/tagmanager/B;",
    ]
    hits = {m.signature.id: sdk_hit(m, intel) for m in index.match_android(classes)}
    assert set(hits) == {"umeng", "exodus-1", "exodus-105"}
    owner = hits["umeng"].owner
    assert owner is not None and owner.entity_id == "umeng"
    # An imported signature is owned by whoever the intel says runs its domains: the curated
    # record where there is one (googletagmanager.com), else the tracker's own layer entity.
    owner = hits["exodus-105"].owner
    assert owner is not None and owner.entity_id == "google"
    owner = hits["exodus-1"].owner
    assert owner is not None and owner.entity_id == "exodus:1" and owner.country is None
    assert intel.attribute("alog.umeng.com").entity_id == "umeng"
    assert intel.attribute("tracker.databerries.com").entity_id == "exodus:1"

    assert main(["intel", "import", "exodus", str(tmp_path / "missing.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such file" in err
