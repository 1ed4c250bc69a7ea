//! Live capture under load, with `tcpdump -w /dev/null` as the peer on the same traffic.
//!
//! Builds a mixed capture: mostly ordinary user traffic (TCP/UDP/ICMP, some VLAN-tagged, many
//! source MACs) with about 5% control-plane frames taken from the corpus in `tests/data/`, each
//! given a unique source MAC so every one can be accounted for. Then:
//! - criterion: libpcap's BPF interpreter running the control-plane filter over the mixed frames
//!   in user space (the per-frame filter cost; the kernel runs the same program JIT-compiled);
//! - `cargo bench` only, as root with tcpreplay: a network namespace with a veth pair,
//!   `LiveCapture` (default config: 64 MiB ring, kernel control-plane filter) and `tcpdump -w
//!   /dev/null` (no filter, same 64 MiB buffer) both listening on the host end while
//!   `tcpreplay --topspeed` replays the capture into the namespace end. Reported: packets
//!   offered, captured and dropped for both, and whether any control-plane frame was lost
//!   (`target/bench-live-report.txt`).
//!
//! In `cargo test` mode (no `--bench`) the capture is small and no peer runs.

#[path = "../tests/capture_support/mod.rs"]
mod capture_support;

use std::collections::HashSet;
use std::hint::black_box;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use capture_support as sup;
use criterion::{Criterion, Throughput, criterion_group};

use cybriq::capture::LiveCapture;
use cybriq::capture::filter::{compile, control_plane_filter};
use cybriq::config::capture::Capture;
use cybriq::wire::LinkType;

/// Frames in the benchmark capture (`cargo bench`).
const BENCH_FRAMES: usize = 1_000_000;
/// One control-plane frame in this many.
const CONTROL_EVERY: usize = 20;

fn benchmarking() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// The mixed frames and the set of control-plane frames among them.
fn mixed(total: usize) -> (Vec<Vec<u8>>, HashSet<Vec<u8>>) {
    let control: Vec<Vec<u8>> = sup::control_frames(1500)
        .into_iter()
        .map(|f| f.data)
        .filter(|d| d.len() >= 60)
        .collect();
    assert!(!control.is_empty(), "no corpus control frames");
    let n_control = total / CONTROL_EVERY;
    let user = sup::user_traffic(total - n_control, 50_000);
    let mut set = HashSet::with_capacity(n_control);
    let mut out = Vec::with_capacity(total);
    let mut u = user.into_iter();
    for i in 0..n_control {
        out.extend(u.by_ref().take(CONTROL_EVERY - 1));
        // A unique, locally administered source MAC per control frame.
        let mut c = control[i % control.len()].clone();
        c[6..12].copy_from_slice(&[
            0x02,
            0xcc,
            (i >> 24) as u8,
            (i >> 16) as u8,
            (i >> 8) as u8,
            i as u8,
        ]);
        set.insert(c.clone());
        out.push(c);
    }
    out.extend(u);
    (out, set)
}

fn bench(c: &mut Criterion) {
    let total = if benchmarking() { BENCH_FRAMES } else { 4_000 };
    let (frames, control) = mixed(total);
    let prog = compile(&control_plane_filter(false), LinkType::Ethernet).expect("filter");
    let kept = frames.iter().filter(|f| prog.filter(f)).count();
    assert_eq!(
        kept,
        control.len(),
        "the filter keeps exactly the control frames"
    );

    let mut g = c.benchmark_group("live");
    let sample: Vec<&Vec<u8>> = frames.iter().take(20_000).collect();
    g.throughput(Throughput::Elements(sample.len() as u64));
    g.bench_function("bpf_filter_userspace", |b| {
        b.iter(|| sample.iter().filter(|f| prog.filter(black_box(f))).count())
    });
    g.finish();

    if benchmarking() {
        match sup::live_requirements() {
            None => live_run(&frames, &control),
            Some(why) => eprintln!("live run skipped: {why}"),
        }
    }
}

