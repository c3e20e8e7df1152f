"""What a service check is: a probe that talks, and a pure interpreter of what was said.

`probe(probe, tls)` sends a few harmless, read-only requests through the `Probe`'s
connections (each module's docstring quotes them exactly). `interpret(steps)` turns
the recorded exchanges into `ServiceFacts`; it is pure, so the analyzer runs it again
on stored evidence and gets the same answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from aivet.collect.exposure.net import Probe
from aivet.exposure_session import ServiceCategory, ServiceFacts


@dataclass(frozen=True)
class Step:
    """One recorded exchange with its bytes, as the interpreter sees it."""

    step: str
    sent: bytes
    received: bytes
    error: str | None = None
    truncated: bool = False
    connection: int = 0


@dataclass(frozen=True)
class Check:
    name: str
    """Stable id: used in --ports PORT=NAME, in probe records and in findings."""
    service: str
    category: ServiceCategory
    ports: tuple[int, ...]
    """Default ports (part of `--ports default`)."""
    probe: Callable[[Probe, bool], Awaitable[None]]
    interpret: Callable[[Sequence[Step]], ServiceFacts]
    tls_ports: tuple[int, ...] = ()
    """Ports where TLS is tried first."""
    summary: str = ""


def preview(data: bytes, limit: int = 160) -> str:
    """Printable preview of a reply: ASCII kept, the rest escaped, cut at `limit`."""
    text = data[:limit].decode("latin-1")
    out = "".join(
        ch
        if 32 <= ord(ch) < 127
        else {"\r": "\\r", "\n": "\\n", "\t": "\\t"}.get(ch, f"\\x{ord(ch):02x}")
        for ch in text
    )
    return out + ("…" if len(data) > limit else "")


def first_error(steps: Sequence[Step]) -> str | None:
    for step in steps:
        if step.error and not step.received:
            return step.error
    return None


def no_answer(steps: Sequence[Step], service: str, category: ServiceCategory) -> ServiceFacts:
    """Facts for a port whose replies did not identify the service."""
    got = [s for s in steps if s.received]
    if not got:
        why = first_error(steps) or "no reply"
        return ServiceFacts(identified=False, category=category, how=f"no {service} reply ({why})")
    return ServiceFacts(
        identified=False,
        category=category,
        how=f"the reply is not {service}: {preview(got[0].received, 80)}",
    )
