"""Rebuild the demo's apps: src/aivet/demo/app/DemoSeek.apk and DemoSeek.ipa.

They are the test suite's reference-case builds (tests/support/app_samples.py), made with
the real tools: smali, aapt, zipalign and apksigner for the APK (a fresh debug key each
time, so the bytes differ between builds), clang and ld64.lld for the IPA's arm64 binary.
Run from the repository root after `make system`:

    .venv/bin/python src/aivet/demo/build/build_app.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
OUT = ROOT / "src" / "aivet" / "demo" / "app"


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from tests.support.app_samples import reference_apk, reference_ipa

    OUT.mkdir(parents=True, exist_ok=True)
    for path in (reference_apk(OUT / "DemoSeek.apk"), reference_ipa(OUT / "DemoSeek.ipa")):
        print(f"{path}  {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
