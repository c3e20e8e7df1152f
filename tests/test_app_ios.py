"""iOS app audit on real IPAs: binaries built by clang and ld64.lld, Info.plist by plistlib.

The reference case is NowSecure's report on DeepSeek for iOS: App Transport Security
off for the whole app, 3DES with a key written in the binary, and credentials kept
in NSUserDefaults. The built app does the same, so the analysis must find each.
"""

from __future__ import annotations

import hashlib
import plistlib
import random
import re
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

from aivet.analyze.app import arm64
from aivet.analyze.app.archive import AppArchive
from aivet.analyze.app.ios import IosScan, IpaError, config_strings, read_ios
from aivet.analyze.app.macho import MachOScan, analyze_macho, chained_pointer, mask
from aivet.app_record import AppLimits, CryptoUse, Location
from tests.support.ipa_builder import build_macho, fat_binary, set_cryptid, write_ipa

TRIPLE_DES_KEY = "0123456789abcdefghijklmn"
AES_KEY = "K3yF0rAES-128bit"
ENDPOINT = "http://api.chat-demo.test/v1/login"

CRYPTO_C = f"""
static const char kTripleDesKey[] = "{TRIPLE_DES_KEY}";
static const char kAesKey[] = "{AES_KEY}";
static const unsigned char kIv[16] = {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}};

const char *login_endpoint(void) {{ return "{ENDPOINT}"; }}

int encrypt_credentials(const void *in, size_t n, void *out, size_t cap, size_t *moved) {{
  return CCCrypt(kCCEncrypt, kCCAlgorithm3DES, kCCOptionECBMode | kCCOptionPKCS7Padding,
                 kTripleDesKey, 24, 0, in, n, out, cap, moved);
}}
int encrypt_with_key(const void *key, const void *in, size_t n, void *out, size_t cap,
                     size_t *moved) {{
  return CCCrypt(kCCEncrypt, kCCAlgorithmAES, kCCOptionPKCS7Padding, key, 16, 0, in, n, out,
                 cap, moved);
}}
int seal(const void *in, size_t n, void *out, size_t cap, size_t *moved) {{
  return CCCrypt(kCCEncrypt, kCCAlgorithmAES, kCCOptionPKCS7Padding, kAesKey, 16, kIv, in, n,
                 out, cap, moved);
}}
int unseal(const void *in, size_t n, void *out, size_t cap, size_t *moved) {{
  return CCCrypt(kCCDecrypt, kCCAlgorithmAES, kCCOptionPKCS7Padding, kAesKey, 16, kIv, in, n,
                 out, cap, moved);
}}
int make_cryptor(CCCryptorRef *ref) {{
  return CCCryptorCreateWithMode(kCCEncrypt, kCCModeCBC, kCCAlgorithmAES, ccPKCS7Padding, kIv,
                                 kAesKey, 16, 0, 0, 0, 0, ref);
}}
"""

STORAGE_M = """
@interface AVSession : NSObject
- (void)rememberPassword:(NSString *)password;
- (void)rememberTheme:(NSString *)theme;
- (void)cacheToken:(NSString *)token in:(NSMutableDictionary *)cache;
@end
@implementation AVSession
- (void)rememberPassword:(NSString *)password {
  [[NSUserDefaults standardUserDefaults] setObject:password forKey:@"password"];
}
- (void)rememberTheme:(NSString *)theme {
  [[NSUserDefaults standardUserDefaults] setObject:theme forKey:@"theme"];
}
- (void)cacheToken:(NSString *)token in:(NSMutableDictionary *)cache {
  [cache setObject:token forKey:@"session_token"];
}
@end
"""

