#!/usr/bin/env bash
# Make sure VTK (pyvista) can render off-screen without a display, for `twin snapshot`,
# `twin tour` and their tests.
#
# Without an X display, viewer/snapshot.py asks VTK for its EGL window
# (VTK_DEFAULT_OPENGL_WINDOW=vtkEGLRenderWindow); on a machine without a GPU, Mesa's EGL and
# its software rasteriser (llvmpipe) do the drawing. That needs Debian's libegl1 (the EGL
# loader), libegl-mesa0 (Mesa's EGL vendor library) and libgl1-mesa-dri (the swrast/llvmpipe
# driver). When any of them is missing this script installs them non-interactively (apt-get,
# without recommends, through sudo when not root, with scripts/ensure-deb.sh).
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

# apt-get, sudo and error reporting are ensure-deb.sh's ("-": we checked, install them).
bash "$(dirname "${BASH_SOURCE[0]}")/ensure-deb.sh" - "${packages[@]}" ||
    fail "could not install ${packages[*]}: no off-screen rendering"

have_libraries ||
    fail "installed ${packages[*]} but libEGL/Mesa's EGL or its software driver is still missing"
