//! The sensor's configuration: one TOML file.
//!
//! Loading is `parse → validate() → build()`: this module parses and validates plain data (every
//! struct `deny_unknown_fields`, a `///` line on every field, defaults by function); running parts
//! are built from it by the modules that own them. Validation errors name the key
//! (`switch[2].address`) and say what is allowed. Secrets ([`Secret`]) may come from the file,
//! another file or an environment variable, and never appear in `Debug` output or logs.
//!
//! Sections so far: `[sensor]`. Each subsystem adds its own section in its own file here.

pub mod api;
pub mod capture;
pub mod change_window;
pub mod check;
pub mod destination;
mod dna;
mod error;
pub mod events;
pub mod integrations;
pub mod metrics;
pub mod port_profile;
mod refdb;
pub mod retention;
mod secret;
pub mod switch;

use std::path::Path;

use serde::Deserialize;

pub use dna::{Dna, Weights as DnaWeights, parse_duration_secs};
pub use error::ConfigError;
pub use refdb::Refdb;
pub use secret::Secret;

/// The whole configuration file.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Identity of this appliance and where it keeps its state.
    #[serde(default)]
    pub sensor: Sensor,
    /// Syslog destinations (`[[destination]]`), each receiving every event.
    #[serde(default)]
    pub destination: Vec<destination::Destination>,
    /// Reference database location.
    #[serde(default)]
    pub refdb: Refdb,
    /// Switches the SNMP poller polls (`[[switch]]`).
    #[serde(default)]
    pub switch: Vec<switch::Switch>,
    /// Device DNA and baselines.
    #[serde(default)]
    pub dna: Dna,
    /// Interfaces the live capture listens on (`[[capture]]`).
    #[serde(default)]
    pub capture: Vec<capture::Capture>,
    /// Drift-engine thresholds and timers (`[events]`).
    #[serde(default)]
    pub events: events::Events,
    /// Port profiles (`[[port_profile]]`).
    #[serde(default)]
    pub port_profile: Vec<port_profile::PortProfile>,
    /// Approved change windows (`[[change_window]]`).
    #[serde(default)]
    pub change_window: Vec<change_window::ChangeWindow>,
    /// Event suppressions (`[[suppression]]`).
    #[serde(default)]
    pub suppression: Vec<change_window::Suppression>,
    /// The REST API (`[api]`); off unless `listen` is set.
    #[serde(default)]
    pub api: api::Api,
    /// The NACs the SOAR quarantine hand-off asks (`[integrations.cisco_ise]`,
    /// `[integrations.forescout]`).
    #[serde(default)]
    pub integrations: integrations::Integrations,
    /// How long each table keeps its rows, and the outbox's bounds (`[retention]`).
    #[serde(default)]
    pub retention: retention::Retention,
    /// The Prometheus metrics listener (`[metrics]`); off unless `listen` is set.
    #[serde(default)]
    pub metrics: metrics::Metrics,
}

/// `[sensor]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sensor {
    /// Site name carried by every event (`site`).
    #[serde(default = "default_site")]
    pub site: String,
    /// Host name in syslog headers; the machine's host name when empty.
    #[serde(default)]
    pub hostname: String,
    /// Directory for the SQLite database and other state.
    #[serde(default = "default_data_dir")]
    pub data_dir: std::path::PathBuf,
}

fn default_site() -> String {
    "default".into()
}

fn default_data_dir() -> std::path::PathBuf {
    "/var/lib/cybriq".into()
}

impl Default for Sensor {
    fn default() -> Self {
        Sensor {
            site: default_site(),
            hostname: String::new(),
            data_dir: default_data_dir(),
        }
    }
}

impl Config {
    /// Parses TOML text and validates it. `origin` names the source in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Config, ConfigError> {
        let cfg: Config = toml::from_str(text).map_err(|e| ConfigError::parse(origin, text, &e))?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Reads, parses and validates a file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Io {
            path: path.to_owned(),
            source: e,
        })?;
        Config::parse(&text, &path.to_string_lossy())
    }

    /// Checks what serde cannot: ranges, consistency between sections, reachable files.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.sensor.site.trim().is_empty() {
            return Err(ConfigError::invalid("sensor.site", "must not be empty"));
        }
        destination::validate(&self.destination)?;
        self.refdb.validate()?;
        switch::validate_all(&self.switch)?;
        self.dna.validate()?;
        capture::validate_all(&self.capture)?;
        self.events.validate()?;
        port_profile::validate_all(&self.port_profile)?;
        change_window::validate_windows(&self.change_window)?;
        change_window::validate_suppressions(&self.suppression)?;
        self.api.validate()?;
        self.integrations.validate()?;
        self.retention.validate()?;
        self.metrics.validate(self.api.listen.as_deref())?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_gives_defaults() {
        let c = Config::parse("", "test").unwrap();
        assert_eq!(c.sensor.site, "default");
    }

    #[test]
    fn unknown_key_is_named_with_its_line() {
        let e = Config::parse("[sensor]\nsite = \"a\"\nsiet = \"b\"\n", "x.toml").unwrap_err();
        let s = e.to_string();
        assert!(
            s.contains("siet") && s.contains("x.toml") && s.contains("line 3"),
            "{s}"
        );
    }

    #[test]
    fn empty_site_is_rejected_by_key() {
        let e = Config::parse("[sensor]\nsite = \" \"\n", "x").unwrap_err();
        assert!(e.to_string().contains("sensor.site"), "{e}");
    }
}
