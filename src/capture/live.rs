//! Live capture on a SPAN / mirror port: libpcap on its own OS thread, a kernel BPF filter, a
//! bounded channel to the pipeline, every drop counted.
//!
//! [`LiveCapture::start`] opens the interface promiscuous with the configured snap length, a
//! kernel buffer of `ring_size_mb` MiB (libpcap's mmapped `TPACKET` ring: V2 in immediate mode,
//! V3 otherwise), and sets the control-plane filter ([`super::filter`]) in the kernel, so user
//! traffic never reaches user space. A thread named `capture-<iface>` reads (libpcap's Linux
//! read loop ignores its timeout while no frame arrives, so [`LiveCapture::stop`] wakes it with
//! `pcap_breakloop`, which is prompt) and hands [`Frame`]s to a bounded
//! `std::sync::mpsc::sync_channel` with `try_send`: it never blocks, a full channel counts
//! `channel_dropped`. [`LiveCapture::stats`] reports libpcap's kernel counters beside ours.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::clock::Timestamp;
use crate::config::capture::Capture;
use crate::wire::LinkType;

use super::filter;

/// Read timeout handed to libpcap (it bounds TPACKET_V3 block latency; stop does not rely on it).
pub const READ_TIMEOUT: Duration = Duration::from_millis(50);

/// How often the capture thread refreshes the kernel counters (`pcap_stats`).
const STATS_INTERVAL: Duration = Duration::from_millis(250);

/// One captured frame, owned, on its way to the pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Kernel capture time.
    pub ts: Timestamp,
    /// Link type of `data` (what `wire::frame::decode` takes).
    pub link: LinkType,
    /// The captured bytes (at most the snap length).
    pub data: Vec<u8>,
    /// Length on the wire.
    pub wire_len: u32,
    /// The interface it was captured on.
    pub interface: Arc<str>,
}

/// Why a live capture could not start.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// The interface does not exist.
    #[error("capture interface {interface}: no such network interface")]
    NoSuchInterface {
        /// The configured interface.
        interface: String,
    },
    /// The process may not capture (needs root or CAP_NET_RAW + CAP_NET_ADMIN).
    #[error(
        "capture interface {interface}: permission denied (run as root or grant CAP_NET_RAW and CAP_NET_ADMIN): {reason}"
    )]
    PermissionDenied {
        /// The configured interface.
        interface: String,
        /// libpcap's message.
        reason: String,
    },
    /// libpcap could not open or configure the interface for another reason.
    #[error("capture interface {interface}: cannot open: {reason}")]
    Open {
        /// The configured interface.
        interface: String,
        /// libpcap's message.
        reason: String,
    },
    /// The BPF filter did not compile or the kernel refused it.
    #[error("capture interface {interface}: filter {filter:?} rejected: {reason}")]
    Filter {
        /// The configured interface.
        interface: String,
        /// The expression.
        filter: String,
        /// libpcap's message.
        reason: String,
    },
    /// The interface's link type is not one the sensor decodes.
    #[error(
        "capture interface {interface}: link type {linktype} ({name}) is not supported (Ethernet and Linux cooked v1/v2 are)"
    )]
    UnsupportedLinkType {
        /// The configured interface.
        interface: String,
        /// DLT number.
        linktype: i32,
        /// libpcap's name for it.
        name: String,
    },
    /// The capture thread could not be spawned.
    #[error("capture interface {interface}: cannot start the capture thread: {source}")]
    Thread {
        /// The configured interface.
        interface: String,
        /// The OS error.
        source: std::io::Error,
    },
}

/// The error type of [`LiveCapture::start`] (named as the pipeline's interface names it).
pub type CaptureError = LiveError;

/// Counters of one live capture, since it started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct CaptureStats {
    /// Frames that passed the kernel filter and were read by the capture thread.
    pub received: u64,
    /// Frames handed to the pipeline channel.
    pub queued: u64,
    /// Bytes of the frames read (captured length).
    pub bytes: u64,
    /// Frames libpcap reports as passed by the filter (`pcap_stats` ps_recv).
    pub kernel_received: u64,
    /// Frames the kernel dropped because the ring was full (`pcap_stats` ps_drop).
    pub kernel_dropped: u64,
    /// Frames the interface or driver dropped (`pcap_stats` ps_ifdrop).
    pub if_dropped: u64,
    /// Frames dropped because the pipeline channel was full.
    pub channel_dropped: u64,
}

