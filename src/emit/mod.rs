//! The syslog emitter: RFC 5424 and CEF formatters (pure), transports (UDP, TCP, TLS), and a
//! durable per-destination outbox in SQLite.
//!
//! [`Emitter::start`] opens the outbox, builds every destination's transport (TLS files are
//! read here; problems name the key) and starts one worker thread per destination.
//! [`Emitter::submit`] stores events in the outbox and returns once they are durable ("an event
//! is in the outbox before the engine moves on"); the workers deliver them, each at its own pace,
//! so a destination that is down does not slow the others or the caller. [`Emitter::drain`] waits
//! until everything submitted is delivered (or a destination has failed for good), as
//! `cybriq syslog-test` and `cybriq replay` need before exiting.

pub mod cef;
pub mod format;
pub mod metrics;
pub mod outbox;
pub mod rfc5424;
pub mod tls;
pub mod transport;
mod worker;

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::config::destination::{Destination, SeverityPolicy};
use crate::event::Event;
use crate::store::StoreError;

use format::{FormatOptions, Payload, SeverityMapping};
use metrics::{DestinationMetrics, Snapshot};
use outbox::Outbox;
use transport::Transport;

/// Why the emitter could not start or store an event.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum EmitError {
    /// The outbox database failed.
    #[error("outbox: {0}")]
    Store(#[from] StoreError),
    /// A destination's TLS files could not be used (names the key).
    #[error(transparent)]
    Tls(#[from] tls::TlsSetupError),
    /// A worker thread could not be started.
    #[error("starting the worker of {name}: {source}")]
    Thread {
        /// Destination.
        name: String,
        /// OS error.
        source: std::io::Error,
    },
}

/// How one destination ended a [`Emitter::drain`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DrainOutcome {
    /// Every event up to the target was confirmed.
    Delivered,
    /// A failure retrying cannot fix (TLS verification); the error.
    Failed(String),
    /// The deadline passed with events outstanding; the last error, if any.
    TimedOut {
        /// Events not confirmed.
        remaining: u64,
        /// Last failure.
        last_error: Option<String>,
    },
}

/// Emitter-wide settings besides the destinations.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The SQLite database holding the outbox.
    pub db: PathBuf,
    /// HOSTNAME in syslog headers (and CEF `dvchost`).
    pub hostname: String,
    /// PROCID in syslog headers.
    pub procid: String,
}

#[derive(Debug)]
struct Dest {
    name: String,
    metrics: Arc<DestinationMetrics>,
    handle: Option<JoinHandle<()>>,
}

/// The running emitter.
#[derive(Debug)]
pub struct Emitter {
    outbox: Mutex<Outbox>,
    shared: Arc<worker::Shared>,
    dests: Vec<Dest>,
}

/// The format options of a destination.
pub fn format_options(d: &Destination, hostname: &str, procid: &str) -> FormatOptions {
    let payload = match d.format {
        crate::config::destination::Format::Rfc5424 => Payload::Rfc5424,
        crate::config::destination::Format::Cef => Payload::Cef,
    };
    let severity = match d.severity {
        SeverityPolicy::Fixed => SeverityMapping::Fixed(d.fixed_severity),
        SeverityPolicy::ByEvent => SeverityMapping::ByEvent {
            high: d.severity_map.high,
            medium: d.severity_map.medium,
            low: d.severity_map.low,
        },
    };
    FormatOptions::new(
        payload,
        d.facility,
        severity,
        hostname,
        procid,
        d.max_message_size(),
    )
}

/// This machine's host name (`/proc/sys/kernel/hostname`, then `/etc/hostname`), or `-`.
pub fn system_hostname() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|p| {
            std::fs::read_to_string(p)
                .ok()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
        })
        .unwrap_or_else(|| "-".into())
}

