use super::*;
use crate::clock::Timestamp;
use crate::observe::{Cdp, Dhcp, Eapol, Inventory, Lldp, Observation, Signal};
use crate::wire::MacAddr;

fn obs(mac: [u8; 6], signal: Signal) -> Observation {
    Observation {
        ts: Timestamp(1_700_000_000_000_000),
        mac: Some(MacAddr(mac)),
        src_mac: Some(MacAddr(mac)),
        vlans: vec![],
        ip_ttl: None,
        anomalies: 0,
        signal,
    }
}

/// A Cisco 8851 phone's LLDP-MED frame, with a given load.
fn phone_lldp(load: &str, model: &str) -> Observation {
    obs(
        [0x00, 0x1b, 0x54, 1, 2, 3],
        Signal::Lldp(Lldp {
            chassis_id: Some((5, "10.0.0.9".into())),
            port_id: Some((3, "00:1b:54:01:02:03:P1".into())),
            ttl: Some(180),
            system_name: Some("SEP001B54010203".into()),
            system_description: Some(format!("Cisco IP Phone {model}, V3, {load}")),
            caps_system: 0x24,
            caps_enabled: 0x20,
            tlv_order: [
                "1",
                "2",
                "3",
                "5",
                "6",
                "7",
                "127/0012bb/1",
                "127/0012bb/2",
                "127/0012bb/5",
                "127/0012bb/7",
                "127/0012bb/9",
                "0",
            ]
            .join(","),
            med_class: Some(3),
            inventory: Box::new(Inventory {
                software_revision: Some(load.into()),
                model_name: Some(format!("CP-{model}")),
                manufacturer: Some("Cisco Systems, Inc.".into()),
                serial_number: Some("FCH1234ABCD".into()),
                hardware_revision: Some("4".into()),
                ..Inventory::default()
            }),
            poe_class: Some(4),
            ..Lldp::default()
        }),
    )
}

fn phone_dhcp(model: &str) -> Observation {
    let mut o = obs(
        [0x00, 0x1b, 0x54, 1, 2, 3],
        Signal::Dhcp(Dhcp {
            from_client: true,
            message_type: Some(1),
            xid: 7,
            chaddr: Some(MacAddr([0x00, 0x1b, 0x54, 1, 2, 3])),
            client_id: Some(vec![1, 0x00, 0x1b, 0x54, 1, 2, 3]),
            hostname: Some("SEP001B54010203".into()),
            vendor_class: Some(format!("Cisco Systems, Inc. IP Phone CP-{model}")),
            prl: vec![1, 3, 6, 15, 119, 252, 66, 150],
            options_order: vec![53, 61, 57, 55, 60, 12],
            max_message_size: Some(1500),
            requested_ip: None,
            ciaddr: std::net::Ipv4Addr::UNSPECIFIED,
            yiaddr: std::net::Ipv4Addr::UNSPECIFIED,
            giaddr: std::net::Ipv4Addr::UNSPECIFIED,
            user_class: vec![],
            fqdn: None,
            circuit_id: None,
            remote_id: None,
        }),
    );
    o.ip_ttl = Some(64);
    o
}

fn phone(load: &str, model: &str) -> Facts {
    let mut f = Facts::new();
    f.observe(&phone_lldp(load, model));
    f.observe(&phone_dhcp(model));
    f.observe(&obs(
        [0x00, 0x1b, 0x54, 1, 2, 3],
        Signal::Eapol(Eapol {
            packet_type: 0,
            eap_code: Some(2),
            eap_type: Some(13),
            identity: None,
        }),
    ));
    f.port(&PortFacts {
        speed_mbps: Some(1000),
        full_duplex: Some(true),
        poe_class: Some(4),
        poe_power_mw: Some(6500),
    });
    f
}

fn builder() -> DnaBuilder {
    DnaBuilder::new(DnaParams::default())
}

