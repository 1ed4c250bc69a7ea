//! A device's signals: every value each signal family took across the observations of one
//! MAC. Identity is resolved from the whole profile, not frame by frame.

use std::collections::{BTreeMap, BTreeSet};

use crate::observe::{Observation, Signal};
use crate::wire::MacAddr;

/// All signal values of one device.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    /// The device's MAC.
    pub mac: Option<MacAddr>,
    /// Signal name → distinct values, in sorted order.
    pub signals: BTreeMap<&'static str, BTreeSet<String>>,
    /// Number of observations folded in.
    pub observations: usize,
}

use crate::observe::CDP_CAPABILITY_TOKENS as CDP_CAPS;
use crate::wire::lldp::CAPABILITY_NAMES as LLDP_CAPS;

fn bits_to_names(bits: u32, names: &[&str]) -> String {
    names
        .iter()
        .enumerate()
        .filter(|(i, _)| bits & (1 << i) != 0)
        .map(|(_, n)| *n)
        .collect::<Vec<_>>()
        .join(",")
}

fn join<T: ToString>(v: &[T]) -> String {
    v.iter().map(T::to_string).collect::<Vec<_>>().join(",")
}

impl Profile {
    /// An empty profile for `mac`.
    pub fn new(mac: Option<MacAddr>) -> Profile {
        Profile {
            mac,
            ..Profile::default()
        }
    }

    /// Adds a value (trimmed; empty values and NULs dropped).
    pub fn add(&mut self, signal: &'static str, value: impl AsRef<str>) {
        let v = value
            .as_ref()
            .trim_matches(|c: char| c == '\0' || c.is_whitespace());
        if v.is_empty() {
            return;
        }
        self.signals.entry(signal).or_default().insert(v.to_owned());
    }

    fn add_opt(&mut self, signal: &'static str, value: &Option<String>) {
        if let Some(v) = value {
            self.add(signal, v);
        }
    }

    /// The values of a signal.
    pub fn values(&self, signal: &str) -> impl Iterator<Item = &str> {
        self.signals
            .get(signal)
            .into_iter()
            .flat_map(|s| s.iter().map(String::as_str))
    }

    /// Folds one observation in.
    pub fn add_observation(&mut self, o: &Observation) {
        self.observations += 1;
        if let Some(m) = self.mac {
            self.add("mac", m.to_string());
        }
        let proto = o.proto();
        // A DHCP server's reply carries the client's chaddr: only the client speaks for itself.
        if let Signal::Dhcp(d) = &o.signal {
            if !d.from_client {
                return;
            }
        }
        self.add("proto", proto);
        match &o.signal {
            Signal::Lldp(l) => {
                self.add_opt("lldp.sysname", &l.system_name);
                self.add_opt("lldp.sysdescr", &l.system_description);
                self.add_opt("lldp.port_description", &l.port_description);
                self.add_opt("lldp.mud", &l.mud_url);
                let caps = if l.caps_enabled != 0 {
                    l.caps_enabled
                } else {
                    l.caps_system
                };
                if caps != 0 {
                    self.add("lldp.caps", bits_to_names(u32::from(caps), &LLDP_CAPS));
                }
                if let Some(c) = l.med_class {
                    self.add("lldp.med.class", c.to_string());
                }
                let inv = &l.inventory;
                self.add_opt("lldp.med.model", &inv.model_name);
                self.add_opt("lldp.med.manufacturer", &inv.manufacturer);
                self.add_opt("lldp.med.hardware", &inv.hardware_revision);
                self.add_opt("lldp.med.firmware", &inv.firmware_revision);
                self.add_opt("lldp.med.software", &inv.software_revision);
            }
            Signal::Cdp(c) => {
                self.add_opt("cdp.device_id", &c.device_id);
                self.add_opt("cdp.platform", &c.platform);
                self.add_opt("cdp.software", &c.software_version);
                if c.capabilities != 0 {
                    self.add("cdp.caps", bits_to_names(c.capabilities, &CDP_CAPS));
                }
            }
            Signal::Edp(n) => {
                self.add_opt("edp.device_id", &n.device_id);
                self.add_opt("edp.platform", &n.platform);
                self.add_opt("edp.software", &n.software_version);
            }
            Signal::Fdp(n) => {
                self.add_opt("fdp.device_id", &n.device_id);
                self.add_opt("fdp.platform", &n.platform);
                self.add_opt("fdp.software", &n.software_version);
            }
            Signal::Dhcp(d) => {
                if !d.prl.is_empty() {
                    self.add("dhcp.prl", join(&d.prl));
                }
                if !d.options_order.is_empty() {
                    self.add("dhcp.options", join(&d.options_order));
                }
                self.add_opt("dhcp.vci", &d.vendor_class);
                self.add_opt("dhcp.hostname", &d.hostname);
                for u in &d.user_class {
                    self.add("dhcp.user_class", u);
                }
                if let Some(t) = o.ip_ttl {
                    self.add("dhcp.ttl", t.to_string());
                }
            }
            Signal::Dhcpv6(d) => {
                if let Some((en, data)) = &d.vendor_class {
                    for item in data {
                        self.add("dhcpv6.vci", format!("{en}:{item}"));
                    }
                    if data.is_empty() {
                        self.add("dhcpv6.vci", format!("{en}:"));
                    }
                }
                if !d.oro.is_empty() {
                    self.add("dhcpv6.oro", join(&d.oro));
                }
                if !d.options_order.is_empty() {
                    self.add("dhcpv6.options", join(&d.options_order));
                }
                for en in &d.enterprise_numbers {
                    self.add("dhcpv6.enterprise", en.to_string());
                }
            }
            Signal::Eapol(e) => self.add_opt("eap.identity", &e.identity),
            Signal::Mdns(m) => {
                for (signal, values) in [
                    ("mdns.service", &m.services),
                    ("mdns.instance", &m.instances),
                    ("mdns.host", &m.hosts),
                    ("mdns.txt", &m.txt),
                ] {
                    for v in values {
                        self.add(signal, v);
                    }
                }
                self.add_opt("mdns.hinfo", &m.hinfo);
            }
            Signal::Ssdp(x) => {
                self.add_opt("ssdp.server", &x.server);
                self.add_opt("ssdp.user_agent", &x.user_agent);
                for t in &x.device_types {
                    self.add("ssdp.type", t);
                }
            }
            Signal::Arp(_) | Signal::Stp(_) => {}
        }
    }
}

