//! The sensor's own metrics, in the Prometheus text format (docs/metrics.md lists every one).
//!
//! [`install`] sets a [`metrics_exporter_prometheus::PrometheusRecorder`] as the process's
//! global `metrics` recorder, once per process (later calls return the same [`Telemetry`], so
//! tests in one process never fight over it), and starts a thread that runs the recorder's
//! upkeep every few seconds (histogram samples are folded into their buckets, so memory stays
//! bounded whether anyone scrapes or not). Until it is installed every recording function here
//! is a no-op of a few nanoseconds: `cybriq replay` and the library's tests record nothing.
//!
//! What records what (the names are in [`catalog`]):
//! - capture and queues: [`CaptureMetrics`] per interface and [`pipeline_queue`], published by
//!   the daemon from its one-second tick out of the counters the capture threads keep anyway,
//!   so nothing is counted per frame here;
//! - events: [`events_raised`] (handles registered once per event type);
//! - delivery: [`DeliveryMetrics`] per destination, updated by its worker;
//! - SNMP: [`polled`] per switch poll; reloads: [`reloaded`]; store: [`store_committed`] around
//!   the writer's commit and [`store_stats`] each tick; retention: [`retention_deleted`].
//!
//! [`server`] serves `GET /metrics` on the `[metrics] listen` address (plain HTTP, its own
//! thread); the REST API serves the same text at `GET /api/v1/metrics` behind a token.

mod capture;
pub mod catalog;
mod delivery;
pub mod exposition;
mod record;
pub mod server;

use std::sync::OnceLock;
use std::time::Duration;

use metrics::Counter;
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};

use crate::event::EventType;
use catalog::Kind;

pub use capture::CaptureMetrics;
pub use delivery::DeliveryMetrics;
pub use record::{
    ReloadOutcome, events_raised, pipeline_queue, polled, reloaded, retention_deleted,
    store_committed, store_stats, tokens_expiring,
};

/// The `Content-Type` of the text exposition format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// How often the upkeep thread folds histogram samples into their buckets.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// Why metrics could not be set up or served.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    /// Another `metrics` recorder was installed in this process before ours.
    #[error("another metrics recorder is already installed in this process")]
    RecorderTaken,
    /// The metrics listener could not be bound or started.
    #[error("metrics listener {addr}: {what}: {source}")]
    Io {
        /// The configured address.
        addr: String,
        /// What was being done.
        what: &'static str,
        /// The error.
        source: std::io::Error,
    },
}

/// The installed recorder's handle and the handles registered once.
#[derive(Debug)]
pub struct Telemetry {
    handle: PrometheusHandle,
    /// `cybriq_events_total`, one per type in [`EventType::ALL`] order.
    events: [Counter; 12],
}

impl Telemetry {
    /// The exposition text of every metric now.
    pub fn render(&self) -> String {
        self.handle.render()
    }

    /// The recorder's handle.
    pub fn handle(&self) -> &PrometheusHandle {
        &self.handle
    }
}

static INSTALLED: OnceLock<Option<Telemetry>> = OnceLock::new();

/// A recorder with the sensor's histogram buckets, not installed (tests render one through
/// `metrics::with_local_recorder`).
pub fn recorder() -> PrometheusRecorder {
    let mut b = PrometheusBuilder::new();
    for m in catalog::ALL {
        if let Kind::Histogram(buckets) = m.kind {
            // Only fails on empty buckets; the catalog's are not.
            b = match b.set_buckets_for_metric(Matcher::Full(m.name.to_owned()), buckets) {
                Ok(b) => b,
                Err(_) => unreachable!("catalog buckets are never empty"),
            };
        }
    }
    b.build_recorder()
}

/// Describes every metric of the catalog and registers those whose series exist from the
/// start (every event type, both reload results, the build info), against the current
/// recorder. Returns the event counters.
pub fn describe() -> [Counter; 12] {
    for m in catalog::ALL {
        match m.kind {
            Kind::Counter => metrics::describe_counter!(m.name, m.help),
            Kind::Gauge => metrics::describe_gauge!(m.name, m.help),
            Kind::Histogram(_) => {
                metrics::describe_histogram!(m.name, metrics::Unit::Seconds, m.help)
            }
        }
    }
    metrics::gauge!(catalog::BUILD_INFO.name, "version" => env!("CARGO_PKG_VERSION")).set(1.0);
    for r in ["ok", "refused"] {
        metrics::counter!(catalog::CONFIG_RELOADS.name, "result" => r).absolute(0);
    }
    for r in ["ok", "failed"] {
        metrics::counter!(catalog::REFDB_RELOADS.name, "result" => r).absolute(0);
    }
    metrics::gauge!(catalog::CONFIG_LAST_RELOAD_OK.name).set(1.0);
    EventType::ALL.map(|t| metrics::counter!(catalog::EVENTS.name, "type" => t.as_str()))
}

/// Installs the recorder (once per process) and returns it.
pub fn install() -> Result<&'static Telemetry, TelemetryError> {
    INSTALLED
        .get_or_init(|| {
            let rec = recorder();
            let handle = rec.handle();
            metrics::set_global_recorder(rec).ok()?;
            let events = describe();
            let h = handle.clone();
            let upkeep = std::thread::Builder::new()
                .name("metrics-upkeep".into())
                .spawn(move || {
                    loop {
                        std::thread::sleep(UPKEEP_EVERY);
                        h.run_upkeep();
                    }
                });
            if let Err(e) = upkeep {
                // Rendering folds the samples too; only an unscraped sensor grows.
                tracing::warn!(error = %e, "Cannot start the metrics upkeep thread; histograms are folded at each scrape only.");
            }
            Some(Telemetry { handle, events })
        })
        .as_ref()
        .ok_or(TelemetryError::RecorderTaken)
}

/// The installed telemetry, if [`install`] ran.
pub fn installed() -> Option<&'static Telemetry> {
    INSTALLED.get().and_then(Option::as_ref)
}

#[cfg(test)]
mod tests;
