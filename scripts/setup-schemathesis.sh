#!/usr/bin/env bash
# Installs schemathesis (PyPI), which tests/api_schemathesis.rs runs against the live API server
# and its OpenAPI document. Idempotent: a venv in a cache directory, reused when its schemathesis
# runs. Prints the venv's bin directory on stdout.
set -euo pipefail

if [ "$(id -u)" -eq 0 ]; then default_cache=/var/cache/cybriq-test; else default_cache="${XDG_CACHE_HOME:-$HOME/.cache}/cybriq"; fi
CACHE="${CYBRIQ_CACHE_DIR:-$default_cache}"
VENV="${SCHEMATHESIS_VENV:-$CACHE/schemathesis-venv}"
PY=/usr/bin/python3
VERSION=4.32.5

if [ -x "$VENV/bin/schemathesis" ] && "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "$VERSION"; then
  echo "$VENV/bin"
  exit 0
fi

[ -x "$PY" ] || { echo "setup-schemathesis: $PY not found (run ./scripts/setup.sh)" >&2; exit 1; }
if ! "$PY" -c 'import ensurepip' 2>/dev/null; then
  echo "setup-schemathesis: python3-venv is missing: run ./scripts/setup.sh" >&2
  exit 1
fi
mkdir -p "$(dirname "$VENV")"
rm -rf "$VENV"
"$PY" -m venv "$VENV"
"$VENV/bin/pip" install -q --disable-pip-version-check "schemathesis==$VERSION" >&2
echo "setup-schemathesis: installed schemathesis $VERSION in $VENV" >&2
echo "$VENV/bin"
