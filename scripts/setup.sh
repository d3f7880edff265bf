#!/usr/bin/env bash
# Set up everything the twin needs on a fresh machine: a virtual environment in .venv with the
# project and its test tools. Idempotent: re-running only installs what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "setup: Python >= 3.11 is required (found: $("$PYTHON" --version 2>&1))" >&2
    exit 1
fi
if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv" >&2
    "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
    echo "setup: installing the project and its test tools into .venv" >&2
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e '.[test]'
    rm -f .venv/.installed-* && touch "$stamp"
fi
# The web viewer: three.js from npm, bundled with esbuild into viewer/web/dist.
bash scripts/build-viewer.sh || exit 1
# The web portal: Vue 3 + Element Plus + ECharts from npm, built with Vite into web/portal/dist.
bash scripts/build-portal.sh || exit 1
