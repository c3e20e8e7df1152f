"""Intel lookups beyond the curated data: IP ranges, imported layers, name search, stats.
Offline: everything reads bundled YAML, fixture files and a temporary SQLite store."""

from __future__ import annotations

from pathlib import Path

import pytest

from aivet.intel.importers import DISCONNECT, TRACKER_RADAR, parse_disconnect, parse_tracker_radar
from aivet.intel.kb import Intel
from aivet.intel.store import Layer, LocalStore

DATA = Path(__file__).parent / "data" / "intel"


@pytest.fixture(scope="module")
def intel() -> Intel:
    return Intel.load(store=False)


def _layer(info: object, path: Path, digest: str) -> Layer:
    return Layer(
        name=info.layer,  # type: ignore[attr-defined]
        kind=info.kind,  # type: ignore[attr-defined]
        title=info.title,  # type: ignore[attr-defined]
        source_url=info.source_url,  # type: ignore[attr-defined]
        licence=info.licence,  # type: ignore[attr-defined]
        imported_at="2026-11-23T00:00:00Z",
        input_path=str(path),
        input_sha256=digest,
    )


@pytest.fixture()
def store_with_layers(tmp_path: Path) -> Path:
    db = tmp_path / "intel.sqlite"
    store = LocalStore(db)
    entities, digest = parse_tracker_radar(DATA / "trackerradar")
    store.replace_layer(_layer(TRACKER_RADAR, DATA / "trackerradar", digest), entities)
    entities, digest = parse_disconnect(DATA / "disconnect" / "entities.json")
    store.replace_layer(_layer(DISCONNECT, DATA / "disconnect", digest), entities)
    store.close()
    return db


# --- IP addresses ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "entity_id", "hosting"),
    [
        ("104.16.132.229", "cloudflare", None),  # anycast: no hosting country
        ("2606:4700:10::6816:1", "cloudflare", None),
        ("52.4.1.2", "aws", "US"),
        ("35.180.10.10", "aws", "FR"),
        ("52.82.169.20", "aws", "CN"),  # AWS China (Ningxia) region
    ],
)
def test_ip_addresses_map_to_published_ranges(
    intel: Intel, address: str, entity_id: str, hosting: str | None
) -> None:
    att = intel.attribute(address)
    assert att.entity_id == entity_id
    assert att.hosting_country == hosting
    assert att.country == "US"  # the operator's own country, reported beside the hosting one
    assert any("ip-ranges.amazonaws.com" in s or "cloudflare.com/ips" in s for s in att.sources)


@pytest.mark.parametrize("address", ["203.0.113.7", "8.8.8.8", "2001:db8::1", "[::1]"])
def test_unpublished_addresses_stay_unknown(intel: Intel, address: str) -> None:
    att = intel.attribute(address)
    assert att.entity_id is None and att.hosting_country is None and att.watchlists == []


def test_most_specific_range_wins(intel: Intel) -> None:
    rng = intel.ip_range("52.82.169.17")
    assert rng is not None and rng.network == "52.82.169.16/28" and rng.region == "cn-northwest-1"


# --- imported layers -------------------------------------------------------------------------


def test_imported_layer_fills_gaps_but_never_overrides(store_with_layers: Path) -> None:
    intel = Intel.load(store=store_with_layers)
    # Curated facts win even where Tracker Radar says something else about the domain.
    curated = intel.attribute("hm.baidu.com")
    assert curated.entity_id == "baidu-netcom" and curated.layer == "curated"
    assert intel.attribute("w.cnzz.com").entity_id == "umeng"
    # A domain only the imported layer knows is attributed, labelled with its layer.
    att = intel.attribute("www.iqiyi.com")
    assert att.entity_id == "trackerradar:Baidu, Inc."
    assert att.layer == "trackerradar"
    assert att.country is None and att.watchlists == []  # no such facts come from a layer
    entity = intel.entities[att.entity_id]
    assert "CC BY-NC-SA 4.0" in entity.sources[0].note
    assert entity.sources[0].url == "https://github.com/duckduckgo/tracker-radar"
    # Disconnect's layer answers for what neither curated data nor Tracker Radar claims.
    assert intel.attribute("tynt.com").entity_id == "disconnect:33Across"
    # Party decisions elsewhere look entities up by id: imported ids resolve too.
    assert intel.ultimate_parent(intel.entities["disconnect:33Across"]).name == "33Across"


