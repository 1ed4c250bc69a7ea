//! `cybriq run`: the appliance daemon.
//!
//! Threads: one per capture interface (libpcap, in [`crate::capture::live`]) plus a forwarder
//! per capture that owns it and moves its frames into the pipeline's input channel; the SNMP
//! poller (a small tokio runtime polling each configured switch on its own interval, see
//! [`super::polling`]); a one-second clock; a signal thread (SIGTERM/SIGINT stop, SIGHUP reloads); the
//! store writer and the emitter's destination workers. The pipeline itself runs on the calling
//! thread and is the only one that touches its state.
//!
//! Time: everything the pipeline is handed (frames, port tables, the ticks that run the
//! departure, silence, orphan and 802.1X grace timers) carries the [`SensorClock`]'s time, the
//! wall time at start plus the monotonic time elapsed: a step of the wall clock fires no timer
//! (see [`super::clock`]).
//!
//! SIGHUP re-reads the configuration, the reference database and the firmware profiles and
//! applies them, all or nothing, without losing any port's state (see [`super::reload`]):
//! thresholds, port profiles, change windows, suppressions, switches and destinations; an
//! invalid new configuration is logged at ERROR and the running one kept. Captures are not
//! restarted by a reload (a changed `[[capture]]` is logged as needing a restart).
//!
//! Under systemd (`Type=notify`) the daemon reports `READY=1` once every part runs, pings the
//! watchdog from the loop that runs the timers (each tick), and reports `STOPPING=1` on stop
//! (see [`super::systemd`]).

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::capture::live::{CaptureStats, Frame, LiveCapture, StatsHandle};
use crate::clock::Timestamp;
use crate::config::ConfigError;
use crate::emit::{Emitter, Settings as EmitSettings};
use crate::snmp::{BuildOptions, PollOptions, PortTable, Target, poll_each};
use crate::store::{self, Writer, WriterSettings};

use super::clock::{SensorClock, SystemClocks};
use super::polling::{Schedule, scheduled};
use super::reload::{self, Running, engine_parts};
use super::{Pipeline, Settings, tap_rules};

