#!/usr/bin/env bash
# Runs every cargo-fuzz target briefly on its seeds: the corpus frames for `frame`, the
# per-protocol seed payloads in fuzz/seeds/<target>/ for the others. A crash fails the script.
#   FUZZ_SECONDS   seconds per target (default 10)
# cargo-fuzz needs nightly features (sanitizer flags); with the stable toolchain they are enabled
# through RUSTC_BOOTSTRAP=1 for this build only.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${FUZZ_SECONDS:-10}"
export RUSTC_BOOTSTRAP=1

command -v cargo-fuzz >/dev/null || { echo "fuzz: cargo-fuzz is missing: run ./scripts/setup.sh --test" >&2; exit 1; }

cargo run --quiet --example frame_seeds -- fuzz/corpus/frame
cargo fuzz build -O

targets=$(cargo fuzz list)
for t in $targets; do
  mkdir -p "fuzz/corpus/$t"
  seeds=()
  [ -d "fuzz/seeds/$t" ] && seeds+=("fuzz/seeds/$t")
  echo "fuzz: $t for ${secs}s" >&2
  cargo fuzz run -O "$t" "fuzz/corpus/$t" "${seeds[@]}" -- \
    -max_total_time="$secs" -rss_limit_mb=2048 -print_final_stats=1 2>&1 \
    | grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==|SUMMARY|.*panicked)' || true
  # cargo fuzz exits non-zero on a crash; pipefail carries it through grep's `|| true` only for
  # grep, so check the artifacts directory explicitly.
  if compgen -G "fuzz/artifacts/$t/crash-*" >/dev/null || compgen -G "fuzz/artifacts/$t/timeout-*" >/dev/null; then
    echo "fuzz: $t found a crash or timeout: fuzz/artifacts/$t/" >&2
    ls -l "fuzz/artifacts/$t/" >&2
    exit 1
  fi
done
echo "fuzz: all targets ran ${secs}s without a crash" >&2
