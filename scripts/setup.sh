#!/usr/bin/env bash
# Installs what cybriq needs to build, run and test on Debian 12: libpcap (build and run), and
# the test peers (tcpdump and tshark as decoding oracles and benchmark peers; tcpreplay injects
# frames for the live-capture test and benchmark; wrk loads the API in benches/api-wrk.sh; net-snmp's snmp and
# snmpd, python3-venv for the snmpsim agent; lldpd, isc-dhcp-client and udhcpc as the netns lab's real device stacks). Idempotent; needs
# root (or sudo) for apt-get. The Rust toolchain (cargo, rustc >= 1.85) must already be on PATH.
set -euo pipefail

need=(build-essential pkg-config libpcap-dev tcpdump tcpreplay tshark wrk rsyslog rsyslog-gnutls ieee-data snmp snmpd python3 python3-venv lldpd iproute2 isc-dhcp-client udhcpc)
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
echo "setup: ok ($(cargo --version))" >&2
