//! Rule 4, DHCP option 82 (relay agent information, RFC 3046): a switch doing DHCP snooping or
//! relaying inserts the port the client is on (circuit-id, sub-option 1) and itself (remote-id,
//! sub-option 2). RFC 3046 leaves both opaque, so each vendor has its own format; these are the
//! ones decoded (anything else stays undecoded and the observation unattributed by this rule):
//!
//! | sub-option | bytes / text | meaning | vendor, source |
//! |---|---|---|---|
//! | circuit-id | `00 04 VV VV MM PP` (type 0, length 4) | VLAN, module, port: `Gi<MM>/…/<PP>` | Cisco IOS/IOS-XE DHCP snooping default ("option-82 data insertion", Catalyst 2960/3560/3750/9300 configuration guides: sub-option 1 length 6, circuit-ID type 0 length 4, VLAN 2 bytes, module 1 byte, port 1 byte; module = stack member) |
//! | circuit-id | `01 LL <text>` (type 1, length LL) | configured string, decoded as text below | Cisco `ip dhcp snooping information option format-type circuit-id string` (same guides) |
//! | circuit-id | `Gi1/0/24`, `GigabitEthernet1/0/24`, `Ethernet1/3`, `Gi1/0/24:10` | interface name (ifName/ifDescr, long or short), optional `:vlan` | Cisco IOS-XE/NX-OS interface-name formats, Arista EOS relay default (interface name) |
//! | circuit-id | `ge-0/0/1.0:vlan` or `host:ge-0/0/1.0:vlan` | Junos interface.unit, VLAN name, optional host prefix | Juniper Junos "DHCP option 82" for EX/QFX (default circuit-id = interface and VLAN name; `prefix host-name`) |
//! | circuit-id | `1/1/24` | member/slot/port | ArubaOS-CX, Alcatel-Lucent OmniSwitch, Dell OS10 (port name without a type prefix) |
//! | circuit-id | `eth0/1`, `node eth 1/24:100` | TR-101 access-node format `<node> eth <slot>/<port>[:<vlan>]` | Broadband Forum TR-101 §3.9.3 (used by many access switches as the ASCII default) |
//! | circuit-id | `24` (decimal ASCII) | the receiving port's ifIndex | Aruba/HPE ProVision (ArubaOS-Switch Management and Configuration Guide, "DHCP option 82": circuit-id = port number, which is the ifIndex on ProVision) |
//! | remote-id | `00 06 <6-byte MAC>` (type 0, length 6) | the switch's MAC (base bridge address) | Cisco IOS default (same guides) |
//! | remote-id | `01 LL <text>` (type 1) | configured string / hostname | Cisco `ip dhcp snooping information option format remote-id hostname|string` |
//! | remote-id | 6 raw bytes | the switch's MAC | Aruba/HPE ProVision `remote-id mac` (default) |
//! | remote-id | 4 raw bytes | the switch's IPv4 management address | Aruba/HPE ProVision `remote-id ip` / `mgmt-vlan` |
//! | remote-id | `aa:bb:cc:dd:ee:ff`, `aabb.ccdd.eeff`, `10.0.0.2`, `sw-floor2` | MAC, IP or hostname as text | Juniper (`remote-id` hostname / MAC), Arista, ArubaOS-CX; RFC 3046 §3.2 examples |
//!
//! The remote-id names the switch: by configured name or sysName (case-insensitive, first DNS
//! label), by its own MACs (`PortTable::own_macs`), or by the address it is polled at. Without
//! a remote-id (or a Junos/TR-101 host prefix) the circuit must match a port on exactly one
//! known switch. The circuit names the port: by ifName/ifDescr (long or short spelling,
//! [`normalize_ifname`]), by ifIndex, or for the Cisco binary form by module and port number
//! (the first and last numbers of the interface name; ports of virtual types are ignored, and
//! when a fast and a gigabit port share the numbers the uplink one is dropped). Anything
//! ambiguous stays unattributed.

use std::net::IpAddr;
use std::sync::LazyLock;

use regex::Regex;

use crate::wire::MacAddr;

use super::ident::{if_numbers, is_virtual_prefix, normalize_ifname, parse_mac};
use super::registry::{Registry, SwitchState};

