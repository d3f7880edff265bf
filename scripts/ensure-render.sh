#!/usr/bin/env bash
# Make sure VTK (pyvista) can render off-screen without a display, for `twin snapshot`,
# `twin tour` and their tests.
#
# Without an X display, viewer/snapshot.py asks VTK for its EGL window
# (VTK_DEFAULT_OPENGL_WINDOW=vtkEGLRenderWindow); on a machine without a GPU, Mesa's EGL and
# its software rasteriser (llvmpipe) do the drawing. That needs Debian's libegl1 (the EGL
# loader), libegl-mesa0 (Mesa's EGL vendor library) and libgl1-mesa-dri (the swrast/llvmpipe
# driver). When any of them is missing this script installs them non-interactively (apt-get,
# without recommends, through sudo when not root).
#
# Idempotent and silent when the libraries are already there. On failure it prints one line
# starting with "ensure-render:" (after apt's output, if apt failed) and exits non-zero.
set -euo pipefail

fail() {
    echo "ensure-render: $*" >&2
    exit 1
}

packages=(libegl1 libegl-mesa0 libgl1-mesa-dri)

have_libraries() {
    local lib
    for lib in libEGL.so.1 libEGL_mesa.so.0; do
        ldconfig -p 2>/dev/null | grep -q "$lib" || return 1
    done
    # Mesa's EGL vendor file (glvnd) and a software driver.
    compgen -G "/usr/share/glvnd/egl_vendor.d/*mesa*.json" >/dev/null || return 1
    compgen -G "/usr/lib/*/dri/swrast_dri.so" >/dev/null ||
        compgen -G "/usr/lib/*/dri/kms_swrast_dri.so" >/dev/null || return 1
    return 0
}

have_libraries && exit 0

command -v apt-get >/dev/null 2>&1 ||
    fail "the EGL/Mesa libraries for off-screen rendering are missing and there is no" \
        "apt-get: install ${packages[*]} (or your system's Mesa EGL) by hand"

as_root=()
if [[ "$(id -u)" -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 ||
        fail "installing ${packages[*]} needs root and sudo is not available:" \
            "run 'apt-get install ${packages[*]}' as root"
    as_root=(sudo)
fi

echo "ensure-render: installing Debian's ${packages[*]} (off-screen rendering)" >&2
log=$(mktemp "${TMPDIR:-/tmp}/ensure-render.XXXXXX")
trap 'rm -f "$log"' EXIT
apt_opts=(-q -o DPkg::Lock::Timeout=300)
if ! "${as_root[@]}" apt-get "${apt_opts[@]}" update >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    fail "'apt-get update' failed (see above): cannot install ${packages[*]}"
fi
if ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get "${apt_opts[@]}" install -y --no-install-recommends "${packages[@]}" >"$log" 2>&1
then
    tail -n 20 "$log" >&2
    fail "'apt-get install ${packages[*]}' failed (see above): no off-screen rendering"
fi

have_libraries ||
    fail "installed ${packages[*]} but libEGL/Mesa's EGL or its software driver is still missing"
