"""Scope and safety: expansion, refusals, --authorized, ports, and the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aivet.cli import main
from aivet.collect.exposure.ports import PortSpecError, parse_ports
from aivet.collect.exposure.scope import ScopeError, expand
from tests.support.exposure import loopback_only
from tests.support.servers import free_port

__all__ = ["loopback_only"]


def no_dns(name: str) -> list[str]:
    raise AssertionError(f"the test asked DNS for {name}")


def test_addresses_that_are_not_public_are_refused_unless_allowed() -> None:
    scope = expand(["127.0.0.1", "10.1.2.3", "192.168.0.1", "169.254.1.1", "::1", "100.64.0.1",
                    "8.8.8.8", "224.0.0.1", "0.0.0.0", "::ffff:127.0.0.1"],
                   allow_private=False, resolver=no_dns)  # fmt: skip
    refused = {t.host: t.refused for t in scope.targets}
    assert refused["8.8.8.8"] is None  # listed, never probed in tests
    assert "loopback" in (refused["127.0.0.1"] or "")
    assert "loopback" in (refused["::1"] or "")
    assert "private" in (refused["10.1.2.3"] or "")
    assert "link-local" in (refused["169.254.1.1"] or "")
    assert refused["100.64.0.1"] and refused["::ffff:7f00:1"]
    assert "unicast" in (refused["224.0.0.1"] or "")
    allowed = expand(["127.0.0.1", "224.0.0.1"], allow_private=True, resolver=no_dns)
    assert [t.refused for t in allowed.targets] == [None, "not a unicast host address"]


def test_cidr_expansion_dedup_and_limits() -> None:
    scope = expand(["127.0.0.0/30", "127.0.0.1", "https://127.0.0.2/x"], allow_private=True,
                   resolver=no_dns)  # fmt: skip
    assert [t.address for t in scope.targets] == ["127.0.0.1", "127.0.0.2"]
    assert scope.targets[0].given == "127.0.0.0/30"
    with pytest.raises(ScopeError, match="max-hosts"):
        expand(["127.0.0.0/16"], allow_private=True, max_hosts=256, resolver=no_dns)
    with pytest.raises(ScopeError):
        expand(["not a host!"], allow_private=True, resolver=no_dns)


def test_names_resolve_once_through_the_resolver_or_overrides() -> None:
    scope = expand(["api.vendor.example", "db.vendor.example", "gone.vendor.example"],
                   allow_private=True, resolver=lambda n: ["127.0.0.5"] if n.startswith("api") else [],  # noqa: E501
                   overrides={"db.vendor.example": "127.0.0.6"})  # fmt: skip
    got = [(t.host, t.address, t.refused) for t in scope.targets]
    assert got == [("api.vendor.example", "127.0.0.5", None),
                   ("db.vendor.example", "127.0.0.6", None),
                   ("gone.vendor.example", None, "does not resolve")]  # fmt: skip
    private = expand(["api.vendor.example"], allow_private=False, resolver=lambda n: ["10.0.0.5"])
    assert private.targets[0].refused and not private.probed


def test_port_specs() -> None:
    plans = {p.port: p.checks for p in parse_ports("default")}
    assert plans[8123] == ["clickhouse-http"] and plans[9000] == ["clickhouse-native"]
    assert plans[6379] == ["redis"] and plans[443] == ["web"]
    custom = {
        p.port: p.checks for p in parse_ports("16379=redis,8123,7000-7001,redis,18080=web+jupyter")
    }
    assert custom == {16379: ["redis"], 8123: ["clickhouse-http"], 7000: ["banner"],
                      7001: ["banner"], 6379: ["redis"], 18080: ["web", "jupyter"]}  # fmt: skip
    for bad in ("0", "70000", "5=nosuch", "9-1", ""):
        with pytest.raises(PortSpecError):
            parse_ports(bad)


def test_nothing_is_probed_without_authorized(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["exposure", "127.0.0.1", "--allow-private", "--ports", str(free_port())]) == 2
    err = capsys.readouterr()
    assert "--authorized" in err.err and "probe   127.0.0.1" in err.out
    assert main(["exposure", "127.0.0.1", "--ports", "6379", "--authorized"]) == 1
    assert "refused" in capsys.readouterr().out


def test_cli_end_to_end_and_from_audit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from aivet.report.json_report import write_audit_json
    from tests.test_reports import reference_audit

    audit = reference_audit()
    write_audit_json(audit, tmp_path / "web.json")
    first = [d.attribution.host for d in audit.destinations if d.party == "first"]
    closed = free_port()
    args = [
        "exposure",
        "--from-audit",
        str(tmp_path / "web.json"),
        "--authorized",
        "--allow-private",
        "--ports",
        f"{closed}=redis",
        "--out",
        str(tmp_path / "out"),
    ]
    args += [f"--resolve={h}=127.0.0.1" for h in {d.attribution.host for d in audit.destinations}]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "No open port" in out
    data = json.loads((tmp_path / "out" / "audit.json").read_text())
    assert data["kind"] == "exposure"
    assert sorted({t["host"] for t in data["exposure"]["targets"]}) == sorted(set(first))
    assert all(t["given"].startswith("audit:") for t in data["exposure"]["targets"])
    assert data["exposure"]["closed"] == len(set(first))