#[test]
fn tokens_follow_the_design_shapes() {
    let d = builder().build(&phone("sip88xx.12-8-1-0001-455", "8851"));
    let has = |t: &str| d.tokens.iter().any(|x| x.token == t);
    for t in [
        "oui:001b54",
        "lldp.caps:bridge,telephone",
        "lldp.caps.enabled:telephone",
        "lldp.tlvs:1,2,3,5,6,7,127/0012bb/1,127/0012bb/2,127/0012bb/5,127/0012bb/7,127/0012bb/9,0",
        "lldp.med.model:cp-8851",
        "lldp.med.class:3",
        "dhcp.prl:1,3,6,15,119,252,66,150",
        "dhcp.opts:53,61,57,55,60,12",
        "dhcp.maxsize:1500",
        "dhcp.cid.type:1",
        "ip.ttl:64",
        "eap.method:tls",
        "poe.class:4",
        "port.speed:1000",
        "fw:cisco-ipphone:12-8-1-0001-455",
        "fw.train:cisco-ipphone:12.8",
        "model:cp-8851",
    ] {
        assert!(has(t), "{t} missing from {:#?}", d.tokens);
    }
    assert_eq!(d.profile, "cisco-ipphone");
    // Hard identity beside, not inside.
    assert!(!d.tokens.iter().any(|t| t.token.contains("fch1234abcd")));
    assert_eq!(d.identity.serials, ["FCH1234ABCD"]);
    // Effective weights are normalised, and so is the vector.
    let w: f32 = d.tokens.iter().map(|t| t.weight * t.weight).sum();
    assert!((w - 1.0).abs() < 1e-4, "{w}");
    let n: f32 = d.vector.as_slice().iter().map(|x| x * x).sum();
    assert!((n - 1.0).abs() < 1e-4, "{n}");
    // The firmware share is what the parameters say.
    let fw: f32 = d
        .tokens
        .iter()
        .filter(|t| t.family == Family::Firmware)
        .map(|t| t.weight * t.weight)
        .sum();
    assert!((fw - 0.27).abs() < 1e-3, "{fw}");
}

#[test]
fn calibration_firmware_update_model_change_and_re_observation() {
    let b = builder();
    let base = b.build(&phone("sip88xx.12-8-1-0001-455", "8851"));
    let again = b.build(&phone("sip88xx.12-8-1-0001-455", "8851"));
    assert_eq!(base.id, again.id);
    assert!(base.similarity(&again) > 0.999);
    for load in [
        "sip88xx.12-8-1-0002-10",
        "sip88xx.14-1-1-0001-125",
        "sip88xx.11-7-1-17",
    ] {
        let s = base.similarity(&b.build(&phone(load, "8851")));
        assert!((0.65..0.85).contains(&s), "{load}: {s}");
    }
    // Another model of the same vendor, same load family.
    let s = base.similarity(&b.build(&phone("sip88xx.12-8-1-0001-455", "8861")));
    assert!(s < 0.65, "8861: {s}");
}

#[test]
fn dna_id_is_pinned_across_runs_and_machines() {
    // The id depends only on the tokens, blake3 and IEEE f32 arithmetic in a fixed order.
    let d = builder().build(&phone("sip88xx.12-8-1-0001-455", "8851"));
    assert_eq!(d.id.to_string(), "dna:7b59d10cd64b275a2bca20fada4c182c");
}

#[test]
fn randomised_macs_and_dimension_and_weights() {
    let mut o = phone_dhcp("8851");
    o.mac = Some(MacAddr([0x02, 0x11, 0x22, 0x33, 0x44, 0x55]));
    let d = builder().build_one(&o, None);
    assert!(d.tokens.iter().any(|t| t.token == "oui:local"));
    for dim in [16, 64, 1024] {
        let b = DnaBuilder::new(DnaParams {
            dimension: dim,
            ..DnaParams::default()
        });
        let d = b.build(&phone("sip88xx.12-8-1-0001-455", "8851"));
        assert_eq!(d.vector.dim(), dim);
    }
    // DNAs of different dimensions (a configuration change) do not match, and do not panic.
    let small = DnaBuilder::new(DnaParams {
        dimension: 64,
        ..DnaParams::default()
    })
    .build(&phone("sip88xx.12-8-1-0001-455", "8851"));
    let full = builder().build(&phone("sip88xx.12-8-1-0001-455", "8851"));
    assert_eq!(small.similarity(&full), 0.0);
    let mut base = Baseline::new(&full, Timestamp(0), BaselineParams::default());
    assert_eq!(
        base.update(&small, Timestamp(1)),
        Update::Rejected { similarity: 0.0 }
    );
    // A family with weight 0 is left out.
    let mut p = DnaParams::default();
    p.weights.set(Family::Dhcp, 0.0);
    let d = DnaBuilder::new(p).build(&phone("sip88xx.12-8-1-0001-455", "8851"));
    assert!(!d.tokens.iter().any(|t| t.family == Family::Dhcp));
    // Nothing observed: a zero vector, similarity 0.
    let z = builder().build(&Facts::new());
    assert!(z.vector.is_zero() && z.tokens.is_empty());
    assert_eq!(z.similarity(&d), 0.0);
}

