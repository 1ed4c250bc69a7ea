//! `[[port_profile]]`: what a group of switch ports should carry (expected device classes, the
//! most MACs a port may show, the framework controls it carries, whether 802.1X is required),
//! and the port-range syntax every port-selecting section uses (`Gi1/0/1-48`, `Te1/1/1-4`,
//! `1-24`, `Gi1/0/7`, `*`).

use serde::Deserialize;

use super::ConfigError;
use crate::refdb::DeviceClass;

/// `[[port_profile]]`. The first profile (in file order) whose `switch` and `ports` match a port
/// applies to it; a port no profile matches gets the defaults (at most 2 MACs, no expected
/// classes, no controls, 802.1X not required).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PortProfile {
    /// Name, for humans and errors.
    pub name: String,
    /// Switch name the profile applies to (`*` or empty: every switch).
    #[serde(default)]
    pub switch: String,
    /// Port ranges (`Gi1/0/1-48`, `Te1/1/1-4`, `1-24`, `Gi1/0/7`, `*`).
    pub ports: Vec<String>,
    /// Device classes the ports may carry (reference-database class names, `ip-phone`, …);
    /// empty: any class.
    #[serde(default)]
    pub expected_classes: Vec<String>,
    /// The most distinct MACs a port may show before it is `port-topology-changed` (default 2: a
    /// phone with a PC behind it).
    #[serde(default = "default_max_macs")]
    pub max_macs: usize,
    /// Framework-control ids the ports carry (`PCI-4.0/12.5.1`, `SOC2/CC6.1`).
    #[serde(default)]
    pub controls: Vec<String>,
    /// Controls the ports carry only while the switch enforces 802.1X on them (SNMP
    /// `dot1xAuthAuthControlledPortControl` = `auto`).
    #[serde(default)]
    pub dot1x_controls: Vec<String>,
    /// Whether devices on these ports must authenticate with 802.1X (`unenrolled-flagged`
    /// after the grace window).
    #[serde(default)]
    pub dot1x_required: bool,
    /// Hot desks and lab benches: devices come and go, so a newcomer is never judged against
    /// the devices that were there before (no `device-substituted` or like-for-like for a new
    /// MAC); a device's own DNA is still compared with its own baseline (a cloned MAC).
    #[serde(default)]
    pub transient: bool,
}

fn default_max_macs() -> usize {
    2
}

/// One port range: an interface-name prefix and an inclusive range of its last number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortRange {
    /// `*`: every port.
    Any,
    /// `Gi1/0/1-48`: prefix `Gi1/0/`, numbers 1 to 48; `Gi1/0/7`: 7 to 7.
    Range {
        /// The letters of the prefix (`Gi`), compared case-insensitively and as an
        /// abbreviation (`Gi` matches `GigabitEthernet`).
        letters: String,
        /// The rest of the prefix (`1/0/`).
        rest: String,
        /// First number.
        lo: u32,
        /// Last number.
        hi: u32,
    },
    /// A name without a trailing number, matched exactly (case-insensitive).
    Exact(String),
}

fn split_letters(s: &str) -> (&str, &str) {
    let i = s
        .find(|c: char| !c.is_ascii_alphabetic() && c != '-' && c != '_')
        .unwrap_or(s.len());
    (&s[..i], &s[i..])
}

/// Splits a name into (prefix, trailing number).
fn split_number(s: &str) -> Option<(&str, u32)> {
    let digits = s.len() - s.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 {
        return None;
    }
    let (p, n) = s.split_at(s.len() - digits);
    Some((p, n.parse().ok()?))
}

fn letters_match(a: &str, b: &str) -> bool {
    let (a, b) = (a.to_ascii_lowercase(), b.to_ascii_lowercase());
    if a.is_empty() || b.is_empty() {
        return a == b;
    }
    a.starts_with(&b) || b.starts_with(&a)
}

impl PortRange {
    /// Parses one range.
    pub fn parse(s: &str) -> Result<PortRange, String> {
        let s = s.trim();
        if s == "*" {
            return Ok(PortRange::Any);
        }
        if s.is_empty() {
            return Err("empty port range".into());
        }
        // `Gi1/0/1-48`: the last `-` followed by digits only ends a range.
        let (first, hi) = match s.rfind('-') {
            Some(i) if i + 1 < s.len() && s[i + 1..].bytes().all(|b| b.is_ascii_digit()) => {
                let hi: u32 = s[i + 1..]
                    .parse()
                    .map_err(|_| format!("{s:?}: bad number"))?;
                (&s[..i], Some(hi))
            }
            _ => (s, None),
        };
        let Some((prefix, lo)) = split_number(first) else {
            if hi.is_some() {
                return Err(format!("{s:?}: a range needs a number before `-`"));
            }
            return Ok(PortRange::Exact(s.to_ascii_lowercase()));
        };
        let hi = hi.unwrap_or(lo);
        if hi < lo {
            return Err(format!("{s:?}: range ends before it starts"));
        }
        let (letters, rest) = split_letters(prefix);
        Ok(PortRange::Range {
            letters: letters.to_owned(),
            rest: rest.to_owned(),
            lo,
            hi,
        })
    }

