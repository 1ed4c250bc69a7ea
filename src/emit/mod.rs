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
use std::sync::atomic::{AtomicBool, Ordering};
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
    config: Destination,
    /// The bytes of its TLS files when it started (a renewed certificate is a change).
    tls_files: Vec<Vec<u8>>,
    metrics: Arc<DestinationMetrics>,
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Dest {
    fn name(&self) -> &str {
        &self.config.name
    }

    /// Stops its worker and waits for it (what was sent and not confirmed is sent again by
    /// whichever worker takes the cursor next).
    fn stop(&mut self, shared: &worker::Shared) {
        self.stop.store(true, Ordering::Relaxed);
        shared.notify();
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// What a reconfiguration changed ([`Emitter::apply`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Destinations started (their cursor starts at the end of the outbox).
    pub added: Vec<String>,
    /// Destinations stopped, with the events of their backlog that were dropped.
    pub removed: Vec<(String, u64)>,
    /// Destinations restarted with new settings (their cursor kept).
    pub changed: Vec<String>,
}

impl Changes {
    /// Nothing changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// A validated new destination list, ready to [`Emitter::apply`]: every transport that must
/// be (re)built has been, so applying it cannot fail on a bad file.
#[derive(Debug)]
pub struct Plan {
    /// The new list, each with its worker configuration when it must (re)start.
    next: Vec<(Destination, Vec<Vec<u8>>, Option<worker::WorkerConfig>)>,
}

/// The running emitter.
#[derive(Debug)]
pub struct Emitter {
    settings: Settings,
    outbox: Mutex<Outbox>,
    shared: Arc<worker::Shared>,
    dests: Mutex<Vec<Dest>>,
}

/// The bytes of the files a destination's TLS settings name (an unreadable one reads empty:
/// building the transport reports it).
fn tls_files(d: &Destination) -> Vec<Vec<u8>> {
    let Some(t) = &d.tls else {
        return Vec::new();
    };
    [
        &t.ca_file,
        &t.pinned_cert_file,
        &t.client_cert_file,
        &t.client_key_file,
    ]
    .into_iter()
    .map(|p| {
        p.as_ref()
            .and_then(|p| std::fs::read(p).ok())
            .unwrap_or_default()
    })
    .collect()
}

fn worker_config(
    settings: &Settings,
    d: &Destination,
    index: usize,
) -> Result<worker::WorkerConfig, EmitError> {
    Ok(worker::WorkerConfig {
        name: d.name.clone(),
        db: settings.db.clone(),
        transport: Transport::build(d, &format!("destination[{index}]"))?,
        format: format_options(d, &settings.hostname, &settings.procid),
        max_backlog: d.outbox_max_events,
        confirm_after: Duration::from_millis(d.confirm_after_ms),
        backoff_initial: Duration::from_millis(d.backoff_initial_ms),
        backoff_max: Duration::from_millis(d.backoff_max_ms),
        timeout: Duration::from_millis(d.timeout_ms),
    })
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
    /// Opens the outbox, registers the destinations and starts their workers. With no
    /// destination the emitter still runs, so a reload can add one.
    pub fn start(settings: &Settings, destinations: &[Destination]) -> Result<Emitter, EmitError> {
        let outbox = Outbox::open(&settings.db)?;
        let em = Emitter {
            settings: settings.clone(),
            outbox: Mutex::new(outbox),
            shared: Arc::new(worker::Shared::new()),
            dests: Mutex::new(Vec::new()),
        };
        let plan = em.plan(destinations)?;
        let changes = em.apply(plan)?;
        for (gone, backlog) in &changes.removed {
            tracing::warn!(destination = %gone, dropped = backlog, "Destination no longer configured: its outbox cursor was removed and its backlog dropped.");
        }
        Ok(em)
    }

    /// Validates a new destination list against the running one: builds the transport of
    /// every destination that is new or whose settings (or TLS files) changed. Nothing runs
    /// differently until [`Emitter::apply`].
    pub fn plan(&self, destinations: &[Destination]) -> Result<Plan, EmitError> {
        let dests = self.dests.lock().unwrap_or_else(|p| p.into_inner());
        let mut next = Vec::with_capacity(destinations.len());
        for (i, d) in destinations.iter().enumerate() {
            let files = tls_files(d);
            let same = dests
                .iter()
                .any(|o| o.config == *d && o.tls_files == files && o.handle.is_some());
            let cfg = if same {
                None
            } else {
                Some(worker_config(&self.settings, d, i)?)
            };
            next.push((d.clone(), files, cfg));
        }
        Ok(Plan { next })
    }

    /// Applies a [`Plan`]: stops the workers of removed and changed destinations, drops the
    /// cursor (and so the backlog) of removed ones, adds a cursor at the end of the outbox for
    /// new ones, and starts the new and changed workers (a changed one resumes from its
    /// stored cursor).
    pub fn apply(&self, plan: Plan) -> Result<Changes, EmitError> {
        let mut dests = self.dests.lock().unwrap_or_else(|p| p.into_inner());
        let mut changes = Changes::default();
        let names: Vec<String> = plan.next.iter().map(|(d, _, _)| d.name.clone()).collect();
        let mut backlog = std::collections::HashMap::new();
        {
            let mut outbox = self.outbox.lock().unwrap_or_else(|p| p.into_inner());
            let tail = outbox.tail()?;
            for (name, acked, _, _) in outbox.cursors()? {
                backlog.insert(name, (tail - acked).max(0) as u64);
            }
        }
        // Stop what goes away or restarts.
        let mut kept = Vec::new();
        for mut d in dests.drain(..) {
            match plan.next.iter().find(|(n, _, _)| n.name == d.name()) {
                Some((_, _, None)) => kept.push(d),
                Some((_, _, Some(_))) => {
                    d.stop(&self.shared);
                    changes.changed.push(d.config.name.clone());
                }
                None => {
                    d.stop(&self.shared);
                    let dropped = backlog.get(d.name()).copied().unwrap_or(0);
                    changes.removed.push((d.config.name.clone(), dropped));
                }
            }
        }
        let removed_cursors = self
            .outbox
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .register(&names.iter().map(String::as_str).collect::<Vec<_>>())?;
        // Cursors of destinations removed while the sensor was stopped.
        for gone in removed_cursors {
            if !changes.removed.iter().any(|(n, _)| *n == gone) {
                let dropped = backlog.get(&gone).copied().unwrap_or(0);
                changes.removed.push((gone, dropped));
            }
        }
        for (d, files, cfg) in plan.next {
            let Some(cfg) = cfg else {
                continue;
            };
            if !changes.changed.contains(&d.name) {
                changes.added.push(d.name.clone());
            }
            kept.push(self.spawn(d, files, cfg)?);
        }
        // Keep the configured order (reports list destinations as configured).
        kept.sort_by_key(|k| names.iter().position(|n| *n == k.name()));
        *dests = kept;
        Ok(changes)
    }

    fn spawn(
        &self,
        config: Destination,
        tls_files: Vec<Vec<u8>>,
        cfg: worker::WorkerConfig,
    ) -> Result<Dest, EmitError> {
        let metrics = Arc::new(DestinationMetrics::default());
        let stop = Arc::new(AtomicBool::new(false));
        let (s, m, st) = (self.shared.clone(), metrics.clone(), stop.clone());
        let name = config.name.clone();
        let handle = std::thread::Builder::new()
            .name(format!("emit-{name}"))
            .spawn(move || worker::run(cfg, s, m, st))
            .map_err(|source| EmitError::Thread { name, source })?;
        Ok(Dest {
            config,
            tls_files,
            metrics,
            stop,
            handle: Some(handle),
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
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|d| d.metrics.snapshot(d.name()))
            .collect()
    }

    /// The names of the running destinations, as configured.
    pub fn destinations(&self) -> Vec<String> {
        self.dests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|d| d.config.name.clone())
            .collect()
    }

    /// Waits until every destination has confirmed everything stored so far, has failed for
    /// good (TLS verification), or `timeout` passes. Returns one outcome per destination.
    pub fn drain(&self, timeout: Duration) -> Result<Vec<(String, DrainOutcome)>, EmitError> {
        let target = self.tail()?;
        let deadline = Instant::now() + timeout;
        let watched: Vec<(String, Arc<DestinationMetrics>)> = self
            .dests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|d| (d.config.name.clone(), d.metrics.clone()))
            .collect();
        loop {
            let done = watched.iter().all(|(_, m)| {
                m.acked.load(Ordering::Acquire) >= target
                    || m.permanent_failure.load(Ordering::Relaxed)
            });
            if done || Instant::now() >= deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        Ok(watched
            .iter()
            .map(|(name, m)| {
                let s = m.snapshot(name);
                let outcome = if s.acked >= target {
                    DrainOutcome::Delivered
                } else if m.permanent_failure.load(Ordering::Relaxed) {
                    DrainOutcome::Failed(s.last_error.unwrap_or_default())
                } else {
                    DrainOutcome::TimedOut {
                        remaining: (target - s.acked).max(0) as u64,
                        last_error: s.last_error,
                    }
                };
                (name.clone(), outcome)
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
        let dests = self.dests.get_mut().unwrap_or_else(|p| p.into_inner());
        for d in dests.iter_mut() {
            d.stop(&self.shared);
        }
    }
}

impl Drop for Emitter {
    fn drop(&mut self) {
        self.stop_workers();
    }
}
