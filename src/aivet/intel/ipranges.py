"""IP address → network operator, from published IP range lists (offline, longest prefix).

Only operators that publish their own ranges are covered (AWS ip-ranges.json, Cloudflare's
ips-v4/ips-v6 lists); an address in no published range stays unknown. The operator is who
runs the infrastructure, not who controls the data sent to it.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable
from dataclasses import dataclass

# AWS region prefixes → country of the data centres (regions AWS documents by city).
_AWS_REGION_COUNTRY = {
    "us-": "US",
    "ca-": "CA",
    "sa-east-1": "BR",
    "eu-west-1": "IE",
    "eu-west-2": "GB",
    "eu-west-3": "FR",
    "eu-central-1": "DE",
    "eu-central-2": "CH",
    "eu-north-1": "SE",
    "eu-south-1": "IT",
    "eu-south-2": "ES",
    "ap-east-1": "HK",
    "ap-south-1": "IN",
    "ap-south-2": "IN",
    "ap-northeast-1": "JP",
    "ap-northeast-2": "KR",
    "ap-northeast-3": "JP",
    "ap-southeast-1": "SG",
    "ap-southeast-2": "AU",
    "ap-southeast-3": "ID",
    "ap-southeast-4": "AU",
    "me-south-1": "BH",
    "me-central-1": "AE",
    "af-south-1": "ZA",
    "il-central-1": "IL",
    "cn-": "CN",
}


def aws_region_country(region: str) -> str | None:
    """Country of an AWS region; None for GLOBAL (edge locations everywhere) or unknown."""
    if region in _AWS_REGION_COUNTRY:
        return _AWS_REGION_COUNTRY[region]
    for prefix in ("us-", "ca-", "cn-"):
        if region.startswith(prefix):
            return _AWS_REGION_COUNTRY[prefix]
    return None


@dataclass(frozen=True)
class IpRange:
    network: str
    entity_id: str
    """Intel entity operating the range."""
    region: str | None
    country: str | None
    """Where the range is hosted, when the publisher says (a region); None for anycast/global."""
    service: str | None
    source: str
    """The published list the range comes from."""


def parse_aws_ip_ranges(text: str, *, entity_id: str, source: str) -> list[IpRange]:
    """AWS `ip-ranges.json` (prefixes and ipv6_prefixes)."""
    doc = json.loads(text)
    if not isinstance(doc, dict) or "prefixes" not in doc:
        raise ValueError("not an AWS ip-ranges.json document (no 'prefixes')")
    out = []
    for key, field in (("prefixes", "ip_prefix"), ("ipv6_prefixes", "ipv6_prefix")):
        for item in doc.get(key) or []:
            region = str(item.get("region") or "") or None
            out.append(
                IpRange(
                    network=str(ipaddress.ip_network(item[field], strict=False)),
                    entity_id=entity_id,
                    region=region,
                    country=aws_region_country(region) if region else None,
                    service=item.get("service"),
                    source=source,
                )
            )
    return out


def parse_cidr_lines(text: str, *, entity_id: str, source: str) -> list[IpRange]:
    """One CIDR per line (Cloudflare's ips-v4 / ips-v6); blank lines and # comments ignored."""
    out = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        out.append(
            IpRange(
                network=str(ipaddress.ip_network(line, strict=False)),
                entity_id=entity_id,
                region=None,
                country=None,
                service=None,
                source=source,
            )
        )
    return out


class IpIndex:
    """Longest-prefix lookup: one dict per prefix length, most specific length first."""

    def __init__(self, ranges: Iterable[IpRange] = ()) -> None:
        self._tables: dict[int, dict[int, dict[int, IpRange]]] = {4: {}, 6: {}}
        self._lengths: dict[int, list[int]] = {4: [], 6: []}
        self.count = 0
        self.add(ranges)

    def add(self, ranges: Iterable[IpRange]) -> None:
        for r in ranges:
            net = ipaddress.ip_network(r.network, strict=False)
            bits = net.max_prefixlen - net.prefixlen
            table = self._tables[net.version].setdefault(net.prefixlen, {})
            # The first record for a network wins, as in the published files.
            table.setdefault(int(net.network_address) >> bits, r)
            self.count += 1
        for version, tables in self._tables.items():
            self._lengths[version] = sorted(tables, reverse=True)

    def lookup(self, address: str) -> IpRange | None:
        """The most specific published range containing the address, or None."""
        try:
            ip = ipaddress.ip_address(address.strip("[]"))
        except ValueError:
            return None
        value = int(ip)
        width = ip.max_prefixlen
        tables = self._tables[ip.version]
        for length in self._lengths[ip.version]:
            found = tables[length].get(value >> (width - length))
            if found is not None:
                return found
        return None
