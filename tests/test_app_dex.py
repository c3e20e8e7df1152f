"""The DEX reader and bytecode scan, on dex files the real smali assembler builds.

The reference case is the CMCC single-sign-on SDK shape: `AuthnHelper` encrypting with
3DES/ECB under a key written in the code, a zero IV, the password kept in
SharedPreferences and a debugger check. The reader is checked against androguard on a
real app's dex, and against damaged and hostile files that must fail fast and cleanly.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.resources
import struct
import time
import zipfile
from collections.abc import Callable

import pytest

from aivet.analyze.app.dex import (
    CodeSpan,
    DexError,
    DexFile,
    FieldRef,
    MethodRef,
    Unreadable,
    decode_mutf8,
)
from aivet.analyze.app.dex_code import (
    TLS_KIND,
    DexScan,
    algorithm_name,
    mask_key,
    scan_dex,
    string_users,
)
from aivet.app_record import CryptoUse
from tests.support.android_tools import assemble_dex

REFERENCE_KEY = "cmic-sso-sdk-secret-key!"
"""24 characters: a DESede key."""
FILL_KEY = bytes(range(1, 17))
BASE64_KEY = b"base64-key-01234"
ENDPOINT = "https://www.cmpassport.com/unisdk/"
BASE64_TEXT = base64.b64encode(BASE64_KEY).decode()

# Long method references, named once so the smali below stays readable.
CIPHER = "Ljavax/crypto/Cipher;->getInstance(Ljava/lang/String;)Ljavax/crypto/Cipher;"
SECRET_KEY_SPEC = "Ljavax/crypto/spec/SecretKeySpec;-><init>([BLjava/lang/String;)V"
PREFS = "Landroid/content/SharedPreferences"
GET_PREFS = f"Landroid/content/Context;->getSharedPreferences(Ljava/lang/String;I){PREFS};"
EDIT = f"{PREFS};->edit(){PREFS}$Editor;"
PUT_STRING = f"{PREFS}$Editor;->putString(Ljava/lang/String;Ljava/lang/String;){PREFS}$Editor;"
KEY_STORE = "Ljava/security/KeyStore"
FACTORY = "Ljavax/crypto/SecretKeyFactory;"
KEY_FACTORY = f"{FACTORY}->getInstance(Ljava/lang/String;){FACTORY}"
HELPER_INIT = (
    "Landroid/database/sqlite/SQLiteOpenHelper;-><init>(Landroid/content/Context;"
    "Ljava/lang/String;Landroid/database/sqlite/SQLiteDatabase$CursorFactory;I)V"
)
OPEN_FILE = "Landroid/app/Activity;->openFileOutput(Ljava/lang/String;I)Ljava/io/FileOutputStream;"

AUTHN_HELPER = f"""
.class public Lcom/cmic/sso/sdk/AuthnHelper;
.super Ljava/lang/Object;

