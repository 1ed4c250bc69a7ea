#!/usr/bin/env bash
# The one place that installs what cybriq needs on Debian 12.
#
#   ./scripts/setup.sh          build and run: libpcap, and the Debian packages the tests use as
#                               peers (tcpdump and tshark as decoding oracles and benchmark peers;
#                               tcpreplay injects frames for the live-capture test and benchmark;
#                               wrk loads the API in benches/api-wrk.sh;
#                               net-snmp's snmp and snmpd; rsyslog as the SIEM receiver; lldpd,
#                               isc-dhcp-client and udhcpc as the netns lab's real device stacks;
#                               avahi-daemon (mDNS/DNS-SD) and minidlna (SSDP) as the real
#                               service-discovery speakers of tests/mdns_live.rs;
#                               gcc-aarch64-linux-gnu, libc6-dev-arm64-cross and qemu-user for the
#                               NEON kernel check; lintian for the Debian package's test)
#   ./scripts/setup.sh --test   also what only the test command needs beyond Debian's packages:
#                               the snmpsim and schemathesis venvs (PyPI, scripts/setup-snmpsim.sh
#                               and scripts/setup-schemathesis.sh), the rustup target
#                               aarch64-unknown-linux-gnu, cargo-fuzz and cargo-deb (crates.io;
#                               cargo-deb also for scripts/build-deb.sh) and syslog-ng,
#                               the second SIEM-side parser (its .debs downloaded and unpacked
#                               into a cache directory, never installed: it conflicts with rsyslog)
#
# Idempotent; needs root (or sudo) for apt-get. The Rust toolchain (cargo, rustc >= 1.85) must
# already be on PATH. Tests and checks never install anything themselves: they fail, naming this
# script, when something is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

test_tools=0
case "${1:-}" in
  "") ;;
  --test) test_tools=1 ;;
  *) echo "setup: unknown argument '$1' (usage: setup.sh [--test])" >&2; exit 2 ;;
esac

need=(build-essential pkg-config libpcap-dev tcpdump tcpreplay tshark wrk rsyslog rsyslog-gnutls ieee-data snmp snmpd python3 python3-venv lldpd iproute2 isc-dhcp-client udhcpc
  avahi-daemon minidlna gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user lintian)
missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing ${missing[*]}" >&2
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
  # tshark asks whether non-root users may capture; answer no without a prompt.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# syslog-ng, the second SIEM-side parser tests/siem_parsers.rs runs, conflicts with rsyslog in
# Debian: its package and the libraries it needs that are not installed are downloaded and
# unpacked into a cache directory (never installed), where the test runs it from.
if [ "$(id -u)" -eq 0 ]; then default_cache=/var/cache/cybriq-test; else default_cache="${XDG_CACHE_HOME:-$HOME/.cache}/cybriq"; fi
SYSLOG_NG="${CYBRIQ_CACHE_DIR:-$default_cache}/syslog-ng"
if ((test_tools)) && ! [ -x "$SYSLOG_NG/root/usr/sbin/syslog-ng" ]; then
  debs=(syslog-ng-core)
  for p in $(apt-cache depends syslog-ng-core | awk '$1 == "Depends:" && $2 ~ /^lib/ {print $2}'); do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || debs+=("$p")
  done
  echo "setup: unpacking ${debs[*]} into $SYSLOG_NG" >&2
  rm -rf "$SYSLOG_NG/debs" "$SYSLOG_NG/root.new"
  mkdir -p "$SYSLOG_NG/debs" "$SYSLOG_NG/root.new"
  if ! (cd "$SYSLOG_NG/debs" && apt-get -o DPkg::Lock::Timeout=600 download -qq "${debs[@]}" 2>/dev/null); then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
    (cd "$SYSLOG_NG/debs" && apt-get -o DPkg::Lock::Timeout=600 download -qq "${debs[@]}")
  fi
  for d in "$SYSLOG_NG"/debs/*.deb; do dpkg-deb -x "$d" "$SYSLOG_NG/root.new"; done
  rm -rf "$SYSLOG_NG/root" "$SYSLOG_NG/debs"
  mv "$SYSLOG_NG/root.new" "$SYSLOG_NG/root"
fi

if ! command -v cargo >/dev/null; then
  [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
fi
command -v cargo >/dev/null || { echo "setup: cargo not found: install the Rust toolchain (rustup) first" >&2; exit 1; }

if ((test_tools)); then
  ./scripts/setup-snmpsim.sh >/dev/null
  ./scripts/setup-schemathesis.sh >/dev/null
  NEON_TARGET=aarch64-unknown-linux-gnu
  if ! rustc --print target-libdir --target "$NEON_TARGET" >/dev/null 2>&1 \
    || [ ! -d "$(rustc --print target-libdir --target "$NEON_TARGET")" ]; then
    command -v rustup >/dev/null || {
      echo "setup: the Rust standard library for $NEON_TARGET is missing and rustup is not on PATH" >&2
      exit 1
    }
    echo "setup: rustup target add $NEON_TARGET" >&2
    rustup target add "$NEON_TARGET" >&2
  fi
  command -v cargo-fuzz >/dev/null || [ -x "$HOME/.cargo/bin/cargo-fuzz" ] \
    || { echo "setup: cargo install cargo-fuzz" >&2; cargo install cargo-fuzz --locked --quiet; }
  # cargo-deb builds the Debian package (scripts/build-deb.sh, tests/package.rs). Pinned: its
  # metadata keys and debhelper snippets are what Cargo.toml and deploy/debian/ are written for.
  # Compiling it costs ~1.5 CPU-minutes once (about a minute on CI's 2 cores); later runs find it.
  CARGO_DEB_VERSION=3.8.0
  if [ "$(cargo deb --version 2>/dev/null)" != "cargo-deb $CARGO_DEB_VERSION" ]; then
    echo "setup: installing cargo-deb $CARGO_DEB_VERSION" >&2
    cargo install cargo-deb --version "$CARGO_DEB_VERSION" --locked --quiet
  fi
fi
echo "setup: ok ($(cargo --version))" >&2
