//! The batched writer: one thread owns a connection and commits what the pipeline sends in
//! batches, off the capture path.
//!
//! A batch collects writes until the channel is empty and either `max_delay` passed since its
//! first write, it holds `max_writes`, it carries events (events are committed promptly: the
//! SIEM waits for them), or someone asked for a [`Writer::flush`]. Upserts to the same row
//! within a batch are coalesced (last wins; a device keeps its earliest `first_seen`). One batch
//! is one transaction, so a `kill -9` loses at most the batch being collected and never leaves
//! a half-written one (SQLite WAL). Events go to `events` and to the syslog outbox in the same
//! transaction as the state of the ports that raised them ([`Write::Events`] is one message, so
//! it is never split between batches); the emitter is woken after the commit: an event is
//! stored before it is emitted. An event id already stored is not stored or queued again.
//! A failed commit (disk full, locked for longer than the busy timeout) is logged at ERROR and
//! retried with the same batch; the bounded channel then pushes back on the pipeline.
//! With [`WriterSettings::retention`] set, the same thread prunes old rows between batches
//! ([`super::retention`]), on the sensor clock the pipeline hands it ([`Writer::clock`]).

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rusqlite::{Connection, params};

use super::StoreError;
use super::retention::{PruneCounters, PruneReport, Pruner, RetentionSettings};
use super::rows::{
    DeviceRow, DeviceSeenRow, ObservationRow, PortRow, PortStateRow, SwitchRow, Write, vector_blob,
};
use crate::event::Event;

/// Batching limits.
#[derive(Debug, Clone, Copy)]
pub struct WriterSettings {
    /// Longest a write waits for its commit.
    pub max_delay: Duration,
    /// Most writes per transaction.
    pub max_writes: usize,
    /// Capacity of the channel from the pipeline, in writes (messages of up to [`HANDOFF`]
    /// writes: the channel holds `channel / HANDOFF` of them).
    pub channel: usize,
    /// Retention (`[retention]`): old rows are pruned between batches. `None`: nothing is
    /// ever deleted (a replay's store, tests).
    pub retention: Option<RetentionSettings>,
}

impl Default for WriterSettings {
    fn default() -> Self {
        WriterSettings {
            max_delay: Duration::from_millis(250),
            // Up to max_writes + channel writes are in memory at once (a new device's row with
            // its DNA tokens is ~2 kB): 7,000 of them keep a busy site's pipeline fed (a
            // transaction of 5,000 rows commits in milliseconds) without holding tens of MB
            // when SQLite falls behind.
            max_writes: 5_000,
            channel: 2_048,
            retention: None,
        }
    }
}

/// Counters of the writer.
#[derive(Debug, Default)]
pub struct WriterStats {
    /// Transactions committed.
    pub batches: AtomicU64,
    /// Writes received.
    pub writes: AtomicU64,
    /// Rows written after coalescing.
    pub rows: AtomicU64,
    /// Events stored.
    pub events: AtomicU64,
    /// Failed commits (each retried).
    pub failures: AtomicU64,
    /// Rows deleted by retention, per table.
    pub pruned: PruneCounters,
}

/// Writes the pipeline hands over in one message, at most ([`Writer::send_all`]): one channel
/// operation (and at most one wake-up of the writer) per message instead of per write.
pub const HANDOFF: usize = 64;

enum Msg {
    Write(Box<Write>),
    Writes(Vec<Write>),
    Flush(SyncSender<()>),
    Clock(crate::clock::Timestamp),
    Prune(SyncSender<PruneReport>),
    Retention(Option<RetentionSettings>),
    Stop,
}

/// Something to wake after events were committed (the emitter).
pub type Notify = Box<dyn Fn() + Send>;

/// The running writer.
pub struct Writer {
    tx: SyncSender<Msg>,
    handle: Mutex<Option<JoinHandle<()>>>,
    stats: Arc<WriterStats>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").finish_non_exhaustive()
    }
}

