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

npm_who=build-viewer
source "$(dirname "${BASH_SOURCE[0]}")/npm-lib.sh"
npm_prepare viewer/web "three.js, esbuild and eslint" esbuild

rm -rf dist.tmp
mkdir -p dist.tmp
node_modules/.bin/esbuild src/main.js --bundle --format=esm --target=es2020 --minify \
    --sourcemap --log-level=warning --outfile=dist.tmp/viewer.js ||
    fail "esbuild could not bundle viewer/web/src (see above)"
cp index.html style.css dist.tmp/
rm -rf dist
mv dist.tmp dist
