//! One delivery worker per destination: reads the outbox after its cursor, formats, frames,
//! sends, confirms, reconnects with backoff.
//!
//! Delivery is at least once. TCP and TLS syslog carry no acknowledgement, so a written message
//! counts as delivered once the connection has stayed up `confirm_after_ms` after the write
//! (the receiver had that long to take it off its socket and store it). When the connection
//! fails, everything not yet confirmed is sent again on the next connection; receivers
//! de-duplicate on `event_id`. UDP messages count as delivered when sent.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::clock::Timestamp;
use crate::event::Event;
use crate::telemetry::DeliveryMetrics;

use super::format::FormatOptions;
use super::metrics::DestinationMetrics;
use super::outbox::Outbox;
use super::transport::{Conn, Transport, TransportError, frame};

/// Rows read from the outbox per batch.
const BATCH: usize = 1024;
/// How often an idle worker looks at the outbox without being woken (other processes may
/// append) and re-checks confirmations.
const POLL: Duration = Duration::from_millis(50);
/// How often the backlog bound is checked.
const BOUND_CHECK: Duration = Duration::from_secs(1);

/// What a worker needs from the emitter.
#[derive(Debug)]
pub(crate) struct Shared {
    /// Bumped on every enqueue; workers wait on it.
    pub generation: Mutex<u64>,
    /// Signalled with `generation`.
    pub wake: Condvar,
    /// Set to stop the workers.
    pub stop: std::sync::atomic::AtomicBool,
}

impl Shared {
    pub fn new() -> Shared {
        Shared {
            generation: Mutex::new(0),
            wake: Condvar::new(),
            stop: std::sync::atomic::AtomicBool::new(false),
        }
    }

    pub fn notify(&self) {
        if let Ok(mut g) = self.generation.lock() {
            *g += 1;
        }
        self.wake.notify_all();
    }

    fn wait(&self, seen: &mut u64, timeout: Duration) {
        let Ok(g) = self.generation.lock() else {
            return;
        };
        if *g != *seen {
            *seen = *g;
            return;
        }
        if let Ok((g, _)) = self.wake.wait_timeout(g, timeout) {
            *seen = *g;
        }
    }
}

/// A worker's settings.
#[derive(Debug)]
pub(crate) struct WorkerConfig {
    pub name: String,
    pub db: PathBuf,
    pub transport: Transport,
    pub format: FormatOptions,
    pub max_backlog: u64,
    pub confirm_after: Duration,
    pub backoff_initial: Duration,
    pub backoff_max: Duration,
    pub timeout: Duration,
}

/// Exponential backoff with ±50 % jitter.
#[derive(Debug)]
struct Backoff {
    initial: Duration,
    max: Duration,
    current: Duration,
    until: Option<Instant>,
}

impl Backoff {
    fn fail(&mut self) -> Duration {
        let base = self.current;
        self.current = (self.current * 2).min(self.max);
        let jitter = 0.5 + fastrand::f64();
        let d = base.mul_f64(jitter).min(self.max);
        self.until = Some(Instant::now() + d);
        d
    }

    fn reset(&mut self) {
        self.current = self.initial;
        self.until = None;
    }

    fn remaining(&self) -> Option<Duration> {
        self.until
            .and_then(|u| u.checked_duration_since(Instant::now()))
            .filter(|d| !d.is_zero())
    }
}

/// Runs one destination's worker until the emitter stops or `stop` (this worker's own flag) is
/// set.
pub(crate) fn run(
    cfg: WorkerConfig,
    shared: Arc<Shared>,
    m: Arc<DestinationMetrics>,
    stop: Arc<AtomicBool>,
) {
    let mut outbox = loop {
        match Outbox::open(&cfg.db) {
            Ok(o) => break o,
            Err(e) => {
                tracing::error!(destination = %cfg.name, error = %e, "Cannot open the outbox; retrying.");
                m.set_error(Some(e.to_string()));
                if shared.stop.load(Ordering::Relaxed) || stop.load(Ordering::Relaxed) {
                    return;
                }
                std::thread::sleep(Duration::from_secs(1));
            }
        }
    };
    let mut w = Worker {
        acked: outbox.cursor(&cfg.name).ok().flatten().unwrap_or(0),
        outbox,
        conn: None,
        pending: VecDeque::new(),
        backoff: Backoff {
            initial: cfg.backoff_initial,
            max: cfg.backoff_max,
            current: cfg.backoff_initial,
            until: None,
        },
        sent: 0,
        tm: DeliveryMetrics::new(&cfg.name),
        committed: 0,
        tail: 0,
        sent_uncommitted: 0,
        dropped_uncommitted: 0,
        last_commit: Instant::now(),
        last_bound_check: Instant::now() - BOUND_CHECK,
        cfg,
        m,
    };
    w.sent = w.acked;
    w.committed = w.acked;
    w.m.acked.store(w.acked, Ordering::Release);
    w.run(&shared, &stop);
}

