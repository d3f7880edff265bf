# What scripts/build-viewer.sh and scripts/build-portal.sh share; sourced, never run. Set
# npm_who (the script's name: the prefix of its messages) first:
#
#   npm_who=build-x
#   source "$(dirname "${BASH_SOURCE[0]}")/npm-lib.sh"
#
# fail MESSAGE...
#     Print "$npm_who: MESSAGE" on stderr and exit 1.
# npm_prepare FOLDER WHAT TOOL...
#     cd into FOLDER (relative to the repository), run `npm ci` from its package-lock.json when
#     the lock changed since the last install (a stamp file in node_modules holds its hash) or a
#     TOOL is missing from node_modules/.bin (WHAT names the packages in the message), then run
#     eslint on the folder: any error stops the build. Quiet unless it installs.
: "${npm_who:?set npm_who before sourcing npm-lib.sh}"

fail() {
    echo "$npm_who: $*" >&2
    exit 1
}

npm_prepare() {
    local folder=$1 what=$2
    shift 2
    cd "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/$folder"
    command -v npm >/dev/null 2>&1 || fail "npm is not installed (Debian package 'npm'; Node.js 20+)"
    [[ -f package-lock.json ]] || fail "$folder/package-lock.json is missing"

    local lock_hash stamp=node_modules/.twin-lock-sha256 missing=no tool log
    lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
    for tool in "$@" eslint; do
        [[ -x node_modules/.bin/$tool ]] || missing=yes
    done
    if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$lock_hash" || $missing == yes ]]; then
        echo "$npm_who: installing $what (npm ci)" >&2
        log=$(mktemp "${TMPDIR:-/tmp}/$npm_who.XXXXXX")
        if ! npm ci --no-audit --no-fund >"$log" 2>&1; then
            tail -n 20 "$log" >&2
            rm -f "$log"
            fail "'npm ci' failed in $folder (see above)"
        fi
        rm -f "$log"
        echo "$lock_hash" >"$stamp"
    fi

    node_modules/.bin/eslint . >&2 ||
        fail "eslint found problems in $folder (see above; config: $folder/eslint.config.js)"
}
