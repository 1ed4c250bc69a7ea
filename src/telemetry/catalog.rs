//! Every metric the sensor exports, in one place: name, kind, labels and help text (the
//! `# HELP` line; docs/metrics.md says the same in more words, and a test keeps the two in
//! step).

/// Upper bounds (seconds) of the store-commit histogram: a batch commits in about a
/// millisecond; a slow disk or a lock shows in the tail.
pub const COMMIT_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Upper bounds (seconds) of the SNMP poll histogram: a switch answers a poll in tens of
/// milliseconds to seconds; an unreachable one takes its timeouts.
pub const POLL_BUCKETS: [f64; 13] = [
    0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0,
];

/// Upper bounds (seconds) of the delivery-latency histogram: milliseconds when the SIEM is
/// up, up to hours or a day of backlog after an outage.
pub const DELIVERY_BUCKETS: [f64; 16] = [
    0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0, 21600.0,
    86400.0,
];

/// What kind of metric, with a histogram's buckets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// Only goes up (restarts at 0 with the process).
    Counter,
    /// A current value.
    Gauge,
    /// Observations counted into the given buckets (upper bounds, seconds).
    Histogram(&'static [f64]),
}

/// One exported metric.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Metric {
    /// The series name (`cybriq_…`).
    pub name: &'static str,
    /// Counter, gauge or histogram.
    pub kind: Kind,
    /// Label names every series of it carries.
    pub labels: &'static [&'static str],
    /// The `# HELP` text.
    pub help: &'static str,
}

const fn counter(
    name: &'static str,
    labels: &'static [&'static str],
    help: &'static str,
) -> Metric {
    Metric {
        name,
        kind: Kind::Counter,
        labels,
        help,
    }
}

const fn gauge(name: &'static str, labels: &'static [&'static str], help: &'static str) -> Metric {
    Metric {
        name,
        kind: Kind::Gauge,
        labels,
        help,
    }
}

const fn histogram(
    name: &'static str,
    labels: &'static [&'static str],
    buckets: &'static [f64],
    help: &'static str,
) -> Metric {
    Metric {
        name,
        kind: Kind::Histogram(buckets),
        labels,
        help,
    }
}

const IFACE: &[&str] = &["interface"];
const DEST: &[&str] = &["destination"];
const SWITCH: &[&str] = &["switch"];
const RESULT: &[&str] = &["result"];
const WITHIN: &[&str] = &["within_days"];

/// Build information: always 1, the version as a label.
pub const BUILD_INFO: Metric = gauge(
    "cybriq_build_info",
    &["version"],
    "Always 1; the running sensor's version is the label.",
);

