//! Rule 2, the switches' own neighbor tables (LLDP-MIB `lldpRemTable`, CISCO-CDP-MIB
//! `cdpCacheTable`, both indexed by local port): an LLDP frame whose chassis ID and port ID, or
//! a CDP frame whose device ID and port ID, equal a neighbor the switch reports on port P came
//! from the device on P.
//!
//! Identifiers are compared in [`normalize_id`] form, so a chassis MAC the SNMP table renders
//! as `00 1B 54 ..`, `001b.54..` or `00:1b:54:..` equals the frame's. Uplink ports are not
//! excluded here: LLDP and CDP are link-local, so a neighbor entry names the very port the
//! speaker is plugged into, even when the speaker is another switch. When two ports report the
//! same neighbor (a stale table), the most recently updated table wins.

use std::collections::HashMap;

use crate::observe::{Observation, Signal};
use crate::snmp::PortTable;

use super::ident::normalize_id;
use super::registry::Registry;

/// Which protocol a neighbor entry came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Proto {
    /// LLDP (chassis ID + port ID).
    Lldp,
    /// CDP (device ID + port ID).
    Cdp,
}

/// A neighbor's identity in comparable form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    /// Protocol.
    pub proto: Proto,
    /// Normalised LLDP chassis ID / CDP device ID.
    pub chassis: String,
    /// Normalised port ID.
    pub port: String,
}

impl Key {
    /// The key of an observation (LLDP and CDP frames that carry both identifiers).
    pub fn of(obs: &Observation) -> Option<Key> {
        let (proto, chassis, port) = match &obs.signal {
            Signal::Lldp(l) => (
                Proto::Lldp,
                &l.chassis_id.as_ref()?.1,
                &l.port_id.as_ref()?.1,
            ),
            Signal::Cdp(c) => (Proto::Cdp, c.device_id.as_ref()?, c.port_id.as_ref()?),
            _ => return None,
        };
        Some(Key {
            proto,
            chassis: normalize_id(chassis),
            port: normalize_id(port),
        })
    }
}

/// Neighbor identity → the ports that report it.
#[derive(Debug, Default)]
pub struct NeighborIndex {
    by_key: HashMap<Key, Vec<(u32, u32)>>,
    per_switch: Vec<Vec<Key>>,
}

impl NeighborIndex {
    /// Replaces switch `s`'s neighbor entries with those of `table`.
    pub fn replace(&mut self, s: u32, table: &PortTable) {
        let si = s as usize;
        if self.per_switch.len() <= si {
            self.per_switch.resize_with(si + 1, Vec::new);
        }
        for k in std::mem::take(&mut self.per_switch[si]) {
            if let Some(v) = self.by_key.get_mut(&k) {
                v.retain(|&(sw, _)| sw != s);
                if v.is_empty() {
                    self.by_key.remove(&k);
                }
            }
        }
        let mut mine = Vec::new();
        for (pi, p) in table.ports.iter().enumerate() {
            for n in &p.neighbors {
                let proto = match n.protocol.to_ascii_lowercase().as_str() {
                    "lldp" => Proto::Lldp,
                    "cdp" => Proto::Cdp,
                    _ => continue,
                };
                let (Some(c), Some(port)) = (&n.chassis_id, &n.port_id) else {
                    continue;
                };
                let key = Key {
                    proto,
                    chassis: normalize_id(c),
                    port: normalize_id(port),
                };
                let v = self.by_key.entry(key.clone()).or_default();
                if !v.contains(&(s, pi as u32)) {
                    v.push((s, pi as u32));
                    mine.push(key);
                }
            }
        }
        self.per_switch[si] = mine;
    }

    /// The port that reports the neighbor `key` (the most recently updated switch's when
    /// several do).
    pub fn lookup(&self, key: &Key, reg: &Registry) -> Option<(u32, u32)> {
        self.by_key
            .get(key)?
            .iter()
            .min_by_key(|&&(s, p)| (std::cmp::Reverse(reg.get(s).seq), s, p))
            .copied()
    }

    /// Number of distinct neighbor identities known.
    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    /// Whether none is known.
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }
}