ANTI_DEBUG_C = """
struct extern_proc { char pad[32]; int p_flag; char rest[300]; };
struct kinfo_proc { struct extern_proc kp_proc; char eproc[400]; };
void deny_ptrace(void) { ptrace(31, 0, 0, 0); }
void deny_svc(void) {
  __asm__ volatile("mov x0, #31\\n mov x1, #0\\n mov x2, #0\\n mov x3, #0\\n mov x16, #26\\n"
                   "svc #0x80" ::: "x0", "x1", "x2", "x3", "x16");
}
int being_traced(void) {
  int mib[4] = {1, 14, 1, getpid()};
  struct kinfo_proc info;
  size_t size = sizeof(info);
  info.kp_proc.p_flag = 0;
  sysctl(mib, 4, &info, &size, 0, 0);
  return (info.kp_proc.p_flag & 0x800) != 0;
}
int jailbroken(void) { return access("/Applications/Cydia.app", 0) == 0; }
int keep_secret(const void *query) { return SecItemAdd(query, 0); }
int main(void) { return 0; }
"""

# Selector stubs as Xcode 14+ links them (`bl _objc_msgSend$sel`), written by hand
# because ld64.lld 14 does not make them.
OBJC_STUBS_S = """
	.section __TEXT,__text,regular,pure_instructions
	.globl _store_token
	.p2align 2
_store_token:
	stp x29, x30, [sp, #-16]!
	mov x19, x0
	adrp x0, classref_nsud@PAGE
	ldr x0, [x0, classref_nsud@PAGEOFF]
	bl "_objc_msgSend$standardUserDefaults"
	adrp x3, l_cfstr_token@PAGE
	add x3, x3, l_cfstr_token@PAGEOFF
	mov x2, x19
	bl "_objc_msgSend$setObject:forKey:"
	ldp x29, x30, [sp], #16
	ret
	.globl _main
_main:
	ret

	.section __TEXT,__objc_stubs,regular,pure_instructions
	.p2align 5
"_objc_msgSend$standardUserDefaults":
	adrp x1, selref_standard@PAGE
	ldr x1, [x1, selref_standard@PAGEOFF]
	adrp x16, _objc_msgSend@GOTPAGE
	ldr x16, [x16, _objc_msgSend@GOTPAGEOFF]
	br x16
	brk #1
	brk #1
	brk #1
"_objc_msgSend$setObject:forKey:":
	adrp x1, selref_set@PAGE
	ldr x1, [x1, selref_set@PAGEOFF]
	adrp x16, _objc_msgSend@GOTPAGE
	ldr x16, [x16, _objc_msgSend@GOTPAGEOFF]
	br x16
	brk #1
	brk #1
	brk #1

	.section __TEXT,__objc_methname,cstring_literals
l_sel_standard:
	.asciz "standardUserDefaults"
l_sel_set:
	.asciz "setObject:forKey:"
	.section __DATA,__objc_selrefs,literal_pointers,no_dead_strip
	.p2align 3
selref_standard:
	.quad l_sel_standard
selref_set:
	.quad l_sel_set
	.section __DATA,__objc_classrefs,regular,no_dead_strip
	.p2align 3
classref_nsud:
	.quad _OBJC_CLASS_$_NSUserDefaults
	.section __TEXT,__cstring,cstring_literals
l_str_token:
	.asciz "auth_token"
	.section __DATA,__cfstring
	.p2align 3
l_cfstr_token:
	.quad ___CFConstantStringClassReference
	.long 0x7c8
	.space 4
	.quad l_str_token
	.quad 10
"""

APP_SOURCES = {"crypto.c": CRYPTO_C, "storage.m": STORAGE_M, "anti.c": ANTI_DEBUG_C}

INFO: dict[str, Any] = {
    "CFBundleIdentifier": "com.example.chatdemo",
    "CFBundleExecutable": "ChatDemo",
    "CFBundleVersion": "42",
    "CFBundleShortVersionString": "1.4.2",
    "MinimumOSVersion": "14.0",
    "NSAppTransportSecurity": {"NSAllowsArbitraryLoads": True},
    "CFBundleURLTypes": [{"CFBundleURLName": "chat", "CFBundleURLSchemes": ["chatdemo", "fb123"]}],
    "NSCameraUsageDescription": "Scan a document to ask about it",
    "NSMicrophoneUsageDescription": "Talk to the assistant",
}

