//! Retention (store migration 8): old rows are deleted in small batches by the store writer,
//! between its write batches, never on the pipeline thread.
//!
//! A pass runs every [`RetentionSettings::every_us`] of sensor time (the pipeline hands the
//! writer its clock at each tick, [`super::Writer::clock`]: a replayed month prunes as a lived
//! one would). A step deletes at most [`RetentionSettings::batch`] rows per table, each table
//! in its own short transaction, oldest first by a time index; the pass goes on, step after
//! step with the writes committed in between, until no table has more to delete. What is
//! kept whatever its age:
//! - an event still waiting in the syslog outbox (a destination has not confirmed it);
//! - a device still on its port (a resident the port's stored state does not call departed);
//!   only the rows of devices gone longer than `departed_devices_days` go;
//! - `port_state`, `switches`, `ports` (one row per thing configured or polled), API tokens,
//!   issue codes, suppressions and change windows.
//!
//! The audit trail (`api_audit`) stays append-only for everyone else: its delete trigger
//! refuses unless the retention pass opened the gate (a row in `store_pruning`, inserted and
//! removed inside the pass's own transaction, never committed). The API's cursors are sequence
//! numbers (`seq > ?`), which deleted rows do not disturb. The outbox is bounded by
//! [`crate::emit::outbox::prune_acked_in`] and [`crate::emit::outbox::cap_in`]; a capped drop is
//! an ERROR line per destination. Each finished pass that deleted something logs its
//! [`PruneReport`] at INFO and adds it to [`PruneCounters`] (what the metrics export).

use std::sync::atomic::{AtomicU64, Ordering};

use rusqlite::{Connection, TransactionBehavior, params};

use super::StoreError;
use crate::clock::Timestamp;
use crate::emit::outbox;

/// Migration 8's SQL: time indexes to prune by, the outbox rows' event time, the outbox's event
/// ids (an event still queued is kept), and the audit trail's retention gate.
pub const V8: &str = "
CREATE INDEX observations_ts ON observations (ts);
CREATE INDEX devices_last_seen ON devices (last_seen);
CREATE INDEX api_audit_ts ON api_audit (ts);
ALTER TABLE emit_outbox ADD COLUMN ts INTEGER;
CREATE INDEX emit_outbox_event_id ON emit_outbox (event_id);
CREATE TABLE store_pruning (active INTEGER NOT NULL);
DROP TRIGGER api_audit_no_delete;
CREATE TRIGGER api_audit_no_delete BEFORE DELETE ON api_audit
WHEN NOT EXISTS (SELECT 1 FROM store_pruning)
BEGIN SELECT RAISE(ABORT, 'api_audit is append-only'); END;
";

/// How long each table keeps its rows (from `[retention]`,
/// [`crate::config::retention::Retention::settings`]); times in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionSettings {
    /// Events older than this go (unless still queued for syslog).
    pub events_us: i64,
    /// Audit-trail entries older than this go.
    pub audit_us: i64,
    /// Timeline observations older than this go.
    pub observations_us: i64,
    /// Devices last seen longer ago than this, and no longer on their port, go.
    pub departed_devices_us: i64,
    /// Most rows in the syslog outbox.
    pub outbox_max_rows: i64,
    /// Oldest event the syslog outbox keeps.
    pub outbox_max_age_us: i64,
    /// Rows deleted per table per step.
    pub batch: usize,
    /// Sensor time between two passes.
    pub every_us: i64,
}

impl Default for RetentionSettings {
    fn default() -> Self {
        crate::config::retention::Retention::default().settings()
    }
}

/// Rows deleted, per table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PruneReport {
    /// `events`.
    pub events: u64,
    /// `observations`.
    pub observations: u64,
    /// `devices` (departed ones).
    pub devices: u64,
    /// `api_audit`.
    pub audit: u64,
    /// `dna_tokens` of DNAs no device or timeline entry carries any more.
    pub dna_tokens: u64,
    /// Outbox rows every destination had confirmed.
    pub outbox_acked: u64,
    /// Outbox rows deleted because no destination is configured to read them.
    pub outbox_unrouted: u64,
    /// Outbox rows dropped by the bounds before a destination confirmed them.
    pub outbox_capped: u64,
}

