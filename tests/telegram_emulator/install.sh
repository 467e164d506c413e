#!/usr/bin/env bash
# Installs the Telegram Bot API emulator (telegram-test-api, pinned in
# package-lock.json) into tests/telegram_emulator/node_modules.
#
# Idempotent: `npm ci` runs only when node_modules was not installed from the
# current package.json + package-lock.json (a hash of both, and of the node
# major version, is kept in node_modules/.lock-hash). Exits non-zero with a
# message when node or npm is missing or the install fails.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

for tool in node npm; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "telegram emulator: '$tool' is not installed; the Telegram end-to-end" \
            "tests need Node.js 18 or newer with npm (e.g. apt-get install nodejs npm)" >&2
        exit 1
    fi
done

node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 18 ]; then
    echo "telegram emulator: node $(node --version) is too old; need 18 or newer" >&2
    exit 1
fi

want="$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)-node${node_major}"
stamp="node_modules/.lock-hash"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] \
    && [ -f node_modules/telegram-test-api/package.json ]; then
    exit 0
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! npm ci --no-audit --no-fund --loglevel=error >"$log" 2>&1; then
    echo "telegram emulator: 'npm ci' failed in $here; its output:" >&2
    cat "$log" >&2
    exit 1
fi
printf '%s\n' "$want" >"$stamp"
