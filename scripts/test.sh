#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs the dependencies and test peers, checks format and
# lints, runs every unit, property and integration test, then each fuzz target briefly.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
# snmpsim (PyPI) serves the switch recordings to the SNMP tests; put its venv's bin on PATH.
SNMPSIM_BIN="$(./scripts/setup-snmpsim.sh)"
export PATH="$PATH:$SNMPSIM_BIN"
export PATH="$HOME/.cargo/bin:$PATH"

cargo fmt --check
cargo clippy --all-targets --locked -- -D warnings
cargo test --locked --all-targets
./scripts/fuzz-smoke.sh
