#!/usr/bin/env bash
# Make sure a program from a Debian package is installed, for the tests.
#
#   bash scripts/ensure-deb.sh PATH PACKAGE [PACKAGE ...]
#
# When PATH (a file, e.g. /usr/sbin/mosquitto) is missing, or PATH is "-" (the caller has
# checked already), installs the PACKAGEs with apt-get,
# non-interactively, without recommends, through sudo when not root. Services the packages
# would start are not needed (the tests start their own on loopback), so invoke-rc.d is told
# not to start any. Idempotent and silent when PATH exists; on failure one line starting with
# "ensure-deb:" (after apt's output) and a non-zero exit.
set -euo pipefail
[[ $# -ge 2 ]] || { echo "usage: ensure-deb.sh PATH PACKAGE [PACKAGE ...]" >&2; exit 2; }
target=$1
shift
fail() {
    echo "ensure-deb: $*" >&2
    exit 1
}
[[ "$target" != - && -e "$target" ]] && exit 0
command -v apt-get >/dev/null 2>&1 ||
    fail "$target is missing and there is no apt-get: install Debian's $* by hand"
as_root=()
if [[ "$(id -u)" -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || fail "installing $* needs root and sudo is not available"
    as_root=(sudo)
fi
for_what=""
[[ "$target" != - ]] && for_what=" (for $target)"
echo "ensure-deb: installing Debian's $*$for_what" >&2
log=$(mktemp "${TMPDIR:-/tmp}/ensure-deb.XXXXXX")
trap 'rm -f "$log"' EXIT
apt_opts=(-q -o DPkg::Lock::Timeout=300)
if ! "${as_root[@]}" apt-get "${apt_opts[@]}" update >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    fail "'apt-get update' failed (see above)"
fi
if ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 \
    apt-get "${apt_opts[@]}" install -y --no-install-recommends "$@" >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    fail "'apt-get install $*' failed (see above)"
fi
[[ "$target" == - || -e "$target" ]] || fail "installed $* but $target is still missing"
