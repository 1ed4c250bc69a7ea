//! Device DNA on the corpus: re-observed devices match, firmware updates land in the
//! firmware-shift band, different devices (even same vendor, other model) fall below 0.65.

mod common;

use std::collections::BTreeMap;

use cybriq::capture::read_all;
use cybriq::dna::Family;
use cybriq::dna::{Dna, DnaBuilder, DnaParams, Facts};

use cybriq::observe::{Observation, Signal};
use cybriq::wire::frame;

fn observations(rel: &str) -> Vec<Observation> {
    let (link, recs, _) = read_all(&common::data(rel)).expect("capture");
    recs.iter()
        .filter_map(|(ts, d)| Observation::from_frame(*ts, &frame::decode(link, d)))
        .collect()
}

/// Observations of one capture grouped by device MAC (protocols filtered by `keep`).
fn devices(rel: &str, keep: &[&str]) -> BTreeMap<String, Vec<Observation>> {
    let mut m: BTreeMap<String, Vec<Observation>> = BTreeMap::new();
    for o in observations(rel) {
        if !keep.is_empty() && !keep.contains(&o.proto()) {
            continue;
        }
        if let Some(mac) = o.mac {
            m.entry(mac.to_string()).or_default().push(o);
        }
    }
    m
}

fn dna(b: &DnaBuilder, obs: &[Observation]) -> Dna {
    let mut f = Facts::new();
    for o in obs {
        f.observe(o);
    }
    b.build(&f)
}

/// Captures of real devices (the corpus's malformed, fuzzed and crafted-invalid files left out).
fn real_captures() -> Vec<String> {
    common::all_captures()
        .iter()
        .map(|p| common::rel(p))
        .filter(|r| {
            let crafted = r.contains("malformed")
                || r.contains("fuzzer")
                || r.starts_with("ladvd/broken")
                || (r.starts_with("ladvd/") && !r.contains("good") && !r.contains("/pcap/"));
            !crafted
        })
        .collect()
}

/// Every device of the real captures that says what it is (LLDP, CDP, EDP or FDP), merged over
/// all its frames in that capture: (capture, MAC, DNA).
fn corpus_devices(b: &DnaBuilder) -> Vec<(String, String, Dna)> {
    let mut out = Vec::new();
    for rel in real_captures() {
        let Ok(_) = read_all(&common::data(&rel)) else {
            continue;
        };
        for (mac, obs) in devices(&rel, &[]) {
            if !obs
                .iter()
                .any(|o| matches!(o.proto(), "lldp" | "cdp" | "edp" | "fdp"))
            {
                continue;
            }
            let d = dna(b, &obs);
            if d.tokens.len() < 4 {
                continue;
            }
            out.push((rel.clone(), mac, d));
        }
    }
    out
}

fn model_tokens(d: &Dna) -> Vec<&str> {
    d.tokens
        .iter()
        .filter(|t| t.family == Family::Model)
        .map(|t| t.token.as_str())
        .collect()
}

fn same_model(a: &Dna, c: &Dna) -> bool {
    let (x, y) = (model_tokens(a), model_tokens(c));
    !x.is_empty() && x.iter().any(|t| y.contains(t))
}

#[test]
fn same_device_re_observed_scores_at_least_0_85() {
    let b = DnaBuilder::new(DnaParams::default());
    let mut pairs = 0;
    for rel in real_captures() {
        for (mac, obs) in devices(&rel, &[]) {
            // Split each protocol's frames alternately between two halves.
            let mut halves: [Vec<Observation>; 2] = [Vec::new(), Vec::new()];
            let mut per: BTreeMap<&str, usize> = BTreeMap::new();
            // Server replies (DHCP ACK/OFFER for this client) and ARP say nothing about the device.
            let speaks = |o: &&Observation| match &o.signal {
                Signal::Dhcp(d) => d.from_client,
                Signal::Arp(_) => false,
                _ => true,
            };
            for o in obs.iter().filter(speaks) {
                let n = per.entry(o.proto()).or_default();
                halves[*n % 2].push(o.clone());
                *n += 1;
            }
            if per.is_empty() || per.values().any(|&n| n < 2) {
                continue;
            }
            let (a, c) = (dna(&b, &halves[0]), dna(&b, &halves[1]));
            let s = a.similarity(&c);
            assert!(s >= 0.85, "{rel} {mac}: {s}");
            pairs += 1;
        }
    }
    assert!(pairs >= 20, "{pairs}");
}