/// tcpdump's "N packets ..." summary lines.
fn tcpdump_counts(stderr: &str) -> (u64, u64, u64) {
    let num = |label: &str| {
        stderr
            .lines()
            .find(|l| l.contains(label))
            .and_then(|l| l.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    };
    (
        num("packets captured"),
        num("packets received by filter"),
        num("packets dropped by kernel"),
    )
}

fn live_run(frames: &[Vec<u8>], control: &HashSet<Vec<u8>>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    let pcap = dir.join("bench-live.pcap");
    let n = sup::write_pcap(&pcap, frames);
    let net = sup::VethNs::new(1500);

    let cfg = Capture::new(net.host_if.clone());
    let cap = LiveCapture::start(&cfg).expect("start capture");
    // Drain the channel on its own thread, as the pipeline does; it owns the capture.
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let drain = {
        let control = control.clone();
        std::thread::spawn(move || {
            let (mut seen, mut other) = (0u64, 0u64);
            let mut count = |d: &[u8]| {
                if control.contains(d) {
                    seen += 1;
                } else {
                    other += 1;
                }
            };
            loop {
                match cap.receiver().recv_timeout(Duration::from_millis(100)) {
                    Ok(f) => count(&f.data),
                    Err(_) if done_rx.try_recv().is_ok() => break,
                    Err(_) => {}
                }
            }
            while let Ok(f) = cap.receiver().try_recv() {
                count(&f.data);
            }
            let stats = cap.stop();
            (seen, other, stats)
        })
    };

    let mut tcpdump = Command::new("tcpdump")
        .args(["-i", &net.host_if, "-B", "65536", "-n", "-w", "/dev/null"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tcpdump");
    std::thread::sleep(Duration::from_millis(1500));

    let t = Instant::now();
    let (sent, failed, report_text) = net.tcpreplay(&pcap, "--topspeed");
    let took = t.elapsed();
    let rate = report_text
        .lines()
        .find(|l| l.contains("Rated:"))
        .map(|l| l.trim().to_owned())
        .unwrap_or_default();
    std::thread::sleep(Duration::from_millis(1000));

    let _ = Command::new("kill")
        .args(["-INT", &tcpdump.id().to_string()])
        .status();
    let mut td_err = String::new();
    if let Some(mut e) = tcpdump.stderr.take() {
        use std::io::Read;
        let _ = e.read_to_string(&mut td_err);
    }
    let _ = tcpdump.wait();
    let (td_captured, td_received, td_dropped) = tcpdump_counts(&td_err);

    done_tx.send(()).expect("drain thread");
    let (seen, other, s) = drain.join().expect("drain thread");

    let offered_control = control.len() as u64;
    let mut report = String::new();
    report += &format!(
        "live capture: {n} frames in the capture ({} control-plane, 1 in {CONTROL_EVERY}), tcpreplay --topspeed onto a veth\n",
        control.len()
    );
    report += &format!(
        "tcpreplay:    offered {sent} packets, failed {failed}, {:.2} s; {rate}\n",
        took.as_secs_f64()
    );
    report += &format!(
        "cybriq:       captured {} (kernel filter kept {}), kernel dropped {}, interface dropped {}, channel dropped {}\n",
        s.received, s.kernel_received, s.kernel_dropped, s.if_dropped, s.channel_dropped
    );
    report += &format!(
        "              control-plane frames: {seen} of {offered_control} received, {} lost; {other} other frames\n",
        offered_control.saturating_sub(seen)
    );
    report += &format!(
        "tcpdump -w /dev/null (no filter, -B 65536): captured {td_captured}, received by filter {td_received}, dropped by kernel {td_dropped}\n"
    );
    if sent > 0 {
        report += &format!(
            "drop rate:    cybriq {:.3}% of its kept frames, tcpdump {:.3}% of offered\n",
            100.0 * s.dropped() as f64 / (s.received + s.dropped()).max(1) as f64,
            100.0 * td_dropped as f64 / sent as f64
        );
    }
    report += &format!(
        "result:       {}\n",
        if seen == offered_control && failed == 0 {
            "no control-plane frame dropped".to_owned()
        } else {
            format!(
                "{} control-plane frames not captured (tcpreplay failed {failed})",
                offered_control.saturating_sub(seen)
            )
        }
    );
    eprintln!("\n{report}");
    let _ = std::fs::write(dir.join("bench-live-report.txt"), &report);
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