impl CaptureStats {
    /// Every drop: kernel ring, interface and channel.
    pub fn dropped(&self) -> u64 {
        self.kernel_dropped + self.if_dropped + self.channel_dropped
    }
}

#[derive(Debug, Default)]
struct Counters {
    received: AtomicU64,
    queued: AtomicU64,
    bytes: AtomicU64,
    kernel_received: AtomicU64,
    kernel_dropped: AtomicU64,
    if_dropped: AtomicU64,
    channel_dropped: AtomicU64,
}

impl Counters {
    fn snapshot(&self) -> CaptureStats {
        let l = |a: &AtomicU64| a.load(Ordering::Relaxed);
        CaptureStats {
            received: l(&self.received),
            queued: l(&self.queued),
            bytes: l(&self.bytes),
            kernel_received: l(&self.kernel_received),
            kernel_dropped: l(&self.kernel_dropped),
            if_dropped: l(&self.if_dropped),
            channel_dropped: l(&self.channel_dropped),
        }
    }
}

/// Reads a live capture's counters from any thread (see [`LiveCapture::stats_handle`]).
#[derive(Debug, Clone)]
pub struct StatsHandle(Arc<Counters>);

impl StatsHandle {
    /// The counters so far.
    pub fn get(&self) -> CaptureStats {
        self.0.snapshot()
    }
}

/// A running capture: owns its OS thread and the receiving end of its channel.
pub struct LiveCapture {
    interface: Arc<str>,
    link: LinkType,
    filter: String,
    rx: Receiver<Frame>,
    counters: Arc<Counters>,
    stop: Arc<AtomicBool>,
    failure: Arc<Mutex<Option<String>>>,
    breaker: pcap::BreakLoop,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for LiveCapture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveCapture")
            .field("interface", &self.interface)
            .field("link", &self.link)
            .field("filter", &self.filter)
            .field("stats", &self.counters.snapshot())
            .finish()
    }
}

impl LiveCapture {
    /// Opens `cfg.interface` and starts the capture thread.
    pub fn start(cfg: &Capture) -> Result<LiveCapture, LiveError> {
        let iface = cfg.interface.as_str();
        let open_err = |e: pcap::Error| classify(iface, e.to_string());
        let sys = Path::new("/sys/class/net");
        if sys.is_dir() && !sys.join(iface).exists() && iface != "any" {
            return Err(LiveError::NoSuchInterface {
                interface: iface.to_owned(),
            });
        }
        let buffer = i32::try_from(u64::from(cfg.ring_size_mb) << 20).unwrap_or(i32::MAX);
        let mut cap = pcap::Capture::from_device(iface)
            .map_err(open_err)?
            .promisc(true)
            .snaplen(i32::try_from(cfg.snaplen).unwrap_or(65535))
            .immediate_mode(cfg.immediate)
            .buffer_size(buffer)
            .timeout(READ_TIMEOUT.as_millis() as i32)
            .open()
            .map_err(open_err)?;
        let dl = cap.get_datalink();
        let link = match LinkType::from_linktype(dl.0) {
            Some(l @ (LinkType::Ethernet | LinkType::LinuxSll | LinkType::LinuxSll2)) => l,
            _ => {
                return Err(LiveError::UnsupportedLinkType {
                    interface: iface.to_owned(),
                    linktype: dl.0,
                    name: dl.get_name().unwrap_or_else(|_| "unknown".into()),
                });
            }
        };
        let filter = match &cfg.filter {
            Some(f) => f.clone(),
            None => filter::control_plane_filter_for(link, cfg.mdns_ssdp),
        };
        cap.filter(&filter, true).map_err(|e| LiveError::Filter {
            interface: iface.to_owned(),
            filter: filter.clone(),
            reason: e.to_string(),
        })?;

        let breaker = cap.breakloop_handle();
        let (tx, rx) = sync_channel(cfg.channel_capacity.max(1));
        let interface: Arc<str> = Arc::from(iface);
        let counters = Arc::new(Counters::default());
        let stop = Arc::new(AtomicBool::new(false));
        let failure = Arc::new(Mutex::new(None));
        let worker = Worker {
            cap,
            link,
            tx,
            interface: interface.clone(),
            counters: counters.clone(),
            stop: stop.clone(),
            failure: failure.clone(),
            last: pcap::Stat {
                received: 0,
                dropped: 0,
                if_dropped: 0,
            },
        };
        let thread = std::thread::Builder::new()
            .name(format!("capture-{iface}"))
            .spawn(move || worker.run())
            .map_err(|source| LiveError::Thread {
                interface: iface.to_owned(),
                source,
            })?;
        tracing::info!(
            interface = %interface,
            link = ?link,
            snaplen = cfg.snaplen,
            ring_size_mb = cfg.ring_size_mb,
            %filter,
            "Live capture started."
        );
        Ok(LiveCapture {
            interface,
            link,
            filter,
            rx,
            counters,
            stop,
            failure,
            breaker,
            thread: Some(thread),
        })
    }