/// Groups observations by device MAC (`Observation::mac`) into profiles, in MAC order.
/// Observations without a MAC (Cisco HDLC links) are grouped under `None`, listed last.
///
/// A frame whose link-layer source is not the device it describes also tells something about
/// its sender: a DHCP reply comes from a server (or from a relay when `giaddr` is set), a client
/// message from another MAC was relayed. Those senders get a profile too (signal `dhcp.role`).
pub fn profiles(observations: &[Observation]) -> Vec<Profile> {
    let mut by: BTreeMap<Option<[u8; 6]>, Profile> = BTreeMap::new();
    for o in observations {
        let key = o.mac.map(|m| *m.as_bytes());
        by.entry(key)
            .or_insert_with(|| Profile::new(o.mac))
            .add_observation(o);
        let (Some(src), Signal::Dhcp(d)) = (o.src_mac, &o.signal) else {
            continue;
        };
        if Some(src) == o.mac || src.is_multicast() {
            continue;
        }
        let role = if d.from_client || !d.giaddr.is_unspecified() {
            "relay"
        } else {
            "server"
        };
        let p = by
            .entry(Some(*src.as_bytes()))
            .or_insert_with(|| Profile::new(Some(src)));
        p.observations += 1;
        p.add("mac", src.to_string());
        p.add("proto", "dhcp");
        p.add("dhcp.role", role);
    }
    let mut v: Vec<Profile> = by.into_values().collect();
    v.sort_by_key(|p| p.mac.is_none());
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capability_names() {
        assert_eq!(bits_to_names(0b10100, &LLDP_CAPS), "bridge,router");
        assert_eq!(bits_to_names(0x29, &CDP_CAPS), "router,switch,igmp");
        assert_eq!(bits_to_names(0x90, &CDP_CAPS), "host,phone");
    }

    #[test]
    fn values_are_trimmed_and_deduplicated() {
        let mut p = Profile::new(None);
        p.add("dhcp.hostname", "nas1\0");
        p.add("dhcp.hostname", " nas1 ");
        p.add("dhcp.hostname", "");
        assert_eq!(p.values("dhcp.hostname").collect::<Vec<_>>(), ["nas1"]);
    }
}
