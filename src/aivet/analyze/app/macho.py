"""Mach-O binaries of an iOS app: what they link, the strings they hold, the calls they make.

lief reads the structure (fat slices, load commands, sections, symbols, bindings);
the rest is read from the bytes here: C strings and CFString literals for the
endpoint and secret scanners, Objective-C class names for SDK detection, and, on
arm64, the constant arguments of calls that matter to an audit (CommonCrypto's
algorithm, options, key and IV; NSUserDefaults setters and their keys; ptrace and
sysctl used against debuggers), decoded by `arm64.resolve`.

Bad input never raises: `analyze_macho` returns what it could read, and `problems`
says what it could not (not a Mach-O, truncated, FairPlay-encrypted).
"""

from __future__ import annotations

import bisect
import hashlib
import re
import struct
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from itertools import islice
from typing import Literal, Protocol, TypeVar

import lief
import numpy as np

from aivet.analyze.app import arm64
from aivet.analyze.app.arm64 import Address, Code, Const, Import, Value
from aivet.app_record import CryptoUse, Indicator, Location, MachOFacts, StorageWrite

lief.logging.disable()  # lief reports malformed input on stderr; problems carries it instead

MIN_STRING = 4
MAX_STRING = 64 * 1024
"""Longer literals (embedded JSON, scripts) are cut here; their start is what scanners need."""
MAX_STRINGS = 1_000_000
MAX_KEY_BYTES = 512
MAX_CLASSES = 200_000
MAX_CFSTRINGS = 500_000
MAX_SELECTORS = 500_000
MAX_STUBS = 200_000
MAX_CALL_SITES = 20_000
"""Calls decoded per kind (crypto, defaults setters); a crafted binary could hold millions."""
MAX_PRIOR_SENDS = 16
"""Earlier `objc_msgSend` calls of a function looked at to tell NSUserDefaults is the receiver."""
P_TRACED_WINDOW = 32
"""Instructions after a `sysctl` call in which its result is looked for being tested."""

INTERESTING_IMPORTS = frozenset(
    {
        # CommonCrypto and the Keychain
        "CCCrypt", "CCCryptorCreate", "CCCryptorCreateWithMode", "CCCryptorCreateFromData",
        "CCHmac", "CCKeyDerivationPBKDF", "CC_MD5", "CC_SHA1", "SecRandomCopyBytes",
        "SecItemAdd", "SecItemUpdate", "SecItemCopyMatching", "SecItemDelete",
        "SecTrustEvaluate", "SecTrustEvaluateWithError", "SecKeyCreateRandomKey",
        # anti-debugging and tamper checks
        "ptrace", "sysctl", "syscall", "dlsym", "dlopen", "getppid", "isatty", "fork",
        "_dyld_image_count", "_dyld_get_image_name", "task_get_exception_ports",
        # storage
        "OBJC_CLASS_$_NSUserDefaults", "OBJC_CLASS_$_NSKeyedArchiver",
    }
)  # fmt: skip
"""Imported symbols listed in `MachOFacts.imports`, without the C leading underscore."""

T = TypeVar("T")
IvSource = Literal["literal", "zero", "none", "random", "unknown"]
_ALGORITHMS = {0: "AES", 1: "DES", 2: "3DES", 3: "CAST", 4: "RC4", 5: "RC2", 6: "Blowfish"}
_BLOCK_BYTES = {"AES": 16}
"""IV length by algorithm; the others CommonCrypto knows have 8-byte blocks."""
_MODES = {1: "ECB", 2: "CBC", 3: "CFB", 4: "CTR", 7: "OFB", 8: "XTS", 9: "RC4", 10: "CFB8"}
_ECB_OPTION, _PKCS7_OPTION = 2, 1


@dataclass(frozen=True)
class _CryptoCall:
    """Which registers carry what in one CommonCrypto function (AAPCS64 argument order)."""

    algorithm: int
    key: int
    key_length: int
    iv: int
    options: int | None = None
    mode: int | None = None
    padding: int | None = None


_CRYPTO_CALLS = {
    # CCCrypt(op, alg, options, key, keyLength, iv, …); the two Create share the first six
    "CCCrypt": _CryptoCall(algorithm=1, options=2, key=3, key_length=4, iv=5),
    "CCCryptorCreate": _CryptoCall(algorithm=1, options=2, key=3, key_length=4, iv=5),
    "CCCryptorCreateFromData": _CryptoCall(algorithm=1, options=2, key=3, key_length=4, iv=5),
    # CCCryptorCreateWithMode(op, mode, alg, padding, iv, key, keyLength, …)
    "CCCryptorCreateWithMode": _CryptoCall(
        algorithm=2, mode=1, padding=3, iv=4, key=5, key_length=6
    ),
}

