//! The API under `wrk` (issue 13's benchmark), side by side with a bare axum + rustls endpoint
//! returning the same bytes, in one run: `benches/api-wrk.sh` builds this in release and runs
//! it (not part of the test command; docs/api.md, "Benchmark").
//!
//! 1. A store with `--devices` devices (100,000) and a token (`inventory:read`).
//! 2. The real API (`cybriq::api::launch`, two runtime threads as under `cybriq run`) and a bare
//!    server (axum + axum-server rustls, same certificate, same two runtime threads) whose two
//!    routes return the bytes the API answered for `/api/v1/inventory?limit=100` and
//!    `/api/v1/devices/{dna}` (same status, same `Content-Type`).
//! 3. While both are measured, a pipeline replays on its own thread into the same database:
//!    a Cisco phone's CDP frame (corpus) from rotating MACs over the device population at
//!    `--replay-fps` frames per second (2,000), through attribution, DNA, engine and the store
//!    writer.
//! 4. For each endpoint, each server in turn: `wrk -t2 -c32 --latency` for `--secs` seconds
//!    (throughput and p99), then a fixed rate: wrk cannot fix a rate (Debian has no wrk2), so a
//!    Lua `delay()` makes each of 22 connections wait 10 ms before each request: a little over
//!    2,000 requests/s once the answer's own time is added (22 / 10.5 ms); the achieved rate is
//!    reported beside its p99. Requests rotate over eight tokens (each token's rate limit is
//!    at most 1,000,000 a minute, less than a quiet machine serves); any non-2xx answer stops
//!    the run.
//!
//! Output: a table on stdout and in `target/bench-api-report.txt`.

#[path = "../tests/api_support/mod.rs"]
mod support;

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use cybriq::api::auth::Scope;
use cybriq::attribution::{PortRef, TapRule};
use cybriq::clock::Timestamp;
use cybriq::config::Config;
use cybriq::dna::DnaBuilder;
use cybriq::pipeline::{Pipeline, Settings, tap_rules};
use cybriq::refdb::RefDb;
use cybriq::store::{Writer, WriterSettings};
use cybriq::wire::LinkType;
use support::Server;

struct Args {
    devices: usize,
    secs: u64,
    replay_fps: u64,
}

fn args() -> Args {
    let mut a = Args {
        devices: 100_000,
        secs: 10,
        replay_fps: 2_000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut v = || {
            it.next()
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or_else(|| panic!("{k} needs a number"))
        };
        match k.as_str() {
            "--devices" => a.devices = v() as usize,
            "--secs" => a.secs = v(),
            "--replay-fps" => a.replay_fps = v(),
            "--bench" => {}
            other => panic!("unknown argument {other} (--devices N, --secs S, --replay-fps F)"),
        }
    }
    a
}

/// The phone's CDP frame from the corpus.
fn cdp_frame() -> Vec<u8> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/ladvd/cdp/49.good.phone.pcap"
    );
    let (_, recs, _) = cybriq::capture::read_all(std::path::Path::new(path)).unwrap();
    recs.into_iter()
        .map(|(_, d)| d)
        .find(|d| d.len() > 14 && d[..6] == [0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcc])
        .expect("a CDP frame")
}

/// Replays into the store until `stop`: frames at `fps`, MACs rotating over `devices` (other
/// addresses than the seeded devices'), on 48 tap ports.
fn replay(
    dir: std::path::PathBuf,
    devices: usize,
    fps: u64,
    stop: Arc<AtomicBool>,
    frames: Arc<AtomicU64>,
) {
    let cfg = Config::parse(
        &format!(
            "[sensor]\nsite = \"hq-bldg-3\"\ndata_dir = {:?}\n",
            dir.display().to_string()
        ),
        "bench",
    )
    .unwrap();
    let db = cybriq::store::db_path(&dir);
    let writer = Arc::new(Writer::start(&db, WriterSettings::default(), None).unwrap());
    let taps: Vec<TapRule> = (0..48)
        .map(|i| TapRule {
            interface: format!("t{i}"),
            vlan: None,
            port: PortRef {
                switch: "edge-sw-04".into(),
                port: format!("Gi1/0/{}", i + 1),
            },
        })
        .collect();
    let ifaces: Vec<String> = taps.iter().map(|t| t.interface.clone()).collect();
    let mut p = Pipeline::new(
        &cfg,
        Settings::default(),
        DnaBuilder::new(cfg.dna.params()),
        Arc::new(RefDb::builtin().unwrap()),
        tap_rules(&cfg, &taps),
        Some(writer.clone()),
    );
    let frame = cdp_frame();
    let start = Instant::now();
    let t0 = cybriq::api::Clock::default().now();
    let mut n: u64 = 0;
    while !stop.load(Ordering::Relaxed) {
        let due = (start.elapsed().as_secs_f64() * fps as f64) as u64;
        if n >= due {
            std::thread::sleep(Duration::from_millis(1));
            continue;
        }
        let i = (n as usize) % devices;
        let mut f = frame.clone();
        let b = (i as u32).to_be_bytes();
        // 06:… : not the seeded devices' 02:00:… addresses, so the measured device keeps its DNA.
        f[6..12].copy_from_slice(&[0x06, 0x00, b[0], b[1], b[2], b[3]]);
        let ts = Timestamp(t0.0 + start.elapsed().as_micros() as i64);
        p.frame(&ifaces[i % 48], LinkType::Ethernet, ts, &f);
        if n % 1000 == 0 {
            p.tick(ts);
        }
        n += 1;
        frames.store(n, Ordering::Relaxed);
    }
    p.finish();
    writer.stop();
}

