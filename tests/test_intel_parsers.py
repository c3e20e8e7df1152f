"""Parsers of the official list formats and third-party data, on real excerpts (offline),
and the name matching that turns listed parties into intel entities."""

from __future__ import annotations

from pathlib import Path

import pytest

from aivet.intel.importers import ImportError_, parse_disconnect, parse_tracker_radar
from aivet.intel.ipranges import IpIndex, parse_aws_ip_ranges, parse_cidr_lines
from aivet.intel.kb import Intel
from aivet.intel.names import NameIndex, normalise, split_listed_name
from aivet.intel.official import (
    Fetched,
    OfflineError,
    UpdateError,
    parse_csl_csv,
    parse_dod_1260h_csv,
    parse_fcc_covered_list_html,
    parse_ofac_cons_prim,
)
from aivet.intel.store import LocalStore
from aivet.intel.update import match_parties, run_update

DATA = Path(__file__).parent / "data" / "intel"


def _read(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def intel() -> Intel:
    return Intel.load(store=False)


# --- official formats ------------------------------------------------------------------------


def test_dod_1260h_csv_keeps_current_entries_with_first_listing_date() -> None:
    parties = {p.name: p for p in parse_dod_1260h_csv(_read("dod-1260h-sanctions.csv"))}
    cm = parties["China Mobile Communications Group Co., Ltd."]
    assert cm.since == "2021-06-03"  # earliest edition, not the 2026 row
    assert "China Mobile Comm" in cm.aliases
    assert "Beijing Megvii Technology Co., Ltd." not in parties  # removed 2025-01-07
    assert "China Telecommunications Corporation" not in parties
    assert parties["Beijing Zhidao Chuangyu Information Technology Co., Ltd."].aliases == (
        "Knownsec",
        "Beijing Kownsec",
    )
    assert parties["Aspire Technologies (Shenzhen) Limited"].remarks == (
        "parent on the list: China Mobile Communications Group Co., Ltd."
    )


def test_csl_csv_split_by_sub_list() -> None:
    lists = parse_csl_csv(_read("csl-consolidated.csv"))
    assert set(lists) == {"csl-isn", "bis-meu-list", "ofac-sdn", "bis-entity-list"}
    (cetc13,) = lists["bis-entity-list"]
    assert cetc13.name.startswith("China Electronics Technology Group Corporation 13th")
    assert cetc13.since == "2018-08-01"
    assert "Hebei Semiconductor Research Institute" in cetc13.aliases
    assert lists["ofac-sdn"][0].program == "NPWMD"


def test_ofac_cons_prim_filters_by_program_and_reads_akas() -> None:
    text = _read("ofac-cons_prim.csv")
    assert parse_ofac_cons_prim(text) == []  # no CMIC rows in this excerpt
    plc = parse_ofac_cons_prim(text, program_marker="NS-PLC")
    assert [p.name for p in plc] == ["ABU TEIR, Mohammed", "ZAHHAR, Mahmoud Khaled"]
    assert plc[1].aliases == ("ZAHAR, Mahmoud", "AL-ZAHAR, Mahmoud")


def test_fcc_covered_list_page_names_and_dates() -> None:
    parties = parse_fcc_covered_list_html(_read("fcc-covered-list.html"))
    by_name = {p.name: p.since for p in parties}
    assert by_name["Huawei Technologies Company"] == "2021-03-12"
    assert by_name["China Mobile International USA Inc."] == "2022-03-25"
    assert by_name["AO Kaspersky Lab"] == "2022-03-25"
    with pytest.raises(UpdateError):
        parse_fcc_covered_list_html("<html><body>no table</body></html>")


def test_aws_and_cloudflare_range_formats() -> None:
    aws = parse_aws_ip_ranges(_read("aws-ip-ranges.json"), entity_id="aws", source="x")
    assert len(aws) == 8
    index = IpIndex(aws + parse_cidr_lines("# v4\n104.16.0.0/13\n", entity_id="cf", source="y"))
    hit = index.lookup("52.82.169.30")
    assert hit is not None and hit.country == "CN" and hit.region == "cn-northwest-1"
    global_hit = index.lookup("120.52.22.100")
    assert global_hit is not None and global_hit.country is None  # GLOBAL edge range
    assert index.lookup("104.17.0.1") is not None and index.lookup("1.1.1.1") is None
    with pytest.raises(ValueError):
        parse_aws_ip_ranges("{}", entity_id="aws", source="x")


# --- third-party tracker data ----------------------------------------------------------------


def test_tracker_radar_entities_and_domain_owners() -> None:
    entities, digest = parse_tracker_radar(DATA / "trackerradar")
    by_key = {e.key: e for e in entities}
    assert by_key["Baidu, Inc."].display_name == "Baidu"
    assert "iqiyi.com" in by_key["Baidu, Inc."].domains
    assert by_key["Alibaba Group"].domains == ("cnzz.com",)
    assert len(digest) == 64


def test_disconnect_entities_and_services() -> None:
    entities, _ = parse_disconnect(DATA / "disconnect" / "entities.json")
    adobe = next(e for e in entities if e.key == "Adobe")
    assert {"omtrdc.net", "demdex.net", "typekit.com"} <= set(adobe.domains)
    ready = next(e for e in entities if e.key == "AdReady")
    assert "digitalremedy" not in ready.domains  # not a domain name: dropped
    services, _ = parse_disconnect(DATA / "disconnect" / "services.json")
    assert {e.key: e.category for e in services}["Adjust"] == "advertising"


def test_bad_import_inputs_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(ImportError_, match="no entities/ or domains/"):
        parse_tracker_radar(tmp_path)
    bad = tmp_path / "entities.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ImportError_, match="not valid JSON"):
        parse_disconnect(bad)


# --- name matching ---------------------------------------------------------------------------


def test_normalise_drops_legal_forms_and_punctuation() -> None:
    assert normalise("China Mobile Communications Group Co., Ltd.") == (
        "china mobile communications group"
    )
    assert normalise("Baidu, Inc.") == "baidu"
    assert split_listed_name("Baidu, Inc. (Baidu)") == ("Baidu, Inc.", ["Baidu"])


@pytest.mark.parametrize(
    "listed",
    [
        "China Mobile Games and Entertainment Group Limited",
        "China Mobile Games",
        "China Electronics Technology Group Corporation 13th Research Institute (CETC 13)",
        "Baidu Capital",
        "Tencent Music Entertainment Group",
    ],
)
def test_false_matches_are_refused(intel: Intel, listed: str) -> None:
    main, _aliases = split_listed_name(listed)
    index = NameIndex()
    for e in intel.entities.curated.values():
        index.add(e.id, e.name, e.aliases)
    assert [m for m in index.match(main) if m.kind == "exact"] == []
    assert all(
        m.entity_id not in {"china-mobile", "cetc", "baidu", "tencent"} for m in index.match(main)
    )


def test_listed_parties_match_entities(intel: Intel) -> None:
    parties = parse_dod_1260h_csv(_read("dod-1260h-sanctions.csv"))
    matches = {(m.entity_id, m.kind) for m in match_parties(intel, "dod-1260h", parties)}
    assert ("china-mobile", "exact") in matches
    assert ("china-mobile-limited", "exact") in matches
    assert ("knownsec", "exact") in matches
    assert ("aspire-technologies", "exact") in matches
    assert ("tencent", "exact") in matches
    # "China Mobile" is an alias of the group and the short name of China Mobile Limited:
    # the group, already matched exactly, is not reported again as an alias match.
    assert ("china-mobile", "alias") not in matches


# --- the update, offline -------------------------------------------------------------------


def _fixture_fetcher(url: str) -> Fetched:
    files = {
        "sanctions.csv": "dod-1260h-sanctions.csv",
        "consolidated.csv": "csl-consolidated.csv",
        "coveredlist": "fcc-covered-list.html",
        "ip-ranges.json": "aws-ip-ranges.json",
    }
    for suffix, name in files.items():
        if url.endswith(suffix):
            return Fetched(url, _read(name), "0" * 64, "2026-11-23T12:00:00Z")
    raise OfflineError(f"cannot reach {url} (test)")


def test_update_stores_versions_and_applies_exact_matches(intel: Intel, tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "intel.sqlite")
    reports = run_update(
        intel,
        store,
        only=["dod-1260h", "csl", "fcc-covered-list", "aws-ip-ranges"],
        fetcher=_fixture_fetcher,
    )
    assert all(r.ok for r in reports)
    dod = next(r for r in reports if r.source == "dod-1260h").lists[0]
    assert dod.parties == 6
    # Curated members absent from this (excerpted) version are flagged for review.
    assert "huawei" in dod.curated_missing
    store.close()
    updated = Intel.load(store=tmp_path / "intel.sqlite")
    assert {v.list_id for v in updated.store.list_versions()} >= {  # type: ignore[union-attr]
        "dod-1260h",
        "bis-entity-list",
        "fcc-covered-list",
        "aws-ip-ranges",
    }
    # CETC's 13th institute is on the Entity List; CETC itself is not matched by it.
    assert "bis-entity-list" not in {
        h.list_id for h in updated.watchlist_hits(updated.entities["cetc"])
    }
    # The fetched AWS file adds ranges: 3.5.140.0/22 is in it but not in the bundled excerpt
    # as the most specific range.
    rng = updated.ip_range("3.5.141.1")
    assert rng is not None and rng.country == "KR"


def test_update_offline_is_one_error(intel: Intel, tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "intel.sqlite")

    def offline(url: str) -> Fetched:
        raise OfflineError(f"cannot reach {url} (no network)")

    with pytest.raises(OfflineError, match="cannot reach"):
        run_update(intel, store, fetcher=offline)
    with pytest.raises(UpdateError, match="unknown source"):
        run_update(intel, store, only=["nope"], fetcher=offline)
