//! `[[capture]]`: the interfaces the sensor listens on (SPAN / mirror / TAP ports).
//!
//! ```toml
//! [[capture]]
//! interface = "ens1f0"           # required; the SPAN destination port
//! # filter = "..."               # BPF override; default: control-plane frames only
//! mdns_ssdp = false              # also capture mDNS (UDP 5353) and SSDP (UDP 1900), as identity evidence
//! snaplen = 2048                 # bytes kept per frame, 64..=65535
//! ring_size_mb = 64              # kernel ring (libpcap buffer), 1..=4096 MiB
//! channel_capacity = 65536       # frames queued between the capture thread and the pipeline
//! immediate = true               # deliver each frame at once (libpcap immediate mode)
//! tap = { switch = "access-1", port = "Gi1/0/7" }   # everything here is from that port
//!
//! [[capture.vlan]]               # or: per-VLAN static attribution
//! vlan = 20
//! switch = "access-1"
//! port = "Gi1/0/8"
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;

use super::ConfigError;

/// One `[[capture]]` table.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Capture {
    /// Network interface to capture on (promiscuous); unique across `[[capture]]`.
    pub interface: String,
    /// BPF expression (libpcap syntax) replacing the default control-plane filter.
    #[serde(default)]
    pub filter: Option<String>,
    /// Capture mDNS (UDP 5353) and SSDP (UDP 1900) as well (added to the default filter) and use
    /// them as identity evidence (service types, model TXT pairs, SSDP `SERVER`; not DNA
    /// features). Off: such frames are neither captured by the default filter nor used, even
    /// when a custom `filter` lets them through. See docs/mdns-ssdp.md.
    #[serde(default)]
    pub mdns_ssdp: bool,
    /// Bytes kept of each frame, 64..=65535.
    #[serde(default = "default_snaplen")]
    pub snaplen: u32,
    /// Kernel capture buffer (libpcap `buffer_size`, the packet ring) in MiB, 1..=4096.
    #[serde(default = "default_ring_size_mb")]
    pub ring_size_mb: u32,
    /// Frames the bounded channel to the pipeline holds; a full channel drops (and counts).
    #[serde(default = "default_channel_capacity")]
    pub channel_capacity: usize,
    /// libpcap immediate mode: each frame is delivered as it arrives (TPACKET_V2 ring). `false`
    /// lets libpcap batch frames in blocks (TPACKET_V3), cheaper at very high rates.
    #[serde(default = "default_immediate")]
    pub immediate: bool,
    /// Static attribution of every frame on this interface to one switch port.
    #[serde(default)]
    pub tap: Option<Tap>,
    /// Static attribution per VLAN (`[[capture.vlan]]`).
    #[serde(default)]
    pub vlan: Vec<VlanTap>,
}

/// `tap = { switch, port }`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Tap {
    /// Switch name (as in `[[switch]]` or free text).
    pub switch: String,
    /// Port name (`Gi1/0/7`).
    pub port: String,
}

/// `[[capture.vlan]]`: frames of this VLAN come from this switch port.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct VlanTap {
    /// VLAN ID, 1..=4094 (the outer tag of the frame).
    pub vlan: u16,
    /// Switch name.
    pub switch: String,
    /// Port name.
    pub port: String,
}

fn default_snaplen() -> u32 {
    2048
}
fn default_ring_size_mb() -> u32 {
    64
}
fn default_channel_capacity() -> usize {
    65536
}
fn default_immediate() -> bool {
    true
}

impl Capture {
    /// A capture of `interface` with every other key at its default.
    pub fn new(interface: impl Into<String>) -> Capture {
        Capture {
            interface: interface.into(),
            filter: None,
            mdns_ssdp: false,
            snaplen: default_snaplen(),
            ring_size_mb: default_ring_size_mb(),
            channel_capacity: default_channel_capacity(),
            immediate: default_immediate(),
            tap: None,
            vlan: Vec::new(),
        }
    }

    /// The BPF expression this capture sets on an Ethernet interface: the override, or the
    /// default control-plane filter.
    pub fn filter_expression(&self) -> String {
        self.filter
            .clone()
            .unwrap_or_else(|| crate::capture::control_plane_filter(self.mdns_ssdp))
    }