/// Why the daemon could not start.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The reference database could not be loaded.
    #[error("reference database: {0}")]
    Refdb(#[from] crate::refdb::RefdbError),
    /// The store could not be opened.
    #[error("store: {0}")]
    Store(#[from] crate::store::StoreError),
    /// The emitter could not start.
    #[error("syslog emitter: {0}")]
    Emit(#[from] crate::emit::EmitError),
    /// A capture could not start.
    #[error(transparent)]
    Capture(#[from] crate::capture::live::LiveError),
    /// The REST API could not start.
    #[error(transparent)]
    Api(#[from] crate::api::StartError),
    /// The metrics recorder or listener could not start.
    #[error(transparent)]
    Telemetry(#[from] crate::telemetry::TelemetryError),
    /// A thread could not be started, or signals not registered.
    #[error("{what}: {source}")]
    Os {
        /// What was being set up.
        what: &'static str,
        /// The error.
        source: std::io::Error,
    },
}

impl DaemonError {
    /// The configuration, or a file or directory it names (reference database, firmware
    /// profiles, TLS or secret files, a `sensor.data_dir` that cannot be created or written, a
    /// database written by a newer cybriq), is unusable: restarting will not help until it is
    /// fixed.
    pub fn is_config(&self) -> bool {
        use crate::store::StoreError;
        match self {
            DaemonError::Config(_) | DaemonError::Refdb(_) => true,
            DaemonError::Store(e) => matches!(
                e,
                StoreError::Dir { .. } | StoreError::Create { .. } | StoreError::TooNew { .. }
            ),
            DaemonError::Emit(e) => matches!(e, crate::emit::EmitError::Tls(_)),
            DaemonError::Api(e) => matches!(
                e,
                crate::api::StartError::Tls(_) | crate::api::StartError::Integrations(_)
            ),
            _ => false,
        }
    }
}

enum Input {
    Frame(Frame),
    Table(Box<PortTable>, Timestamp),
    Tick(Timestamp),
    /// A suppression or change window from the API, acknowledged once applied.
    Control(crate::engine::Control, crate::api::link::Ack),
    Reload,
    Stop,
}

/// A captured frame with the sensor time it was received at (the kernel's capture time is wall
/// time, which may step).
fn stamped(mut f: Frame, clock: &SensorClock) -> Frame {
    f.ts = clock.now();
    f
}

struct Forwarder {
    stop: Arc<AtomicBool>,
    stats: Arc<Mutex<CaptureStats>>,
    interface: String,
    handle: JoinHandle<()>,
    /// The capture's live counters and the frames moved into the pipeline's channel (for
    /// the queue-depth metrics).
    live: StatsHandle,
    forwarded: Arc<AtomicU64>,
    metrics: crate::telemetry::CaptureMetrics,
}

fn forward(
    cap: LiveCapture,
    tx: SyncSender<Input>,
    clock: SensorClock,
) -> Result<Forwarder, DaemonError> {
    let stop = Arc::new(AtomicBool::new(false));
    let stats = Arc::new(Mutex::new(CaptureStats::default()));
    let interface = cap.interface().to_string();
    let (live, forwarded) = (cap.stats_handle(), Arc::new(AtomicU64::new(0)));
    let (s, st, fw) = (stop.clone(), stats.clone(), forwarded.clone());
    let handle = std::thread::Builder::new()
        .name(format!("fwd-{interface}"))
        .spawn(move || {
            let mut last = Instant::now();
            while !s.load(Ordering::Relaxed) {
                match cap.receiver().recv_timeout(Duration::from_millis(100)) {
                    Ok(f) => {
                        if tx.send(Input::Frame(stamped(f, &clock))).is_err() {
                            break;
                        }
                        fw.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => break,
                }
                if last.elapsed() >= Duration::from_secs(1) {
                    *st.lock().unwrap_or_else(|p| p.into_inner()) = cap.stats();
                    last = Instant::now();
                }
            }
            *st.lock().unwrap_or_else(|p| p.into_inner()) = cap.stats();
            cap.stop();
        })
        .map_err(|source| DaemonError::Os {
            what: "starting a capture forwarder",
            source,
        })?;
    Ok(Forwarder {
        stop,
        stats,
        metrics: crate::telemetry::CaptureMetrics::new(&interface),
        interface,
        handle,
        live,
        forwarded,
    })
}

/// Capacity of the pipeline's input channel (frames, port tables, ticks, controls).
const INPUT_CAPACITY: usize = 65_536;

/// How long the poller sleeps at most between looks at its schedule (a stop, or a reload
/// that adds a switch, is noticed this fast).
const POLL_NAP: Duration = Duration::from_millis(100);

fn poller(
    schedule: Arc<Mutex<Schedule>>,
    tx: SyncSender<Input>,
    stop: Arc<AtomicBool>,
    clock: SensorClock,
) -> Result<JoinHandle<()>, DaemonError> {
    std::thread::Builder::new()
        .name("snmp-poller".into())
        .spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    tracing::error!(error = %e, "Cannot start the SNMP runtime; no switch will be polled.");
                    return;
                }
            };
            while !stop.load(Ordering::Relaxed) {
                let due = schedule
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .take_due(Instant::now());
                if due.is_empty() {
                    std::thread::sleep(POLL_NAP);
                    continue;
                }
                let (targets, builds): (Vec<Target>, Vec<BuildOptions>) = due.into_iter().unzip();
                let mut polls = rt.block_on(poll_each(&targets, &builds, &PollOptions::default()));
                schedule
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .mark_uplinks(&mut polls);
                let now = clock.now();
                for p in polls {
                    crate::telemetry::polled(&p);
                    tracing::info!(switch = %p.table.switch.name, status = ?p.table.status,
                        ports = p.table.ports.len(), requests = p.stats.requests,
                        elapsed_ms = p.stats.elapsed.as_millis() as u64, "Polled.");
                    if tx.send(Input::Table(Box::new(p.table), now)).is_err() {
                        return;
                    }
                }
            }
        })
        .map_err(|source| DaemonError::Os {
            what: "starting the SNMP poller",
            source,
        })
}

/// Wall-clock steps larger than this are logged.
const STEP_LOGGED_US: i64 = 2_000_000;

/// The time of the next tick; logs a step of the wall clock since the last one (`offset`:
/// the wall clock's offset from the sensor time then).
fn tick_time(clock: &SensorClock, offset: &mut i64) -> Timestamp {
    let now = clock.now();
    let o = clock.offset_us();
    if (o - *offset).abs() > STEP_LOGGED_US {
        tracing::warn!(
            step_secs = (o - *offset) as f64 / 1e6,
            "The wall clock stepped; the sensor's timers keep monotonic time (event \
             timestamps stay on the time line the sensor started with until it restarts)."
        );
        *offset = o;
    }
    now
}

/// Sends a tick of sensor time every `every` until `stop`.
fn ticks(tx: &SyncSender<Input>, stop: &AtomicBool, clock: &SensorClock, every: Duration) {
    let mut offset = clock.offset_us();
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(every);
        if tx.send(Input::Tick(tick_time(clock, &mut offset))).is_err() {
            return;
        }
    }
}

fn clock(
    tx: SyncSender<Input>,
    stop: Arc<AtomicBool>,
    clock: SensorClock,
) -> Result<JoinHandle<()>, DaemonError> {
    std::thread::Builder::new()
        .name("clock".into())
        .spawn(move || ticks(&tx, &stop, &clock, Duration::from_secs(1)))
        .map_err(|source| DaemonError::Os {
            what: "starting the clock",
            source,
        })
}

fn signals(tx: SyncSender<Input>) -> Result<signal_hook::iterator::Handle, DaemonError> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut sigs =
        signal_hook::iterator::Signals::new([SIGTERM, SIGINT, SIGHUP]).map_err(|source| {
            DaemonError::Os {
                what: "registering signal handlers",
                source,
            }
        })?;
    let handle = sigs.handle();
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            for s in sigs.forever() {
                let msg = if s == SIGHUP {
                    Input::Reload
                } else {
                    Input::Stop
                };
                if tx.send(msg).is_err() {
                    return;
                }
            }
        })
        .map_err(|source| DaemonError::Os {
            what: "starting the signal thread",
            source,
        })?;
    Ok(handle)
}