struct Worker {
    cfg: WorkerConfig,
    m: Arc<DestinationMetrics>,
    /// The exported series (they outlive this worker when a reload restarts it).
    tm: DeliveryMetrics,
    outbox: Outbox,
    conn: Option<Conn>,
    /// Confirmed position.
    acked: i64,
    /// Last position written to the current connection.
    sent: i64,
    /// Written, not yet confirmed: (last seq of a batch, when it was written, the timestamps
    /// of its events).
    pending: VecDeque<(i64, Instant, Vec<Timestamp>)>,
    backoff: Backoff,
    /// Position last stored in the database.
    committed: i64,
    /// Outbox tail as last seen.
    tail: i64,
    sent_uncommitted: u64,
    dropped_uncommitted: u64,
    last_commit: Instant,
    last_bound_check: Instant,
}

impl Worker {
    fn run(&mut self, shared: &Shared, stop: &AtomicBool) {
        let mut seen = 0u64;
        let mut buf = Vec::with_capacity(BATCH * 600);
        let mut msg = Vec::with_capacity(1024);
        let mut scratch = String::with_capacity(256);
        let mut bounds = Vec::with_capacity(BATCH);
        let mut stamps = Vec::with_capacity(BATCH);
        let stream_framing = self.cfg.transport.framing();
        while !shared.stop.load(Ordering::Relaxed) && !stop.load(Ordering::Relaxed) {
            if self.last_bound_check.elapsed() >= BOUND_CHECK {
                self.last_bound_check = Instant::now();
                self.enforce_bound();
            }
            self.confirm();
            if self.conn.is_none() {
                if let Some(wait) = self.backoff.remaining() {
                    shared.wait(&mut seen, wait.min(POLL));
                    continue;
                }
                if self.outbox.tail().map(|t| t <= self.acked).unwrap_or(true) {
                    // Nothing to send: connect lazily.
                    self.commit(false);
                    shared.wait(&mut seen, POLL);
                    continue;
                }
                match self.cfg.transport.connect(self.cfg.timeout) {
                    Ok(c) => {
                        tracing::info!(destination = %self.cfg.name, "Connected to the syslog destination.");
                        self.conn = Some(c);
                        self.m.connected.store(true, Ordering::Relaxed);
                        self.tm.connected(true);
                        self.m.permanent_failure.store(false, Ordering::Relaxed);
                        self.m.set_error(None);
                    }
                    Err(e) => {
                        self.connect_failed(&e);
                        continue;
                    }
                }
            }
            let rows = match self.outbox.fetch(self.sent, BATCH) {
                Ok(r) => r,
                Err(e) => {
                    tracing::error!(destination = %self.cfg.name, error = %e, "Cannot read the outbox.");
                    shared.wait(&mut seen, Duration::from_secs(1));
                    continue;
                }
            };
            let Some(last) = rows.last().map(|r| r.seq) else {
                self.commit(false);
                let wait = self
                    .pending
                    .front()
                    .map(|(_, t, _)| {
                        (*t + self.cfg.confirm_after).saturating_duration_since(Instant::now())
                    })
                    .unwrap_or(POLL)
                    .clamp(Duration::from_millis(1), POLL);
                shared.wait(&mut seen, wait);
                continue;
            };
            buf.clear();
            bounds.clear();
            stamps.clear();
            for r in &rows {
                let ev: Event = match serde_json::from_str(&r.json) {
                    Ok(e) => e,
                    Err(e) => {
                        tracing::error!(destination = %self.cfg.name, seq = r.seq, error = %e, "Skipping an outbox row that is not an event.");
                        continue;
                    }
                };
                stamps.push(ev.timestamp);
                self.cfg.format.format(&ev, &mut msg, &mut scratch);
                match stream_framing {
                    Some(f) => frame(f, &msg, &mut buf),
                    None => {
                        buf.extend_from_slice(&msg);
                        bounds.push(buf.len());
                    }
                }
            }
            let Some(conn) = self.conn.as_mut() else {
                continue;
            };
            match conn.send(&buf, &bounds) {
                Ok(()) => {
                    let n = rows.len() as u64;
                    self.m.sent.fetch_add(n, Ordering::Relaxed);
                    self.tm.sent(n);
                    self.sent_uncommitted += n;
                    self.sent = last;
                    if stream_framing.is_none() {
                        self.acked = last;
                        self.tm.delivered(&stamps);
                    } else {
                        self.pending
                            .push_back((last, Instant::now(), std::mem::take(&mut stamps)));
                    }
                    self.backoff.reset();
                }
                Err(e) => self.connection_lost(&e),
            }
        }
        self.commit(true);
        self.tm.connected(false);
    }

