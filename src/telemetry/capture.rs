//! Per-interface capture metrics, published from the capture's own counters.

use metrics::{Counter, Gauge};

use crate::capture::CaptureStats;

use super::catalog::{
    CAPTURE_BYTES, CAPTURE_CHANNEL_DROPPED, CAPTURE_IF_DROPPED, CAPTURE_KERNEL_DROPPED,
    CAPTURE_QUEUE_DEPTH, CAPTURE_RECEIVED,
};

/// The series of one capture interface, registered once (`interface` label).
#[derive(Debug, Clone)]
pub struct CaptureMetrics {
    received: Counter,
    bytes: Counter,
    kernel_dropped: Counter,
    if_dropped: Counter,
    channel_dropped: Counter,
    queue: Gauge,
}

impl CaptureMetrics {
    /// Registers the series of `interface` against the current recorder.
    pub fn new(interface: &str) -> CaptureMetrics {
        let l = || [("interface", interface.to_owned())];
        CaptureMetrics {
            received: metrics::counter!(CAPTURE_RECEIVED.name, &l()),
            bytes: metrics::counter!(CAPTURE_BYTES.name, &l()),
            kernel_dropped: metrics::counter!(CAPTURE_KERNEL_DROPPED.name, &l()),
            if_dropped: metrics::counter!(CAPTURE_IF_DROPPED.name, &l()),
            channel_dropped: metrics::counter!(CAPTURE_CHANNEL_DROPPED.name, &l()),
            queue: metrics::gauge!(CAPTURE_QUEUE_DEPTH.name, &l()),
        }
    }

    /// Publishes the capture's counters since it started; `forwarded` is how many of its
    /// frames have left its channel for the pipeline (the rest of `queued` still wait).
    pub fn publish(&self, s: &CaptureStats, forwarded: u64) {
        self.received.absolute(s.received);
        self.bytes.absolute(s.bytes);
        self.kernel_dropped.absolute(s.kernel_dropped);
        self.if_dropped.absolute(s.if_dropped);
        self.channel_dropped.absolute(s.channel_dropped);
        self.queue.set(s.queued.saturating_sub(forwarded) as f64);
    }
}
