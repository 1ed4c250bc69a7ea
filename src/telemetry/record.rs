//! Recording functions the daemon's parts call (each a no-op until [`super::install`]).

use std::time::Duration;

use crate::event::{Event, EventType};
use crate::snmp::{Reachability, SwitchPoll};
use crate::store::WriterStats;

use super::catalog::{
    CONFIG_LAST_RELOAD_OK, CONFIG_RELOADS, PIPELINE_FRAMES, PIPELINE_QUEUE_CAPACITY,
    PIPELINE_QUEUE_DEPTH, REFDB_RELOADS, RETENTION_DELETED, SNMP_DURATION, SNMP_POLLS,
    SNMP_REACHABLE, SNMP_REQUESTS, SNMP_TIMEOUTS, STORE_BATCHES, STORE_COMMIT, STORE_FAILURES,
    STORE_ROWS, TOKENS_EXPIRING,
};

/// Counts raised events by type (`cybriq_events_total{type}`), through handles registered
/// once at install.
pub fn events_raised(events: &[Event]) {
    let Some(t) = super::installed() else {
        return;
    };
    for e in events {
        if let Some(i) = EventType::ALL.iter().position(|k| *k == e.event) {
            t.events[i].increment(1);
        }
    }
}

/// Records one successful store commit's duration (`cybriq_store_commit_duration_seconds`).
pub fn store_committed(took: Duration) {
    metrics::histogram!(STORE_COMMIT.name).record(took);
}

/// Publishes the store writer's counters (from the daemon's tick).
pub fn store_stats(s: &WriterStats) {
    use std::sync::atomic::Ordering::Relaxed;
    metrics::counter!(STORE_BATCHES.name).absolute(s.batches.load(Relaxed));
    metrics::counter!(STORE_ROWS.name).absolute(s.rows.load(Relaxed));
    metrics::counter!(STORE_FAILURES.name).absolute(s.failures.load(Relaxed));
}

/// Counts rows deleted by retention from `table` (`cybriq_retention_deleted_total{table}`).
///
/// For the retention pruner (or whoever runs it): call it once per table and pass, after
/// each pruning pass, with the rows that pass deleted; a pass that deleted nothing may call it
/// with 0 (the series then exists from the first pass). `table` is the SQLite table name
/// (`events`, `observations`, `devices`, `emit_outbox`, …): a small fixed set, never a value
/// from the network.
pub fn retention_deleted(table: &str, n: u64) {
    metrics::counter!(RETENTION_DELETED.name, "table" => table.to_owned()).increment(n);
}

/// Publishes the pipeline's input queue: frames waiting (`depth`), frames processed so far
/// (`processed`) and the channel's capacity.
pub fn pipeline_queue(depth: u64, processed: u64, capacity: usize) {
    metrics::gauge!(PIPELINE_QUEUE_DEPTH.name).set(depth as f64);
    metrics::gauge!(PIPELINE_QUEUE_CAPACITY.name).set(capacity as f64);
    metrics::counter!(PIPELINE_FRAMES.name).absolute(processed);
}

/// Records one switch poll: result, duration, requests and timeouts, reachability.
pub fn polled(p: &SwitchPoll) {
    let switch = p.table.switch.name.clone();
    let (result, up) = match p.table.status {
        Reachability::Ok => ("ok", 1.0),
        Reachability::Unreachable => ("unreachable", 0.0),
    };
    metrics::counter!(SNMP_POLLS.name, "switch" => switch.clone(), "result" => result).increment(1);
    metrics::histogram!(SNMP_DURATION.name, "switch" => switch.clone()).record(p.stats.elapsed);
    metrics::counter!(SNMP_REQUESTS.name, "switch" => switch.clone()).increment(p.stats.requests);
    metrics::counter!(SNMP_TIMEOUTS.name, "switch" => switch.clone()).increment(p.stats.timeouts);
    metrics::gauge!(SNMP_REACHABLE.name, "switch" => switch).set(up);
}

/// How a SIGHUP reload ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReloadOutcome {
    /// Applied (the reference database loaded and is in force).
    Applied,
    /// Refused because the reference database did not load.
    RefdbFailed,
    /// Refused for another reason (the file, a switch's secret, a destination's TLS files).
    Refused,
}

/// Counts a reload (`cybriq_config_reloads_total`, `cybriq_refdb_reloads_total`, and the
/// last-reload gauge).
pub fn reloaded(o: ReloadOutcome) {
    let config = if o == ReloadOutcome::Applied {
        "ok"
    } else {
        "refused"
    };
    metrics::counter!(CONFIG_RELOADS.name, "result" => config).increment(1);
    metrics::gauge!(CONFIG_LAST_RELOAD_OK.name)
        .set(f64::from(u8::from(o == ReloadOutcome::Applied)));
    match o {
        ReloadOutcome::Applied => {
            metrics::counter!(REFDB_RELOADS.name, "result" => "ok").increment(1)
        }
        ReloadOutcome::RefdbFailed => {
            metrics::counter!(REFDB_RELOADS.name, "result" => "failed").increment(1)
        }
        ReloadOutcome::Refused => {}
    }
}

/// Publishes how many valid tokens expire within each of `counts`' day counts
/// (`cybriq_api_tokens_expiring{within_days}`; from the API's hourly check).
pub fn tokens_expiring(counts: &[(i64, u64)]) {
    for (days, n) in counts {
        metrics::gauge!(TOKENS_EXPIRING.name, "within_days" => days.to_string()).set(*n as f64);
    }
}