    /// The bounded channel the capture thread fills.
    pub fn receiver(&self) -> &Receiver<Frame> {
        &self.rx
    }

    /// Counters so far. The kernel ones refresh every 250 ms while frames flow, and at stop.
    pub fn stats(&self) -> CaptureStats {
        self.counters.snapshot()
    }

    /// A cloneable, thread-safe view of the counters, for a metrics or logging task that does
    /// not own the capture (the receiver is `Send` but not `Sync`).
    pub fn stats_handle(&self) -> StatsHandle {
        StatsHandle(self.counters.clone())
    }

    /// The interface name.
    pub fn interface(&self) -> &Arc<str> {
        &self.interface
    }

    /// The link type of the frames.
    pub fn link_type(&self) -> LinkType {
        self.link
    }

    /// The BPF expression set in the kernel.
    pub fn filter(&self) -> &str {
        &self.filter
    }

    /// Whether the capture thread is still reading (it ends on a read error, for instance when
    /// the interface disappears; [`LiveCapture::failure`] then says why).
    pub fn is_running(&self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }

    /// The read error that ended the capture thread, if one did.
    pub fn failure(&self) -> Option<String> {
        self.failure.lock().map(|f| f.clone()).unwrap_or(None)
    }

    /// Stops the capture thread (waking it with `pcap_breakloop`) and waits for it. Frames
    /// still in the channel are dropped with it. Returns the final counters (the kernel's read
    /// after the last frame).
    pub fn stop(mut self) -> CaptureStats {
        self.shutdown();
        self.counters.snapshot()
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            self.breaker.breakloop();
            if t.join().is_err() {
                tracing::error!(interface = %self.interface, "Capture thread panicked.");
            }
            let s = self.counters.snapshot();
            tracing::info!(
                interface = %self.interface,
                received = s.received,
                kernel_dropped = s.kernel_dropped,
                if_dropped = s.if_dropped,
                channel_dropped = s.channel_dropped,
                "Live capture stopped."
            );
        }
    }
}

