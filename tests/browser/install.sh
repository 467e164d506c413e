#!/usr/bin/env bash
# Installs what the browser tests (tests/browser) need: Debian's Chromium at
# /usr/bin/chromium and the Noto CJK fonts, so Chinese renders with real glyphs.
exec "$(dirname "$0")/../../scripts/apt_install.sh" "browser tests" chromium fonts-noto-cjk
