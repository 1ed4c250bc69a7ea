//! Syslog emitter speed, with rsyslog's `omfwd` and `logger --tcp` as peers.
//!
//! - criterion: RFC 5424 and CEF formatting of sample events of every type (one core);
//! - wall clock: N events enqueued into the SQLite outbox; the filled outbox delivered by the
//!   worker over TCP (octet-counting) to a local receiver; and both at once (submit while the
//!   worker delivers), each until the receiver has them all;
//! - peers, same receiver, same N lines: rsyslogd reading them with `imfile` and forwarding
//!   with `omfwd` (TCP, octet-counted), and `logger --tcp --octet-count -f FILE`.
//!
//! Printed as events/s with ratios, also written to `target/bench-emit-report.txt`. In
//! `cargo test --benches` mode (no `--bench` argument) N is small and the peers are skipped.

use std::hint::black_box;
use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group};

use cybriq::clock::Timestamp;
use cybriq::config::Config;
use cybriq::emit::format::{FormatOptions, Payload, SeverityMapping};
use cybriq::emit::outbox::Outbox;
use cybriq::emit::{Emitter, Settings};
use cybriq::event::{Event, EventType, sample};

fn benchmarking() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn events(n: usize) -> Vec<Event> {
    (0..n as u64)
        .map(|i| {
            sample::event(
                EventType::ALL[(i % 12) as usize],
                Timestamp(1_778_432_892_482_000 + i as i64 * 1000),
                fastrand::u128(..),
                "hq-bldg-3",
            )
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let evs = events(1200);
    let mut g = c.benchmark_group("format");
    g.throughput(Throughput::Elements(evs.len() as u64));
    for (name, payload) in [("rfc5424", Payload::Rfc5424), ("cef", Payload::Cef)] {
        let o = FormatOptions::new(
            payload,
            16,
            SeverityMapping::Fixed(6),
            "sensor-1",
            "4231",
            8192,
        );
        let mut out = Vec::with_capacity(2048);
        let mut s = String::with_capacity(256);
        g.bench_function(name, |b| {
            b.iter(|| {
                for e in &evs {
                    o.format(black_box(e), &mut out, &mut s);
                    black_box(&out);
                }
            })
        });
    }
    g.finish();
    wall_clock();
}

/// A receiver of octet-counted frames on loopback; counts frames.
fn receiver() -> (u16, Arc<AtomicU64>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let count = Arc::new(AtomicU64::new(0));
    let c = count.clone();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { break };
            let c = c.clone();
            std::thread::spawn(move || {
                let mut buf = vec![0u8; 1 << 20];
                let mut have = 0usize;
                loop {
                    if have == buf.len() {
                        buf.resize(buf.len() * 2, 0);
                    }
                    let n = match s.read(&mut buf[have..]) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    have += n;
                    let mut i = 0;
                    let mut frames = 0;
                    while let Some(sp) = buf[i..have].iter().position(|&b| b == b' ') {
                        let len: usize = match std::str::from_utf8(&buf[i..i + sp])
                            .ok()
                            .and_then(|t| t.parse().ok())
                        {
                            Some(l) => l,
                            None => break,
                        };
                        if i + sp + 1 + len > have {
                            break;
                        }
                        i += sp + 1 + len;
                        frames += 1;
                    }
                    buf.copy_within(i..have, 0);
                    have -= i;
                    c.fetch_add(frames, Ordering::Relaxed);
                }
            });
        }
    });
    (port, count)
}

