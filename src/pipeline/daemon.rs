//! `cybriq run`: the appliance daemon.
//!
//! Threads: one per capture interface (libpcap, in [`crate::capture::live`]) plus a forwarder
//! per capture that owns it and moves its frames into the pipeline's input channel; the SNMP
//! poller (a small tokio runtime polling every configured switch, at the shortest configured
//! interval); a one-second clock; a signal thread (SIGTERM/SIGINT stop, SIGHUP reloads); the
//! store writer and the emitter's destination workers. The pipeline itself runs on the calling
//! thread and is the only one that touches its state.
//!
//! SIGHUP re-reads the configuration, the reference database and the firmware profiles and
//! applies them without losing any port's state; an invalid new configuration is logged at
//! ERROR and the running one kept. Captures are not restarted by a reload (a changed
//! `[[capture]]` list is logged as needing a restart); the switch list is.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::capture::live::{CaptureStats, Frame, LiveCapture};
use crate::clock::Timestamp;
use crate::config::{Config, ConfigError};
use crate::dna::DnaBuilder;
use crate::emit::{Emitter, Settings as EmitSettings};
use crate::refdb::RefDb;
use crate::snmp::{BuildOptions, PollOptions, PortTable, Target, poll_all};
use crate::store::{self, Writer, WriterSettings};

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
    /// A thread could not be started, or signals not registered.
    #[error("{what}: {source}")]
    Os {
        /// What was being set up.
        what: &'static str,
        /// The error.
        source: std::io::Error,
    },
}

enum Input {
    Frame(Frame),
    Table(Box<PortTable>, Timestamp),
    Tick(Timestamp),
    Reload,
    Stop,
}