_DEFAULTS_SETTERS = {
    "setObject:forKey:": 3, "setValue:forKey:": 3, "setBool:forKey:": 3,
    "setInteger:forKey:": 3, "setURL:forKey:": 3, "setDouble:forKey:": 2, "setFloat:forKey:": 2,
}  # fmt: skip
"""Setter selector → register of the key (x0 self, x1 _cmd; a double value goes in d0)."""
_DEFAULTS_CLASS = "_OBJC_CLASS_$_NSUserDefaults"
_CLASS_TAKERS = frozenset(
    {"_objc_alloc", "_objc_alloc_init", "_objc_opt_self", "_objc_opt_class", "_objc_opt_new"}
)

_CREDENTIAL = re.compile(
    r"password|passwd|passcode|passphrase|pwd|token|secret|session|credential|auth(?!or(?!iz))"
    r"|apikey|accesskey|privatekey|cookie|jwt|bearer|pincode"
)
_KEY_LIKE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")

_JAILBREAK_PATHS = (
    "/Applications/Cydia.app", "/Applications/Sileo.app", "/Applications/Zebra.app",
    "/Library/MobileSubstrate/MobileSubstrate.dylib", "/bin/bash", "/usr/sbin/sshd",
    "/usr/bin/ssh", "/etc/apt", "/private/var/lib/apt", "/private/var/stash",
    "/var/jb", "/usr/libexec/cydia", "cydia://", "sileo://",
)  # fmt: skip
_INSTRUMENTATION = ("frida-server", "FridaGadget", "frida-agent", "/usr/lib/frida")

_SYS_PTRACE, _PT_DENY_ATTACH, _P_TRACED_BIT = 26, 31, 11

# Chained-fixup pointer formats (mach-o/fixup-chains.h)
_PTR_ARM64E, _PTR_64, _PTR_64_OFFSET, _PTR_ARM64E_USERLAND, _PTR_ARM64E_USERLAND24 = 1, 2, 6, 9, 12


@dataclass
class MachOScan:
    """What one Mach-O file gave: facts for the report and material for the scanners."""

    facts: MachOFacts
    strings: list[tuple[str, Location]] = field(default_factory=list)
    """C strings, UTF-16 CFStrings and printable runs of `__const`, where each starts."""
    objc_classes: list[str] = field(default_factory=list)
    """Objective-C (and Swift) classes the binary defines or references."""
    crypto: list[CryptoUse] = field(default_factory=list)
    storage: list[StorageWrite] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def is_credential_key(key: str) -> bool:
    """Whether a storage key names a credential (password, token, session…)."""
    return _CREDENTIAL.search(re.sub(r"[-_. ]", "", key.lower())) is not None


def mask(value: str) -> str:
    """All but the first and last two characters hidden: enough to recognise a value."""
    if len(value) <= 6:
        return "*" * len(value)
    return value[:2] + "*" * (len(value) - 4) + value[-2:]


def chained_pointer(raw: int, pointer_format: int, image_base: int) -> int | None:
    """The address a chained-fixup pointer rebases to; None for a bind or unknown format.

    Layouts from dyld's mach-o/fixup-chains.h (iOS 15+ binaries store pointers so)."""
    if pointer_format in (_PTR_64, _PTR_64_OFFSET):
        if raw >> 63:
            return None
        target = raw & ((1 << 36) - 1)
        return target + image_base if pointer_format == _PTR_64_OFFSET else target
    if pointer_format in (_PTR_ARM64E, _PTR_ARM64E_USERLAND, _PTR_ARM64E_USERLAND24):
        if raw >> 62 & 1:
            return None
        if raw >> 63:  # authenticated rebase: a 32-bit offset from the image
            return image_base + (raw & 0xFFFFFFFF)
        target = raw & ((1 << 43) - 1)
        return target if pointer_format == _PTR_ARM64E else image_base + target
    return None


class _Named(Protocol):
    @property
    def name(self) -> str | bytes: ...


def _name(item: _Named) -> str:
    """A symbol's, section's or library's name. lief decodes names as UTF-8 and raises
    on a damaged one; the raw bytes are then read as Latin-1, which never fails."""
    try:
        name = item.name
    except UnicodeDecodeError as exc:
        return bytes(exc.object).decode("latin-1")
    return name if isinstance(name, str) else name.decode("latin-1")


def _segment_name(section: lief.MachO.Section) -> str:
    try:
        return section.segment_name
    except UnicodeDecodeError as exc:
        return bytes(exc.object).decode("latin-1")


def _c_name(symbol: str) -> str:
    """A C function's name from its symbol (`_CCCrypt` → `CCCrypt`)."""
    return symbol[1:] if symbol.startswith("_") else symbol


def _architecture(binary: lief.MachO.Binary) -> str:
    # compared as numbers (mach/machine.h): lief returns a plain int for a damaged type
    cpu = int(binary.header.cpu_type)
    sub = binary.header.cpu_subtype & 0xFF
    if cpu == 0x0100000C:
        return "arm64e" if sub == 2 else "arm64"
    if cpu == 12:
        return {9: "armv7", 11: "armv7s", 12: "armv7k"}.get(sub, "arm")
    if cpu == 0x01000007:
        return "x86_64"
    if cpu == 7:
        return "i386"
    return f"cpu-type-{cpu}"


