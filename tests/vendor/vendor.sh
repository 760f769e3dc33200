#!/usr/bin/env bash
# Re-fetch the test-only front-end files from the npm registry (run by hand when upgrading). They are
# injected into pages by the browser tests, never served by the app. Versions are listed in VERSIONS.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent axe-core@4.14.1 >/dev/null && tar -xzf axe-core-4.14.1.tgz)
cp "$tmp/package/axe.min.js" axe.min.js
echo "axe-core 4.14.1 axe.min.js (MPL-2.0)" > VERSIONS
