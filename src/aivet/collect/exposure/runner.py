"""Run an exposure scan: connect to every in-scope host and port, then run its checks.

Each port is first connected to once (`tcp` probe): refused is closed, silence past
the connect timeout is filtered. Only on an open port do its checks run, one after
another, each on fresh connections through the same limiter. The whole scan has a
time limit; what it did not reach is recorded as not probed and the session is
partial.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from aivet.collect.exposure.checks import REGISTRY
from aivet.collect.exposure.limits import Limiter
from aivet.collect.exposure.net import ConnectFailed, Probe, now_iso
from aivet.evidence import EvidenceDir
from aivet.exposure_session import (
    ExposureSession,
    PortPlan,
    ProbeLimits,
    ProbeRecord,
    ScopeTarget,
)

Progress = Callable[[ProbeRecord], None]


class NotAuthorized(Exception):
    """Nothing is probed unless the user said the targets are theirs to test."""


@dataclass(frozen=True)
class ExposureOptions:
    targets: list[ScopeTarget]
    ports: list[PortPlan]
    authorized: bool
    allow_private: bool
    limits: ProbeLimits


def probe_id(address: str, port: int, check: str) -> str:
    host = f"[{address}]" if ":" in address else address
    return f"{host}:{port}/{check}"


async def _run_check(
    target: ScopeTarget,
    port: int,
    check_name: str,
    limits: ProbeLimits,
    limiter: Limiter,
    evidence: EvidenceDir,
) -> ProbeRecord:
    assert target.address is not None
    check = REGISTRY[check_name]
    record = ProbeRecord(
        id=probe_id(target.address, port, check_name),
        host=target.host,
        address=target.address,
        port=port,
        check=check_name,
        started_at=now_iso(),
        elapsed_ms=0.0,
        reachability="open",
    )
    name = None if target.host == target.address else target.host
    probe = Probe(record, limits, limiter, evidence, server_name=name)
    started = time.perf_counter()
    try:
        await check.probe(probe, port in check.tls_ports)
    except ConnectFailed as exc:
        record.error = exc.reason
    except Exception as exc:  # a check's bug must not end the scan; it is recorded
        record.error = f"check failed: {type(exc).__name__}: {exc}"
    finally:
        await probe.aclose()
    record.elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
    return record


async def _scan_port(
    target: ScopeTarget,
    plan: PortPlan,
    limits: ProbeLimits,
    limiter: Limiter,
    evidence: EvidenceDir,
    records: list[ProbeRecord],
    progress: Progress | None,
) -> None:
    assert target.address is not None
    record = ProbeRecord(
        id=probe_id(target.address, plan.port, "tcp"),
        host=target.host,
        address=target.address,
        port=plan.port,
        check="tcp",
        started_at=now_iso(),
        elapsed_ms=0.0,
        reachability="open",
    )
    records.append(record)
    probe = Probe(record, limits, limiter, evidence, server_name=None)
    started = time.perf_counter()
    try:
        await probe.connect()
    except ConnectFailed as exc:
        record.reachability = exc.reachability
        record.error = exc.reason
    finally:
        await probe.aclose()
    record.elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
    if progress is not None:
        progress(record)
    if record.reachability != "open":
        return
    for check_name in plan.checks:
        result = await _run_check(target, plan.port, check_name, limits, limiter, evidence)
        records.append(result)
        if progress is not None:
            progress(result)


async def collect_exposure(
    options: ExposureOptions, evidence: EvidenceDir, *, progress: Progress | None = None
) -> ExposureSession:
    """Probe every in-scope host on every planned port; never raises for a host's behaviour."""
    if not options.authorized:
        raise NotAuthorized("nothing is probed without --authorized")
    limits = options.limits
    session = ExposureSession(
        started_at=now_iso(),
        ended_at="",
        status="complete",
        authorized=True,
        allow_private=options.allow_private,
        limits=limits,
        targets=list(options.targets),
        ports=list(options.ports),
    )
    limiter = Limiter(limits)
    records: list[ProbeRecord] = []
    jobs = [
        (target, plan)
        for target in options.targets
        if target.refused is None and target.address is not None
        for plan in options.ports
    ]
    started = time.perf_counter()
    tasks = [
        asyncio.create_task(_scan_port(t, p, limits, limiter, evidence, records, progress))
        for t, p in jobs
    ]
    if tasks:
        done, pending = await asyncio.wait(tasks, timeout=limits.time_limit_s)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
            session.status = "partial"
            session.status_reasons.append(
                f"time limit of {limits.time_limit_s:g} s reached with "
                f"{len(pending)} of {len(tasks)} host:port pairs unfinished"
            )
        for task in done:
            exc = task.exception()
            if exc is not None:  # pragma: no cover - _scan_port records its own failures
                session.status = "partial"
                session.status_reasons.append(f"internal error: {exc}")
        reached = {(r.address, r.port) for r in records}
        for target, plan in jobs:
            assert target.address is not None
            if (target.address, plan.port) not in reached:
                records.append(
                    ProbeRecord(
                        id=probe_id(target.address, plan.port, "tcp"),
                        host=target.host,
                        address=target.address,
                        port=plan.port,
                        check="tcp",
                        started_at="",
                        elapsed_ms=0.0,
                        reachability="not-probed",
                    )
                )
    session.probes = sorted(records, key=lambda r: (r.address, r.port, r.check != "tcp"))
    session.ended_at = now_iso()
    session.timings_ms["probing"] = round((time.perf_counter() - started) * 1000, 1)
    session.timings_ms["connections"] = float(limiter.opened)
    return session
