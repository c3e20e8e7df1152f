"""The reference-case APK: what SecurityScorecard and NowSecure reported, built for real.

An Android app of the fictional DemoSeek chat service that embeds China Mobile's
one-click login SDK (classes under com.cmic.sso.sdk naming https://www.cmpassport.com/unisdk/),
ByteDance's AppLog, 3DES in ECB mode with a literal key, a password kept in
SharedPreferences, an anti-debugging check, an AWS key in an asset, cleartext allowed,
user CAs trusted, a debuggable build signed with a debug certificate, and a native
library (a real ELF built with the host's gcc) that names a cleartext endpoint.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.support.android_tools import ApkSpec, build_apk, manifest

CMIC_HELPER = """.class public Lcom/cmic/sso/sdk/AuthnHelper;
.super Ljava/lang/Object;

.method public static encrypt([B)[B
    .registers 6
    const-string v0, "DESede/ECB/PKCS5Padding"
    invoke-static {v0}, Ljavax/crypto/Cipher;->getInstance(Ljava/lang/String;)Ljavax/crypto/Cipher;
    move-result-object v0
    const-string v1, "cmcc-sso-3des-key-2025!!"
    invoke-virtual {v1}, Ljava/lang/String;->getBytes()[B
    move-result-object v1
    new-instance v2, Ljavax/crypto/spec/SecretKeySpec;
    const-string v3, "DESede"
    invoke-direct {v2, v1, v3}, Ljavax/crypto/spec/SecretKeySpec;-><init>([BLjava/lang/String;)V
    const/4 v3, 0x1
    invoke-virtual {v0, v3, v2}, Ljavax/crypto/Cipher;->init(ILjava/security/Key;)V
    invoke-virtual {v0, p0}, Ljavax/crypto/Cipher;->doFinal([B)[B
    move-result-object v0
    return-object v0
.end method

.method public static endpoint()Ljava/lang/String;
    .registers 1
    const-string v0, "https://www.cmpassport.com/unisdk/"
    return-object v0
.end method
"""

LOGIN_STORE = """.class public Lai/demoseek/chat/LoginStore;
.super Ljava/lang/Object;

.method public static save(Landroid/content/Context;Ljava/lang/String;)V
    .registers 5
    const-string v0, "session"
    const/4 v1, 0x0
    invoke-virtual {p0, v0, v1}, Landroid/content/Context;->getSharedPreferences(Ljava/lang/String;I)Landroid/content/SharedPreferences;
    move-result-object v0
    invoke-interface {v0}, Landroid/content/SharedPreferences;->edit()Landroid/content/SharedPreferences$Editor;
    move-result-object v0
    const-string v1, "password"
    invoke-interface {v0, v1, p1}, Landroid/content/SharedPreferences$Editor;->putString(Ljava/lang/String;Ljava/lang/String;)Landroid/content/SharedPreferences$Editor;
    move-result-object v0
    invoke-interface {v0}, Landroid/content/SharedPreferences$Editor;->apply()V
    invoke-static {}, Landroid/os/Debug;->isDebuggerConnected()Z
    move-result v0
    const-string v0, "chat_history.db"
    const/4 v1, 0x0
    const/4 v2, 0x0
    invoke-virtual {p0, v0, v1, v2}, Landroid/content/Context;->openOrCreateDatabase(Ljava/lang/String;ILandroid/database/sqlite/SQLiteDatabase$CursorFactory;)Landroid/database/sqlite/SQLiteDatabase;
    return-void
.end method

.method public static api()Ljava/lang/String;
    .registers 1
    const-string v0, "https://api.demoseek.ai/v1/chat/completions"
    return-object v0
.end method
"""  # noqa: E501

APPLOG = """.class public Lcom/bytedance/applog/AppLog;
.super Ljava/lang/Object;

.method public static host()Ljava/lang/String;
    .registers 1
    const-string v0, "https://gator.volces.com/service/2/app_log/"
    return-object v0
.end method
"""

NETWORK_SECURITY_CONFIG = """<?xml version="1.0" encoding="utf-8"?>
<network-security-config>
  <base-config cleartextTrafficPermitted="true">
    <trust-anchors>
      <certificates src="system"/>
      <certificates src="user"/>
    </trust-anchors>
  </base-config>
  <domain-config cleartextTrafficPermitted="true">
    <domain includeSubdomains="true">cmpassport.com</domain>
  </domain-config>
</network-security-config>
"""

APPLICATION = """
    <activity android:name=".MainActivity" android:exported="true">
      <intent-filter>
        <action android:name="android.intent.action.MAIN"/>
        <category android:name="android.intent.category.LAUNCHER"/>
      </intent-filter>
    </activity>
    <receiver android:name=".PushReceiver" android:exported="true"/>
"""

AWS_KEY = "AKIAZ7DEMOSEEK2K5QXA"
LITERAL_3DES_KEY = "cmcc-sso-3des-key-2025!!"
NATIVE_SOURCE = 'const char *collector = "http://tracker.demoseek.ai/collect?device=";\n'


def native_library(directory: Path) -> bytes:
    """A real shared object (ELF for the build machine) made by gcc."""
    compiler = shutil.which("gcc") or shutil.which("cc")
    if compiler is None:
        return b""
    source = directory / "native.c"
    source.write_text(NATIVE_SOURCE, encoding="utf-8")
    out = directory / "libdemoseek.so"
    subprocess.run([compiler, "-shared", "-fPIC", "-o", str(out), str(source)], check=True)
    return out.read_bytes()


def reference_apk(out: Path) -> Path:
    """The DemoSeek reference-case APK (needs smali, aapt, zipalign, apksigner)."""
    with tempfile.TemporaryDirectory() as tmp:
        library = native_library(Path(tmp))
    files = {
        "assets/config.json": (
            '{"upload": "http://upload.demoseek.ai/v2/files", "aws_access_key_id": "'
            + AWS_KEY
            + '"}'
        ).encode(),
    }
    if library:
        files["lib/arm64-v8a/libdemoseek.so"] = library
    spec = ApkSpec(
        manifest=manifest(
            "ai.demoseek.chat",
            APPLICATION,
            permissions=("android.permission.INTERNET", "android.permission.READ_PHONE_STATE"),
            application_attributes='android:debuggable="true" '
            'android:networkSecurityConfig="@xml/network_security_config"',
        ),
        resources={"xml/network_security_config.xml": NETWORK_SECURITY_CONFIG},
        smali={"AuthnHelper.smali": CMIC_HELPER, "LoginStore.smali": LOGIN_STORE},
        extra_dex=[{"AppLog.smali": APPLOG}],
        files=files,
    )
    return build_apk(spec, out)


IOS_CRYPTO_C = """
static const char kSessionKey[] = "DemoSeek-3DES-key-000001";
const char *log_endpoint(void) { return "http://log.demoseek.ai/v1/collect"; }
int encrypt_history(const void *in, size_t n, void *out, size_t cap, size_t *moved) {
  return CCCrypt(kCCEncrypt, kCCAlgorithm3DES, kCCOptionPKCS7Padding, kSessionKey, 24, 0,
                 in, n, out, cap, moved);
}
int main(void) { return 0; }
"""

IOS_APPLOG_C = """
const char *bd_auto_track_host(void) { return "https://gator.volces.com/service/2/app_log/"; }
"""

IOS_STORAGE_M = """
@interface DSLogin : NSObject
- (void)remember:(NSString *)password;
@end
@implementation DSLogin
- (void)remember:(NSString *)password {
  [[NSUserDefaults standardUserDefaults] setObject:password forKey:@"password"];
}
@end
"""

IOS_INFO = {
    "CFBundleIdentifier": "ai.demoseek.chat",
    "CFBundleExecutable": "DemoSeek",
    "CFBundleShortVersionString": "1.2.3",
    "CFBundleVersion": "45",
    "MinimumOSVersion": "14.0",
    "NSAppTransportSecurity": {"NSAllowsArbitraryLoads": True},
    "CFBundleURLTypes": [{"CFBundleURLSchemes": ["demoseek"]}],
    "NSCameraUsageDescription": "Scan documents to ask about them",
}
IOS_3DES_KEY = "DemoSeek-3DES-key-000001"


def reference_ipa(out: Path) -> Path:
    """The NowSecure case as an IPA: ATS off for the whole app, 3DES (CBC, no IV: zeros) with
    a key written in the binary, a cleartext endpoint, a password kept in NSUserDefaults, and
    Volcengine's RangersAppLog framework sending to volces.com (needs clang and ld64.lld)."""
    from tests.support.ipa_builder import build_macho, write_ipa

    with tempfile.TemporaryDirectory() as tmp:
        binary = build_macho(
            {"crypto.c": IOS_CRYPTO_C, "login.m": IOS_STORAGE_M}, Path(tmp) / "build"
        )
        applog = build_macho(
            {"applog.c": IOS_APPLOG_C},
            Path(tmp) / "applog",
            dylib="@rpath/RangersAppLog.framework/RangersAppLog",
        )
    files = {"Frameworks/RangersAppLog.framework/RangersAppLog": applog}
    return write_ipa(
        out, name="DemoSeek", info=IOS_INFO, binary=binary, files=files, binary_plist=True
    )