def test_layers_change_the_snapshot_digest(store_with_layers: Path) -> None:
    assert (
        Intel.load(store=store_with_layers).snapshot_sha256
        != Intel.load(store=False).snapshot_sha256
    )


def test_reimport_replaces_a_layer(store_with_layers: Path) -> None:
    store = LocalStore(store_with_layers)
    entities, digest = parse_disconnect(DATA / "disconnect" / "services.json")
    layer = store.replace_layer(_layer(DISCONNECT, DATA, digest), entities)
    assert [lay.name for lay in store.layers()] == ["trackerradar", "disconnect"]
    assert layer.entities == 3
    store.close()
    intel = Intel.load(store=store_with_layers)
    assert intel.attribute("tynt.com").entity_id is None  # not in services.json's excerpt
    assert intel.entities["disconnect:Adobe"].category == "advertising"


# --- names, chains, stats --------------------------------------------------------------------


def test_find_by_name_alias_and_id(intel: Intel) -> None:
    # "China Mobile" is the group's alias and China Mobile Limited without its legal form.
    assert [e.id for e in intel.find("China Mobile")] == ["china-mobile", "china-mobile-limited"]
    assert [e.id for e in intel.find("CHINA MOBILE COMMUNICATIONS GROUP CO LTD")] == [
        "china-mobile"
    ]
    assert [e.id for e in intel.find("volcengine")] == ["volcengine"]
    assert [e.id for e in intel.find("火山引擎")] == ["volcengine"]
    assert intel.find("China Mobile Games") == []


def test_state_ownership_inherited_through_chain(intel: Intel) -> None:
    att = intel.attribute("aspire-technologies-do-not-exist.example")
    assert att.entity_id is None
    aspire = intel.entities["aspire-technologies"]
    assert [e.id for e in intel.chain(aspire)] == ["aspire-technologies", "china-mobile"]
    hits = {(h.list_id, h.via) for h in intel.watchlist_hits(aspire)}
    assert ("dod-1260h", "Aspire Technologies (Shenzhen) Limited") in hits
    assert ("fcc-covered-list", "China Mobile Communications Group Co., Ltd.") in hits


@pytest.mark.parametrize(
    ("host", "entity_id", "root"),
    [
        ("www.doubao.com", "doubao", "bytedance"),
        ("api.coze.cn", "doubao", "bytedance"),
        ("dashscope.aliyuncs.com", "alibaba-cloud", "alibaba"),
        ("chat.qwen.ai", "alibaba-cloud", "alibaba"),
        ("ulogs.umeng.com", "umeng", "alibaba"),
        ("sdk.jpush.cn", "aurora-mobile", "aurora-mobile"),
        ("c.igexin.com", "getui", "getui"),
        ("sdk.talkingdata.com", "talkingdata", "talkingdata"),
        ("www.sensorsdata.cn", "sensors-data", "sensors-data"),
        ("api.minimaxi.com", "minimax", "minimax"),
        ("s.360.cn", "qihoo-360", "qihoo-360"),
        ("wap.cmpassport.com", "china-mobile", "china-mobile"),
        ("id6.me.189.cn", "china-telecom", "china-telecom"),
        ("opencloud.wostore.cn", "china-unicom", "china-unicom"),
        ("dpm.demdex.net", "adobe", "adobe"),
    ],
)
def test_curated_chinese_and_sdk_hosts(intel: Intel, host: str, entity_id: str, root: str) -> None:
    att = intel.attribute(host)
    assert att.entity_id == entity_id
    assert intel.ultimate_parent(intel.entities[entity_id]).id == root


def test_alibaba_sdk_inherits_alibaba_listing(intel: Intel) -> None:
    hits = {h.list_id: h for h in intel.attribute("ulogs.umeng.com").watchlists}
    assert hits["dod-1260h"].via == "Alibaba Group Holding Limited"


def test_stats_and_snapshot_date(intel: Intel) -> None:
    stats = intel.stats()
    assert stats["curated_entities"] == len(intel.entities) >= 100
    assert stats["watchlists"]["dod-1260h"] >= 40
    assert stats["ip_ranges"] >= 30
    assert intel.snapshot_date == "2026-11-23"
