"""Intel lookup speed: start-up cost and lookups per second, curated data alone and with an
imported layer the size of DuckDuckGo Tracker Radar.

The imported layer is SYNTHETIC (generated names and domains, no real data): Tracker Radar's
licence keeps it out of the repository, and only its size matters here. Prints figures; no
timed asserts. Usage: python bench/bench_intel.py [--hosts 1000000] [--layer-domains 60000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from aivet.intel.kb import Intel
from aivet.intel.store import ImportedEntity, Layer, LocalStore


def _synthetic_layer(db: Path, n_domains: int, seed: int) -> None:
    rng = random.Random(seed)
    store = LocalStore(db)
    per_entity = 8
    entities = [
        ImportedEntity(
            key=f"Synthetic Tracker {i}",
            name=f"Synthetic Tracker {i}",
            display_name=None,
            category=None,
            domains=tuple(f"t{i}-{j}-{rng.randrange(10**6)}.example" for j in range(per_entity)),
        )
        for i in range(n_domains // per_entity)
    ]
    store.replace_layer(
        Layer(
            "trackerradar",
            "trackerradar",
            "synthetic",
            "https://example.invalid",
            "n/a",
            "2026-11-23T00:00:00Z",
            "synthetic",
            "0" * 64,
        ),
        entities,
    )
    store.close()


def _hosts(intel: Intel, n: int, seed: int, layer_domains: list[str]) -> list[str]:
    """A mix like an audit's: curated hosts (with subdomains), imported ones, unknown ones, IPs."""
    rng = random.Random(seed)
    curated = sorted({d for e in intel.entities.values() for d in e.domains})
    out = []
    for i in range(n):
        r = rng.random()
        if r < 0.45:
            out.append(f"s{rng.randrange(50)}.{rng.choice(curated)}")
        elif r < 0.65 and layer_domains:
            out.append(f"cdn.{rng.choice(layer_domains)}")
        elif r < 0.95:
            out.append(f"x{i % 5000}.unknown-{rng.randrange(20000)}.com")
        else:
            out.append(f"104.{16 + rng.randrange(4)}.{rng.randrange(256)}.{rng.randrange(256)}")
    return out


def _rate(call: Callable[[str], object], hosts: list[str]) -> float:
    start = time.perf_counter()
    for host in hosts:
        call(host)
    return len(hosts) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hosts", type=int, default=1_000_000)
    parser.add_argument("--layer-domains", type=int, default=60_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    startups = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        intel = Intel.load(store=False)
        startups.append((time.perf_counter() - t0) * 1000)
    print(f"curated: {len(intel.entities)} entities, {intel.stats()['curated_domains']} domains")
    print(f"start-up, curated only: median {statistics.median(startups):.1f} ms")

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "intel.sqlite"
        _synthetic_layer(db, args.layer_domains, seed=1)
        startups = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            layered = Intel.load(store=db)
            startups.append((time.perf_counter() - t0) * 1000)
        n_layer = layered.stats()["imported_domains"]
        print(
            f"start-up, with a {n_layer}-domain imported layer: median"
            f" {statistics.median(startups):.1f} ms"
        )
        layer_domains = sorted(layered._imported_by_domain)
        hosts = _hosts(layered, args.hosts, seed=2, layer_domains=layer_domains)
        print(f"{len(hosts)} mixed hosts (45% curated, 20% imported, 30% unknown, 5% IPs)")
        for label, intel_obj in (("curated only", intel), ("with layer", layered)):
            rate = _rate(intel_obj.entity_for_host, hosts)
            print(f"  entity_for_host, {label}: {rate:,.0f} lookups/s")
        sample = hosts[: max(1, len(hosts) // 10)]
        rate = _rate(layered.attribute, sample)
        print(
            f"  attribute (full record with chain and watchlists), with layer: {rate:,.0f}/s"
            f" on {len(sample)} hosts"
        )
        layered.store.close()  # type: ignore[union-attr]


if __name__ == "__main__":
    main()
