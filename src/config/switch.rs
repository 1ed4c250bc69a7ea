//! `[[switch]]`: the switches the SNMP poller polls.
//!
//! ```toml
//! [[switch]]
//! name = "access-1"
//! address = "10.0.0.11"          # host or host:port (161 by default)
//! version = "2c"                 # "1", "2c" or "3"
//! community = { env = "CYBRIQ_SNMP_COMMUNITY" }
//!
//! [[switch]]
//! name = "core-1"
//! address = "10.0.0.1:161"
//! version = "3"
//! user = "cybriq"
//! auth_proto = "SHA256"          # MD5, SHA, SHA224, SHA256, SHA384, SHA512
//! auth_key = { file = "/etc/cybriq/core-1.auth" }
//! priv_proto = "AES"             # DES, AES (AES-128)
//! priv_key = { file = "/etc/cybriq/core-1.priv" }
//! ```

use std::time::Duration;

use serde::Deserialize;

use super::{ConfigError, Secret};
use crate::snmp::{AuthProto, Credentials, PrivProto, Target, Timing};

/// One `[[switch]]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Switch {
    /// Name in events and the port table; unique.
    pub name: String,
    /// `host` or `host:port` (UDP 161 by default; IPv6 as `[addr]:port`).
    pub address: String,
    /// SNMP version: `"1"`, `"2c"` or `"3"`.
    #[serde(default = "default_version")]
    pub version: String,
    /// Community (v1, v2c).
    #[serde(default)]
    pub community: Option<Secret>,
    /// USM user name (v3).
    #[serde(default)]
    pub user: Option<String>,
    /// v3 authentication protocol: MD5, SHA, SHA224, SHA256, SHA384, SHA512; none = noAuthNoPriv.
    #[serde(default)]
    pub auth_proto: Option<String>,
    /// v3 authentication passphrase.
    #[serde(default)]
    pub auth_key: Option<Secret>,
    /// v3 privacy protocol: DES or AES; none = authNoPriv.
    #[serde(default)]
    pub priv_proto: Option<String>,
    /// v3 privacy passphrase.
    #[serde(default)]
    pub priv_key: Option<Secret>,
    /// Seconds between polls.
    #[serde(default = "default_poll_interval")]
    pub poll_interval_secs: u64,
    /// First attempt's timeout in milliseconds (each retry doubles it, at most 8×).
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// Retries after the first attempt.
    #[serde(default = "default_retries")]
    pub retries: u32,
    /// GETBULK max-repetitions.
    #[serde(default = "default_max_repetitions")]
    pub max_repetitions: u32,
    /// Walks in flight at once against this switch.
    #[serde(default = "default_max_in_flight")]
    pub max_in_flight: usize,
    /// A port of this switch with more distinct MACs than this (and no neighbour that makes it
    /// an uplink) is crowded: a switch behind an edge port (`port-topology-changed`).
    #[serde(default = "default_edge_mac_limit")]
    pub edge_mac_limit: usize,
}

fn default_version() -> String {
    "2c".into()
}
fn default_poll_interval() -> u64 {
    300
}
fn default_timeout_ms() -> u64 {
    2000
}
fn default_retries() -> u32 {
    2
}
fn default_max_repetitions() -> u32 {
    25
}
fn default_max_in_flight() -> usize {
    4
}
fn default_edge_mac_limit() -> usize {
    16
}

/// `host:port` with the default SNMP port added when `address` has none.
pub fn with_default_port(address: &str) -> String {
    let a = address.trim();
    if a.starts_with('[') {
        if a.contains("]:") {
            a.to_owned()
        } else {
            format!("{a}:161")
        }
    } else if a.matches(':').count() > 1 {
        format!("[{a}]:161")
    } else if a.contains(':') {
        a.to_owned()
    } else {
        format!("{a}:161")
    }
}

