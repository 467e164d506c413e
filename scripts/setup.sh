#!/usr/bin/env bash
# Set up a checkout: find Python 3.10, create .venv, install the pinned packages,
# then build what the assistant needs (scripts/build.py). Fast when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."

is_py310() { [ -n "$1" ] && "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' >/dev/null 2>&1; }

find_python() {
  local candidate
  for candidate in "${PYTHON:-}" python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10 \
      "$HOME"/.pyenv/versions/3.10*/bin/python3.10; do
    if is_py310 "$candidate"; then echo "$candidate"; return 0; fi
  done
  if command -v pyenv >/dev/null 2>&1; then
    candidate="$(pyenv root)/versions/$(pyenv versions --bare 2>/dev/null | grep -E '^3\.10' | tail -1)/bin/python3.10"
    if is_py310 "$candidate"; then echo "$candidate"; return 0; fi
  fi
  return 1
}

if ! is_py310 .venv/bin/python; then
  if ! python=$(find_python); then
    echo "error: Python 3.10 is required (Rasa 3.6 runs on Python 3.8-3.10) and was not found." >&2
    echo "       Install it (pyenv install 3.10, or apt-get install python3.10) or set PYTHON=/path/to/python3.10." >&2
    exit 1
  fi
  echo "==> creating .venv with $python"
  rm -rf .venv
  "$python" -m venv .venv
fi

lock_hash=$(sha256sum requirements.lock | cut -c1-16)
if [ "$(cat .venv/.lock-hash 2>/dev/null)" != "$lock_hash" ]; then
  echo "==> installing pinned packages from requirements.lock (first time: about 2 minutes)"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade 'pip<25' >/dev/null
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
  echo "$lock_hash" > .venv/.lock-hash
fi

# TensorFlow (pulled in by spaCy and Rasa) is chatty on import; keep set-up readable.
export TF_CPP_MIN_LOG_LEVEL=2
exec .venv/bin/python -m scripts.build "$@"