#[test]
fn cdp_only_switch_tokens() {
    let o = obs(
        [0x00, 0x19, 0x06, 0xea, 0xb8, 0x85],
        Signal::Cdp(Cdp {
            version: 2,
            ttl: 180,
            device_id: Some("Switch".into()),
            port_id: Some("GigabitEthernet0/1".into()),
            platform: Some("cisco WS-C3560G-24PS".into()),
            software_version: Some("Cisco IOS Software, C3560 Software (C3560-ADVIPSERVICESK9-M), Version 12.2(25)SEB4, RELEASE SOFTWARE (fc1)".into()),
            capabilities: 0x28,
            tlv_order: vec![1, 5, 6, 2, 3, 4],
            ..Cdp::default()
        }),
    );
    let d = builder().build_one(&o, None);
    let has = |t: &str| d.tokens.iter().any(|x| x.token == t);
    assert!(has("cdp.platform:cisco ws-c3560g-24ps"));
    assert!(has("cdp.caps:switch,igmp"));
    assert!(has("cdp.tlvs:1,5,6,2,3,4"));
    assert!(has("cdp.port:gigabitethernet#/#"));
    assert!(has("fw:cisco-ios:12.2(25)seb4"));
    assert!(has("fw.text:c3560-advipservicesk9-m"));
    assert!(
        !d.tokens.iter().any(|t| t.token.contains("fc1")),
        "{:?}",
        d.tokens
    );
}

#[test]
fn comparison_explains_with_firmware_first_and_contributions_sum_to_the_distance() {
    let b = builder();
    let x = b.build(&phone("sip88xx.12-8-1-0001-455", "8851"));
    let y = b.build(&phone("sip88xx.14-1-1-0001-125", "8851"));
    let c = compare((&x.vector, &x.tokens), (&y.vector, &y.tokens), 100);
    // The old and the new firmware come first (equal contributions: by token).
    assert_eq!(c.changed[0].token, "fw:cisco-ipphone:12-8-1-0001-455");
    assert_eq!(c.changed[0].change, ChangeKind::Removed);
    assert_eq!(c.changed[0].label(), "-fw.versions");
    assert_eq!(c.changed[1].label(), "+fw.versions");
    // Labels are names without values, so a comma-separated list of them can be split.
    for ch in &c.changed {
        let l = ch.label();
        assert!(!l.contains([',', ':', ' ', '"']), "{l}");
        assert!(l[1..].contains('.'), "{l}");
    }
    assert!(c.changed.iter().any(|ch| ch.change == ChangeKind::Removed));
    assert!(
        c.changed
            .windows(2)
            .all(|w| w[0].contribution >= w[1].contribution)
    );
    assert!(c.changed.iter().all(|ch| ch.family == Family::Firmware));
    let sum: f32 = c.changed.iter().map(|c| c.contribution).sum();
    assert!(
        (sum - (1.0 - c.similarity)).abs() < 0.06,
        "{sum} vs {}",
        1.0 - c.similarity
    );
    assert_eq!(
        compare((&x.vector, &x.tokens), (&y.vector, &y.tokens), 2)
            .changed
            .len(),
        2
    );
}