    /// Checks ranges and names; `key` is `capture[i]`.
    pub fn validate(&self, key: &str) -> Result<(), ConfigError> {
        let k = |f: &str| format!("{key}.{f}");
        let iface = self.interface.trim();
        if iface.is_empty() {
            return Err(ConfigError::invalid(k("interface"), "must not be empty"));
        }
        if iface.len() > 15 || iface.contains(['/', ' ']) || iface != self.interface {
            return Err(ConfigError::invalid(
                k("interface"),
                format!(
                    "{:?} is not a Linux interface name (at most 15 characters, no spaces or '/')",
                    self.interface
                ),
            ));
        }
        if !(64..=65535).contains(&self.snaplen) {
            return Err(ConfigError::invalid(
                k("snaplen"),
                format!("{} is out of range: 64..=65535 bytes", self.snaplen),
            ));
        }
        if !(1..=4096).contains(&self.ring_size_mb) {
            return Err(ConfigError::invalid(
                k("ring_size_mb"),
                format!("{} is out of range: 1..=4096 MiB", self.ring_size_mb),
            ));
        }
        if !(1..=16_777_216).contains(&self.channel_capacity) {
            return Err(ConfigError::invalid(
                k("channel_capacity"),
                format!(
                    "{} is out of range: 1..=16777216 frames",
                    self.channel_capacity
                ),
            ));
        }
        if let Some(f) = &self.filter {
            crate::capture::filter::check(f).map_err(|msg| {
                ConfigError::invalid(k("filter"), format!("libpcap cannot compile it: {msg}"))
            })?;
        }
        if let Some(t) = &self.tap {
            nonempty(&t.switch, &k("tap.switch"))?;
            nonempty(&t.port, &k("tap.port"))?;
        }
        let mut seen: BTreeMap<u16, usize> = BTreeMap::new();
        for (j, v) in self.vlan.iter().enumerate() {
            let vk = format!("{key}.vlan[{j}]");
            if !(1..=4094).contains(&v.vlan) {
                return Err(ConfigError::invalid(
                    format!("{vk}.vlan"),
                    format!("{} is out of range: 1..=4094", v.vlan),
                ));
            }
            if let Some(first) = seen.insert(v.vlan, j) {
                return Err(ConfigError::invalid(
                    format!("{vk}.vlan"),
                    format!("VLAN {} is already mapped by {key}.vlan[{first}]", v.vlan),
                ));
            }
            nonempty(&v.switch, &format!("{vk}.switch"))?;
            nonempty(&v.port, &format!("{vk}.port"))?;
        }
        Ok(())
    }
}

fn nonempty(v: &str, key: &str) -> Result<(), ConfigError> {
    if v.trim().is_empty() {
        Err(ConfigError::invalid(key, "must not be empty"))
    } else {
        Ok(())
    }
}

