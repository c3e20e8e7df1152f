"""Build real APKs with the real Android tools Debian ships: smali, aapt, zipalign, apksigner.

`smali` assembles Dalvik bytecode written as smali text into classes.dex, `aapt`
compiles the manifest and resources against Debian's framework-res.apk, `zipalign`
and `apksigner` sign with v1, v2 and v3 schemes. Tests that need a tool that is not
installed skip with its name (scripts/setup-system.sh installs them all as root).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

FRAMEWORK_RES = Path("/usr/share/android-framework-res/framework-res.apk")
KEY_PASSWORD = "aivet-test"


def require_tools(*names: str) -> None:
    missing = [n for n in names if shutil.which(n) is None]
    if "aapt" in names and not FRAMEWORK_RES.is_file():
        missing.append(str(FRAMEWORK_RES))
    if missing:
        pytest.skip(f"Android build tools not installed: {', '.join(missing)}")


def _run(cmd: list[str], cwd: Path) -> None:
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed: {done.stderr.strip() or done.stdout.strip()}")


def assemble_dex(smali_sources: dict[str, str], out: Path) -> Path:
    """classes.dex from {relative path: smali text} (the path only names the file)."""
    require_tools("smali")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name, text in smali_sources.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        _run(["smali", "assemble", "-o", str(out), str(root)], cwd=root)
    return out


def debug_keystore(directory: Path, dname: str = "CN=Android Debug,O=Android,C=US") -> Path:
    """A fresh RSA-2048 keystore (alias `key`), made with the JDK's keytool."""
    require_tools("keytool")
    keystore = directory / "test.jks"
    if not keystore.exists():
        _run(
            [
                "keytool", "-genkeypair", "-keystore", str(keystore), "-storepass", KEY_PASSWORD,
                "-keypass", KEY_PASSWORD, "-alias", "key", "-keyalg", "RSA", "-keysize", "2048",
                "-dname", dname, "-validity", "3650", "-noprompt",
            ],
            cwd=directory,
        )  # fmt: skip
    return keystore


@dataclass
class ApkSpec:
    """What to put in a built APK."""

    manifest: str
    """AndroidManifest.xml as text (aapt compiles it to binary XML)."""
    resources: dict[str, str] = field(default_factory=dict)
    """res/ files as text: {"xml/network_security_config.xml": "...", "values/strings.xml": ...}."""
    smali: dict[str, str] = field(default_factory=dict)
    """classes.dex sources; empty for no code."""
    extra_dex: list[dict[str, str]] = field(default_factory=list)
    """classes2.dex, classes3.dex… sources."""
    files: dict[str, bytes] = field(default_factory=dict)
    """Other entries as raw bytes (assets/…, lib/arm64-v8a/libx.so)."""
    sign: bool = True
    v1_only: bool = False


def build_apk(spec: ApkSpec, out: Path) -> Path:
    """Compile, add code and files, align and sign; returns `out`."""
    require_tools("aapt", "zipalign", "apksigner")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "AndroidManifest.xml").write_text(spec.manifest, encoding="utf-8")
        command = [
            "aapt", "package", "-f", "-M", "AndroidManifest.xml", "-I", str(FRAMEWORK_RES),
            "-F", "unsigned.apk",
        ]  # fmt: skip
        if spec.resources:
            for name, text in spec.resources.items():
                path = work / "res" / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
            command += ["-S", "res"]
        _run(command, cwd=work)
        dex_sets = [spec.smali, *spec.extra_dex] if spec.smali else list(spec.extra_dex)
        with zipfile.ZipFile(work / "unsigned.apk", "a") as apk:
            for index, sources in enumerate(dex_sets):
                name = "classes.dex" if index == 0 else f"classes{index + 1}.dex"
                apk.write(assemble_dex(sources, work / name), name)
            for name, data in spec.files.items():
                apk.writestr(name, data)
        _run(["zipalign", "-f", "4", "unsigned.apk", "aligned.apk"], cwd=work)
        if not spec.sign:
            shutil.copyfile(work / "aligned.apk", out)
            return out
        keystore = debug_keystore(work)
        sign = [
            "apksigner", "sign", "--ks", str(keystore), "--ks-pass", f"pass:{KEY_PASSWORD}",
            "--out", str(out),
        ]  # fmt: skip
        if spec.v1_only:
            sign += ["--v2-signing-enabled", "false", "--v3-signing-enabled", "false"]
        _run([*sign, "aligned.apk"], cwd=work)
    return out


def manifest(
    package: str,
    application: str = "",
    *,
    permissions: tuple[str, ...] = (),
    application_attributes: str = "",
    target_sdk: int = 33,
) -> str:
    """A manifest with the usual header; `application` is the inner XML of <application>."""
    uses = "\n".join(f'  <uses-permission android:name="{p}"/>' for p in permissions)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="{package}"
    android:versionCode="7" android:versionName="1.2.3">
  <uses-sdk android:minSdkVersion="21" android:targetSdkVersion="{target_sdk}"/>
{uses}
  <application android:label="Test" {application_attributes}>
{application}
  </application>
</manifest>
"""
