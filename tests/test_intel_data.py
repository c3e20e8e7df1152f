"""The curated intel shipped with the package: it loads, it answers the reference case, and
every record is well-formed and sourced. No network: everything here reads bundled YAML."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from aivet.demo.server import demo_intel_path
from aivet.intel.kb import Intel, IntelError

CATEGORIES = {
    "ai-vendor",
    "cloud",
    "cdn",
    "telecom",
    "identity",
    "analytics",
    "advertising",
    "social",
    "platform",
    "security",
    "payments",
    "other",
}
KEBAB = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _bundled_texts() -> list[tuple[str, str]]:
    data = resources.files("aivet.intel").joinpath("data")
    return sorted(
        (item.name, item.read_text(encoding="utf-8"))
        for item in data.iterdir()
        if item.name.endswith(".yaml")
    )


def _raw_records(key: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for _, text in _bundled_texts():
        out.extend((yaml.safe_load(text) or {}).get(key) or [])
    return out


@pytest.fixture(scope="module")
def intel() -> Intel:
    return Intel.load()


def _is_date(value: object) -> bool:
    text = str(value)
    if not ISO_DATE.match(text):
        return False
    date.fromisoformat(text)
    return True


# --- loading -------------------------------------------------------------------------------


def test_bundled_files_are_the_curated_ones() -> None:
    names = [name for name, _ in _bundled_texts()]
    assert "entities.yaml" in names
    assert "watchlists.yaml" in names
    assert "seed.yaml" not in names  # the temporary seed was replaced


def test_bundled_intel_loads(intel: Intel) -> None:
    assert len(intel.entities) >= 50
    assert {"fcc-covered-list", "dod-1260h", "bis-entity-list"} <= set(intel.watchlists)
    assert len(intel.snapshot_sha256) == 64


def test_loads_next_to_the_demo_and_test_overlays() -> None:
    test_overlay = Path(__file__).parent / "data" / "test-intel.yaml"
    both = Intel.load([demo_intel_path(), test_overlay])
    assert {"demoseek", "aivet-test-vendor", "china-mobile"} <= set(both.entities)


# --- the reference case ----------------------------------------------------------------------


def test_cmpassport_is_china_mobile_and_watchlisted(intel: Intel) -> None:
    att = intel.attribute("log.cmpassport.com")
    assert att.entity_id == "china-mobile"
    assert att.entity_name == "China Mobile Communications Group Co., Ltd."
    assert att.country == "CN"
    assert att.state_owned is True
    assert att.registrable_domain == "cmpassport.com"
    lists = {hit.list_id: hit for hit in att.watchlists}
    assert {"fcc-covered-list", "dod-1260h"} <= set(lists)
    # The FCC names the US subsidiary; the hit says so rather than pretending otherwise.
    assert lists["fcc-covered-list"].listed_entity == "China Mobile International USA Inc."
    assert lists["fcc-covered-list"].since == "2022-03-25"
    assert lists["dod-1260h"].listed_entity.startswith("China Mobile Communications Group")
    assert all(hit.source_url.startswith("https://") for hit in att.watchlists)
    assert all(url.startswith("https://") for url in att.sources)


def test_subsidiary_inherits_parent_listings(intel: Intel) -> None:
    att = intel.attribute("cmi.chinamobile.com")
    assert att.entity_id == "china-mobile-international"
    assert att.ownership_chain == [
        "China Mobile International Limited",
        "China Mobile Limited",
        "China Mobile Communications Group Co., Ltd.",
    ]
    assert att.state_owned is True  # inherited from the group
    vias = {(hit.list_id, hit.via) for hit in att.watchlists}
    assert ("dod-1260h", "China Mobile Limited") in vias
    assert ("fcc-covered-list", "China Mobile Communications Group Co., Ltd.") in vias


def test_volcengine_chain_reaches_bytedance(intel: Intel) -> None:
    for host in ("volces.com", "maas-api.ml-platform-cn-beijing.volces.com"):
        att = intel.attribute(host)
        assert att.entity_id == "volcengine"
        assert att.country == "CN"
        assert att.ownership_chain[-1] == "ByteDance Ltd."
    assert intel.ultimate_parent(intel.entities["volcengine"]).id == "bytedance"


def test_baidu_tongji_is_baidu(intel: Intel) -> None:
    att = intel.attribute("hm.baidu.com")
    assert att.entity_id == "baidu-netcom"
    assert att.country == "CN"
    assert att.ownership_chain[-1] == "Baidu, Inc."
    assert intel.ultimate_parent(intel.entities["baidu-netcom"]).id == "baidu"


def test_deepseek_is_known(intel: Intel) -> None:
    att = intel.attribute("chat.deepseek.com")
    assert att.entity_id == "deepseek"
    assert att.country == "CN"
    assert intel.entities["deepseek"].category == "ai-vendor"


@pytest.mark.parametrize(
    ("host", "entity_id"),
    [
        ("www.googletagmanager.com", "google"),
        ("connect.facebook.net", "meta"),
        ("www.clarity.ms", "microsoft"),
        ("static.licdn.com", "linkedin"),
        ("d111111abcdef8.cloudfront.net", "aws"),
        ("aws.amazon.com", "aws"),
        ("www.amazon.com", "amazon"),
        ("cdnjs.cloudflare.com", "cloudflare"),
        ("static.cloudflareinsights.com", "cloudflare"),
        ("cdn.jsdelivr.net", "jsdelivr"),
        ("api.openai.com", "openai"),
        ("claude.ai", "anthropic"),
        ("static.hotjar.com", "contentsquare"),
        ("cdn.cookielaw.org", "onetrust"),
        ("js.stripe.com", "stripe"),
        ("open.e.189.cn", "china-telecom"),
        ("www.qq.com", "tencent-computer"),
        ("g.alicdn.com", "alibaba"),
        ("dashscope.aliyuncs.com", "alibaba-cloud"),
        ("consumer.huaweicloud.com", "huawei-cloud"),
    ],
)
def test_common_receivers_attribute(intel: Intel, host: str, entity_id: str) -> None:
    assert intel.attribute(host).entity_id == entity_id


@pytest.mark.parametrize(
    "host",
    ["unknown-receiver.example", "cmpassport.com.evil.example", "notbaidu.com", "203.0.113.7"],
)
def test_unknown_hosts_stay_unknown(intel: Intel, host: str) -> None:
    att = intel.attribute(host)
    assert att.entity_id is None
    assert att.entity_name is None
    assert att.country is None
    assert att.watchlists == []
    assert att.ownership_chain == []


def test_us_platforms_have_no_watchlist_hits(intel: Intel) -> None:
    for host in ("www.google.com", "api.openai.com", "www.microsoft.com"):
        assert intel.attribute(host).watchlists == []


# --- shape and sourcing of every record -----------------------------------------------------


def test_every_entity_is_well_formed() -> None:
    ids = [e["id"] for e in _raw_records("entities")]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    for e in _raw_records("entities"):
        where = e["id"]
        assert KEBAB.match(e["id"]), where
        assert e.get("name"), where
        assert e.get("category") in CATEGORIES, where
        if e.get("country") is not None:
            assert re.fullmatch(r"[A-Z]{2}", e["country"]), where
        if "state_owned" in e:
            assert isinstance(e["state_owned"], bool), where
        assert isinstance(e.get("aliases", []), list), where
        assert all(isinstance(a, str) for a in e.get("aliases", [])), where
        for domain in e.get("domains") or []:
            assert domain == domain.lower().strip("."), (where, domain)
            assert "." in domain and " " not in domain and "/" not in domain, (where, domain)


def test_every_entity_source_is_https_and_dated() -> None:
    for e in _raw_records("entities"):
        assert e.get("sources"), e["id"]
        for src in e["sources"]:
            assert str(src["url"]).startswith("https://"), (e["id"], src["url"])
            assert _is_date(src["retrieved"]), (e["id"], src["retrieved"])
            assert src.get("note"), (e["id"], src["url"])


def test_every_membership_is_sourced_and_dated() -> None:
    entity_ids = {e["id"] for e in _raw_records("entities")}
    for wl in _raw_records("watchlists"):
        assert KEBAB.match(wl["id"])
        assert str(wl["url"]).startswith("https://"), wl["id"]
        assert _is_date(wl["retrieved"]), wl["id"]
        assert wl.get("authority") and wl.get("name")
        keys = [m["entity"] for m in wl["members"]]
        assert len(keys) == len(set(keys)), wl["id"]  # one membership per entity per list
        for m in wl["members"]:
            where = (wl["id"], m["entity"])
            assert m["entity"] in entity_ids, where
            assert m.get("listed_as"), where
            assert str(m.get("source", "")).startswith("https://"), where
            if m.get("since") is not None:
                assert _is_date(m["since"]), where


def test_no_domain_is_claimed_twice() -> None:
    claims = Counter(
        d.lower().strip(".") for e in _raw_records("entities") for d in e.get("domains") or []
    )
    assert [d for d, n in claims.items() if n > 1] == []


def test_loader_rejects_a_second_claim_on_a_bundled_domain() -> None:
    rogue = (
        "rogue.yaml",
        "entities:\n"
        "  - id: rogue\n"
        "    name: Rogue\n"
        "    domains: [cmpassport.com]\n"
        "    sources: [{url: 'https://example.invalid', retrieved: '2026-11-23'}]\n",
    )
    with pytest.raises(IntelError, match=r"cmpassport\.com"):
        Intel.from_texts([*_bundled_texts(), rogue])


def test_parents_resolve_without_cycles(intel: Intel) -> None:
    for entity in intel.entities.values():
        if entity.parent is not None:
            assert entity.parent in intel.entities, entity.id
        seen: set[str] = set()
        current = entity
        while current.parent is not None:
            assert current.id not in seen, f"ownership cycle through {entity.id}"
            seen.add(current.id)
            current = intel.entities[current.parent]


def test_china_mobile_id_is_stable(intel: Intel) -> None:
    # Other parts of aivet (demo, docs, tests) refer to this id.
    assert intel.entities["china-mobile"].domains[:3] == [
        "10086.cn",
        "chinamobile.com",
        "cmpassport.com",
    ]