impl Emitter {
    /// Opens the outbox, registers the destinations and starts their workers.
    pub fn start(settings: &Settings, destinations: &[Destination]) -> Result<Emitter, EmitError> {
        let mut outbox = Outbox::open(&settings.db)?;
        let names: Vec<&str> = destinations.iter().map(|d| d.name.as_str()).collect();
        for gone in outbox.register(&names)? {
            tracing::warn!(destination = %gone, "Destination no longer configured: its outbox cursor was removed.");
        }
        let shared = Arc::new(worker::Shared::new());
        let mut configs = Vec::new();
        for (i, d) in destinations.iter().enumerate() {
            let transport = Transport::build(d, &format!("destination[{i}]"))?;
            configs.push(worker::WorkerConfig {
                name: d.name.clone(),
                db: settings.db.clone(),
                transport,
                format: format_options(d, &settings.hostname, &settings.procid),
                max_backlog: d.outbox_max_events,
                confirm_after: Duration::from_millis(d.confirm_after_ms),
                backoff_initial: Duration::from_millis(d.backoff_initial_ms),
                backoff_max: Duration::from_millis(d.backoff_max_ms),
                timeout: Duration::from_millis(d.timeout_ms),
            });
        }
        let mut dests = Vec::new();
        for cfg in configs {
            let metrics = Arc::new(DestinationMetrics::default());
            let name = cfg.name.clone();
            let (s, m) = (shared.clone(), metrics.clone());
            let handle = std::thread::Builder::new()
                .name(format!("emit-{name}"))
                .spawn(move || worker::run(cfg, s, m))
                .map_err(|source| EmitError::Thread {
                    name: name.clone(),
                    source,
                })?;
            dests.push(Dest {
                name,
                metrics,
                handle: Some(handle),
            });
        }
        Ok(Emitter {
            outbox: Mutex::new(outbox),
            shared,
            dests,
        })
    }

    /// Stores one event durably and wakes the workers.
    pub fn submit(&self, ev: &Event) -> Result<i64, EmitError> {
        self.submit_batch(std::slice::from_ref(ev))
    }

    /// Stores events durably in one transaction and wakes the workers; returns the outbox
    /// position of the last one.
    pub fn submit_batch(&self, evs: &[Event]) -> Result<i64, EmitError> {
        let seq = self
            .outbox
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .enqueue(evs)?;
        self.shared.notify();
        Ok(seq)
    }

    /// Wakes the destination workers after events were enqueued by another connection
    /// ([`outbox::enqueue_in`] in the store's own transaction).
    pub fn notify(&self) {
        self.shared.notify();
    }

    /// The outbox position of the last event stored.
    pub fn tail(&self) -> Result<i64, EmitError> {
        Ok(self
            .outbox
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .tail()?)
    }

    /// Per-destination metrics.
    pub fn metrics(&self) -> Vec<Snapshot> {
        self.dests
            .iter()
            .map(|d| d.metrics.snapshot(&d.name))
            .collect()
    }

    /// Waits until every destination has confirmed everything stored so far, has failed for
    /// good (TLS verification), or `timeout` passes. Returns one outcome per destination.
    pub fn drain(&self, timeout: Duration) -> Result<Vec<(String, DrainOutcome)>, EmitError> {
        let target = self.tail()?;
        let deadline = Instant::now() + timeout;
        loop {
            let done = self.dests.iter().all(|d| {
                d.metrics.acked.load(Ordering::Acquire) >= target
                    || d.metrics.permanent_failure.load(Ordering::Relaxed)
            });
            if done || Instant::now() >= deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        Ok(self
            .dests
            .iter()
            .map(|d| {
                let s = d.metrics.snapshot(&d.name);
                let outcome = if s.acked >= target {
                    DrainOutcome::Delivered
                } else if d.metrics.permanent_failure.load(Ordering::Relaxed) {
                    DrainOutcome::Failed(s.last_error.unwrap_or_default())
                } else {
                    DrainOutcome::TimedOut {
                        remaining: (target - s.acked).max(0) as u64,
                        last_error: s.last_error,
                    }
                };
                (d.name.clone(), outcome)
            })
            .collect())
    }

    /// Stops the workers (unconfirmed events stay in the outbox for the next start).
    pub fn shutdown(mut self) {
        self.stop_workers();
    }

    fn stop_workers(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        self.shared.notify();
        for d in &mut self.dests {
            if let Some(h) = d.handle.take() {
                let _ = h.join();
            }
        }
    }
}

impl Drop for Emitter {
    fn drop(&mut self) {
        self.stop_workers();
    }
}
