//! SNMP port tables: link state, forwarding-table MACs, neighbor capabilities, 802.1X state,
//! and switch reachability.
//!
//! A partial table (some walk stopped short) is no empty table: what it holds is positive
//! evidence (a MAC present, a neighbor, the link up, the PAE state), but a MAC or a link missing
//! from it says nothing, so it moves no poll time and no forwarding table a departure is judged
//! by.

use super::{Engine, SwitchState};
use crate::clock::Timestamp;
use crate::event::Event;
use crate::snmp::{PortTable, Reachability};
use crate::wire::MacAddr;

/// Whether an SNMP neighbor is a bridge that is not a phone or access point.
fn bridge_neighbor(caps: &[String]) -> bool {
    let has = |names: &[&str]| {
        caps.iter()
            .any(|c| names.iter().any(|n| c.eq_ignore_ascii_case(n)))
    };
    has(&[
        "bridge",
        "trans-bridge",
        "source-route-bridge",
        "switch",
        "tb-bridge",
        "sr-bridge",
    ]) && !has(&["telephone", "phone", "wlanAccessPoint", "wlan-access-point"])
}

impl Engine {
    /// Handles one switch's port table polled at `now` (an unreachable switch included: its
    /// ports raise no departures until it answers again, and their departures then wait from
    /// that moment). Timers due at `now` run first.
    pub fn polled(&mut self, table: &PortTable, now: Timestamp, out: &mut Vec<Event>) {
        self.em.stats.polls += 1;
        let name = table.switch.name.clone();
        let sw = self
            .switches
            .entry(name.clone())
            .or_insert_with(|| SwitchState {
                reachable: true,
                ..SwitchState::default()
            });
        if table.status == Reachability::Unreachable {
            sw.reachable = false;
            self.tick(now, out);
            return;
        }
        let back = !sw.reachable;
        if back {
            sw.reachable = true;
            sw.reachable_since = Some(now);
        }
        let mut touched = Vec::with_capacity(table.ports.len());
        for port in &table.ports {
            if port.uplink {
                continue;
            }
            let idx = self.port_index_of(&name, &port.name);
            self.touch(idx);
            let partial = table.partial;
            let up = port.oper_status.as_deref().map(|s| s == "up");
            let fdb = port
                .macs
                .iter()
                .filter_map(|m| m.mac.parse::<MacAddr>().ok());
            let enforced = port
                .dot1x
                .as_ref()
                .is_some_and(|x| x.port_control.as_deref() == Some("auto"));
            let authorized = port.dot1x.as_ref().and_then(|x| {
                x.port_status
                    .as_deref()
                    .map(|s| s == "authorized")
                    .or_else(|| x.pae_state.as_deref().map(|s| s == "authenticated"))
            });
            let bridge = port
                .neighbors
                .iter()
                .any(|n| bridge_neighbor(&n.capabilities));
            {
                let d = &mut self.ports[idx as usize].d;
                if partial {
                    if up == Some(true) {
                        d.link_up = up;
                    }
                    for m in fdb {
                        if !d.fdb.contains(&m) {
                            d.fdb.push(m);
                        }
                    }
                } else {
                    if up == Some(false) {
                        d.link_down_at = Some(now);
                    }
                    d.link_up = up;
                    // In place: no allocation per polled port.
                    d.fdb.clear();
                    d.fdb.extend(fdb);
                    d.polled_at = Some(now);
                }
                // A jump past the edge limit: only on a port a complete poll has seen as an edge
                // port (a port crowded from its first poll is a trunk without a neighbor).
                if port.crowded && d.uncrowded_at.is_some() {
                    d.crowded_at = Some(now);
                } else if !port.crowded && !partial {
                    d.uncrowded_at = Some(now);
                }
                d.dot1x_enforced = enforced;
                d.dot1x_authorized = if enforced { authorized } else { None };
                if bridge {
                    d.bridge_at = Some(now);
                }
                if up == Some(true) && d.orphaned {
                    d.orphaned = false;
                }
                // The switch authenticated the residents behind the port (its PAE state).
                if enforced && authorized == Some(true) {
                    let fdb = std::mem::take(&mut d.fdb);
                    for r in d.residents.iter_mut().filter(|r| !r.departed) {
                        if fdb.contains(&r.mac) {
                            r.enrolled = true;
                        }
                    }
                    d.fdb = fdb;
                }
            }
            touched.push(idx);
        }
        // The table applied, timers due by now run, then the polled ports are re-evaluated
        // (a fresh poll may clear or raise topology and fire or hold back departures).
        self.tick(now, out);
        for idx in touched {
            self.topology(idx, now, out);
            self.evaluate(idx, now, out);
        }
        if back {
            // Ports of the switch that the table did not list: re-queue from `now`.
            let ports = self
                .switches
                .get(&name)
                .map(|s| s.ports.values().copied().collect::<Vec<u32>>())
                .unwrap_or_default();
            for idx in ports {
                self.schedule(idx, now);
            }
        }
    }
}
