#!/usr/bin/env bash
# The README's test command: set up, then lint, check the layer contracts, run every test.
# Fails when pytest collects no test (its exit code 5) instead of passing silently.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
# The storage tests start a real PostgreSQL server; install Debian's package if missing.
bash scripts/ensure-postgres.sh || exit 1
# PDF reports are tested with Chinese text: install a CJK font if missing.
bash scripts/ensure-fonts.sh || exit 1
# Off-screen images (pyvista/VTK) render through EGL with Mesa's software renderer.
bash scripts/ensure-render.sh || exit 1
# The MQTT tests start a real Mosquitto broker on loopback.
bash scripts/ensure-deb.sh /usr/sbin/mosquitto mosquitto || exit 1
# The web viewer is tested in Debian's Chromium, driven by Playwright.
bash scripts/ensure-deb.sh /usr/bin/chromium chromium || exit 1
export PATH="$PWD/.venv/bin:$PATH"

echo "== ruff" && ruff check . || exit 1
echo "== import-linter (layers)" && lint-imports || exit 1
echo "== pytest"
# Two processes (pytest-xdist), each test module kept in one (--dist loadfile): its module
# fixtures (live servers, brokers, databases) are built once. TWIN_TEST_WORKERS=0 runs serially.
workers="${TWIN_TEST_WORKERS:-2}"
if [ "$workers" = "0" ]; then
    pytest "$@"
else
    pytest -n "$workers" --dist loadfile "$@"
fi
rc=$?
if [ "$rc" -eq 5 ]; then
    echo "test: pytest collected no tests: treating that as a failure" >&2
    exit 1
fi
exit "$rc"
