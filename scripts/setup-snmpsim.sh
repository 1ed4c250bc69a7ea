#!/usr/bin/env bash
# Installs the SNMP agent simulator (snmpsim, PyPI) that the SNMP tests and the `snmp` benchmark
# serve the switch recordings with. Idempotent: a venv in a cache directory, reused when its
# snmpsim-command-responder already runs. Prints the venv's bin directory on stdout.
#
# Debian's /usr/bin/python3 is used on purpose: snmpsim drops privileges to nobody when started as
# root, and an interpreter installed under /root (pyenv) cannot read its standard library then.
# snmpsim 1.2.2 does not pull in pysmi itself.
set -euo pipefail

# As root the venv must sit outside /root (mode 700), or nobody cannot import it.
if [ "$(id -u)" -eq 0 ]; then default_cache=/var/cache/cybriq-test; else default_cache="${XDG_CACHE_HOME:-$HOME/.cache}/cybriq"; fi
CACHE="${CYBRIQ_CACHE_DIR:-$default_cache}"
VENV="${SNMPSIM_VENV:-$CACHE/snmpsim-venv}"
PY=/usr/bin/python3

if [ -x "$VENV/bin/snmpsim-command-responder" ] && "$VENV/bin/python" -c 'import snmpsim, pysmi' 2>/dev/null; then
  echo "$VENV/bin"
  exit 0
fi

[ -x "$PY" ] || { echo "setup-snmpsim: $PY not found (run ./scripts/setup.sh)" >&2; exit 1; }
if ! "$PY" -c 'import ensurepip' 2>/dev/null; then
  echo "setup-snmpsim: python3-venv is missing: run ./scripts/setup.sh" >&2
  exit 1
fi
mkdir -p "$(dirname "$VENV")"
"$PY" -m venv "$VENV"
"$VENV/bin/pip" install -q --disable-pip-version-check 'snmpsim==1.2.2' 'pysnmp==7.1.30' 'pysmi==2.0.0' >&2
# The venv must be readable by nobody (snmpsim drops privileges when started as root).
chmod -R a+rX "$VENV"
echo "setup-snmpsim: installed snmpsim in $VENV" >&2
echo "$VENV/bin"
