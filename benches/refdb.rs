//! Reference-database speed: loading (the reload cost), OUI longest-prefix lookup, and identity
//! resolution of typical devices (a switch from CDP+LLDP, a Windows PC from DHCP, a phone from
//! CDP+LLDP+DHCP warm, i.e. its values' claims cached as across a fleet, and cold, a MAC alone).
//! `cargo test --benches` runs each once, quickly.
//!
//! Wall-clock figures are noisy on a shared machine; instruction counts are not.
//! `REFDB_ITERS=<case>:<n>` runs one case n times without criterion and exits (cases: `load`,
//! `oui`, `switch`, `windows`, `phone`, `phone-cold`, `mac`), so that under
//! `valgrind --tool=callgrind` the difference between n and 0 iterations, divided by n, is the
//! cost of one iteration (`oui` is 1024 lookups, the load yardstick).

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group};

use cybriq::refdb::{Profile, RefDb};
use cybriq::wire::MacAddr;

fn switch() -> Profile {
    let mut p = Profile::new(Some("00:19:2f:a7:b2:8d".parse().unwrap()));
    p.add("proto", "cdp");
    p.add("proto", "lldp");
    p.add("cdp.platform", "cisco WS-C3560G-24PS");
    p.add("cdp.caps", "router,switch,igmp");
    p.add(
        "cdp.software",
        "Cisco IOS Software, C3560 Software (C3560-IPBASEK9-M), Version 12.2(44)SE",
    );
    p.add(
        "lldp.sysdescr",
        "Cisco IOS Software, C3560 Software (C3560-IPBASEK9-M), Version 12.2(44)SE",
    );
    p.add("lldp.caps", "bridge,router");
    p
}

fn windows_pc() -> Profile {
    let mut p = Profile::new(Some("00:04:23:57:a5:7a".parse().unwrap()));
    p.add("proto", "dhcp");
    p.add("dhcp.vci", "MSFT 5.0");
    p.add("dhcp.prl", "1,15,3,6,44,46,47,31,33,249,43");
    p.add("dhcp.options", "53,116,61,50,12,60,55");
    p.add("dhcp.hostname", "DJP95S0J");
    p
}

/// A Cisco IP phone speaking CDP, LLDP(-MED) and DHCP: the speed target (<= 5 us warm).
fn phone() -> Profile {
    let mut p = Profile::new(Some("00:1b:54:c2:41:07".parse().unwrap()));
    for proto in ["cdp", "lldp", "dhcp"] {
        p.add("proto", proto);
    }
    p.add("cdp.device_id", "SEP001B54C24107");
    p.add("cdp.platform", "Cisco IP Phone 8851");
    p.add("cdp.caps", "host,phone");
    p.add("cdp.software", "sip88xx.14-1-1MN2-36");
    p.add("lldp.sysname", "SEP001B54C24107");
    p.add(
        "lldp.sysdescr",
        "Cisco IP Phone CP-8851, V1, sip88xx.14-1-1MN2-36",
    );
    p.add("lldp.caps", "bridge,telephone");
    p.add("lldp.med.class", "3");
    p.add("lldp.med.model", "CP-8851");
    p.add("lldp.med.manufacturer", "Cisco Systems, Inc.");
    p.add("dhcp.prl", "1,3,6,15,42,66,150,151");
    p.add("dhcp.options", "53,61,57,55,60,12");
    p.add("dhcp.vci", "Cisco Systems, Inc. IP Phone CP-8851");
    p.add("dhcp.hostname", "SEP001B54C24107");
    p
}

fn reference_db_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("reference-db")
}

/// 1024 pseudo-random universal MACs.
fn macs() -> Vec<MacAddr> {
    (0u64..1024)
        .map(|i| {
            let v = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) & 0xfcff_ffff_ffff;
            let b = v.to_be_bytes();
            MacAddr([b[2], b[3], b[4], b[5], b[6], b[7]])
        })
        .collect()
}

/// Runs `case` `n` times (see the module documentation).
fn iterate(case: &str, n: usize) -> Result<(), String> {
    let dir = reference_db_dir();
    let db = RefDb::load(&dir).map_err(|e| e.to_string())?;
    let macs = macs();
    let profile = match case {
        "switch" => Some(switch()),
        "windows" => Some(windows_pc()),
        "phone" | "phone-cold" => Some(phone()),
        _ => None,
    };
    // Warm the claim cache, as the criterion cases' warm-up does.
    if let Some(p) = &profile {
        black_box(db.resolve(p));
    }
    for _ in 0..n {
        match (case, &profile) {
            ("load", _) => drop(black_box(RefDb::load(&dir).map_err(|e| e.to_string())?)),
            ("oui", _) => {
                black_box(macs.iter().filter(|m| db.oui.lookup(m).is_some()).count());
            }
            ("mac", _) => drop(black_box(db.lookup_mac(black_box(macs[7])))),
            ("phone-cold", Some(p)) => {
                db.clear_claim_cache();
                drop(black_box(db.resolve(black_box(p))));
            }
            (_, Some(p)) => drop(black_box(db.resolve(black_box(p)))),
            _ => return Err(format!("unknown case `{case}`")),
        }
    }
    Ok(())
}

fn bench(c: &mut Criterion) {
    let dir = reference_db_dir();
    let db = RefDb::load(&dir).expect("reference-db");
    let mut g = c.benchmark_group("refdb");
    g.sample_size(10);
    g.bench_function("load reference-db (reload cost)", |b| {
        b.iter(|| black_box(RefDb::load(&dir).unwrap()))
    });
    g.finish();
    let macs = macs();
    c.bench_function("oui lookup x1024", |b| {
        b.iter(|| macs.iter().filter(|m| db.oui.lookup(m).is_some()).count())
    });
    let (s, w) = (switch(), windows_pc());
    c.bench_function("resolve switch (CDP+LLDP)", |b| {
        b.iter(|| black_box(db.resolve(black_box(&s))))
    });
    c.bench_function("resolve Windows PC (DHCP)", |b| {
        b.iter(|| black_box(db.resolve(black_box(&w))))
    });
    let ph = phone();
    c.bench_function("resolve phone (CDP+LLDP+DHCP)", |b| {
        b.iter(|| black_box(db.resolve(black_box(&ph))))
    });
    c.bench_function(
        "resolve phone (CDP+LLDP+DHCP), cold: every value matched afresh",
        |b| {
            b.iter(|| {
                db.clear_claim_cache();
                black_box(db.resolve(black_box(&ph)))
            })
        },
    );
    c.bench_function("lookup MAC only", |b| {
        b.iter(|| black_box(db.lookup_mac(black_box(macs[7]))))
    });
}

criterion_group!(benches, bench);

fn main() {
    if let Ok(spec) = std::env::var("REFDB_ITERS") {
        let (case, n) = spec.split_once(':').unwrap_or((&spec, "1"));
        let n: usize = n.parse().expect("REFDB_ITERS=<case>:<n>");
        if let Err(e) = iterate(case, n) {
            eprintln!("refdb bench: {e}");
            std::process::exit(2);
        }
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
