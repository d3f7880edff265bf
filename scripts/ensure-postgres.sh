#!/usr/bin/env bash
# Make sure a PostgreSQL server binary (initdb and postgres) is installed, for the storage tests.
#
# The tests start their own throw-away server (tests/pg_server.py: initdb in a temporary
# directory, listening on 127.0.0.1 only); they never use a system cluster or service. This
# script only provides the binaries: when none is found it installs Debian's `postgresql`
# package non-interactively (apt-get, through sudo when not root: scripts/deb-lib.sh). Before
# installing, it adds a postgresql-common drop-in (create_main_cluster = false) so that the
# package does not create nor start its own "main" cluster on port 5432: nothing needs to run
# besides the tests' server.
#
# Idempotent and silent when the binaries are already there. On failure it prints one line
# starting with "ensure-postgres:" (after apt's output, if apt failed) and exits non-zero.
set -euo pipefail
deb_who=ensure-postgres
source "$(dirname "${BASH_SOURCE[0]}")/deb-lib.sh"

# The same places tests/pg_server.py looks in: `pg_config --bindir`, then Debian's
# /usr/lib/postgresql/<version>/bin.
have_server() {
    local dir
    if command -v pg_config >/dev/null 2>&1; then
        dir=$(pg_config --bindir 2>/dev/null || true)
        if [[ -n "$dir" && -x "$dir/initdb" && -x "$dir/postgres" ]]; then
            return 0
        fi
    fi
    for dir in /usr/lib/postgresql/*/bin; do
        if [[ -x "$dir/initdb" && -x "$dir/postgres" ]]; then
            return 0
        fi
    done
    return 1
}

# PostgreSQL refuses to run as root: as root, the tests run it as the `postgres` system user.
check_root_user() {
    if [[ "$(id -u)" -eq 0 ]] && ! getent passwd postgres >/dev/null; then
        fail "running as root but there is no 'postgres' system user to run the test server as" \
            "(Debian's postgresql package creates it)"
    fi
}

if have_server; then
    check_root_user
    exit 0
fi

command -v apt-get >/dev/null 2>&1 ||
    fail "no PostgreSQL server (initdb, postgres) found and no apt-get to install it:" \
        "install the PostgreSQL server (Debian package 'postgresql') by hand"

deb_need_root "no PostgreSQL server found; installing Debian's 'postgresql' package needs root" \
    "and sudo is not available: run 'apt-get install postgresql' as root"

echo "ensure-postgres: installing Debian's postgresql package (server binaries for the tests)" >&2

# No "main" cluster: postgresql-common reads create_main_cluster from createcluster.conf, which
# includes /etc/postgresql-common/createcluster.d/*.conf. Left alone if an admin set it up.
dropin_dir=/etc/postgresql-common/createcluster.d
dropin="$dropin_dir/00-no-main-cluster.conf"
if [[ ! -e "$dropin" ]]; then
    "${deb_as_root[@]}" mkdir -p "$dropin_dir" ||
        fail "could not create $dropin_dir"
    printf '%s\n' \
        "# Written by scripts/ensure-postgres.sh (facility twin): its tests start their own" \
        "# PostgreSQL server and need no system cluster. Delete this file to get the usual" \
        "# 'main' cluster with the next PostgreSQL version installed (or run pg_createcluster)." \
        "create_main_cluster = false" |
        "${deb_as_root[@]}" tee "$dropin" >/dev/null ||
        fail "could not write $dropin"
fi

if ! deb_install postgresql; then
    [[ "$deb_failed_step" == update ]] &&
        fail "$deb_failure: cannot install Debian's postgresql package"
    fail "$deb_failure: no PostgreSQL server for the tests"
fi

have_server ||
    fail "Debian's postgresql package is installed but no initdb/postgres was found" \
        "under /usr/lib/postgresql/*/bin"
check_root_user
