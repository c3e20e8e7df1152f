#!/bin/sh
# Fetch the real third-party libraries that the behaviour tests load, at pinned versions,
# from the npm registry, and copy their browser builds and licences under tests/pages/.
# The fetched files are committed; run this again only to change a version.
#
#   sh scripts/fetch_behaviour_libs.sh
set -eu
cd "$(dirname "$0")/.."
PAGES=tests/pages
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# fetch PACKAGE@VERSION FILE-IN-PACKAGE DESTINATION [LICENCE-FILE-IN-PACKAGE]
fetch() {
    spec=$1 file=$2 dest=$3 licence=${4:-}
    dir="$WORK/$(echo "$spec" | tr '/@' '__')"
    mkdir -p "$dir"
    (cd "$dir" && npm pack "$spec" --silent >/dev/null && tar xzf ./*.tgz)
    mkdir -p "$(dirname "$PAGES/$dest")"
    cp "$dir/package/$file" "$PAGES/$dest"
    if [ -n "$licence" ]; then
        cp "$dir/package/$licence" "$PAGES/$(dirname "$dest")/LICENSE.$(basename "$dest")"
    fi
    echo "$spec: $file -> $PAGES/$dest ($(wc -c < "$PAGES/$dest") bytes)"
}

# Fingerprinting libraries, served from a fictional vendor CDN (third party in the tests).
fetch @fingerprintjs/fingerprintjs@5.2.0 dist/fp.umd.min.js \
    cdn.fp-vendor.net/fingerprintjs/5.2.0/fp.umd.min.js LICENSE
fetch @thumbmarkjs/thumbmarkjs@1.11.0 dist/thumbmark.umd.js \
    cdn.fp-vendor.net/thumbmarkjs/1.11.0/thumbmark.umd.js LICENSE
fetch clientjs@0.2.1 dist/client.base.min.js \
    cdn.fp-vendor.net/clientjs/0.2.1/client.base.min.js LICENSE

# Ordinary libraries that look like fingerprinting or key logging but are not.
fetch chart.js@4.6.1 dist/chart.umd.min.js www.fp-test.com/vendor/chart.umd.min.js LICENSE.md
fetch is-emoji-supported@0.0.5 dist/umd/is-emoji-supported.min.js \
    www.fp-test.com/vendor/is-emoji-supported.min.js
fetch quill@2.0.3 dist/quill.js www.fp-test.com/vendor/quill.js LICENSE
fetch quill@2.0.3 dist/quill.snow.css www.fp-test.com/vendor/quill.snow.css

# A real open-source session recorder, served from a fictional recording service.
fetch rrweb@2.2.2 umd/rrweb.min.js rec.replay-test.net/rrweb/2.2.2/rrweb.min.js