impl Writer {
    /// Opens (migrating) the database at `path` and starts the writer thread. `notify` is
    /// called after each commit that stored events.
    pub fn start(
        path: &Path,
        settings: WriterSettings,
        notify: Option<Notify>,
    ) -> Result<Writer, StoreError> {
        let conn = super::open(path)?;
        let (tx, rx) = sync_channel((settings.channel / HANDOFF).max(1));
        let stats = Arc::new(WriterStats::default());
        let s = stats.clone();
        let handle = std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || run(conn, rx, settings, notify, s))
            .map_err(|source| StoreError::Dir {
                path: path.to_owned(),
                source,
            })?;
        Ok(Writer {
            tx,
            handle: Mutex::new(Some(handle)),
            stats,
        })
    }

    /// Queues one write; blocks while the channel is full (back-pressure).
    pub fn send(&self, w: Write) {
        // The thread only ends on `Stop`; a send after that is a programming error we ignore.
        let _ = self.tx.send(Msg::Write(Box::new(w)));
    }

    /// Queues several writes as one message, in order (the pipeline collects up to
    /// [`HANDOFF`]); blocks while the channel is full. One message is never split between
    /// transactions.
    pub fn send_all(&self, ws: Vec<Write>) {
        if !ws.is_empty() {
            let _ = self.tx.send(Msg::Writes(ws));
        }
    }

    /// Waits until everything sent so far is committed.
    pub fn flush(&self) {
        let (tx, rx) = sync_channel(1);
        if self.tx.send(Msg::Flush(tx)).is_ok() {
            let _ = rx.recv();
        }
    }

    /// The sensor clock moved to `now` (the pipeline's tick): retention passes are scheduled on
    /// it. Never blocks: when the channel is full the next tick tells the time.
    pub fn clock(&self, now: crate::clock::Timestamp) {
        let _ = self.tx.try_send(Msg::Clock(now));
    }

    /// Replaces the retention settings (a configuration reload; `None`: stop pruning). The
    /// schedule carries on from the last pass.
    pub fn set_retention(&self, settings: Option<RetentionSettings>) {
        let _ = self.tx.send(Msg::Retention(settings));
    }

    /// Commits what is pending, then runs a whole retention pass at the latest sensor clock
    /// and returns what it deleted (nothing without [`WriterSettings::retention`] or before
    /// the first [`clock`](Self::clock)).
    pub fn prune(&self) -> PruneReport {
        let (tx, rx) = sync_channel(1);
        if self.tx.send(Msg::Prune(tx)).is_ok() {
            return rx.recv().unwrap_or_default();
        }
        PruneReport::default()
    }

    /// The counters.
    pub fn stats(&self) -> &WriterStats {
        &self.stats
    }

    /// Commits what is pending and stops the thread.
    pub fn stop(&self) {
        let _ = self.tx.send(Msg::Stop);
        if let Some(h) = self.handle.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = h.join();
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.stop();
    }
}

#[derive(Default)]
struct Batch {
    switches: HashMap<String, SwitchRow>,
    ports: HashMap<(String, String), PortRow>,
    devices: HashMap<String, DeviceRow>,
    seen: HashMap<String, DeviceSeenRow>,
    states: HashMap<(String, String), PortStateRow>,
    observations: Vec<ObservationRow>,
    events: Vec<Event>,
    writes: usize,
}

