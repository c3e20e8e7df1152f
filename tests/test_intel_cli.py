"""`aivet intel ...` end to end, offline, with a temporary local store."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from aivet.cli import main

DATA = Path(__file__).parent / "data" / "intel"


@pytest.fixture(autouse=True)
def _private_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "intel.sqlite"
    monkeypatch.setenv("AIVET_INTEL_DB", str(db))
    monkeypatch.setenv("COLUMNS", "400")
    return db


def test_lookup_explains_the_reference_case(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["intel", "lookup", "log.cmpassport.com"]) == 0
    out = capsys.readouterr().out
    assert "China Mobile Communications Group Co., Ltd." in out
    assert "country CN" in out and "state-owned" in out
    assert "on FCC Covered List as 'China Mobile International USA Inc.' since 2022-03-25" in out
    assert "on DoD 1260H list" in out and "since 2021-06-03" in out
    assert "https://docs.fcc.gov/public/attachments/DA-22-320A1.txt" in out
    assert "media.defense.gov/2026/Jun/08" in out
    assert "(seen 2026-11-23)" in out


def test_lookup_ip_and_unknown_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["intel", "lookup", "52.82.169.20", "203.0.113.7"]) == 0
    out = capsys.readouterr().out
    assert "region cn-northwest-1, hosted in CN" in out
    assert "203.0.113.7: unknown owner" in out
    assert main(["intel", "lookup", "--json", "https://www.doubao.com/chat"]) == 0
    (att,) = json.loads(capsys.readouterr().out)
    assert att["entity_id"] == "doubao" and att["ownership_chain"][-1] == "ByteDance Ltd."


def test_show_by_alias(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["intel", "show", "Volcengine"]) == 0
    out = capsys.readouterr().out
    assert "Beijing Volcano Engine Technology Co., Ltd." in out and "ByteDance Ltd." in out
    assert main(["intel", "show", "China Mobile Games"]) == 2


def test_import_then_lookup_then_stats(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["intel", "import", "trackerradar", str(DATA / "trackerradar")]) == 0
    assert "CC BY-NC-SA 4.0" in capsys.readouterr().out
    assert main(["intel", "import", "disconnect", str(DATA / "disconnect" / "entities.json")]) == 0
    capsys.readouterr()
    assert main(["intel", "lookup", "www.iqiyi.com"]) == 0
    assert "imported layer: trackerradar" in capsys.readouterr().out
    assert main(["intel", "stats", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert [layer["name"] for layer in stats["layers"]] == ["trackerradar", "disconnect"]
    assert stats["imported_domains"] > 40


def test_bad_import_and_offline_update_are_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["intel", "import", "disconnect", str(DATA / "nope.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such file" in err

    # Tests never leave the machine: the network is cut where the updater would use it.
    def no_network(*args: object, **kwargs: object) -> None:
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    assert main(["intel", "update"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "needs the internet" in err and "as of 2026-11-23" in err
