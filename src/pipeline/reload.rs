//! SIGHUP: re-reading the configuration, the reference database and the firmware profiles,
//! all or nothing.
//!
//! Everything the new configuration needs is built before anything changes: the DNA builder
//! and its firmware profiles, the reference database, every switch target (credentials from
//! files or the environment), and the transport of every new or changed `[[destination]]`
//! (TLS files read and parsed). One failure refuses the whole reload with an ERROR line naming
//! the key, and the running configuration stays as it was. Then the pipeline takes the
//! thresholds, port profiles, change windows, suppressions, reference data and DNA parameters
//! (without losing any port's state), the store writer its `[retention]`, the poll schedule
//! the switch list, and the emitter the
//! destinations (added: a cursor at the end of the outbox; removed: stopped, backlog dropped
//! with a WARN line; changed: restarted from its stored cursor).
//!
//! Sections that cannot change while running (`[[capture]]`, `[api]`, `[integrations]`,
//! `[metrics]`, `sensor.data_dir`, `sensor.hostname`) are compared with the running file's and
//! each difference is logged at WARN as needing a restart; the rest of the reload still applies.

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
const RESTART_ONLY: [&str; 6] = [
    "capture",
    "api",
    "integrations",
    "metrics",
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
    /// The store writer (its retention), when there is one.
    pub writer: Option<&'a crate::store::Writer>,
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
    if let Some(w) = to.writer {
        w.set_retention(Some(next.cfg.retention.settings()));
    }
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
    use crate::clock::Timestamp;
    use crate::event::{Event, EventType};
    use crate::wire::LinkType;

    /// An LLDP frame of the corpus, sent from `mac`.
    fn lldp_from(mac: [u8; 6]) -> Vec<u8> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/lldpd/sg200.pcap");
        let (_, recs, _) = crate::capture::read_all(&path).expect("corpus capture");
        let (_, mut data) = recs
            .into_iter()
            .find(|(_, d)| d.len() > 14 && d[12..14] == [0x88, 0xcc])
            .expect("an LLDP frame");
        data[6..12].copy_from_slice(&mac);
        data
    }

    const BASE: &str = "[sensor]\nsite = \"lab\"\ndata_dir = \"DATA\"\n\
        [[capture]]\ninterface = \"span0\"\ntap = { switch = \"access-1\", port = \"Gi1/0/1\" }\n\
        [[capture]]\ninterface = \"span1\"\ntap = { switch = \"access-1\", port = \"Gi1/0/2\" }\n";

    /// Expected before the run: a device on Gi1/0/1 appears; SIGHUP adds a suppression of
    /// `device-appeared` on Gi1/0/2 and a device appearing there raises nothing, while one on
    /// Gi1/0/1 still appears; a broken file afterwards changes nothing (the suppression stays).
    #[test]
    fn a_suppression_added_by_a_reload_is_honoured_at_once_and_a_bad_file_keeps_it() {
        let dir = std::env::temp_dir().join(format!("cybriq-reload-pipe-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("sensor.toml");
        let base = BASE.replace("DATA", &dir.join("data").display().to_string());
        std::fs::write(&path, &base).unwrap();
        let mut running = Running::load(&path).unwrap();
        let (builder, refdb) = engine_parts(&running.cfg).unwrap();
        let events: Arc<Mutex<Vec<Event>>> = Arc::default();
        let seen = events.clone();
        let mut p = Pipeline::new(
            &running.cfg,
            super::super::Settings::default(),
            builder,
            refdb,
            tap_rules(&running.cfg, &[]),
            None,
        )
        .with_seed(3)
        .with_sink(Box::new(move |e: &[Event]| {
            seen.lock().unwrap().extend_from_slice(e)
        }));
        let emitter = Emitter::start(
            &crate::emit::Settings {
                db: crate::store::db_path(&dir.join("data")),
                hostname: "t".into(),
                procid: "1".into(),
            },
            &[],
        )
        .unwrap();
        let schedule = Mutex::new(Schedule::default());
        let t0 = 1_760_000_000_000_000i64;
        let appeared_on = |port: &str| {
            events
                .lock()
                .unwrap()
                .iter()
                .filter(|e| e.event == EventType::DeviceAppeared && e.port == port)
                .count()
        };
        let talk = |p: &mut Pipeline, iface: &str, mac: [u8; 6], from: i64| {
            for s in 0..10 {
                let ts = Timestamp(from + s * 30_000_000);
                p.frame(iface, LinkType::Ethernet, ts, &lldp_from(mac));
                p.tick(ts);
            }
        };
        talk(&mut p, "span0", [0x02, 0, 0, 0, 0, 1], t0);
        assert_eq!(appeared_on("Gi1/0/1"), 1, "{:?}", events.lock().unwrap());

        std::fs::write(
            &path,
            format!(
                "{base}[[suppression]]\nswitch = \"access-1\"\nports = [\"Gi1/0/2\"]\n\
                 events = [\"device-appeared\"]\nuntil = \"2100-01-01T00:00:00Z\"\nreason = \"re-cabling\"\n"
            ),
        )
        .unwrap();
        fn to<'a>(
            p: &'a mut Pipeline,
            schedule: &'a Mutex<Schedule>,
            emitter: &'a Emitter,
        ) -> Targets<'a> {
            Targets {
                pipeline: p,
                schedule,
                emitter,
                writer: None,
            }
        }
        reload(&path, &mut running, to(&mut p, &schedule, &emitter)).unwrap();
        talk(&mut p, "span1", [0x02, 0, 0, 0, 0, 2], t0 + 600_000_000);
        talk(&mut p, "span0", [0x02, 0, 0, 0, 0, 3], t0 + 600_000_000);
        assert_eq!(appeared_on("Gi1/0/2"), 0, "suppressed since the reload");
        assert_eq!(appeared_on("Gi1/0/1"), 2, "the other port still pages");

        std::fs::write(&path, format!("{base}[events]\nno_such_key = 1\n")).unwrap();
        let err = reload(&path, &mut running, to(&mut p, &schedule, &emitter)).unwrap_err();
        assert!(err.to_string().contains("no_such_key"), "{err}");
        talk(&mut p, "span1", [0x02, 0, 0, 0, 0, 4], t0 + 1_200_000_000);
        assert_eq!(
            appeared_on("Gi1/0/2"),
            0,
            "the refused file left the suppression in force"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

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