impl Batch {
    fn add(&mut self, w: Write) {
        self.writes += 1;
        match w {
            Write::Switch(r) => {
                self.switches.insert(r.name.clone(), r);
            }
            Write::Port(r) => {
                self.ports.insert((r.switch.clone(), r.port.clone()), r);
            }
            Write::Device(mut r) => {
                // A sighting queued before this row is part of it.
                if let Some(s) = self.seen.remove(&r.mac) {
                    r.observations = r.observations.max(s.observations);
                    if s.last_seen > r.last_seen {
                        r.last_seen = s.last_seen;
                        r.switch = Some(s.switch);
                        r.port = Some(s.port);
                        r.vlan = s.vlan.or(r.vlan);
                        r.ip = s.ip.or(r.ip);
                    } else {
                        r.vlan = r.vlan.or(s.vlan);
                        r.ip = r.ip.or(s.ip);
                    }
                }
                match self.devices.get_mut(&r.mac) {
                    Some(old) => {
                        let first = old.first_seen.min(r.first_seen);
                        r.vlan = r.vlan.or(old.vlan);
                        r.ip = r.ip.take().or_else(|| old.ip.take());
                        *old = r;
                        old.first_seen = first;
                    }
                    None => {
                        self.devices.insert(r.mac.clone(), r);
                    }
                }
            }
            Write::DeviceSeen(s) => {
                if let Some(r) = self.devices.get_mut(&s.mac) {
                    r.observations = r.observations.max(s.observations);
                    if s.last_seen >= r.last_seen {
                        r.last_seen = s.last_seen;
                        r.switch = Some(s.switch);
                        r.port = Some(s.port);
                        r.vlan = s.vlan.or(r.vlan);
                        r.ip = s.ip.or(r.ip.take());
                    } else {
                        r.vlan = r.vlan.or(s.vlan);
                        r.ip = r.ip.take().or(s.ip);
                    }
                } else {
                    match self.seen.get_mut(&s.mac) {
                        Some(old) if old.last_seen > s.last_seen => {
                            old.observations = old.observations.max(s.observations);
                            // Still newer than what is stored.
                            old.vlan = old.vlan.or(s.vlan);
                            old.ip = old.ip.take().or(s.ip);
                        }
                        Some(old) => {
                            let n = old.observations.max(s.observations);
                            let (vlan, ip) = (old.vlan, old.ip.take());
                            *old = s;
                            old.observations = n;
                            old.vlan = old.vlan.or(vlan);
                            old.ip = old.ip.take().or(ip);
                        }
                        None => {
                            self.seen.insert(s.mac.clone(), s);
                        }
                    }
                }
            }
            Write::Observation(r) => self.observations.push(r),
            Write::PortState(r) => self.state(r),
            Write::Events { mut events, states } => {
                // One message, so one batch: the events and these states commit together.
                self.events.append(&mut events);
                for r in states {
                    self.state(r);
                }
            }
        }
    }

    fn state(&mut self, mut r: PortStateRow) {
        // Last wins, except for a baseline the later write leaves unchanged.
        let key = (r.switch.clone(), r.port.clone());
        if let Some(old) = self.states.remove(&key) {
            if r.baseline.is_none() {
                r.baseline = old.baseline;
            }
            if r.baseline_meta.is_none() {
                r.baseline_meta = old.baseline_meta;
            }
        }
        self.states.insert(key, r);
    }

    fn is_empty(&self) -> bool {
        self.writes == 0
    }

    fn rows(&self) -> usize {
        self.switches.len()
            + self.ports.len()
            + self.devices.len()
            + self.seen.len()
            + self.states.len()
            + self.observations.len()
            + self.events.len()
    }
}

