"""The exposure check against real servers on 127.0.0.1, each open and protected.

One scan covers every server (started once per session); each test reads its part.
A server whose package is missing is skipped with the package's name.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aivet.collect.exposure.runner import ExposureOptions
from aivet.collect.exposure.scope import expand
from aivet.commands.exposure import ExposureAuditOutput, run_exposure_audit
from aivet.exposure_session import PortPlan, ProbeLimits, ServiceResult
from aivet.intel.kb import Intel
from aivet.model import Finding
from aivet.report.json_report import load_audit
from tests.support.exposure import loopback_only
from tests.support.servers import ServerSet, start_all

__all__ = ["loopback_only"]

CHECK_OF = {
    "redis": "redis", "memcached": "memcached", "etcd": "etcd", "prometheus": "prometheus",
    "jupyter": "jupyter", "nginx": "web", "clickhouse": "clickhouse-http",
    "postgres": "postgresql", "mariadb": "mysql",
}  # fmt: skip


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerSet, dict[str, int]]]:
    sset, native = start_all(tmp_path_factory.mktemp("servers"))
    try:
        sset.wait(90)
        yield sset, native
    finally:
        sset.stop()


@pytest.fixture(scope="module")
def scan(
    servers: tuple[ServerSet, dict[str, int]], tmp_path_factory: pytest.TempPathFactory
) -> ExposureAuditOutput:
    sset, native = servers
    plans = [
        PortPlan(s.port, [CHECK_OF[name.split("-")[0]]])
        for name, s in sset.servers.items()
        if s.skipped is None
    ]
    plans += [PortPlan(port, ["clickhouse-native"]) for port in native.values()]
    scope = expand(["127.0.0.1"], allow_private=True)
    options = ExposureOptions(
        targets=scope.targets, ports=plans, authorized=True, allow_private=True,
        limits=ProbeLimits(read_timeout_s=5, probe_timeout_s=20),
    )  # fmt: skip
    return run_exposure_audit(
        options, tmp_path_factory.mktemp("scan"), intel=Intel.load(store=False)
    )


def _service(scan: ExposureAuditOutput, sset: ServerSet, name: str) -> ServiceResult:
    server = sset.servers[name]
    if server.skipped:
        pytest.skip(server.skipped)
    assert scan.audit.exposure is not None
    found = [s for s in scan.audit.exposure.services if s.port == server.port]
    assert found, f"no result for {name} on {server.port}"
    return found[0]


def _findings(scan: ExposureAuditOutput, port: int) -> list[Finding]:
    return [f for f in scan.audit.findings if f.data.get("port") == port]


@pytest.mark.parametrize(
    ("open_name", "closed_name", "service"),
    [
        ("redis-open", "redis-auth", "redis"),
        ("memcached-open", "memcached-auth", "memcached"),
        ("postgres-trust", "postgres-password", "postgresql"),
        ("mariadb-open", "mariadb-auth", "mysql"),
        ("clickhouse-open", "clickhouse-auth", "clickhouse"),
        ("etcd-open", "etcd-auth", "etcd"),
        ("prometheus-open", "prometheus-auth", "prometheus"),
        ("jupyter-open", "jupyter-token", "jupyter"),
    ],
)
def test_open_and_protected_servers_are_told_apart(
    scan: ExposureAuditOutput,
    servers: tuple[ServerSet, dict[str, int]],
    open_name: str,
    closed_name: str,
    service: str,
) -> None:
    sset, _ = servers
    opened = _service(scan, sset, open_name)
    closed = _service(scan, sset, closed_name)
    assert opened.facts.identified and closed.facts.identified, (opened, closed)
    assert opened.facts.service == closed.facts.service == service
    assert opened.facts.access == "open", opened.facts.how
    assert closed.facts.access in ("auth-required", "restricted"), closed.facts.how
    open_rules = {f.rule for f in _findings(scan, opened.port)}
    closed_rules = {f.rule for f in _findings(scan, closed.port)}
    assert open_rules & {"exposure.unauthenticated-data-store", "exposure.unauthenticated-control-api",  # noqa: E501
                         "exposure.unauthenticated-dashboard"}  # fmt: skip
    assert closed_rules == {"exposure.service-reachable"}
    assert opened.facts.version


def test_what_is_exposed_is_named(
    scan: ExposureAuditOutput, servers: tuple[ServerSet, dict[str, int]]
) -> None:
    sset, _ = servers
    names = {
        name: {d.name: d.count for d in _service(scan, sset, name).facts.databases}
        for name in ("redis-open", "clickhouse-open", "postgres-trust", "mariadb-open",
                     "etcd-open", "prometheus-open", "jupyter-open")
        if not sset.servers[name].skipped
    }  # fmt: skip
    if "redis-open" in names:
        assert names["redis-open"] == {"db0": 3}
    if "clickhouse-open" in names:
        assert names["clickhouse-open"]["chat"] == 3
    if "postgres-trust" in names:
        assert "postgres" in names["postgres-trust"]
    if "mariadb-open" in names:
        assert {"mysql", "information_schema"} <= set(names["mariadb-open"])
    if "etcd-open" in names:
        assert names["etcd-open"] == {"keys": 1}
    if "prometheus-open" in names:
        assert names["prometheus-open"] == {"chat-backend": 1}
    if "jupyter-open" in names:
        assert "analysis.ipynb" in names["jupyter-open"]


def test_clickhouse_native_protocol(
    scan: ExposureAuditOutput, servers: tuple[ServerSet, dict[str, int]]
) -> None:
    sset, native = servers
    if not native:
        pytest.skip(sset.servers["clickhouse-open"].skipped or "no clickhouse")
    assert scan.audit.exposure is not None
    by_port = {s.port: s for s in scan.audit.exposure.services if s.check == "clickhouse-native"}
    opened, closed = by_port[native["clickhouse-open"]], by_port[native["clickhouse-auth"]]
    assert opened.facts.access == "open" and opened.facts.version
    assert closed.facts.access == "auth-required"
    assert "194" in closed.facts.how or "516" in closed.facts.how


def test_web_server_exposing_git_env_and_backup(
    scan: ExposureAuditOutput, servers: tuple[ServerSet, dict[str, int]]
) -> None:
    sset, _ = servers
    opened = _service(scan, sset, "nginx-open")
    closed = _service(scan, sset, "nginx-protected")
    kinds = {p.kind: p for p in opened.facts.paths}
    assert set(kinds) == {"git", "env", "backup", "listing"}
    assert kinds["env"].names == ["DATABASE_URL", "OPENAI_API_KEY", "DEBUG"]
    assert any("carries credentials" in n for n in kinds["git"].names)
    assert kinds["backup"].path == "/backup.sql"
    assert closed.facts.paths == []
    rules = {f.rule for f in _findings(scan, opened.port)}
    assert rules == {"exposure.exposed-git", "exposure.exposed-env-file", "exposure.exposed-backup",
                     "exposure.directory-listing"}  # fmt: skip
    assert not _findings(scan, closed.port)
    # Secret values stay in the evidence, never in the report.
    text = scan.json_path.read_text() + scan.html_path.read_text()
    assert "sk-not-a-real-key" not in text and "ghp_notarealtoken" not in text


def test_audit_round_trips_and_reanalysis_gives_the_same_findings(
    scan: ExposureAuditOutput,
) -> None:
    import json

    from aivet.analyze.exposure import analyze_exposure_session
    from aivet.evidence import EvidenceDir
    from aivet.exposure_session import ExposureSession
    from aivet.serde import from_jsonable

    loaded = load_audit(scan.json_path)
    assert loaded == scan.audit
    evidence = EvidenceDir(scan.directory / "evidence")
    session = from_jsonable(ExposureSession, json.loads(evidence.read(scan.audit.session_sha256)))
    again = analyze_exposure_session(
        session, evidence.read, Intel.load(store=False), audit_id="x",
        session_sha256=scan.audit.session_sha256, artifacts=[],
    )  # fmt: skip
    assert [f.id for f in again.findings] == [f.id for f in scan.audit.findings]
    for finding in scan.audit.findings:
        for ref in finding.evidence:
            assert ref.kind == "probe"
            assert (Path(scan.directory) / "evidence" / "blobs" / ref.ref).is_file()