.method public encrypt([B)[B
    .registers 6
    const-string v0, "DESede/ECB/PKCS5Padding"
    invoke-static {{v0}}, {CIPHER}
    move-result-object v1
    const-string v2, "{REFERENCE_KEY}"
    invoke-virtual {{v2}}, Ljava/lang/String;->getBytes()[B
    move-result-object v2
    new-instance v3, Ljavax/crypto/spec/SecretKeySpec;
    const-string v4, "DESede"
    invoke-direct {{v3, v2, v4}}, {SECRET_KEY_SPEC}
    const/4 v4, 0x1
    invoke-virtual {{v1, v4, v3}}, Ljavax/crypto/Cipher;->init(ILjava/security/Key;)V
    invoke-virtual {{v1, p1}}, Ljavax/crypto/Cipher;->doFinal([B)[B
    move-result-object v0
    return-object v0
.end method

.method public encryptCbc([B)[B
    .registers 7
    const-string v0, "DESede/CBC/PKCS5Padding"
    invoke-static {{v0}}, {CIPHER}
    move-result-object v1
    const-string v2, "{REFERENCE_KEY}"
    const-string v3, "UTF-8"
    invoke-virtual {{v2, v3}}, Ljava/lang/String;->getBytes(Ljava/lang/String;)[B
    move-result-object v2
    new-instance v3, Ljavax/crypto/spec/DESedeKeySpec;
    invoke-direct {{v3, v2}}, Ljavax/crypto/spec/DESedeKeySpec;-><init>([B)V
    const/16 v4, 0x8
    new-array v4, v4, [B
    new-instance v5, Ljavax/crypto/spec/IvParameterSpec;
    invoke-direct {{v5, v4}}, Ljavax/crypto/spec/IvParameterSpec;-><init>([B)V
    return-object p1
.end method

.method public saveLogin(Landroid/content/Context;Ljava/lang/String;Ljava/lang/String;)V
    .registers 7
    const-string v0, "cmic_sso"
    const/4 v1, 0x0
    invoke-virtual {{p1, v0, v1}}, {GET_PREFS}
    move-result-object v0
    invoke-interface {{v0}}, {EDIT}
    move-result-object v0
    const-string v1, "password"
    invoke-interface {{v0, v1, p2}}, {PUT_STRING}
    invoke-interface {{v0, v1, p2}}, {PUT_STRING}
    const-string v1, "theme"
    invoke-interface {{v0, v1, p3}}, {PUT_STRING}
    invoke-interface {{v0}}, Landroid/content/SharedPreferences$Editor;->apply()V
    return-void
.end method

.method public static isDebugged()Z
    .registers 1
    invoke-static {{}}, Landroid/os/Debug;->isDebuggerConnected()Z
    move-result v0
    return v0
.end method

.method public static endpoint()Ljava/lang/String;
    .registers 1
    const-string v0, "{ENDPOINT}"
    return-object v0
.end method
"""

KEYS = f"""
.class public Lcom/example/Keys;
.super Ljava/lang/Object;

.method public static filled()Ljavax/crypto/spec/SecretKeySpec;
    .registers 4
    const/16 v0, 0x10
    new-array v0, v0, [B
    fill-array-data v0, :key_data
    new-instance v1, Ljavax/crypto/spec/SecretKeySpec;
    const-string v2, "AES"
    invoke-direct {{v1, v0, v2}}, {SECRET_KEY_SPEC}
    return-object v1

    :key_data
    .array-data 1
        {" ".join(f"0x{b:x}t" for b in FILL_KEY)}
    .end array-data
.end method

.method public static fromBase64()Ljavax/crypto/Cipher;
    .registers 5
    const-string v0, "AES/CBC/PKCS5Padding"
    invoke-static {{v0}}, {CIPHER}
    move-result-object v0
    const-string v1, "{BASE64_TEXT}"
    const/4 v2, 0x0
    invoke-static {{v1, v2}}, Landroid/util/Base64;->decode(Ljava/lang/String;I)[B
    move-result-object v1
    new-instance v2, Ljavax/crypto/spec/SecretKeySpec;
    const-string v3, "AES"
    invoke-direct {{v2, v1, v3}}, {SECRET_KEY_SPEC}
    const/16 v3, 0x10
    new-array v3, v3, [B
    new-instance v4, Ljava/security/SecureRandom;
    invoke-direct {{v4}}, Ljava/security/SecureRandom;-><init>()V
    invoke-virtual {{v4, v3}}, Ljava/security/SecureRandom;->nextBytes([B)V
    new-instance v4, Ljavax/crypto/spec/IvParameterSpec;
    invoke-direct {{v4, v3}}, Ljavax/crypto/spec/IvParameterSpec;-><init>([B)V
    return-object v0
.end method

.method public static javaBase64()Ljavax/crypto/spec/SecretKeySpec;
    .registers 4
    invoke-static {{}}, Ljava/util/Base64;->getDecoder()Ljava/util/Base64$Decoder;
    move-result-object v0
    const-string v1, "{BASE64_TEXT}"
    invoke-virtual {{v0, v1}}, Ljava/util/Base64$Decoder;->decode(Ljava/lang/String;)[B
    move-result-object v1
    new-instance v2, Ljavax/crypto/spec/SecretKeySpec;
    const-string v3, "Blowfish"
    invoke-direct {{v2, v1, v3}}, {SECRET_KEY_SPEC}
    return-object v2
.end method

.method public static keyStore()Ljavax/crypto/Cipher;
    .registers 5
    const-string v0, "AndroidKeyStore"
    invoke-static {{v0}}, {KEY_STORE};->getInstance(Ljava/lang/String;){KEY_STORE};
    move-result-object v0
    const/4 v1, 0x0
    invoke-virtual {{v0, v1}}, {KEY_STORE};->load({KEY_STORE}$LoadStoreParameter;)V
    const-string v1, "alias"
    const/4 v2, 0x0
    invoke-virtual {{v0, v1, v2}}, {KEY_STORE};->getKey(Ljava/lang/String;[C)Ljava/security/Key;
    move-result-object v1
    const-string v2, "AES/GCM/NoPadding"
    invoke-static {{v2}}, {CIPHER}
    move-result-object v2
    const/4 v3, 0x1
    invoke-virtual {{v2, v3, v1}}, Ljavax/crypto/Cipher;->init(ILjava/security/Key;)V
    return-object v2
.end method

.method public static overwritten()Ljavax/crypto/spec/SecretKeySpec;
    .registers 4
    const-string v0, "not-the-key-at-all"
    invoke-virtual {{v0}}, Ljava/lang/String;->getBytes()[B
    move-result-object v0
    invoke-static {{}}, Lcom/example/Vault;->load()[B
    move-result-object v0
    new-instance v1, Ljavax/crypto/spec/SecretKeySpec;
    const-string v2, "AES"
    invoke-direct {{v1, v0, v2}}, {SECRET_KEY_SPEC}
    const/16 v2, 0x10
    new-array v2, v2, [B
    const/4 v3, 0x0
    invoke-static {{v2, v3}}, Lcom/example/Vault;->fill([BI)V
    new-instance v3, Ljavax/crypto/spec/IvParameterSpec;
    invoke-direct {{v3, v2}}, Ljavax/crypto/spec/IvParameterSpec;-><init>([B)V
    return-object v1
.end method

.method public static builtByHand()Ljavax/crypto/spec/SecretKeySpec;
    .registers 20
    const/4 v0, 0x4
    new-array v0, v0, [B
    const/4 v1, 0x0
    const/16 v2, 0x6b
    aput-byte v2, v0, v1
    const/4 v1, 0x1
    const/16 v2, 0x65
    aput-byte v2, v0, v1
    const/4 v1, 0x2
    const/16 v2, 0x79
    aput-byte v2, v0, v1
    const/4 v1, 0x3
    const/16 v2, 0x21
    aput-byte v2, v0, v1
    move-object/from16 v16, v0
    new-instance v4, Ljavax/crypto/spec/SecretKeySpec;
    move-object/16 v5, v16
    const-string v6, "RC4"
    invoke-direct/range {{v4 .. v6}}, {SECRET_KEY_SPEC}
    return-object v4
.end method

.method public static desFactory()Ljavax/crypto/SecretKeyFactory;
    .registers 1
    const-string v0, "DES"
    invoke-static {{v0}}, {KEY_FACTORY}
    move-result-object v0
    return-object v0
.end method

.method public static logPassword()V
    .registers 2
    const-string v0, "login"
    const-string v1, "password"
    invoke-static {{v0, v1}}, Landroid/util/Log;->d(Ljava/lang/String;Ljava/lang/String;)I
    return-void
.end method
"""

STORAGE_AND_CHECKS = f"""
.class public Lcom/example/Db;
.super Landroid/database/sqlite/SQLiteOpenHelper;

.method public constructor <init>(Landroid/content/Context;)V
    .registers 5
    const-string v0, "users.db"
    const/4 v1, 0x0
    const/4 v2, 0x1
    invoke-direct {{p0, p1, v0, v1, v2}}, {HELPER_INIT}
    return-void
.end method

.method public static checks(Landroid/app/Activity;)Z
    .registers 5
    const-string v0, "session_token.txt"
    const/4 v1, 0x0
    invoke-virtual {{p0, v0, v1}}, {OPEN_FILE}
    const-string v0, "/system/xbin/su"
    const-string v0, "ro.hardware.goldfish"
    const-string v0, "TracerPid"
    new-instance v0, Ljava/net/InetSocketAddress;
    const-string v1, "127.0.0.1"
    const/16 v2, 0x69a2
    invoke-direct {{v0, v1, v2}}, Ljava/net/InetSocketAddress;-><init>(Ljava/lang/String;I)V
    invoke-static {{}}, Landroid/os/Debug;->waitingForDebugger()Z
    move-result v0
    return v0
.end method

.method public static fridaName()Ljava/lang/String;
    .registers 1
    const-string v0, "frida-server"
    return-object v0
.end method

.method public static withTables([I)V
    .registers 3
    const/4 v0, 0x0
    aget v1, p0, v0
    packed-switch v1, :packed
    sparse-switch v1, :sparse
    goto :after
    :packed
    .packed-switch 0x0
        :after
        :after
    .end packed-switch
    :sparse
    .sparse-switch
        0x5 -> :after
        0x50000 -> :after
    .end sparse-switch
    :after
    const-string v0, "Genymotion"
    return-void
.end method
"""


@pytest.fixture(scope="module")
def dex_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    out = tmp_path_factory.mktemp("dex") / "classes.dex"
    sources = {
        "AuthnHelper.smali": AUTHN_HELPER,
        "Keys.smali": KEYS,
        "Db.smali": STORAGE_AND_CHECKS,
    }
    return assemble_dex(sources, out).read_bytes()


@pytest.fixture(scope="module")
def scan(dex_bytes: bytes) -> DexScan:
    return scan_dex(DexFile.parse(dex_bytes, "classes.dex"))


def _uses(scan: DexScan, method: str) -> list[CryptoUse]:
    return [u for u in scan.crypto if f";->{method}(" in u.location.where]


def _span(dex: DexFile, method: str) -> CodeSpan:
    for span in dex.code_spans():
        if isinstance(span, CodeSpan) and dex.method_ref(span.method_idx).name == method:
            return span
    raise AssertionError(method)


# --- reading ---------------------------------------------------------------------------


def test_reads_strings_classes_and_methods(dex_bytes: bytes) -> None:
    dex = DexFile.parse(dex_bytes, "classes.dex")
    assert dex.name == "classes.dex"
    assert sorted(dex.class_names) == [
        "Lcom/cmic/sso/sdk/AuthnHelper;", "Lcom/example/Db;", "Lcom/example/Keys;",
    ]  # fmt: skip
    assert ENDPOINT in dex.strings and REFERENCE_KEY in dex.strings
    methods = {ref.descriptor(): bytes(code) for ref, code in dex.code_items()}
    assert "Lcom/cmic/sso/sdk/AuthnHelper;->isDebugged()Z" in methods
    # invoke-static {} Debug.isDebuggerConnected (3 units), move-result, return.
    assert len(methods["Lcom/cmic/sso/sdk/AuthnHelper;->isDebugged()Z"]) == 2 * 5
    cipher = next(
        dex.method_ref(i)
        for i in range(dex.method_count)
        if dex.method_ref(i).descriptor().startswith("Ljavax/crypto/Cipher;->getInstance")
    )
    assert cipher == MethodRef(
        "Ljavax/crypto/Cipher;", "getInstance", "(Ljava/lang/String;)Ljavax/crypto/Cipher;"
    )
    assert cipher.descriptor() == (
        "Ljavax/crypto/Cipher;->getInstance(Ljava/lang/String;)Ljavax/crypto/Cipher;"
    )
    with pytest.raises(DexError):
        dex.method_ref(dex.method_count)
    with pytest.raises(DexError):
        dex.type_name(-1)


def test_mutf8_strings_decode_like_java() -> None:
    # NUL as C0 80, U+1F600 as a surrogate pair of 3-byte sequences, a lone surrogate.
    assert decode_mutf8(b"a\xc0\x80b") == "a\0b"
    assert decode_mutf8(b"\xed\xa0\xbd\xed\xb8\x80") == "\U0001f600"
    assert decode_mutf8(b"x\xed\xa0\xbdy") == "x\ufffdy"
    assert decode_mutf8(b"\xff\xfe") == "\ufffd\ufffd"


# --- the reference case ----------------------------------------------------------------


def test_reference_3des_with_literal_key(scan: DexScan) -> None:
    [use] = _uses(scan, "encrypt")
    assert (use.algorithm, use.mode, use.transformation) == (
        "3DES",
        "ECB",
        "DESede/ECB/PKCS5Padding",
    )
    assert use.key_source == "literal"
    assert use.key_sha256 == hashlib.sha256(REFERENCE_KEY.encode()).hexdigest()
    assert use.key_preview == "cm" + "*" * (len(REFERENCE_KEY) - 4) + "y!"
    assert use.iv_source == "none"  # ECB takes no IV
    assert use.location.file == "classes.dex"
    assert use.location.where == "Lcom/cmic/sso/sdk/AuthnHelper;->encrypt([B)[B"


def test_reference_zero_iv_and_desede_key_spec(scan: DexScan) -> None:
    [use] = _uses(scan, "encryptCbc")
    assert (use.algorithm, use.mode) == ("3DES", "CBC")
    assert use.key_source == "literal"
    assert use.key_sha256 == hashlib.sha256(REFERENCE_KEY.encode()[:24]).hexdigest()
    assert use.iv_source == "zero"


def test_reference_password_in_shared_preferences(scan: DexScan) -> None:
    where = "Lcom/cmic/sso/sdk/AuthnHelper;->saveLogin"
    writes = [w for w in scan.storage if w.location.where.startswith(where)]
    # putString("password") twice in one method is one write; "theme" is not a credential.
    assert [(w.store, w.key, w.sensitive) for w in writes] == [
        ("shared-preferences", "password", True),
        ("shared-preferences", "theme", False),
    ]


def test_reference_debugger_check(scan: DexScan) -> None:
    found = {(i.kind, i.detail, i.location.where) for i in scan.indicators}
    assert (
        "anti-debugging",
        "calls Debug.isDebuggerConnected()",
        "Lcom/cmic/sso/sdk/AuthnHelper;->isDebugged()Z",
    ) in found


# --- other keys and the negatives ------------------------------------------------------


def test_fill_array_data_key(scan: DexScan) -> None:
    [use] = _uses(scan, "filled")
    assert (use.algorithm, use.mode, use.key_source) == ("AES", None, "literal")
    assert use.transformation == 'new SecretKeySpec(key, "AES")'
    assert use.key_sha256 == hashlib.sha256(FILL_KEY).hexdigest()
    assert use.key_preview == mask_key(FILL_KEY) == "01" + "*" * 28 + "10"


def test_base64_keys(scan: DexScan) -> None:
    [android] = _uses(scan, "fromBase64")
    assert (android.algorithm, android.mode, android.key_source) == ("AES", "CBC", "literal")
    assert android.key_sha256 == hashlib.sha256(BASE64_KEY).hexdigest()
    assert android.iv_source == "random"  # SecureRandom.nextBytes filled it
    [java] = _uses(scan, "javaBase64")
    assert (java.algorithm, java.key_sha256) == ("Blowfish", hashlib.sha256(BASE64_KEY).hexdigest())


def test_keystore_key_is_not_literal(scan: DexScan) -> None:
    [use] = _uses(scan, "keyStore")
    assert (use.algorithm, use.mode, use.key_source, use.key_preview) == (
        "AES", "GCM", "unknown", None,
    )  # fmt: skip
    assert use.iv_source == "unknown"


def test_overwritten_registers_are_not_literals(scan: DexScan) -> None:
    # The literal's bytes were replaced by a call's result, and the zero IV was handed
    # to a method that may fill it: neither is reported as fixed.
    assert _uses(scan, "overwritten") == []


def test_key_built_byte_by_byte_and_moved(scan: DexScan) -> None:
    # aput-byte of constants, then move-object/from16, move-object/16 and invoke/range.
    [use] = _uses(scan, "builtByHand")
    assert (use.algorithm, use.key_source, use.key_preview) == ("RC4", "literal", "****")
    assert use.key_sha256 == hashlib.sha256(b"key!").hexdigest()


def test_des_key_factory_counts_as_des(scan: DexScan) -> None:
    [use] = _uses(scan, "desFactory")
    assert (use.algorithm, use.transformation) == ("DES", 'SecretKeyFactory.getInstance("DES")')


def test_password_string_not_used_as_key_is_no_storage(scan: DexScan) -> None:
    assert not [w for w in scan.storage if "logPassword" in w.location.where]
    assert all(w.key != "password" or "saveLogin" in w.location.where for w in scan.storage)


def test_sqlite_file_and_indicators(scan: DexScan) -> None:
    stores = {(w.store, w.key, w.sensitive, w.location.where.split(";->")[1]) for w in scan.storage}
    assert ("sqlite", "users.db", False, "<init>(Landroid/content/Context;)V") in stores
    assert ("file", "session_token.txt", True, "checks(Landroid/app/Activity;)Z") in stores
    found = {(i.kind, i.detail) for i in scan.indicators if "checks" in i.location.where}
    assert found == {
        ("root-detection", 'literal "/system/xbin/su"'),
        ("emulator-detection", 'literal "ro.hardware.goldfish"'),
        ("anti-debugging", 'literal "TracerPid"'),
        ("frida-detection", "connects to port 27042 (frida-server's default)"),
        ("anti-debugging", "calls Debug.waitingForDebugger()"),
    }
    kinds = {(i.kind, i.location.where.split(";->")[1]) for i in scan.indicators}
    assert ("frida-detection", "fridaName()Ljava/lang/String;") in kinds
    # The literal after the switch payloads is still reached: payloads are skipped whole.
    assert ("emulator-detection", "withTables([I)V") in kinds
    assert scan.skipped_methods == 0


def test_algorithm_names() -> None:
    assert algorithm_name("DESede/CBC/NoPadding") == "3DES"
    assert algorithm_name("TripleDES") == "3DES"
    assert algorithm_name("ARCFOUR") == "RC4"
    assert algorithm_name("AES_256/GCM/NoPadding") == "AES"
    assert algorithm_name("PBEWithMD5AndDES") == "DES"
    assert algorithm_name("Twofish/CBC/NoPadding") == "Twofish"
    assert mask_key(b"abc") == "***"


# --- which methods load a string ------------------------------------------------------

API_URL = "https://api.example.com/v1/"
API_FIELD = "apiHostOnlyAFieldName"


def _api_smali(decoy: bytes) -> str:
    """Two methods load API_URL (one through const-string/jumbo); a third holds `decoy`
    as array data, which is where a const-string of another index can be spelled."""
    array = " ".join(f"{b - 256 if b > 0x7F else b}t" for b in decoy)
    return f"""
.class public Lcom/example/Api;
.super Ljava/lang/Object;

.field public static {API_FIELD}:Ljava/lang/String;

.method public static first()Ljava/lang/String;
    .registers 1
    const-string v0, "{API_URL}"
    return-object v0
.end method

.method public static second()Ljava/lang/String;
    .registers 1
    const-string/jumbo v0, "{API_URL}"
    return-object v0
.end method

.method public static decoy()[B
    .registers 2
    const/16 v0, {len(decoy)}
    new-array v0, v0, [B
    fill-array-data v0, :data
    return-object v0

    :data
    .array-data 1
        {array}
    .end array-data
.end method
"""


def _loads(index: int) -> bytes:
    """const-string v0 of `index`, as it lies in the code: what the decoy spells."""
    return struct.pack("<HH", 0x001A, index)


@pytest.fixture(scope="module")
def api_dex(tmp_path_factory: pytest.TempPathFactory) -> DexFile:
    out = tmp_path_factory.mktemp("api") / "classes.dex"
    # Array data adds no string, so the indices a first build gives hold in the second.
    first = DexFile.parse(assemble_dex({"Api.smali": _api_smali(bytes(8))}, out).read_bytes(), "")
    url, field_name = first.strings.index(API_URL), first.strings.index(API_FIELD)
    decoy = _loads(url) + _loads(field_name)
    dex = DexFile.parse(assemble_dex({"Api.smali": _api_smali(decoy)}, out).read_bytes(), "a.dex")
    assert (dex.strings.index(API_URL), dex.strings.index(API_FIELD)) == (url, field_name)
    return dex


def _api_span(dex: DexFile, method: str) -> CodeSpan:
    return next(
        s
        for s in dex.code_spans()
        if isinstance(s, CodeSpan) and dex.method_ref(s.method_idx).name == method
    )


def test_string_users_by_const_string_and_jumbo(api_dex: DexFile) -> None:
    url = api_dex.strings.index(API_URL)
    second = _api_span(api_dex, "second")
    assert api_dex.data[second.insns_off] == 0x1B  # smali kept the jumbo form
    in_code_order = sorted(
        (_api_span(api_dex, name) for name in ("first", "second")), key=lambda s: s.insns_off
    )
    expected = [api_dex.method_ref(s.method_idx).descriptor() for s in in_code_order]
    assert expected[0] != expected[1]
    assert string_users(api_dex, [url]) == {url: expected}
    assert string_users(api_dex, [url], per_string=1) == {url: expected[:1]}


def test_string_users_ignores_names_payloads_and_bad_indices(api_dex: DexFile) -> None:
    url, field_name = api_dex.strings.index(API_URL), api_dex.strings.index(API_FIELD)
    decoy = _api_span(api_dex, "decoy")
    code = api_dex.data[decoy.insns_off : decoy.insns_off + 2 * decoy.insns_units]
    # The payload spells both loads at instruction-aligned offsets: the byte search finds
    # them, and only the walk (which skips payloads whole) turns them down.
    for index in (url, field_name):
        assert code.index(_loads(index)) % 2 == 0
    found = string_users(api_dex, [field_name, url, -1, len(api_dex.strings)])
    assert found.keys() == {field_name, url}
    assert found[field_name] == []  # a field's name is in the table, never loaded
    assert all("decoy" not in d for d in found[url]) and len(found[url]) == 2
    assert string_users(api_dex, []) == {}


def test_string_users_skips_malformed_methods(api_dex: DexFile) -> None:
    url = api_dex.strings.index(API_URL)
    second = _api_span(api_dex, "second")
    data = bytearray(api_dex.data)
    data[second.insns_off + 6] = 0x3E  # return-object after the 3-unit jumbo → unused opcode
    [user] = string_users(DexFile.parse(bytes(data), "a.dex"), [url])[url]
    assert user.endswith(";->first()Ljava/lang/String;")


# --- TLS validation switched off --------------------------------------------------------

CHAIN = "[Ljava/security/cert/X509Certificate;Ljava/lang/String;"
CHECK_SERVER = f"checkServerTrusted({CHAIN})V"
VERIFY = "verify(Ljava/lang/String;Ljavax/net/ssl/SSLSession;)Z"
SSL_ERROR = (
    "onReceivedSslError(Landroid/webkit/WebView;Landroid/webkit/SslErrorHandler;"
    "Landroid/net/http/SslError;)V"
)
NULL_CHECK = (
    "Lkotlin/jvm/internal/Intrinsics;->checkNotNullParameter(Ljava/lang/Object;Ljava/lang/String;)V"
)
APACHE_SSL = "Lorg/apache/http/conn/ssl"
SOCKET_FACTORY = f"{APACHE_SSL}/SSLSocketFactory;"
X509_VERIFIER = f"{APACHE_SSL}/X509HostnameVerifier;"
NOOP = f"{APACHE_SSL}/NoopHostnameVerifier;"
TRUST_ALL = "X509TrustManager.checkServerTrusted accepts every certificate"
HOST_ALL = "HostnameVerifier.verify returns true for every host"
PROCEEDS = "WebViewClient.onReceivedSslError proceeds on TLS errors"


def _tls_class(name: str, parents: str, body: str) -> str:
    return f".class public Lcom/example/tls/{name};\n{parents}\n{body}"


_TRUST_MANAGER = ".super Ljava/lang/Object;\n.implements Ljavax/net/ssl/X509TrustManager;"
_VERIFIER = ".super Ljava/lang/Object;\n.implements Ljavax/net/ssl/HostnameVerifier;"
_WEB_CLIENT = ".super Landroid/webkit/WebViewClient;"

TLS_SOURCES = {
    # The classic trust-all manager: every check empty, no accepted issuers.
    "TrustAll.smali": _tls_class("TrustAll", _TRUST_MANAGER, f"""
.method public checkClientTrusted({CHAIN})V
    .registers 3
    return-void
.end method

.method public {CHECK_SERVER}
    .registers 3
    nop
    return-void
.end method

.method public getAcceptedIssuers()[Ljava/security/cert/X509Certificate;
    .registers 2
    const/4 v0, 0x0
    new-array v0, v0, [Ljava/security/cert/X509Certificate;
    return-object v0
.end method
"""),
    # The same in Kotlin: parameter null checks reject no certificate.
    "KotlinTrustAll.smali": _tls_class("KotlinTrustAll", _TRUST_MANAGER, f"""
.method public {CHECK_SERVER}
    .registers 4
    const-string v0, "chain"
    invoke-static {{p1, v0}}, {NULL_CHECK}
    const-string v0, "authType"
    invoke-static {{p2, v0}}, {NULL_CHECK}
    return-void
.end method
"""),
    "ExtendedTrustAll.smali": _tls_class(
        "ExtendedTrustAll", ".super Ljavax/net/ssl/X509ExtendedTrustManager;", f"""
.method public {CHECK_SERVER}
    .registers 3
    return-void
.end method

.method public checkServerTrusted({CHAIN}Ljava/net/Socket;)V
    .registers 4
    move-object v0, p1
    return-void
.end method

.method public checkServerTrusted({CHAIN}Ljavax/net/ssl/SSLEngine;)V
    .registers 4
    return-void
.end method
"""),
    "Strict.smali": _tls_class("Strict", _TRUST_MANAGER, f"""
.method public {CHECK_SERVER}
    .registers 5
    array-length v0, p1
    if-nez v0, :ok
    new-instance v0, Ljava/security/cert/CertificateException;
    const-string v1, "empty chain"
    invoke-direct {{v0, v1}}, Ljava/security/cert/CertificateException;-><init>(Ljava/lang/String;)V
    throw v0
    :ok
    return-void
.end method
"""),
    "Delegating.smali": _tls_class("Delegating", _TRUST_MANAGER, f"""
.field private final delegate:Ljavax/net/ssl/X509TrustManager;

.method public {CHECK_SERVER}
    .registers 4
    iget-object v0, p0, Lcom/example/tls/Delegating;->delegate:Ljavax/net/ssl/X509TrustManager;
    invoke-interface {{v0, p1, p2}}, Ljavax/net/ssl/X509TrustManager;->{CHECK_SERVER}
    return-void
.end method
"""),
    "AllowAllVerifier.smali": _tls_class("AllowAllVerifier", _VERIFIER, f"""
.method public {VERIFY}
    .registers 4
    const/4 v0, 0x1
    return v0
.end method
"""),
    "PinnedVerifier.smali": _tls_class("PinnedVerifier", _VERIFIER, f"""
.method public {VERIFY}
    .registers 4
    const-string v0, "api.example.com"
    invoke-virtual {{v0, p1}}, Ljava/lang/String;->equals(Ljava/lang/Object;)Z
    move-result v0
    return v0
.end method
"""),
    # Named and typed like a verifier, but no HostnameVerifier: nobody asks it.
    "NotAVerifier.smali": _tls_class("NotAVerifier", ".super Ljava/lang/Object;", f"""
.method public {VERIFY}
    .registers 4
    const/4 v0, 0x1
    return v0
.end method
"""),
    "LegacyClient.smali": _tls_class("LegacyClient", ".super Ljava/lang/Object;", f"""
.method public static allowAll(){X509_VERIFIER}
    .registers 1
    sget-object v0, {SOCKET_FACTORY}->ALLOW_ALL_HOSTNAME_VERIFIER:{X509_VERIFIER}
    return-object v0
.end method

.method public static strict(){X509_VERIFIER}
    .registers 1
    sget-object v0, {SOCKET_FACTORY}->STRICT_HOSTNAME_VERIFIER:{X509_VERIFIER}
    return-object v0
.end method

.method public static noop()Ljavax/net/ssl/HostnameVerifier;
    .registers 1
    new-instance v0, {NOOP}
    invoke-direct {{v0}}, {NOOP}-><init>()V
    return-object v0
.end method

.method public static noopInstance()Ljavax/net/ssl/HostnameVerifier;
    .registers 1
    sget-object v0, {NOOP}->INSTANCE:{NOOP}
    return-object v0
.end method
"""),
    # Proceeds only when a debug flag is set: still reported, the flag may be on.
    "LenientWebClient.smali": _tls_class("LenientWebClient", _WEB_CLIENT, f"""
.field public debug:Z

.method public {SSL_ERROR}
    .registers 5
    iget-boolean v0, p0, Lcom/example/tls/LenientWebClient;->debug:Z
    if-eqz v0, :cancel
    invoke-virtual {{p2}}, Landroid/webkit/SslErrorHandler;->proceed()V
    return-void
    :cancel
    invoke-virtual {{p2}}, Landroid/webkit/SslErrorHandler;->cancel()V
    return-void
.end method

.method public resume(Landroid/webkit/SslErrorHandler;)V
    .registers 2
    invoke-virtual {{p1}}, Landroid/webkit/SslErrorHandler;->proceed()V
    return-void
.end method
"""),
    "StrictWebClient.smali": _tls_class("StrictWebClient", _WEB_CLIENT, f"""
.method public {SSL_ERROR}
    .registers 4
    invoke-virtual {{p2}}, Landroid/webkit/SslErrorHandler;->cancel()V
    return-void
.end method
"""),
}  # fmt: skip


@pytest.fixture(scope="module")
def tls_dex(tmp_path_factory: pytest.TempPathFactory) -> DexFile:
    out = tmp_path_factory.mktemp("tls") / "classes.dex"
    return DexFile.parse(assemble_dex(TLS_SOURCES, out).read_bytes(), "classes.dex")


def _tls(scan: DexScan) -> set[tuple[str, str]]:
    """(detail, method) of each TLS indicator, the method without its package."""
    return {
        (i.detail, i.location.where.removeprefix("Lcom/example/tls/"))
        for i in scan.indicators
        if i.kind == TLS_KIND
    }


def _type(dex: DexFile, descriptor: str) -> int:
    return dex.type_ids.index(dex.strings.index(descriptor))


def test_tls_validation_switched_off(tls_dex: DexFile) -> None:
    scan = scan_dex(tls_dex)
    assert _tls(scan) == {
        (TRUST_ALL, f"TrustAll;->{CHECK_SERVER}"),
        (TRUST_ALL, f"KotlinTrustAll;->{CHECK_SERVER}"),
        (TRUST_ALL, f"ExtendedTrustAll;->{CHECK_SERVER}"),
        (TRUST_ALL, f"ExtendedTrustAll;->checkServerTrusted({CHAIN}Ljava/net/Socket;)V"),
        (TRUST_ALL, f"ExtendedTrustAll;->checkServerTrusted({CHAIN}Ljavax/net/ssl/SSLEngine;)V"),
        (HOST_ALL, f"AllowAllVerifier;->{VERIFY}"),
        (
            "SSLSocketFactory.ALLOW_ALL_HOSTNAME_VERIFIER accepts every host",
            f"LegacyClient;->allowAll(){X509_VERIFIER}",
        ),
        (
            "NoopHostnameVerifier accepts every host",
            "LegacyClient;->noop()Ljavax/net/ssl/HostnameVerifier;",
        ),
        (
            "NoopHostnameVerifier accepts every host",
            "LegacyClient;->noopInstance()Ljavax/net/ssl/HostnameVerifier;",
        ),
        (PROCEEDS, f"LenientWebClient;->{SSL_ERROR}"),
    }
    # Not reported: a check that throws (Strict) or delegates (Delegating), a verifier
    # that compares the host (PinnedVerifier), a class that only looks like a verifier,
    # the strict field, the client-side check, proceed() outside the callback, and a
    # WebViewClient that cancels.
    assert all(i.location.file == "classes.dex" for i in scan.indicators)
    assert scan.skipped_methods == 0


def test_supertypes_and_fields(tls_dex: DexFile) -> None:
    trust_all = tls_dex.supertypes(_type(tls_dex, "Lcom/example/tls/TrustAll;"))
    assert trust_all is not None
    assert trust_all.superclass == _type(tls_dex, "Ljava/lang/Object;")
    assert trust_all.interfaces == (_type(tls_dex, "Ljavax/net/ssl/X509TrustManager;"),)
    web = tls_dex.supertypes(_type(tls_dex, "Lcom/example/tls/StrictWebClient;"))
    assert web is not None and web.interfaces == ()
    assert web.superclass == _type(tls_dex, "Landroid/webkit/WebViewClient;")
    # Defined elsewhere (the platform): nothing to say.
    assert tls_dex.supertypes(_type(tls_dex, "Ljavax/net/ssl/X509TrustManager;")) is None
    [field_id] = tls_dex.fields_named(tls_dex.strings.index("ALLOW_ALL_HOSTNAME_VERIFIER"))
    assert tls_dex.field_ref(field_id) == FieldRef(
        SOCKET_FACTORY, "ALLOW_ALL_HOSTNAME_VERIFIER", X509_VERIFIER
    )
    assert tls_dex.fields_named(-1) == tls_dex.fields_named(len(tls_dex.strings)) == []
    with pytest.raises(DexError):
        tls_dex.field_ref(len(tls_dex.data))


def _uiautomator_dex() -> bytes:
    apk = importlib.resources.files("uiautomator2") / "assets/app-uiautomator.apk"
    with zipfile.ZipFile(str(apk)) as archive:
        return archive.read("classes.dex")


def test_real_apk_tls_callbacks() -> None:
    data = _uiautomator_dex()
    dex = DexFile.parse(data, "classes.dex")
    # Checked by hand with androguard: the one TLS callback class is OkHttp's
    # OkHostnameVerifier, whose verify(String, SSLSession) takes the peer certificate
    # and calls verify(String, X509Certificate): it checks. No class here implements
    # X509TrustManager or extends WebViewClient, and nothing names an allow-all verifier.
    verifier = "Lokhttp3/internal/tls/OkHostnameVerifier;"
    parents = dex.supertypes(_type(dex, verifier))
    assert parents is not None
    assert parents.interfaces == (_type(dex, "Ljavax/net/ssl/HostnameVerifier;"),)
    assert _tls(scan_dex(dex)) == set()
    # Its verify is read, not passed over: made to return true, it is reported.
    span = next(
        s
        for s in dex.code_spans()
        if isinstance(s, CodeSpan)
        and dex.method_ref(s.method_idx).descriptor() == f"{verifier}->{VERIFY}"
    )
    patched = bytearray(data)
    struct.pack_into("<2H", patched, span.insns_off, 0x1012, 0x000F)  # const/4 v0, 1; return v0
    found = _tls(scan_dex(DexFile.parse(bytes(patched), "classes.dex")))
    assert found == {(HOST_ALL, f"{verifier}->{VERIFY}")}


# --- against androguard, on a real app -------------------------------------------------


def test_matches_androguard_on_real_apk() -> None:
    from androguard.core.dex import DEX  # type: ignore[import-untyped]
    from loguru import logger

    logger.remove()
    apk = importlib.resources.files("uiautomator2") / "assets/app-uiautomator.apk"
    with zipfile.ZipFile(str(apk)) as archive:
        names = [n for n in archive.namelist() if n.startswith("classes") and n.endswith(".dex")]
        assert names
        for name in names:
            data = archive.read(name)
            ours = DexFile.parse(data, name)
            theirs = DEX(data)
            assert set(ours.strings) == set(theirs.get_strings())
            assert len(ours.strings) == len(theirs.get_strings())
            assert set(ours.class_names) == {c.get_name() for c in theirs.get_classes()}
            with_code = {
                f"{m.get_class_name()}->{m.get_name()}{m.get_descriptor().replace(' ', '')}"
                for c in theirs.get_classes()
                for m in c.get_methods()
                if m.get_code() is not None
            }
            assert {ref.descriptor() for ref, _ in ours.code_items()} == with_code
            result = scan_dex(ours)
            assert result.skipped_methods == 0


def test_string_users_match_androguard_on_real_apk() -> None:
    from androguard.core.dex import DEX
    from loguru import logger

    logger.remove()
    apk = importlib.resources.files("uiautomator2") / "assets/app-uiautomator.apk"
    with zipfile.ZipFile(str(apk)) as archive:
        data = archive.read("classes.dex")
    loads: dict[int, set[str]] = {}
    for method in (m for c in DEX(data).get_classes() for m in c.get_methods()):
        if method.get_code() is None:
            continue
        where = f"{method.get_class_name()}->{method.get_name()}"
        where += method.get_descriptor().replace(" ", "")
        for instruction in method.get_instructions():
            if instruction.get_name() in ("const-string", "const-string/jumbo"):
                loads.setdefault(instruction.get_ref_kind(), set()).add(where)
    dex = DexFile.parse(data, "classes.dex")
    urls = [i for i, text in enumerate(dex.strings) if "://" in text]
    assert len([i for i in urls if i in loads]) >= 5
    for index, users in string_users(dex, urls).items():
        assert set(users) <= loads.get(index, set())
        assert len(users) == len(set(users)) == min(5, len(loads.get(index, ())))
    # Every string, every user: the byte search misses no load androguard decodes.
    everything = string_users(dex, range(len(dex.strings)), per_string=len(dex.strings))
    assert {i: set(users) for i, users in everything.items() if users} == loads


# --- damaged and hostile files ---------------------------------------------------------


def _header(data: bytes, offset: int, value: int) -> bytes:
    return data[:offset] + struct.pack("<I", value) + data[offset + 4 :]


def _fast(action: Callable[[], object], seconds: float = 2.0) -> None:
    start = time.perf_counter()
    action()
    assert time.perf_counter() - start < seconds


def test_bad_magic_and_short_files(dex_bytes: bytes) -> None:
    for data in (b"", b"dex\n035\0", b"dey\n035\0" + dex_bytes[8:], b"dex\n099\0" + dex_bytes[8:]):
        with pytest.raises(DexError):
            DexFile.parse(data, "x.dex")
    with pytest.raises(DexError, match="endian"):
        DexFile.parse(_header(dex_bytes, 40, 0x78563412), "x.dex")


def test_truncated_files(dex_bytes: bytes) -> None:
    (strings_off,) = struct.unpack_from("<I", dex_bytes, 60)
    (first_string,) = struct.unpack_from("<I", dex_bytes, strings_off)
    cuts = [0x40, 0x70, strings_off + 6, first_string + 3, len(dex_bytes) // 2, len(dex_bytes) - 1]
    for cut in cuts:
        with pytest.raises(DexError):
            DexFile.parse(dex_bytes[:cut], "x.dex")
        # Even when the header is patched to claim the shorter size, the tables are checked.
        if cut >= 0x70:
            with pytest.raises(DexError):
                DexFile.parse(_header(dex_bytes[:cut], 32, cut), "x.dex")


@pytest.mark.parametrize("field", [56, 64, 72, 80, 88, 96])
def test_hostile_counts_and_offsets(dex_bytes: bytes, field: int) -> None:
    (count,) = struct.unpack_from("<I", dex_bytes, field)
    hostile = [_header(dex_bytes, field, 0xFFFFFFFF)]
    if count:
        hostile += [
            _header(dex_bytes, field + 4, len(dex_bytes) - 2),  # table runs past the end
            _header(dex_bytes, field + 4, 0xFFFFFFF0),  # starts past the end
            _header(dex_bytes, field + 4, 8),  # inside the header
        ]
    for data in hostile:
        with pytest.raises(DexError):
            _fast(lambda: DexFile.parse(data, "x.dex"))  # noqa: B023 (called at once)


def test_string_pointing_past_the_end(dex_bytes: bytes) -> None:
    (strings_off,) = struct.unpack_from("<I", dex_bytes, 60)
    with pytest.raises(DexError, match="string 0"):
        DexFile.parse(_header(dex_bytes, strings_off, len(dex_bytes) + 10), "x.dex")
    # A string with no terminator where its length says.
    unterminated = bytearray(dex_bytes + b"\x7f" + b"a" * 1000)
    struct.pack_into("<I", unterminated, strings_off, len(dex_bytes))
    struct.pack_into("<I", unterminated, 32, len(unterminated))
    with pytest.raises(DexError, match="no terminator"):
        DexFile.parse(bytes(unterminated), "x.dex")
    # Every string id aimed at one long string: refused, not decoded once per id.
    (count,) = struct.unpack_from("<I", dex_bytes, 56)
    long_string = b"\xe0\xd4\x03" + b"a" * 60_000 + b"\0"  # ULEB128 60000, the text, NUL
    shared = bytearray(dex_bytes + long_string)
    struct.pack_into(f"<{count}I", shared, strings_off, *([len(dex_bytes)] * count))
    struct.pack_into("<I", shared, 32, len(shared))
    with pytest.raises(DexError, match="overlaps"):
        _fast(lambda: DexFile.parse(bytes(shared), "x.dex"))


def test_hostile_class_data_is_skipped(dex_bytes: bytes) -> None:
    data = bytearray(dex_bytes)
    (class_defs_off,) = struct.unpack_from("<I", data, 100)
    # First class's class_data: counts of 0xFFFFFFFF each (5-byte ULEB128s), at the end.
    struct.pack_into("<I", data, class_defs_off + 24, len(data))
    data += b"\xff\xff\xff\xff\x0f" * 4
    struct.pack_into("<I", data, 32, len(data))
    dex = DexFile.parse(bytes(data), "x.dex")
    unreadable = [s for s in dex.code_spans() if isinstance(s, Unreadable)]
    assert len(unreadable) == 1 and "member counts" in unreadable[0].reason
    result: list[DexScan] = []
    _fast(lambda: result.append(scan_dex(dex)))
    assert result[0].skipped_methods == 1 and "member counts" in result[0].skip_reasons[0]
    # The other classes are still read.
    assert _uses(result[0], "filled")
    # Class data past the end of the file.
    struct.pack_into("<I", data, class_defs_off + 24, len(data) + 100)
    dex = DexFile.parse(bytes(data), "x.dex")
    assert [s.reason for s in dex.code_spans() if isinstance(s, Unreadable)] == [
        f"class data at 0x{len(data) + 100:x}: runs past the end of the file"
    ]


def test_code_running_off_the_end_is_skipped(dex_bytes: bytes) -> None:
    dex = DexFile.parse(dex_bytes, "classes.dex")
    span = _span(dex, "checks")
    data = bytearray(dex_bytes)
    # const-string (2 units), const/4 (1), then openFileOutput's 3-unit invoke: end after
    # its first unit, so the last instruction runs past the method's code.
    struct.pack_into("<I", data, span.insns_off - 4, 4)
    result = scan_dex(DexFile.parse(bytes(data), "classes.dex"))
    assert result.skipped_methods == 1
    assert "runs past the end" in result.skip_reasons[0]
    assert "checks(Landroid/app/Activity;)Z" in result.skip_reasons[0]
    assert _uses(result, "encrypt")  # the rest of the file is still scanned


def test_huge_array_payload_is_skipped(dex_bytes: bytes) -> None:
    dex = DexFile.parse(dex_bytes, "classes.dex")
    span = _span(dex, "filled")
    units = struct.unpack_from(f"<{span.insns_units}H", dex_bytes, span.insns_off)
    payload = span.insns_off + 2 * units.index(0x0300)
    data = bytearray(dex_bytes)
    struct.pack_into("<I", data, payload + 4, 0xFFFFFFFF)  # element count
    result: list[DexScan] = []
    _fast(lambda: result.append(scan_dex(DexFile.parse(bytes(data), "classes.dex"))))
    assert result[0].skipped_methods == 1
    assert "past the end of the code" in result[0].skip_reasons[0]
    assert _uses(result[0], "filled") == []


def test_code_item_past_the_end_is_unreadable(dex_bytes: bytes) -> None:
    dex = DexFile.parse(dex_bytes, "classes.dex")
    span = _span(dex, "isDebugged")
    data = bytearray(dex_bytes)
    struct.pack_into("<I", data, span.insns_off - 4, 0xFFFFFFFF)
    dex = DexFile.parse(bytes(data), "classes.dex")
    bad = [s for s in dex.code_spans() if isinstance(s, Unreadable)]
    assert len(bad) == 1 and "run past the file" in bad[0].reason
    assert len(list(dex.code_items())) == len(list(DexFile.parse(dex_bytes, "c").code_items())) - 1


def test_unused_opcode_is_skipped(dex_bytes: bytes) -> None:
    dex = DexFile.parse(dex_bytes, "classes.dex")
    span = _span(dex, "isDebugged")
    data = bytearray(dex_bytes)
    data[span.insns_off + 6] = 0x3E  # move-result → an unused opcode
    result = scan_dex(DexFile.parse(bytes(data), "classes.dex"))
    assert result.skipped_methods == 1 and "unused opcode 0x3e" in result.skip_reasons[0]


def _interfaces_at(data: bytearray, dex: DexFile, name: str, offset: int) -> None:
    """Point a class's interfaces_off (the 4th u32 of its class_def) at `offset`."""
    (class_defs_off,) = struct.unpack_from("<I", data, 100)
    struct.pack_into("<I", data, class_defs_off + 32 * dex.class_names.index(name) + 12, offset)


def test_interface_list_past_the_end_is_skipped(tls_dex: DexFile) -> None:
    data = bytearray(tls_dex.data)
    _interfaces_at(data, tls_dex, "Lcom/example/tls/TrustAll;", len(data) - 2)
    dex = DexFile.parse(bytes(data), "classes.dex")
    with pytest.raises(DexError, match="type list"):
        dex.supertypes(_type(dex, "Lcom/example/tls/TrustAll;"))
    scan = scan_dex(dex)
    assert scan.skipped_methods == 1
    assert scan.skip_reasons[0].startswith("Lcom/example/tls/TrustAll;: type list at")
    found = _tls(scan)
    assert (TRUST_ALL, f"TrustAll;->{CHECK_SERVER}") not in found
    assert (HOST_ALL, f"AllowAllVerifier;->{VERIFY}") in found  # the rest is still read


def test_overlapping_interface_lists_are_capped(tls_dex: DexFile) -> None:
    # Each class's interface list starts 4 bytes further into one run of words that
    # each claim 50,000 types (100 KB): read in full, together far more than the file.
    count = 50_000
    base = len(tls_dex.data)
    data = bytearray(tls_dex.data + struct.pack("<I", count) * count)
    struct.pack_into("<I", data, 32, len(data))
    for index, name in enumerate(tls_dex.class_names):
        _interfaces_at(data, tls_dex, name, base + 4 * index)
    dex = DexFile.parse(bytes(data), "classes.dex")
    with pytest.raises(DexError, match="type lists overlap"):
        _fast(lambda: [dex.supertypes(_type(dex, name)) for name in dex.class_names])
    result: list[DexScan] = []
    _fast(lambda: result.append(scan_dex(DexFile.parse(bytes(data), "classes.dex"))))
    assert any("type lists overlap" in reason for reason in result[0].skip_reasons)
