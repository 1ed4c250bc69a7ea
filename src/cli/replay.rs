//! `cybriq replay --config FILE [--fdb FILE] [--tap SWITCH:PORT] [--json] CAPTURE...`: the
//! sensor pipeline on capture files, with each frame's capture time as the clock.
//!
//! Prints the events as they are raised (RFC 5424 lines, or with `--json` one JSON object per
//! event whose keys are the structured-data field names), then the per-port summary (on
//! stdout, or on stderr with `--json` so that stdout holds events only). Events also go to
//! every configured `[[destination]]`; replay exits when each has confirmed them all (or has
//! failed for good, reported, exit 1). State is kept in a temporary database unless
//! `--data-dir` names one (a second replay into it resumes with the same baselines).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use crate::attribution::{PortRef, TapRule};
use crate::config::Config;
use crate::dna::DnaBuilder;
use crate::emit::format::{FormatOptions, Payload, SeverityMapping};
use crate::emit::{DrainOutcome, Emitter, Settings as EmitSettings};
use crate::engine::PortSummary;
use crate::event::Event;
use crate::pipeline::replay::{Pace, REPLAY_INTERFACE, replay_with};
use crate::pipeline::{Pipeline, Settings, fdb, tap_rules};
use crate::snmp::PortTable;
use crate::store::{self, Writer, WriterSettings};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The sensor configuration (site, port profiles, thresholds, destinations); defaults
    /// apply when omitted.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Port tables as `cybriq poll --json` writes them (FDB, neighbors, uplinks); repeatable.
    #[arg(long)]
    fdb: Vec<PathBuf>,
    /// Attribute every frame to this switch port (a tap in front of one device).
    #[arg(long, value_name = "SWITCH:PORT")]
    tap: Option<String>,
    /// One JSON object per event on stdout; the port summary goes to stderr.
    #[arg(long)]
    json: bool,
    /// Hand frames in at the pace they were captured instead of as fast as possible.
    #[arg(long)]
    recorded_speed: bool,
    /// Keep the state (baselines, devices, events) in this directory instead of a temporary one.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Seed of the event ids (the same seed gives the same ids).
    #[arg(long)]
    seed: Option<u64>,
    /// Longest wait for the destinations to confirm every event.
    #[arg(long, default_value_t = 60)]
    drain_timeout_secs: u64,
    /// Capture files (pcap or pcapng), merged by time.
    #[arg(required = true)]
    captures: Vec<PathBuf>,
}

fn parse_tap(s: &str) -> Result<PortRef, String> {
    match s.split_once(':') {
        Some((sw, port)) if !sw.trim().is_empty() && !port.trim().is_empty() => Ok(PortRef {
            switch: sw.trim().to_owned(),
            port: port.trim().to_owned(),
        }),
        _ => Err(format!(
            "--tap {s}: expected SWITCH:PORT (e.g. access-1:Gi1/0/24)"
        )),
    }
}

