#!/usr/bin/env bash
# Installs what the browser tests (tests/browser) need: Debian's Chromium at
# /usr/bin/chromium and the Noto CJK fonts, so Chinese renders with real glyphs.
#
# Idempotent: apt-get runs only when one of them is missing. Prints one line
# saying what it did; exits non-zero with a message when it cannot install
# (no apt-get, not root and no password-less sudo, or apt-get failed).
set -euo pipefail

chromium=/usr/bin/chromium
font_file=/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

have_cjk_fonts() {
    if command -v fc-list >/dev/null 2>&1; then
        [ -n "$(fc-list ':family=Noto Sans CJK TC' file 2>/dev/null)" ]
    else
        [ -f "$font_file" ]
    fi
}

missing=()
[ -x "$chromium" ] || missing+=(chromium)
have_cjk_fonts || missing+=(fonts-noto-cjk)

if [ "${#missing[@]}" -eq 0 ]; then
    echo "browser tests: chromium and fonts-noto-cjk already installed"
    exit 0
fi

fail() {
    echo "browser tests: cannot install ${missing[*]}: $1" >&2
    echo "       install them yourself (apt-get install chromium fonts-noto-cjk)" >&2
    exit 1
}

command -v apt-get >/dev/null 2>&1 || fail "apt-get is not available"
if [ "$(id -u)" -eq 0 ]; then
    as_root() { "$@"; }
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root() { sudo -n "$@"; }
else
    fail "not root and no password-less sudo"
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
export DEBIAN_FRONTEND=noninteractive
if ! { as_root apt-get update -qq \
    && as_root apt-get install -y -qq "${missing[@]}"; } >"$log" 2>&1; then
    cat "$log" >&2
    fail "apt-get failed (its output is above)"
fi
if [ ! -x "$chromium" ] || ! have_cjk_fonts; then
    fail "apt-get succeeded but $chromium or the Noto Sans CJK fonts are still missing"
fi
echo "browser tests: installed ${missing[*]} with apt-get"
