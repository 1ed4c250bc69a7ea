//! Device DNA build speed: one observation → DNA (tokens, blake3 feature hashing, vector, id),
//! for real corpus frames of each protocol, warm (texts and token hashes memoised, the steady
//! state) and cold (caches emptied each time), and a device's merged facts. Target: ≤ 2 µs per
//! observation.
//!
//! For instruction counts (repeatable on a loaded machine), `CYBRIQ_DNA_PROFILE=<case>:<n>` skips
//! criterion and makes `n` warm builds of one case, to run under
//! `valgrind --tool=callgrind --toggle-collect='*DnaBuilder::build_one*'` (see docs/performance.md).

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group};

use cybriq::capture::read_all;
use cybriq::dna::{DnaBuilder, DnaParams, Facts};
use cybriq::observe::Observation;
use cybriq::wire::frame;

fn observations(rel: &str) -> Vec<Observation> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel);
    let (link, recs, _) = read_all(&path).expect("capture");
    recs.iter()
        .filter_map(|(ts, d)| Observation::from_frame(*ts, &frame::decode(link, d)))
        .collect()
}

fn bench(c: &mut Criterion) {
    let b = DnaBuilder::new(DnaParams::default());
    let cases: Vec<(&str, Observation)> = vec![
        (
            "lldp_cisco_ios",
            observations("tcpdump/LLDP_and_CDP.pcap")
                .into_iter()
                .find(|o| o.proto() == "lldp")
                .expect("lldp"),
        ),
        (
            "cdp_cisco_ios",
            observations("tcpdump/3560_CDP.pcap").remove(0),
        ),
        ("lldp_med_sg200", observations("lldpd/sg200.pcap").remove(0)),
        (
            "cdp_ip_phone",
            observations("ladvd/cdp/49.good.phone.pcap").remove(0),
        ),
        (
            "dhcp_client",
            observations("tcpdump/dhcp-mud.pcap")
                .into_iter()
                .find(|o| matches!(&o.signal, cybriq::observe::Signal::Dhcp(d) if d.from_client))
                .expect("dhcp"),
        ),
        (
            "eapol",
            observations("tcpdump/eapon1.pcap")
                .into_iter()
                .find(|o| o.proto() == "eapol")
                .expect("eapol"),
        ),
    ];
    if let Ok(spec) = std::env::var("CYBRIQ_DNA_PROFILE") {
        let (case, n) = spec
            .split_once(':')
            .expect("CYBRIQ_DNA_PROFILE=<case>:<builds>");
        let n: usize = n.parse().expect("a number of builds");
        let (_, o) = cases
            .iter()
            .find(|(name, _)| *name == case)
            .expect("a case name of this bench");
        black_box(b.build_one(o, None));
        for _ in 0..n {
            black_box(b.build_one(black_box(o), None));
        }
        eprintln!("{n} warm builds of {case}");
        std::process::exit(0);
    }
    // Warm: the builder has seen the device's texts and tokens before (the steady state: a
    // device repeats its frames every 30-60 s).
    let mut g = c.benchmark_group("dna_build_one");
    g.throughput(Throughput::Elements(1));
    for (name, o) in &cases {
        g.bench_function(*name, |bn| bn.iter(|| b.build_one(black_box(o), None)));
    }
    g.finish();
    // Cold: caches emptied before every build (a device never seen before).
    let mut g = c.benchmark_group("dna_build_one_cold");
    g.throughput(Throughput::Elements(1));
    for (name, o) in &cases {
        g.bench_function(*name, |bn| {
            bn.iter(|| {
                b.clear_cache();
                b.build_one(black_box(o), None)
            })
        });
    }
    g.finish();

    if std::env::args().any(|a| a == "--bench") {
        report(&b, &cases);
    }

    let all: Vec<Observation> = observations("tcpdump/LLDP_and_CDP.pcap");
    let mut g = c.benchmark_group("dna_device");
    g.throughput(Throughput::Elements(all.len() as u64));
    g.bench_function("merge_and_build_12_frames", |bn| {
        bn.iter(|| {
            let mut f = Facts::new();
            for o in &all {
                f.observe(black_box(o));
            }
            b.build(&f)
        })
    });
    let mut f = Facts::new();
    all.iter().for_each(|o| f.observe(o));
    g.throughput(Throughput::Elements(1));
    g.bench_function("build_from_merged_facts", |bn| {
        bn.iter(|| b.build(black_box(&f)))
    });
    g.finish();
}

/// Best of 30 batches of 2,000 builds per case (robust to other load on the machine), printed
/// and written to `target/bench-dna-report.txt`.
fn report(b: &DnaBuilder, cases: &[(&str, Observation)]) {
    let mut lines =
        vec!["DNA build from one observation (best of 30 batches of 2,000):".to_owned()];
    for (name, o) in cases {
        let per = |cold: bool| {
            (0..30)
                .map(|_| {
                    let t = std::time::Instant::now();
                    for _ in 0..2000 {
                        if cold {
                            b.clear_cache();
                        }
                        black_box(b.build_one(black_box(o), None));
                    }
                    t.elapsed().as_secs_f64() / 2000.0 * 1e6
                })
                .fold(f64::INFINITY, f64::min)
        };
        let (warm, cold) = (per(false), per(true));
        lines.push(format!(
            "  {name:<16} warm {warm:>6.2} µs   cold {cold:>6.2} µs"
        ));
    }
    let text = lines.join("\n");
    eprintln!("{text}");
    let _ = std::fs::write(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-dna-report.txt"),
        text + "\n",
    );
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
