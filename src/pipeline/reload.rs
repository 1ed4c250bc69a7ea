//! SIGHUP: re-reading the configuration, the reference database and the firmware profiles,
//! all or nothing.
//!
//! Everything the new configuration needs is built before anything changes: the DNA builder
//! and its firmware profiles, the reference database, every switch target (credentials from
//! files or the environment), and the transport of every new or changed `[[destination]]`
//! (TLS files read and parsed). One failure refuses the whole reload with an ERROR line naming
//! the key, and the running configuration stays as it was. Then the pipeline takes the
//! thresholds, port profiles, change windows, suppressions, reference data and DNA parameters
//! (without losing any port's state), the poll schedule the switch list, and the emitter the
//! destinations (added: a cursor at the end of the outbox; removed: stopped, backlog dropped
//! with a WARN line; changed: restarted from its stored cursor).
//!
//! Sections that cannot change while running (`[[capture]]`, `[api]`, `[integrations]`,
//! `sensor.data_dir`, `sensor.hostname`) are compared with the running file's and each
//! difference is logged at WARN as needing a restart; the rest of the reload still applies.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::config::{Config, ConfigError};
use crate::dna::DnaBuilder;
use crate::emit::{Changes, Emitter};
use crate::refdb::RefDb;

use super::polling::{Schedule, scheduled};
use super::{Pipeline, tap_rules};

/// Sections (or `section.key`s) a reload cannot apply.
const RESTART_ONLY: [&str; 5] = [
    "capture",
    "api",
    "integrations",
    "sensor.data_dir",
    "sensor.hostname",
];

/// The configuration in force and the file text it came from (to tell which restart-only
/// sections a new file changes).
#[derive(Debug)]
pub struct Running {
    /// The parsed, validated configuration.
    pub cfg: Config,
    raw: toml::Table,
}

impl Running {
    /// Reads, parses and validates `path`.
    pub fn load(path: &Path) -> Result<Running, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Io {
            path: path.to_owned(),
            source: e,
        })?;
        let cfg = Config::parse(&text, &path.to_string_lossy())?;
        // It parsed as a Config, so it is a TOML table.
        let raw = text.parse::<toml::Table>().unwrap_or_default();
        Ok(Running { cfg, raw })
    }

    /// The restart-only keys whose value differs between `self` and `next`.
    pub fn restart_only_changes(&self, next: &Running) -> Vec<&'static str> {
        RESTART_ONLY
            .into_iter()
            .filter(|key| lookup(&self.raw, key) != lookup(&next.raw, key))
            .collect()
    }
}

fn lookup<'a>(t: &'a toml::Table, key: &str) -> Option<&'a toml::Value> {
    let mut parts = key.split('.');
    let mut v = t.get(parts.next()?)?;
    for p in parts {
        v = v.as_table()?.get(p)?;
    }
    Some(v)
}

/// The DNA builder and reference database of a configuration.
pub fn engine_parts(cfg: &Config) -> Result<(DnaBuilder, Arc<RefDb>), super::daemon::DaemonError> {
    let builder = DnaBuilder::with_profiles(cfg.dna.params(), cfg.dna.load_profiles()?);
    let refdb = Arc::new(cfg.refdb.load()?);
    tracing::info!(origin = %refdb.origin, digest = %refdb.digest, "Reference database loaded.");
    Ok((builder, refdb))
}

/// What a reload applied.
#[derive(Debug, Default)]
pub struct Applied {
    /// The destination changes.
    pub destinations: Changes,
    /// Switches now scheduled.
    pub switches: usize,
    /// Restart-only keys that changed (not applied).
    pub restart_needed: Vec<&'static str>,
}

/// The running parts a reload changes.
pub struct Targets<'a> {
    /// The pipeline (engine settings, reference data, taps).
    pub pipeline: &'a mut Pipeline,
    /// The SNMP poll schedule.
    pub schedule: &'a Mutex<Schedule>,
    /// The syslog emitter.
    pub emitter: &'a Emitter,
}

/// Reloads from `path`; on any error nothing changes and the error says what was wrong.
pub fn reload(
    path: &Path,
    running: &mut Running,
    to: Targets<'_>,
) -> Result<Applied, super::daemon::DaemonError> {
    let next = Running::load(path)?;
    let (builder, refdb) = engine_parts(&next.cfg)?;
    let switches = scheduled(&next.cfg, Instant::now())?;
    let plan = to.emitter.plan(&next.cfg.destination)?;
    // Everything is built: apply.
    let destinations = to.emitter.apply(plan)?;
    to.pipeline
        .reload(&next.cfg, builder, refdb, tap_rules(&next.cfg, &[]));
    let n = switches.len();
    to.schedule
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .replace(switches);
    let restart_needed = running.restart_only_changes(&next);
    *running = next;
    Ok(Applied {
        destinations,
        switches: n,
        restart_needed,
    })
}

/// Logs what a reload did (or why it was refused).
pub fn log(path: &Path, result: &Result<Applied, super::daemon::DaemonError>) {
    match result {
        Err(e) => tracing::error!(config = %path.display(), error = %e,
            "Reload refused: nothing was changed; the running configuration stays in force."),
        Ok(a) => {
            for key in &a.restart_needed {
                tracing::warn!(
                    key,
                    "Changed in the file but cannot be applied while running: restart the sensor to apply it."
                );
            }
            for name in &a.destinations.added {
                tracing::info!(destination = %name, "Destination added; it receives events from now on.");
            }
            for name in &a.destinations.changed {
                tracing::info!(destination = %name, "Destination changed; restarted from its stored position.");
            }
            for (name, dropped) in &a.destinations.removed {
                tracing::warn!(destination = %name, dropped, "Destination removed: its undelivered backlog was dropped.");
            }
            tracing::info!(
                switches = a.switches,
                "Reloaded: configuration, reference data and firmware profiles."
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn running(text: &str) -> Running {
        let p = std::env::temp_dir().join(format!("cybriq-reload-{}.toml", std::process::id()));
        std::fs::write(&p, text).unwrap();
        let r = Running::load(&p).unwrap();
        let _ = std::fs::remove_file(&p);
        r
    }

    #[test]
    fn restart_only_changes_are_named_and_the_rest_is_not() {
        let a = running("[sensor]\nsite = \"a\"\ndata_dir = \"/tmp/x\"\n");
        let same = running("[sensor]\nsite = \"b\"\ndata_dir = \"/tmp/x\"\n");
        assert!(a.restart_only_changes(&same).is_empty(), "site reloads");
        let moved = running("[sensor]\nsite = \"a\"\ndata_dir = \"/tmp/y\"\n");
        assert_eq!(a.restart_only_changes(&moved), ["sensor.data_dir"]);
        let api = running(
            "[sensor]\nsite = \"a\"\ndata_dir = \"/tmp/x\"\n[api]\nlisten = \"127.0.0.1:8443\"\n",
        );
        assert_eq!(a.restart_only_changes(&api), ["api"]);
    }
}
