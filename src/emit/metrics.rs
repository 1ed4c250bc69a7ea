//! Per-destination delivery metrics and status, shared between a worker and its readers.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};

/// Counters of one destination (since the process started).
#[derive(Debug, Default)]
pub struct DestinationMetrics {
    /// Events waiting for this destination (gauge: outbox tail − confirmed position).
    pub queued: AtomicU64,
    /// Messages written to the transport (resends included).
    pub sent: AtomicU64,
    /// Messages written again after a connection failed before they were confirmed.
    pub retried: AtomicU64,
    /// Events skipped because the backlog exceeded `outbox_max_events`.
    pub dropped: AtomicU64,
    /// Confirmed position in the outbox.
    pub acked: AtomicI64,
    /// Whether a connection is open.
    pub connected: AtomicBool,
    /// Whether the last failure cannot be cured by retrying (TLS verification).
    pub permanent_failure: AtomicBool,
    /// Last failure, for reports.
    pub last_error: Mutex<Option<String>>,
}

/// A point-in-time copy of [`DestinationMetrics`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// Destination name.
    pub name: String,
    /// See [`DestinationMetrics::queued`].
    pub queued: u64,
    /// See [`DestinationMetrics::sent`].
    pub sent: u64,
    /// See [`DestinationMetrics::retried`].
    pub retried: u64,
    /// See [`DestinationMetrics::dropped`].
    pub dropped: u64,
    /// See [`DestinationMetrics::acked`].
    pub acked: i64,
    /// See [`DestinationMetrics::connected`].
    pub connected: bool,
    /// Last failure.
    pub last_error: Option<String>,
}

impl DestinationMetrics {
    /// Copies the counters.
    pub fn snapshot(&self, name: &str) -> Snapshot {
        Snapshot {
            name: name.to_owned(),
            queued: self.queued.load(Ordering::Relaxed),
            sent: self.sent.load(Ordering::Relaxed),
            retried: self.retried.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
            acked: self.acked.load(Ordering::Acquire),
            connected: self.connected.load(Ordering::Relaxed),
            last_error: self.last_error.lock().map(|g| g.clone()).unwrap_or(None),
        }
    }

    pub(crate) fn set_error(&self, e: Option<String>) {
        if let Ok(mut g) = self.last_error.lock() {
            *g = e;
        }
    }
}