GOOGLE_SERVICE = plistlib.dumps(
    {"API_KEY": "AIzaSyA-not-a-real-key-0123456789abcdef", "PROJECT_ID": "chat-demo-1"}
)


@pytest.fixture(scope="module")
def app_binary(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return build_macho(APP_SOURCES, tmp_path_factory.mktemp("app"))


@pytest.fixture(scope="module")
def app_scan(app_binary: bytes) -> MachOScan:
    return analyze_macho(app_binary, "Payload/ChatDemo.app/ChatDemo")


@pytest.fixture(scope="module")
def framework_binary(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    source = 'const char *sdk_host(void) { return "https://collect.tracker-demo.test/v2"; }\n'
    return build_macho(
        {"sdk.c": source},
        tmp_path_factory.mktemp("framework"),
        dylib="@rpath/Analytics.framework/Analytics",
    )


def _read(path: Path) -> IosScan:
    with AppArchive.open(path, AppLimits()) as archive:
        return read_ios(archive)


@pytest.fixture(scope="module")
def ipa_scan(
    app_binary: bytes, framework_binary: bytes, tmp_path_factory: pytest.TempPathFactory
) -> IosScan:
    files = {
        "GoogleService-Info.plist": GOOGLE_SERVICE,
        "config.json": b'{"api": {"base": "https://api.chat-demo.test", "retries": 3}}',
        "main.jsbundle": b"var a=1;\nfetch('http://telemetry.chat-demo.test/t')\n",
        "Frameworks/Analytics.framework/Analytics": framework_binary,
        "Frameworks/Analytics.framework/Info.plist": plistlib.dumps(
            {"CFBundleExecutable": "Analytics"}
        ),
        "Frameworks/libswiftDemo.dylib": framework_binary,
        "Assets.car": b"\0" * 64,
    }
    path = tmp_path_factory.mktemp("ipa") / "ChatDemo.ipa"
    write_ipa(path, name="ChatDemo", info=INFO, binary=app_binary, files=files)
    return _read(path)


def _use(scan: MachOScan | IosScan, where: str) -> CryptoUse:
    found = [use for use in scan.crypto if use.location.where.endswith(f" in _{where}")]
    assert len(found) == 1, scan.crypto
    return found[0]


# -- the NowSecure case -------------------------------------------------------------


def test_ats_disabled_and_app_facts(ipa_scan: IosScan) -> None:
    facts = ipa_scan.facts
    assert facts.bundle_id == "com.example.chatdemo"
    assert (facts.version, facts.short_version, facts.minimum_os) == ("42", "1.4.2", "14.0")
    assert facts.executable == "ChatDemo"
    assert facts.ats.present and facts.ats.allows_arbitrary_loads
    assert facts.url_schemes == ["chatdemo", "fb123"]
    assert facts.usage_descriptions == {
        "NSCameraUsageDescription": "Scan a document to ask about it",
        "NSMicrophoneUsageDescription": "Talk to the assistant",
    }
    assert facts.frameworks == ["Analytics.framework", "libswiftDemo.dylib"]
    assert [b.file for b in facts.binaries] == [
        "Payload/ChatDemo.app/ChatDemo",
        "Payload/ChatDemo.app/Frameworks/Analytics.framework/Analytics",
        "Payload/ChatDemo.app/Frameworks/libswiftDemo.dylib",
    ]
    assert ipa_scan.problems == []
    assert plistlib.loads(ipa_scan.plist_xml) == INFO
    assert ipa_scan.plist_xml.startswith(b"<?xml")


def test_hardcoded_3des_key_in_ecb_mode(ipa_scan: IosScan) -> None:
    use = _use(ipa_scan, "encrypt_credentials")
    assert use.algorithm == "3DES"
    assert use.mode == "ECB"
    assert use.transformation == "CCCrypt(kCCAlgorithm3DES, kCCOptionECBMode|kCCOptionPKCS7Padding)"
    assert use.key_source == "literal"
    assert use.key_preview == "01" + "*" * 20 + "mn"
    assert use.key_sha256 == hashlib.sha256(TRIPLE_DES_KEY.encode()).hexdigest()
    assert use.iv_source == "none"
    assert use.location.file == "Payload/ChatDemo.app/ChatDemo"
    assert use.location.where.startswith("0x1")


def test_key_from_an_argument_is_not_called_literal(ipa_scan: IosScan) -> None:
    use = _use(ipa_scan, "encrypt_with_key")
    assert (use.algorithm, use.mode, use.key_source) == ("AES", "CBC", "unknown")
    assert use.key_preview is None and use.key_sha256 is None
    assert use.iv_source == "zero"  # NULL IV: CommonCrypto encrypts CBC with zeros


def test_literal_iv_reused_and_create_with_mode(ipa_scan: IosScan) -> None:
    for name in ("seal", "unseal"):
        use = _use(ipa_scan, name)
        assert (use.key_source, use.iv_source, use.mode) == ("literal", "literal", "CBC")
        assert use.key_sha256 == hashlib.sha256(AES_KEY.encode()).hexdigest()
    cryptor = _use(ipa_scan, "make_cryptor")
    assert cryptor.transformation == (
        "CCCryptorCreateWithMode(kCCModeCBC, kCCAlgorithmAES, ccPKCS7Padding)"
    )
    assert (cryptor.mode, cryptor.key_source, cryptor.iv_source) == ("CBC", "literal", "literal")
    reused = [i for i in ipa_scan.indicators if "IV literal" in i.detail]
    assert len(reused) == 1 and "3 calls" in reused[0].detail


def test_credentials_in_user_defaults(ipa_scan: IosScan) -> None:
    writes = {(w.store, w.key, w.sensitive) for w in ipa_scan.storage}
    assert writes == {("user-defaults", "password", True), ("user-defaults", "theme", False)}
    password = next(w for w in ipa_scan.storage if w.key == "password")
    assert password.location.where.endswith("in -[AVSession rememberPassword:]")
    # a dictionary's setObject:forKey: is not a defaults write
    assert all(w.key != "session_token" for w in ipa_scan.storage)


def test_cleartext_endpoint_and_config_strings(ipa_scan: IosScan) -> None:
    strings = dict(ipa_scan.strings)
    assert ENDPOINT in strings
    assert "https://collect.tracker-demo.test/v2" in strings
    google = "Payload/ChatDemo.app/GoogleService-Info.plist"
    assert strings["AIzaSyA-not-a-real-key-0123456789abcdef"] == Location(google, "API_KEY")
    assert strings["https://api.chat-demo.test"] == Location(
        "Payload/ChatDemo.app/config.json", "api.base"
    )
    assert strings["fetch('http://telemetry.chat-demo.test/t')"] == Location(
        "Payload/ChatDemo.app/main.jsbundle", "line 2"
    )


def test_anti_debugging_jailbreak_keychain(ipa_scan: IosScan) -> None:
    details = {(i.kind, i.detail) for i in ipa_scan.indicators}
    assert ("anti-debugging", "ptrace(PT_DENY_ATTACH)") in details
    assert ("anti-debugging", "svc #0x80 ptrace(PT_DENY_ATTACH)") in details
    assert ("anti-debugging", "sysctl(KERN_PROC) then tests P_TRACED") in details
    assert ("jailbreak-detection", "checks /Applications/Cydia.app") in details
    assert ("keychain", "imports SecItemAdd: writes to the Keychain") in details


def test_macho_facts(app_scan: MachOScan) -> None:
    facts = app_scan.facts
    assert facts.architectures == ["arm64"] and not facts.encrypted
    assert {"CCCrypt", "CCCryptorCreateWithMode", "SecItemAdd", "ptrace", "sysctl"} <= set(
        facts.imports
    )
    assert "/System/Library/Frameworks/Foundation.framework/Foundation" in facts.linked_libraries
    assert {"AVSession", "NSUserDefaults", "NSObject"} <= set(app_scan.objc_classes)
    assert app_scan.problems == []


def test_string_locations_point_at_the_bytes(app_binary: bytes, app_scan: MachOScan) -> None:
    for text, location in app_scan.strings:
        offset = int(location.where.removeprefix("offset "), 16)
        assert app_binary[offset : offset + len(text)] == text.encode()


# -- Info.plist variants ------------------------------------------------------------


def test_binary_plist_reads_like_xml(app_binary: bytes, tmp_path: Path) -> None:
    path = write_ipa(tmp_path / "b.ipa", name="ChatDemo", info=INFO, binary=app_binary,
                     binary_plist=True)  # fmt: skip
    scan = _read(path)
    assert scan.facts.bundle_id == "com.example.chatdemo"
    assert scan.facts.ats.allows_arbitrary_loads
    assert plistlib.loads(scan.plist_xml) == INFO and scan.plist_xml.startswith(b"<?xml")


def test_per_domain_exceptions_and_ignored_global_flag(app_binary: bytes, tmp_path: Path) -> None:
    info = {
        **INFO,
        "NSAppTransportSecurity": {
            "NSAllowsArbitraryLoads": True,
            "NSAllowsArbitraryLoadsInWebContent": True,
            "NSExceptionDomains": {
                "legacy.example.com": {
                    "NSExceptionAllowsInsecureHTTPLoads": True,
                    "NSIncludesSubdomains": True,
                    "NSExceptionMinimumTLSVersion": "TLSv1.0",
                    "NSExceptionRequiresForwardSecrecy": False,
                },
                "cdn.example.com": {"NSTemporaryExceptionAllowsInsecureHTTPLoads": True},
                "secure.example.com": {"NSIncludesSubdomains": True},
            },
        },
    }
    scan = _read(write_ipa(tmp_path / "d.ipa", name="ChatDemo", info=info, binary=app_binary))
    ats = scan.facts.ats
    assert not ats.allows_arbitrary_loads  # iOS 10+ ignores it next to InWebContent
    assert ats.allows_arbitrary_loads_in_web_content
    assert any("ignores" in note for note in scan.notes)
    by_domain = {e.domain: e for e in ats.exceptions}
    legacy = by_domain["legacy.example.com"]
    assert legacy.allows_insecure_http and legacy.includes_subdomains
    assert (legacy.minimum_tls_version, legacy.requires_forward_secrecy) == ("TLSv1.0", False)
    assert by_domain["cdn.example.com"].allows_insecure_http
    secure = by_domain["secure.example.com"]
    assert not secure.allows_insecure_http and secure.requires_forward_secrecy is None


def test_no_ats_dictionary_is_the_secure_default(app_binary: bytes, tmp_path: Path) -> None:
    info = {k: v for k, v in INFO.items() if k != "NSAppTransportSecurity"}
    scan = _read(write_ipa(tmp_path / "n.ipa", name="ChatDemo", info=info, binary=app_binary))
    assert not scan.facts.ats.present and not scan.facts.ats.allows_arbitrary_loads


# -- binary shapes ------------------------------------------------------------------


def test_fat_binary_reads_the_arm64_slice(tmp_path: Path, app_binary: bytes) -> None:
    x86 = build_macho({"crypto.c": CRYPTO_C}, tmp_path / "x86", arch="x86_64")
    fat = fat_binary([x86, app_binary])
    scan = analyze_macho(fat, "X")
    assert scan.facts.architectures == ["x86_64", "arm64"]
    assert _use(scan, "encrypt_credentials").key_source == "literal"
    text, location = next(s for s in scan.strings if s[0] == ENDPOINT)
    offset = int(location.where.removeprefix("offset "), 16)
    assert offset > len(x86) and fat[offset : offset + len(text)] == text.encode()


def test_x86_64_only_names_the_imports_and_falls_back_to_strings(tmp_path: Path) -> None:
    sources = {"crypto.c": CRYPTO_C, "storage.m": STORAGE_M}
    binary = build_macho(sources, tmp_path, arch="x86_64")
    scan = analyze_macho(binary, "X")
    assert scan.crypto == []
    assert any(i.detail == "imports CCCrypt; code not decoded" for i in scan.indicators)
    assert any("call sites not decoded" in p for p in scan.problems)
    # without code to read, credential-like CFString keys of a defaults user are reported;
    # that cannot tell a dictionary key from a defaults key, and the location says so
    assert {(w.key, w.sensitive) for w in scan.storage} == {
        ("password", True),
        ("session_token", True),
    }
    assert all("call site not decoded" in w.location.where for w in scan.storage)


def test_fairplay_encrypted_binary(app_binary: bytes) -> None:
    scan = analyze_macho(set_cryptid(app_binary, 1), "X")
    assert scan.facts.encrypted
    assert any("FairPlay-encrypted (cryptid 1)" in p for p in scan.problems)
    assert scan.crypto == [] and scan.storage == []
    assert ENDPOINT not in dict(scan.strings)


def test_objc_selector_stubs(tmp_path: Path) -> None:
    scan = analyze_macho(build_macho({"stubs.s": OBJC_STUBS_S}, tmp_path), "X")
    assert [(w.store, w.key, w.sensitive) for w in scan.storage] == [
        ("user-defaults", "auth_token", True)
    ]
    assert scan.storage[0].location.where.endswith(" in _store_token")


def test_tail_call_at_o2(tmp_path: Path) -> None:
    source = (
        'static const char kKey[] = "0123456789abcdef";\n'
        "int make(CCCryptorRef *ref) {\n"
        "  return CCCryptorCreate(kCCEncrypt, kCCAlgorithmDES, kCCOptionECBMode, kKey, 8, 0,\n"
        "                         ref);\n"
        "}\n"
    )
    scan = analyze_macho(build_macho({"des.c": source}, tmp_path, optimize="-O2"), "X")
    use = _use(scan, "make")  # compiled to `b _CCCryptorCreate`
    assert use.transformation == "CCCryptorCreate(kCCAlgorithmDES, kCCOptionECBMode)"
    assert use.key_preview == "01****67" and use.mode == "ECB"


@pytest.mark.parametrize("optimize", ["-O0", "-Os"])
def test_p_traced_check_at_other_optimisation_levels(tmp_path: Path, optimize: str) -> None:
    scan = analyze_macho(build_macho({"anti.c": ANTI_DEBUG_C}, tmp_path, optimize=optimize), "X")
    details = {i.detail for i in scan.indicators if i.kind == "anti-debugging"}
    assert "sysctl(KERN_PROC) then tests P_TRACED" in details
    assert "svc #0x80 ptrace(PT_DENY_ATTACH)" in details


# -- malformed input ----------------------------------------------------------------


def _zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ({"ChatDemo.app/Info.plist": b""}, "no Payload/<Name>.app/ in the archive"),
        (
            {"Payload/A.app/Info.plist": b"", "Payload/B.app/Info.plist": b""},
            "2 app bundles under Payload/ (A.app, B.app)",
        ),
        ({"Payload/A.app/A": b"\xcf\xfa\xed\xfe"}, "Payload/A.app/Info.plist: missing"),
        ({"Payload/A.app/Info.plist": b"<plist><dict><key>a"}, "not a property list"),
        ({"Payload/A.app/Info.plist": b"bplist00\xff\xff"}, "not a property list"),
        ({"Payload/A.app/Info.plist": plistlib.dumps(["a"])}, "is a list, not a dictionary"),
    ],
)
def test_not_an_app(tmp_path: Path, entries: dict[str, bytes], message: str) -> None:
    with pytest.raises(IpaError, match=re.escape(message)):
        _read(_zip(tmp_path / "bad.ipa", entries))