/// Frames read by a capture thread (passed the kernel filter).
pub const CAPTURE_RECEIVED: Metric = counter(
    "cybriq_capture_frames_received_total",
    IFACE,
    "Frames that passed the kernel filter and were read by the capture thread.",
);
/// Bytes of those frames.
pub const CAPTURE_BYTES: Metric = counter(
    "cybriq_capture_bytes_total",
    IFACE,
    "Captured bytes of the frames read.",
);
/// libpcap `ps_drop`.
pub const CAPTURE_KERNEL_DROPPED: Metric = counter(
    "cybriq_capture_kernel_dropped_total",
    IFACE,
    "Frames the kernel dropped because the capture ring was full (pcap_stats ps_drop).",
);
/// libpcap `ps_ifdrop`.
pub const CAPTURE_IF_DROPPED: Metric = counter(
    "cybriq_capture_if_dropped_total",
    IFACE,
    "Frames the interface or driver dropped (pcap_stats ps_ifdrop).",
);
/// Frames dropped because the capture channel was full.
pub const CAPTURE_CHANNEL_DROPPED: Metric = counter(
    "cybriq_capture_channel_dropped_total",
    IFACE,
    "Frames dropped because the capture thread's channel to the pipeline was full.",
);
/// Frames waiting in a capture channel.
pub const CAPTURE_QUEUE_DEPTH: Metric = gauge(
    "cybriq_capture_queue_depth",
    IFACE,
    "Frames waiting in the capture thread's channel (sampled every second).",
);
/// Frames waiting in the pipeline's input channel.
pub const PIPELINE_QUEUE_DEPTH: Metric = gauge(
    "cybriq_pipeline_queue_depth",
    &[],
    "Frames waiting in the pipeline's input channel (sampled every second).",
);
/// Capacity of that channel.
pub const PIPELINE_QUEUE_CAPACITY: Metric = gauge(
    "cybriq_pipeline_queue_capacity",
    &[],
    "Capacity of the pipeline's input channel (frames, port tables, ticks).",
);
/// Frames the pipeline processed.
pub const PIPELINE_FRAMES: Metric = counter(
    "cybriq_pipeline_frames_total",
    &[],
    "Frames the pipeline processed.",
);
/// Events raised, by type.
pub const EVENTS: Metric = counter(
    "cybriq_events_total",
    &["type"],
    "Drift events raised, by event type (before delivery).",
);
/// Store commit latency.
pub const STORE_COMMIT: Metric = histogram(
    "cybriq_store_commit_duration_seconds",
    &[],
    &COMMIT_BUCKETS,
    "Time to write and commit one batch to SQLite (successful commits).",
);
/// Store batches committed.
pub const STORE_BATCHES: Metric = counter(
    "cybriq_store_batches_total",
    &[],
    "Batches (transactions) the store writer committed.",
);
/// Rows written.
pub const STORE_ROWS: Metric = counter(
    "cybriq_store_rows_total",
    &[],
    "Rows the store writer wrote (after coalescing).",
);
/// Failed commits.
pub const STORE_FAILURES: Metric = counter(
    "cybriq_store_commit_failures_total",
    &[],
    "Store commits that failed (disk full, database locked); each is retried.",
);
/// Retention deletes.
pub const RETENTION_DELETED: Metric = counter(
    "cybriq_retention_deleted_total",
    &["table"],
    "Rows deleted by retention, by table.",
);
/// Outbox backlog.
pub const EMIT_BACKLOG: Metric = gauge(
    "cybriq_emit_backlog",
    DEST,
    "Events in the outbox not yet confirmed by this destination.",
);
/// Messages written.
pub const EMIT_SENT: Metric = counter(
    "cybriq_emit_sent_total",
    DEST,
    "Messages written to the destination's transport (resends included).",
);
/// Events confirmed.
pub const EMIT_DELIVERED: Metric = counter(
    "cybriq_emit_delivered_total",
    DEST,
    "Events confirmed delivered (UDP: sent; TCP/TLS: the connection stayed up confirm_after_ms).",
);
/// Resends.
pub const EMIT_RETRIED: Metric = counter(
    "cybriq_emit_retried_total",
    DEST,
    "Messages to be sent again because the connection failed before they were confirmed.",
);
/// Events skipped by the backlog bound.
pub const EMIT_DROPPED: Metric = counter(
    "cybriq_emit_dropped_total",
    DEST,
    "Events skipped because the backlog exceeded outbox_max_events.",
);
/// Connection state.
pub const EMIT_CONNECTED: Metric = gauge(
    "cybriq_emit_connected",
    DEST,
    "1 while a connection to the destination is open, else 0.",
);
/// Delivery latency.
pub const EMIT_LATENCY: Metric = histogram(
    "cybriq_emit_delivery_latency_seconds",
    DEST,
    &DELIVERY_BUCKETS,
    "Time from an event's timestamp (when it was raised and stored) to its confirmed delivery.",
);
/// SNMP polls.
pub const SNMP_POLLS: Metric = counter(
    "cybriq_snmp_polls_total",
    &["switch", "result"],
    "SNMP polls of a switch by result: ok, or unreachable (no answer to the first request).",
);
/// SNMP poll duration.
pub const SNMP_DURATION: Metric = histogram(
    "cybriq_snmp_poll_duration_seconds",
    SWITCH,
    &POLL_BUCKETS,
    "Wall time of one SNMP poll of a switch.",
);
/// SNMP timeouts.
pub const SNMP_TIMEOUTS: Metric = counter(
    "cybriq_snmp_timeouts_total",
    SWITCH,
    "SNMP requests to a switch that timed out (each attempt).",
);
/// SNMP requests.
pub const SNMP_REQUESTS: Metric = counter(
    "cybriq_snmp_requests_total",
    SWITCH,
    "SNMP requests sent to a switch (retries included).",
);
/// SNMP reachability.
pub const SNMP_REACHABLE: Metric = gauge(
    "cybriq_snmp_switch_reachable",
    SWITCH,
    "1 when the switch answered its last poll, 0 when it was unreachable.",
);
/// Configuration reloads.
pub const CONFIG_RELOADS: Metric = counter(
    "cybriq_config_reloads_total",
    RESULT,
    "SIGHUP reloads by result: ok (applied) or refused (nothing changed).",
);
/// Whether the last reload applied.
pub const CONFIG_LAST_RELOAD_OK: Metric = gauge(
    "cybriq_config_last_reload_successful",
    &[],
    "1 when the last reload applied (or none was tried), 0 when it was refused.",
);
/// Reference-database reloads.
pub const REFDB_RELOADS: Metric = counter(
    "cybriq_refdb_reloads_total",
    RESULT,
    "Reference-database reloads by result: ok (loaded and in force) or failed (did not load).",
);

/// API tokens close to their expiry.
pub const TOKENS_EXPIRING: Metric = gauge(
    "cybriq_api_tokens_expiring",
    WITHIN,
    "Valid API tokens expiring within 30, 7 and 1 days (each count includes the shorter ones).",
);

/// Every metric.
pub const ALL: [Metric; 32] = [
    BUILD_INFO,
    CAPTURE_RECEIVED,
    CAPTURE_BYTES,
    CAPTURE_KERNEL_DROPPED,
    CAPTURE_IF_DROPPED,
    CAPTURE_CHANNEL_DROPPED,
    CAPTURE_QUEUE_DEPTH,
    PIPELINE_QUEUE_DEPTH,
    PIPELINE_QUEUE_CAPACITY,
    PIPELINE_FRAMES,
    EVENTS,
    STORE_COMMIT,
    STORE_BATCHES,
    STORE_ROWS,
    STORE_FAILURES,
    RETENTION_DELETED,
    EMIT_BACKLOG,
    EMIT_SENT,
    EMIT_DELIVERED,
    EMIT_RETRIED,
    EMIT_DROPPED,
    EMIT_CONNECTED,
    EMIT_LATENCY,
    SNMP_POLLS,
    SNMP_DURATION,
    SNMP_TIMEOUTS,
    SNMP_REQUESTS,
    SNMP_REACHABLE,
    CONFIG_RELOADS,
    CONFIG_LAST_RELOAD_OK,
    REFDB_RELOADS,
    TOKENS_EXPIRING,
];
