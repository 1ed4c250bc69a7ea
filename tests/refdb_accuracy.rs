//! Identity accuracy on the labelled identity set `tests/data/identity-labels.tsv`: real devices
//! of the corpus, each resolved (with the database built into the binary, the shipped
//! `reference-db/`) from all of its observations in its capture. Labels are transcribed with
//! their source in that file, not from the resolver's output. Prints per-attribute accuracy, the
//! misses and a confusion matrix of classes. Targets: vendor ≥ 98 %, class ≥ 95 %, ≥ 60 distinct
//! devices, and no device of an NDAA-covered entity whose vendor a second signal confirms below
//! 0.85 vendor certainty.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use cybriq::capture::read_all;
use cybriq::observe::Observation;
use cybriq::refdb::class::ALL_CLASSES;
use cybriq::refdb::{DeviceClass, Effect, Identity, NdaaStatus, RefDb};
use cybriq::wire::frame;
use regex::Regex;

struct Label {
    capture: String,
    mac: String,
    vendor: String,
    class: String,
    source: String,
}

fn labels() -> Vec<Label> {
    let text = std::fs::read_to_string(common::data("identity-labels.tsv")).expect("labels");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 5, "5 tab-separated columns: {l}");
            assert!(!f[4].trim().is_empty(), "every label names its source: {l}");
            if !f[3].is_empty() {
                f[3].parse::<DeviceClass>()
                    .unwrap_or_else(|e| panic!("{l}: {e}"));
            }
            Label {
                capture: f[0].into(),
                mac: f[1].into(),
                vendor: f[2].into(),
                class: f[3].into(),
                source: f[4].into(),
            }
        })
        .collect()
}

fn identities(db: &RefDb, rel: &str) -> Vec<Identity> {
    let (link, recs, _) = read_all(&common::data(rel)).expect("capture");
    let obs: Vec<Observation> = recs
        .iter()
        .filter_map(|(ts, d)| Observation::from_frame(*ts, &frame::decode(link, d)))
        .collect();
    db.resolve_all(&obs)
}

#[test]
fn labelled_devices_resolve_with_vendor_98_and_class_95_percent() {
    let db = RefDb::builtin().expect("builtin");
    println!("{}", db.describe());
    let labels = labels();
    let (mut v_n, mut v_ok, mut c_n, mut c_ok) = (0u32, 0u32, 0u32, 0u32);
    let mut misses = Vec::new();
    let mut confusion: BTreeMap<(String, String), u32> = BTreeMap::new();
    let mut devices = BTreeSet::new();
    let mut ndaa_checked = 0;
    for l in &labels {
        let ids = identities(&db, &l.capture);
        let want_mac = (!l.mac.is_empty()).then(|| l.mac.clone());
        let id = ids
            .iter()
            .find(|i| i.mac == want_mac)
            .unwrap_or_else(|| panic!("{}: no device {:?} in the capture", l.capture, l.mac));
        devices.insert(if l.mac.is_empty() {
            l.capture.clone()
        } else {
            l.mac.clone()
        });
        if !l.vendor.is_empty() {
            v_n += 1;
            let got = id.vendor.as_deref().unwrap_or("");
            if Regex::new(&l.vendor).unwrap().is_match(got) {
                v_ok += 1;
            } else {
                misses.push(format!(
                    "vendor {} {} ({}): want /{}/, got {got:?} (certainty {})",
                    l.capture, l.mac, l.source, l.vendor, id.certainty.vendor
                ));
            }
        }
        if !l.class.is_empty() {
            c_n += 1;
            *confusion
                .entry((l.class.clone(), id.class.to_string()))
                .or_default() += 1;
            if id.class.as_str() == l.class {
                c_ok += 1;
            } else {
                misses.push(format!(
                    "class  {} {} ({}): want {}, got {} (certainty {})",
                    l.capture, l.mac, l.source, l.class, id.class, id.certainty.class
                ));
            }
        }
        // NDAA: a covered entity's device whose vendor two sources agree on pages.
        if id.ndaa_status == NdaaStatus::Prohibited {
            let agreeing: BTreeSet<_> = id
                .evidence
                .iter()
                .filter(|e| e.effect == Effect::Agrees && e.agrees.contains("vendor"))
                .map(|e| e.source)
                .collect();
            if agreeing.len() >= 2 {
                ndaa_checked += 1;
                assert!(
                    id.certainty.vendor >= 0.85,
                    "{} {}: covered vendor confirmed by {agreeing:?} at {}",
                    l.capture,
                    l.mac,
                    id.certainty.vendor
                );
            }
        }
    }
    let vr = f64::from(v_ok) / f64::from(v_n);
    let cr = f64::from(c_ok) / f64::from(c_n);
    println!(
        "labelled rows: {}; distinct devices: {}; vendor {v_ok}/{v_n} = {:.1} %; class {c_ok}/{c_n} = {:.1} %; NDAA devices with a second signal: {ndaa_checked}",
        labels.len(),
        devices.len(),
        vr * 100.0,
        cr * 100.0
    );
    for m in &misses {
        println!("  miss: {m}");
    }
    // Confusion matrix: rows = label, columns = resolved, over the classes that occur.
    let used: Vec<DeviceClass> = ALL_CLASSES
        .iter()
        .copied()
        .filter(|c| {
            confusion
                .keys()
                .any(|(a, b)| a == c.as_str() || b == c.as_str())
        })
        .collect();
    let abbrev = |c: &DeviceClass| c.as_str().chars().take(6).collect::<String>();
    print!(
        "\nclass confusion (rows: label, columns: resolved)\n{:>20}",
        ""
    );
    for c in &used {
        print!(" {:>6}", abbrev(c));
    }
    println!();
    for r in &used {
        print!("{:>20}", r.as_str());
        for c in &used {
            let n = confusion
                .get(&(r.to_string(), c.to_string()))
                .copied()
                .unwrap_or(0);
            print!(" {:>6}", if n == 0 { ".".into() } else { n.to_string() });
        }
        println!();
    }
    assert!(
        devices.len() >= 60,
        "{} distinct devices < 60",
        devices.len()
    );
    assert!(v_n >= 60 && c_n >= 50, "too few labels");
    assert!(vr >= 0.98, "vendor accuracy {vr:.3} < 0.98: {misses:#?}");
    assert!(cr >= 0.95, "class accuracy {cr:.3} < 0.95: {misses:#?}");
}

#[test]
fn the_builtin_copy_resolves_phones_near_certainly() {
    let db = RefDb::builtin().expect("builtin loads");
    let ids = identities(&db, "ladvd/cdp/49.good.phone.pcap");
    assert_eq!(ids.len(), 2);
    for id in ids {
        assert_eq!(id.vendor.as_deref(), Some("Cisco"));
        assert_eq!(id.class.as_str(), "ip-phone");
        assert!(id.confidence >= 0.85, "{id:?}");
        assert!(id.certainty.class >= 0.85, "{id:?}");
    }
}