impl Switch {
    /// Checks ranges and that the credentials fit the version; `key` is `switch[i]`.
    pub fn validate(&self, key: &str) -> Result<(), ConfigError> {
        let k = |f: &str| format!("{key}.{f}");
        if self.name.trim().is_empty() {
            return Err(ConfigError::invalid(k("name"), "must not be empty"));
        }
        let addr = with_default_port(&self.address);
        let port_ok = addr
            .rsplit_once(':')
            .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok_and(|p| p > 0));
        if self.address.trim().is_empty() || !port_ok {
            return Err(ConfigError::invalid(
                k("address"),
                "must be host or host:port with a port 1-65535",
            ));
        }
        match self.version.as_str() {
            "1" | "2c" => {
                if self.community.is_none() {
                    return Err(ConfigError::invalid(
                        k("community"),
                        "is required for SNMP v1 and v2c",
                    ));
                }
            }
            "3" => {
                if self.user.as_deref().is_none_or(|u| u.is_empty()) {
                    return Err(ConfigError::invalid(k("user"), "is required for SNMP v3"));
                }
                if let Some(p) = &self.auth_proto {
                    if AuthProto::parse(p).is_none() {
                        return Err(ConfigError::invalid(
                            k("auth_proto"),
                            "must be MD5, SHA, SHA224, SHA256, SHA384 or SHA512",
                        ));
                    }
                    if self.auth_key.is_none() {
                        return Err(ConfigError::invalid(
                            k("auth_key"),
                            "is required with auth_proto",
                        ));
                    }
                }
                if let Some(p) = &self.priv_proto {
                    if PrivProto::parse(p).is_none() {
                        return Err(ConfigError::invalid(k("priv_proto"), "must be DES or AES"));
                    }
                    if self.auth_proto.is_none() {
                        return Err(ConfigError::invalid(
                            k("priv_proto"),
                            "needs auth_proto (authPriv)",
                        ));
                    }
                    if self.priv_key.is_none() {
                        return Err(ConfigError::invalid(
                            k("priv_key"),
                            "is required with priv_proto",
                        ));
                    }
                }
            }
            _ => {
                return Err(ConfigError::invalid(
                    k("version"),
                    "must be \"1\", \"2c\" or \"3\"",
                ));
            }
        }
        if self.poll_interval_secs < 10 {
            return Err(ConfigError::invalid(
                k("poll_interval_secs"),
                "must be at least 10",
            ));
        }
        if !(10..=60_000).contains(&self.timeout_ms) {
            return Err(ConfigError::invalid(k("timeout_ms"), "must be 10 to 60000"));
        }
        if self.retries > 10 {
            return Err(ConfigError::invalid(k("retries"), "must be 0 to 10"));
        }
        if !(1..=200).contains(&self.max_repetitions) {
            return Err(ConfigError::invalid(
                k("max_repetitions"),
                "must be 1 to 200",
            ));
        }
        if !(1..=64).contains(&self.max_in_flight) {
            return Err(ConfigError::invalid(k("max_in_flight"), "must be 1 to 64"));
        }
        if self.edge_mac_limit == 0 {
            return Err(ConfigError::invalid(
                k("edge_mac_limit"),
                "must be at least 1",
            ));
        }
        Ok(())
    }

    /// The poller's target, with secrets resolved; `key` is `switch[i]`.
    pub fn target(&self, key: &str) -> Result<Target, ConfigError> {
        let k = |f: &str| format!("{key}.{f}");
        let secret = |s: &Option<Secret>, f: &str| -> Result<String, ConfigError> {
            s.as_ref()
                .ok_or_else(|| ConfigError::invalid(k(f), "is required"))?
                .resolve(&k(f))
        };
        let creds = match self.version.as_str() {
            "1" => Credentials::V1 {
                community: secret(&self.community, "community")?,
            },
            "2c" => Credentials::V2c {
                community: secret(&self.community, "community")?,
            },
            _ => Credentials::V3 {
                user: self.user.clone().unwrap_or_default(),
                auth: match &self.auth_proto {
                    Some(p) => Some((
                        AuthProto::parse(p).ok_or_else(|| {
                            ConfigError::invalid(k("auth_proto"), "unknown protocol")
                        })?,
                        secret(&self.auth_key, "auth_key")?,
                    )),
                    None => None,
                },
                privacy: match &self.priv_proto {
                    Some(p) => Some((
                        PrivProto::parse(p).ok_or_else(|| {
                            ConfigError::invalid(k("priv_proto"), "unknown protocol")
                        })?,
                        secret(&self.priv_key, "priv_key")?,
                    )),
                    None => None,
                },
            },
        };
        Ok(Target {
            name: self.name.clone(),
            address: with_default_port(&self.address),
            creds,
            timing: Timing {
                timeout: Duration::from_millis(self.timeout_ms),
                retries: self.retries,
            },
            max_repetitions: self.max_repetitions,
            max_in_flight: self.max_in_flight,
        })
    }
}

