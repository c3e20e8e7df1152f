"""The vendor registry: vendors, verdicts over time, expiry, and the `aivet vendors` command."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from aivet.cli import main
from aivet.verdict.registry import Registry, RegistryError, parse_model
from tests.support.verdict_audits import make_audit, write


def test_verdict_recorded_and_expiring(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    registry = tmp_path / "vendors.json"
    audit = write(make_audit(), tmp_path / "audit")
    args = ["--registry", str(registry)]
    assert (
        main(
            [
                "vendors",
                "add",
                "example",
                "--name",
                "Example AI",
                "--domain",
                "example.com",
                "--model",
                "openai/example-chat@https://api.example.com/v1",
                *args,
            ]
        )
        == 0
    )
    code = main(
        [
            "verdict",
            str(audit),
            "--policy",
            "moderate-company",
            "--vendor",
            "example",
            "--date",
            "2026-11-23",
            *args,
        ]
    )
    assert code == 0
    loaded = Registry.load(registry)
    vendor = loaded.get("example")
    current = vendor.current()
    assert current is not None and current.decision == "allow"
    assert current.valid_until == "2027-05-19"
    assert current.seen_hosts == ["chat.example.com"]
    assert vendor.models[0].api_base == "https://api.example.com/v1"
    assert vendor.status(date(2027, 5, 19)) == "allow"
    assert vendor.status(date(2027, 5, 20)) == "expired"  # an allow must be renewed

    capsys.readouterr()
    assert main(["vendors", "--json", "--date", "2027-06-01", *args]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["status"] == "expired" and row["latest_audit"]["audit_id"] == make_audit().audit_id

    assert main(["vendors", "--date", "2026-12-01", *args]) == 0
    table = capsys.readouterr().out
    assert "example" in table and "allow" in table and "2027-05-19" in table


def test_verdict_creates_an_unknown_vendor_from_the_audit(tmp_path: Path) -> None:
    registry = tmp_path / "vendors.json"
    audit = write(make_audit(typed=False), tmp_path / "audit")
    code = main(
        [
            "verdict",
            str(audit),
            "--policy",
            "moderate-company",
            "--vendor",
            "newco",
            "--registry",
            str(registry),
        ]
    )
    assert code == 10
    vendor = Registry.load(registry).get("newco")
    assert vendor.domains == ["example.com"] and vendor.status(date(2026, 11, 23)) == "review"


def test_registry_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "vendors.json"
    bad.write_text("[]")
    assert main(["vendors", "--registry", str(bad)]) == 2
    assert "not an aivet vendor registry" in capsys.readouterr().err
    assert main(["vendors", "show", "nobody", "--registry", str(tmp_path / "new.json")]) == 2
    assert "no vendor 'nobody'" in capsys.readouterr().err
    with pytest.raises(RegistryError):
        parse_model("gpt-4o")
    registry = Registry.load(tmp_path / "r.json")
    registry.add_vendor("a", models=[parse_model("openai/gpt-4o")])
    with pytest.raises(RegistryError, match="already belongs"):
        registry.add_vendor("b", models=[parse_model("azure/gpt-4o")])


def test_default_location_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("AIVET_REGISTRY", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert Registry.load().path == tmp_path / "aivet" / "vendors.json"