@dataclass(frozen=True)
class _Segment:
    address: int
    size: int
    offset: int
    file_size: int


@dataclass(frozen=True)
class _Section:
    segment: str
    name: str
    address: int
    size: int
    offset: int
    zero_fill: bool
    stubs: tuple[int, int] | None
    """(first indirect-symbol index, stub size) of a symbol-stubs section."""


_S_ZEROFILL, _S_SYMBOL_STUBS, _S_GB_ZEROFILL, _S_THREAD_LOCAL_ZEROFILL = 0x1, 0x8, 0xC, 0x12


def _section(section: lief.MachO.Section) -> _Section:
    kind = int(section.type)  # a number (mach-o/loader.h): lief gives an int when damaged
    return _Section(
        _segment_name(section),
        _name(section),
        section.virtual_address,
        section.size,
        section.offset,
        kind in (_S_ZEROFILL, _S_GB_ZEROFILL, _S_THREAD_LOCAL_ZEROFILL),
        (section.reserved1, section.reserved2) if kind == _S_SYMBOL_STUBS else None,
    )


class _Image:
    """One slice of the binary: its bytes and how virtual addresses map onto them."""

    def __init__(self, binary: lief.MachO.Binary, data: bytes, path: str) -> None:
        self.binary = binary
        self.path = path
        self.fat_offset = binary.fat_offset
        self.data = data[self.fat_offset :] if self.fat_offset else data
        self.base = binary.imagebase
        self.segments = sorted(
            (
                _Segment(s.virtual_address, s.virtual_size, s.file_offset, s.file_size)
                for s in binary.segments
                if s.virtual_size
            ),
            key=lambda s: s.address,
        )
        self._starts = [s.address for s in self.segments]
        self.sections = [self._mapped_section(_section(s)) for s in binary.sections]
        self.encrypted: tuple[int, int] | None = None
        self.crypt_id = 0
        info = binary.encryption_info
        if info is not None and info.crypt_id != 0:
            self.crypt_id = info.crypt_id
            self.encrypted = (info.crypt_offset, info.crypt_offset + info.crypt_size)
        self.bound = {b.address: _name(b.symbol) for b in binary.bindings if b.symbol is not None}
        self.pointer_format = 0
        fixups = binary.dyld_chained_fixups
        if fixups is not None:
            formats = [
                int(s.pointer_format) for s in fixups.chained_starts_in_segments if s.page_count
            ]
            self.pointer_format = formats[0] if formats else 0

    def truncated(self) -> str | None:
        for segment in self.segments:
            end = segment.offset + segment.file_size
            if end > len(self.data):
                return (
                    f"truncated: segments end at 0x{end:x}, the file has 0x{len(self.data):x} bytes"
                )
        return None

    def _file_span(self, address: int) -> tuple[int, int]:
        """(file offset, bytes the file holds from there in the segment) of an address;
        (0, 0) when the file holds none."""
        at = bisect.bisect_right(self._starts, address) - 1
        if at < 0:
            return 0, 0
        segment = self.segments[at]
        inside = address - segment.address
        offset = segment.offset + inside
        return offset, max(0, min(segment.file_size - inside, len(self.data) - offset))

    def _mapped_section(self, section: _Section) -> _Section:
        """The section as the loader maps it: the file offset its segment gives, the size cut
        to what the file holds (a damaged header may claim any size)."""
        offset, available = self._file_span(section.address)
        size = 0 if section.zero_fill else min(section.size, available)
        return replace(section, offset=offset, size=size)

    def offset_of(self, address: int, length: int = 1) -> int | None:
        """File offset (in the slice) of `length` readable bytes at `address`."""
        offset, available = self._file_span(address)
        if length > available:
            return None
        if self.encrypted and offset < self.encrypted[1] and offset + length > self.encrypted[0]:
            return None
        return offset

    def mapped(self, address: int) -> bool:
        at = bisect.bisect_right(self._starts, address) - 1
        return at >= 0 and address < self.segments[at].address + self.segments[at].size

    def read(self, address: int, length: int) -> bytes | None:
        offset = self.offset_of(address, length)
        return None if offset is None else self.data[offset : offset + length]

    def cstring(self, address: int, limit: int = MAX_STRING) -> bytes | None:
        offset = self.offset_of(address)
        if offset is None:
            return None
        end = self.data.find(b"\0", offset, offset + limit)
        text = self.data[offset : end if end >= 0 else offset + limit]
        return text if self.offset_of(address, len(text) or 1) is not None else None

    def load(self, address: int) -> Value:
        """The pointer stored at `address`, as arm64.resolve needs it."""
        if address in self.bound:
            return Import(self.bound[address])
        raw = self.read(address, 8)
        if raw is None:
            return None
        value = int.from_bytes(raw, "little")
        if self.pointer_format:
            target = chained_pointer(value, self.pointer_format, self.base)
        else:
            target = value or None
        return Address(target) if target is not None and self.mapped(target) else None

    def section(self, name: str, segment: str | None = None) -> _Section | None:
        for section in self.sections:
            if section.name == name and (segment is None or section.segment == segment):
                return section
        return None

    def content(self, section: _Section) -> bytes:
        if not section.size or self.offset_of(section.address, section.size) is None:
            return b""
        return self.data[section.offset : section.offset + section.size]

    def location(self, slice_offset: int) -> Location:
        """Where a reader finds the bytes: the offset in the whole file (fat header included)."""
        return Location(self.path, f"offset 0x{self.fat_offset + slice_offset:x}")

    def u32(self, offset: int) -> int | None:
        if offset < 0 or offset + 4 > len(self.data):
            return None
        return int(struct.unpack_from("<I", self.data, offset)[0])

    def stub_symbols(self) -> dict[int, str]:
        """Stub address → imported symbol, from the indirect symbol table and the symbol
        table read directly (the loader's own route; lief's stub API needs its paid build)."""
        indirect = self.binary.dynamic_symbol_command
        table = self.binary.symbol_command
        if indirect is None or table is None:
            return {}
        names: dict[int, str] = {}
        for section in self.sections:
            if section.stubs is None or section.stubs[1] < 4:
                continue
            first, size = section.stubs
            count = min(section.size // size, indirect.nb_indirect_symbols - first, MAX_STUBS)
            for i in range(count):
                index = self.u32(indirect.indirect_symbol_offset + 4 * (first + i))
                if index is None or index & 0xC0000000 or index >= table.numberof_symbols:
                    continue  # INDIRECT_SYMBOL_LOCAL / _ABS: not an import
                strx = self.u32(table.symbol_offset + 16 * index)  # nlist_64: arm64 only here
                if strx is None or strx >= table.strings_size:
                    continue
                start = table.strings_offset + strx
                end = self.data.find(b"\0", start, start + 1024)
                if end > start:
                    names[section.address + i * size] = self.data[start:end].decode("latin-1")
        return names


def _strings(image: _Image) -> Iterator[tuple[str, Location]]:
    for section in image.sections:
        if section.name in ("__cstring", "__objc_methname", "__objc_classname"):
            yield from _split_cstrings(image, section)
        elif section.name == "__const":
            yield from _printable_runs(image, section)
        elif section.name == "__ustring":
            yield from _utf16_strings(image, section)


def _split_cstrings(image: _Image, section: _Section) -> Iterator[tuple[str, Location]]:
    blob = image.content(section)
    start = 0
    while start < len(blob):
        end = blob.find(b"\0", start)
        end = len(blob) if end < 0 else end
        if end - start >= MIN_STRING:
            try:
                text = blob[start : min(end, start + MAX_STRING)].decode("utf-8")
            except UnicodeDecodeError:
                text = ""
            if text:
                yield text, image.location(section.offset + start)
        start = end + 1


_PRINTABLE_RUN = re.compile(rb"[\x20-\x7e]{6,}")


def _printable_runs(image: _Image, section: _Section) -> Iterator[tuple[str, Location]]:
    """__const holds binary tables as well as char arrays: keep printable runs, as strings(1)."""
    blob = image.content(section)
    for match in _PRINTABLE_RUN.finditer(blob):
        yield (
            match.group()[:MAX_STRING].decode("ascii"),
            image.location(section.offset + match.start()),
        )


def _utf16_strings(image: _Image, section: _Section) -> Iterator[tuple[str, Location]]:
    """__ustring: the UTF-16 text of non-ASCII CFStrings, each ending in a 0 code unit."""
    blob = image.content(section)
    units = np.frombuffer(blob[: len(blob) - len(blob) % 2], dtype="<u2")
    start = 0
    for end in [*map(int, np.nonzero(units == 0)[0]), len(units)]:
        if end - start >= MIN_STRING:
            text = blob[2 * start : 2 * min(end, start + MAX_STRING)]
            yield (
                text.decode("utf-16-le", errors="replace"),
                image.location(section.offset + 2 * start),
            )
        start = end + 1


def _cfstrings(image: _Image) -> dict[int, str]:
    """CFString literal address → its text (`@"…"` in Objective-C)."""
    section = image.section("__cfstring")
    out: dict[int, str] = {}
    if section is None:
        return out
    end = section.address + min(section.size, 32 * MAX_CFSTRINGS) - 31
    for address in range(section.address, end, 32):
        header = image.read(address + 8, 4)
        length_bytes = image.read(address + 24, 8)
        chars = image.load(address + 16)
        if header is None or length_bytes is None or not isinstance(chars, Address):
            continue
        length = min(int.from_bytes(length_bytes, "little"), MAX_STRING)
        utf16 = bool(int.from_bytes(header, "little") & 0x10)
        raw = image.read(chars.value, length * 2 if utf16 else length)
        if raw is not None:
            out[address] = raw.decode("utf-16-le" if utf16 else "utf-8", errors="replace")
    return out


def _objc_classes(image: _Image) -> list[str]:
    """Classes defined (`__objc_classlist` → class → class_ro_t → name) and referenced."""
    names = {
        symbol.removeprefix("_OBJC_CLASS_$_")
        for symbol in image.bound.values()
        if symbol.startswith("_OBJC_CLASS_$_")
    }
    section = image.section("__objc_classlist")
    if section is not None:
        for slot in range(section.address, section.address + min(section.size, 8 * MAX_CLASSES), 8):
            cls = image.load(slot)
            ro = image.load(cls.value + 32) if isinstance(cls, Address) else None
            # Swift keeps flags in the low bits of the class_ro_t pointer
            name = image.load((ro.value & ~7) + 24) if isinstance(ro, Address) else None
            text = image.cstring(name.value, 1024) if isinstance(name, Address) else None
            if text:
                names.add(text.decode("utf-8", errors="replace"))
    return sorted(names)


@dataclass
class _Functions:
    """Function starts (LC_FUNCTION_STARTS and symbols) and the names that are known."""

    starts: list[int]
    names: dict[int, str]

    @classmethod
    def of(cls, image: _Image, text: _Section) -> _Functions:
        listed = image.binary.function_starts
        starts = {image.base + f for f in listed.functions} if listed is not None else set()
        names: dict[int, str] = {}
        for symbol in image.binary.symbols:
            if text.address <= symbol.value < text.address + text.size:
                name = _name(symbol)
                if name:
                    names.setdefault(symbol.value, name)
                    starts.add(symbol.value)
        return cls(sorted(starts), names)

    def start(self, address: int) -> int | None:
        at = bisect.bisect_right(self.starts, address) - 1
        return self.starts[at] if at >= 0 else None

    def where(self, address: int) -> str:
        start = self.start(address)
        name = self.names.get(start) if start is not None else None
        return f"0x{address:x} in {name}" if name else f"0x{address:x}"


class _Arm64:
    """The arm64 code of a slice and the call sites found in it."""

    def __init__(self, image: _Image, text: _Section) -> None:
        self.image = image
        self.code = Code(image.content(text), text.address)
        self.functions = _Functions.of(image, text)
        self.stubs = image.stub_symbols()
        objc_stubs = image.section("__objc_stubs")
        self.objc_stubs = (
            Code(image.content(objc_stubs), objc_stubs.address) if objc_stubs else None
        )
        self._selectors: dict[int, str | None] = {}
        self.problems: list[str] = []

    def floor(self, index: int) -> int:
        start = self.functions.start(self.code.pc(index))
        found = None if start is None else self.code.index(start)
        return found if found is not None else 0

    def value(self, index: int, register: int) -> Value:
        return arm64.resolve(
            self.code, index, register, floor=self.floor(index), load=self.image.load
        )

    def where(self, index: int) -> Location:
        return Location(self.image.path, self.functions.where(self.code.pc(index)))

    def calls(self, symbols: set[str]) -> list[tuple[int, str]]:
        """(index, symbol) of each `bl` to the stub of one of these imports."""
        targets = {a: _c_name(n) for a, n in self.stubs.items() if _c_name(n) in symbols}
        found = self.code.branch_links(set(targets))
        return [(i, targets[t]) for i, t in self.capped(found, ", ".join(sorted(symbols)))]

    def capped(self, sites: list[T], what: str) -> list[T]:
        if len(sites) > MAX_CALL_SITES:
            self.problems.append(
                f"{self.image.path}: {len(sites)} sites of {what}; "
                f"the first {MAX_CALL_SITES} decoded"
            )
        return sites[:MAX_CALL_SITES]

    def text(self, value: Value) -> str | None:
        if not isinstance(value, Address):
            return None
        raw = self.image.cstring(value.value, 1024)
        return raw.decode("utf-8", errors="replace") if raw else None

    def _send_targets(self) -> set[int]:
        """`objc_msgSend`: its import stub, and the per-selector stubs (`__objc_stubs`) that
        Xcode 14 and later link by default."""
        targets = {a for a, n in self.stubs.items() if n == "_objc_msgSend"}
        if self.objc_stubs is not None:
            first = self.objc_stubs.address
            targets |= set(range(first, first + 4 * len(self.objc_stubs), 4))
        return targets

    def sends(self) -> list[tuple[int, int]]:
        """(index, target) of `objc_msgSend` calls."""
        return self.code.branch_links(self._send_targets())

    def class_uses(self) -> list[int]:
        """Indices of calls that take a class in x0: messages, `objc_alloc`, `objc_opt_self`…"""
        targets = self._send_targets() | {a for a, n in self.stubs.items() if n in _CLASS_TAKERS}
        return [i for i, _ in self.code.branch_links(targets)]

    def in_objc_stubs(self, target: int) -> bool:
        return self.objc_stubs is not None and self.objc_stubs.index(target) is not None

    def selector_references(self, selectors: set[str]) -> list[int]:
        """Indices of the instructions that address a page holding a reference to one of
        these selectors: a cheap filter before reading a call's x1 by walking back."""
        section = self.image.section("__objc_selrefs")
        pages: set[int] = set()
        if section is not None:
            end = section.address + min(section.size, 8 * MAX_SELECTORS)
            for slot in range(section.address, end, 8):
                if self.text(self.image.load(slot)) in selectors:
                    pages.add(slot & ~0xFFF)
        return self.code.page_references(pages)

    def selector(self, index: int, target: int) -> str | None:
        if self.objc_stubs is None or not self.in_objc_stubs(target):
            return self.text(self.value(index, 1))
        if target not in self._selectors:
            # a selector stub opens with `adrp x1, SELREF@PAGE; ldr x1, [x1, SELREF@PAGEOFF]`
            stub = self.objc_stubs.index(target) or 0
            value = arm64.resolve(self.objc_stubs, stub + 2, 1, floor=stub, load=self.image.load)
            self._selectors[target] = self.text(value)
        return self._selectors[target]


def _key_preview(key: bytes) -> str:
    if all(0x20 <= b < 0x7F for b in key):
        return mask(key.decode("ascii"))
    return "hex:" + mask(key.hex())


def _crypto(code: _Arm64, imported: set[str]) -> tuple[list[CryptoUse], list[Indicator]]:
    uses: list[CryptoUse] = []
    indicators: list[Indicator] = []
    iv_users: dict[int, list[Location]] = {}
    decoded: set[str] = set()
    for index, name in code.calls(set(_CRYPTO_CALLS)):
        spec = _CRYPTO_CALLS[name]
        where = code.where(index)
        algorithm = code.value(index, spec.algorithm)
        if not isinstance(algorithm, Const) or algorithm.value not in _ALGORITHMS:
            indicators.append(
                Indicator("crypto-api", f"{name} call whose algorithm is not a constant", where)
            )
            continue
        decoded.add(name)
        use = _crypto_use(code, index, name, spec, _ALGORITHMS[algorithm.value], where)
        uses.append(use)
        iv = code.value(index, spec.iv)
        if use.iv_source == "literal" and isinstance(iv, Address):
            iv_users.setdefault(iv.value, []).append(where)
    for address, users in iv_users.items():
        if len(users) > 1:
            detail = f"one IV literal (0x{address:x}) is passed by {len(users)} calls"
            indicators.append(Indicator("crypto-api", detail, users[0]))
    for name in sorted(imported & set(_CRYPTO_CALLS) - decoded):
        indicators.append(
            Indicator(
                "crypto-api",
                f"imports {name}; no call with a constant algorithm decoded",
                Location(code.image.path, f"import {name}"),
            )
        )
    return uses, indicators


def _crypto_use(
    code: _Arm64, index: int, name: str, spec: _CryptoCall, algorithm: str, where: Location
) -> CryptoUse:
    alg_constant = f"kCCAlgorithm{algorithm}"
    mode: str | None = None
    if spec.options is not None:
        options = code.value(index, spec.options)
        if isinstance(options, Const):
            flags = [
                flag
                for bit, flag in (
                    (_ECB_OPTION, "kCCOptionECBMode"),
                    (_PKCS7_OPTION, "kCCOptionPKCS7Padding"),
                )
                if options.value & bit
            ]
            mode = "ECB" if options.value & _ECB_OPTION else "CBC"
            transformation = f"{name}({alg_constant}, {'|'.join(flags) or '0'})"
        else:
            transformation = f"{name}({alg_constant}, ?)"
    else:
        mode_value = code.value(index, spec.mode) if spec.mode is not None else None
        padding = code.value(index, spec.padding) if spec.padding is not None else None
        if isinstance(mode_value, Const) and mode_value.value in _MODES:
            mode = _MODES[mode_value.value]
        padding_text = (
            {0: "ccNoPadding", 1: "ccPKCS7Padding"}.get(padding.value, str(padding.value))
            if isinstance(padding, Const)
            else "?"
        )
        transformation = f"{name}(kCCMode{mode or '?'}, {alg_constant}, {padding_text})"
    if algorithm == "RC4" or mode == "RC4":
        mode = None  # a stream cipher: no block mode, no IV
    use = CryptoUse(algorithm, mode, transformation, "unknown", location=where)
    key = code.value(index, spec.key)
    key_length = code.value(index, spec.key_length)
    if isinstance(key, Address):
        length = key_length.value if isinstance(key_length, Const) else 0
        raw = (
            code.image.read(key.value, length)
            if 0 < length <= MAX_KEY_BYTES
            else code.image.cstring(key.value, 64)
        )
        if raw:
            use.key_source = "literal"
            use.key_preview = _key_preview(raw)
            use.key_sha256 = hashlib.sha256(raw).hexdigest()
    use.iv_source = _iv_source(code, code.value(index, spec.iv), algorithm, mode)
    return use


def _iv_source(code: _Arm64, iv: Value, algorithm: str, mode: str | None) -> IvSource:
    if algorithm == "RC4" or mode == "ECB":
        return "none"  # ECB and stream ciphers take no IV, whatever is passed
    if isinstance(iv, Const) and iv.value == 0:
        return "zero"  # CommonCrypto uses an all-zero IV when given NULL
    if isinstance(iv, Address):
        raw = code.image.read(iv.value, _BLOCK_BYTES.get(algorithm, 8))
        if raw is not None:
            return "zero" if not any(raw) else "literal"
    return "unknown"


def _defaults_writes(code: _Arm64, cfstrings: dict[int, str]) -> tuple[list[StorageWrite], bool]:
    """NSUserDefaults setters called with a literal key, and whether any setter call's
    selector could be read at all (if none could, the caller falls back to the strings)."""
    references = code.selector_references(set(_DEFAULTS_SETTERS))
    class_uses = code.class_uses()
    writes: list[StorageWrite] = []
    saw_setter = False
    candidates = []
    for index, target in code.sends():
        nearby = bisect.bisect_left(references, index - arm64.LOOKBACK)
        if code.in_objc_stubs(target) or (nearby < len(references) and references[nearby] < index):
            candidates.append((index, target))
    for index, target in code.capped(candidates, "objc_msgSend near a setter selector"):
        selector = code.selector(index, target)
        key_register = _DEFAULTS_SETTERS.get(selector or "")
        if key_register is None:
            continue
        saw_setter = True
        key = code.value(index, key_register)
        text = cfstrings.get(key.value) if isinstance(key, Address) else None
        if text is not None and _receiver_is_defaults(code, class_uses, index):
            writes.append(
                StorageWrite("user-defaults", text, is_credential_key(text), code.where(index))
            )
    return writes, saw_setter


def _receiver_is_defaults(code: _Arm64, calls: list[int], index: int) -> bool:
    """Whether the function got an NSUserDefaults object before `index`: a message to, or
    an `objc_alloc`/`objc_opt_self` of, the NSUserDefaults class (the setter's own receiver
    is that call's result, which no walk back can read)."""
    floor = code.floor(index)
    start = bisect.bisect_left(calls, floor)
    end = bisect.bisect_left(calls, index)
    for earlier in reversed(calls[max(start, end - MAX_PRIOR_SENDS) : end]):
        if code.value(earlier, 0) == Import(_DEFAULTS_CLASS):
            return True
    return False


def _defaults_from_strings(image: _Image, cfstrings: dict[int, str]) -> list[StorageWrite]:
    """Credential-like CFString keys in a binary that uses NSUserDefaults setters, for when
    no setter call could be decoded (x86_64 only, Swift, an unfamiliar call shape)."""
    return [
        StorageWrite(
            "user-defaults",
            text,
            True,
            Location(image.path, f"CFString at 0x{address:x}; call site not decoded"),
        )
        for address, text in sorted(cfstrings.items())
        if _KEY_LIKE.fullmatch(text) and is_credential_key(text)
    ]


def _tests_p_traced(code: _Arm64, index: int) -> bool:
    for i in range(index + 1, min(len(code.code), index + 1 + P_TRACED_WINDOW)):
        word = code.code.word(i)
        if arm64.tests_bit(word, _P_TRACED_BIT):
            return True
        if arm64.ends_path(word):
            return False
    return False


def _anti_debugging(code: _Arm64) -> list[Indicator]:
    out: list[Indicator] = []
    for index, name in code.calls({"ptrace", "syscall", "sysctl"}):
        if name == "ptrace":
            denied = code.value(index, 0) == Const(_PT_DENY_ATTACH)
            detail = "ptrace(PT_DENY_ATTACH)" if denied else "calls ptrace"
        elif name == "syscall":
            if code.value(index, 0) != Const(_SYS_PTRACE):
                continue
            denied = code.value(index, 1) == Const(_PT_DENY_ATTACH)
            detail = f"syscall(SYS_ptrace{', PT_DENY_ATTACH' if denied else ''})"
        elif _tests_p_traced(code, index):
            detail = "sysctl(KERN_PROC) then tests P_TRACED"
        else:
            continue
        out.append(Indicator("anti-debugging", detail, code.where(index)))
    for index in code.capped(code.code.find_word(arm64.SVC_0X80), "svc #0x80"):
        if code.value(index, 16) == Const(_SYS_PTRACE):
            denied = code.value(index, 0) == Const(_PT_DENY_ATTACH)
            detail = f"svc #0x80 ptrace{'(PT_DENY_ATTACH)' if denied else ''}"
            out.append(Indicator("anti-debugging", detail, code.where(index)))
    return out


def _string_indicators(
    strings: list[tuple[str, Location]], imported: set[str], path: str
) -> list[Indicator]:
    out: list[Indicator] = []
    seen: set[str] = set()
    for text, where in strings:
        if text == "ptrace" and "dlsym" in imported and "ptrace" not in seen:
            seen.add("ptrace")
            out.append(Indicator("anti-debugging", "looks up ptrace by name (dlsym)", where))
        for kind, needles in (
            ("jailbreak-detection", _JAILBREAK_PATHS),
            ("anti-instrumentation", _INSTRUMENTATION),
        ):
            for needle in needles:
                if needle not in seen and text.startswith(needle):
                    seen.add(needle)
                    out.append(Indicator(kind, f"checks {needle}", where))
    for name in ("SecItemAdd", "SecItemUpdate"):
        if name in imported:
            detail = f"imports {name}: writes to the Keychain"
            out.append(Indicator("keychain", detail, Location(path, f"import {name}")))
    return out


def _config() -> lief.MachO.ParserConfig:
    config = lief.MachO.ParserConfig()
    config.parse_dyld_rebases = False  # not needed, and slow on large apps
    config.parse_dyld_exports = False
    return config


def _primary(images: list[_Image]) -> _Image:
    """The slice whose code and strings are read: arm64e, then arm64, then the first."""
    for wanted in ("arm64e", "arm64"):
        for image in images:
            if _architecture(image.binary) == wanted:
                return image
    return images[0]


def analyze_macho(data: bytes, path: str) -> MachOScan:
    """Read one Mach-O file (thin or fat) named `path` in the archive. Never raises on
    bad bytes; `problems` says what could not be read."""
    with warnings.catch_warnings():
        # lief warns when a damaged field holds a value outside its enums (a CPU type, a
        # section type); the value then matches none of ours, which is the right reading
        warnings.simplefilter("ignore", RuntimeWarning)
        return _analyze(data, path)


def _analyze(data: bytes, path: str) -> MachOScan:
    scan = MachOScan(MachOFacts(file=path))
    try:
        parsed = lief.MachO.parse(data, _config()) if data else None
    except Exception as exc:  # lief is C++ over hostile bytes: any failure is a finding
        scan.problems.append(f"{path}: not a readable Mach-O binary ({exc})")
        return scan
    if parsed is None or parsed.size == 0:
        scan.problems.append(f"{path}: not a Mach-O binary ({len(data)} bytes)")
        return scan
    images = [_Image(binary, data, path) for binary in parsed]
    facts = scan.facts
    facts.architectures = [_architecture(image.binary) for image in images]
    facts.encrypted = any(image.encrypted for image in images)
    for image in images:
        trouble = image.truncated()
        if trouble:
            scan.problems.append(f"{path} ({_architecture(image.binary)}): {trouble}")
    image = _primary(images)
    architecture = _architecture(image.binary)
    if image.encrypted:
        scan.problems.append(
            f"{path} ({architecture}): FairPlay-encrypted (cryptid "
            f"{image.crypt_id}): the code and the strings in "
            f"bytes 0x{image.encrypted[0]:x}-0x{image.encrypted[1]:x} could not be read; "
            "analyse a decrypted copy"
        )
    facts.linked_libraries = [_name(library) for library in image.binary.libraries]
    imported = {_c_name(_name(s)) for s in image.binary.imported_symbols}
    facts.imports = sorted(imported & INTERESTING_IMPORTS)
    scan.strings = list(islice(_strings(image), MAX_STRINGS))
    if len(scan.strings) == MAX_STRINGS:
        scan.problems.append(f"{path}: strings past the first {MAX_STRINGS} not read")
    scan.objc_classes = _objc_classes(image)
    cfstrings = _cfstrings(image)
    text = image.section("__text", "__TEXT")
    if architecture.startswith("arm64") and text is not None and image.content(text):
        saw_setter = _read_code(scan, _Arm64(image, text), imported, cfstrings)
    else:
        saw_setter = False
        if text is not None and not image.encrypted:
            scan.problems.append(f"{path} ({architecture}): call sites not decoded (arm64 only)")
        scan.indicators += [
            Indicator(
                "crypto-api", f"imports {name}; code not decoded", Location(path, f"import {name}")
            )
            for name in sorted(imported & set(_CRYPTO_CALLS))
        ]
    if "ptrace" in imported and not any(i.kind == "anti-debugging" for i in scan.indicators):
        scan.indicators.append(
            Indicator("anti-debugging", "imports ptrace", Location(path, "import ptrace"))
        )
    uses_defaults = "OBJC_CLASS_$_NSUserDefaults" in imported or any(
        text == "NSUserDefaults" for text, _ in scan.strings
    )
    has_setter = any(text in _DEFAULTS_SETTERS for text, _ in scan.strings)
    if uses_defaults and has_setter and not saw_setter:
        scan.storage += _defaults_from_strings(image, cfstrings)
    scan.indicators += _string_indicators(scan.strings, imported, path)
    return scan


def _read_code(
    scan: MachOScan, code: _Arm64, imported: set[str], cfstrings: dict[int, str]
) -> bool:
    """Decode the arm64 call sites into `scan`; whether any defaults setter call was read."""
    scan.crypto, crypto_notes = _crypto(code, imported)
    scan.indicators += crypto_notes
    scan.storage, saw_setter = _defaults_writes(code, cfstrings)
    scan.indicators += _anti_debugging(code)
    scan.problems += code.problems
    return saw_setter