/// Runs the daemon until SIGTERM/SIGINT.
pub fn run(config_path: &Path) -> Result<(), DaemonError> {
    let running = Running::load(config_path)?;
    let cfg = &running.cfg;
    // Before any part starts, so every part's series register against it.
    let telemetry = crate::telemetry::install()?;
    let (builder, refdb) = engine_parts(cfg)?;
    let schedule = Arc::new(Mutex::new(Schedule::new(scheduled(cfg, Instant::now())?)));
    let db = store::db_path(&cfg.sensor.data_dir);
    // The store first: an unusable data directory is named as such, not as the outbox's.
    let conn = store::open(&db)?;
    let hostname = if cfg.sensor.hostname.is_empty() {
        crate::emit::system_hostname()
    } else {
        cfg.sensor.hostname.clone()
    };
    // Always started, with no destination too: a reload may add one.
    let emitter = Arc::new(Emitter::start(
        &EmitSettings {
            db: db.clone(),
            hostname,
            procid: std::process::id().to_string(),
        },
        &cfg.destination,
    )?);
    let e = emitter.clone();
    let notify: Option<store::Notify> = Some(Box::new(move || e.notify()));
    let writer = Arc::new(Writer::start(
        &db,
        WriterSettings {
            retention: Some(cfg.retention.settings()),
            ..WriterSettings::default()
        },
        notify,
    )?);
    let (states, floor) = (
        store::read::port_states(&conn)?,
        store::read::latest_time(&conn)?,
    );
    let sensor_clock = SensorClock::new(Arc::new(SystemClocks::new()), floor);
    let mut pipeline = Pipeline::new(
        cfg,
        Settings::default(),
        builder,
        refdb,
        tap_rules(cfg, &[]),
        Some(writer.clone()),
    );
    let restored = pipeline.restore(states);
    let controls = pipeline.restore_controls(&conn, sensor_clock.now())?;
    drop(conn);
    tracing::info!(db = %db.display(), ports = restored, controls, "Store opened; port states restored (and the suppressions and change windows in force).");

    let metrics_server = match cfg.metrics.listen_addr()? {
        Some(addr) => Some(crate::telemetry::server::start(addr, telemetry)?),
        None => None,
    };
    let (tx, rx) = sync_channel::<Input>(INPUT_CAPACITY);
    let inbox = tx.clone();
    let api = crate::api::start(
        cfg,
        Some(crate::api::EngineLink::new(move |c, ack| {
            inbox.send(Input::Control(c, ack)).is_ok()
        })),
    )?;
    let stop = Arc::new(AtomicBool::new(false));
    let mut forwarders = Vec::new();
    for c in &cfg.capture {
        let cap = LiveCapture::start(c)?;
        tracing::info!(interface = %c.interface, filter = %cap.filter(), "Capturing.");
        forwarders.push(forward(cap, tx.clone(), sensor_clock.clone())?);
    }
    if forwarders.is_empty() {
        tracing::warn!("No [[capture]] configured: the sensor only polls switches.");
    }
    let poll_thread = poller(
        schedule.clone(),
        tx.clone(),
        stop.clone(),
        sensor_clock.clone(),
    )?;
    let clock_thread = clock(tx.clone(), stop.clone(), sensor_clock)?;
    let sig = signals(tx.clone())?;
    drop(tx);
    tracing::info!(site = %cfg.sensor.site, captures = forwarders.len(), switches = cfg.switch.len(), "Sensor running.");
    let notifier = super::systemd::Notifier::from_env();
    if let Some(n) = &notifier {
        n.ready(&format!(
            "Running: {} capture(s), {} switch(es).",
            forwarders.len(),
            cfg.switch.len()
        ));
    }

    let mut running = running;
    let mut looped = Loop {
        pipeline: &mut pipeline,
        running: &mut running,
        config_path,
        schedule: &schedule,
        emitter: &emitter,
        writer: &writer,
        forwarders: &forwarders,
        frames: 0,
        last_stats: Instant::now(),
        notifier: notifier.as_ref(),
    };
    looped.publish_metrics();
    looped.run(&rx);

    tracing::info!("Stopping.");
    if let Some(n) = &notifier {
        n.stopping();
    }
    if let Some(a) = api {
        a.stop();
    }
    if let Some(m) = metrics_server {
        m.stop();
    }
    stop.store(true, Ordering::Relaxed);
    sig.close();
    for f in &forwarders {
        f.stop.store(true, Ordering::Relaxed);
    }
    // Keep draining so no sender blocks on a full channel while the threads stop.
    let drain = std::thread::spawn(move || while rx.recv().is_ok() {});
    for f in forwarders {
        let _ = f.handle.join();
    }
    let _ = poll_thread.join();
    let _ = clock_thread.join();
    pipeline.finish();
    writer.stop();
    let _ = drain.join();
    // Give the destinations a moment for what is queued; the rest stays in the outbox.
    if let Ok(outcomes) = emitter.drain(Duration::from_secs(5)) {
        for (name, o) in outcomes {
            tracing::info!(destination = %name, outcome = ?o, "Destination at shutdown.");
        }
    }
    if let Ok(e) = Arc::try_unwrap(emitter) {
        e.shutdown();
    }
    tracing::info!(stats = ?pipeline.stats(), "Stopped.");
    Ok(())
}