impl PruneReport {
    /// Rows deleted in all.
    pub fn total(&self) -> u64 {
        self.events
            + self.observations
            + self.devices
            + self.audit
            + self.dna_tokens
            + self.outbox_acked
            + self.outbox_unrouted
            + self.outbox_capped
    }

    /// Adds `o`'s counts to these.
    pub fn add(&mut self, o: &PruneReport) {
        self.events += o.events;
        self.observations += o.observations;
        self.devices += o.devices;
        self.audit += o.audit;
        self.dna_tokens += o.dna_tokens;
        self.outbox_acked += o.outbox_acked;
        self.outbox_unrouted += o.outbox_unrouted;
        self.outbox_capped += o.outbox_capped;
    }

    fn largest(&self) -> u64 {
        [
            self.events,
            self.observations,
            self.devices,
            self.audit,
            self.dna_tokens,
            self.outbox_acked + self.outbox_unrouted,
            self.outbox_capped,
        ]
        .into_iter()
        .max()
        .unwrap_or(0)
    }

    /// Adds the pass to `cybriq_retention_deleted_total{table}` (the outbox's three reasons
    /// are one table).
    pub fn export(&self) {
        for (table, n) in [
            ("events", self.events),
            ("observations", self.observations),
            ("devices", self.devices),
            ("api_audit", self.audit),
            ("dna_tokens", self.dna_tokens),
            (
                "emit_outbox",
                self.outbox_acked + self.outbox_unrouted + self.outbox_capped,
            ),
        ] {
            crate::telemetry::retention_deleted(table, n);
        }
    }

    /// Logs the pass at INFO when it deleted anything.
    pub fn log(&self) {
        if self.total() == 0 {
            return;
        }
        tracing::info!(
            events = self.events,
            observations = self.observations,
            devices = self.devices,
            audit = self.audit,
            dna_tokens = self.dna_tokens,
            outbox_acked = self.outbox_acked,
            outbox_unrouted = self.outbox_unrouted,
            outbox_capped = self.outbox_capped,
            "Retention pass deleted old rows."
        );
    }
}

/// Rows deleted since start, per table (the writer's, [`super::WriterStats::pruned`]).
#[derive(Debug, Default)]
pub struct PruneCounters {
    events: AtomicU64,
    observations: AtomicU64,
    devices: AtomicU64,
    audit: AtomicU64,
    dna_tokens: AtomicU64,
    outbox_acked: AtomicU64,
    outbox_unrouted: AtomicU64,
    outbox_capped: AtomicU64,
    passes: AtomicU64,
}

impl PruneCounters {
    /// Adds a step's counts.
    pub fn add(&self, r: &PruneReport) {
        let add = |c: &AtomicU64, n: u64| {
            c.fetch_add(n, Ordering::Relaxed);
        };
        add(&self.events, r.events);
        add(&self.observations, r.observations);
        add(&self.devices, r.devices);
        add(&self.audit, r.audit);
        add(&self.dna_tokens, r.dna_tokens);
        add(&self.outbox_acked, r.outbox_acked);
        add(&self.outbox_unrouted, r.outbox_unrouted);
        add(&self.outbox_capped, r.outbox_capped);
    }

    /// The totals so far.
    pub fn snapshot(&self) -> PruneReport {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        PruneReport {
            events: get(&self.events),
            observations: get(&self.observations),
            devices: get(&self.devices),
            audit: get(&self.audit),
            dna_tokens: get(&self.dna_tokens),
            outbox_acked: get(&self.outbox_acked),
            outbox_unrouted: get(&self.outbox_unrouted),
            outbox_capped: get(&self.outbox_capped),
        }
    }

    /// Passes finished.
    pub fn passes(&self) -> u64 {
        self.passes.load(Ordering::Relaxed)
    }
}