#[test]
fn dna_of_a_device_is_stable_and_survives_a_json_round_trip() {
    let b = DnaBuilder::new(DnaParams::default());
    let obs = observations("lldpd/8023bt.pcap");
    let back: Vec<Observation> = obs
        .iter()
        .map(|o| serde_json::from_str(&serde_json::to_string(o).unwrap()).unwrap())
        .collect();
    let (x, y) = (dna(&b, &obs), dna(&b, &back));
    assert_eq!(x.id, y.id);
    assert!(
        x.id.to_string().starts_with("dna:") && x.id.to_string().len() == 36,
        "{}",
        x.id
    );
    assert!((x.similarity(&y) - 1.0).abs() < 1e-5);
}

#[test]
fn different_corpus_devices_score_below_0_65() {
    let b = DnaBuilder::new(DnaParams::default());
    let devs = corpus_devices(&b);
    assert!(devs.len() >= 40, "{}", devs.len());
    // The same device appears in several captures (copies of one frame, or the same host
    // recorded twice): those pairs share a MAC, an LLDP chassis ID or a name.
    let same = |a: &Dna, c: &Dna| {
        a.identity.macs.iter().any(|m| c.identity.macs.contains(m))
            || a.identity
                .chassis_ids
                .iter()
                .any(|m| c.identity.chassis_ids.contains(m))
            || a.identity
                .names
                .iter()
                .any(|m| c.identity.names.contains(m))
    };
    // The corpus README: the DCB captures are "between two VirtualBox Linux hosts" (and evb.pcap
    // comes from one of them): identical software on identical virtual hardware, one kind.
    const VIRTUALBOX_HOSTS: [&str; 2] = ["08:00:27:0d:f1:3c", "08:00:27:42:ba:59"];
    let mut fails = Vec::new();
    let mut n = 0;
    let mut worst = 0.0f32;
    for (i, (ra, ma, a)) in devs.iter().enumerate() {
        for (rc, mc, c) in &devs[i + 1..] {
            if same(a, c)
                || (VIRTUALBOX_HOSTS.contains(&ma.as_str())
                    && VIRTUALBOX_HOSTS.contains(&mc.as_str()))
            {
                continue;
            }
            // Same model (the model tokens agree): a like-for-like unit, tested for the
            // firmware band below.
            if same_model(a, c) {
                continue;
            }
            n += 1;
            let s = a.similarity(c);
            worst = worst.max(s);
            if s >= 0.65 {
                fails.push(format!("{ra} {ma} vs {rc} {mc}: {s:.3}"));
            }
        }
    }
    assert!(
        fails.is_empty(),
        "{} of {n} pairs at or above 0.65:\n{}",
        fails.len(),
        fails.join("\n")
    );
    assert!(n > 500, "{n}");
    eprintln!("{n} pairs of different devices, highest similarity {worst:.3}");
}

/// The versions the device's firmware profile finds in its text fields, as written.
fn raw_versions(b: &DnaBuilder, obs: &[Observation]) -> Vec<String> {
    let mut f = Facts::new();
    obs.iter().for_each(|o| f.observe(o));
    let texts: Vec<(cybriq::dna::firmware::Field, String)> =
        f.texts().map(|(k, t)| (k, t.to_owned())).collect();
    let p = b.profiles().select(texts.iter().map(|(_, t)| t.as_str()));
    let mut out = Vec::new();
    for (field, t) in &texts {
        let lower = t.to_lowercase();
        for v in p.extract(*field, t).versions {
            if let Some(at) = lower.find(&v.version) {
                let raw = t[at..at + v.version.len()].to_owned();
                if !out.contains(&raw) {
                    out.push(raw);
                }
            }
        }
    }
    out
}

/// A version with its last number incremented (`minor`) or its first and last (`major`).
fn bump(v: &str, major: bool) -> String {
    let spans: Vec<(usize, usize)> = {
        let b = v.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if b[i].is_ascii_digit() {
                let s = i;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                out.push((s, i));
            } else {
                i += 1;
            }
        }
        out
    };
    let mut r = v.to_owned();
    let edit = |(s, e): (usize, usize), r: &mut String| {
        let n: u64 = r[s..e].parse().unwrap_or(0);
        let m = format!("{:0width$}", n + 1, width = e - s);
        r.replace_range(s..e, &m);
    };
    if let Some(&last) = spans.last() {
        edit(last, &mut r);
    }
    if major && spans.len() > 1 {
        edit(spans[0], &mut r);
    }
    r
}