/// The bare endpoint: the same bytes, same TLS configuration, same runtime size.
fn bare(
    cert_dir: &std::path::Path,
    routes: Vec<(String, String, Vec<u8>)>,
) -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>) {
    use axum::http::header::CONTENT_TYPE;
    let source = cybriq::api::tls::Source::SelfSigned {
        dir: cert_dir.to_owned(),
        names: vec![],
    };
    let tls = cybriq::api::tls::load(&source).unwrap().config;
    let mut app = axum::Router::new();
    for (path, ctype, body) in routes {
        let body = axum::body::Bytes::from(body);
        app = app.route(
            &path,
            axum::routing::get(move || {
                let (b, c) = (body.clone(), ctype.clone());
                async move { ([(CONTENT_TYPE, c)], b) }
            }),
        );
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let handle = axum_server::Handle::<std::net::SocketAddr>::new();
            let h = handle.clone();
            tokio::spawn(async move {
                let _ = rx.await;
                h.shutdown();
            });
            let cfg = axum_server::tls_rustls::RustlsConfig::from_config(tls);
            axum_server::from_tcp_rustls(listener, cfg)
                .unwrap()
                .handle(handle)
                .serve(app.into_make_service())
                .await
                .unwrap();
        });
    });
    (addr, tx)
}

/// Requests/s and p99 (ms) of one wrk run.
#[derive(Debug, Clone, Copy)]
struct Run {
    rps: f64,
    p99_ms: f64,
}

fn ms(v: &str) -> Option<f64> {
    let (num, unit) = v.split_at(v.find(|c: char| c.is_ascii_alphabetic())?);
    let n: f64 = num.parse().ok()?;
    Some(match unit {
        "us" => n / 1000.0,
        "ms" => n,
        "s" => n * 1000.0,
        "m" => n * 60_000.0,
        _ => return None,
    })
}

/// Tokens the requests rotate over: each has its own rate limit (`read_per_minute`, at most
/// 1,000,000 a minute), which one token alone would exhaust on a quiet machine.
const TOKENS: usize = 8;

/// A wrk Lua script sending each request with the next of `tokens`, and, when `paced`, waiting
/// 10 ms before each request on each connection.
fn script(tokens: &[String], paced: bool) -> std::path::PathBuf {
    let list = tokens
        .iter()
        .map(|t| format!("\"{t}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let mut lua = format!(
        "tokens = {{{list}}}\ni = 0\nrequest = function()\n  i = i + 1\n  \
         return wrk.format(nil, nil, {{[\"Authorization\"] = \"Bearer \" .. tokens[(i % #tokens) + 1]}})\nend\n"
    );
    if paced {
        lua.push_str("function delay()\n  return 10\nend\n");
    }
    let path = std::env::temp_dir().join(format!(
        "cybriq-api-bench-{}.lua",
        if paced { "paced" } else { "max" }
    ));
    std::fs::write(&path, lua).unwrap();
    path
}

fn wrk(url: &str, tokens: &[String], secs: u64, fixed_rate: bool) -> Run {
    let mut c = Command::new("wrk");
    c.args(["-t2", "--latency", &format!("-d{secs}s"), "-s"])
        .arg(script(tokens, fixed_rate));
    // 22 connections each waiting 10 ms before every request: a little over 2,000 requests/s.
    c.arg(if fixed_rate { "-c22" } else { "-c32" });
    let out = c
        .arg(url)
        .output()
        .expect("wrk runs (scripts/setup.sh installs it)");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "wrk failed: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rps = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no Requests/sec in {text}"));
    let p99_ms = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("99%"))
        .and_then(|v| ms(v.trim()))
        .unwrap_or_else(|| panic!("no 99% line in {text}"));
    if text.contains("Non-2xx") {
        panic!("wrk saw errors: {text}");
    }
    Run { rps, p99_ms }
}

