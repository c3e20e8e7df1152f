"""Build real IPAs with the real tools Debian ships: clang for arm64 iOS, ld64.lld.

There is no Apple SDK here, so the sources declare what they use themselves
(`PRELUDE`) and link against text stubs (.tbd) that name the real install paths of
libSystem, libobjc, Foundation and CoreFoundation: the binaries then carry the same
load commands, bindings and stubs as an Xcode build. Info.plist is written with
plistlib (binary or XML) and the bundle zipped as `Payload/<Name>.app/`. Tests that
need a tool that is not installed skip with its name.
"""

from __future__ import annotations

import plistlib
import shutil
import struct
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

PRELUDE = """\
typedef unsigned long size_t;
typedef unsigned int uint32_t;
typedef int CCCryptorStatus;
typedef void *CCCryptorRef;
enum { kCCEncrypt = 0, kCCDecrypt = 1 };
enum { kCCAlgorithmAES = 0, kCCAlgorithmDES = 1, kCCAlgorithm3DES = 2, kCCAlgorithmRC4 = 4 };
enum { kCCOptionPKCS7Padding = 1, kCCOptionECBMode = 2 };
enum { kCCModeECB = 1, kCCModeCBC = 2, ccPKCS7Padding = 1 };
extern CCCryptorStatus CCCrypt(uint32_t op, uint32_t alg, uint32_t options, const void *key,
    size_t keyLength, const void *iv, const void *dataIn, size_t dataInLength, void *dataOut,
    size_t dataOutAvailable, size_t *dataOutMoved);
extern CCCryptorStatus CCCryptorCreate(uint32_t op, uint32_t alg, uint32_t options,
    const void *key, size_t keyLength, const void *iv, CCCryptorRef *cryptorRef);
extern CCCryptorStatus CCCryptorCreateWithMode(uint32_t op, uint32_t mode, uint32_t alg,
    uint32_t padding, const void *iv, const void *key, size_t keyLength, const void *tweak,
    size_t tweakLength, int numRounds, uint32_t options, CCCryptorRef *cryptorRef);
extern int SecItemAdd(const void *attributes, const void **result);
extern int ptrace(int request, int pid, void *addr, int data);
extern int sysctl(int *name, unsigned namelen, void *oldp, size_t *oldlenp, void *newp,
    size_t newlen);
extern int getpid(void);
extern int access(const char *path, int mode);
extern void *dlsym(void *handle, const char *symbol);
"""
"""C declarations of the iOS APIs the test sources call (CommonCrypto's real constants)."""

OBJC_PRELUDE = """\
__attribute__((objc_root_class)) @interface NSObject
+ (instancetype)alloc;
@end
@interface NSString : NSObject
@end
@interface NSUserDefaults : NSObject
+ (instancetype)standardUserDefaults;
- (void)setObject:(id)value forKey:(NSString *)key;
@end
@interface NSMutableDictionary : NSObject
- (void)setObject:(id)value forKey:(NSString *)key;
@end
"""

_STUB_LIBRARIES = {
    "libSystem": (
        "/usr/lib/libSystem.B.dylib",
        "symbols: [ _CCCrypt, _CCCryptorCreate, _CCCryptorCreateWithMode, _ptrace, _sysctl, "
        "_getpid, _access, _dlsym, ___stack_chk_fail, ___stack_chk_guard, _memset, "
        "dyld_stub_binder ]",
    ),
    "libobjc": (
        "/usr/lib/libobjc.A.dylib",
        "symbols: [ _objc_msgSend, __objc_empty_cache, _objc_alloc, _objc_opt_self ]\n"
        "    objc-classes: [ NSObject ]",
    ),
    "Foundation": (
        "/System/Library/Frameworks/Foundation.framework/Foundation",
        "objc-classes: [ NSString, NSUserDefaults, NSMutableDictionary ]",
    ),
    "CoreFoundation": (
        "/System/Library/Frameworks/CoreFoundation.framework/CoreFoundation",
        "symbols: [ ___CFConstantStringClassReference ]",
    ),
    "Security": (
        "/System/Library/Frameworks/Security.framework/Security",
        "symbols: [ _SecItemAdd ]",
    ),
}

_TARGETS = {"arm64": "arm64-apple-ios14.0", "x86_64": "x86_64-apple-ios14.0-simulator"}
_PLATFORMS = {"arm64": "ios", "x86_64": "ios-simulator"}
LC_ENCRYPTION_INFO_64 = 0x2C


def toolchain() -> tuple[str, str]:
    """(clang, ld64.lld) found on PATH; the test skips naming what is missing."""
    clang = shutil.which("clang")
    linker = shutil.which("ld64.lld") or shutil.which("ld64.lld-14")
    missing = [n for n, found in (("clang", clang), ("ld64.lld", linker)) if found is None]
    if clang is None or linker is None:
        pytest.skip(f"iOS build tools not installed: {', '.join(missing)}")
    return clang, linker


