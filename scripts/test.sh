#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs the dependencies and test peers (setup.sh --test), checks format and
# lints, runs every unit, property and integration test, then each fuzz target briefly.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --test
# snmpsim (PyPI) serves the switch recordings to the SNMP tests; put its venv's bin on PATH.
SNMPSIM_BIN="$(./scripts/setup-snmpsim.sh)"
export PATH="$PATH:$SNMPSIM_BIN"
# schemathesis (PyPI) fuzzes the live API server against its OpenAPI document (tests/api_schemathesis.rs).
SCHEMATHESIS_BIN="$(./scripts/setup-schemathesis.sh)"
export PATH="$PATH:$SCHEMATHESIS_BIN"
export PATH="$HOME/.cargo/bin:$PATH"

# A fresh clone gains nothing from incremental artefacts; they only cost disk.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

cargo fmt --check
cargo clippy --all-targets --locked -- -D warnings
cargo test --locked --all-targets
./scripts/check-neon.sh  # NEON kernel cross-built for aarch64, tested under qemu (~10 s warm)
# On CI (`.ci/run` sets CYBRIQ_CI=1) the test build is no longer needed: free its disk before the
# sanitizer build of the fuzz targets, which needs several GiB of its own.
if [ "${CYBRIQ_CI:-0}" = 1 ]; then
  rm -rf target/debug
fi
./scripts/fuzz-smoke.sh
