"""Benchmark: scan 1,000 closed ports on 127.0.0.1 and print how long it takes.

Only 127.0.0.1 is ever contacted. The ports are ones the kernel just handed out and
released, so nothing listens on them (a port that turns out open is reported, not
probed further: the plan runs no check on it). Prints the median of --runs scans at
the default limits (100 new connections/s per address) and with the per-address rate
lifted, so the engine's own cost shows beside the politeness limit.

    python bench/bench_exposure.py --runs 3
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import tempfile
import time
from pathlib import Path

from aivet.collect.exposure.runner import ExposureOptions, collect_exposure
from aivet.collect.exposure.scope import expand
from aivet.evidence import EvidenceDir
from aivet.exposure_session import PortPlan, ProbeLimits


def closed_ports(count: int) -> list[int]:
    ports: set[int] = set()
    while len(ports) < count:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            ports.add(sock.getsockname()[1])
    return sorted(ports)


def scan(ports: list[int], limits: ProbeLimits) -> tuple[float, dict[str, int]]:
    options = ExposureOptions(
        targets=expand(["127.0.0.1"], allow_private=True).targets,
        ports=[PortPlan(p, []) for p in ports],
        authorized=True,
        allow_private=True,
        limits=limits,
    )
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        session = asyncio.run(collect_exposure(options, EvidenceDir(Path(tmp))))
        elapsed = time.perf_counter() - started
    states: dict[str, int] = {}
    for record in session.probes:
        states[record.reachability] = states.get(record.reachability, 0) + 1
    return elapsed, states


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--ports", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    ports = closed_ports(args.ports)
    for label, limits in (
        ("default limits (100 conn/s per address)", ProbeLimits()),
        (
            "rate limit lifted (per-host 64 at once)",
            ProbeLimits(per_host_rate=0, per_host_concurrency=64),
        ),
    ):
        times = []
        states: dict[str, int] = {}
        for _ in range(args.runs):
            elapsed, states = scan(ports, limits)
            times.append(elapsed)
        print(
            f"{args.ports} closed ports on 127.0.0.1, {label}: "
            f"median {statistics.median(times):.2f} s"
            f" over {args.runs} runs (min {min(times):.2f}, max {max(times):.2f}); states {states}"
        )


if __name__ == "__main__":
    main()