fn wall() -> Timestamp {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Timestamp(i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

/// The parts built from a configuration.
struct Built {
    builder: DnaBuilder,
    refdb: Arc<RefDb>,
    targets: Vec<Target>,
    edge_mac_limit: usize,
    poll_every: Duration,
}

fn build(cfg: &Config) -> Result<Built, DaemonError> {
    let builder = DnaBuilder::with_profiles(cfg.dna.params(), cfg.dna.load_profiles()?);
    let refdb = Arc::new(cfg.refdb.load()?);
    let mut targets = Vec::new();
    for (i, s) in cfg.switch.iter().enumerate() {
        targets.push(s.target(&format!("switch[{i}]"))?);
    }
    Ok(Built {
        builder,
        refdb,
        targets,
        edge_mac_limit: cfg
            .switch
            .iter()
            .map(|s| s.edge_mac_limit)
            .min()
            .unwrap_or(16),
        poll_every: Duration::from_secs(
            cfg.switch
                .iter()
                .map(|s| s.poll_interval_secs)
                .min()
                .unwrap_or(300)
                .max(1),
        ),
    })
}

struct Forwarder {
    stop: Arc<AtomicBool>,
    stats: Arc<Mutex<CaptureStats>>,
    interface: String,
    handle: JoinHandle<()>,
}

fn forward(cap: LiveCapture, tx: SyncSender<Input>) -> Result<Forwarder, DaemonError> {
    let stop = Arc::new(AtomicBool::new(false));
    let stats = Arc::new(Mutex::new(CaptureStats::default()));
    let interface = cap.interface().to_string();
    let (s, st) = (stop.clone(), stats.clone());
    let handle = std::thread::Builder::new()
        .name(format!("fwd-{interface}"))
        .spawn(move || {
            let mut last = Instant::now();
            while !s.load(Ordering::Relaxed) {
                match cap.receiver().recv_timeout(Duration::from_millis(100)) {
                    Ok(f) => {
                        if tx.send(Input::Frame(f)).is_err() {
                            break;
                        }
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
        interface,
        handle,
    })
}

type SharedTargets = Arc<Mutex<(Vec<Target>, usize, Duration)>>;

fn poller(
    targets: SharedTargets,
    tx: SyncSender<Input>,
    stop: Arc<AtomicBool>,
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
                let (ts, limit, every) = targets.lock().unwrap_or_else(|p| p.into_inner()).clone();
                let started = Instant::now();
                if !ts.is_empty() {
                    let opts = PollOptions {
                        build: BuildOptions {
                            edge_mac_limit: limit,
                        },
                        ..PollOptions::default()
                    };
                    let polls = rt.block_on(poll_all(&ts, &opts));
                    let now = wall();
                    for p in polls {
                        tracing::info!(switch = %p.table.switch.name, status = ?p.table.status,
                            ports = p.table.ports.len(), requests = p.stats.requests,
                            elapsed_ms = p.stats.elapsed.as_millis() as u64, "Polled.");
                        if tx.send(Input::Table(Box::new(p.table), now)).is_err() {
                            return;
                        }
                    }
                }
                // Sleep in small steps so a stop is prompt.
                while started.elapsed() < every && !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        })
        .map_err(|source| DaemonError::Os {
            what: "starting the SNMP poller",
            source,
        })
}

fn clock(tx: SyncSender<Input>, stop: Arc<AtomicBool>) -> Result<JoinHandle<()>, DaemonError> {
    std::thread::Builder::new()
        .name("clock".into())
        .spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_secs(1));
                if tx.send(Input::Tick(wall())).is_err() {
                    return;
                }
            }
        })
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
    let cfg = Config::load(config_path)?;
    let built = build(&cfg)?;
    let db = store::db_path(&cfg.sensor.data_dir);
    let hostname = if cfg.sensor.hostname.is_empty() {
        crate::emit::system_hostname()
    } else {
        cfg.sensor.hostname.clone()
    };
    let emitter = if cfg.destination.is_empty() {
        None
    } else {
        Some(Arc::new(Emitter::start(
            &EmitSettings {
                db: db.clone(),
                hostname,
                procid: std::process::id().to_string(),
            },
            &cfg.destination,
        )?))
    };
    let notify: Option<store::Notify> = emitter.clone().map(|e| {
        let f: store::Notify = Box::new(move || e.notify());
        f
    });
    let writer = Arc::new(Writer::start(&db, WriterSettings::default(), notify)?);
    let states = store::read::port_states(&store::open(&db)?)?;
    let mut pipeline = Pipeline::new(
        &cfg,
        Settings::default(),
        built.builder,
        built.refdb,
        tap_rules(&cfg, &[]),
        Some(writer.clone()),
    );
    let restored = pipeline.restore(states);
    tracing::info!(db = %db.display(), ports = restored, "Store opened; port states restored.");
    let api = crate::api::start(&cfg)?;

    let (tx, rx) = sync_channel::<Input>(65_536);
    let stop = Arc::new(AtomicBool::new(false));
    let mut forwarders = Vec::new();
    for c in &cfg.capture {
        let cap = LiveCapture::start(c)?;
        tracing::info!(interface = %c.interface, filter = %cap.filter(), "Capturing.");
        forwarders.push(forward(cap, tx.clone())?);
    }
    if forwarders.is_empty() {
        tracing::warn!("No [[capture]] configured: the sensor only polls switches.");
    }
    let targets: SharedTargets = Arc::new(Mutex::new((
        built.targets,
        built.edge_mac_limit,
        built.poll_every,
    )));
    let poll_thread = poller(targets.clone(), tx.clone(), stop.clone())?;
    let clock_thread = clock(tx.clone(), stop.clone())?;
    let sig = signals(tx.clone())?;
    drop(tx);
    tracing::info!(site = %cfg.sensor.site, captures = forwarders.len(), switches = cfg.switch.len(), "Sensor running.");

    let mut current = cfg;
    let mut last_stats = Instant::now();
    main_loop(
        &rx,
        &mut pipeline,
        &mut current,
        config_path,
        &targets,
        &forwarders,
        &mut last_stats,
    );

    tracing::info!("Stopping.");
    if let Some(a) = api {
        a.stop();
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
    if let Some(e) = emitter {
        // Give the destinations a moment for what is queued; the rest stays in the outbox.
        if let Ok(outcomes) = e.drain(Duration::from_secs(5)) {
            for (name, o) in outcomes {
                tracing::info!(destination = %name, outcome = ?o, "Destination at shutdown.");
            }
        }
        if let Ok(e) = Arc::try_unwrap(e) {
            e.shutdown();
        }
    }
    tracing::info!(stats = ?pipeline.stats(), "Stopped.");
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn main_loop(
    rx: &Receiver<Input>,
    pipeline: &mut Pipeline,
    current: &mut Config,
    config_path: &Path,
    targets: &SharedTargets,
    forwarders: &[Forwarder],
    last_stats: &mut Instant,
) {
    while let Ok(msg) = rx.recv() {
        match msg {
            Input::Frame(f) => pipeline.frame(&f.interface, f.link, f.ts, &f.data),
            Input::Table(t, now) => pipeline.table(&t, now),
            Input::Tick(now) => {
                pipeline.tick(now);
                if last_stats.elapsed() >= Duration::from_secs(60) {
                    log_stats(pipeline, forwarders);
                    *last_stats = Instant::now();
                }
            }
            Input::Reload => reload(pipeline, current, config_path, targets),
            Input::Stop => return,
        }
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

fn reload(pipeline: &mut Pipeline, current: &mut Config, path: &Path, targets: &SharedTargets) {
    tracing::info!(config = %path.display(), "SIGHUP: reloading configuration, reference data and firmware profiles.");
    let cfg = match Config::load(path) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "Reload refused: the new configuration is invalid; keeping the running one.");
            return;
        }
    };
    let built = match build(&cfg) {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "Reload refused; keeping the running configuration.");
            return;
        }
    };
    let old_ifaces: Vec<&str> = current
        .capture
        .iter()
        .map(|c| c.interface.as_str())
        .collect();
    let new_ifaces: Vec<&str> = cfg.capture.iter().map(|c| c.interface.as_str()).collect();
    if old_ifaces != new_ifaces {
        tracing::warn!("The [[capture]] list changed: restart the sensor to apply it.");
    }
    pipeline.reload(&cfg, built.builder, built.refdb, tap_rules(&cfg, &[]));
    *targets.lock().unwrap_or_else(|p| p.into_inner()) =
        (built.targets, built.edge_mac_limit, built.poll_every);
    *current = cfg;
    tracing::info!("Reloaded.");
}