/// Validates every `[[switch]]`, including unique names.
pub fn validate_all(switches: &[Switch]) -> Result<(), ConfigError> {
    let mut seen = std::collections::BTreeSet::new();
    for (i, s) in switches.iter().enumerate() {
        let key = format!("switch[{i}]");
        s.validate(&key)?;
        if !seen.insert(s.name.as_str()) {
            return Err(ConfigError::invalid(
                format!("{key}.name"),
                format!("duplicate switch name {:?}", s.name),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    #[test]
    fn v2c_and_v3_switches_parse_and_build_targets() {
        let c = Config::parse(
            "[[switch]]\nname = \"a\"\naddress = \"10.0.0.1\"\ncommunity = \"public\"\n\
             [[switch]]\nname = \"b\"\naddress = \"[::1]:1161\"\nversion = \"3\"\nuser = \"u\"\n\
             auth_proto = \"SHA256\"\nauth_key = \"authpass1\"\npriv_proto = \"AES\"\npriv_key = \"privpass1\"\n",
            "t.toml",
        )
        .unwrap();
        let a = c.switch[0].target("switch[0]").unwrap();
        assert_eq!(a.address, "10.0.0.1:161");
        assert_eq!(a.max_repetitions, 25);
        let b = c.switch[1].target("switch[1]").unwrap();
        assert_eq!(b.address, "[::1]:1161");
        assert!(!format!("{:?}", b.creds).contains("privpass1"));
    }

    #[test]
    fn errors_name_the_key() {
        let cases = [
            (
                "[[switch]]\nname = \"a\"\naddress = \"h\"\n",
                "switch[0].community",
            ),
            (
                "[[switch]]\nname = \"a\"\naddress = \"h\"\nversion = \"3\"\n",
                "switch[0].user",
            ),
            (
                "[[switch]]\nname = \"a\"\naddress = \"h\"\nversion = \"3\"\nuser = \"u\"\npriv_proto = \"AES\"\npriv_key = \"k\"\n",
                "switch[0].priv_proto",
            ),
            (
                "[[switch]]\nname = \"a\"\naddress = \"h\"\nversion = \"3\"\nuser = \"u\"\nauth_proto = \"SHA3\"\nauth_key = \"k\"\n",
                "switch[0].auth_proto",
            ),
            (
                "[[switch]]\nname = \"a\"\naddress = \"h:0\"\ncommunity = \"c\"\n",
                "switch[0].address",
            ),
            (
                "[[switch]]\nname = \"a\"\naddress = \"h\"\ncommunity = \"c\"\nmax_repetitions = 0\n",
                "switch[0].max_repetitions",
            ),
            (
                "[[switch]]\nname = \"a\"\naddress = \"h\"\ncommunity = \"c\"\n[[switch]]\nname = \"a\"\naddress = \"g\"\ncommunity = \"c\"\n",
                "switch[1].name",
            ),
            (
                "[[switch]]\nname = \"a\"\naddress = \"h\"\ncommunity = \"c\"\nversion = \"2\"\n",
                "switch[0].version",
            ),
        ];
        for (text, key) in cases {
            let e = Config::parse(text, "t").unwrap_err().to_string();
            assert!(e.contains(key), "{text}: {e}");
        }
        let e = Config::parse(
            "[[switch]]\nname = \"a\"\naddress = \"h\"\ncomunity = \"c\"\n",
            "t",
        )
        .unwrap_err();
        assert!(e.to_string().contains("comunity"), "{e}");
    }
}
