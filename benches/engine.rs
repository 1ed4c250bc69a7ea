//! Drift-engine speed on the soak replay (one core).
//!
//! - wall clock: the soak site of `tests/engine_support/soak.rs` (5,000 ports, 30 days, devices
//!   from real corpus frames, churn and planted swaps), every `observe` call timed: observations/s
//!   and events/s through the engine, p50/p99/p99.9 per-observation latency; then a bigger run
//!   (devices speaking every 10 to 30 minutes). Written to `target/bench-engine-report.txt`.
//! - criterion: `Engine::observe` in steady state over 5,000 settled ports.
//!
//! In `cargo test --benches` mode (no `--bench` argument) the runs are tiny.

#[path = "../tests/engine_support/mod.rs"]
mod engine_support;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group};

use cybriq::attribution::PortRef;
use cybriq::config::Config;
use cybriq::engine::{Engine, Sighting};
use engine_support::soak::{Outcome, SoakParams, run};
use engine_support::{DAY, MIN, at, devices};

fn full() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn pct(v: &mut [u32], q: f64) -> u32 {
    if v.is_empty() {
        return 0;
    }
    v.sort_unstable();
    v[((v.len() - 1) as f64 * q) as usize]
}

fn line(name: &str, p: &SoakParams, o: &mut Outcome) -> String {
    let obs_s = o.observations as f64 / o.engine_secs;
    let ev_s = o.events as f64 / o.engine_secs;
    let observe_secs = o.latencies_ns.iter().map(|&n| f64::from(n)).sum::<f64>() / 1e9;
    let observe_only = o.observations as f64 / observe_secs;
    let (p50, p99, p999) = (
        pct(&mut o.latencies_ns, 0.5),
        pct(&mut o.latencies_ns, 0.99),
        pct(&mut o.latencies_ns, 0.999),
    );
    format!(
        "{name}: {} ports x {} days: {} observations, {} events in {:.3} s of engine time: \
         {:.0} observations/s ({:.2}x the 200,000/s target; polls and timers included), \
         {:.0} events/s; observe alone {:.0} observations/s ({:.2}x); observe latency p50 {} ns, \
         p99 {} ns, p99.9 {} ns\n",
        p.ports,
        p.days,
        o.observations,
        o.events,
        o.engine_secs,
        obs_s,
        obs_s / 200_000.0,
        ev_s,
        observe_only,
        observe_only / 200_000.0,
        p50,
        p99,
        p999
    )
}

fn bench(c: &mut Criterion) {
    let mut report = String::new();
    let soak = if full() {
        SoakParams {
            measure: true,
            ..SoakParams::default()
        }
    } else {
        SoakParams {
            ports: 96,
            days: 20,
            measure: true,
            ..SoakParams::default()
        }
    };
    let mut o = run(soak);
    report += &line("soak replay", &soak, &mut o);
    report += &o.report();
    if full() {
        let big = SoakParams {
            period: (10 * MIN, 30 * MIN),
            measure: true,
            ..SoakParams::default()
        };
        let mut o = run(big);
        report += &line("bigger run", &big, &mut o);
    }
    eprint!("{report}");
    let _ = std::fs::write(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-engine-report.txt"),
        &report,
    );

    // Steady state: 5,000 settled ports, each device re-observed.
    let n = if full() { 5000 } else { 100 };
    let kinds: Vec<_> = devices().iter().take(24).collect();
    let mut engine = Engine::new(&Config::default()).with_seed(1);
    let ports: Vec<PortRef> = (0..n)
        .map(|i| PortRef {
            switch: format!("sw-{:03}", i / 48),
            port: format!("Gi1/0/{}", i % 48 + 1),
        })
        .collect();
    let mut obs: Vec<_> = kinds
        .iter()
        .map(|d| {
            d.obs
                .iter()
                .find(|o| o.proto() != "arp")
                .unwrap_or(&d.obs[0])
                .clone()
        })
        .collect();
    let mut out = Vec::new();
    let mut t = 0i64;
    let mut see = |engine: &mut Engine, i: usize, t: i64, out: &mut Vec<_>| {
        let k = i % kinds.len();
        obs[k].ts = at(t);
        let s = Sighting {
            port: &ports[i],
            mac: kinds[k].mac,
            observation: &obs[k],
            dna: &kinds[k].dna,
            identity: &kinds[k].identity,
        };
        engine.observe(&s, out);
    };
    while t < 2 * DAY {
        for i in 0..n {
            see(&mut engine, i, t, &mut out);
        }
        t += 30 * MIN;
    }
    out.clear();
    let mut g = c.benchmark_group("engine");
    g.throughput(Throughput::Elements(1));
    if !full() {
        g.sample_size(10)
            .warm_up_time(Duration::from_millis(10))
            .measurement_time(Duration::from_millis(50));
    }
    let mut i = 0usize;
    g.bench_function("observe steady state", |b| {
        b.iter(|| {
            i = (i + 1) % n;
            t += 1;
            see(&mut engine, i, t, &mut out);
            out.clear();
            black_box(&out);
        })
    });
    g.finish();
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