fn main() {
    let a = args();
    let dir = support::TempDir::new("bench");
    let now = cybriq::api::Clock::default().now();
    cybriq::store::open(&cybriq::store::db_path(&dir.0)).unwrap();
    let t = Instant::now();
    support::seed(&dir.0, a.devices, now);
    eprintln!(
        "seeded {} devices in {:.1} s",
        a.devices,
        t.elapsed().as_secs_f64()
    );
    let server = Server::start_in(dir, "read_per_minute = 1000000");
    let tokens: Vec<String> = (0..TOKENS)
        .map(|_| {
            support::token(
                &server.tokens(),
                now,
                &[Scope::InventoryRead],
                &[],
                support::TokenState::Valid,
            )
            .token
        })
        .collect();
    let token = tokens[0].clone();
    let dna = support::dna(a.devices / 2);
    let paths = [
        "/api/v1/inventory?limit=100".to_owned(),
        format!("/api/v1/devices/{dna}"),
    ];
    let client = server.client();
    let mut routes = Vec::new();
    for p in &paths {
        let r = client.get(p, &token);
        assert_eq!(r.status, 200, "{p}: {}", String::from_utf8_lossy(&r.body));
        let ctype = r
            .header("content-type")
            .unwrap_or("application/json")
            .to_owned();
        let route = p.split('?').next().unwrap().to_owned();
        eprintln!("{p}: {} bytes", r.body.len());
        routes.push((route, ctype, r.body));
    }
    let (bare_addr, bare_stop) = bare(&server.dir.0, routes);

    let stop = Arc::new(AtomicBool::new(false));
    let frames = Arc::new(AtomicU64::new(0));
    let replayer = {
        let (d, s, f) = (server.dir.0.clone(), stop.clone(), frames.clone());
        let (n, fps) = (a.devices, a.replay_fps);
        std::thread::spawn(move || replay(d, n, fps, s, f))
    };
    std::thread::sleep(Duration::from_secs(2));

    let mut report = format!(
        "cybriq API benchmark: {} devices in the store, pipeline replaying at {} frames/s \
         into it, wrk -t2 ({} s per run); bare = axum + rustls returning the same bytes\n\n\
         {:<34} {:>10} {:>9} {:>10} {:>9} {:>7}   {:>10} {:>9} {:>10} {:>9}\n",
        a.devices,
        a.replay_fps,
        a.secs,
        "endpoint (c32 max / c22 paced)",
        "api req/s",
        "api p99",
        "bare req/s",
        "bare p99",
        "ratio",
        "api @rate",
        "api p99",
        "bare @rate",
        "bare p99"
    );
    let frames_before = frames.load(Ordering::Relaxed);
    let started = Instant::now();
    for p in &paths {
        let api_url = format!("https://127.0.0.1:{}{p}", server.addr.port());
        let bare_url = format!("https://127.0.0.1:{}{p}", bare_addr.port());
        let api = wrk(&api_url, &tokens, a.secs, false);
        let bare_max = wrk(&bare_url, &tokens, a.secs, false);
        let api_rate = wrk(&api_url, &tokens, a.secs, true);
        let bare_rate = wrk(&bare_url, &tokens, a.secs, true);
        let line = format!(
            "{:<34} {:>10.0} {:>7.2}ms {:>10.0} {:>7.2}ms {:>6.0}%   {:>10.0} {:>7.2}ms {:>10.0} {:>7.2}ms\n",
            p.replace(&dna, "{dna}"),
            api.rps,
            api.p99_ms,
            bare_max.rps,
            bare_max.p99_ms,
            100.0 * api.rps / bare_max.rps,
            api_rate.rps,
            api_rate.p99_ms,
            bare_rate.rps,
            bare_rate.p99_ms
        );
        eprint!("{line}");
        report.push_str(&line);
    }
    let replayed = frames.load(Ordering::Relaxed) - frames_before;
    report.push_str(&format!(
        "\npipeline during the runs: {replayed} frames in {:.0} s ({:.0}/s)\n\
         targets: api ≥ 50 % of bare throughput; api p99 < 10 ms at 2,000 req/s\n",
        started.elapsed().as_secs_f64(),
        replayed as f64 / started.elapsed().as_secs_f64()
    ));
    stop.store(true, Ordering::Relaxed);
    replayer.join().unwrap();
    let _ = bare_stop.send(());
    print!("{report}");
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-api-report.txt");
    let _ = std::fs::write(&out, &report);
    eprintln!("report: {}", out.display());
}
