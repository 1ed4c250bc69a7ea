//! `cybriq demo [--json] [--keep DIR]`: the appliance on its embedded defaults.
//!
//! The bundled site scenario of `deploy/demo/` (a capture of real corpus frames, the switch's
//! SNMP port tables and the sensor configuration) is built into the binary, so the demo runs
//! from any directory without a checkout. It writes the three files to a temporary directory,
//! replays the capture through the same pipeline as `cybriq replay` (SQLite database in that
//! directory, removed at the end unless `--keep DIR`), and prints a short header, each event as
//! it is raised (the RFC 5424 line the syslog emitter sends, or with `--json` one JSON object
//! per event), then the per-port summary. With `--json`, stdout holds the events only: the
//! header and the summary go to stderr. The demo configuration has no destination: nothing is
//! sent anywhere.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::replay::{Options, TempDir, fail, replay_into, temp_dir};
use crate::config::Config;
use crate::pipeline::fdb;
use crate::pipeline::replay::Pace;
use crate::store;

/// The bundled capture (`deploy/demo/site.pcap`).
const SITE_PCAP: &[u8] = include_bytes!("../../deploy/demo/site.pcap");
/// The bundled port tables, one poll per line (`deploy/demo/fdb.json`).
const FDB_JSON: &str = include_str!("../../deploy/demo/fdb.json");
/// The bundled sensor configuration (`deploy/demo/sensor.toml`).
const SENSOR_TOML: &str = include_str!("../../deploy/demo/sensor.toml");

const PCAP_FILE: &str = "site.pcap";
const FDB_FILE: &str = "fdb.json";
const CONFIG_FILE: &str = "sensor.toml";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// One JSON object per event on stdout (the header and the port summary go to stderr).
    #[arg(long)]
    json: bool,
    /// Keep the database and the scenario's files in this directory (created if missing; it
    /// must not already hold a cybriq database) instead of a temporary one.
    #[arg(long, value_name = "DIR")]
    keep: Option<PathBuf>,
}

/// What the demo replays, for the header.
const STORY: &str = "\
cybriq demo: ten hours of a branch office (site branch-7, switch access-1, ports Gi1/0/1-6),
replayed from a bundled capture of real control-plane frames (CDP, LLDP, DHCP from the tcpdump,
Zeek and ladvd test captures, with MACs, times and texts rewritten) and the switch's SNMP port
tables. Two Cisco phones, an Aruba AP, a Hikvision camera and two laptops. A phone's firmware
is updated inside a change window, a phone is swapped for a laptop that clones its MAC, an
unmanaged switch appears on a desk port, a desk port goes dark and its laptop returns later,
and the AP falls silent. To fit in ten hours the demo configuration scales the engine's
durations down: baseline learning 1 h (24 h by default), silence 3 h (7 d), orphan 4 h (14 d).";

/// Writes the bundled files into `dir`.
fn write_files(dir: &Path) -> std::io::Result<()> {
    std::fs::write(dir.join(PCAP_FILE), SITE_PCAP)?;
    std::fs::write(dir.join(FDB_FILE), FDB_JSON)?;
    std::fs::write(dir.join(CONFIG_FILE), SENSOR_TOML)
}

pub fn run(args: Args) -> ExitCode {
    super::init_tracing_quiet();
    let (_tmp, dir): (Option<TempDir>, PathBuf) = match &args.keep {
        Some(d) => {
            if let Err(e) = std::fs::create_dir_all(d) {
                return fail(format!("--keep {}: {e}", d.display()), 1);
            }
            let db = store::db_path(d);
            if db.exists() {
                return fail(
                    format!(
                        "--keep {}: {} already exists (a demo starts from an empty database; \
                         name another directory or remove it)",
                        d.display(),
                        db.display()
                    ),
                    2,
                );
            }
            (None, d.clone())
        }
        None => match temp_dir("demo") {
            Ok(t) => {
                let d = t.0.clone();
                (Some(t), d)
            }
            Err(e) => return fail(format!("temporary directory: {e}"), 1),
        },
    };
    if let Err(e) = write_files(&dir) {
        return fail(
            format!("writing the demo files to {}: {e}", dir.display()),
            1,
        );
    }
    let cfg = match Config::load(&dir.join(CONFIG_FILE)) {
        Ok(c) => c,
        Err(e) => return fail(format!("the bundled configuration: {e}"), 2),
    };
    if !cfg.destination.is_empty() {
        return fail(
            "the bundled configuration names a destination; the demo sends nothing",
            2,
        );
    }
    let tables = match fdb::load(&dir.join(FDB_FILE)) {
        Ok(t) => t,
        Err(e) => return fail(format!("the bundled port tables: {e}"), 2),
    };

    let polled: Vec<i64> = tables
        .iter()
        .filter_map(|t| t.polled_at)
        .map(|t| t.0)
        .collect();
    let span = match (polled.iter().min(), polled.iter().max()) {
        (Some(a), Some(b)) if b > a => format!(
            " from {} to {}",
            crate::clock::Timestamp(*a).rfc3339_millis(),
            crate::clock::Timestamp(*b).rfc3339_millis()
        ),
        _ => String::new(),
    };
    let header = format!(
        "{STORY}\n{} KiB of capture, {} port tables{span}.\nEvents as {}, then the per-port summary.\n",
        SITE_PCAP.len() / 1024,
        tables.len(),
        if args.json {
            "JSON objects on stdout"
        } else {
            "the RFC 5424 lines the syslog emitter sends"
        }
    );
    if args.json {
        eprintln!("{header}");
    } else {
        println!("{header}");
    }

    let opts = Options {
        json: args.json,
        seed: None,
        pace: Pace::AsFastAsPossible,
        drain_timeout_secs: 0,
    };
    let code = replay_into(&cfg, &tables, &[], &[dir.join(PCAP_FILE)], &dir, &opts);
    if args.keep.is_some() {
        eprintln!(
            "cybriq: kept the database ({}) and the scenario's files in {}",
            store::db_path(&dir).display(),
            dir.display()
        );
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_configuration_validates_and_sends_nothing() {
        let cfg = Config::parse(SENSOR_TOML, "deploy/demo/sensor.toml").expect("valid");
        assert!(cfg.destination.is_empty());
        assert_eq!(cfg.sensor.site, "branch-7");
    }

    #[test]
    fn bundled_port_tables_parse() {
        let tables = fdb::parse(FDB_JSON).expect("port tables");
        assert!(tables.len() > 10);
        assert!(tables.iter().all(|t| t.switch.name == "access-1"));
    }

    #[test]
    fn bundled_capture_is_a_small_pcap() {
        assert!(SITE_PCAP.len() < 512 * 1024);
        // Little-endian microsecond pcap magic.
        assert_eq!(&SITE_PCAP[..4], &[0xd4, 0xc3, 0xb2, 0xa1]);
    }
}