/// A decoded circuit-id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Circuit {
    /// Cisco's binary default: VLAN, module (stack member), port.
    VlanModulePort {
        /// VLAN of the client.
        vlan: u16,
        /// Module / stack member number.
        module: u8,
        /// Port number.
        port: u8,
    },
    /// A decimal ifIndex (Aruba/HPE ProVision).
    IfIndex(u32),
    /// An interface by name.
    Interface {
        /// Interface name as sent (`Gi1/0/24`, `ge-0/0/1.0`, `1/1/24`, `eth1/24`).
        name: String,
        /// Host / access-node name before the interface (Junos `prefix host-name`, TR-101).
        node: Option<String>,
        /// VLAN (number or name) after the interface.
        vlan: Option<String>,
    },
}

/// A decoded remote-id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteId {
    /// The switch's MAC.
    Mac(MacAddr),
    /// The switch's address.
    Ip(IpAddr),
    /// The switch's hostname or a configured string.
    Name(String),
}

/// Printable ASCII (trailing NULs dropped, white space trimmed), or `None`.
fn ascii(b: &[u8]) -> Option<&str> {
    let end = b.iter().rposition(|&c| c != 0).map_or(0, |p| p + 1);
    let s = std::str::from_utf8(&b[..end]).ok()?;
    let s = s.trim();
    (!s.is_empty() && s.bytes().all(|c| (0x20..0x7f).contains(&c))).then_some(s)
}

/// The inner value of Cisco's `type, length, value` wrapping (type 1 = ASCII string).
fn cisco_string(b: &[u8]) -> Option<&str> {
    match b {
        [1, len, rest @ ..] if *len as usize == rest.len() => ascii(rest),
        _ => None,
    }
}

static JUNOS_IF: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?i)[a-z]{2,4}-\d+/\d+/\d+(?:\.\d+)?$").expect("static regex"));
static NAMED_IF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?i)[a-z][a-z-]*\s?\d+(?:/\d+)*(?:\.\d+)?$").expect("static regex")
});
static NUMBERED_IF: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\d+(?:/\d+)+$").expect("static regex"));
static TR101: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?i)(?:(\S+)\s+)?(eth|atm)\s*(\d+(?:/\d+)+)(?::(\S+))?$").expect("static regex")
});

fn looks_like_interface(s: &str) -> bool {
    JUNOS_IF.is_match(s) || NAMED_IF.is_match(s) || NUMBERED_IF.is_match(s)
}

/// Decodes the circuit-id sub-option's value, `None` when its format is none of the table's.
pub fn decode_circuit_id(b: &[u8]) -> Option<Circuit> {
    if let [0, 4, v1, v2, module, port] = *b {
        return Some(Circuit::VlanModulePort {
            vlan: u16::from_be_bytes([v1, v2]),
            module,
            port,
        });
    }
    let text = cisco_string(b).or_else(|| ascii(b))?;
    circuit_text(text)
}

fn circuit_text(t: &str) -> Option<Circuit> {
    if t.bytes().all(|c| c.is_ascii_digit()) {
        return t.parse().ok().map(Circuit::IfIndex);
    }
    if let Some(c) = TR101.captures(t) {
        return Some(Circuit::Interface {
            name: format!("{}{}", c[2].to_ascii_lowercase(), &c[3]),
            node: c.get(1).map(|m| m.as_str().to_owned()),
            vlan: c.get(4).map(|m| m.as_str().to_owned()),
        });
    }
    let parts: Vec<&str> = t.split(':').map(str::trim).collect();
    let i = parts.iter().position(|p| looks_like_interface(p))?;
    if i > 1 || parts.len() > i + 2 {
        return None;
    }
    Some(Circuit::Interface {
        name: parts[i].to_owned(),
        node: (i == 1).then(|| parts[0].to_owned()),
        vlan: parts.get(i + 1).map(|s| (*s).to_owned()),
    })
}

/// Decodes the remote-id sub-option's value, `None` when its format is none of the table's.
pub fn decode_remote_id(b: &[u8]) -> Option<RemoteId> {
    if let [0, 6, mac @ ..] = b {
        return MacAddr::from_bytes(mac).map(RemoteId::Mac);
    }
    if let Some(t) = cisco_string(b) {
        return Some(remote_text(t));
    }
    match ascii(b) {
        Some(t) => Some(remote_text(t)),
        None => match b.len() {
            6 => MacAddr::from_bytes(b).map(RemoteId::Mac),
            4 => Some(RemoteId::Ip(IpAddr::from([b[0], b[1], b[2], b[3]]))),
            _ => None,
        },
    }
}

