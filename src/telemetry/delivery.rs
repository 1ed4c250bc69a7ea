//! Per-destination delivery metrics, updated by the destination's worker beside its
//! [`crate::emit::metrics::DestinationMetrics`] (whose counters restart with the worker; these
//! keep counting across a reload that restarts it).

use std::time::{SystemTime, UNIX_EPOCH};

use metrics::{Counter, Gauge, Histogram};

use crate::clock::Timestamp;

use super::catalog::{
    EMIT_BACKLOG, EMIT_CONNECTED, EMIT_DELIVERED, EMIT_DROPPED, EMIT_LATENCY, EMIT_RETRIED,
    EMIT_SENT,
};

/// The series of one destination, registered once (`destination` label).
#[derive(Debug, Clone)]
pub struct DeliveryMetrics {
    backlog: Gauge,
    sent: Counter,
    delivered: Counter,
    retried: Counter,
    dropped: Counter,
    connected: Gauge,
    latency: Histogram,
}

impl DeliveryMetrics {
    /// Registers the series of `destination` against the current recorder.
    pub fn new(destination: &str) -> DeliveryMetrics {
        let l = || [("destination", destination.to_owned())];
        DeliveryMetrics {
            backlog: metrics::gauge!(EMIT_BACKLOG.name, &l()),
            sent: metrics::counter!(EMIT_SENT.name, &l()),
            delivered: metrics::counter!(EMIT_DELIVERED.name, &l()),
            retried: metrics::counter!(EMIT_RETRIED.name, &l()),
            dropped: metrics::counter!(EMIT_DROPPED.name, &l()),
            connected: metrics::gauge!(EMIT_CONNECTED.name, &l()),
            latency: metrics::histogram!(EMIT_LATENCY.name, &l()),
        }
    }

    /// Events waiting for this destination.
    pub fn backlog(&self, n: u64) {
        self.backlog.set(n as f64);
    }

    /// Messages written to the transport.
    pub fn sent(&self, n: u64) {
        self.sent.increment(n);
    }

    /// Events confirmed now, by their timestamps (each a latency sample: now − timestamp).
    pub fn delivered(&self, stamps: &[Timestamp]) {
        self.delivered.increment(stamps.len() as u64);
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX));
        for t in stamps {
            self.latency
                .record(now.saturating_sub(t.0).max(0) as f64 / 1e6);
        }
    }

    /// Messages to be sent again after a lost connection.
    pub fn retried(&self, n: u64) {
        self.retried.increment(n);
    }

    /// Events skipped by the backlog bound.
    pub fn dropped(&self, n: u64) {
        self.dropped.increment(n);
    }

    /// Whether a connection is open.
    pub fn connected(&self, up: bool) {
        self.connected.set(f64::from(u8::from(up)));
    }
}