/// One step of a pass at sensor time `now`: at most `s.batch` rows per table. Returns what it
/// deleted and whether a table may have more.
pub fn prune_step(
    conn: &mut Connection,
    s: &RetentionSettings,
    now: Timestamp,
) -> Result<(PruneReport, bool), StoreError> {
    let before = |us: i64| now.0.saturating_sub(us);
    let batch = s.batch.max(1) as i64;
    let mut r = PruneReport::default();
    // The outbox first: an event it lets go of can go in the same step.
    prune_outbox(conn, s, Timestamp(before(s.outbox_max_age_us)), &mut r)?;
    r.events = in_tx(conn, "pruning events", |c| {
        c.execute(
            "DELETE FROM events WHERE seq IN (
               SELECT seq FROM events INDEXED BY events_ts WHERE ts < ?1
                 AND NOT EXISTS (SELECT 1 FROM emit_outbox o WHERE o.event_id = events.event_id)
               ORDER BY ts LIMIT ?2)",
            params![before(s.events_us), batch],
        )
    })?;
    r.observations = in_tx(conn, "pruning observations", |c| {
        c.execute(
            "DELETE FROM observations WHERE id IN (
               SELECT id FROM observations INDEXED BY observations_ts WHERE ts < ?1
               ORDER BY ts LIMIT ?2)",
            params![before(s.observations_us), batch],
        )
    })?;
    r.devices = in_tx(conn, "pruning departed devices", |c| {
        c.execute(DEPARTED, params![before(s.departed_devices_us), batch])
    })?;
    // A DNA's token list outlives neither the timeline entries nor the devices carrying it.
    r.dna_tokens = in_tx(conn, "pruning DNA token lists", |c| {
        c.execute(
            "DELETE FROM dna_tokens WHERE dna IN (
               SELECT t.dna FROM dna_tokens t WHERE t.first_seen < ?1
                 AND NOT EXISTS (SELECT 1 FROM devices d WHERE d.dna = t.dna)
                 AND NOT EXISTS (SELECT 1 FROM observations o WHERE o.dna = t.dna)
               LIMIT ?2)",
            params![before(s.observations_us), batch],
        )
    })?;
    r.audit = in_tx(conn, "pruning the audit trail", |c| {
        c.execute("INSERT INTO store_pruning (active) VALUES (1)", [])?;
        let n = c.execute(
            "DELETE FROM api_audit WHERE seq IN (
               SELECT seq FROM api_audit INDEXED BY api_audit_ts WHERE ts < ?1
               ORDER BY ts LIMIT ?2)",
            params![before(s.audit_us), batch],
        )?;
        c.execute("DELETE FROM store_pruning", [])?;
        Ok(n)
    })?;
    let more = r.largest() >= s.batch.max(1) as u64;
    Ok((r, more))
}

/// Devices last seen before `?1` that their port's stored state does not list as a resident
/// still there (`port_state.state` is the engine's record: `data.residents[]`, each with its
/// `mac` and `departed`; a state that does not parse lists nobody), oldest first, at most `?2`.
const DEPARTED: &str = "
DELETE FROM devices WHERE mac IN (
  SELECT d.mac FROM devices d INDEXED BY devices_last_seen
  WHERE d.last_seen < ?1
    AND NOT EXISTS (
      SELECT 1 FROM port_state ps,
        json_each(CASE WHEN json_valid(ps.state) THEN ps.state ELSE '{}' END,
                  '$.data.residents') r
      WHERE ps.switch = d.switch AND ps.port = d.port
        AND json_extract(r.value, '$.mac') = d.mac
        AND NOT json_extract(r.value, '$.departed'))
  ORDER BY d.last_seen LIMIT ?2)";