fn remote_text(t: &str) -> RemoteId {
    if let Some(m) = parse_mac(t) {
        return RemoteId::Mac(m);
    }
    if let Ok(ip) = t.parse::<IpAddr>() {
        return RemoteId::Ip(ip);
    }
    RemoteId::Name(t.to_owned())
}

/// Whether the remote-id (or circuit host prefix) names switch `s`.
fn names(r: &RemoteId, s: &SwitchState) -> bool {
    match r {
        RemoteId::Mac(m) => s.own_macs.contains(m),
        RemoteId::Ip(ip) => s
            .address_host
            .as_deref()
            .and_then(|h| h.parse::<IpAddr>().ok())
            .is_some_and(|h| h == *ip),
        RemoteId::Name(n) => s.is_named(n),
    }
}

/// The port of switch `s` the circuit names.
fn port_of(c: &Circuit, s: &SwitchState) -> Option<u32> {
    let physical = |name: &str| if_numbers(name).filter(|(prefix, _)| !is_virtual_prefix(prefix));
    match c {
        Circuit::IfIndex(i) => s
            .ports
            .iter()
            .position(|p| p.if_index == *i)
            .map(|p| p as u32)
            .or_else(|| s.by_name.get(&i.to_string()).copied()),
        Circuit::VlanModulePort { module, port, .. } => {
            let hits: Vec<u32> = s
                .ports
                .iter()
                .enumerate()
                .filter(|(_, p)| {
                    physical(&p.name).is_some_and(|(_, n)| {
                        n.len() >= 2
                            && n.first() == Some(&u32::from(*module))
                            && n.last() == Some(&u32::from(*port))
                    })
                })
                .map(|(i, _)| i as u32)
                .collect();
            let edge: Vec<u32> = hits
                .iter()
                .copied()
                .filter(|&i| !s.ports[i as usize].uplink)
                .collect();
            match (hits.as_slice(), edge.as_slice()) {
                ([one], _) | (_, [one]) => Some(*one),
                _ => None,
            }
        }
        Circuit::Interface { name, .. } => {
            // Junos `ge-0/0/1.0`: the physical port first, then the logical unit.
            let base = name.rsplit_once('.').map_or(name.as_str(), |(b, _)| b);
            for n in [base, name.as_str()] {
                if let Some(&p) = s.by_name.get(&normalize_ifname(n)) {
                    return Some(p);
                }
            }
            let (prefix, nums) = if_numbers(base)?;
            let generic = prefix.is_empty() || matches!(prefix.as_str(), "eth" | "e" | "et");
            let want = normalize_ifname(base);
            let hits: Vec<u32> = s
                .ports
                .iter()
                .enumerate()
                .filter(|(_, p)| {
                    physical(&p.name).is_some_and(|(pp, n)| {
                        n == nums && (generic || normalize_ifname(&p.name) == want || pp == prefix)
                    })
                })
                .map(|(i, _)| i as u32)
                .collect();
            match hits.as_slice() {
                [one] => Some(*one),
                _ => None,
            }
        }
    }
}

/// The (switch, port) that option 82 names, when exactly one known switch port fits.
pub fn resolve(
    circuit_id: Option<&[u8]>,
    remote_id: Option<&[u8]>,
    reg: &Registry,
) -> Option<(u32, u32)> {
    let circuit = decode_circuit_id(circuit_id?)?;
    let node = match &circuit {
        Circuit::Interface { node: Some(n), .. } => Some(RemoteId::Name(n.clone())),
        _ => None,
    };
    let remote = remote_id.and_then(decode_remote_id).or(node);
    let known = reg
        .switches
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.ports.is_empty());
    let no_own_macs = reg.switches.iter().all(|s| s.own_macs.is_empty());
    let candidates: Vec<u32> = match &remote {
        // Tables read back from JSON carry no own MACs: fall back to a unique port match.
        Some(RemoteId::Mac(_)) if no_own_macs => known.map(|(i, _)| i as u32).collect(),
        Some(r) => known
            .filter(|(_, s)| names(r, s))
            .map(|(i, _)| i as u32)
            .collect(),
        None => known.map(|(i, _)| i as u32).collect(),
    };
    let mut hits = candidates
        .into_iter()
        .filter_map(|s| port_of(&circuit, reg.get(s)).map(|p| (s, p)));
    let first = hits.next()?;
    hits.next().is_none().then_some(first)
}