/// Rewrites every version-bearing text field of an observation.
fn edit_texts(o: &Observation, f: &dyn Fn(&str) -> String) -> Observation {
    let mut o = o.clone();
    let g = |s: &mut Option<String>| {
        if let Some(x) = s.as_mut() {
            *x = f(x);
        }
    };
    match &mut o.signal {
        Signal::Lldp(l) => {
            g(&mut l.system_description);
            g(&mut l.inventory.software_revision);
            g(&mut l.inventory.firmware_revision);
        }
        Signal::Cdp(c) => g(&mut c.software_version),
        Signal::Edp(n) | Signal::Fdp(n) => g(&mut n.software_version),
        Signal::Dhcp(d) => g(&mut d.vendor_class),
        Signal::Dhcpv6(d) => {
            if let Some((_, items)) = d.vendor_class.as_mut() {
                items.iter_mut().for_each(|x| *x = f(x));
            }
        }
        _ => {}
    }
    o
}

#[test]
fn firmware_updates_built_from_real_frames_land_in_the_firmware_band() {
    let b = DnaBuilder::new(DnaParams::default());
    let mut tried = 0;
    let mut fails = Vec::new();
    for rel in real_captures() {
        for (mac, obs) in devices(&rel, &[]) {
            let versions = raw_versions(&b, &obs);
            if versions.is_empty() {
                continue;
            }
            let before = dna(&b, &obs);
            for major in [false, true] {
                let edit = |t: &str| {
                    let mut t = t.to_owned();
                    for v in &versions {
                        t = t.replace(v.as_str(), &bump(v, major));
                    }
                    t
                };
                let after: Vec<Observation> = obs.iter().map(|o| edit_texts(o, &edit)).collect();
                let d = dna(&b, &after);
                let s = before.similarity(&d);
                tried += 1;
                if !(0.65..0.85).contains(&s) {
                    fails.push(format!("{rel} {mac} {versions:?} major={major}: {s:.3}"));
                }
                // The explanation names the firmware tokens first.
                let cmp = cybriq::dna::compare(
                    (&before.vector, &before.tokens),
                    (&d.vector, &d.tokens),
                    4,
                );
                assert!(
                    cmp.changed
                        .first()
                        .is_some_and(|c| c.token.starts_with("fw:")),
                    "{rel} {mac} {versions:?}: {:?}",
                    cmp.changed
                );
            }
        }
    }
    assert!(
        fails.is_empty(),
        "{} of {tried}:\n{}",
        fails.len(),
        fails.join("\n")
    );
    assert!(tried >= 30, "{tried}");
}

#[test]
fn same_model_pairs_of_the_corpus_with_other_firmware_land_in_the_firmware_band() {
    let b = DnaBuilder::new(DnaParams::default());
    // Cisco WS-C3560G-24PS: "S2" on IOS 12.2(44)SE and "Switch" on 12.2(25)SEB4 (CDP of both).
    let s2 = &devices("tcpdump/LLDP_and_CDP.pcap", &["cdp"])["00:19:2f:a7:b2:8d"];
    let sw = &devices("tcpdump/3560_CDP.pcap", &["cdp"])["00:19:06:ea:b8:85"];
    let (a, c) = (dna(&b, s2), dna(&b, sw));
    let s = a.similarity(&c);
    eprintln!("WS-C3560G-24PS, IOS 12.2(44)SE vs 12.2(25)SEB4: {s:.3}");
    assert!((0.65..0.85).contains(&s), "{s}");
    let cmp = cybriq::dna::compare((&a.vector, &a.tokens), (&c.vector, &c.tokens), 3);
    assert!(
        cmp.changed.iter().any(|c| c.token.contains("12.2(25)seb4")),
        "{:?}",
        cmp.changed
    );

    // Every corpus pair of one model with different firmware.
    let devs = corpus_devices(&b);
    let fw = |d: &Dna| -> Vec<String> {
        d.tokens
            .iter()
            .filter(|t| t.token.starts_with("fw:"))
            .map(|t| t.token.clone())
            .collect()
    };
    let mut n = 0;
    for (i, (ra, ma, a)) in devs.iter().enumerate() {
        for (rc, mc, c) in &devs[i + 1..] {
            if ma == mc
                || !same_model(a, c)
                || fw(a) == fw(c)
                || fw(a).is_empty()
                || fw(c).is_empty()
            {
                continue;
            }
            let s = a.similarity(c);
            eprintln!("{ra} {ma} vs {rc} {mc}: {s:.3}");
            n += 1;
        }
    }
    assert!(n >= 1);
}

