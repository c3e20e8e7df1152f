"""Static script analysis speed: MB/s of the whole analysis next to tree-sitter's bare parse.

Inputs are real code from npm packages: the minified bundles kept as test negatives
(lodash, jQuery, react-dom, Chart.js), concatenated into one bundle of --mb megabytes,
plus any larger bundles found under tests/fixtures/js/generate/node_modules (after
`npm ci` there) and any --file given. Each input runs in a fresh process so that its
peak RSS is its own. Also reported: the obfuscated fixtures (deep analysis, sandboxed
decoders) and a 50 MB input (cut to JsLimits.max_bytes). Prints figures; no timed asserts.

    python bench/bench_js.py [--runs 3] [--mb 4] [--file big.js ...] [--no-huge]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TypedDict

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "js"
NODE_MODULES = FIXTURES / "generate" / "node_modules"
EXTRA_BUNDLES = (
    "react-dom/umd/react-dom.development.js",
    "obfuscator5/dist/index.browser.js",
    "obfuscator4/dist/index.browser.js",
)


class Figures(TypedDict):
    bytes: int
    parse_s: float
    analysis_s: float
    mode: str
    status: str
    endpoints: int
    timings_ms: dict[str, float]
    peak_rss_mb: float
    rss_after_parse_mb: float


def _child(path: Path, runs: int, parse: bool) -> Figures:
    """Time bare parses and full analyses of one file; report this process's peak RSS."""
    from aivet.analyze.js import analyze_script
    from aivet.analyze.js.syntax import new_parser
    from aivet.intel.kb import Intel

    data = path.read_bytes()
    intel = Intel.load()
    digest = hashlib.sha256(data).hexdigest()
    parse_times: list[float] = []
    for _ in range(runs if parse else 0):
        parser = new_parser()
        started = time.perf_counter()
        tree = parser.parse(data)
        parse_times.append(time.perf_counter() - started)
        del tree
    rss_after_parse = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    analysis_times = []
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = analyze_script(data, url=str(path), sha256=digest, intel=intel)
        analysis_times.append(time.perf_counter() - started)
    assert result is not None
    return {
        "bytes": len(data),
        "parse_s": statistics.median(parse_times) if parse_times else 0.0,
        "analysis_s": statistics.median(analysis_times),
        "mode": result.mode,
        "status": result.status,
        "endpoints": len(result.endpoints),
        "timings_ms": result.timings_ms,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_after_parse_mb": rss_after_parse / 1024,
    }


def _run_child(path: Path, runs: int, parse: bool = True) -> Figures:
    command = [sys.executable, __file__, "--child", str(path), "--runs", str(runs)]
    out = subprocess.run(
        [*command, *([] if parse else ["--no-parse"])],
        check=True,
        capture_output=True,
        text=True,
    )
    figures: Figures = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


def _bundle(mb: float, into: Path) -> Path:
    parts = [p.read_bytes() for p in sorted((FIXTURES / "negatives").glob("*.js"))]
    blob = b";\n".join(parts)
    target = int(mb * 1024 * 1024)
    data = (blob + b";\n") * (target // (len(blob) + 2) + 1)
    path = into / f"negatives-x{mb:g}MB.js"
    path.write_bytes(data[:target].rsplit(b";\n", 1)[0] + b";\n")
    return path


def _row(name: str, r: Figures) -> str:
    size = r["bytes"] / 1e6
    parse_s = r["parse_s"]
    analysis_s = r["analysis_s"]
    return (
        f"{name:<42} {size:7.2f} {size / parse_s:9.2f} {size / analysis_s:9.2f} "
        f"{analysis_s / parse_s:6.2f}x {r['peak_rss_mb']:8.0f}  {r['mode']:<5} "
        f"{str(r['status'])[:40]}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--mb", type=float, default=4.0, help="size of the concatenated bundle")
    parser.add_argument("--file", type=Path, action="append", default=[])
    parser.add_argument("--no-huge", action="store_true", help="skip the 50 MB input")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--no-parse", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.child, args.runs, not args.no_parse)))
        return

    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        inputs: list[tuple[str, Path]] = [
            (p.name, p) for p in sorted((FIXTURES / "negatives").glob("*.js"))
        ]
        inputs.append((f"negatives concatenated ({args.mb:g} MB)", _bundle(args.mb, tmpdir)))
        for rel in EXTRA_BUNDLES:
            if (NODE_MODULES / rel).exists():
                inputs.append((rel, NODE_MODULES / rel))
        inputs.extend((str(p), p) for p in args.file)

        print("Ordinary bundles (real npm code)")
        print(
            f"{'input':<42} {'MB':>7} {'parse MB/s':>9} {'full MB/s':>9} "
            f"{'ratio':>7} {'peak RSS':>8}  mode"
        )
        total_bytes = total_parse = total_analysis = 0.0
        for name, path in inputs:
            r = _run_child(path, args.runs)
            print(_row(name, r))
            total_bytes += r["bytes"]
            total_parse += r["parse_s"]
            total_analysis += r["analysis_s"]
        mb = total_bytes / 1e6
        print(
            f"{'all of the above':<42} {mb:7.2f} {mb / total_parse:9.2f} "
            f"{mb / total_analysis:9.2f} {total_analysis / total_parse:6.2f}x"
            "   (target: at most 3x the bare parse)"
        )

        print("\nObfuscated fixtures (javascript-obfuscator 4.x and 5.x; deep analysis)")
        obfuscated = sorted((FIXTURES / "obfuscated").glob("*.js"))
        blob_bytes = blob_parse = blob_analysis = 0.0
        worst: tuple[float, str] = (0.0, "")
        peak = 0.0
        for path in obfuscated:
            r = _run_child(path, 1)
            blob_bytes += r["bytes"]
            blob_parse += r["parse_s"]
            blob_analysis += r["analysis_s"]
            worst = max(worst, (r["analysis_s"], path.name))
            peak = max(peak, r["peak_rss_mb"])
        mb = blob_bytes / 1e6
        print(
            f"{len(obfuscated)} files, {mb:.2f} MB: parse {mb / blob_parse:.2f} MB/s, "
            f"full analysis {mb / blob_analysis:.3f} MB/s ({blob_analysis:.1f} s in all; "
            f"slowest {worst[1]} {worst[0]:.2f} s; peak RSS {peak:.0f} MB)"
        )

        if not args.no_huge:
            print("\nA 50 MB input (analysed up to JsLimits.max_bytes, status says so)")
            huge = tmpdir / "huge.js"
            bundle = _bundle(args.mb, tmpdir).read_bytes()
            huge.write_bytes((bundle * (50_000_000 // len(bundle) + 1))[:50_000_000])
            r = _run_child(huge, 1, parse=False)  # a bare parse of all 50 MB would dwarf it
            print(
                f"{r['bytes']} bytes: {r['analysis_s']:.1f} s, peak RSS "
                f"{r['peak_rss_mb']:.0f} MB, status: {r['status']}"
            )


if __name__ == "__main__":
    main()
