# Functions the scripts/ensure-*.sh installers share; sourced, never run. Set deb_who (the
# script's name: the prefix of its messages) first:
#
#   deb_who=ensure-x
#   source "$(dirname "${BASH_SOURCE[0]}")/deb-lib.sh"
#
# fail MESSAGE...
#     Print "$deb_who: MESSAGE" on stderr and exit 1.
# deb_need_root MESSAGE...
#     As root: nothing. Otherwise run apt-get through sudo (deb_as_root=(sudo)), or fail with
#     MESSAGE when there is no sudo.
# deb_install PACKAGE...
#     apt-get update, then install the PACKAGEs non-interactively, without recommends, waiting
#     up to 5 minutes for dpkg's lock. Services the packages would start are not needed (the
#     tests start their own on loopback), so invoke-rc.d is told not to start any. apt's output
#     goes to a temporary file; on failure its last 20 lines are shown on stderr, deb_failed_step
#     is "update" or "install", deb_failure one line saying which command failed, and the
#     status is 1.
: "${deb_who:?set deb_who before sourcing deb-lib.sh}"

fail() {
    echo "$deb_who: $*" >&2
    exit 1
}

deb_as_root=()

deb_need_root() {
    if [[ "$(id -u)" -ne 0 ]]; then
        command -v sudo >/dev/null 2>&1 || fail "$@"
        deb_as_root=(sudo)
    fi
}

deb_install() {
    local log
    local apt_opts=(-q -o DPkg::Lock::Timeout=300)
    deb_failed_step=""
    deb_failure=""
    log=$(mktemp "${TMPDIR:-/tmp}/$deb_who.XXXXXX")
    if ! "${deb_as_root[@]}" apt-get "${apt_opts[@]}" update >"$log" 2>&1; then
        deb_failed_step=update
        deb_failure="'apt-get update' failed (see above)"
    elif ! "${deb_as_root[@]}" env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 \
        apt-get "${apt_opts[@]}" install -y --no-install-recommends "$@" >"$log" 2>&1; then
        deb_failed_step=install
        deb_failure="'apt-get install $*' failed (see above)"
    fi
    [[ -z "$deb_failed_step" ]] || tail -n 20 "$log" >&2
    rm -f "$log"
    [[ -z "$deb_failed_step" ]]
}