def _run(cmd: list[str], cwd: Path) -> None:
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"{Path(cmd[0]).name} failed: {done.stderr.strip() or done.stdout}")


def _stubs(directory: Path) -> list[Path]:
    out = []
    for name, (install_name, exports) in _STUB_LIBRARIES.items():
        path = directory / f"{name}.tbd"
        path.write_text(
            "--- !tapi-tbd\ntbd-version: 4\n"
            "targets: [ arm64-ios, x86_64-ios-simulator ]\n"
            f"install-name: '{install_name}'\n"
            "exports:\n  - targets: [ arm64-ios, x86_64-ios-simulator ]\n"
            f"    {exports}\n...\n",
            encoding="utf-8",
        )
        out.append(path)
    return out


def build_macho(
    sources: dict[str, str],
    directory: Path,
    *,
    arch: str = "arm64",
    optimize: str = "-O1",
    dylib: str | None = None,
) -> bytes:
    """Compile {file name: text} (.c, .m or .s) and link an executable (or a dylib with
    that install name). C and Objective-C sources get `PRELUDE` (and `OBJC_PRELUDE`)."""
    clang, linker = toolchain()
    directory.mkdir(parents=True, exist_ok=True)
    objects = []
    for name, text in sources.items():
        source = directory / name
        if name.endswith(".m"):
            text = PRELUDE + OBJC_PRELUDE + text
        elif name.endswith(".c"):
            text = PRELUDE + text
        source.write_text(text, encoding="utf-8")
        obj = source.with_name(source.name + ".o")  # a.c and a.m must not share a.o
        flags = ["-fobjc-runtime=ios-14.0"] if name.endswith(".m") else []
        _run(
            [clang, "-target", _TARGETS[arch], "-ffreestanding", optimize, *flags,
             "-c", str(source), "-o", str(obj)],
            directory,
        )  # fmt: skip
        objects.append(str(obj))
    out = directory / ("lib.dylib" if dylib else "a.out")
    kind = ["-dylib", "-install_name", dylib] if dylib else []
    _run(
        [linker, "-arch", arch, "-platform_version", _PLATFORMS[arch], "14.0", "14.0",
         "-undefined", "dynamic_lookup", *kind, "-o", str(out), *objects,
         *map(str, _stubs(directory))],
        directory,
    )  # fmt: skip
    return out.read_bytes()


def set_cryptid(binary: bytes, cryptid: int) -> bytes:
    """The thin 64-bit binary with LC_ENCRYPTION_INFO_64's cryptid set, as FairPlay leaves
    it in an App Store download (ld64.lld writes the command with cryptid 0)."""
    data = bytearray(binary)
    ncmds = struct.unpack_from("<I", data, 16)[0]
    offset = 32
    for _ in range(ncmds):
        cmd, size = struct.unpack_from("<II", data, offset)
        if cmd == LC_ENCRYPTION_INFO_64:
            struct.pack_into("<I", data, offset + 16, cryptid)
            return bytes(data)
        offset += size
    raise ValueError("no LC_ENCRYPTION_INFO_64")


def fat_binary(slices: list[bytes]) -> bytes:
    """A universal binary (big-endian fat header, 16 KiB-aligned slices), as lipo makes."""
    align = 14
    header = struct.pack(">II", 0xCAFEBABE, len(slices))
    offset = 1 << align
    table, body = b"", b""
    for data in slices:
        cputype, subtype = struct.unpack_from("<ii", data, 4)
        table += struct.pack(">iiIII", cputype, subtype, offset, len(data), align)
        padded = data + b"\0" * (-len(data) % (1 << align))
        body += padded
        offset += len(padded)
    head = header + table
    return head + b"\0" * ((1 << align) - len(head)) + body


def write_ipa(
    path: Path,
    *,
    name: str = "Demo",
    info: dict[str, Any],
    binary: bytes,
    files: dict[str, bytes] | None = None,
    binary_plist: bool = False,
) -> Path:
    """Payload/<name>.app/ with Info.plist, the executable named by CFBundleExecutable,
    and `files` (paths inside the bundle)."""
    app = f"Payload/{name}.app/"
    plist_format = plistlib.FMT_BINARY if binary_plist else plistlib.FMT_XML
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(app + "Info.plist", plistlib.dumps(info, fmt=plist_format))
        archive.writestr(app + str(info.get("CFBundleExecutable", name)), binary)
        for inner, data in (files or {}).items():
            archive.writestr(app + inner, data)
    return path
