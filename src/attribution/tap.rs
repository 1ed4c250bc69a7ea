//! Rule 1, the static tap map: everything captured on an interface (optionally: in one VLAN,
//! the frame's outermost tag) comes from one switch port. A rule with a VLAN wins over the
//! interface's rule without one; among equal rules the first configured wins.

use std::collections::HashMap;

use super::{PortRef, TapRule};

/// The tap rules, indexed by capture interface.
#[derive(Debug, Default)]
pub struct TapMap {
    by_interface: HashMap<String, InterfaceRules>,
}

#[derive(Debug, Default)]
struct InterfaceRules {
    any_vlan: Option<PortRef>,
    by_vlan: HashMap<u16, PortRef>,
}

impl TapMap {
    /// Indexes `rules`.
    pub fn new(rules: Vec<TapRule>) -> TapMap {
        let mut by_interface: HashMap<String, InterfaceRules> = HashMap::new();
        for r in rules {
            let e = by_interface.entry(r.interface).or_default();
            match r.vlan {
                Some(v) => {
                    e.by_vlan.entry(v).or_insert(r.port);
                }
                None => {
                    e.any_vlan.get_or_insert(r.port);
                }
            }
        }
        TapMap { by_interface }
    }

    /// The port of a frame captured on `interface` whose outermost VLAN tag is `vlan`.
    pub fn lookup(&self, interface: &str, vlan: Option<u16>) -> Option<&PortRef> {
        let rules = self.by_interface.get(interface)?;
        vlan.and_then(|v| rules.by_vlan.get(&v))
            .or(rules.any_vlan.as_ref())
    }

    /// Whether there are no rules at all.
    pub fn is_empty(&self) -> bool {
        self.by_interface.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(interface: &str, vlan: Option<u16>, port: &str) -> TapRule {
        TapRule {
            interface: interface.into(),
            vlan,
            port: PortRef::new("sw1", port),
        }
    }

    #[test]
    fn vlan_rule_wins_over_interface_rule() {
        let m = TapMap::new(vec![
            rule("eth1", None, "Gi1/0/1"),
            rule("eth1", Some(20), "Gi1/0/20"),
            rule("eth1", Some(20), "Gi1/0/99"),
            rule("eth2", Some(30), "Gi1/0/30"),
        ]);
        let port = |i: &str, v: Option<u16>| m.lookup(i, v).map(|p| p.port.as_str());
        assert_eq!(port("eth1", None), Some("Gi1/0/1"));
        assert_eq!(port("eth1", Some(10)), Some("Gi1/0/1"));
        assert_eq!(port("eth1", Some(20)), Some("Gi1/0/20"));
        assert_eq!(port("eth2", Some(30)), Some("Gi1/0/30"));
        assert_eq!(port("eth2", None), None);
        assert_eq!(port("eth2", Some(31)), None);
        assert_eq!(port("eth3", None), None);
        assert!(!m.is_empty());
        assert!(TapMap::new(Vec::new()).is_empty());
    }
}
