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

npm_who=build-portal
source "$(dirname "${BASH_SOURCE[0]}")/npm-lib.sh"
npm_prepare web/portal "Vue, Element Plus, ECharts, Vite and eslint" vite

rm -rf dist.tmp
node_modules/.bin/vite build --logLevel warn --outDir dist.tmp >&2 ||
    fail "vite could not build web/portal (see above)"
rm -rf dist
mv dist.tmp dist
