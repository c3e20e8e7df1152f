"""Shared by the exposure tests: a guard that keeps every probe on the loopback interface."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any

import pytest

from aivet.collect.exposure import net


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail a test, before any packet, if a probe would connect anywhere but 127/8 or ::1."""
    real = net.open_tcp

    async def guarded(address: str, port: int, timeout: float, **kwargs: Any) -> Any:
        if not ipaddress.ip_address(address).is_loopback:
            raise AssertionError(f"test tried to probe {address}:{port}")
        return await real(address, port, timeout, **kwargs)

    monkeypatch.setattr(net, "open_tcp", guarded)
    yield