#[test]
fn baseline_learns_then_follows_only_matching_observations() {
    let b = builder();
    let p = BaselineParams {
        learning_window_us: 3600 * 1_000_000,
        ewma_alpha: 0.2,
        match_threshold: 0.85,
    };
    let t0 = Timestamp(0);
    let hour = 3600 * 1_000_000;
    let x = b.build(&phone("sip88xx.12-8-1-0001-455", "8851"));
    let mut base = Baseline::new(&x, t0, p);
    assert!(base.learning(Timestamp(hour - 1)));
    assert!(!base.learning(Timestamp(hour)));
    // In the window everything is learned, even a firmware update.
    let fw = b.build(&phone("sip88xx.14-1-1-0001-125", "8851"));
    assert!(matches!(
        base.update(&fw, Timestamp(10)),
        Update::Learning { .. }
    ));
    assert_eq!(base.samples(), 2);
    let mid = base.similarity(&x);
    assert!(mid > 0.85 && mid < 0.99, "{mid}");
    // After the window: a different model is rejected and changes nothing.
    let other = b.build(&phone("sip88xx.12-8-1-0001-455", "8861"));
    let before = base.clone();
    assert!(
        matches!(base.update(&other, Timestamp(2 * hour)), Update::Rejected { similarity } if similarity < 0.65)
    );
    assert_eq!(base, before);
    // Matching observations move the EWMA towards them.
    let s0 = base.similarity(&fw);
    for i in 0..10 {
        assert!(matches!(
            base.update(&fw, Timestamp(2 * hour + i)),
            Update::Matched { .. }
        ));
    }
    let s1 = base.similarity(&fw);
    assert!(s1 > s0 && s1 > 0.99, "{s0} -> {s1}");
    // The old firmware's tokens fade from the baseline's explanation.
    let c = base.compare(&x, 3);
    assert!(c.changed[0].token.starts_with("fw:"), "{:?}", c.changed);
    assert!(base.id().to_string().starts_with("dna:"));
}

#[test]
fn memoised_builds_equal_fresh_builds() {
    let shared = builder();
    let facts = [
        phone("sip88xx.12-8-1-0001-455", "8851"),
        phone("sip88xx.14-1-1-0001-125", "8861"),
        phone("sip88xx.12-8-1-0001-455", "8851"),
    ];
    for f in &facts {
        let warm = shared.build(f);
        let fresh = builder().build(f);
        assert_eq!(warm, fresh);
    }
    shared.clear_cache();
    assert_eq!(shared.build(&facts[1]), builder().build(&facts[1]));
    // A clone starts with empty caches and builds the same DNAs.
    assert_eq!(shared.clone().build(&facts[0]), shared.build(&facts[0]));
}

#[test]
fn dna_id_equals_the_id_of_the_vectors_quantisation() {
    // DnaId::of quantises on the stack; it must give the id `Vector::quantise` defines.
    let reference = |v: &Vector| {
        let (q, _) = v.quantise();
        let bytes: Vec<u8> = q.iter().map(|&x| x as u8).collect();
        let h = blake3::hash(&bytes);
        format!("dna:{}", &h.to_hex()[..32])
    };
    let mut seed = 7u64;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((seed >> 40) as f32 / (1u64 << 24) as f32) - 0.5
    };
    for d in [1usize, 16, 255, 256, 1024, 1025, 4096] {
        for _ in 0..5 {
            let v = Vector::new((0..d).map(|_| next()).collect()).unwrap();
            assert_eq!(DnaId::of(&v).to_string(), reference(&v), "d = {d}");
        }
        let z = Vector::from_normalised(vec![0.0; d]).unwrap();
        assert_eq!(DnaId::of(&z).to_string(), reference(&z), "zero, d = {d}");
    }
}