/// The pipeline thread's loop and what it needs.
struct Loop<'a> {
    pipeline: &'a mut Pipeline,
    running: &'a mut Running,
    config_path: &'a Path,
    schedule: &'a Mutex<Schedule>,
    emitter: &'a Emitter,
    writer: &'a Writer,
    forwarders: &'a [Forwarder],
    /// Frames taken from the input channel.
    frames: u64,
    last_stats: Instant,
    notifier: Option<&'a super::systemd::Notifier>,
}

impl Loop<'_> {
    fn run(&mut self, rx: &Receiver<Input>) {
        while let Ok(msg) = rx.recv() {
            match msg {
                Input::Frame(f) => {
                    self.frames += 1;
                    self.pipeline.frame(&f.interface, f.link, f.ts, &f.data);
                }
                Input::Table(t, now) => self.pipeline.table(&t, now),
                Input::Tick(now) => self.tick(now),
                Input::Control(c, ack) => {
                    self.pipeline.control(c);
                    let _ = ack.send(());
                }
                Input::Reload => {
                    tracing::info!(config = %self.config_path.display(), "SIGHUP: reloading configuration, reference data and firmware profiles.");
                    let r = reload::reload(
                        self.config_path,
                        self.running,
                        reload::Targets {
                            pipeline: self.pipeline,
                            schedule: self.schedule,
                            emitter: self.emitter,
                            writer: Some(self.writer),
                        },
                    );
                    reload::log(self.config_path, &r);
                    crate::telemetry::reloaded(match &r {
                        Ok(_) => crate::telemetry::ReloadOutcome::Applied,
                        Err(DaemonError::Refdb(_)) => crate::telemetry::ReloadOutcome::RefdbFailed,
                        Err(_) => crate::telemetry::ReloadOutcome::Refused,
                    });
                }
                Input::Stop => return,
            }
        }
    }

    fn tick(&mut self, now: Timestamp) {
        self.pipeline.tick(now);
        // The watchdog vouches for the loop that runs the timers.
        if let Some(n) = self.notifier {
            n.watchdog();
        }
        self.publish_metrics();
        if self.last_stats.elapsed() >= Duration::from_secs(60) {
            log_stats(self.pipeline, self.forwarders);
            self.last_stats = Instant::now();
        }
    }

    /// The sampled metrics: capture counters and queue depths, the store writer's counters.
    fn publish_metrics(&self) {
        let mut forwarded = 0;
        for f in self.forwarders {
            let n = f.forwarded.load(Ordering::Relaxed);
            forwarded += n;
            f.metrics.publish(&f.live.get(), n);
        }
        crate::telemetry::pipeline_queue(
            forwarded.saturating_sub(self.frames),
            self.frames,
            INPUT_CAPACITY,
        );
        crate::telemetry::store_stats(self.writer.stats());
    }
}

