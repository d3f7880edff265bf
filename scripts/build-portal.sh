#!/usr/bin/env bash
# Build the web portal (web/portal) into web/portal/dist/, which the API serves at / (with a
# history fallback for deep links: twin/portal/router.py).
#
# 1. `npm ci` installs Vue, Element Plus, ECharts, vue-i18n, vue-router, Vite and eslint from
#    web/portal/package-lock.json, only when the lock file changed since the last install (a
#    stamp file in node_modules holds its hash).
# 2. eslint checks src/ (web/portal/eslint.config.js); any error stops the build.
# 3. Vite builds index.html and src/ into dist/ (index.html, hashed files in dist/assets/). The
#    bundle loads nothing from outside the server that serves it (no CDN, system fonts).
#
# Idempotent; quiet unless it installs. On failure it prints one line starting with
# "build-portal:" and exits non-zero.
set -euo pipefail

fail() {
    echo "build-portal: $*" >&2
    exit 1
}

web="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/web/portal"
cd "$web"
command -v npm >/dev/null 2>&1 || fail "npm is not installed (Debian package 'npm'; Node.js 20+)"
[[ -f package-lock.json ]] || fail "web/portal/package-lock.json is missing"

lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.twin-lock-sha256
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$lock_hash" || ! -x node_modules/.bin/vite
      || ! -x node_modules/.bin/eslint ]]
then
    echo "build-portal: installing Vue, Element Plus, ECharts, Vite and eslint (npm ci)" >&2
    log=$(mktemp "${TMPDIR:-/tmp}/build-portal.XXXXXX")
    if ! npm ci --no-audit --no-fund >"$log" 2>&1; then
        tail -n 20 "$log" >&2
        rm -f "$log"
        fail "'npm ci' failed in web/portal (see above)"
    fi
    rm -f "$log"
    echo "$lock_hash" >"$stamp"
fi

node_modules/.bin/eslint . >&2 ||
    fail "eslint found problems in web/portal (see above; config: web/portal/eslint.config.js)"

rm -rf dist.tmp
node_modules/.bin/vite build --logLevel warn --outDir dist.tmp >&2 ||
    fail "vite could not build web/portal (see above)"
rm -rf dist
mv dist.tmp dist
