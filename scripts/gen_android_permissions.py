"""Generate src/aivet/intel/data/android-permissions.yaml from Debian's framework-res.apk.

The platform's AndroidManifest.xml (frameworks/base/core/res in AOSP) declares every
platform permission with its android:protectionLevel, a base level plus flag bits.
This script decodes it with aivet's own reader and writes {name: level} with the
levels spelled as in attrs_manifest.xml (`signature|privileged`).

    python scripts/gen_android_permissions.py [framework-res.apk] [output.yaml]
"""

from __future__ import annotations

import datetime
import subprocess
import sys
from pathlib import Path

import yaml

from aivet.analyze.app.android_manifest import ANDROID, MANIFEST, decode_binary_xml
from aivet.analyze.app.archive import AppArchive
from aivet.app_record import AppLimits

FRAMEWORK_RES = Path("/usr/share/android-framework-res/framework-res.apk")
OUTPUT = Path(__file__).resolve().parent.parent / "src/aivet/intel/data/android-permissions.yaml"
PACKAGE = "android-framework-res"

BASE_LEVELS = {0: "normal", 1: "dangerous", 2: "signature", 3: "signatureOrSystem"}
# Flag bits of android:protectionLevel as AOSP 10 defines them in
# core/res/res/values/attrs_manifest.xml (names as written there).
FLAGS = {
    0x10: "privileged",
    0x20: "development",
    0x40: "appop",
    0x80: "pre23",
    0x100: "installer",
    0x200: "verifier",
    0x400: "preinstalled",
    0x800: "setup",
    0x1000: "instant",
    0x2000: "runtime",
    0x4000: "oem",
    0x8000: "vendorPrivileged",
    0x10000: "textClassifier",
    0x20000: "wellbeing",
    0x40000: "documenter",
    0x80000: "configurator",
    0x100000: "incidentReportApprover",
    0x200000: "appPredictor",
}


def protection_level(value: int) -> str:
    names = [BASE_LEVELS[value & 0xF] if value & 0xF in BASE_LEVELS else f"0x{value & 0xF:x}"]
    rest = value & ~0xF
    for bit, name in FLAGS.items():
        if rest & bit:
            names.append(name)
            rest &= ~bit
    if rest:
        names.append(f"0x{rest:x}")
    return "|".join(names)


def framework_permissions(apk: Path) -> dict[str, str]:
    with AppArchive.open(apk, AppLimits()) as archive:
        data = archive.read(MANIFEST)
    if data is None:
        raise SystemExit(f"{apk}: no readable {MANIFEST}")
    root = decode_binary_xml(data, MANIFEST).root
    levels: dict[str, str] = {}
    for permission in root.iter("permission"):
        name = permission.get(ANDROID + "name")
        if name:
            levels[name] = protection_level(
                int(permission.get(ANDROID + "protectionLevel", "0"), 0)
            )
    return dict(sorted(levels.items()))


def package_version() -> str:
    done = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Version}", PACKAGE],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def main(argv: list[str]) -> None:
    apk = Path(argv[1]) if len(argv) > 1 else FRAMEWORK_RES
    output = Path(argv[2]) if len(argv) > 2 else OUTPUT
    version = package_version()
    today = datetime.date.today().isoformat()
    permissions = framework_permissions(apk)
    header = (
        "# Android platform permissions and their protection levels.\n"
        f"# Source: Debian package {PACKAGE} {version}, framework-res.apk's AndroidManifest.xml\n"
        "# (AOSP Android 10, frameworks/base/core/res), licence Apache-2.0.\n"
        f"# Generated {today} by scripts/gen_android_permissions.py; do not edit by hand.\n"
    )
    document = {
        "source": {
            "package": PACKAGE,
            "version": version,
            "android": "10",
            "licence": "Apache-2.0",
            "generated": today,
        },
        "permissions": permissions,
    }
    body = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    output.write_text(header + body, encoding="utf-8")
    print(f"{output}: {len(permissions)} permissions")


if __name__ == "__main__":
    main(sys.argv)