fn log_stats(pipeline: &Pipeline, forwarders: &[Forwarder]) {
    for f in forwarders {
        let s = *f.stats.lock().unwrap_or_else(|p| p.into_inner());
        if s.dropped() > 0 {
            tracing::warn!(interface = %f.interface, received = s.received,
                kernel_dropped = s.kernel_dropped, if_dropped = s.if_dropped,
                channel_dropped = s.channel_dropped, "Capture drops.");
        } else {
            tracing::info!(interface = %f.interface, received = s.received, "Capture.");
        }
    }
    tracing::info!(stats = ?pipeline.stats(), "Pipeline.");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribution::{PortRef, TapRule};
    use crate::config::Config;
    use crate::dna::DnaBuilder;
    use crate::event::Event;
    use crate::pipeline::clock::TimeSource;
    use crate::pipeline::clock::fake::FakeClocks;
    use crate::refdb::RefDb;
    use crate::snmp::{MacEntry, Port, Reachability, SwitchInfo};
    use crate::wire::LinkType;

    const T0: Timestamp = Timestamp(1_760_000_000_000_000);
    const DAY_US: i64 = 86_400_000_000;

    /// An LLDP frame from the corpus and its sender.
    fn lldp_frame() -> (Vec<u8>, String) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/lldpd/sg200.pcap");
        let (link, recs, _) = crate::capture::read_all(&path).expect("corpus capture");
        assert_eq!(link, LinkType::Ethernet);
        let (_, data) = recs
            .into_iter()
            .find(|(_, d)| d.len() > 14 && d[12..14] == [0x88, 0xcc])
            .expect("an LLDP frame");
        let mac = crate::wire::MacAddr(data[6..12].try_into().unwrap()).to_string();
        (data, mac)
    }

    fn table(mac: &str) -> PortTable {
        PortTable {
            switch: SwitchInfo {
                name: "access-1".into(),
                ..SwitchInfo::default()
            },
            status: Reachability::Ok,
            ports: vec![Port {
                if_index: 1,
                name: "Gi1/0/1".into(),
                oper_status: Some("up".into()),
                macs: vec![MacEntry {
                    mac: mac.into(),
                    vlan: Some(10),
                }],
                ..Port::default()
            }],
            ..PortTable::default()
        }
    }

    #[test]
    fn a_wall_clock_step_either_way_fires_no_timer() {
        let src = Arc::new(FakeClocks::at(T0));
        let clock = SensorClock::new(src.clone(), None);
        let cfg = Config::default();
        let events: Arc<Mutex<Vec<Event>>> = Arc::default();
        let seen = events.clone();
        let mut p = Pipeline::new(
            &cfg,
            Settings::default(),
            DnaBuilder::new(cfg.dna.params()),
            Arc::new(RefDb::builtin().unwrap()),
            vec![TapRule {
                interface: "span0".into(),
                vlan: None,
                port: PortRef {
                    switch: "access-1".into(),
                    port: "Gi1/0/1".into(),
                },
            }],
            None,
        )
        .with_seed(7)
        .with_sink(Box::new(move |e: &[Event]| {
            seen.lock().unwrap().extend_from_slice(e)
        }));
        let (data, mac) = lldp_frame();
        let interface: Arc<str> = Arc::from("span0");
        let mut offset = clock.offset_us();
        // What the daemon's threads do: a poll, frames as captured (kernel wall time), ticks.
        let frame = |src: &FakeClocks| Frame {
            ts: src.wall(),
            link: LinkType::Ethernet,
            data: data.clone(),
            wire_len: data.len() as u32,
            interface: interface.clone(),
        };
        p.table(&table(&mac), clock.now());
        // Ten minutes of an ordinary phone: a frame every 30 s, a tick every second.
        for s in 0..600 {
            if s % 30 == 0 {
                let f = stamped(frame(&src), &clock);
                p.frame(&f.interface, f.link, f.ts, &f.data);
            }
            src.pass(Duration::from_secs(1));
            p.tick(tick_time(&clock, &mut offset));
        }
        let before = events.lock().unwrap().len();
        assert!(before >= 1, "the phone was attributed and appeared");
        // The wall clock jumps thirty days ahead (past the 7-day silence and 14-day orphan
        // timers); a few seconds pass; a frame arrives; then it is set sixty days back.
        src.step_wall(30 * DAY_US);
        for _ in 0..5 {
            src.pass(Duration::from_secs(1));
            p.tick(tick_time(&clock, &mut offset));
        }
        let f = stamped(frame(&src), &clock);
        assert_eq!(
            f.ts,
            Timestamp(T0.0 + 605_000_000),
            "frames carry sensor time"
        );
        p.frame(&f.interface, f.link, f.ts, &f.data);
        src.step_wall(-60 * DAY_US);
        for _ in 0..5 {
            src.pass(Duration::from_secs(1));
            let t = tick_time(&clock, &mut offset);
            assert!(t > f.ts, "sensor time never goes back");
            p.tick(t);
        }
        let e = events.lock().unwrap().clone();
        assert!(
            e.len() == before,
            "a wall-clock step raised {:?}",
            e[before..].iter().map(|e| e.event).collect::<Vec<_>>()
        );
        // The same ticks on the wall clock (what the daemon did before) would have paged: the
        // scenario can tell the two apart.
        src.step_wall(60 * DAY_US);
        p.tick(src.wall());
        assert!(
            events.lock().unwrap().len() > before,
            "a thirty-day jump of the ticks' time fires the silence timer"
        );
    }
}