    /// Confirms batches written at least `confirm_after` ago if the connection is still up.
    fn confirm(&mut self) {
        let Some(&(_, t, _)) = self.pending.front() else {
            self.publish();
            return;
        };
        if t.elapsed() < self.cfg.confirm_after {
            return;
        }
        let alive = self.conn.as_mut().is_some_and(Conn::alive);
        if !alive {
            self.connection_lost(&TransportError::Io(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "the receiver closed the connection",
            )));
            return;
        }
        while let Some(&(seq, t, _)) = self.pending.front() {
            if t.elapsed() < self.cfg.confirm_after {
                break;
            }
            self.acked = seq;
            if let Some((_, _, stamps)) = self.pending.pop_front() {
                self.tm.delivered(&stamps);
            }
        }
        self.publish();
        self.commit(false);
    }

    fn publish(&mut self) {
        self.m.acked.store(self.acked, Ordering::Release);
        self.tail = self.tail.max(self.sent);
        self.m
            .queued
            .store((self.tail - self.acked).max(0) as u64, Ordering::Relaxed);
        self.tm.backlog((self.tail - self.acked).max(0) as u64);
    }

    /// Stores the confirmed position (at most every 200 ms unless forced).
    fn commit(&mut self, force: bool) {
        if self.acked == self.committed
            && self.sent_uncommitted == 0
            && self.dropped_uncommitted == 0
        {
            return;
        }
        if !force && self.last_commit.elapsed() < Duration::from_millis(200) {
            return;
        }
        match self.outbox.commit(
            &self.cfg.name,
            self.acked,
            self.sent_uncommitted,
            self.dropped_uncommitted,
        ) {
            Ok(()) => {
                self.committed = self.acked;
                self.sent_uncommitted = 0;
                self.dropped_uncommitted = 0;
                self.last_commit = Instant::now();
            }
            Err(e) => {
                tracing::error!(destination = %self.cfg.name, error = %e, "Cannot record delivery progress; events will be sent again.");
            }
        }
    }

    /// Skips the oldest events when the backlog is over the bound.
    fn enforce_bound(&mut self) {
        let Ok(tail) = self.outbox.tail() else {
            return;
        };
        self.tail = tail;
        self.m
            .queued
            .store((tail - self.acked).max(0) as u64, Ordering::Relaxed);
        self.tm.backlog((tail - self.acked).max(0) as u64);
        let backlog = tail - self.acked;
        if backlog <= self.cfg.max_backlog as i64 {
            return;
        }
        let new_acked = tail - self.cfg.max_backlog as i64;
        let dropped = (new_acked - self.acked) as u64;
        self.acked = new_acked;
        if self.sent < new_acked {
            self.sent = new_acked;
        }
        while self
            .pending
            .front()
            .is_some_and(|(s, _, _)| *s <= new_acked)
        {
            self.pending.pop_front();
        }
        self.m.dropped.fetch_add(dropped, Ordering::Relaxed);
        self.tm.dropped(dropped);
        self.dropped_uncommitted += dropped;
        tracing::error!(
            destination = %self.cfg.name,
            dropped,
            backlog,
            limit = self.cfg.max_backlog,
            "Outbox full for this destination: dropped the oldest events."
        );
        self.publish();
        self.commit(true);
    }

    fn connect_failed(&mut self, e: &TransportError) {
        let delay = self.backoff.fail();
        self.m.connected.store(false, Ordering::Relaxed);
        self.tm.connected(false);
        self.m.set_error(Some(e.to_string()));
        if e.is_permanent() {
            self.m.permanent_failure.store(true, Ordering::Relaxed);
            tracing::error!(destination = %self.cfg.name, error = %e, retry_in_ms = delay.as_millis() as u64, "Cannot connect to the syslog destination; an operator must fix the TLS setup.");
        } else {
            tracing::warn!(destination = %self.cfg.name, error = %e, retry_in_ms = delay.as_millis() as u64, "Cannot connect to the syslog destination; will retry.");
        }
    }

    fn connection_lost(&mut self, e: &TransportError) {
        let resend = (self.sent - self.acked).max(0) as u64;
        self.m.retried.fetch_add(resend, Ordering::Relaxed);
        self.tm.retried(resend);
        self.m.connected.store(false, Ordering::Relaxed);
        self.tm.connected(false);
        self.m.set_error(Some(e.to_string()));
        self.conn = None;
        self.pending.clear();
        self.sent = self.acked;
        let delay = self.backoff.fail();
        tracing::warn!(destination = %self.cfg.name, error = %e, resend, retry_in_ms = delay.as_millis() as u64, "Lost the syslog connection; unconfirmed events will be sent again.");
    }
}
