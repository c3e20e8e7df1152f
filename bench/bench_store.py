"""Store benchmark: seal N synthetic audits, then time listing, lookups and verification.

    python bench/bench_store.py --audits 5000

Each synthetic audit has 20 artifacts (15 blobs shared by every audit, as
common libraries are, and 5 of its own), goes through the same begin →
journal → seal path as a real audit, and is spread over 50 target hosts.
Prints the median and 95th percentile of each operation; no timed asserts.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aivet.evidence import EvidenceDir
from aivet.store import SealInfo, Store
from aivet.store.keys import SigningKey
from aivet.store.verify import verify

SHARED = 15
OWN = 5
HOSTS = 50
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def populate(store: Store, count: int) -> float:
    """Seal `count` audits; returns the median milliseconds of one begin-to-seal."""
    shared = [f"shared library {n}".encode() * 200 for n in range(SHARED)]
    times = []
    for n in range(count):
        started = time.perf_counter()
        when = EPOCH + timedelta(minutes=10 * n)
        audit_id = f"web-{when.strftime('%Y%m%dT%H%M%SZ')}-{n:06x}"
        run = store.begin(
            audit_id=audit_id,
            kind="web",
            target=f"https://chat{n % HOSTS}.example.test/login",
            configuration={"interact": "auto", "n": n},
            started_at=when.isoformat(timespec="seconds"),
        )
        evidence = EvidenceDir(store.root, on_put=run.record)
        for blob in shared:
            evidence.put(blob, "text/javascript", "script")
        for own in range(OWN):
            evidence.put(f"audit {n} response {own}".encode() * 50, "text/html", "response-body")
        run.seal(
            SealInfo(
                status="complete",
                status_reasons=[],
                ended_at=(when + timedelta(minutes=1)).isoformat(timespec="seconds"),
                findings=n % 7,
                critical=n % 3 == 0,
                high=n % 2,
                watchlisted=("China Mobile",) if n % 5 == 0 else (),
                destinations=12,
            )
        )
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(operation: Callable[[], object], repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        operation()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audits", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--keep", type=Path, help="build the store here and keep it")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="aivet-bench-store-"))
    try:
        store = Store.open(root, signer=SigningKey.generate())
        started = time.perf_counter()
        seal_ms = populate(store, args.audits)
        build_s = time.perf_counter() - started
        newest = store.audits(limit=1)[0]
        middle = store.resolve(f"latest~{args.audits // 2}")
        prefix = middle.audit_id[: len(middle.audit_id) - 2]
        while True:  # shortest prefix that is still unique
            try:
                store.resolve(prefix[:-1])
            except Exception:
                break
            prefix = prefix[:-1]
        operations: list[tuple[str, Callable[[], object], int]] = [
            ("history: newest 20", lambda: store.audits(limit=20), args.repeat),
            (
                "history: oldest 20 (deep offset)",
                lambda: store.audits(limit=20, offset=args.audits - 20),
                args.repeat,
            ),
            (
                "history --target HOST (20)",
                lambda: store.audits(limit=20, target="chat7.example.test"),
                args.repeat,
            ),
            ("count", store.count, args.repeat),
            ("lookup by exact id", lambda: store.resolve(middle.audit_id), args.repeat),
            (f"lookup by prefix ({len(prefix)} chars)", lambda: store.resolve(prefix), args.repeat),
            ("lookup latest~N", lambda: store.resolve(f"latest~{args.audits // 3}"), args.repeat),
            ("previous audit of same host", lambda: store.previous_of(middle), args.repeat),
            ("load manifest", lambda: store.manifest(middle), args.repeat),
            ("verify one audit (+ its links)", lambda: verify(store, [newest]), 50),
            ("verify the whole store", lambda: verify(store), 1),
        ]
        rows = [(name, *measure(op, repeat)) for name, op, repeat in operations]
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "aivet", "history", "--store", str(root)],
            check=True,
            capture_output=True,
        )
        cli_ms = (time.perf_counter() - started) * 1000
        size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
        print(f"store with {args.audits} audits ({args.audits * (SHARED + OWN)} artifact rows,")
        print(f"  {size / 1e6:.1f} MB on disk) built in {build_s:.1f} s; one seal {seal_ms:.2f} ms")
        print(f"{'operation':40} {'median ms':>10} {'p95 ms':>10}")
        for name, median, p95 in rows:
            print(f"{name:40} {median:10.3f} {p95:10.3f}")
        print(f"{'aivet history (whole CLI process)':40} {cli_ms:10.1f}")
        store.close()
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
