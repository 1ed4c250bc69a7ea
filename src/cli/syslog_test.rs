//! `cybriq syslog-test --config FILE [--count N] [--event TYPE] [--timeout SECS]`: enqueue
//! sample events into the outbox and deliver them to every configured destination.
//!
//! The samples are the events the drift engine raises on its built-in micro-scenario
//! (`event::scenario`), for the configured site, each sent with the send time and a fresh id.
//! Without `--count`, one of each of the twelve event types (or of `--event`'s type);
//! with `--count N`, N events cycling through the types; `--count 0` only delivers what an
//! earlier run left in the outbox (a run always resumes the outbox first). Exits when every
//! destination has confirmed every event: 0 when all were delivered, 1 when a destination
//! failed for good (TLS verification) or did not finish within `--timeout`, 2 when the
//! configuration or the outbox cannot be used.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::clock::Timestamp;
use crate::config::Config;
use crate::emit::{DrainOutcome, Emitter, Settings, system_hostname};
use crate::event::{Event, EventType, sample};
use crate::store;

/// Arguments of `cybriq syslog-test`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Configuration file with `[[destination]]` sections.
    #[arg(long)]
    config: PathBuf,
    /// Number of events to enqueue (default: one per event type; 0: only resume the outbox).
    #[arg(long)]
    count: Option<u64>,
    /// Only events of this type (`device-substituted`, ...).
    #[arg(long)]
    event: Option<EventType>,
    /// Seconds to wait for delivery before giving up.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
}

fn now() -> Timestamp {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Timestamp::from_secs_micros(d.as_secs() as i64, d.subsec_micros() as i64)
}

/// Runs the subcommand.
pub fn run(args: Args) -> ExitCode {
    super::init_tracing();
    let cfg = match Config::load(&args.config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("cybriq: error: {e}");
            return ExitCode::from(2);
        }
    };
    if cfg.destination.is_empty() {
        eprintln!(
            "cybriq: error: {}: no [[destination]] configured",
            args.config.display()
        );
        return ExitCode::from(2);
    }
    let settings = Settings {
        db: store::db_path(&cfg.sensor.data_dir),
        hostname: if cfg.sensor.hostname.is_empty() {
            system_hostname()
        } else {
            cfg.sensor.hostname.clone()
        },
        procid: std::process::id().to_string(),
    };
    let emitter = match Emitter::start(&settings, &cfg.destination) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("cybriq: error: {e}");
            return ExitCode::from(2);
        }
    };
    let types: Vec<EventType> = match args.event {
        Some(t) => vec![t],
        None => EventType::ALL.to_vec(),
    };
    let raised = match sample::engine_events(&cfg.sensor.site, sample::SEED) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cybriq: error: {e}");
            return ExitCode::from(2);
        }
    };
    let samples: Vec<&Event> = types
        .iter()
        .filter_map(|t| raised.iter().find(|e| e.event == *t))
        .collect();
    if samples.len() != types.len() {
        eprintln!("cybriq: error: the sample scenario did not raise every event type");
        return ExitCode::from(2);
    }
    let count = args.count.unwrap_or(types.len() as u64);
    let ts = now();
    let mut enqueued = 0u64;
    while enqueued < count {
        let n = (count - enqueued).min(10_000);
        let batch: Vec<_> = (enqueued..enqueued + n)
            .map(|i| {
                let e = samples[(i % samples.len() as u64) as usize];
                let ts = Timestamp(ts.0 + i as i64 * 1000);
                sample::restamp(e, ts, fastrand::u128(..), &cfg.sensor.site)
            })
            .collect();
        if let Err(e) = emitter.submit_batch(&batch) {
            eprintln!("cybriq: error: {e}");
            return ExitCode::from(2);
        }
        enqueued += n;
    }
    let tail = emitter.tail().unwrap_or(0);
    eprintln!("syslog-test: enqueued {enqueued} events (outbox tail {tail})");
    let outcomes = match emitter.drain(Duration::from_secs(args.timeout)) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("cybriq: error: {e}");
            return ExitCode::from(2);
        }
    };
    let metrics = emitter.metrics();
    emitter.shutdown();
    let mut code = ExitCode::SUCCESS;
    for ((name, outcome), m) in outcomes.iter().zip(&metrics) {
        let counts = format!(
            "sent {} retried {} dropped {} queued {}",
            m.sent, m.retried, m.dropped, m.queued
        );
        match outcome {
            DrainOutcome::Delivered => eprintln!("syslog-test: {name}: delivered ({counts})"),
            DrainOutcome::Failed(e) => {
                eprintln!("syslog-test: {name}: failed: {e} ({counts})");
                code = ExitCode::from(1);
            }
            DrainOutcome::TimedOut {
                remaining,
                last_error,
            } => {
                eprintln!(
                    "syslog-test: {name}: {remaining} events not delivered after {} s{} ({counts})",
                    args.timeout,
                    last_error
                        .as_deref()
                        .map(|e| format!(", last error: {e}"))
                        .unwrap_or_default()
                );
                code = ExitCode::from(1);
            }
        }
    }
    code
}