fn wait_count(c: &AtomicU64, n: u64, timeout: Duration) -> Option<Duration> {
    let t = Instant::now();
    while c.load(Ordering::Relaxed) < n {
        if t.elapsed() > timeout {
            return None;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    Some(t.elapsed())
}

fn scratch() -> PathBuf {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-emit");
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn wall_clock() {
    let n = if benchmarking() { 200_000 } else { 2_000 };
    let dir = scratch();
    let evs = events(n);

    // The lines the peers send: the same RFC 5424 messages.
    let o = FormatOptions::new(
        Payload::Rfc5424,
        16,
        SeverityMapping::Fixed(6),
        "sensor-1",
        "4231",
        8192,
    );
    let mut out = Vec::new();
    let mut s = String::new();
    let mut lines = Vec::with_capacity(n * 600);
    for e in &evs {
        o.format(e, &mut out, &mut s);
        lines.extend_from_slice(&out);
        lines.push(b'\n');
    }
    let file = dir.join("lines.txt");
    std::fs::write(&file, &lines).unwrap();

    // Enqueue alone (no worker running), then delivery of the filled outbox alone, then both
    // at once (enqueue while the worker delivers).
    let (port, count) = receiver();
    let cfg = Config::parse(
        &format!("[[destination]]\nname = \"bench\"\nmode = \"tcp\"\naddress = \"127.0.0.1:{port}\"\nconfirm_after_ms = 100\n"),
        "bench",
    )
    .unwrap();
    let settings = Settings {
        db: dir.join("db.sqlite3"),
        hostname: "sensor-1".into(),
        procid: "4231".into(),
    };
    let mut ob = Outbox::open(&settings.db).unwrap();
    ob.register(&["bench"]).unwrap();
    let t = Instant::now();
    for chunk in evs.chunks(10_000) {
        ob.enqueue(chunk).unwrap();
    }
    let enqueue_eps = n as f64 / t.elapsed().as_secs_f64();
    drop(ob);
    let t = Instant::now();
    let em = Emitter::start(&settings, &cfg.destination).unwrap();
    wait_count(&count, n as u64, Duration::from_secs(120)).expect("outbox delivery");
    let delivery_eps = n as f64 / t.elapsed().as_secs_f64();
    let before = count.load(Ordering::Relaxed);
    let t = Instant::now();
    for chunk in evs.chunks(10_000) {
        em.submit_batch(chunk).unwrap();
    }
    wait_count(&count, before + n as u64, Duration::from_secs(120)).expect("outbox delivery");
    let outbox_eps = n as f64 / t.elapsed().as_secs_f64();
    em.shutdown();

    let (mut omfwd, mut logger) = (None, None);
    if benchmarking() {
        omfwd = run_omfwd(&dir, &file, n);
        logger = run_logger(&file, n);
    }
    let show = |v: Option<f64>| {
        v.map_or("not run (peer missing or failed)".to_string(), |v| {
            format!("{v:>12.0} events/s")
        })
    };
    let mut report = format!(
        "emit benchmark: {n} events (sample events of all twelve types)\n\
         enqueue into the SQLite outbox (durable):    {enqueue_eps:>12.0} events/s\n\
         filled outbox -> TCP receiver (delivery):    {delivery_eps:>12.0} events/s\n\
         submit + deliver concurrently (end to end):  {outbox_eps:>12.0} events/s\n\
         rsyslogd imfile -> omfwd TCP -> receiver:    {}\n\
         logger --tcp --octet-count -f -> receiver:   {}\n",
        show(omfwd),
        show(logger),
    );
    if let Some(r) = omfwd {
        report += &format!(
            "ratio delivery / rsyslog omfwd:              {:>8.2}x\n",
            delivery_eps / r
        );
        report += &format!(
            "ratio end to end / rsyslog omfwd:            {:>8.2}x\n",
            outbox_eps / r
        );
    }
    if let Some(l) = logger {
        report += &format!(
            "ratio delivery / logger --tcp:               {:>8.2}x\n",
            delivery_eps / l
        );
    }
    eprintln!("\n{report}");
    let _ = std::fs::write(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-emit-report.txt"),
        &report,
    );
}

fn run_omfwd(dir: &Path, file: &Path, n: usize) -> Option<f64> {
    let bin = ["/usr/sbin/rsyslogd", "/sbin/rsyslogd"]
        .into_iter()
        .find(|p| Path::new(p).exists())?;
    let (port, count) = receiver();
    let work = dir.join("rsyslog-work");
    std::fs::create_dir_all(&work).ok()?;
    let conf = dir.join("omfwd.conf");
    std::fs::write(
        &conf,
        format!(
            "global(workDirectory=\"{}\" maxMessageSize=\"64k\")\n\
             module(load=\"imfile\" mode=\"polling\" PollingInterval=\"1\")\n\
             input(type=\"imfile\" File=\"{}\" Tag=\"cybriq\" freshStartTail=\"off\" readMode=\"0\")\n\
             template(name=\"raw\" type=\"string\" string=\"%rawmsg%\")\n\
             action(type=\"omfwd\" target=\"127.0.0.1\" port=\"{port}\" protocol=\"tcp\" TCP_Framing=\"octet-counted\" template=\"raw\")\n",
            work.display(),
            file.display()
        ),
    )
    .ok()?;
    let t = Instant::now();
    let mut child = Command::new(bin)
        .args(["-n", "-f"])
        .arg(&conf)
        .arg("-i")
        .arg(dir.join("omfwd.pid"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let took = wait_count(&count, n as u64, Duration::from_secs(120));
    let _ = child.kill();
    let _ = child.wait();
    took.map(|_| n as f64 / t.elapsed().as_secs_f64())
}

fn run_logger(file: &Path, n: usize) -> Option<f64> {
    let (port, count) = receiver();
    let t = Instant::now();
    let status = Command::new("logger")
        .args([
            "--tcp",
            "--octet-count",
            "-n",
            "127.0.0.1",
            "-P",
            &port.to_string(),
            "--size",
            "65000",
            "-f",
        ])
        .arg(file)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok()?;
    if !status.success() {
        return None;
    }
    wait_count(&count, n as u64, Duration::from_secs(120))?;
    Some(n as f64 / t.elapsed().as_secs_f64())
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
