"""Hosts that hang, reset, speak garbage or drip bytes end in bounded time with a clear result."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from aivet.analyze.exposure import build_services
from aivet.collect.exposure.checks import REGISTRY
from aivet.collect.exposure.runner import ExposureOptions, collect_exposure
from aivet.collect.exposure.scope import expand
from aivet.evidence import EvidenceDir
from aivet.exposure_session import PortPlan, ProbeLimits
from tests.support.canned import Behaviour, CannedServer
from tests.support.exposure import loopback_only
from tests.support.servers import free_port

__all__ = ["loopback_only"]

MODES = ("hang", "reset", "garbage", "drip")
LIMITS = ProbeLimits(connect_timeout_s=1, read_timeout_s=0.3, probe_timeout_s=0.6,
                     read_cap_bytes=16384, time_limit_s=60)  # fmt: skip


@pytest.fixture(scope="module")
def hostile() -> Iterator[dict[str, int]]:
    server = CannedServer([Behaviour(mode=m) for m in MODES]).start()
    try:
        yield dict(zip(MODES, server.ports, strict=True))
    finally:
        server.stop()


def test_every_check_ends_in_bounded_time_on_every_hostile_host(
    hostile: dict[str, int], tmp_path: Path
) -> None:
    checks = [name for name in REGISTRY if name != "banner"]
    plans = [PortPlan(port, [*checks, "banner"]) for port in hostile.values()]
    options = ExposureOptions(
        expand(["127.0.0.1"], allow_private=True).targets, plans, True, True, LIMITS
    )
    evidence = EvidenceDir(tmp_path / "evidence")
    started = time.monotonic()
    session = asyncio.run(collect_exposure(options, evidence))
    elapsed = time.monotonic() - started
    # Ports run in parallel, checks on one port in sequence: each check is bounded by
    # probe_timeout_s, so a port takes at most len(checks) x that (+ connect slack).
    assert elapsed < len(plans[0].checks) * (LIMITS.probe_timeout_s + 0.5)
    assert session.status == "complete"
    for record in session.probes:
        assert record.elapsed_ms <= (LIMITS.probe_timeout_s + LIMITS.connect_timeout_s) * 1000
        for exchange in record.exchanges:
            assert exchange.received_size <= LIMITS.read_cap_bytes * 4
    services = build_services(session, evidence.read)
    assert len(services) == len(plans) * len(plans[0].checks)
    for service in services:
        assert not service.facts.identified, (service.port, service.check, service.facts)
        assert service.facts.access == "unknown"
    by_port: dict[int, set[str]] = {}
    for service in services:
        by_port.setdefault(service.port, set()).add(service.error or service.facts.how)
    hang = " ".join(by_port[hostile["hang"]])
    assert "timeout" in hang or "deadline" in hang
    reset = " ".join(by_port[hostile["reset"]])
    assert "reset" in reset or "closed" in reset
    garbage = " ".join(by_port[hostile["garbage"]])
    assert "not" in garbage  # "the reply is not X: \x00\x01..."


def test_closed_and_filtered_ports(tmp_path: Path) -> None:
    closed = free_port()
    options = ExposureOptions(
        expand(["127.0.0.1"], allow_private=True).targets, [PortPlan(closed, ["redis"])], True,
        True, LIMITS,
    )  # fmt: skip
    session = asyncio.run(collect_exposure(options, EvidenceDir(tmp_path / "e")))
    assert [(r.check, r.reachability) for r in session.probes] == [("tcp", "closed")]


def test_time_limit_marks_the_session_partial(hostile: dict[str, int], tmp_path: Path) -> None:
    limits = ProbeLimits(connect_timeout_s=1, read_timeout_s=5, probe_timeout_s=5, time_limit_s=0.5)
    options = ExposureOptions(
        expand(["127.0.0.1"], allow_private=True).targets,
        [PortPlan(hostile["hang"], ["redis"])], True, True, limits,
    )  # fmt: skip
    started = time.monotonic()
    session = asyncio.run(collect_exposure(options, EvidenceDir(tmp_path / "e")))
    assert time.monotonic() - started < 3
    assert session.status == "partial"
    assert "time limit" in session.status_reasons[0]
