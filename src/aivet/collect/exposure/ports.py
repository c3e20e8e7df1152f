"""`--ports`: which ports to probe and which checks run on each."""

from __future__ import annotations

from aivet.collect.exposure.checks import REGISTRY
from aivet.exposure_session import PortPlan

MAX_PORTS = 65535


class PortSpecError(ValueError):
    pass


def default_ports() -> dict[int, list[str]]:
    ports: dict[int, list[str]] = {}
    for check in REGISTRY.values():
        for port in check.ports:
            ports.setdefault(port, []).append(check.name)
    return dict(sorted(ports.items()))


def _port(text: str, item: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise PortSpecError(f"--ports {item!r}: a port is a number from 1 to 65535")
    return int(text)


def parse_ports(spec: str) -> list[PortPlan]:
    """`default`, `6379`, `8000-8100`, `16379=redis`, `18123=clickhouse-http+web`, `redis`."""
    defaults = default_ports()
    plan: dict[int, list[str]] = {}

    def add(port: int, checks: list[str]) -> None:
        known = plan.setdefault(port, [])
        known.extend(c for c in checks if c not in known)

    for raw in spec.split(","):
        item = raw.strip().lower()
        if not item:
            continue
        if item == "default":
            for port, checks in defaults.items():
                add(port, checks)
        elif "=" in item:
            port_text, _, names = item.partition("=")
            checks = [n.strip() for n in names.split("+") if n.strip()]
            unknown = [n for n in checks if n not in REGISTRY]
            if unknown or not checks:
                raise PortSpecError(
                    f"--ports {item!r}: unknown check {', '.join(unknown) or '(none)'}; "
                    f"known: {', '.join(REGISTRY)}"
                )
            add(_port(port_text, item), checks)
        elif item in REGISTRY:
            for port in REGISTRY[item].ports or ():
                add(port, [item])
        elif "-" in item:
            low_text, _, high_text = item.partition("-")
            low, high = _port(low_text, item), _port(high_text, item)
            if high < low:
                raise PortSpecError(f"--ports {item!r}: range ends before it starts")
            for port in range(low, high + 1):
                add(port, list(defaults.get(port, [])))
        else:
            port = _port(item, item)
            add(port, list(defaults.get(port, [])))
    if not plan:
        raise PortSpecError("--ports: no port given")
    return [PortPlan(port, checks or ["banner"]) for port, checks in sorted(plan.items())]
