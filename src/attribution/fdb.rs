//! Rule 3, the forwarding tables: the device's MAC (`obs.mac`; for DHCP the `chaddr`, so a
//! relayed frame whose source is the relay still finds the client) → the switch port whose FDB
//! holds it.
//!
//! Choosing among the places the MAC is known:
//! 1. uplink ports are never edge locations (the poller marks them, as netdisco does); a MAC
//!    known only behind uplinks is not attributed here;
//! 2. an entry learned in the frame's VLAN (outermost tag) wins over entries in other VLANs;
//! 3. the most recently updated table wins (the device moved; the older table is stale);
//! 4. within one table, the port with fewer MACs behind it, then the lower port number, so the
//!    answer never depends on hash order.

use std::collections::HashMap;

use crate::wire::MacAddr;

use super::ident::parse_mac;
use super::registry::Registry;
use crate::snmp::PortTable;

/// One place the FDB knows a MAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Loc {
    /// Switch number.
    pub switch: u32,
    /// Port number within the switch.
    pub port: u32,
    /// VLAN the entry was learned in.
    pub vlan: Option<u16>,
    /// The port is an uplink.
    pub uplink: bool,
}

/// MAC → every place a switch's FDB holds it.
#[derive(Debug, Default)]
pub struct FdbIndex {
    /// (foldhash, randomly seeded: a look-up per frame; SipHash over a MAC was a visible share
    /// of the pipeline thread.)
    by_mac: HashMap<MacAddr, Vec<Loc>, foldhash::fast::RandomState>,
    /// MACs each switch contributed (to take them back out on the next table).
    per_switch: Vec<Vec<MacAddr>>,
}

impl FdbIndex {
    /// Replaces switch `s`'s entries with those of `table` (whose ports are numbered as in the
    /// registry's copy). Entries whose MAC does not parse are skipped.
    pub fn replace(&mut self, s: u32, table: &PortTable) {
        let si = s as usize;
        if self.per_switch.len() <= si {
            self.per_switch.resize_with(si + 1, Vec::new);
        }
        for mac in std::mem::take(&mut self.per_switch[si]) {
            if let Some(v) = self.by_mac.get_mut(&mac) {
                v.retain(|l| l.switch != s);
                if v.is_empty() {
                    self.by_mac.remove(&mac);
                }
            }
        }
        let mut mine = Vec::new();
        for (pi, p) in table.ports.iter().enumerate() {
            for e in &p.macs {
                let Some(mac) = e.mac.parse::<MacAddr>().ok().or_else(|| parse_mac(&e.mac)) else {
                    continue;
                };
                let loc = Loc {
                    switch: s,
                    port: pi as u32,
                    vlan: e.vlan,
                    uplink: p.uplink,
                };
                let v = self.by_mac.entry(mac).or_default();
                if !v.iter().any(|l| l.switch == s) {
                    mine.push(mac);
                }
                if !v.contains(&loc) {
                    // Most MACs are in one place: no spare capacity for 100,000 of them.
                    v.reserve_exact(1);
                    v.push(loc);
                }
            }
        }
        self.per_switch[si] = mine;
    }

    /// Every place `mac` is known.
    pub fn locations(&self, mac: &MacAddr) -> &[Loc] {
        self.by_mac.get(mac).map_or(&[], Vec::as_slice)
    }

    /// Whether some edge (non-uplink) port holds `mac`.
    pub fn has_edge(&self, mac: &MacAddr) -> bool {
        self.locations(mac).iter().any(|l| !l.uplink)
    }

    /// The edge location of `mac` for a frame in `vlan`, by the rules in the module doc.
    pub fn choose(&self, mac: &MacAddr, vlan: Option<u16>, reg: &Registry) -> Option<Loc> {
        let locs = self.locations(mac);
        let in_vlan = |l: &&Loc| vlan.is_some() && l.vlan == vlan;
        let any_in_vlan = locs.iter().filter(|l| !l.uplink).any(|l| in_vlan(&l));
        locs.iter()
            .filter(|l| !l.uplink && (!any_in_vlan || in_vlan(l)))
            .min_by_key(|l| {
                (
                    std::cmp::Reverse(reg.get(l.switch).seq),
                    reg.port(l.switch, l.port).mac_count,
                    l.switch,
                    l.port,
                )
            })
            .copied()
    }

    /// Number of distinct MACs known.
    pub fn len(&self) -> usize {
        self.by_mac.len()
    }

    /// Whether no MAC is known.
    pub fn is_empty(&self) -> bool {
        self.by_mac.is_empty()
    }
}
