"""String scanners of the app audit: endpoints, secrets, printable runs of binaries.

Secrets here are fake but format-valid values built in the test; no real credential is
written anywhere in the repository.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
from pathlib import Path

import pytest

from aivet.analyze.app.strings_scan import (
    MAX_LOCATIONS,
    MAX_URLS_PER_HOST,
    find_endpoints,
    find_secrets,
    printable_strings,
    shannon_entropy,
)
from aivet.app_record import AppEndpoint, Location
from aivet.intel.kb import Intel

DEX = Location("classes.dex", "string")


@pytest.fixture(scope="module")
def intel() -> Intel:
    return Intel.load(store=False)


def _scan(intel: Intel, *texts: str, first: str = "myapp.example-co.com") -> dict[str, AppEndpoint]:
    items = [(t, Location("classes.dex", f"string #{i}")) for i, t in enumerate(texts)]
    found = find_endpoints(items, intel, lambda host: host.endswith(first))
    return {e.host: e for e in found}


# --- endpoints --------------------------------------------------------------------------------


def test_cmpassport_is_china_mobile_and_third_party(intel: Intel) -> None:
    (ep,) = find_endpoints(
        [("https://log.cmpassport.com/log/logReport", DEX)], intel, lambda host: False
    )
    assert ep.host == "log.cmpassport.com" and ep.party == "third" and not ep.cleartext
    assert ep.owner is not None and ep.owner.entity_id == "china-mobile"
    assert any("FCC Covered List" in w for w in ep.owner.watchlists)
    assert ep.urls == ["https://log.cmpassport.com/log/logReport"]
    assert ep.locations == [DEX] and ep.occurrences == 1


def test_several_urls_in_one_string_and_cleartext(intel: Intel) -> None:
    found = _scan(
        intel,
        'cfg={"api":"http://api.umeng.com/v2/log","ws":"wss://push.umeng.com/s"},'
        " see (https://docs.myapp.example-co.com/help).",
        "ws://live.example-stream.cn:8080/feed",
        "http://192.168.1.1/cgi-bin/login",
        "https://cdn.example-stream.cn/a.png",
    )
    assert list(found) == sorted(found)  # deterministic order: by host
    umeng = found["api.umeng.com"]
    assert umeng.cleartext and umeng.party == "third"
    assert not found["push.umeng.com"].cleartext
    docs = found["docs.myapp.example-co.com"]
    assert docs.urls == ["https://docs.myapp.example-co.com/help"]
    assert docs.party == "first"
    assert found["live.example-stream.cn"].cleartext
    assert found["live.example-stream.cn"].party == "unknown"
    assert not found["cdn.example-stream.cn"].cleartext
    assert not found["192.168.1.1"].cleartext  # a local address, not the internet


def test_bare_hosts_only_when_unmistakable(intel: Intel) -> None:
    found = _scan(
        intel,
        "api.myvendor-cloud.io/v1/login",  # path under a public suffix
        "log.cmpassport.com",  # a domain the intel claims
        "tracker.myvendor-cloud.io",  # no path, not known: could be anything
        "com.google.android.gms",
        "com.umeng.analytics",
        "cn.jpush.android",
        "com.example.app/.MainActivity",
        "com.tencent.mm.opensdk.openapi",
        "libfoo.so",
        "icon.png",
        "config.json",
        "res/raw/data.bin",
        "lib/arm64-v8a/libmmkv.so",
    )
    assert set(found) == {"api.myvendor-cloud.io", "log.cmpassport.com"}
    assert found["api.myvendor-cloud.io"].urls == ["api.myvendor-cloud.io/v1/login"]


def test_noise_and_placeholders_are_dropped(intel: Intel) -> None:
    found = _scan(
        intel,
        "http://schemas.android.com/apk/res/android",
        "http://www.w3.org/2000/svg",
        "http://xmlpull.org/v1/doc/features.html#process-namespaces",
        "http://xml.org/sax/features/namespaces",
        "http://ns.adobe.com/xap/1.0/",
        "Licensed under http://www.apache.org/licenses/LICENSE-2.0",
        "http://localhost:8080/debug",
        "http://127.0.0.1:5037",
        "http://10.0.2.2:3000/api",
        "https://example.com/path",
        "https://api.example.org/v1",
        "https://%s/api/%d",
        "https://${host}/x",
        "https://maven.apache.org/POM/4.0.0",
        "www.apache.org/licenses/LICENSE-2.0",
        "www.apache.org/dist/commons/",
    )
    # Only licence URLs of apache.org are noise, with or without a scheme.
    assert set(found) == {"maven.apache.org", "www.apache.org"}
    assert found["www.apache.org"].urls == ["www.apache.org/dist/commons/"]


def test_caps_keep_counting(intel: Intel) -> None:
    items = [
        (f"https://api.umeng.com/v{i}", Location("classes.dex", f"s{i}")) for i in range(70)
    ] + [("https://api.umeng.com/v0", Location("classes2.dex", "s0"))] * 5
    (ep,) = find_endpoints(items, intel, lambda host: False)
    assert len(ep.urls) == MAX_URLS_PER_HOST and ep.urls[0] == "https://api.umeng.com/v0"
    assert len(ep.locations) == MAX_LOCATIONS and ep.occurrences == 75


# --- secrets ----------------------------------------------------------------------------------

_B64 = "Zq8Xr2Lm9Tb4Kw7Vn3Hc6Jd1Pf5Gs0Yx"  # 32 fake characters of mixed case and digits


def _jwt(header: dict[str, str]) -> str:
    def part(obj: dict[str, str]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    return f"{part(header)}.{part({'sub': '1234567890', 'name': 'test'})}.{_B64}"


FAKE = {
    "aws-access-key": "AKIA" + "Q7X2M4N8P1R5T9V3",
    "google-api-key": "AIza" + "Sy" + _B64[:30] + "_-a",
    "google-oauth-client-secret": "GOCSPX-" + _B64[:28],
    "slack-token": "xoxb-" + "1234567890-" + _B64[:20],
    "github-token": "ghp_" + _B64 + "AbCd",
    "stripe-live-key": "sk_live_" + _B64[:24],
    "twilio-api-key": "SK" + hashlib.md5(b"fake").hexdigest(),
    "sendgrid-api-key": "SG." + _B64[:22] + "." + (_B64 + _B64)[:43],
    "openai-api-key": "sk-proj-" + _B64 + "T3BlbkFJ" + _B64[:8],
    "anthropic-api-key": "sk-ant-api03-" + _B64,
    "jwt": _jwt({"alg": "HS256", "typ": "JWT"}),
    "private-key": "-----BEGIN RSA PRIVATE KEY-----\nMIIEow"
    + _B64
    + "\n-----END RSA PRIVATE KEY-----",
}


@pytest.mark.parametrize("kind", sorted(FAKE))
def test_known_formats(kind: str) -> None:
    value = FAKE[kind]
    (hit,) = find_secrets([(f'const KEY = "{value}";', DEX)])
    assert hit.kind == kind
    assert hit.sha256 == hashlib.sha256(value.encode()).hexdigest()
    assert value not in hit.preview and hit.location == DEX and hit.occurrences == 1
    if kind == "private-key":
        assert hit.preview == "-----BEGIN RSA PRIVATE KEY----- …"
    else:
        assert hit.preview == f"{value[:4]}…{value[-2:]}"


def test_high_entropy_token_and_dedupe() -> None:
    token = "q8Xr2Lm9Tb4Kw7Vn3Hc6Jd1Pf5Gs0YxZa"
    items = [
        (token, Location("classes.dex", "first")),
        (f"appSecret={token}", Location("classes2.dex", "second")),
        (FAKE["google-api-key"], Location("classes.dex", "k1")),
        (FAKE["google-api-key"], Location("classes3.dex", "k2")),
    ]
    hits = {h.kind: h for h in find_secrets(items)}
    assert set(hits) == {"high-entropy", "google-api-key"}  # the API key is not reported twice
    generic = hits["high-entropy"]
    assert generic.occurrences == 2 and generic.location.where == "first"
    assert generic.entropy == round(shannon_entropy(token), 3) and generic.entropy >= 4.2
    assert hits["google-api-key"].occurrences == 2
    hex_key = "3f2a9c7e1b8d4056a7c3e9f1b2d4a6c8"  # a 32-hex app key, as many SDKs use
    assert [h.kind for h in find_secrets([(hex_key, DEX)])] == ["high-entropy"]


@pytest.mark.parametrize(
    "text",
    [
        "123e4567-e89b-12d3-a456-426614174000",  # UUID
        "Lcom/google/android/gms/common/internal/zzab2;",  # class descriptor
        "com/google/firebase/crashlytics/internal/common2",  # path
        "sha256/k2v657xBsOVe1PQRwOsHsw3bsGT2VzIqz5K+59sNQws=",  # certificate pin
        base64.b64encode(b"This is a short text for you").decode(),  # encoded words
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",  # alphabet table
        hashlib.md5(b"").hexdigest(),  # digest of nothing, a library constant
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1",  # long but not random
        "getInstanceIdWithRetries2",  # identifier
        "sk-SK.translation.strings2",  # `sk-` in a locale, not an OpenAI key
        "eyJub3QiOiJhIGp3dCJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",  # header has no `alg`
        "https://api.vendor-cloud.com/v1/getDataClickManager2",  # URL path
        "api12.vendor-cloud.com/v2/userConfigHelperCache",  # bare host and path
        "android.support.v4.app.FragmentManagerImpl2",  # dotted class name
    ],
)
def test_not_secrets(text: str) -> None:
    assert find_secrets([(text, DEX)]) == []


# --- printable strings ------------------------------------------------------------------------


def test_printable_strings_of_a_real_shared_object() -> None:
    # tree-sitter's compiled extension: a dependency of aivet, so present wherever it runs.
    spec = importlib.util.find_spec("tree_sitter._binding")
    assert spec is not None and spec.origin is not None
    data = Path(spec.origin).read_bytes()
    assert data[:4] == b"\x7fELF"
    found = dict((text, offset) for offset, text in printable_strings(data))
    assert "PyInit__binding" in found
    offset = found["PyInit__binding"]
    assert data[offset : offset + len("PyInit__binding")] == b"PyInit__binding"
    assert all(len(text) >= 6 for text in found)


def test_printable_strings_bounds_and_min_len() -> None:
    data = b"\x00ab\x00abcdef\x01" + b"x" * 10_000 + b"\xff"
    runs = list(printable_strings(data, min_len=4))
    assert runs[0] == (4, "abcdef")
    assert [len(t) for _, t in runs[1:]] == [4096, 4096, 1808]
