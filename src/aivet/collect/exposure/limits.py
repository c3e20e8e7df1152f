"""Politeness: how many connections at once, per address and in all, and how fast they open."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aivet.exposure_session import ProbeLimits


class _HostGate:
    def __init__(self, concurrency: int, rate: float) -> None:
        self.slots = asyncio.Semaphore(concurrency)
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.next_start = 0.0
        self.lock = asyncio.Lock()

    async def pace(self) -> None:
        """Wait for this address's next connection slot in time (a simple spacing limiter)."""
        if self.interval <= 0:
            return
        async with self.lock:
            now = time.monotonic()
            wait = self.next_start - now
            self.next_start = max(now, self.next_start) + self.interval
        if wait > 0:
            await asyncio.sleep(wait)


class Limiter:
    """Gates every new connection: a global cap, a per-address cap and a per-address rate.

    A connection holds its slots until it is closed, so a host that hangs ties up at
    most `per_host_concurrency` of our connections, never the whole scan.
    """

    def __init__(self, limits: ProbeLimits) -> None:
        self.limits = limits
        self._all = asyncio.Semaphore(max(1, limits.concurrency))
        self._hosts: dict[str, _HostGate] = {}
        self.opened = 0

    def _gate(self, address: str) -> _HostGate:
        gate = self._hosts.get(address)
        if gate is None:
            gate = _HostGate(max(1, self.limits.per_host_concurrency), self.limits.per_host_rate)
            self._hosts[address] = gate
        return gate

    @asynccontextmanager
    async def connection(self, address: str) -> AsyncIterator[None]:
        gate = self._gate(address)
        async with gate.slots, self._all:
            await gate.pace()
            self.opened += 1
            yield
