"""Scope before anything else: what the user named, expanded, resolved once, and checked.

Host names are resolved here, once; probes connect to these addresses only, never to
a name again, so a name that later resolves elsewhere (DNS rebinding) cannot move a
probe out of scope. Addresses that are not public (loopback, private, link-local,
shared, reserved, documentation) are refused unless `allow_private`; multicast,
broadcast and unspecified addresses are always refused.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from aivet.exposure_session import ScopeTarget

Resolver = Callable[[str], list[str]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

DEFAULT_MAX_HOSTS = 256
_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,62}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,62}[a-z0-9_])?)*$"
)


class ScopeError(ValueError):
    """The target list cannot be used as given (one line, for the user)."""


def system_resolver(name: str) -> list[str]:
    """Every address the system resolver gives for `name` (A and AAAA)."""
    try:
        infos = socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return []
    return list(dict.fromkeys(str(info[4][0]).split("%", 1)[0] for info in infos))


def refusal(address: IPAddress, allow_private: bool) -> str | None:
    """Why this address may not be probed, or None."""
    ip = address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_unspecified or ip.is_multicast or ip == ipaddress.IPv4Address("255.255.255.255"):
        return "not a unicast host address"
    if ip.is_global or allow_private:
        return None
    if ip.is_loopback:
        kind = "loopback"
    elif ip.is_link_local:
        kind = "link-local"
    elif ip.is_private:
        kind = "private or reserved"
    else:
        kind = "non-public"
    return f"{kind} address: refused without --allow-private"


def _host_part(text: str) -> str:
    text = text.strip()
    if "://" in text:
        parts = urlsplit(text)
        return (parts.hostname or "").lower()
    if text.startswith("[") and text.endswith("]"):
        return text[1:-1]
    return text.lower().rstrip(".")


@dataclass
class Scope:
    targets: list[ScopeTarget] = field(default_factory=list)

    @property
    def probed(self) -> list[ScopeTarget]:
        return [t for t in self.targets if t.refused is None and t.address is not None]

    @property
    def refused(self) -> list[ScopeTarget]:
        return [t for t in self.targets if t.refused is not None]


def expand(
    given: Iterable[str],
    *,
    allow_private: bool,
    max_hosts: int = DEFAULT_MAX_HOSTS,
    resolver: Resolver = system_resolver,
    overrides: Mapping[str, str] | None = None,
    source: str | None = None,
) -> Scope:
    """Expand host names, addresses and CIDR blocks into de-duplicated targets.

    `overrides` maps a host name to an address without asking DNS (`--resolve`).
    Raises ScopeError for unusable input or more than `max_hosts` targets.
    """
    overrides = {k.lower(): v for k, v in (overrides or {}).items()}
    scope = Scope()
    seen: set[tuple[str, str | None]] = set()

    def add(label: str, host: str, address: str | None, refused: str | None) -> None:
        key = (host, address)
        if key in seen:
            return
        seen.add(key)
        scope.targets.append(ScopeTarget(label, host, address, refused))
        if len([t for t in scope.targets if t.refused is None]) > max_hosts:
            raise ScopeError(
                f"more than {max_hosts} hosts to probe; narrow the list or raise --max-hosts"
            )

    for raw in given:
        label = source or raw.strip()
        host = _host_part(raw)
        if not host:
            raise ScopeError(f"not a host name, address or CIDR block: {raw!r}")
        if "/" in host:
            try:
                network = ipaddress.ip_network(host, strict=False)
            except ValueError:
                raise ScopeError(f"not a CIDR block: {raw!r}") from None
            if network.num_addresses > max_hosts * 2 + 2:
                raise ScopeError(
                    f"{raw}: {network.num_addresses} addresses, more than --max-hosts {max_hosts}"
                )
            hosts: list[IPAddress] = (
                list(network.hosts()) if network.num_addresses > 2 else list(network)
            )
            for member in hosts:
                add(label, str(member), str(member), refusal(member, allow_private))
            continue
        ip: IPAddress | None
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            ip = None
        if ip is not None:
            add(label, str(ip), str(ip), refusal(ip, allow_private))
            continue
        if not _HOSTNAME.match(host):
            raise ScopeError(f"not a host name, address or CIDR block: {raw!r}")
        addresses = [overrides[host]] if host in overrides else resolver(host)
        if not addresses:
            add(label, host, None, "does not resolve")
            continue
        for address in addresses:
            try:
                resolved = ipaddress.ip_address(address)
            except ValueError:
                add(label, host, None, f"resolves to {address!r}, not an address")
                continue
            add(label, host, str(resolved), refusal(resolved, allow_private))
    return scope