/// A directory removed (with its contents) when dropped.
pub(super) struct TempDir(pub(super) PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh `cybriq-<what>-<pid>-<nanos>` directory under the system's temporary directory.
pub(super) fn temp_dir(what: &str) -> std::io::Result<TempDir> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let d = std::env::temp_dir().join(format!("cybriq-{what}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&d)?;
    Ok(TempDir(d))
}

/// Prints `cybriq: error: MSG` on stderr and returns the exit code.
pub(super) fn fail(msg: impl std::fmt::Display, code: u8) -> ExitCode {
    eprintln!("cybriq: error: {msg}");
    ExitCode::from(code)
}

pub fn run(args: Args) -> ExitCode {
    super::init_tracing_quiet();
    let cfg = match &args.config {
        Some(p) => match Config::load(p) {
            Ok(c) => c,
            Err(e) => return fail(e, 2),
        },
        None => Config::default(),
    };
    let mut extra = Vec::new();
    if let Some(t) = &args.tap {
        match parse_tap(t) {
            Ok(port) => extra.push(TapRule {
                interface: REPLAY_INTERFACE.into(),
                vlan: None,
                port,
            }),
            Err(e) => return fail(e, 2),
        }
    }
    let mut tables = Vec::new();
    for f in &args.fdb {
        match fdb::load(f) {
            Ok(mut t) => tables.append(&mut t),
            Err(e) => return fail(e, 2),
        }
    }
    let (_tmp, dir) = match &args.data_dir {
        Some(d) => (None, d.clone()),
        None => match temp_dir("replay") {
            Ok(t) => {
                let d = t.0.clone();
                (Some(t), d)
            }
            Err(e) => return fail(format!("temporary directory: {e}"), 1),
        },
    };
    let opts = Options {
        json: args.json,
        seed: args.seed,
        pace: if args.recorded_speed {
            Pace::Recorded
        } else {
            Pace::AsFastAsPossible
        },
        drain_timeout_secs: args.drain_timeout_secs,
    };
    replay_into(&cfg, &tables, &extra, &args.captures, &dir, &opts)
}

/// How [`replay_into`] runs and prints.
pub(super) struct Options {
    /// One JSON object per event on stdout, the summary on stderr (else RFC 5424 lines and the
    /// summary on stdout).
    pub json: bool,
    /// Seed of the event ids.
    pub seed: Option<u64>,
    /// Frame pacing.
    pub pace: Pace,
    /// Longest wait for the destinations to confirm every event.
    pub drain_timeout_secs: u64,
}

/// Replays `captures` through the pipeline with its state in `dir`: prints the events as they
/// are raised, then the per-port summary, sends the events to the configured destinations and
/// waits for them. `replay` and `demo` share it.
pub(super) fn replay_into(
    cfg: &Config,
    tables: &[PortTable],
    extra: &[TapRule],
    captures: &[PathBuf],
    dir: &Path,
    opts: &Options,
) -> ExitCode {
    let profiles = match cfg.dna.load_profiles() {
        Ok(p) => p,
        Err(e) => return fail(e, 2),
    };
    let refdb = match cfg.refdb.load() {
        Ok(r) => Arc::new(r),
        Err(e) => return fail(format!("reference database: {e}"), 2),
    };
    eprintln!("cybriq: {}", refdb.describe());
    let db = store::db_path(dir);
    let hostname = if cfg.sensor.hostname.is_empty() {
        crate::emit::system_hostname()
    } else {
        cfg.sensor.hostname.clone()
    };
    let procid = std::process::id().to_string();
    let emitter = if cfg.destination.is_empty() {
        None
    } else {
        match Emitter::start(
            &EmitSettings {
                db: db.clone(),
                hostname: hostname.clone(),
                procid: procid.clone(),
            },
            &cfg.destination,
        ) {
            Ok(e) => Some(Arc::new(e)),
            Err(e) => return fail(e, 2),
        }
    };
    let notify: Option<store::Notify> = emitter.clone().map(|e| {
        let f: store::Notify = Box::new(move || e.notify());
        f
    });
    let writer = match Writer::start(&db, WriterSettings::default(), notify) {
        Ok(w) => Arc::new(w),
        Err(e) => return fail(format!("store {}: {e}", db.display()), 1),
    };
    let states = match store::open(&db).and_then(|c| store::read::port_states(&c)) {
        Ok(s) => s,
        Err(e) => return fail(format!("store {}: {e}", db.display()), 1),
    };

    let format = FormatOptions::new(
        Payload::Rfc5424,
        16,
        SeverityMapping::Fixed(6),
        &hostname,
        &procid,
        64 * 1024,
    );
    let json = opts.json;
    let sink = Box::new(move |events: &[Event]| {
        let mut out = std::io::stdout().lock();
        let mut buf = Vec::with_capacity(1024);
        let mut scratch = String::new();
        for e in events {
            if json {
                buf.clear();
                if serde_json::to_writer(&mut buf, e).is_ok() {
                    buf.push(b'\n');
                }
            } else {
                format.format(e, &mut buf, &mut scratch);
                buf.push(b'\n');
            }
            let _ = out.write_all(&buf);
        }
        let _ = out.flush();
    });
    let mut pipeline = Pipeline::new(
        cfg,
        Settings::default(),
        DnaBuilder::with_profiles(cfg.dna.params(), profiles),
        refdb,
        tap_rules(cfg, extra),
        Some(writer.clone()),
    )
    .with_sink(sink);
    if let Some(seed) = opts.seed {
        pipeline = pipeline.with_seed(seed);
    }
    pipeline.restore(states);
    let bar = progress_bar(captures);
    let mut shown = 0u64;
    let outcome = match replay_with(&mut pipeline, captures, tables, opts.pace, &mut |read| {
        // Redrawn at most every 64 KiB of capture: nothing measurable per frame.
        if let Some(b) = &bar
            && read >= shown + 65_536
        {
            b.set_position(read);
            shown = read;
        }
    }) {
        Ok(o) => o,
        Err(e) => return fail(e, 2),
    };
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    writer.stop();
    let ports = pipeline.ports();
    let stats = pipeline.stats();
    let res = if opts.json {
        write_summary(&mut std::io::stderr().lock(), &ports)
    } else {
        write_summary(&mut std::io::stdout().lock(), &ports)
    };
    if let Err(e) = res
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return fail(format!("writing output: {e}"), 1);
    }
    eprintln!(
        "cybriq: replayed {} frames ({} observations, {} attributed, {} waiting for the FDB, {} events) in {:.3} s",
        outcome.frames,
        stats.observations,
        stats.attributed,
        stats.attribution.as_ref().map_or(0, |a| a.pending),
        stats.events,
        outcome.elapsed.as_secs_f64()
    );
    let mut code = ExitCode::SUCCESS;
    if let Some(e) = emitter {
        match e.drain(Duration::from_secs(opts.drain_timeout_secs)) {
            Ok(outcomes) => {
                for (name, o) in outcomes {
                    match o {
                        DrainOutcome::Delivered => {
                            eprintln!("cybriq: destination {name}: every event delivered")
                        }
                        DrainOutcome::Failed(err) => {
                            eprintln!("cybriq: destination {name}: failed: {err}");
                            code = ExitCode::from(1);
                        }
                        DrainOutcome::TimedOut {
                            remaining,
                            last_error,
                        } => {
                            eprintln!(
                                "cybriq: destination {name}: {remaining} events not delivered after {} s{}",
                                opts.drain_timeout_secs,
                                last_error
                                    .map(|e| format!(" (last error: {e})"))
                                    .unwrap_or_default()
                            );
                            code = ExitCode::from(1);
                        }
                    }
                }
            }
            Err(err) => return fail(err, 1),
        }
        if let Ok(e) = Arc::try_unwrap(e) {
            e.shutdown();
        }
    }
    code
}

fn write_summary(out: &mut impl std::io::Write, ports: &[PortSummary]) -> std::io::Result<()> {
    writeln!(
        out,
        "{:<16} {:<14} {:<17} {:<32} {:<37} {:>10}  STATE",
        "SWITCH", "PORT", "MAC", "IDENTITY", "DNA", "SIMILARITY"
    )?;
    for p in ports {
        let identity = match (&p.vendor, &p.class) {
            (Some(v), Some(c)) => format!("{v} ({c})"),
            (Some(v), None) => v.clone(),
            (None, Some(c)) => format!("({c})"),
            (None, None) => "-".into(),
        };
        writeln!(
            out,
            "{:<16} {:<14} {:<17} {:<32} {:<37} {:>10}  {}",
            p.switch,
            p.port,
            p.mac.map(|m| m.to_string()).unwrap_or_else(|| "-".into()),
            identity,
            p.dna
                .as_ref()
                .map_or_else(|| "-".to_owned(), |d| d.to_string()),
            p.similarity
                .map(|s| format!("{s:.3}"))
                .unwrap_or_else(|| "-".into()),
            p.state
        )?;
    }
    Ok(())
}

/// Captures this large or larger get a progress bar.
const PROGRESS_MIN_BYTES: u64 = 8 << 20;

/// A progress bar on stderr for a long replay (capture files of 8 MiB or more), when stderr is
/// a terminal; `None` otherwise (scripts and pipes see nothing of it).
fn progress_bar(captures: &[PathBuf]) -> Option<indicatif::ProgressBar> {
    if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        return None;
    }
    let total: u64 = captures
        .iter()
        .filter_map(|c| std::fs::metadata(c).ok())
        .map(|m| m.len())
        .sum();
    if total < PROGRESS_MIN_BYTES {
        return None;
    }
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "replaying {bar:40} {percent:>3}% {binary_bytes}/{binary_total_bytes} \
             ({binary_bytes_per_sec}, {eta} left)",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(bar)
}