fn prune_outbox(
    conn: &mut Connection,
    s: &RetentionSettings,
    older_than: Timestamp,
    r: &mut PruneReport,
) -> Result<(), StoreError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(StoreError::sqlite("pruning the outbox"))?;
    let (n, routed) = outbox::prune_acked_in(&tx, s.batch)?;
    if routed {
        r.outbox_acked = n;
    } else {
        r.outbox_unrouted = n;
    }
    let (capped, drops) = outbox::cap_in(&tx, s.outbox_max_rows, older_than, s.batch)?;
    tx.commit()
        .map_err(StoreError::sqlite("pruning the outbox"))?;
    if routed {
        r.outbox_capped = capped;
    } else {
        // Nobody would have read them: not a loss.
        r.outbox_unrouted += capped;
    }
    for d in drops.iter().filter(|d| d.rows > 0) {
        tracing::error!(
            destination = %d.destination,
            dropped = d.rows,
            max_rows = s.outbox_max_rows,
            max_age_days = s.outbox_max_age_us / 86_400_000_000,
            "Outbox over its retention bounds: dropped the oldest events this destination had not confirmed."
        );
    }
    Ok(())
}

/// Runs `f` in its own immediate transaction; the rows it changed.
fn in_tx(
    conn: &mut Connection,
    context: &'static str,
    f: impl FnOnce(&Connection) -> rusqlite::Result<usize>,
) -> Result<u64, StoreError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(StoreError::sqlite(context))?;
    let n = f(&tx).map_err(StoreError::sqlite(context))?;
    tx.commit().map_err(StoreError::sqlite(context))?;
    Ok(n as u64)
}

/// The writer's retention schedule: when the next pass is due, and the pass in progress.
#[derive(Debug)]
pub struct Pruner {
    settings: RetentionSettings,
    /// The latest sensor time handed over.
    now: Option<Timestamp>,
    /// Sensor time of the last pass's start.
    last: Option<Timestamp>,
    /// The pass in progress: what it deleted so far.
    running: Option<PruneReport>,
}

impl Pruner {
    /// A schedule with these settings; nothing is due before the first clock.
    pub fn new(settings: RetentionSettings) -> Pruner {
        Pruner {
            settings,
            now: None,
            last: None,
            running: None,
        }
    }

    /// New settings (a reload); the pass in progress and the schedule carry on.
    pub fn set_settings(&mut self, settings: RetentionSettings) {
        self.settings = settings;
    }

    /// The sensor clock moved to `now` (it never goes back).
    pub fn clock(&mut self, now: Timestamp) {
        self.now = Some(self.now.map_or(now, |n| n.max(now)));
    }

    /// Whether a pass is in progress (the writer does not wait for writes between its steps).
    pub fn running(&self) -> bool {
        self.running.is_some()
    }

    /// Whether a step should run now.
    pub fn due(&self) -> bool {
        match (self.now, self.last) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(n), Some(l)) => self.running() || n.0 - l.0 >= self.settings.every_us,
        }
    }

    /// Runs one step when due; returns the pass's report when the pass ended with it.
    pub fn step(&mut self, conn: &mut Connection, counters: &PruneCounters) -> Option<PruneReport> {
        let now = self.now.filter(|_| self.due())?;
        if self.running.is_none() {
            self.last = Some(now);
        }
        let mut so_far = self.running.take().unwrap_or_default();
        match prune_step(conn, &self.settings, now) {
            Ok((r, more)) => {
                counters.add(&r);
                so_far.add(&r);
                if more {
                    self.running = Some(so_far);
                    return None;
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "Retention pass failed; retrying at the next one.");
            }
        }
        counters.passes.fetch_add(1, Ordering::Relaxed);
        so_far.log();
        so_far.export();
        Some(so_far)
    }

    /// Runs a whole pass now (at the latest clock), step after step; what it deleted.
    pub fn run_pass(&mut self, conn: &mut Connection, counters: &PruneCounters) -> PruneReport {
        if self.now.is_none() {
            return PruneReport::default();
        }
        self.last = None;
        loop {
            if let Some(r) = self.step(conn, counters) {
                return r;
            }
        }
    }
}

#[cfg(test)]
mod tests;