/// Validates every `[[capture]]` and refuses an interface listed twice.
pub fn validate_all(captures: &[Capture]) -> Result<(), ConfigError> {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, c) in captures.iter().enumerate() {
        let key = format!("capture[{i}]");
        c.validate(&key)?;
        if let Some(first) = seen.insert(c.interface.as_str(), i) {
            return Err(ConfigError::invalid(
                format!("{key}.interface"),
                format!(
                    "{:?} is already captured by capture[{first}]; list each interface once",
                    c.interface
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn err(toml: &str) -> String {
        Config::parse(toml, "t.toml").unwrap_err().to_string()
    }

    #[test]
    fn defaults() {
        let c = Config::parse("[[capture]]\ninterface = \"eth1\"\n", "t").unwrap();
        assert_eq!(c.capture, vec![Capture::new("eth1")]);
        let c = &c.capture[0];
        assert_eq!(
            (c.snaplen, c.ring_size_mb, c.channel_capacity),
            (2048, 64, 65536)
        );
        assert!(c.immediate && !c.mdns_ssdp && c.filter.is_none() && c.tap.is_none());
        assert_eq!(
            c.filter_expression(),
            crate::capture::control_plane_filter(false)
        );
    }

    #[test]
    fn full_table_parses() {
        let c = Config::parse(
            r#"
[[capture]]
interface = "eth1"
filter = "ether proto 0x88cc"
mdns_ssdp = true
snaplen = 256
ring_size_mb = 8
channel_capacity = 1024
immediate = false
tap = { switch = "access-1", port = "Gi1/0/7" }
[[capture.vlan]]
vlan = 20
switch = "access-1"
port = "Gi1/0/8"
[[capture]]
interface = "eth2"
"#,
            "t",
        )
        .unwrap();
        assert_eq!(c.capture.len(), 2);
        let a = &c.capture[0];
        assert_eq!(a.filter_expression(), "ether proto 0x88cc");
        assert_eq!(a.tap.as_ref().unwrap().port, "Gi1/0/7");
        assert_eq!(a.vlan[0].vlan, 20);
        assert_eq!(
            (a.snaplen, a.ring_size_mb, a.channel_capacity),
            (256, 8, 1024)
        );
        assert!(a.mdns_ssdp && !a.immediate);
    }

    #[test]
    fn missing_interface_and_unknown_key() {
        assert!(err("[[capture]]\nsnaplen = 100\n").contains("interface"));
        let e = err("[[capture]]\ninterface = \"e\"\nring_size = 3\n");
        assert!(e.contains("ring_size") && e.contains("line 3"), "{e}");
        let e =
            err("[[capture]]\ninterface = \"e\"\ntap = { switch = \"s\", port = \"p\", x = 1 }\n");
        assert!(e.contains('x'), "{e}");
    }

    #[test]
    fn ranges_name_the_key() {
        for (extra, key) in [
            ("snaplen = 63", "capture[0].snaplen"),
            ("snaplen = 65536", "capture[0].snaplen"),
            ("ring_size_mb = 0", "capture[0].ring_size_mb"),
            ("ring_size_mb = 4097", "capture[0].ring_size_mb"),
            ("channel_capacity = 0", "capture[0].channel_capacity"),
            (
                "tap = { switch = \"\", port = \"p\" }",
                "capture[0].tap.switch",
            ),
            (
                "tap = { switch = \"s\", port = \" \" }",
                "capture[0].tap.port",
            ),
        ] {
            let e = err(&format!("[[capture]]\ninterface = \"eth1\"\n{extra}\n"));
            assert!(e.starts_with(key), "{extra}: {e}");
        }
        let e = err("[[capture]]\ninterface = \"\"\n");
        assert!(e.starts_with("capture[0].interface"), "{e}");
        let e = err("[[capture]]\ninterface = \"a very long interface name\"\n");
        assert!(e.starts_with("capture[0].interface"), "{e}");
    }

    #[test]
    fn vlan_entries_checked() {
        let base = "[[capture]]\ninterface = \"eth1\"\n[[capture.vlan]]\n";
        for (body, key) in [
            (
                "vlan = 0\nswitch = \"s\"\nport = \"p\"",
                "capture[0].vlan[0].vlan",
            ),
            (
                "vlan = 4095\nswitch = \"s\"\nport = \"p\"",
                "capture[0].vlan[0].vlan",
            ),
            (
                "vlan = 5\nswitch = \"\"\nport = \"p\"",
                "capture[0].vlan[0].switch",
            ),
            (
                "vlan = 5\nswitch = \"s\"\nport = \"\"",
                "capture[0].vlan[0].port",
            ),
        ] {
            let e = err(&format!("{base}{body}\n"));
            assert!(e.starts_with(key), "{body}: {e}");
        }
        let e = err(&format!(
            "{base}vlan = 5\nswitch = \"s\"\nport = \"p\"\n[[capture.vlan]]\nvlan = 5\nswitch = \"s\"\nport = \"q\"\n"
        ));
        assert!(e.starts_with("capture[0].vlan[1].vlan"), "{e}");
    }

    #[test]
    fn duplicate_interface_refused() {
        let e = err(
            "[[capture]]\ninterface = \"eth1\"\n[[capture]]\ninterface = \"eth2\"\n[[capture]]\ninterface = \"eth1\"\n",
        );
        assert!(
            e.starts_with("capture[2].interface") && e.contains("capture[0]"),
            "{e}"
        );
    }

    #[test]
    fn uncompilable_filter_names_key_and_libpcap_message() {
        let e = err(
            "[[capture]]\ninterface = \"eth1\"\nfilter = \"ether proto 0x88cc and frobnicate\"\n",
        );
        assert!(
            e.starts_with("capture[0].filter: libpcap cannot compile it: "),
            "{e}"
        );
        assert!(
            e.len() > "capture[0].filter: libpcap cannot compile it: ".len() + 5,
            "{e}"
        );
    }
}