def test_truncated_and_garbage_binaries(app_binary: bytes, tmp_path: Path) -> None:
    truncated = app_binary[: len(app_binary) // 3]
    noise = random.Random(8).randbytes(len(app_binary))
    started = time.monotonic()
    cut = analyze_macho(truncated, "T")
    assert any("truncated" in p for p in cut.problems)
    assert analyze_macho(noise, "N").problems == [f"N: not a Mach-O binary ({len(noise)} bytes)"]
    assert analyze_macho(b"", "E").problems == ["E: not a Mach-O binary (0 bytes)"]
    scan = _read(_zip(tmp_path / "g.ipa", {
        "Payload/A.app/Info.plist": plistlib.dumps({"CFBundleExecutable": "A"}),
        "Payload/A.app/A": noise,
    }))  # fmt: skip
    assert scan.problems == [
        "Payload/A.app/Info.plist: no CFBundleIdentifier",
        f"Payload/A.app/A: not a Mach-O binary ({len(noise)} bytes)",
    ]
    assert time.monotonic() - started < 5


def test_damaged_binaries_never_raise(app_binary: bytes) -> None:
    rng = random.Random(1)
    for _ in range(150):
        damaged = bytearray(app_binary)
        for _ in range(rng.randint(1, 40)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        started = time.monotonic()
        analyze_macho(bytes(damaged), "D")
        assert time.monotonic() - started < 2


def test_binary_text_file_gives_no_strings() -> None:
    assert config_strings("x.json", b"\0\1\2garbage") == []


# -- the pieces ---------------------------------------------------------------------


def test_mask() -> None:
    assert mask("0123456789") == "01******89"
    assert mask("abc") == "***"


def test_decode_bitmask() -> None:
    # values checked against llvm-mc: `and w8, w8, #0x800` is N=0 immr=21 imms=0
    assert arm64.decode_bitmask(0, 0, 21, 32) == 0x800
    assert arm64.decode_bitmask(1, 0b111100, 0, 64) == (1 << 61) - 1
    assert arm64.decode_bitmask(0, 0b110011, 0, 32) == 0x0F0F0F0F
    assert arm64.decode_bitmask(0, 0b111111, 0, 32) is None  # reserved


def test_chained_pointers() -> None:
    base = 0x1_0000_0000
    next_field = 3 << 51
    assert chained_pointer(next_field | 0x4010, 6, base) == base + 0x4010  # PTR_64_OFFSET
    assert chained_pointer(next_field | (base + 0x4010), 2, base) == base + 0x4010  # PTR_64
    assert chained_pointer(1 << 63 | 7, 2, base) is None  # a bind
    auth = 1 << 63 | 0x1234 << 32 | 0x8008
    assert chained_pointer(auth, 12, base) == base + 0x8008  # ARM64E_USERLAND24, auth rebase
    assert chained_pointer(0x8008, 12, base) == base + 0x8008
    assert chained_pointer(base + 0x8008, 1, base) == base + 0x8008  # ARM64E: a vmaddr
    assert chained_pointer(3 << 62, 1, base) is None  # auth bind
    assert chained_pointer(0x8008, 99, base) is None


def test_resolve_follows_copies_and_stops_at_calls() -> None:
    def words(*encoded: int) -> arm64.Code:
        return arm64.Code(b"".join(w.to_bytes(4, "little") for w in encoded), 0x1000)

    no_memory: arm64.Loader = lambda address: None  # noqa: E731
    # mov x8, #5 ; mov x3, x8 ; bl .
    code = words(0xD28000A8, 0xAA0803E3, 0x94000000)
    assert arm64.resolve(code, 2, 3, floor=0, load=no_memory) == arm64.Const(5)
    # mov x3, #5 ; bl . ; bl . — x3 is caller-saved, so the first call ends the walk
    code = words(0xD28000A3, 0x94000000, 0x94000000)
    assert arm64.resolve(code, 2, 3, floor=0, load=no_memory) is None
    # mov x19, #5 ; bl . ; bl . — x19 survives calls
    code = words(0xD28000B3, 0x94000000, 0x94000000)
    assert arm64.resolve(code, 2, 19, floor=0, load=no_memory) == arm64.Const(5)
    # ldr x3, [sp, #8] ; bl . — from the stack: unknown
    code = words(0xF94007E3, 0x94000000)
    assert arm64.resolve(code, 1, 3, floor=0, load=no_memory) is None
