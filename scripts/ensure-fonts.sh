#!/usr/bin/env bash
# Make sure a Chinese (CJK) font is installed, so that PDF reports show Chinese text.
# Installs Debian's fonts-noto-cjk when no font with Chinese glyphs is present (apt-get, through
# sudo when not root; scripts/deb-lib.sh). Idempotent.
set -euo pipefail
if command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh 2>/dev/null | head -n 1)" ]; then
    exit 0
fi
deb_who=ensure-fonts
source "$(dirname "${BASH_SOURCE[0]}")/deb-lib.sh"
deb_need_root "no CJK font and not root: install fonts-noto-cjk"
deb_install fonts-noto-cjk fontconfig || fail "could not install fonts-noto-cjk"
