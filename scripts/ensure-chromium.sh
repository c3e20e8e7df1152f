#!/bin/sh
# Make sure a Chromium is there for Playwright to drive: AIVET_CHROMIUM, Debian's chromium,
# or (with no root) a hint to use Playwright's own download.
set -eu
if [ -n "${AIVET_CHROMIUM:-}" ] && [ -x "${AIVET_CHROMIUM}" ]; then exit 0; fi
if [ -x /usr/bin/chromium ] || [ -x /usr/bin/chromium-browser ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian's chromium package (needed to audit pages)..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    exit 0
fi
echo "aivet needs Chromium: install your distribution's chromium package," >&2
echo "or run '.venv/bin/playwright install chromium', or set AIVET_CHROMIUM=/path/to/chrome" >&2
exit 1
