#!/usr/bin/env bash
# Make sure a Chinese (CJK) font is installed, so that PDF reports show Chinese text.
# Installs Debian's fonts-noto-cjk when no font with Chinese glyphs is present. Idempotent.
set -euo pipefail
if command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh 2>/dev/null | head -n 1)" ]; then
    exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
        echo "ensure-fonts: no CJK font and not root: install fonts-noto-cjk" >&2; exit 1
    fi
fi
log=$(mktemp)
if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y \
        --no-install-recommends -qq fonts-noto-cjk fontconfig; } >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    echo "ensure-fonts: could not install fonts-noto-cjk" >&2
    exit 1
fi
rm -f "$log"