impl Drop for LiveCapture {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn classify(iface: &str, reason: String) -> LiveError {
    let lower = reason.to_ascii_lowercase();
    if lower.contains("no such device") {
        LiveError::NoSuchInterface {
            interface: iface.to_owned(),
        }
    } else if lower.contains("permission") || lower.contains("not permitted") {
        LiveError::PermissionDenied {
            interface: iface.to_owned(),
            reason,
        }
    } else {
        LiveError::Open {
            interface: iface.to_owned(),
            reason,
        }
    }
}

struct Worker {
    cap: pcap::Capture<pcap::Active>,
    link: LinkType,
    tx: SyncSender<Frame>,
    interface: Arc<str>,
    counters: Arc<Counters>,
    stop: Arc<AtomicBool>,
    failure: Arc<Mutex<Option<String>>>,
    last: pcap::Stat,
}

impl Worker {
    fn run(mut self) {
        let mut next_stats = Instant::now() + STATS_INTERVAL;
        let mut since_check = 0u32;
        while !self.stop.load(Ordering::Relaxed) {
            match self.cap.next_packet() {
                Ok(p) => {
                    let frame = Frame {
                        ts: Timestamp::from_secs_micros(p.header.ts.tv_sec, p.header.ts.tv_usec),
                        link: self.link,
                        data: p.data.to_vec(),
                        wire_len: p.header.len,
                        interface: self.interface.clone(),
                    };
                    self.counters.received.fetch_add(1, Ordering::Relaxed);
                    self.counters
                        .bytes
                        .fetch_add(frame.data.len() as u64, Ordering::Relaxed);
                    match self.tx.try_send(frame) {
                        Ok(()) => {
                            self.counters.queued.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(TrySendError::Full(_)) => {
                            self.counters
                                .channel_dropped
                                .fetch_add(1, Ordering::Relaxed);
                        }
                        // The LiveCapture (which owns the receiver) is gone.
                        Err(TrySendError::Disconnected(_)) => break,
                    }
                    since_check += 1;
                    if since_check < 256 {
                        continue;
                    }
                }
                Err(pcap::Error::TimeoutExpired) => {}
                // pcap_breakloop from stop().
                Err(pcap::Error::NoMorePackets) if self.stop.load(Ordering::Relaxed) => break,
                Err(e) => {
                    let msg = e.to_string();
                    tracing::error!(interface = %self.interface, error = %msg, "Capture read failed; the capture stopped.");
                    if let Ok(mut f) = self.failure.lock() {
                        *f = Some(msg);
                    }
                    break;
                }
            }
            since_check = 0;
            let now = Instant::now();
            if now >= next_stats {
                self.refresh_stats();
                next_stats = now + STATS_INTERVAL;
            }
        }
        self.refresh_stats();
    }

    /// Adds libpcap's counters (32-bit, wrapping) to ours as deltas.
    fn refresh_stats(&mut self) {
        let Ok(s) = self.cap.stats() else { return };
        let add = |a: &AtomicU64, now: u32, before: u32| {
            a.fetch_add(u64::from(now.wrapping_sub(before)), Ordering::Relaxed);
        };
        add(
            &self.counters.kernel_received,
            s.received,
            self.last.received,
        );
        add(&self.counters.kernel_dropped, s.dropped, self.last.dropped);
        add(
            &self.counters.if_dropped,
            s.if_dropped,
            self.last.if_dropped,
        );
        let new_drops = s.dropped.wrapping_sub(self.last.dropped);
        if new_drops > 0 {
            tracing::warn!(interface = %self.interface, dropped = new_drops, "Capture ring overflowed.");
        }
        self.last = s;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_interface_is_named() {
        let e = LiveCapture::start(&Capture::new("cybriq-nope0")).unwrap_err();
        assert!(matches!(e, LiveError::NoSuchInterface { .. }), "{e:?}");
        assert!(e.to_string().contains("cybriq-nope0"), "{e}");
    }

    #[test]
    fn libpcap_messages_are_classified() {
        let e = classify("eth9", "eth9: No such device exists (SIOCGIFHWADDR)".into());
        assert!(matches!(e, LiveError::NoSuchInterface { .. }));
        let e = classify(
            "eth9",
            "You don't have permission to capture on that device (socket: Operation not permitted)"
                .into(),
        );
        assert!(matches!(e, LiveError::PermissionDenied { .. }));
        assert!(e.to_string().contains("eth9"));
        let e = classify("eth9", "something else".into());
        assert!(matches!(e, LiveError::Open { .. }));
    }

    #[test]
    fn stats_sum_drops() {
        let s = CaptureStats {
            kernel_dropped: 1,
            if_dropped: 2,
            channel_dropped: 3,
            ..Default::default()
        };
        assert_eq!(s.dropped(), 6);
    }
}
