#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs the dependencies and test peers, checks format and
# lints, runs every unit, property and integration test, then each fuzz target briefly.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"

cargo fmt --check
cargo clippy --all-targets --locked -- -D warnings
cargo test --locked --all-targets
./scripts/fuzz-smoke.sh
