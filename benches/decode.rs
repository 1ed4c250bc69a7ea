//! Frame-decode speed, with tcpdump and tshark on the same capture as peers.
//!
//! Builds a capture of at least 200,000 control-plane frames from the corpus in `tests/data/`
//! (Ethernet captures, at most 40 frames per file so no single file dominates the mix), then:
//! - criterion: `wire::frame::decode` alone over the frames in memory (one core);
//! - criterion: the library's JSON path (`decode::decode_file` to a sink);
//! - wall clock, same file: `cybriq decode --json`, `tcpdump -nv -r` and `tshark -V -r`, each to
//!   /dev/null, printed as frames/s with the ratios (also written to
//!   `target/bench-decode-report.txt`). A peer that is not installed is reported as missing.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group};

use cybriq::capture::{PcapWriter, read_all, write::linktype};
use cybriq::clock::Timestamp;
use cybriq::decode::{Format, decode_file};
use cybriq::wire::{LinkType, frame};

const MIN_FRAMES: usize = 200_000;
const PER_FILE: usize = 40;

fn corpus_frames() -> Vec<Vec<u8>> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).expect("tests/data").flatten() {
            let p = e.path();
            if p.is_dir() {
                if !p.ends_with("oracle-tshark") {
                    walk(&p, out);
                }
            } else if p
                .extension()
                .is_some_and(|x| x == "pcap" || x == "pcapng" || x == "trace")
            {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data"),
        &mut files,
    );
    files.sort();
    let mut frames = Vec::new();
    for f in files {
        let Ok((LinkType::Ethernet, recs, _)) = read_all(&f) else {
            continue;
        };
        frames.extend(
            recs.into_iter()
                .map(|(_, d)| d)
                .filter(|d| {
                    frame::decode(LinkType::Ethernet, d)
                        .payload
                        .proto()
                        .is_some()
                })
                .take(PER_FILE),
        );
    }
    assert!(!frames.is_empty(), "no corpus frames found");
    frames
}

/// Whether criterion runs as a benchmark (`cargo bench`) rather than a quick test pass
/// (`cargo test --benches`), where the capture is kept small and the peers are not run.
fn benchmarking() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn build_capture(frames: &[Vec<u8>]) -> (PathBuf, usize) {
    let min = if benchmarking() {
        MIN_FRAMES
    } else {
        frames.len()
    };
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-decode.pcap");
    let out = std::io::BufWriter::new(std::fs::File::create(&path).expect("create capture"));
    let mut w = PcapWriter::new(out, linktype::ETHERNET, 65535).expect("pcap header");
    let mut n = 0;
    while n < min {
        for f in frames {
            w.write(Timestamp(1_700_000_000_000_000 + n as i64 * 1000), f)
                .expect("write frame");
            n += 1;
        }
    }
    w.finish().expect("flush");
    (path, n)
}

fn bench(c: &mut Criterion) {
    let frames = corpus_frames();
    let (capture, total) = build_capture(&frames);
    eprintln!(
        "bench capture: {} ({total} frames from {} distinct corpus frames)",
        capture.display(),
        frames.len()
    );

    let mut g = c.benchmark_group("decode");
    g.throughput(Throughput::Elements(frames.len() as u64));
    g.bench_function("wire_frame_decode", |b| {
        b.iter(|| {
            for f in &frames {
                black_box(frame::decode(LinkType::Ethernet, black_box(f)));
            }
        })
    });
    g.finish();

    let mut g = c.benchmark_group("decode_file");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.throughput(Throughput::Elements(total as u64));
    g.bench_function("json_to_sink", |b| {
        b.iter(|| decode_file(&capture, Format::Json, &mut std::io::sink()).expect("decode"))
    });
    g.finish();

    if benchmarking() {
        peers(&capture, total, &frames);
    }
}

/// Best of `runs` wall-clock runs of a command with stdout to /dev/null.
fn time_cmd(cmd: &str, args: &[&str], runs: usize) -> Option<Duration> {
    let mut best: Option<Duration> = None;
    for _ in 0..runs {
        let t = Instant::now();
        let st = Command::new(cmd)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .ok()?;
        let d = t.elapsed();
        if !st.success() {
            return None;
        }
        best = Some(best.map_or(d, |b| b.min(d)));
    }
    best
}

fn peers(capture: &Path, total: usize, frames: &[Vec<u8>]) {
    let cap = capture.to_str().expect("utf-8 path");
    // Parsing alone, single core, measured here once more so the report has the figure.
    let t = Instant::now();
    let mut rounds = 0usize;
    while t.elapsed() < Duration::from_secs(3) {
        for f in frames {
            black_box(frame::decode(LinkType::Ethernet, black_box(f)));
        }
        rounds += 1;
    }
    let parse_fps = (rounds * frames.len()) as f64 / t.elapsed().as_secs_f64();

    let bin = env!("CARGO_BIN_EXE_cybriq");
    let ours = time_cmd(bin, &["decode", "--json", cap], 3);
    let tcpdump = time_cmd("tcpdump", &["-nv", "-r", cap], 3);
    let tshark = time_cmd("tshark", &["-V", "-r", cap], 1);
    let fps = |d: Option<Duration>| d.map(|d| total as f64 / d.as_secs_f64());
    let (o, td, ts) = (fps(ours), fps(tcpdump), fps(tshark));
    let show = |x: Option<f64>| {
        x.map_or("not installed/failed".to_string(), |v| {
            format!("{v:>12.0} frames/s")
        })
    };
    let mut report = format!(
        "decode benchmark: {total} frames ({} distinct corpus frames)\n\
         parse only (wire::frame::decode, 1 core): {parse_fps:>12.0} frames/s\n\
         cybriq decode --json > /dev/null:         {}\n\
         tcpdump -nv -r > /dev/null:               {}\n\
         tshark -V -r > /dev/null:                 {}\n",
        frames.len(),
        show(o),
        show(td),
        show(ts),
    );
    if let (Some(o), Some(t)) = (o, td) {
        report += &format!(
            "ratio cybriq --json / tcpdump -nv:        {:>8.1}x\n",
            o / t
        );
        report += &format!(
            "ratio parse-only / tcpdump -nv:           {:>8.1}x\n",
            parse_fps / t
        );
    }
    if let (Some(o), Some(t)) = (o, ts) {
        report += &format!(
            "ratio cybriq --json / tshark -V:          {:>8.1}x\n",
            o / t
        );
    }
    eprintln!("\n{report}");
    let _ = std::fs::write(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-decode-report.txt"),
        &report,
    );
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
