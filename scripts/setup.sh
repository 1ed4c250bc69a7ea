#!/usr/bin/env bash
# Installs what cybriq needs to build, run and test on Debian 12: libpcap (build and run), and
# the test peers (tcpdump and tshark as decoding oracles and benchmark peers; tcpreplay injects
# frames for the live-capture test and benchmark; net-snmp's snmp and
# snmpd, python3-venv for the snmpsim agent; lldpd, isc-dhcp-client and udhcpc as the netns lab's real device stacks; lintian for
# the Debian package's test), and cargo-deb from crates.io (scripts/build-deb.sh). Idempotent; needs
# root (or sudo) for apt-get. The Rust toolchain (cargo, rustc >= 1.85) must already be on PATH.
set -euo pipefail

need=(build-essential pkg-config libpcap-dev tcpdump tcpreplay tshark rsyslog rsyslog-gnutls ieee-data snmp snmpd python3 python3-venv lldpd iproute2 isc-dhcp-client udhcpc lintian)
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

if ! command -v cargo >/dev/null; then
  [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
fi
command -v cargo >/dev/null || { echo "setup: cargo not found: install the Rust toolchain (rustup) first" >&2; exit 1; }

# cargo-deb builds the Debian package (scripts/build-deb.sh, tests/package.rs). Pinned: its
# metadata keys and debhelper snippets are what Cargo.toml and deploy/debian/ are written for.
# Compiling it costs ~1.5 CPU-minutes once (about a minute on CI's 2 cores); later runs find it.
CARGO_DEB_VERSION=3.8.0
if [ "$(cargo deb --version 2>/dev/null)" != "cargo-deb $CARGO_DEB_VERSION" ]; then
  echo "setup: installing cargo-deb $CARGO_DEB_VERSION" >&2
  cargo install cargo-deb --version "$CARGO_DEB_VERSION" --locked --quiet
fi
echo "setup: ok ($(cargo --version))" >&2
