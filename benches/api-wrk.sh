#!/usr/bin/env bash
# The REST API under wrk, side by side with a bare axum + rustls endpoint returning the same
# bytes, with 100,000 devices in the store while a pipeline replays into it
# (examples/api_bench.rs; docs/api.md, "Benchmark"). Not part of scripts/test.sh.
# Needs wrk (scripts/setup.sh). Arguments go to the harness: --devices N --secs S --replay-fps F.
# The report is printed and written to target/bench-api-report.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "api-wrk: wrk not found: run scripts/setup.sh" >&2; exit 1; }
exec cargo run --release --locked --example api_bench -- "$@"