fn run(
    mut conn: Connection,
    rx: Receiver<Msg>,
    settings: WriterSettings,
    notify: Option<Notify>,
    stats: Arc<WriterStats>,
) {
    let mut batch = Batch::default();
    let mut started: Option<Instant> = None;
    let mut waiting: Vec<SyncSender<()>> = Vec::new();
    let mut ctl = Control {
        pruner: settings.retention.map(Pruner::new),
        prune_requests: Vec::new(),
        stop: false,
    };
    loop {
        // Collect (without waiting while a retention pass is in progress).
        let timeout = match started {
            Some(t) => settings.max_delay.saturating_sub(t.elapsed()),
            None if ctl.pruner.as_ref().is_some_and(Pruner::running) => Duration::ZERO,
            None => Duration::from_secs(3600),
        };
        let mut stop = ctl.stop;
        match rx.recv_timeout(timeout) {
            Ok(m) => {
                handle(m, &mut batch, &mut waiting, &mut ctl, &stats);
                while batch.writes < settings.max_writes && !ctl.stop {
                    match rx.try_recv() {
                        Ok(m) => handle(m, &mut batch, &mut waiting, &mut ctl, &stats),
                        Err(_) => break,
                    }
                }
                stop = ctl.stop;
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => stop = true,
        }
        if !batch.is_empty() && started.is_none() {
            started = Some(Instant::now());
        }
        let due = started.is_some_and(|t| t.elapsed() >= settings.max_delay)
            || batch.writes >= settings.max_writes
            || !batch.events.is_empty()
            || !waiting.is_empty()
            || !ctl.prune_requests.is_empty()
            || stop;
        if !due {
            prune_step(&mut conn, &mut ctl, &stats);
            continue;
        }
        if !batch.is_empty() {
            commit_retrying(&mut conn, &batch, &stats);
            stats.batches.fetch_add(1, Ordering::Relaxed);
            stats.rows.fetch_add(batch.rows() as u64, Ordering::Relaxed);
            if !batch.events.is_empty() {
                stats
                    .events
                    .fetch_add(batch.events.len() as u64, Ordering::Relaxed);
                if let Some(n) = &notify {
                    n();
                }
            }
            batch = Batch::default();
        }
        started = None;
        for w in waiting.drain(..) {
            let _ = w.send(());
        }
        prune_step(&mut conn, &mut ctl, &stats);
        if stop {
            return;
        }
    }
}

/// What the writer's loop is asked besides writes.
struct Control {
    pruner: Option<Pruner>,
    prune_requests: Vec<SyncSender<PruneReport>>,
    stop: bool,
}

/// Between batches: a whole retention pass for each [`Writer::prune`] request, else a step of
/// the scheduled pass when one is due.
fn prune_step(conn: &mut Connection, ctl: &mut Control, stats: &WriterStats) {
    let Some(p) = ctl.pruner.as_mut() else {
        for r in ctl.prune_requests.drain(..) {
            let _ = r.send(PruneReport::default());
        }
        return;
    };
    if !ctl.prune_requests.is_empty() {
        let report = p.run_pass(conn, &stats.pruned);
        for r in ctl.prune_requests.drain(..) {
            let _ = r.send(report);
        }
    } else if p.due() {
        p.step(conn, &stats.pruned);
    }
}

fn handle(
    m: Msg,
    batch: &mut Batch,
    waiting: &mut Vec<SyncSender<()>>,
    ctl: &mut Control,
    stats: &WriterStats,
) {
    match m {
        Msg::Write(w) => {
            stats.writes.fetch_add(1, Ordering::Relaxed);
            batch.add(*w);
        }
        Msg::Writes(ws) => {
            stats.writes.fetch_add(ws.len() as u64, Ordering::Relaxed);
            for w in ws {
                batch.add(w);
            }
        }
        Msg::Flush(t) => waiting.push(t),
        Msg::Clock(now) => {
            if let Some(p) = ctl.pruner.as_mut() {
                p.clock(now);
            }
        }
        Msg::Prune(t) => ctl.prune_requests.push(t),
        Msg::Retention(r) => match (r, ctl.pruner.as_mut()) {
            (Some(r), Some(p)) => p.set_settings(r),
            (r, _) => ctl.pruner = r.map(Pruner::new),
        },
        Msg::Stop => ctl.stop = true,
    }
}

/// Commits the batch, retrying (with a growing pause) until it commits.
fn commit_retrying(conn: &mut Connection, batch: &Batch, stats: &WriterStats) {
    let mut failures = 0u32;
    loop {
        let t = Instant::now();
        let Err(e) = commit(conn, batch) else {
            crate::telemetry::store_committed(t.elapsed());
            return;
        };
        stats.failures.fetch_add(1, Ordering::Relaxed);
        failures += 1;
        tracing::error!(error = %e, attempt = failures, "Store commit failed; retrying the batch.");
        std::thread::sleep(Duration::from_millis(200 * u64::from(failures.min(25))));
    }
}

fn commit(conn: &mut Connection, b: &Batch) -> Result<(), StoreError> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(StoreError::sqlite("starting a batch"))?;
    write_batch(&tx, b)?;
    tx.commit()
        .map_err(StoreError::sqlite("committing a batch"))
}

