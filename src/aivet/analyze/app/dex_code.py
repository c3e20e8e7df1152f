"""Scan Dalvik bytecode for crypto, local storage, anti-analysis checks and switched-off
TLS validation, in one pass.

The scan looks for a small set of calls (`Cipher.getInstance`, `SecretKeySpec.<init>`,
`SharedPreferences.Editor.putString`, `Debug.isDebuggerConnected`…) and string
literals (`/system/xbin/su`, `frida`…). It first finds the code units that could
reference one of them with a single regular-expression pass over the file, and walks
only the methods that hold such a unit: most methods reference none, and walking
every instruction in Python is what makes a full parse slow.

A walked method is read linearly, instruction by instruction, with a tiny register
dataflow: a register holds a string literal, an integer constant or a byte array
(literal, all zero, random or unknown) until something overwrites it. No branches are
followed, so a value set on one path and used on another is taken as set; for the
questions asked here (is this key a literal, is this IV all zero) that is the usual
shape of the code. A method whose code is malformed is skipped and counted.

TLS validation is switched off by what a class is as much as by what it calls: a trust
manager whose `checkServerTrusted` does nothing, a host-name verifier whose `verify`
returns true. Those callbacks are found from the method table (by name and signature)
and the class definitions (by direct parent), and only they are read, whatever they call.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import hashlib
import re
import struct
from array import array
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from enum import Enum, auto
from itertools import accumulate
from typing import Literal, TypeVar

from aivet.analyze.app.dex import CodeSpan, DexError, DexFile, MethodRef
from aivet.app_record import CryptoUse, Indicator, Location, StorageWrite

MAX_ARRAY = 4096
"""Largest byte array whose contents are tracked; keys and IVs are far smaller."""
MAX_SKIP_REASONS = 5
MAX_TEXT = 300
"""Longest name or literal copied into a record; a hostile dex can make them megabytes.
Longer literals are not indicators either: they are prose or data (a regex of all TLDs
contains "frida"), not a check."""


def _ops(*parts: int | range) -> frozenset[int]:
    """Opcodes from single values and ranges, as the Dalvik tables list them."""
    return frozenset(op for part in parts for op in (part if isinstance(part, range) else [part]))


# Instruction size in 16-bit code units by opcode; 0 marks an unused opcode. Opcode 0x00
# is nop or, by its high byte, a switch/array payload, sized separately.
_SIZE = [0] * 256
for _units, _opcodes in (
    (1, _ops(0x00, 0x01, 0x04, 0x07, range(0x0A, 0x13), 0x1D, 0x1E, 0x21, 0x27, 0x28)),
    (1, _ops(range(0x7B, 0x90), range(0xB0, 0xD0))),
    (2, _ops(0x02, 0x05, 0x08, 0x13, 0x15, 0x16, 0x19, 0x1A, 0x1C, 0x1F, 0x20, 0x22, 0x23)),
    (2, _ops(0x29, range(0x2D, 0x3E), range(0x44, 0x6E), range(0x90, 0xB0), range(0xD0, 0xE3))),
    (2, _ops(0xFE, 0xFF)),
    (3, _ops(0x03, 0x06, 0x09, 0x14, 0x17, 0x1B, 0x24, 0x25, 0x26, 0x2A, 0x2B, 0x2C, 0xFC, 0xFD)),
    (3, _ops(range(0x6E, 0x73), range(0x74, 0x79))),
    (4, _ops(0xFA, 0xFB)),
    (5, _ops(0x18)),
):
    for _op in _opcodes:
        _SIZE[_op] = _units

# Which register an instruction overwrites, so a fact held there is dropped: the 4-bit vA
# (bits 8-11), the 8-bit vAA (bits 8-15) or the 16-bit vAAAA of the second unit.
_DEST_A = _ops(
    0x01, 0x04, 0x07, 0x12, 0x20, 0x21, 0x23, range(0x52, 0x59), range(0x7B, 0x90),
    range(0xB0, 0xD8),
)  # fmt: skip
_DEST_AA = _ops(
    0x02, 0x05, 0x08, range(0x0A, 0x0E), range(0x13, 0x1D), 0x22, range(0x2D, 0x32),
    range(0x44, 0x4B), range(0x60, 0x67), range(0x90, 0xB0), range(0xD8, 0xE3), 0xFE, 0xFF,
)  # fmt: skip
_DEST_AAAA = _ops(0x03, 0x06, 0x09)
_WIDE = _ops(
    0x04, 0x05, 0x06, 0x0B, range(0x16, 0x1A), 0x45, 0x53, 0x61, 0x7D, 0x7E, 0x80, 0x81, 0x83,
    0x86, 0x88, 0x89, 0x8B, range(0x9B, 0xA6), range(0xAB, 0xB0), range(0xBB, 0xC6),
    range(0xCB, 0xD0),
)  # fmt: skip
"""Opcodes whose result is a long or double: they overwrite a register pair."""
_INVOKE = frozenset(range(0x6E, 0x73))
_INVOKE_RANGE = frozenset(range(0x74, 0x79))
_INVOKE_STATIC = frozenset({0x71, 0x77})
_CONST_STRING = 0x1A
_CONST_STRING_JUMBO = 0x1B
_NEW_ARRAY = 0x23
_FILL_ARRAY_DATA = 0x26
_APUT_BYTE = 0x4F
_MOVE_RESULT = frozenset({0x0A, 0x0B, 0x0C})
_MOVE = frozenset({0x01, 0x02, 0x03, 0x07, 0x08, 0x09})
"""Single-register moves (wide ones only drop what their target held)."""
_CONST = frozenset({0x12, 0x13, 0x14, 0x15})
_CONST_WIDE = frozenset({0x16, 0x17, 0x18, 0x19})
_MOVE_WIDE = frozenset({0x04, 0x05, 0x06})
_RETURN_VOID, _RETURN = 0x0E, 0x0F
_SGET_OBJECT = 0x62
_RESULT_ELSEWHERE = frozenset({0x24, 0x25, 0xFA, 0xFB, 0xFC, 0xFD})
"""Instructions other than the calls tracked that leave a result for move-result."""
_PACKED_SWITCH, _SPARSE_SWITCH, _ARRAY_DATA = 0x0100, 0x0200, 0x0300


class _Call(Enum):
    CIPHER = auto()
    SECRET_KEY_SPEC = auto()
    DES_KEY_SPEC = auto()
    DESEDE_KEY_SPEC = auto()
    IV_SPEC = auto()
    GCM_SPEC = auto()
    KEY_FACTORY = auto()
    GET_BYTES = auto()
    BASE64_ANDROID = auto()
    BASE64_JAVA = auto()
    DIGEST = auto()
    RANDOM_BYTES = auto()
    PREFS_PUT = auto()
    SQLITE_OPEN = auto()
    SQLITE_HELPER = auto()
    FILE_OUTPUT = auto()
    DEBUGGER = auto()
    SOCKET = auto()
    ALLOW_ALL_VERIFIER = auto()
    SSL_PROCEED = auto()
    NULL_CHECK = auto()


_HELPERS = frozenset(
    {_Call.GET_BYTES, _Call.BASE64_ANDROID, _Call.BASE64_JAVA, _Call.DIGEST, _Call.RANDOM_BYTES}
)
"""Calls that only give a value to the others; on their own they report nothing."""
_CALLBACK_ONLY = frozenset({_Call.SSL_PROCEED, _Call.NULL_CHECK})
"""Calls that matter only inside the TLS callbacks, which are found by their class and
read whatever they call: elsewhere they report nothing."""

TLS_KIND = "tls-validation-disabled"
_ALLOW_ALL_VERIFIERS = (
    "Lorg/apache/http/conn/ssl/AllowAllHostnameVerifier;",
    "Lorg/apache/http/conn/ssl/NoopHostnameVerifier;",
    "Lcz/msebera/android/httpclient/conn/ssl/AllowAllHostnameVerifier;",
    "Lcz/msebera/android/httpclient/conn/ssl/NoopHostnameVerifier;",
)
"""HttpClient's verifiers that accept every host name: Android's bundled copy (and
HttpClient 4.4+, same package), and the cz.msebera port that apps ship instead."""
_ALLOW_ALL_FIELD = "ALLOW_ALL_HOSTNAME_VERIFIER"
"""The allow-all verifier as a constant of HttpClient's socket factories (SSLSocketFactory,
SSLConnectionSocketFactory); it is read through whatever class the source named (often a
subclass), so it is recognised by name alone."""

_CALLS_BY_CLASS: dict[str, dict[str, _Call]] = {
    "Ljavax/crypto/Cipher;": {"getInstance": _Call.CIPHER},
    "Ljavax/crypto/spec/SecretKeySpec;": {"<init>": _Call.SECRET_KEY_SPEC},
    "Ljavax/crypto/spec/DESKeySpec;": {"<init>": _Call.DES_KEY_SPEC},
    "Ljavax/crypto/spec/DESedeKeySpec;": {"<init>": _Call.DESEDE_KEY_SPEC},
    "Ljavax/crypto/spec/IvParameterSpec;": {"<init>": _Call.IV_SPEC},
    "Ljavax/crypto/spec/GCMParameterSpec;": {"<init>": _Call.GCM_SPEC},
    "Ljavax/crypto/SecretKeyFactory;": {"getInstance": _Call.KEY_FACTORY},
    "Ljavax/crypto/KeyGenerator;": {"getInstance": _Call.KEY_FACTORY},
    "Ljava/lang/String;": {"getBytes": _Call.GET_BYTES},
    "Landroid/util/Base64;": {"decode": _Call.BASE64_ANDROID},
    "Ljava/util/Base64$Decoder;": {"decode": _Call.BASE64_JAVA},
    "Ljava/security/MessageDigest;": {"digest": _Call.DIGEST},
    "Ljava/security/SecureRandom;": {"nextBytes": _Call.RANDOM_BYTES},
    "Landroid/content/SharedPreferences$Editor;": dict.fromkeys(
        ("putString", "putInt", "putBoolean", "putLong", "putFloat", "putStringSet"),
        _Call.PREFS_PUT,
    ),
    "Landroid/database/sqlite/SQLiteDatabase;": dict.fromkeys(
        ("openOrCreateDatabase", "openDatabase"), _Call.SQLITE_OPEN
    ),
    "Landroid/os/Debug;": dict.fromkeys(
        ("isDebuggerConnected", "waitingForDebugger"), _Call.DEBUGGER
    ),
    "Ljava/net/Socket;": {"<init>": _Call.SOCKET, "connect": _Call.SOCKET},
    "Ljava/net/InetSocketAddress;": {"<init>": _Call.SOCKET},
    # `SQLiteOpenHelper(Context, String name, …)`, reached by the subclass's super call;
    # SQLCipher's helper takes the same arguments.
    "Landroid/database/sqlite/SQLiteOpenHelper;": {"<init>": _Call.SQLITE_HELPER},
    "Lnet/sqlcipher/database/SQLiteOpenHelper;": {"<init>": _Call.SQLITE_HELPER},
    **{verifier: {"<init>": _Call.ALLOW_ALL_VERIFIER} for verifier in _ALLOW_ALL_VERIFIERS},
    "Landroid/webkit/SslErrorHandler;": {"proceed": _Call.SSL_PROCEED},
    # Kotlin's checks that a parameter is not null: they reject no certificate, so a
    # Kotlin trust manager whose body is only these is as empty as a Java one.
    "Lkotlin/jvm/internal/Intrinsics;": dict.fromkeys(
        ("checkNotNullParameter", "checkParameterIsNotNull"), _Call.NULL_CHECK
    ),
}
_CALLS_BY_NAME: dict[str, tuple[str, _Call]] = {
    # Context methods are called through whatever class the caller holds (the Activity
    # itself, ContextWrapper…), so they are recognised by name and parameters alone.
    "openOrCreateDatabase": ("(Ljava/lang/String;I", _Call.SQLITE_OPEN),
    "openFileOutput": ("(Ljava/lang/String;I)", _Call.FILE_OUTPUT),
}


class _Callback(Enum):
    """A method the platform calls to decide whether a TLS connection may go on."""

    TRUST_CHECK = auto()
    HOST_CHECK = auto()
    SSL_ERROR = auto()


_CHAIN = "[Ljava/security/cert/X509Certificate;Ljava/lang/String;"
_CALLBACKS: dict[tuple[str, str], _Callback] = {
    ("checkServerTrusted", f"({_CHAIN})V"): _Callback.TRUST_CHECK,
    # X509ExtendedTrustManager's variants, given the socket or engine of the connection.
    ("checkServerTrusted", f"({_CHAIN}Ljava/net/Socket;)V"): _Callback.TRUST_CHECK,
    ("checkServerTrusted", f"({_CHAIN}Ljavax/net/ssl/SSLEngine;)V"): _Callback.TRUST_CHECK,
    ("verify", "(Ljava/lang/String;Ljavax/net/ssl/SSLSession;)Z"): _Callback.HOST_CHECK,
    (
        "onReceivedSslError",
        "(Landroid/webkit/WebView;Landroid/webkit/SslErrorHandler;Landroid/net/http/SslError;)V",
    ): _Callback.SSL_ERROR,
}
_CALLBACK_NAMES = frozenset(name for name, _ in _CALLBACKS)
_CALLBACK_OWNERS: dict[_Callback, tuple[str, ...]] = {
    _Callback.TRUST_CHECK: (
        "Ljavax/net/ssl/X509TrustManager;",
        "Ljavax/net/ssl/X509ExtendedTrustManager;",
    ),
    _Callback.HOST_CHECK: (
        "Ljavax/net/ssl/HostnameVerifier;",
        "Lorg/apache/http/conn/ssl/X509HostnameVerifier;",
    ),
    _Callback.SSL_ERROR: ("Landroid/webkit/WebViewClient;",),
}
"""The parents (interface or superclass: a class_def never names an interface as its
superclass, so one set serves both) that make a method with a callback's name and
signature that callback. Only the direct parents written in the class definition are
looked at: a class that inherits one through a parent of its own (a subclass of the
app's own WebViewClient) is not followed."""
_CALLBACK_DETAILS: dict[_Callback, str] = {
    _Callback.TRUST_CHECK: "X509TrustManager.checkServerTrusted accepts every certificate",
    _Callback.HOST_CHECK: "HostnameVerifier.verify returns true for every host",
    _Callback.SSL_ERROR: "WebViewClient.onReceivedSslError proceeds on TLS errors",
}

_Store = Literal["shared-preferences", "sqlite", "file"]
_STORES: dict[_Call, _Store] = {
    _Call.PREFS_PUT: "shared-preferences",
    _Call.SQLITE_OPEN: "sqlite",
    _Call.SQLITE_HELPER: "sqlite",
    _Call.FILE_OUTPUT: "file",
}
_KeySource = Literal["literal", "derived", "unknown"]
_IvSource = Literal["literal", "zero", "none", "random", "unknown"]
_KEY_SOURCE: dict[str, _KeySource] = {"literal": "literal", "zero": "literal", "derived": "derived"}
"""Key source by array state; an all-zero key written in the code is a literal too."""
_IV_SOURCE: dict[str, _IvSource] = {"zero": "zero", "literal": "literal", "random": "random"}
_IV_ORDER: tuple[_IvSource, ...] = ("zero", "literal", "random", "unknown")
"""When a method builds several IVs, the one reported is the most fixed."""

_INDICATOR_LITERALS = re.compile(
    r"(?P<anti_debugging>TracerPid|/proc/self/status)"
    r"|(?P<frida_detection>frida|gum-js-loop|\bgmain\b|linjector)"
    r"|(?P<root_detection>/system/xbin/su\b|/system/bin/su\b|/sbin/su\b|Superuser\.apk"
    r"|com\.topjohnwu\.magisk|eu\.chainfire\.supersu|test-keys)"
    r"|(?P<emulator_detection>goldfish|ranchu|generic_x86|genymotion|qemu)",
    re.IGNORECASE,
)
"""String literals that anti-analysis checks look for, by indicator kind."""
_INDICATOR_NEEDLES = (
    b"tracerpid", b"/proc/self/status", b"frida", b"gum-js-loop", b"gmain", b"linjector",
    b"/su", b"superuser.apk", b"magisk", b"supersu", b"test-keys", b"goldfish", b"ranchu",
    b"generic_x86", b"genymotion", b"qemu",
)  # fmt: skip
"""Lower-case text that every match of `_INDICATOR_LITERALS` contains: found with
bytes.find over all strings at once, far faster than the regex over every string."""
FRIDA_PORT = 27042
"""frida-server's default port: an app connecting to it is looking for Frida."""

SENSITIVE_KEY = re.compile(
    r"pass_?w(?:or)?d|pwd|passcode|token|secret|session|cookie|credential|auth(?!or)"
    r"|api_?key|private_?key|pin_?code|(?<![a-z])pin(?![a-z])",
    re.IGNORECASE,
)
"""A storage key that names a credential."""

_ALGORITHMS = {
    "DESEDE": "3DES", "TRIPLEDES": "3DES", "3DES": "3DES", "DESEDEWRAP": "3DES", "DES": "DES",
    "RC4": "RC4", "ARCFOUR": "RC4", "ARC4": "RC4", "RC2": "RC2", "BLOWFISH": "Blowfish",
    "CAST5": "CAST", "CAST6": "CAST", "CHACHA20": "ChaCha20", "RSA": "RSA",
}  # fmt: skip


def algorithm_name(written: str) -> str:
    """`3DES` for `DESede`, `RC4` for `ARCFOUR`, `AES` for `AES_256`…; as written otherwise."""
    name = written.split("/", 1)[0].strip().upper()
    if name.startswith("PBEWITH") and "AND" in name:
        # PBEWithMD5AndDES, PBEWithSHA1AndDESede: the cipher is after the last "And".
        name = name.rsplit("AND", 1)[1]
    if name.startswith("AES"):
        return "AES"
    return _ALGORITHMS.get(name.split("-", 1)[0], written.split("/", 1)[0].strip())


def mask_key(key: bytes) -> str:
    """First and last two characters, the rest `*`; hex digits for a key that is not text."""
    text = key.decode("ascii") if all(0x20 <= b < 0x7F for b in key) else key.hex()
    if len(text) <= 4:
        return "*" * len(text)
    return text[:2] + "*" * (len(text) - 4) + text[-2:]


@dataclass
class DexScan:
    """What one scan of a dex's code found."""

    crypto: list[CryptoUse] = field(default_factory=list)
    storage: list[StorageWrite] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    methods_walked: int = 0
    """Methods whose instructions were read (those referencing something looked for, and
    the TLS callbacks)."""
    skipped_methods: int = 0
    """Walked methods (and unreadable classes) left out because their code is malformed."""
    skip_reasons: list[str] = field(default_factory=list)
    """The first few reasons, for the report."""


class _Malformed(Exception):
    """This method's code cannot be walked."""


class _Bytes:
    """A byte array as far as one method can tell; shared by registers that alias it."""

    __slots__ = ("content", "state")

    def __init__(self, content: bytearray | None, state: str) -> None:
        self.content = content
        self.state = state
        """`literal` (content known), `zero` (fresh, content all zero), `random`, `derived`
        (a digest), `unknown`."""

    def snapshot(self) -> tuple[str, bytes | None]:
        if self.content is not None and self.state in ("zero", "literal"):
            data = bytes(self.content)
            return ("zero" if not any(data) else "literal"), data
        return self.state, None


_Fact = str | int | _Bytes
_V = TypeVar("_V")


@dataclass
class _Key:
    source: _KeySource
    data: bytes | None
    algorithm: str | None
    """As written to the key spec, or implied by it (`DESede` for DESedeKeySpec)."""
    written: str


@dataclass
class _Facts:
    """What one method does that the scan reports."""

    ciphers: list[str] = field(default_factory=list)
    keys: list[_Key] = field(default_factory=list)
    ivs: list[_IvSource] = field(default_factory=list)
    factories: list[tuple[str, str]] = field(default_factory=list)
    """(algorithm as written, the call as written)."""
    storage: list[tuple[_Store, str]] = field(default_factory=list)
    indicators: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class _Context:
    """Per-dex lookups the walker needs."""

    dex: DexFile
    calls: dict[int, tuple[_Call, MethodRef]]
    indicator_strings: dict[int, list[tuple[str, str]]]
    byte_array_type: int
    tls_fields: dict[int, str]
    """Static fields holding a verifier that accepts every host: {field id: detail}."""


def scan_dex(dex: DexFile) -> DexScan:
    """Crypto uses, storage writes, anti-analysis indicators and switched-off TLS
    validation in one pass over the code."""
    scan = DexScan()
    byte_array = _type_index(dex, "[B")
    calls, candidates = _interesting_methods(dex)
    context = _Context(
        dex,
        calls,
        _indicator_strings(dex.strings),
        -1 if byte_array is None else byte_array,
        _tls_fields(dex),
    )
    callbacks = _tls_callbacks(dex, candidates, scan)
    spans: list[CodeSpan] = []
    for span in dex.code_spans():
        if isinstance(span, CodeSpan):
            spans.append(span)
        else:
            _skip(scan, f"{span.where}: {span.reason}")
    if not spans:
        return scan
    # Code items sit together in a normal dex: searching only from the first to the last
    # keeps the search off the string data (which is mostly letters, like invoke opcodes).
    start = min(s.insns_off for s in spans)
    end = max(s.insns_off + 2 * s.insns_units for s in spans)
    # Only calls that are reported make a method worth walking: String.getBytes and
    # Base64.decode are everywhere, and matter only beside a key spec in the same method.
    triggers = {
        index
        for index, (call, _) in context.calls.items()
        if call not in _HELPERS and call not in _CALLBACK_ONLY
    }
    hits = _candidate_units(
        dex.data, start, end, triggers, set(context.indicator_strings), set(context.tls_fields)
    )
    walked: dict[int, _Facts] = {}
    # Code items never overlap in a well-formed file (a shared one is walked once); cap
    # the units read so a file of overlapping code items cannot make the walk quadratic.
    budget = len(dex.data)
    for span in spans:
        callback = callbacks.get(span.method_idx)
        first = bisect.bisect_left(hits, span.insns_off)
        hit = first < len(hits) and hits[first] < span.insns_off + 2 * span.insns_units
        if not hit and callback is None:
            continue
        facts = walked.get(span.insns_off) if hit else None
        where = f"method {span.method_idx}"
        try:
            where = _where(dex.method_ref(span.method_idx))
            if (hit and facts is None) or callback is not None:
                budget -= span.insns_units
                if budget < 0:
                    raise _Malformed("overlaps other code (read cap reached)")
            if hit and facts is None:
                facts = _walk(context, span)
                walked[span.insns_off] = facts
            detail = (
                _CALLBACK_DETAILS[callback]
                if callback is not None
                and _accepts_all(callback, _code_units(dex.data, span), context.calls)
                else None
            )
        except (_Malformed, DexError) as exc:
            _skip(scan, f"{where}: {exc}")
            continue
        scan.methods_walked += 1
        location = Location(dex.name, where)
        if facts is not None:
            _report(scan, facts, location)
        if detail is not None:
            scan.indicators.append(Indicator(TLS_KIND, detail, location))
    return scan


MAX_MISSES_PER_STRING = 64
"""Candidates for one string that the walk turns down (its bytes were another
instruction's operands or payload data) before that string is looked for no further."""


def string_users(
    dex: DexFile, indices: Collection[int], *, per_string: int = 5
) -> dict[int, list[str]]:
    """For each string index, the descriptors (MethodRef.descriptor()) of up to
    `per_string` methods whose code loads it with const-string or const-string/jumbo,
    in code order.

    Every index in range gets an entry, empty when no readable code loads it; indices
    out of range are ignored. Each part of a descriptor is clipped like a scan location,
    so a hostile name cannot make one megabytes long. Only the methods holding a code
    unit that encodes such a load are walked, found by one byte search over the code;
    a walk confirms the load, and a malformed method counts as loading nothing.
    """
    users: dict[int, list[str]] = {
        index: [] for index in sorted(set(indices)) if 0 <= index < len(dex.strings)
    }
    if not users or per_string <= 0:
        return users
    # Methods by where their instructions start: several may share one code item.
    by_start: dict[int, list[CodeSpan]] = {}
    for span in dex.code_spans():
        if isinstance(span, CodeSpan):
            by_start.setdefault(span.insns_off, []).append(span)
    if not by_start:
        return users
    starts = sorted(by_start)
    end = max(group[0].insns_off + 2 * group[0].insns_units for group in by_start.values())
    # Even file offsets are even offsets from each insns start, code items being 4-aligned;
    # a hit that is still no instruction (operands, payload data) the walk turns down.
    hits = _candidate_units(dex.data, starts[0], end, set(), set(users), set())
    misses = dict.fromkeys(users, 0)
    # As in scan_dex: code items never overlap in a well-formed file, so this many units
    # is more than all of its code; overlapping ones cannot make the walks quadratic.
    budget = len(dex.data)
    walked = -1
    for at in hits:
        # Hits come in file order, so the code item holding one is the same as or after
        # the last one walked: each is walked at most once.
        position = bisect.bisect_right(starts, at) - 1
        if position == walked:
            continue
        wanted = _string_at(dex.data, at)
        if len(users[wanted]) >= per_string or misses[wanted] >= MAX_MISSES_PER_STRING:
            continue
        group = by_start[starts[position]]
        span = group[0]
        if at >= span.insns_off + 2 * span.insns_units:
            continue  # between code items (padding, a try table)
        budget -= span.insns_units
        if budget < 0:
            break
        walked = position
        try:
            loaded = _loaded_strings(_code_units(dex.data, span), users)
        except _Malformed:
            loaded = []
        if wanted not in loaded:
            misses[wanted] += 1
        if not loaded:
            continue
        descriptors = []
        for member in group:
            try:
                descriptors.append(_where(dex.method_ref(member.method_idx)))
            except DexError:
                continue
        for index in loaded:
            found = users[index]
            found += descriptors[: per_string - len(found)]
    return users


def _string_at(data: bytes, at: int) -> int:
    """The string index of the const-string or const-string/jumbo encoded at `at`."""
    if data[at] == _CONST_STRING_JUMBO:
        return int.from_bytes(data[at + 2 : at + 6], "little")
    return data[at + 2] | data[at + 3] << 8


def _loaded_strings(units: tuple[int, ...], wanted: Collection[int]) -> list[int]:
    """Indices in `wanted` that these instructions load, once each, in code order."""
    loaded: dict[int, None] = {}
    for pc, unit in _instructions(units):
        op = unit & 0xFF
        if op == _CONST_STRING:
            index = units[pc + 1]
        elif op == _CONST_STRING_JUMBO:
            index = units[pc + 1] | units[pc + 2] << 16
        else:
            continue
        if index in wanted:
            loaded[index] = None
    return list(loaded)


def _clip(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _simple_name(descriptor: str) -> str:
    """`SecretKeyFactory` for `Ljavax/crypto/SecretKeyFactory;`, clipped."""
    return _clip(descriptor.removeprefix("L").removesuffix(";").rsplit("/", 1)[-1])


def _where(ref: MethodRef) -> str:
    """The method's descriptor, each part clipped (without building a huge one first)."""
    return f"{_clip(ref.class_name)}->{_clip(ref.name)}{_clip(ref.proto)}"


def _skip(scan: DexScan, reason: str) -> None:
    scan.skipped_methods += 1
    if len(scan.skip_reasons) < MAX_SKIP_REASONS:
        scan.skip_reasons.append(reason)


def _sorted_index(values: list[str] | array[int], wanted: str | int) -> int | None:
    """Position of `wanted` in a table the dex format keeps sorted (string ids by text,
    type ids by string id; the platform rejects a dex where they are not)."""
    position = bisect.bisect_left(values, wanted)
    return position if position < len(values) and values[position] == wanted else None


def _type_index(dex: DexFile, descriptor: str) -> int | None:
    string = _sorted_index(dex.strings, descriptor)
    return None if string is None else _sorted_index(dex.type_ids, string)


def _interesting_methods(
    dex: DexFile,
) -> tuple[dict[int, tuple[_Call, MethodRef]], dict[int, tuple[_Callback, MethodRef]]]:
    """Method ids that are one of the calls looked for, and those named and typed like a
    TLS callback (whichever class they are in), from one pass over the method table."""
    classes = {t for d in _CALLS_BY_CLASS if (t := _type_index(dex, d)) is not None}
    names = {
        n
        for name in (*_CALLS_BY_NAME, *_CALLBACK_NAMES)
        if (n := _sorted_index(dex.strings, name)) is not None
    }
    calls: dict[int, tuple[_Call, MethodRef]] = {}
    callbacks: dict[int, tuple[_Callback, MethodRef]] = {}
    for index in dex.find_methods(classes, names):
        try:
            ref = dex.method_ref(index)
        except DexError:
            continue
        call = _CALLS_BY_CLASS.get(ref.class_name, {}).get(ref.name)
        if call is None and ref.name in _CALLS_BY_NAME:
            prefix, by_name = _CALLS_BY_NAME[ref.name]
            call = by_name if ref.proto.startswith(prefix) else None
        if call is not None:
            calls[index] = call, ref
        elif (callback := _CALLBACKS.get((ref.name, ref.proto))) is not None:
            callbacks[index] = callback, ref
    return calls, callbacks


def _tls_callbacks(
    dex: DexFile, candidates: dict[int, tuple[_Callback, MethodRef]], scan: DexScan
) -> dict[int, _Callback]:
    """The candidates whose class, defined in this dex, directly implements or extends
    what makes them a TLS callback. A class whose interface list cannot be read is
    counted as skipped."""
    owners = {
        callback: {t for d in descriptors if (t := _type_index(dex, d)) is not None}
        for callback, descriptors in _CALLBACK_OWNERS.items()
    }
    found: dict[int, _Callback] = {}
    for index, (callback, ref) in candidates.items():
        wanted = owners[callback]
        # No parent in the type table means no class here can name it.
        class_idx = _type_index(dex, ref.class_name) if wanted else None
        if class_idx is None:
            continue
        try:
            parents = dex.supertypes(class_idx)
        except DexError as exc:
            _skip(scan, f"{_clip(ref.class_name)}: {exc}")
            continue
        if parents is not None and not wanted.isdisjoint((parents.superclass, *parents.interfaces)):
            found[index] = callback
    return found


def _tls_fields(dex: DexFile) -> dict[int, str]:
    """Static fields that hold a verifier accepting every host: {field id: detail}."""
    found: dict[int, str] = {}
    name = _sorted_index(dex.strings, _ALLOW_ALL_FIELD)
    for index in [] if name is None else dex.fields_named(name):
        try:
            owner = dex.field_ref(index).class_name
        except DexError:
            continue
        found[index] = f"{_simple_name(owner)}.{_ALLOW_ALL_FIELD} accepts every host"
    # HttpClient 4.4+ hands out its allow-all verifiers as `INSTANCE` too. Kotlin names
    # every object's field so: look only when one of those classes is referenced at all.
    verifiers = {t for d in _ALLOW_ALL_VERIFIERS if (t := _type_index(dex, d)) is not None}
    name = _sorted_index(dex.strings, "INSTANCE") if verifiers else None
    for index in [] if name is None else dex.fields_named(name):
        try:
            owner = dex.field_ref(index).class_name
        except DexError:
            continue
        if owner in _ALLOW_ALL_VERIFIERS:
            found[index] = f"{_simple_name(owner)} accepts every host"
    return found


def _accepts_all(
    callback: _Callback, units: tuple[int, ...], calls: dict[int, tuple[_Call, MethodRef]]
) -> bool:
    """Whether a TLS callback's code lets every connection through.

    checkServerTrusted must return without doing anything that could reject (no call,
    no throw); verify must return a constant true; onReceivedSslError must call
    SslErrorHandler.proceed() at all, even on one branch. _Malformed for code that
    cannot be decoded.
    """
    if callback is _Callback.SSL_ERROR:
        for pc, unit in _instructions(units):
            if unit & 0xFF in _INVOKE or unit & 0xFF in _INVOKE_RANGE:
                entry = calls.get(units[pc + 1])
                if entry is not None and entry[0] is _Call.SSL_PROCEED:
                    return True
        return False
    returned = _constant_return(units, calls)
    if callback is _Callback.TRUST_CHECK:
        return returned == (_RETURN_VOID, None)
    return returned is not None and returned[0] == _RETURN and returned[1] not in (None, 0)


def _constant_return(
    units: tuple[int, ...], calls: dict[int, tuple[_Call, MethodRef]]
) -> tuple[int, int | None] | None:
    """How straight-line code returns when all it does first is load constants, move them
    and check parameters for null: (the return opcode, the constant returned or None).

    None when it does anything else before returning (a call, a branch, a throw, a field
    read), since any of those may be what turns a connection down.
    """
    regs: dict[int, int] = {}
    for pc, unit in _instructions(units):
        op = unit & 0xFF
        a = unit >> 8
        if op == _RETURN_VOID:
            return op, None
        if op == _RETURN:
            return op, regs.get(a)
        if op in _CONST:
            regs[a & 0xF if op == 0x12 else a] = _constant(op, unit, units, pc)
        elif op in _MOVE:
            target, source = _move_operands(op, unit, units, pc)
            value = regs.get(source)
            _drop(regs, target, False)
            if value is not None:
                regs[target] = value
        elif op in _MOVE_WIDE or op in _CONST_WIDE:
            _drop(regs, units[pc + 1] if op == 0x06 else a & 0xF if op == 0x04 else a, True)
        elif op in (_CONST_STRING, _CONST_STRING_JUMBO):
            _drop(regs, a, False)
        elif op in _INVOKE_STATIC:
            entry = calls.get(units[pc + 1])
            if entry is None or entry[0] is not _Call.NULL_CHECK:
                return None
        elif unit != 0:  # anything else but a nop (whose unit is all zero) may reject
            return None
    return None


def _indicator_strings(strings: list[str]) -> dict[int, list[tuple[str, str]]]:
    """String ids whose text is a sign of anti-analysis checks: {id: [(kind, detail)]}.

    All strings are joined into one lower-case ASCII buffer (one byte per character, so
    offsets map back to string ids), searched for each needle, and only the strings
    found are matched against the exact patterns. A needle found across two strings only
    makes the first a candidate that the exact match then turns down.
    """
    joined = "".join(strings).encode("ascii", "replace").lower()
    starts = list(accumulate(map(len, strings), initial=0))
    candidates: set[int] = set()
    for needle in _INDICATOR_NEEDLES:
        at = joined.find(needle)
        while at >= 0:
            index = bisect.bisect_right(starts, at) - 1
            candidates.add(index)
            at = joined.find(needle, starts[index + 1])
    found: dict[int, list[tuple[str, str]]] = {}
    for index in sorted(candidates):
        text = strings[index]
        if len(text) > MAX_TEXT:
            continue
        for match in _INDICATOR_LITERALS.finditer(text):
            entry = ((match.lastgroup or "").replace("_", "-"), f'literal "{text}"')
            if entry not in found.setdefault(index, []):
                found[index].append(entry)
        if not found.get(index):
            found.pop(index, None)
    return found


def _id_classes(ids: list[bytes]) -> bytes:
    """One regex byte class per byte position of the ids: matches every id (and some others)."""
    return b"".join(
        b"[" + b"".join(b"\\x%02x" % v for v in sorted({i[k] for i in ids})) + b"]"
        for k in range(len(ids[0]))
    )


def _candidate_units(
    data: bytes, start: int, end: int, methods: set[int], strings: set[int], fields: set[int]
) -> list[int]:
    """Even file offsets in [start, end) of code units that may reference a wanted id:
    invoke a method, load a string or (sget-object) read a static field.

    Found by one regex search over the range (its byte classes are a superset of the
    ids), then checked exactly; instructions start at even offsets since code items are
    4-aligned. Matches may overlap, so each search restarts one byte after the last.
    """
    parts: list[bytes] = []
    calls = [m.to_bytes(2, "little") for m in methods if m < 0x10000]
    if calls:
        # invoke-kind and invoke-kind/range: opcode, register byte, 16-bit method id.
        parts.append(rb"[\x6e-\x72\x74-\x78][\x00-\xff]" + _id_classes(calls))
    literals = [s.to_bytes(2, "little") for s in strings if s < 0x10000]
    if literals:
        # const-string: opcode, register byte, 16-bit string id.
        parts.append(rb"\x1a[\x00-\xff]" + _id_classes(literals))
    if strings:
        # const-string/jumbo: opcode, register byte, 32-bit string id (allowed for any id).
        parts.append(rb"\x1b[\x00-\xff]" + _id_classes([s.to_bytes(4, "little") for s in strings]))
    reads = [f.to_bytes(2, "little") for f in fields if f < 0x10000]
    if reads:
        # sget-object: opcode, register byte, 16-bit field id.
        parts.append(rb"\x62[\x00-\xff]" + _id_classes(reads))
    if not parts:
        return []
    pattern = re.compile(b"|".join(parts), re.DOTALL)
    hits: list[int] = []
    pos = start
    while match := pattern.search(data, pos, end):
        at = match.start()
        pos = at + 1
        if at & 1:
            continue
        op = data[at]
        if op == _CONST_STRING_JUMBO:
            wanted = int.from_bytes(data[at + 2 : at + 6], "little") in strings
        else:
            index = data[at + 2] | data[at + 3] << 8
            wanted = index in (
                strings if op == _CONST_STRING else fields if op == _SGET_OBJECT else methods
            )
        if wanted:
            hits.append(at)
    return hits


def _s32(value: int) -> int:
    return value - (1 << 32) if value & 0x80000000 else value


def _payload_size(units: tuple[int, ...], pc: int) -> int:
    """Size of the nop or payload pseudo-instruction at `pc`, from its own header."""
    unit = units[pc]
    if unit == 0:
        return 1
    if unit == _PACKED_SWITCH:
        return 4 + 2 * units[pc + 1]
    if unit == _SPARSE_SWITCH:
        return 2 + 4 * units[pc + 1]
    if unit == _ARRAY_DATA:
        width, count = units[pc + 1], units[pc + 2] | units[pc + 3] << 16
        return 4 + (width * count + 1) // 2
    raise _Malformed(f"unknown pseudo-instruction 0x{unit:04x} at unit {pc}")


def _drop(regs: dict[int, _V], reg: int, wide: bool) -> None:
    regs.pop(reg, None)
    if wide:
        regs.pop(reg + 1, None)


def _code_units(data: bytes, span: CodeSpan) -> tuple[int, ...]:
    return struct.unpack_from(f"<{span.insns_units}H", data, span.insns_off)


def _instructions(units: tuple[int, ...]) -> Iterator[tuple[int, int]]:
    """(unit index, first code unit) of each instruction, payloads included, in order.

    Every instruction yielded lies wholly within `units`, so its operands can be read
    without a bounds check; _Malformed, once reached, for code that cannot be decoded.
    """
    count = len(units)
    pc = 0
    try:
        while pc < count:
            unit = units[pc]
            op = unit & 0xFF
            size = _payload_size(units, pc) if op == 0 else _SIZE[op]
            if size == 0:
                raise _Malformed(f"unused opcode 0x{op:02x} at unit {pc}")
            if pc + size > count:
                raise _Malformed(f"instruction at unit {pc} runs past the end of the code")
            yield pc, unit
            pc += size
    except IndexError:  # a payload header cut off by the end of the code
        raise _Malformed(f"instruction at unit {pc} runs past the end of the code") from None


def _walk(context: _Context, span: CodeSpan) -> _Facts:
    """One method's instructions, in order; _Malformed if they cannot be decoded."""
    dex = context.dex
    units = _code_units(dex.data, span)
    regs: dict[int, _Fact] = {}
    result: _Fact | None = None
    """What the last call returned, for a following move-result."""
    facts = _Facts()
    for pc, unit in _instructions(units):
        op = unit & 0xFF
        a = unit >> 8
        if op in (_CONST_STRING, _CONST_STRING_JUMBO):
            index = units[pc + 1] | (units[pc + 2] << 16 if op == _CONST_STRING_JUMBO else 0)
            regs[a] = dex.string(index)
            facts.indicators += context.indicator_strings.get(index, ())
        elif op in _INVOKE or op in _INVOKE_RANGE:
            if op in _INVOKE:
                packed = units[pc + 2]
                args = [
                    packed & 0xF,
                    packed >> 4 & 0xF,
                    packed >> 8 & 0xF,
                    packed >> 12,
                    a & 0xF,
                ]
                if a >> 4 > 5:
                    raise _Malformed(f"invoke with {a >> 4} arguments at unit {pc}")
                args = args[: a >> 4]
            else:
                args = list(range(units[pc + 2], units[pc + 2] + a))
            values = [regs.get(r) for r in args]
            result = _invoke(context, units[pc + 1], op in _INVOKE_STATIC, values, facts)
        elif op in _MOVE_RESULT:
            _drop(regs, a, op == 0x0B)
            if op == 0x0C and result is not None:
                regs[a] = result
            result = None
        elif op in _MOVE:
            target, source = _move_operands(op, unit, units, pc)
            value = regs.get(source)
            _drop(regs, target, False)
            if value is not None:
                regs[target] = value
        elif op in _CONST:
            regs[a & 0xF if op == 0x12 else a] = _constant(op, unit, units, pc)
        elif op == _NEW_ARRAY:
            length = regs.get(unit >> 12)
            _drop(regs, a & 0xF, False)
            if units[pc + 1] == context.byte_array_type:
                # Unknown length or not: a fresh array is all zero until written.
                zeros = (
                    bytearray(length)
                    if isinstance(length, int) and 0 <= length <= MAX_ARRAY
                    else None
                )
                regs[a & 0xF] = _Bytes(zeros, "zero")
        elif op == _FILL_ARRAY_DATA:
            _fill_array(dex.data, span.insns_off, units, pc, regs.get(a), regs, a)
        elif op == _APUT_BYTE:
            _put_byte(regs, regs.get(units[pc + 1] & 0xFF), a, units[pc + 1] >> 8)
        elif op in _RESULT_ELSEWHERE:
            result = None
        elif op == _SGET_OBJECT:
            detail = context.tls_fields.get(units[pc + 1])
            if detail is not None:
                facts.indicators.append((TLS_KIND, detail))
            _drop(regs, a, False)
        elif op in _DEST_A:
            _drop(regs, a & 0xF, op in _WIDE)
        elif op in _DEST_AA:
            _drop(regs, a, op in _WIDE)
        elif op in _DEST_AAAA:
            _drop(regs, units[pc + 1], op in _WIDE)
    return facts


def _move_operands(op: int, unit: int, units: tuple[int, ...], pc: int) -> tuple[int, int]:
    """(target, source) registers of a single-register move."""
    if op in (0x01, 0x07):  # move vA, vB: 4-bit registers
        return unit >> 8 & 0xF, unit >> 12
    if op in (0x02, 0x08):  # move/from16 vAA, vBBBB
        return unit >> 8, units[pc + 1]
    return units[pc + 1], units[pc + 2]  # move/16 vAAAA, vBBBB


def _constant(op: int, unit: int, units: tuple[int, ...], pc: int) -> int:
    if op == 0x12:  # const/4: signed 4-bit literal in the top nibble
        return ((unit >> 12) ^ 8) - 8
    if op == 0x13:  # const/16
        return ((units[pc + 1]) ^ 0x8000) - 0x8000
    if op == 0x14:  # const
        return _s32(units[pc + 1] | units[pc + 2] << 16)
    return _s32(units[pc + 1] << 16)  # const/high16


def _fill_array(
    data: bytes,
    insns_off: int,
    units: tuple[int, ...],
    pc: int,
    array: _Fact | None,
    regs: dict[int, _Fact],
    reg: int,
) -> None:
    """fill-array-data: the payload it points at, checked, becomes the array's contents."""
    target = pc + _s32(units[pc + 1] | units[pc + 2] << 16)
    if target < 0 or target + 4 > len(units) or units[target] != _ARRAY_DATA:
        raise _Malformed(f"fill-array-data at unit {pc} points at no array payload")
    width, length = units[target + 1], units[target + 2] | units[target + 3] << 16
    if target + 4 + (width * length + 1) // 2 > len(units):
        raise _Malformed(f"array payload at unit {target} runs past the end of the code")
    if width != 1 or length > MAX_ARRAY:
        if isinstance(array, _Bytes):
            array.content, array.state = None, "unknown"
        return
    start = insns_off + 2 * (target + 4)
    content = bytearray(data[start : start + length])
    if isinstance(array, _Bytes):
        array.content, array.state = content, "literal"
    else:
        regs[reg] = _Bytes(content, "literal")


def _put_byte(regs: dict[int, _Fact], array: _Fact | None, value_reg: int, index_reg: int) -> None:
    """aput-byte: a constant byte at a constant index keeps the array known."""
    if not isinstance(array, _Bytes):
        return
    value, index = regs.get(value_reg), regs.get(index_reg)
    content = array.content
    if (
        content is not None
        and array.state in ("zero", "literal")
        and isinstance(value, int)
        and isinstance(index, int)
        and 0 <= index < len(content)
    ):
        content[index] = value & 0xFF
        array.state = "literal"
    else:
        array.content, array.state = None, "unknown"


def _invoke(
    context: _Context, method_idx: int, static: bool, values: list[_Fact | None], facts: _Facts
) -> _Fact | None:
    """Record what a call tells, and return what it gives back when that is known."""
    entry = context.calls.get(method_idx)
    if entry is None:
        # An unknown callee may fill an array it is handed (arraycopy, read, a wrapper
        # around SecureRandom): a fresh zero array stops being known to be zero.
        for value in values:
            if isinstance(value, _Bytes) and value.state == "zero":
                value.content, value.state = None, "unknown"
        return None
    call, ref = entry
    receiver = None if static else (values[0] if values else None)
    params = values if static else values[1:]

    def param(index: int) -> _Fact | None:
        return params[index] if index < len(params) else None

    sliced = ref.proto.startswith(("([BII", "(I[BII"))
    if call is _Call.CIPHER:
        transformation = param(0)
        if isinstance(transformation, str):
            facts.ciphers.append(transformation)
    elif call is _Call.SECRET_KEY_SPEC:
        algorithm = param(3 if sliced else 1)
        named = _clip(algorithm) if isinstance(algorithm, str) else None
        state, data = _array(param(0), param(1), param(2)) if sliced else _array(param(0))
        written = f'new SecretKeySpec(key, "{named}")' if named else "new SecretKeySpec(key, …)"
        facts.keys.append(_Key(_KEY_SOURCE.get(state, "unknown"), data, named, written))
    elif call is _Call.DES_KEY_SPEC or call is _Call.DESEDE_KEY_SPEC:
        named, length = ("DES", 8) if call is _Call.DES_KEY_SPEC else ("DESede", 24)
        offset = param(1) if ref.proto.startswith("([BI)") else 0
        state, data = _array(param(0), offset, length)
        written = f"new {named}KeySpec(key)"
        facts.keys.append(_Key(_KEY_SOURCE.get(state, "unknown"), data, named, written))
    elif call is _Call.IV_SPEC or call is _Call.GCM_SPEC:
        first = 0 if call is _Call.IV_SPEC else 1
        state, _ = _array(param(first), *((param(first + 1), param(first + 2)) if sliced else ()))
        facts.ivs.append(_IV_SOURCE.get(state, "unknown"))
    elif call is _Call.KEY_FACTORY:
        algorithm = param(0)
        if isinstance(algorithm, str):
            written = f'{_simple_name(ref.class_name)}.getInstance("{_clip(algorithm)}")'
            facts.factories.append((algorithm, written))
    elif call is _Call.GET_BYTES:
        return _encode(receiver, param(0))
    elif call is _Call.BASE64_ANDROID:
        flags = param(1)
        url_safe = isinstance(flags, int) and bool(flags & 8)  # Base64.URL_SAFE
        return _base64(param(0), url_safe)
    elif call is _Call.BASE64_JAVA:
        return _base64(param(0), url_safe=None)
    elif call is _Call.DIGEST:
        return _Bytes(None, "derived")
    elif call is _Call.RANDOM_BYTES:
        target = param(0)
        if isinstance(target, _Bytes):
            target.content, target.state = None, "random"
    elif call in _STORES:
        name = param(1 if call is _Call.SQLITE_HELPER else 0)
        if isinstance(name, str):
            facts.storage.append((_STORES[call], _clip(name)))
    elif call is _Call.DEBUGGER:
        facts.indicators.append(("anti-debugging", f"calls Debug.{ref.name}()"))
    elif call is _Call.SOCKET and any(v in (FRIDA_PORT, str(FRIDA_PORT)) for v in params):
        facts.indicators.append(
            ("frida-detection", f"connects to port {FRIDA_PORT} (frida-server's default)")
        )
    elif call is _Call.ALLOW_ALL_VERIFIER:
        facts.indicators.append((TLS_KIND, f"{_simple_name(ref.class_name)} accepts every host"))
    return None


def _array(
    value: _Fact | None, offset: _Fact | None = 0, length: _Fact | None = None
) -> tuple[str, bytes | None]:
    """State and contents of `value[offset:offset + length]` if it is a tracked byte array."""
    if not isinstance(value, _Bytes):
        return "unknown", None
    state, data = value.snapshot()
    if data is None:
        return state, None
    if not isinstance(offset, int) or offset < 0 or not (length is None or isinstance(length, int)):
        # Part of a known array, but which part is not: still a literal, bytes unknown.
        return state, None
    data = data[offset:] if length is None else data[offset : offset + length]
    return ("zero" if not any(data) else "literal"), data


def _encode(text: _Fact | None, charset: _Fact | None) -> _Fact | None:
    """`"literal".getBytes(charset)`; the platform default charset on Android is UTF-8."""
    if not isinstance(text, str):
        return None
    try:
        data = text.encode(charset if isinstance(charset, str) else "utf-8")
    except (LookupError, UnicodeEncodeError):
        data = text.encode("utf-8", "replace")
    return _Bytes(bytearray(data), "literal")


def _base64(value: _Fact | None, url_safe: bool | None) -> _Fact | None:
    """Decode a literal; None for `url_safe` means either alphabet (java.util decoders)."""
    if isinstance(value, _Bytes):
        if value.content is None:
            return None
        text = bytes(value.content)
    elif isinstance(value, str):
        text = value.encode("ascii", "ignore")
    else:
        return None
    text = b"".join(text.split())
    if url_safe or (url_safe is None and (b"-" in text or b"_" in text)):
        text = text.replace(b"-", b"+").replace(b"_", b"/")
    try:
        return _Bytes(bytearray(base64.b64decode(text + b"=" * (-len(text) % 4))), "literal")
    except binascii.Error:
        return None


def _report(scan: DexScan, facts: _Facts, location: Location) -> None:
    """Turn one method's facts into records: one CryptoUse per Cipher.getInstance call."""
    key = next((k for k in facts.keys if k.source == "literal"), None) or next(
        iter(facts.keys), None
    )
    iv = min(facts.ivs, key=_IV_ORDER.index) if facts.ivs else None
    for transformation in facts.ciphers:
        parts = [p.strip() for p in transformation.split("/")]
        # No mode written means the provider's default, ECB for the JCE block ciphers
        # ("AES" is "AES/ECB/PKCS5Padding"). The mode stays None so the record shows what
        # the code said; the findings infer ECB from a transformation without "/".
        mode = parts[1].upper() if len(parts) > 1 and parts[1] else None
        scan.crypto.append(
            _crypto_use(
                algorithm_name(transformation),
                mode,
                _clip(transformation),
                key,
                iv or ("none" if mode in (None, "ECB") else "unknown"),
                location,
            )
        )
    if not facts.ciphers:
        # No cipher here to join with: a literal key is still worth reporting where it is
        # made, and DES key factories name a weak cipher on their own.
        for literal in (k for k in facts.keys if k.source == "literal"):
            name = algorithm_name(literal.algorithm) if literal.algorithm else "unknown"
            scan.crypto.append(
                _crypto_use(name, None, literal.written, literal, iv or "unknown", location)
            )
        for written_algorithm, written in facts.factories:
            name = algorithm_name(written_algorithm)
            if name in ("DES", "3DES"):
                scan.crypto.append(_crypto_use(name, None, written, None, "unknown", location))
    for store, name in dict.fromkeys(facts.storage):
        sensitive = SENSITIVE_KEY.search(name) is not None
        scan.storage.append(StorageWrite(store, name, sensitive, location))
    for kind, detail in dict.fromkeys(facts.indicators):
        scan.indicators.append(Indicator(kind, detail, location))


def _crypto_use(
    algorithm: str,
    mode: str | None,
    transformation: str,
    key: _Key | None,
    iv: _IvSource,
    location: Location,
) -> CryptoUse:
    data = key.data if key is not None and key.source == "literal" else None
    return CryptoUse(
        algorithm,
        mode,
        transformation,
        key.source if key is not None else "unknown",
        key_preview=None if data is None else mask_key(data),
        key_sha256=None if data is None else hashlib.sha256(data).hexdigest(),
        iv_source=iv,
        location=location,
    )
