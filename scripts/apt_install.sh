#!/usr/bin/env bash
# Installs Debian packages that are missing: scripts/apt_install.sh PURPOSE PKG...
#
# Used by `make test` (browser tests: chromium, fonts-noto-cjk) and by production
# mode (nginx). Idempotent: apt-get runs only when a package is not installed.
# Prints one line saying what it did; exits non-zero with a message when it
# cannot install (no apt-get, not root and no password-less sudo, apt-get failed).
set -euo pipefail

purpose="$1"
shift
missing=()
for package in "$@"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ "${#missing[@]}" -eq 0 ]; then
    echo "$purpose: $* already installed"
    exit 0
fi

fail() {
    echo "$purpose: cannot install ${missing[*]}: $1" >&2
    echo "       install them yourself (apt-get install ${missing[*]})" >&2
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
# Debian's packages try to start their service on install; policy-rc.d (where
# present) or the missing init system stops that, and we start nginx ourselves.
if ! { as_root apt-get update -qq \
    && as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
    >"$log" 2>&1; then
    cat "$log" >&2
    fail "apt-get failed (its output is above)"
fi
for package in "${missing[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || fail "apt-get succeeded but $package is missing"
done
echo "$purpose: installed ${missing[*]} with apt-get"
