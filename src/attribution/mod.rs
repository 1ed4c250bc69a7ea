//! Port attribution: which switch port an observation came from.
//!
//! A frame seen on a SPAN port does not say which switch port it entered. [`Attributor`] answers
//! from, in order of trust (the first rule that answers wins, and the answer says which,
//! [`Via`]):
//! 1. [`tap`]: the static tap map from `[[capture]]` (capture interface, optionally the frame's
//!    outermost VLAN) → port;
//! 2. [`neighbor`]: the switches' LLDP/CDP neighbor tables (an LLDP/CDP frame whose identifiers
//!    equal the neighbor a switch reports on port P came from P);
//! 3. [`fdb`]: the forwarding tables (device MAC / DHCP `chaddr` → the edge port that holds it;
//!    uplinks never, the frame's VLAN first, the most recent table on a move);
//! 4. [`option82`]: DHCP relay agent information (circuit-id / remote-id, vendor formats);
//! 5. [`pending`]: otherwise the observation waits under its MAC (bounded, oldest evicted and
//!    counted) until [`Attributor::update`] brings a table that places it. Observations without
//!    a MAC are not kept.
//!
//! Port tables come from the SNMP poller ([`PortTable`]); each replaces its switch's previous
//! one, except an unreachable one, which teaches nothing and erases nothing. Pure: no I/O, no
//! logging, no clock (an observation's `ts` is its time).

pub mod fdb;
pub mod ident;
pub mod neighbor;
pub mod option82;
pub mod pending;
pub mod registry;
pub mod tap;

use serde::Serialize;

use crate::observe::{Observation, Signal};
use crate::snmp::{PortTable, Reachability};

use fdb::FdbIndex;
use neighbor::{Key, NeighborIndex};
use pending::Pending;
use registry::Registry;
use tap::TapMap;

/// A switch port.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct PortRef {
    /// The switch's configured name (`[[switch]] name`, `PortTable::switch.name`).
    pub switch: String,
    /// The port's ifName.
    pub port: String,
}

impl PortRef {
    /// A port reference.
    pub fn new(switch: impl Into<String>, port: impl Into<String>) -> PortRef {
        PortRef {
            switch: switch.into(),
            port: port.into(),
        }
    }
}

impl std::fmt::Display for PortRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.switch, self.port)
    }
}

/// Which rule attributed an observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    /// The static tap map.
    Tap,
    /// A switch's LLDP/CDP neighbor table.
    Neighbor,
    /// A switch's forwarding table.
    Fdb,
    /// DHCP option 82.
    Option82,
}

impl Via {
    /// The lower-case name (`tap`, `neighbor`, `fdb`, `option82`).
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Tap => "tap",
            Via::Neighbor => "neighbor",
            Via::Fdb => "fdb",
            Via::Option82 => "option82",
        }
    }
}

/// An observation and the port it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attributed {
    /// The port.
    pub port: PortRef,
    /// How it was found.
    pub via: Via,
    /// The VLAN of the forwarding-table entry that placed it (rule 3 only).
    pub fdb_vlan: Option<u16>,
    /// The observation.
    pub observation: Observation,
}

/// One static tap rule: frames captured on `interface` (in `vlan`, the outermost tag, when
/// given) come from `port`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TapRule {
    /// Capture interface.
    pub interface: String,
    /// Outermost VLAN tag; `None` matches every frame of the interface.
    pub vlan: Option<u16>,
    /// The port.
    pub port: PortRef,
}

/// Counters of an [`Attributor`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct AttributionStats {
    /// Attributed by the tap map.
    pub tap: u64,
    /// Attributed by a neighbor table.
    pub neighbor: u64,
    /// Attributed by a forwarding table.
    pub fdb: u64,
    /// Attributed by DHCP option 82.
    pub option82: u64,
    /// Of the above, attributed late (released from waiting by a table update).
    pub released: u64,
    /// Waiting now.
    pub pending: u64,
    /// Evicted from the waiting queue by its bounds (size, per MAC, age).
    pub evicted: u64,
    /// Not attributed and not kept (no MAC to wait under).
    pub dropped_no_mac: u64,
    /// Tables applied.
    pub tables: u64,
    /// Unreachable tables ignored (the previous table of the switch stays).
    pub unreachable_tables: u64,
    /// Switches known.
    pub switches: u64,
    /// Distinct MACs the forwarding tables hold.
    pub fdb_macs: u64,
}

/// Attributes observations to switch ports. See the module documentation for the rules.
#[derive(Debug)]
pub struct Attributor {
    taps: TapMap,
    reg: Registry,
    fdb: FdbIndex,
    neighbors: NeighborIndex,
    pending: Pending,
    seq: u64,
    stats: AttributionStats,
}

impl Attributor {
    /// An attributor with these tap rules (from `[[capture]]`) and at most `max_pending`
    /// observations waiting (at most [`pending::DEFAULT_MAX_PER_MAC`] per MAC).
    pub fn new(taps: Vec<TapRule>, max_pending: usize) -> Attributor {
        Attributor::with_per_mac_bound(taps, max_pending, pending::DEFAULT_MAX_PER_MAC)
    }

    /// As [`Attributor::new`], with another bound per MAC.
    pub fn with_per_mac_bound(
        taps: Vec<TapRule>,
        max_pending: usize,
        max_per_mac: usize,
    ) -> Attributor {
        Attributor {
            taps: TapMap::new(taps),
            reg: Registry::default(),
            fdb: FdbIndex::default(),
            neighbors: NeighborIndex::default(),
            pending: Pending::new(max_pending, max_per_mac),
            seq: 0,
            stats: AttributionStats::default(),
        }
    }

