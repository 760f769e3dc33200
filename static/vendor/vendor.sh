#!/usr/bin/env bash
# Re-fetch the vendored front-end files from the npm registry (run by hand when upgrading; the app never
# downloads anything at run time). Versions are pinned here and listed in static/vendor/VERSIONS.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fetch() { # package version file-in-package target
  (cd "$tmp" && npm pack --silent "$1@$2" >/dev/null && mkdir -p "$1" && tar -xzf "${1//\//-}"-"$2".tgz -C "$1")
  cp "$tmp/$1/package/$3" "$4"
  echo "$1 $2 $3" >> VERSIONS.new
}
: > VERSIONS.new
fetch htmx.org 2.0.11 dist/htmx.min.js htmx.min.js
fetch signature_pad 5.1.4 dist/signature_pad.umd.min.js signature_pad.umd.min.js
fetch idb 8.0.4 build/umd.js idb.umd.js
mv VERSIONS.new VERSIONS