fn write_batch(c: &Connection, b: &Batch) -> Result<(), StoreError> {
    let e = StoreError::sqlite;
    if !b.switches.is_empty() {
        let mut st = c
            .prepare_cached(
                "INSERT INTO switches (name, status, reason, sys_descr, sys_object_id, model, serial, polled_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT(name) DO UPDATE SET status = excluded.status, reason = excluded.reason,
                   sys_descr = COALESCE(excluded.sys_descr, sys_descr),
                   sys_object_id = COALESCE(excluded.sys_object_id, sys_object_id),
                   model = COALESCE(excluded.model, model), serial = COALESCE(excluded.serial, serial),
                   polled_at = excluded.polled_at",
            )
            .map_err(e("writing switches"))?;
        for r in b.switches.values() {
            st.execute(params![
                r.name,
                r.status,
                r.reason,
                r.sys_descr,
                r.sys_object_id,
                r.model,
                r.serial,
                r.polled_at.0
            ])
            .map_err(e("writing switches"))?;
        }
    }
    if !b.ports.is_empty() {
        let mut st = c
            .prepare_cached(
                "INSERT INTO ports (switch, port, if_index, alias, oper_status, speed_mbps, uplink, macs, poe_class, dot1x, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                 ON CONFLICT(switch, port) DO UPDATE SET if_index = excluded.if_index, alias = excluded.alias,
                   oper_status = excluded.oper_status, speed_mbps = excluded.speed_mbps, uplink = excluded.uplink,
                   macs = excluded.macs, poe_class = excluded.poe_class, dot1x = excluded.dot1x,
                   updated_at = excluded.updated_at",
            )
            .map_err(e("writing ports"))?;
        for r in b.ports.values() {
            st.execute(params![
                r.switch,
                r.port,
                r.if_index,
                r.alias,
                r.oper_status,
                r.speed_mbps.map(|s| s.min(i64::MAX as u64) as i64),
                r.uplink,
                r.macs,
                r.poe_class,
                r.dot1x,
                r.updated_at.0
            ])
            .map_err(e("writing ports"))?;
        }
    }
    if !b.devices.is_empty() {
        let mut st = c
            .prepare_cached(
                "INSERT INTO devices (mac, switch, port, vendor, model, class, confidence, ndaa_status, serial, dna, tokens, first_seen, last_seen, observations, vlan, ip)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
                 ON CONFLICT(mac) DO UPDATE SET switch = COALESCE(excluded.switch, switch),
                   vlan = COALESCE(excluded.vlan, vlan), ip = COALESCE(excluded.ip, ip),
                   port = COALESCE(excluded.port, port), vendor = excluded.vendor, model = excluded.model,
                   class = excluded.class, confidence = excluded.confidence, ndaa_status = excluded.ndaa_status,
                   serial = COALESCE(excluded.serial, serial), dna = excluded.dna,
                   tokens = COALESCE(excluded.tokens, tokens),
                   first_seen = MIN(first_seen, excluded.first_seen),
                   last_seen = MAX(last_seen, excluded.last_seen),
                   observations = MAX(observations, excluded.observations)",
            )
            .map_err(e("writing devices"))?;
        for r in b.devices.values() {
            st.execute(params![
                r.mac,
                r.switch,
                r.port,
                r.vendor,
                r.model,
                r.class,
                r.confidence,
                r.ndaa_status,
                r.serial,
                r.dna,
                r.tokens,
                r.first_seen.0,
                r.last_seen.0,
                r.observations.min(i64::MAX as u64) as i64,
                r.vlan,
                r.ip
            ])
            .map_err(e("writing devices"))?;
        }
        let mut st = c
            .prepare_cached(
                "INSERT OR IGNORE INTO dna_tokens (dna, tokens, first_seen) VALUES (?1, ?2, ?3)",
            )
            .map_err(e("writing DNA tokens"))?;
        for r in b.devices.values() {
            if let (Some(dna), Some(tokens)) = (&r.dna, &r.tokens) {
                st.execute(params![dna, tokens, r.first_seen.0])
                    .map_err(e("writing DNA tokens"))?;
            }
        }
    }
    if !b.seen.is_empty() {
        let mut st = c
            .prepare_cached(
                "UPDATE devices SET switch = ?2, port = ?3, last_seen = MAX(last_seen, ?4),
                   observations = MAX(observations, ?5), vlan = COALESCE(?6, vlan),
                   ip = COALESCE(?7, ip) WHERE mac = ?1",
            )
            .map_err(e("writing devices"))?;
        for r in b.seen.values() {
            st.execute(params![
                r.mac,
                r.switch,
                r.port,
                r.last_seen.0,
                r.observations.min(i64::MAX as u64) as i64,
                r.vlan,
                r.ip
            ])
            .map_err(e("writing devices"))?;
        }
    }
    if !b.states.is_empty() {
        let mut st = c
            .prepare_cached(
                "INSERT INTO port_state (switch, port, baseline, state, updated_at, baseline_meta)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT(switch, port) DO UPDATE SET
                   baseline = COALESCE(excluded.baseline, port_state.baseline),
                   baseline_meta = COALESCE(excluded.baseline_meta, port_state.baseline_meta),
                   state = excluded.state, updated_at = excluded.updated_at",
            )
            .map_err(e("writing port state"))?;
        for r in b.states.values() {
            st.execute(params![
                r.switch,
                r.port,
                r.baseline.as_deref().map(vector_blob),
                r.state,
                r.updated_at.0,
                r.baseline_meta
            ])
            .map_err(e("writing port state"))?;
        }
    }
    if !b.observations.is_empty() {
        let mut st = c
            .prepare_cached(
                "INSERT INTO observations (mac, ts, switch, port, proto, via, dna) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .map_err(e("writing observations"))?;
        for r in &b.observations {
            st.execute(params![
                r.mac, r.ts.0, r.switch, r.port, r.proto, r.via, r.dna
            ])
            .map_err(e("writing observations"))?;
        }
    }
    if !b.events.is_empty() {
        let mut st = c
            .prepare_cached(
                "INSERT OR IGNORE INTO events (event_id, ts, event, severity, switch, port, mac, json)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .map_err(e("writing events"))?;
        // An event id already stored (the same event handed in again) is neither stored nor
        // queued for syslog twice: receivers see each event id once. The JSON is serialised
        // once, for both.
        let mut fresh: Vec<(String, String, crate::clock::Timestamp)> =
            Vec::with_capacity(b.events.len());
        for ev in &b.events {
            let json = serde_json::to_string(ev).expect("events always serialise");
            let id = ev.event_id.to_string();
            let inserted = st
                .execute(params![
                    id,
                    ev.timestamp.0,
                    ev.event.as_str(),
                    ev.severity.as_str(),
                    ev.switch,
                    ev.port,
                    ev.mac,
                    json
                ])
                .map_err(e("writing events"))?;
            if inserted == 1 {
                fresh.push((id, json, ev.timestamp));
            }
        }
        crate::emit::outbox::enqueue_json_in(
            c,
            fresh
                .iter()
                .map(|(id, j, ts)| (id.as_str(), j.as_str(), *ts)),
        )?;
    }
    Ok(())
}