    /// Replaces the static tap rules (after a configuration reload).
    pub fn set_taps(&mut self, taps: Vec<TapRule>) {
        self.taps = TapMap::new(taps);
    }

    /// A fresh port table of one switch (replaces the previous one). Returns the waiting
    /// observations that this table now attributes, oldest first. An unreachable table changes
    /// nothing (what the last reachable one taught stays) and returns nothing.
    pub fn update(&mut self, table: &PortTable) -> Vec<Attributed> {
        if table.status != Reachability::Ok {
            self.stats.unreachable_tables += 1;
            return Vec::new();
        }
        self.seq += 1;
        self.stats.tables += 1;
        let s = self.reg.number(&table.switch.name);
        self.reg.switches[s as usize].load(table, self.seq);
        self.fdb.replace(s, table);
        self.neighbors.replace(s, table);
        self.release()
    }

    /// Attributes one observation captured on `interface`, or keeps it waiting (returns None).
    pub fn attribute(&mut self, interface: &str, obs: Observation) -> Option<Attributed> {
        if let Some(port) = self.taps.lookup(interface, obs.vlans.first().copied()) {
            self.stats.tap += 1;
            return Some(Attributed {
                port: port.clone(),
                via: Via::Tap,
                fdb_vlan: None,
                observation: obs,
            });
        }
        if let Some((port, via, fdb_vlan)) = self.locate(&obs) {
            self.count(via);
            return Some(Attributed {
                port,
                via,
                fdb_vlan,
                observation: obs,
            });
        }
        match obs.mac {
            Some(mac) => self.pending.push(mac, obs),
            None => self.stats.dropped_no_mac += 1,
        }
        None
    }

    /// Drops waiting observations captured before `before` (no table placed them within the
    /// retention); how many.
    pub fn expire(&mut self, before: crate::clock::Timestamp) -> usize {
        self.pending.expire(before)
    }

    /// Counters.
    pub fn stats(&self) -> AttributionStats {
        AttributionStats {
            pending: self.pending.len() as u64,
            evicted: self.pending.evicted(),
            switches: self.reg.switches.len() as u64,
            fdb_macs: self.fdb.len() as u64,
            ..self.stats
        }
    }

    /// Rules 2-4 (the tables); the tap map is not consulted. With the forwarding-table
    /// entry's VLAN when rule 3 placed it.
    fn locate(&self, obs: &Observation) -> Option<(PortRef, Via, Option<u16>)> {
        let port_ref = |s: u32, p: u32| {
            PortRef::new(
                self.reg.get(s).name.clone(),
                self.reg.port(s, p).name.clone(),
            )
        };
        // No neighbor table, no key to build (normalising two identifiers per LLDP/CDP frame).
        if !self.neighbors.is_empty()
            && let Some(key) = Key::of(obs)
            && let Some((s, p)) = self.neighbors.lookup(&key, &self.reg)
        {
            return Some((port_ref(s, p), Via::Neighbor, None));
        }
        if let Some(mac) = obs.mac
            && let Some(l) = self.fdb.choose(&mac, obs.vlans.first().copied(), &self.reg)
        {
            return Some((port_ref(l.switch, l.port), Via::Fdb, l.vlan));
        }
        if let Signal::Dhcp(d) = &obs.signal
            && let Some((s, p)) =
                option82::resolve(d.circuit_id.as_deref(), d.remote_id.as_deref(), &self.reg)
        {
            return Some((port_ref(s, p), Via::Option82, None));
        }
        None
    }

    fn count(&mut self, via: Via) {
        match via {
            Via::Tap => self.stats.tap += 1,
            Via::Neighbor => self.stats.neighbor += 1,
            Via::Fdb => self.stats.fdb += 1,
            Via::Option82 => self.stats.option82 += 1,
        }
    }

    /// Tries the waiting observations that the tables may now place: those whose MAC an edge
    /// port holds, and LLDP/CDP/option-82 ones (a neighbor or switch may have appeared).
    fn release(&mut self) -> Vec<Attributed> {
        let retry: Vec<_> = self
            .pending
            .macs()
            .filter(|m| {
                self.fdb.has_edge(m)
                    || self.pending.get(m).any(|o| match &o.signal {
                        Signal::Lldp(_) | Signal::Cdp(_) => true,
                        Signal::Dhcp(d) => d.circuit_id.is_some(),
                        _ => false,
                    })
            })
            .copied()
            .collect();
        let mut out: Vec<(u64, Attributed)> = Vec::new();
        for mac in retry {
            let mut still = Vec::new();
            for (seq, obs) in self.pending.take(&mac) {
                match self.locate(&obs) {
                    Some((port, via, fdb_vlan)) => {
                        self.count(via);
                        self.stats.released += 1;
                        out.push((
                            seq,
                            Attributed {
                                port,
                                via,
                                fdb_vlan,
                                observation: obs,
                            },
                        ));
                    }
                    None => still.push((seq, obs)),
                }
            }
            self.pending.put_back(mac, still);
        }
        out.sort_by_key(|(s, _)| *s);
        out.into_iter().map(|(_, a)| a).collect()
    }
}

#[cfg(test)]
mod tests;