    /// Whether an interface name (`Gi1/0/24`, `GigabitEthernet1/0/24`, `24`) is in the range.
    pub fn matches(&self, name: &str) -> bool {
        match self {
            PortRange::Any => true,
            PortRange::Exact(e) => name.eq_ignore_ascii_case(e),
            PortRange::Range {
                letters,
                rest,
                lo,
                hi,
            } => {
                let Some((prefix, n)) = split_number(name) else {
                    return false;
                };
                let (l, r) = split_letters(prefix);
                (*lo..=*hi).contains(&n) && r == rest && letters_match(l, letters)
            }
        }
    }
}

/// Parses a list of ranges; errors name `key[i]`.
pub fn parse_ranges(key: &str, list: &[String]) -> Result<Vec<PortRange>, ConfigError> {
    list.iter()
        .enumerate()
        .map(|(i, s)| {
            PortRange::parse(s).map_err(|m| ConfigError::invalid(format!("{key}[{i}]"), m))
        })
        .collect()
}

/// Whether a switch pattern (`*`, empty or a name) selects `switch`.
pub fn switch_matches(pattern: &str, switch: &str) -> bool {
    pattern.is_empty() || pattern == "*" || pattern.eq_ignore_ascii_case(switch)
}

impl PortProfile {
    /// The expected classes, parsed.
    pub fn classes(&self) -> Vec<DeviceClass> {
        self.expected_classes
            .iter()
            .filter_map(|c| c.parse().ok())
            .collect()
    }

    /// The port ranges, parsed (valid after [`validate_all`]).
    pub fn ranges(&self) -> Vec<PortRange> {
        self.ports
            .iter()
            .filter_map(|s| PortRange::parse(s).ok())
            .collect()
    }
}

/// Validates every `[[port_profile]]`; errors name `port_profile[i].key`.
pub fn validate_all(list: &[PortProfile]) -> Result<(), ConfigError> {
    for (i, p) in list.iter().enumerate() {
        let key = |k: &str| format!("port_profile[{i}].{k}");
        if p.name.trim().is_empty() {
            return Err(ConfigError::invalid(key("name"), "must not be empty"));
        }
        if p.ports.is_empty() {
            return Err(ConfigError::invalid(
                key("ports"),
                "lists no ports (use [\"*\"] for every port)",
            ));
        }
        parse_ranges(&key("ports"), &p.ports)?;
        for (j, c) in p.expected_classes.iter().enumerate() {
            c.parse::<DeviceClass>().map_err(|m| {
                ConfigError::invalid(format!("{}[{j}]", key("expected_classes")), m)
            })?;
        }
        if !(1..=4096).contains(&p.max_macs) {
            return Err(ConfigError::invalid(
                key("max_macs"),
                format!("{} is not in 1..=4096", p.max_macs),
            ));
        }
        for (j, c) in p.controls.iter().chain(&p.dot1x_controls).enumerate() {
            if c.trim().is_empty() || c.contains(',') {
                return Err(ConfigError::invalid(
                    format!("{}[{j}]", key("controls")),
                    format!("{c:?} is not a control id (non-empty, no comma)"),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_match_interface_names() {
        let r = PortRange::parse("Gi1/0/1-48").unwrap();
        assert!(r.matches("Gi1/0/1"));
        assert!(r.matches("Gi1/0/48"));
        assert!(r.matches("GigabitEthernet1/0/24"));
        assert!(r.matches("gi1/0/24"));
        assert!(!r.matches("Gi1/0/49"));
        assert!(!r.matches("Gi2/0/1"));
        assert!(!r.matches("Te1/0/1"));
        let t = PortRange::parse("Te1/1/1-4").unwrap();
        assert!(t.matches("TenGigabitEthernet1/1/3"));
        assert!(!t.matches("Te1/1/5"));
        let n = PortRange::parse("1-24").unwrap();
        assert!(n.matches("7"));
        assert!(!n.matches("25"));
        assert!(!n.matches("Gi1/0/7"));
        let one = PortRange::parse("Gi1/0/7").unwrap();
        assert!(one.matches("Gi1/0/7") && !one.matches("Gi1/0/17"));
        assert!(PortRange::parse("*").unwrap().matches("anything"));
        let e = PortRange::parse("mgmt").unwrap();
        assert!(e.matches("MGMT") && !e.matches("mgmt0"));
        let d = PortRange::parse("port-1-8").unwrap();
        assert!(d.matches("port-5") && !d.matches("port-9"));
        assert!(PortRange::parse("Gi1/0/9-3").is_err());
        assert!(PortRange::parse("").is_err());
    }

    #[test]
    fn validation_names_the_key() {
        let p = PortProfile {
            name: "voice".into(),
            switch: String::new(),
            ports: vec!["Gi1/0/1-48".into()],
            expected_classes: vec!["ip-phone".into(), "toaster".into()],
            max_macs: 2,
            controls: vec![],
            dot1x_controls: vec![],
            dot1x_required: false,
            transient: false,
        };
        let e = validate_all(std::slice::from_ref(&p))
            .unwrap_err()
            .to_string();
        assert!(e.contains("port_profile[0].expected_classes[1]"), "{e}");
        let q = PortProfile {
            expected_classes: vec![],
            ports: vec!["Gi1/0/5-1".into()],
            ..p
        };
        let e = validate_all(&[q]).unwrap_err().to_string();
        assert!(e.contains("port_profile[0].ports[0]"), "{e}");
    }
}
