//! What attribution remembers of each switch: its names (for option 82's remote-id), its own
//! MACs, its ports (names, ifIndex, uplink flag, MAC count) from the last reachable table, and
//! when that table arrived (an update sequence number: the most recent table wins when a MAC
//! moved between switches). Switches are numbered in order of first appearance and never
//! forgotten; the indexes refer to them and their ports by number.

use std::collections::{HashMap, HashSet};

use crate::snmp::PortTable;
use crate::wire::MacAddr;

use super::ident::{normalize_ifname, parse_mac};

/// One interface of a switch as attribution needs it.
#[derive(Debug, Clone)]
pub struct PortInfo {
    /// ifName (what [`super::PortRef::port`] carries).
    pub name: String,
    /// ifDescr.
    pub descr: Option<String>,
    /// ifIndex.
    pub if_index: u32,
    /// Leads to other network gear (never an FDB edge location).
    pub uplink: bool,
    /// Distinct MACs the FDB puts behind it.
    pub mac_count: u32,
}

/// One switch.
#[derive(Debug, Clone, Default)]
pub struct SwitchState {
    /// Configured name (what [`super::PortRef::switch`] carries).
    pub name: String,
    /// sysName, when the switch reported one.
    pub sys_name: Option<String>,
    /// Host part of the polled address.
    pub address_host: Option<String>,
    /// Bridge address, LLDP chassis MAC, interface MACs.
    pub own_macs: HashSet<MacAddr>,
    /// Update sequence number of the last reachable table (higher = more recent).
    pub seq: u64,
    /// Ports of the last reachable table.
    pub ports: Vec<PortInfo>,
    /// Normalised ifName and ifDescr → port number.
    pub by_name: HashMap<String, u32>,
}

impl SwitchState {
    /// Replaces what is known of the switch with `table` (a reachable one), stamped `seq`.
    pub fn load(&mut self, table: &PortTable, seq: u64) {
        self.name.clone_from(&table.switch.name);
        self.sys_name.clone_from(&table.switch.sys_name);
        self.address_host = table.switch.address.as_deref().map(host_of);
        self.own_macs = table.own_macs.iter().filter_map(|m| parse_mac(m)).collect();
        self.seq = seq;
        self.ports = table
            .ports
            .iter()
            .map(|p| {
                let distinct: HashSet<&str> = p.macs.iter().map(|m| m.mac.as_str()).collect();
                PortInfo {
                    name: p.name.clone(),
                    descr: p.descr.clone(),
                    if_index: p.if_index,
                    uplink: p.uplink,
                    mac_count: u32::try_from(distinct.len()).unwrap_or(u32::MAX),
                }
            })
            .collect();
        self.by_name.clear();
        // ifName first, so an ifDescr that spells another port's ifName never shadows it.
        for (i, p) in self.ports.iter().enumerate() {
            self.by_name
                .entry(normalize_ifname(&p.name))
                .or_insert(i as u32);
        }
        for (i, p) in self.ports.iter().enumerate() {
            if let Some(d) = &p.descr {
                self.by_name.entry(normalize_ifname(d)).or_insert(i as u32);
            }
        }
    }

    /// Whether `name` is this switch's configured name or sysName (case-insensitive; a sysName
    /// also matches by its first DNS label).
    pub fn is_named(&self, name: &str) -> bool {
        let n = name.trim();
        let first = |s: &str| s.split('.').next().unwrap_or(s).to_owned();
        self.name.eq_ignore_ascii_case(n)
            || self.sys_name.as_deref().is_some_and(|s| {
                s.eq_ignore_ascii_case(n) || first(s).eq_ignore_ascii_case(&first(n))
            })
    }
}

/// `host` of `host:port`, `[v6]:port`, or a bare host.
fn host_of(address: &str) -> String {
    if let Some(rest) = address.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest).to_owned();
    }
    match address.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') && p.bytes().all(|b| b.is_ascii_digit()) => h.to_owned(),
        _ => address.to_owned(),
    }
}

/// Every switch seen, by number.
#[derive(Debug, Default)]
pub struct Registry {
    /// By number.
    pub switches: Vec<SwitchState>,
    by_name: HashMap<String, u32>,
}

impl Registry {
    /// The number of the switch called `name`, adding it when new.
    pub fn number(&mut self, name: &str) -> u32 {
        if let Some(&n) = self.by_name.get(name) {
            return n;
        }
        let n = self.switches.len() as u32;
        self.switches.push(SwitchState {
            name: name.to_owned(),
            ..SwitchState::default()
        });
        self.by_name.insert(name.to_owned(), n);
        n
    }

    /// Switch `n`.
    pub fn get(&self, n: u32) -> &SwitchState {
        &self.switches[n as usize]
    }

    /// Port `p` of switch `s`.
    pub fn port(&self, s: u32, p: u32) -> &PortInfo {
        &self.switches[s as usize].ports[p as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_of_addresses() {
        assert_eq!(host_of("10.0.0.1:161"), "10.0.0.1");
        assert_eq!(host_of("[2001:db8::1]:161"), "2001:db8::1");
        assert_eq!(host_of("2001:db8::1"), "2001:db8::1");
        assert_eq!(host_of("sw1.example.com"), "sw1.example.com");
    }

    #[test]
    fn names_match_case_insensitively_and_by_first_label() {
        let s = SwitchState {
            name: "access-1".into(),
            sys_name: Some("SW-Floor2.corp.example".into()),
            ..SwitchState::default()
        };
        assert!(s.is_named("ACCESS-1"));
        assert!(s.is_named("sw-floor2"));
        assert!(s.is_named("sw-floor2.corp.example"));
        assert!(!s.is_named("sw-floor3"));
    }
}
