#!/bin/sh
# Regenerate the demo site's generated files (obfuscated SDK, vendored js-cookie).
# Needs Node.js 18+ and npm; installs the pinned versions from package-lock.json.
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
node build.mjs