#[test]
fn build_one_equals_the_build_of_the_observations_facts() {
    // build_one writes tokens into per-thread scratch space; it must give exactly the DNA of
    // Facts::of (plus the port), on any thread, with repeated tokens merged the same way (the
    // port's PoE class repeats the LLDP one with another weight).
    let b = builder();
    let port = PortFacts {
        speed_mbps: Some(1000),
        full_duplex: Some(false),
        poe_class: Some(4),
        poe_power_mw: Some(5200),
    };
    let obs = [
        phone_lldp("sip88xx.12-8-1-0001-455", "8851"),
        phone_lldp("sip88xx.14-1-1-0001-125", "8861"),
        phone_dhcp("8851"),
    ];
    std::thread::scope(|s| {
        for t in 0..2 {
            let (b, obs, port) = (&b, &obs, &port);
            s.spawn(move || {
                for round in 0..3 {
                    for o in obs {
                        let p = (round + t) % 2 == 0;
                        let mut f = Facts::of(o);
                        if p {
                            f.port(port);
                        }
                        assert_eq!(b.build_one(o, p.then_some(port)), b.build(&f));
                        assert_eq!(b.build_one(o, None), builder().build(&Facts::of(o)));
                    }
                }
            });
        }
    });
}

#[test]
fn quantising_without_float_to_int_casts_truncates_like_as() {
    // Every half-integer and integer in range, their float neighbours, and a stride through
    // all the floats of [-127, 127].
    let mut zs: Vec<f32> = Vec::new();
    for i in -254..=254 {
        let z = i as f32 / 2.0;
        zs.extend([
            z,
            f32::from_bits(z.to_bits() + 1),
            z.next_down(),
            z.next_up(),
        ]);
    }
    let mut b = 0u32;
    while b < 127.0f32.to_bits() {
        let z = f32::from_bits(b);
        zs.extend([z, -z]);
        b += 9_973;
    }
    for z in zs.into_iter().filter(|z| z.abs() <= 127.0) {
        assert_eq!(super::trunc_i8(z), z as i8, "{z:?}");
    }
}

#[test]
fn dna_id_equals_blake3_of_the_reference_quantisation() {
    let mut s = 0x9e37_79b9_7f4a_7c15u64;
    let mut rnd = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    for round in 0..200 {
        let d = [16, 256, 1024][round % 3];
        let mut v: Vec<f32> = (0..d)
            .map(|_| ((rnd() >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 3.0)
            .collect();
        // Exact ties after scaling (x · 127 / max = k + 0.5) and zeros.
        v[0] = 1.0;
        v[1] = 63.5 / 127.0;
        v[2] = -0.5 / 127.0;
        v[3] = 0.0;
        v[4] = -0.0;
        let v = Vector::from_normalised(v).unwrap();
        let (q, _) = v.quantise();
        let bytes: Vec<u8> = q.iter().map(|&x| x as u8).collect();
        let h = blake3::hash(&bytes);
        let want: String = h.as_bytes()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(DnaId::of(&v).to_string(), format!("dna:{want}"));
    }
}

#[test]
fn dna_ids_read_back_from_their_text_and_refuse_other_text() {
    let id = DnaId::of(&Vector::new(vec![0.5, -0.25, 0.125, 1.0]).unwrap());
    let text = id.to_string();
    assert!(text.starts_with("dna:") && text.len() == 36, "{text}");
    assert_eq!(text.parse::<DnaId>().unwrap(), id);
    assert_eq!(
        text.to_uppercase()
            .replace("DNA:", "dna:")
            .parse::<DnaId>()
            .unwrap(),
        id
    );
    let json = serde_json::to_string(&id).unwrap();
    assert_eq!(json, format!("\"{text}\""));
    assert_eq!(serde_json::from_str::<DnaId>(&json).unwrap(), id);
    for bad in [
        "",
        "dna:",
        "dna:00",
        &text[4..],
        &format!("{text}0"),
        "dna:0g000000000000000000000000000000",
    ] {
        assert!(bad.parse::<DnaId>().is_err(), "{bad:?}");
        assert!(
            serde_json::from_str::<DnaId>(&format!("\"{bad}\"")).is_err(),
            "{bad:?}"
        );
    }
    // Ordered as their text is.
    let other: DnaId = "dna:ffffffffffffffffffffffffffffffff".parse().unwrap();
    assert_eq!(
        id.cmp(&other),
        text.as_str().cmp("dna:ffffffffffffffffffffffffffffffff")
    );
}
