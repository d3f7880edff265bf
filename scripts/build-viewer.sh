#!/usr/bin/env bash
# Build the web viewer (viewer/web) into viewer/web/dist/, which the API serves at /viewer.
#
# 1. `npm ci` installs three.js, esbuild and eslint from viewer/web/package-lock.json, only
#    when the lock file changed since the last install (a stamp file in node_modules holds its
#    hash).
# 2. eslint checks src/ (viewer/web/eslint.config.js: recommended rules, browser globals,
#    functions of at most 80 lines); any error stops the build.
# 3. esbuild bundles src/main.js (minified, with a source map) into dist/viewer.js, and
#    index.html and style.css are copied beside it. The bundle loads nothing from outside the
#    server that serves it (no CDN, system fonts).
#
# Idempotent; quiet unless it installs. On failure it prints one line starting with
# "build-viewer:" and exits non-zero.
set -euo pipefail

fail() {
    echo "build-viewer: $*" >&2
    exit 1
}

web="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/viewer/web"
cd "$web"
command -v npm >/dev/null 2>&1 || fail "npm is not installed (Debian package 'npm'; Node.js 18+)"
[[ -f package-lock.json ]] || fail "viewer/web/package-lock.json is missing"

lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.twin-lock-sha256
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$lock_hash" || ! -x node_modules/.bin/esbuild
      || ! -x node_modules/.bin/eslint ]]
then
    echo "build-viewer: installing three.js, esbuild and eslint (npm ci)" >&2
    log=$(mktemp "${TMPDIR:-/tmp}/build-viewer.XXXXXX")
    if ! npm ci --no-audit --no-fund >"$log" 2>&1; then
        tail -n 20 "$log" >&2
        rm -f "$log"
        fail "'npm ci' failed in viewer/web (see above)"
    fi
    rm -f "$log"
    echo "$lock_hash" >"$stamp"
fi

node_modules/.bin/eslint . >&2 ||
    fail "eslint found problems in viewer/web (see above; config: viewer/web/eslint.config.js)"

rm -rf dist.tmp
mkdir -p dist.tmp
node_modules/.bin/esbuild src/main.js --bundle --format=esm --target=es2020 --minify \
    --sourcemap --log-level=warning --outfile=dist.tmp/viewer.js ||
    fail "esbuild could not bundle viewer/web/src (see above)"
cp index.html style.css dist.tmp/
rm -rf dist
mv dist.tmp dist
