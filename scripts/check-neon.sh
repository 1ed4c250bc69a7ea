#!/usr/bin/env bash
# Builds src/score/kernel.rs for aarch64 (through the standalone score-neon-check/ crate, which
# includes the file by path: the whole crate would need an arm64 libpcap) and runs its kernel
# tests under qemu-aarch64: the NEON f32 kernel must equal the scalar loop within 1e-5 on random,
# tiny, huge and denormal inputs, and the NEON i8 kernel must be exact. Also lints the file as
# aarch64 code and runs the same tests natively (the x86_64 kernels).
#
# Needs what ./scripts/setup.sh installs (gcc-aarch64-linux-gnu, libc6-dev-arm64-cross, qemu-user;
# with --test the rustup target aarch64-unknown-linux-gnu). Fails, never skips, when any is missing. About 10 s on a warm machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
TARGET=aarch64-unknown-linux-gnu

need=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user)
missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "check-neon: ${missing[*]} missing: run ./scripts/setup.sh" >&2
  exit 1
fi

if ! rustc --print target-libdir --target "$TARGET" >/dev/null 2>&1 \
  || [ ! -d "$(rustc --print target-libdir --target "$TARGET")" ]; then
  echo "check-neon: the Rust standard library for $TARGET is missing: run ./scripts/setup.sh --test" >&2
  exit 1
fi

export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu"
cd score-neon-check
cargo clippy --quiet --target "$TARGET" --all-targets -- -D warnings
cargo test --quiet --target "$TARGET"
cargo test --quiet
echo "check-neon: NEON and x86_64 kernels agree with the scalar loop" >&2
