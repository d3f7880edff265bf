#!/usr/bin/env bash
# Make sure a program from a Debian package is installed, for the tests.
#
#   bash scripts/ensure-deb.sh PATH PACKAGE [PACKAGE ...]
#
# When PATH (a file, e.g. /usr/sbin/mosquitto) is missing, or PATH is "-" (the caller has
# checked already), installs the PACKAGEs with apt-get, non-interactively, without recommends,
# through sudo when not root, starting no service (scripts/deb-lib.sh, which the other
# ensure-*.sh installers share). Idempotent and silent when PATH exists; on failure one line
# starting with "ensure-deb:" (after apt's output) and a non-zero exit.
set -euo pipefail
deb_who=ensure-deb
source "$(dirname "${BASH_SOURCE[0]}")/deb-lib.sh"
[[ $# -ge 2 ]] || { echo "usage: ensure-deb.sh PATH PACKAGE [PACKAGE ...]" >&2; exit 2; }
target=$1
shift
[[ "$target" != - && -e "$target" ]] && exit 0
command -v apt-get >/dev/null 2>&1 ||
    fail "$target is missing and there is no apt-get: install Debian's $* by hand"
deb_need_root "installing $* needs root and sudo is not available"
for_what=""
[[ "$target" != - ]] && for_what=" (for $target)"
echo "ensure-deb: installing Debian's $*$for_what" >&2
deb_install "$@" || fail "$deb_failure"
[[ "$target" == - || -e "$target" ]] || fail "installed $* but $target is still missing"
