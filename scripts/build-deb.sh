#!/usr/bin/env bash
# Builds the Debian package (docs/install.md): target/debian/cybriq_VERSION-1_ARCH.deb.
#
#   scripts/build-deb.sh                        release build, then the package
#   scripts/build-deb.sh --binary FILE [--output DIR] [-- CARGO-DEB-ARGS]
#                                               packages FILE, an already built cybriq (the
#                                               test suite's debug build: tests/package.rs), in a
#                                               staging target directory; builds nothing
#   Arguments after `--` go to cargo deb (e.g. `--deb-revision 2`, `--fast`).
#
# Between the build and `cargo deb --no-build`, the binary writes its own man pages and shell
# completions (`cybriq generate-assets`) where the package's assets expect them. cargo-deb comes
# from scripts/setup.sh --test; its metadata is `[package.metadata.deb]` in Cargo.toml.
set -euo pipefail
cd "$(dirname "$0")/.."

binary=""
output="target/debian"
while (($#)); do
  case "$1" in
    --binary) binary="$2"; shift 2 ;;
    --output) output="$2"; shift 2 ;;
    --) shift; break ;;
    *) echo "build-deb: unknown argument $1 (--binary FILE, --output DIR, -- CARGO-DEB-ARGS)" >&2; exit 2 ;;
  esac
done
command -v cargo-deb >/dev/null || { echo "build-deb: cargo-deb not installed: run scripts/setup.sh --test" >&2; exit 1; }

if [ -z "$binary" ]; then
  cargo build --release --locked --bin cybriq
  target="${CARGO_TARGET_DIR:-target}"
else
  [ -x "$binary" ] || { echo "build-deb: $binary is not an executable" >&2; exit 1; }
  # cargo-deb takes `target/release/…` assets from the target directory it is given: a staging
  # one, so a real release build in target/ is never touched.
  target="$(mktemp -d "${TMPDIR:-/tmp}/cybriq-deb.XXXXXX")"
  trap 'rm -rf "$target"' EXIT
  mkdir -p "$target/release"
  cp "$binary" "$target/release/cybriq"
  export CARGO_TARGET_DIR="$target"
fi
rm -rf "$target/release/assets"
"$target/release/cybriq" generate-assets "$target/release/assets"
# cargo-deb compresses man pages it did not build only; these it counts as built.
gzip -9n "$target/release/assets/man/"*.1
mkdir -p "$output"
# Stripped: the packaged binary is ~8x smaller (Rust panics still name the function).
cargo deb --no-build --locked --strip --output "$output" "$@"
