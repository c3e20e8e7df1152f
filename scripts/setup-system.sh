#!/bin/sh
# System packages aivet and its tests need, from Debian's archive when running as root:
#   chromium                    the browser aivet drives (or AIVET_CHROMIUM / Playwright's own)
#   squid, dnsmasq-base         real consumers of `aivet allowlist export` (tests parse with them)
#   redis-server, postgresql,   real data services that the exposure tests start on 127.0.0.1,
#   memcached, mariadb-server,  each in an open and a protected configuration
#   clickhouse-server, etcd-server, prometheus, jupyter-notebook, nginx-light
#   aapt, apksigner, zipalign,  real Android and iOS build tools that make the app-audit
#   android-framework-res,      tests' APKs (smali bytecode, aapt resources, v1-v3 signatures)
#   libsmali-java, clang, lld,  and IPAs (clang and ld64.lld link arm64 Mach-O executables)
#   default-jre-headless
# Without root, say what is missing; tests that need an absent tool skip with the reason.
# Usage: setup-system.sh [browser|all]   (browser: only what `aivet` itself needs)
set -eu
want="chromium"
[ "${1:-all}" = all ] && want="$want squid dnsmasq-base redis-server postgresql memcached \
    mariadb-server clickhouse-server etcd-server prometheus jupyter-notebook nginx-light \
    aapt apksigner zipalign android-framework-res libsmali-java clang lld default-jre-headless"
missing=""
for pkg in $want; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian packages:$missing"
    apt-get update -qq
    export DEBIAN_FRONTEND=noninteractive
    # The browser is required; the test tools are best effort (their tests skip without them).
    case "$missing" in *chromium*) apt-get install -y -qq chromium >/dev/null ;; esac
    for pkg in $missing; do
        [ "$pkg" = chromium ] && continue
        apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null 2>&1 \
            || echo "note: could not install $pkg; the tests that need it will skip" >&2
    done
    exit 0
fi
if [ -z "${AIVET_CHROMIUM:-}" ] && ! [ -x /usr/bin/chromium ]; then
    echo "aivet needs Chromium: install your distribution's chromium package," >&2
    echo "or run '.venv/bin/playwright install chromium', or set AIVET_CHROMIUM" >&2
    exit 1
fi
echo "note: not installed:$missing (some tests will skip)" >&2