/// Every DNA of the corpus (each observation alone, and each capture's devices merged, with
/// and without port facts) hashed together: its id, vector bits, tokens with weight bits and
/// profile. Pinned, so that a speed-up of the builder cannot change any output.
#[test]
fn every_corpus_dna_is_pinned() {
    let b = DnaBuilder::new(DnaParams::default());
    let port = cybriq::dna::PortFacts {
        speed_mbps: Some(1000),
        full_duplex: Some(true),
        poe_class: Some(3),
        poe_power_mw: None,
    };
    let mut h = blake3::Hasher::new();
    let mut n = 0usize;
    let mut add = |d: &Dna| {
        n += 1;
        h.update(d.id.to_string().as_bytes());
        for x in d.vector.as_slice() {
            h.update(&x.to_bits().to_le_bytes());
        }
        for t in &d.tokens {
            h.update(t.token.as_bytes());
            h.update(&[0, t.family as u8]);
            h.update(&t.weight.to_bits().to_le_bytes());
        }
        h.update(d.profile.as_bytes());
        h.update(format!("{:?}", d.identity).as_bytes());
    };
    for p in common::all_captures() {
        // The captures made for the mDNS/SSDP tests came after the pin.
        if common::rel(&p).starts_with("mdns/") {
            continue;
        }
        let Ok((link, recs, _)) = read_all(&p) else {
            continue;
        };
        // mDNS/SSDP are identity evidence, not DNA input: the pinned DNAs are those of the
        // other observations (`discovery_leaves_every_corpus_dna_unchanged` shows they are
        // the same with them).
        let obs: Vec<Observation> = recs
            .iter()
            .filter_map(|(ts, d)| Observation::from_frame(*ts, &frame::decode(link, d)))
            .filter(|o| !is_discovery(o))
            .collect();
        let mut merged = Facts::new();
        for (i, o) in obs.iter().enumerate() {
            add(&b.build_one(o, None));
            if i % 3 == 0 {
                add(&b.build_one(o, Some(&port)));
            }
            merged.observe(o);
        }
        add(&b.build(&merged));
        merged.port(&port);
        add(&b.build(&merged));
    }
    let got = h.finalize().to_hex().to_string();
    assert!(n > 1000, "{n} DNAs");
    assert_eq!(
        got, "efdaaf8c2008ef0f0f8792d31879e3d65ec1a3480b14529f876c0f7d80920c61",
        "{n} DNAs"
    );
}

fn is_discovery(o: &Observation) -> bool {
    matches!(o.proto(), "mdns" | "ssdp")
}

/// The corpus's mDNS/SSDP frames change no DNA: each alone says only what an ARP frame says
/// (the MAC's OUI), and every device merged with them builds the DNA it builds without them.
#[test]
fn discovery_leaves_every_corpus_dna_unchanged() {
    let b = DnaBuilder::new(DnaParams::default());
    let (mut seen, mut devices) = (0, 0);
    for p in common::all_captures() {
        let Ok((link, recs, _)) = read_all(&p) else {
            continue;
        };
        let obs: Vec<Observation> = recs
            .iter()
            .filter_map(|(ts, d)| Observation::from_frame(*ts, &frame::decode(link, d)))
            .collect();
        let mut by_mac: BTreeMap<_, (Facts, Facts, bool)> = BTreeMap::new();
        for o in &obs {
            let (with, without, has_other) = by_mac.entry(o.mac).or_default();
            with.observe(o);
            if is_discovery(o) {
                seen += 1;
                let one = b.build_one(o, None);
                assert!(
                    one.tokens.iter().all(|t| t.family == Family::Oui),
                    "{}: {:?}",
                    p.display(),
                    one.tokens
                );
            } else {
                without.observe(o);
                *has_other = true;
            }
        }
        for (mac, (with, without, has_other)) in &by_mac {
            if !has_other || !obs.iter().any(|o| o.mac == *mac && is_discovery(o)) {
                continue;
            }
            devices += 1;
            let (x, y) = (b.build(with), b.build(without));
            assert_eq!(x.tokens, y.tokens, "{} {mac:?}", p.display());
            assert_eq!(x.vector.as_slice(), y.vector.as_slice());
        }
    }
    assert!(
        seen > 0 && devices > 0,
        "{seen} discovery frames, {devices} devices"
    );
}
