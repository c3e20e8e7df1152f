"""Benchmark: aivet's app analysis against androguard's full AnalyzeAPK, on the same APKs.

For each APK, each tool runs in its own child process (so one's memory does not
count against the other), --runs times; the median time and the peak resident
memory of the analysis (Linux VmHWM, reset just before it starts) are printed with
the ratio androguard / aivet. The APKs:

- uiautomator2's app-uiautomator.apk (a dev dependency, always present);
- every *.apk under build/bench-apks/ (`make bench-apks` extracts the real APKs that
  airtest and pocoui ship on PyPI);
- a synthetic large APK (over 100 MB, many dex files) made from the real dex files and
  an incompressible asset, unless --no-large.

androguard is given --androguard-timeout seconds per run (the large APK can take many
minutes); a run cut short is printed as such, with the time it had used.

    python bench/bench_app.py --runs 3
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.resources
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_APKS = ROOT / "build" / "bench-apks"


def _reset_peak() -> None:
    # Writing 5 to clear_refs resets the peak RSS (VmHWM) of this process (Linux >= 4.0).
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child(tool: str, path: Path) -> None:
    """Run one analysis in this process and print {seconds, peak_mb, ...} as JSON."""
    if tool == "aivet":
        from aivet.analyze.app.audit import analyze_app
        from aivet.app_record import AppLimits, AppSample
        from aivet.intel.kb import Intel

        intel = Intel.load(store=False)
        _ = intel.sdks  # built lazily: count it in the setup, not the analysis
        sample = AppSample(path.name, "0" * 64, path.stat().st_size, "apk", "now", AppLimits())
        _reset_peak()
        started = time.perf_counter()
        analysis = analyze_app(
            sample, path, intel, audit_id="bench", session_sha256="", artifacts=[]
        )
        seconds = time.perf_counter() - started
        report = analysis.audit.app
        assert report is not None
        extra = {
            "findings": len(analysis.audit.findings),
            "classes": report.android.classes if report.android else 0,
            "endpoints": len(report.endpoints),
            "sdks": len(report.sdks),
            "strings": report.strings_scanned,
            "status": analysis.audit.status,
        }
    else:
        from loguru import logger

        logger.remove()
        from androguard.misc import AnalyzeAPK  # type: ignore[import-untyped]

        _reset_peak()
        started = time.perf_counter()
        _apk, _dex, analysis_obj = AnalyzeAPK(str(path))
        seconds = time.perf_counter() - started
        extra = {"classes": sum(1 for _ in analysis_obj.get_classes() if not _.is_external())}
    print(json.dumps({"seconds": seconds, "peak_mb": _peak_mb(), **extra}))


def measure(tool: str, path: Path, timeout: float) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, __file__, "--child", tool, str(path)],
            capture_output=True, text=True, timeout=timeout, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return {"timeout": True, "seconds": time.perf_counter() - started}
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr else "failed"}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def large_apk(sources: list[Path], directory: Path, target_mb: int) -> Path:
    """An APK over `target_mb` MB: the sources' manifest, their dex files repeated as
    classes2..N.dex, and one stored asset of random bytes (incompressible, like media)."""
    out = directory / "large-synthetic.apk"
    dexes: list[bytes] = []
    manifest = None
    for source in sources:
        with zipfile.ZipFile(source) as apk:
            names = apk.namelist()
            if manifest is None and "AndroidManifest.xml" in names:
                manifest = apk.read("AndroidManifest.xml")
            dexes += [apk.read(n) for n in names if n.startswith("classes") and n.endswith(".dex")]
    assert manifest is not None and dexes
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as apk:
        apk.writestr("AndroidManifest.xml", manifest)
        for index in range(40):
            name = "classes.dex" if index == 0 else f"classes{index + 1}.dex"
            apk.writestr(name, dexes[index % len(dexes)])
        # Dex compresses to about a third; the rest of the target size is the asset.
        dex_bytes = sum(len(dexes[i % len(dexes)]) for i in range(40)) // 3
        padding = max(0, target_mb * 1024 * 1024 - dex_bytes)
        apk.writestr(zipfile.ZipInfo("assets/media.bin"), os.urandom(padding),
                     compress_type=zipfile.ZIP_STORED)  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--androguard-timeout", type=float, default=600.0, metavar="SECONDS")
    parser.add_argument("--no-large", action="store_true", help="skip the synthetic large APK")
    parser.add_argument("--large-mb", type=int, default=110)
    parser.add_argument("--child", nargs=2, metavar=("TOOL", "APK"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return
    apks = [Path(str(importlib.resources.files("uiautomator2") / "assets/app-uiautomator.apk"))]
    apks += sorted(BENCH_APKS.glob("*.apk")) if BENCH_APKS.is_dir() else []
    if len(apks) == 1:
        print("note: only uiautomator2's APK; `make bench-apks` adds airtest's and pocoui's")
    with tempfile.TemporaryDirectory() as tmp:
        if not args.no_large:
            apks.append(large_apk(apks, Path(tmp), args.large_mb))
        print(f"{'APK':34} {'MB':>6} {'aivet s':>8} {'peak MB':>8} {'androguard s':>13} "
              f"{'peak MB':>8} {'ratio':>6}")  # fmt: skip
        for apk in apks:
            ours = [measure("aivet", apk, 900) for _ in range(args.runs)]
            theirs = [measure("androguard", apk, args.androguard_timeout) for _ in range(args.runs)]
            print(_row(apk, ours, theirs), flush=True)
            facts = {k: v for k, v in ours[0].items() if k not in ("seconds", "peak_mb")}
            print(f"    aivet found: {json.dumps(facts)}")


def _median(results: list[dict[str, Any]], key: str) -> float | None:
    values = [float(r[key]) for r in results if key in r and not r.get("timeout")]
    return statistics.median(values) if values else None


def _row(apk: Path, ours: list[dict[str, Any]], theirs: list[dict[str, Any]]) -> str:
    size = apk.stat().st_size / 1024 / 1024
    our_s, our_mb = _median(ours, "seconds"), _median(ours, "peak_mb")
    their_s, their_mb = _median(theirs, "seconds"), _median(theirs, "peak_mb")
    if their_s is None:
        timed_out = [r for r in theirs if r.get("timeout")]
        their_text = f">{timed_out[0]['seconds']:.0f} (cut)" if timed_out else "error"
        ratio = "-"
    else:
        their_text = f"{their_s:.2f}"
        ratio = f"{their_s / our_s:.1f}x" if our_s else "-"
    nan = float("nan")
    return (
        f"{apk.name[:34]:34} {size:6.1f} {our_s or nan:8.2f} {our_mb or nan:8.0f} "
        f"{their_text:>13} {their_mb or nan:8.0f} {ratio:>6}"
    )


if __name__ == "__main__":
    main()
