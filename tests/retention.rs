//! Bounded storage: a simulated month through the pipeline and the store writer, on a fake
//! sensor clock, with randomised MACs churning every day on access-point ports (clients that
//! come for a few hours and never return) beside a few residents that stay all month. With
//! two-day retention the database's tables, the syslog outbox of a destination that never
//! confirms anything, the pipeline's device table and the engine's residents all stop growing
//! once the retention window has passed: the last days hold what the first days after it
//! held, not thirty days' worth. No timing is asserted.

use std::sync::Arc;

use cybriq::attribution::{PortRef, TapRule};
use cybriq::clock::Timestamp;
use cybriq::config::Config;
use cybriq::dna::DnaBuilder;
use cybriq::emit::outbox::Outbox;
use cybriq::pipeline::{Pipeline, Settings, tap_rules};
use cybriq::refdb::RefDb;
use cybriq::store::{Writer, WriterSettings};
use cybriq::wire::{LinkType, MacAddr};

const SECOND: i64 = 1_000_000;
const HOUR: i64 = 3_600 * SECOND;
const DAY: i64 = 24 * HOUR;
/// 2026-06-01T00:00:00Z.
const START: i64 = 1_780_272_000 * SECOND;
const DAYS: i64 = 30;
const PORTS: u8 = 4;
/// Randomised MACs new on each port each day.
const CHURN: u32 = 25;
/// Residents per port for the whole month.
const RESIDENTS: u8 = 2;

/// An ARP request from `mac` (sender address `ip`) for the gateway, padded to 60 bytes.
fn arp(mac: MacAddr, ip: [u8; 4]) -> Vec<u8> {
    let mut f = Vec::with_capacity(60);
    f.extend_from_slice(&[0xff; 6]);
    f.extend_from_slice(&mac.0);
    f.extend_from_slice(&[0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01]);
    f.extend_from_slice(&mac.0);
    f.extend_from_slice(&ip);
    f.extend_from_slice(&[0; 6]);
    f.extend_from_slice(&[ip[0], ip[1], ip[2], 1]);
    f.resize(60, 0);
    f
}

/// A locally administered ("randomised") MAC, different for every (day, port, n).
fn random_mac(day: i64, port: u8, n: u32) -> MacAddr {
    let x = (day as u32).wrapping_mul(0x9e37_79b9) ^ (u32::from(port) << 24) ^ n;
    let b = x.to_be_bytes();
    MacAddr([0x02 | (port << 4), 0x5e, b[0], b[1], b[2], b[3]])
}

fn resident_mac(port: u8, n: u8) -> MacAddr {
    MacAddr([0x00, 0x1b, 0x44, 0x11, port, n])
}

struct Sim {
    pipeline: Pipeline,
    writer: Arc<Writer>,
    db: std::path::PathBuf,
    now: i64,
    /// (time, interface, frame) of the day, sorted by time before they are handed in.
    frames: Vec<(i64, String, Vec<u8>)>,
}

/// What is kept at the end of a day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Kept {
    events: i64,
    observations: i64,
    devices: i64,
    outbox: i64,
    /// Token lists kept per DNA (the device timeline's feature values).
    dna_tokens: i64,
    residents: i64,
    in_memory: u64,
    /// Pages the database file uses (freed pages are reused, not returned).
    pages: i64,
}

impl Sim {
    fn new(dir: &std::path::Path) -> Sim {
        let cfg = Config::parse(
            &format!(
                "[sensor]\nsite = \"soak\"\ndata_dir = {:?}\n\
                 [events]\nremember_departed = \"2d\"\n\
                 [retention]\nevents_days = 2\naudit_days = 2\nobservations_days = 2\n\
                 departed_devices_days = 2\noutbox_max_rows = 100000\noutbox_max_age_days = 1\n\
                 prune_batch = 500\nprune_every_secs = 600\n",
                dir.display().to_string()
            ),
            "test",
        )
        .unwrap();
        let db = cybriq::store::db_path(dir);
        // A destination that never confirms anything: only the outbox's bounds drain it.
        Outbox::open(&db).unwrap().register(&["siem"]).unwrap();
        let settings = WriterSettings {
            retention: Some(cfg.retention.settings()),
            ..WriterSettings::default()
        };
        let writer = Arc::new(Writer::start(&db, settings, None).unwrap());
        let taps: Vec<TapRule> = (0..PORTS)
            .map(|p| TapRule {
                interface: format!("ap{p}"),
                vlan: None,
                port: PortRef::new("access-1", format!("Gi1/0/{p}")),
            })
            .collect();
        let pipeline = Pipeline::new(
            &cfg,
            Settings::default(),
            DnaBuilder::new(cfg.dna.params()),
            Arc::new(RefDb::builtin().unwrap()),
            tap_rules(&cfg, &taps),
            Some(writer.clone()),
        )
        .with_seed(1);
        Sim {
            pipeline,
            writer,
            db,
            now: START,
            frames: Vec::new(),
        }
    }

    /// Day `d`'s frames: each resident every hour; each of the day's new clients three times
    /// within an hour somewhere between 08:00 and 18:00.
    fn plan_day(&mut self, d: i64) {
        let base = START + d * DAY;
        for p in 0..PORTS {
            let iface = format!("ap{p}");
            for n in 0..RESIDENTS {
                let m = resident_mac(p, n);
                for h in 0..24 {
                    let t = base + h * HOUR + i64::from(n) * 60 * SECOND;
                    self.frames
                        .push((t, iface.clone(), arp(m, [10, p, 0, 10 + n])));
                }
            }
            for n in 0..CHURN {
                let m = random_mac(d, p, n);
                let first = base + 8 * HOUR + i64::from(n) * 15 * 60 * SECOND;
                for k in 0..3 {
                    let ip = [10, p, 1 + (n / 200) as u8, (n % 200) as u8 + 20];
                    self.frames
                        .push((first + k * 20 * 60 * SECOND, iface.clone(), arp(m, ip)));
                }
            }
        }
        self.frames.sort_by_key(|f| f.0);
    }

    /// Runs the day's frames with a tick every five minutes of sensor time.
    fn run_day(&mut self, d: i64) {
        self.plan_day(d);
        let end = START + (d + 1) * DAY;
        let frames = std::mem::take(&mut self.frames);
        let mut i = 0;
        while self.now < end {
            let next = self.now + 300 * SECOND;
            while i < frames.len() && frames[i].0 < next {
                let (t, iface, f) = &frames[i];
                self.pipeline
                    .frame(iface, LinkType::Ethernet, Timestamp(*t), f);
                i += 1;
            }
            self.now = next;
            self.pipeline.tick(Timestamp(self.now));
        }
    }

    /// Everything handed over is stored and a retention pass ran at the day's end.
    fn kept(&mut self) -> Kept {
        self.pipeline.flush();
        self.writer.flush();
        // The channel is empty now: this clock reaches the writer (a tick's may not, when the
        // channel was full), so every day is pruned at its own end.
        self.writer.clock(Timestamp(self.now));
        self.writer.prune();
        let c = cybriq::store::open(&self.db).unwrap();
        let n = |sql: &str| c.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
        Kept {
            events: n("SELECT COUNT(*) FROM events"),
            observations: n("SELECT COUNT(*) FROM observations"),
            devices: n("SELECT COUNT(*) FROM devices"),
            outbox: n("SELECT COUNT(*) FROM emit_outbox"),
            dna_tokens: n("SELECT COUNT(*) FROM dna_tokens"),
            residents: n(
                "SELECT COALESCE(SUM(json_array_length(state, '$.data.residents')), 0) FROM port_state",
            ),
            in_memory: self.pipeline.stats().devices,
            pages: n("PRAGMA page_count"),
        }
    }
}

/// One count of [`Kept`].
type Field = fn(&Kept) -> i64;

#[test]
fn a_month_of_randomised_macs_keeps_the_store_and_memory_flat() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("retention-soak-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut sim = Sim::new(&dir);
    let mut days = Vec::new();
    for d in 0..DAYS {
        sim.run_day(d);
        let k = sim.kept();
        eprintln!("day {d:2}: {k:?}");
        days.push(k);
    }
    let clients_per_day = i64::from(PORTS) * i64::from(CHURN);
    let residents = i64::from(PORTS) * i64::from(RESIDENTS);
    // Everything churned through: far more devices were seen than are kept.
    let seen_in_all = clients_per_day * DAYS + residents;
    let last = days[DAYS as usize - 1];
    assert!(
        sim.pipeline.stats().expired > 0,
        "{:?}",
        sim.pipeline.stats()
    );
    // Two days of retention: at most the clients of the last three days and the residents.
    let window = 3 * clients_per_day + residents;
    assert!(last.devices <= window, "{last:?}");
    assert!(last.in_memory <= window as u64, "{last:?}");
    assert!(last.residents <= window, "{last:?}");
    assert!(last.devices * 5 < seen_in_all, "{last:?} of {seen_in_all}");
    // Each client writes its first sighting to the timeline (a few rows at most).
    assert!(last.observations <= 4 * window, "{last:?}");
    assert!(
        last.outbox <= 4 * window && last.events <= 8 * window,
        "{last:?}"
    );
    // Flat: no count of the last ten days exceeds the largest of days 5..=10 (the window had
    // passed by then); the database file grows by a tenth at most (freed pages are reused).
    let early = |f: Field| days[5..=10].iter().map(f).max().unwrap();
    let late = |f: Field| days[20..].iter().map(f).max().unwrap();
    let fields: [(&str, Field); 8] = [
        ("events", |k| k.events),
        ("observations", |k| k.observations),
        ("devices", |k| k.devices),
        ("outbox", |k| k.outbox),
        ("dna_tokens", |k| k.dna_tokens),
        ("residents", |k| k.residents),
        ("in_memory", |k| k.in_memory as i64),
        ("pages", |k| k.pages),
    ];
    for (name, f) in fields {
        // The file may fragment a little as freed pages are reused: within a tenth.
        let slack = if name == "pages" { early(f) / 10 } else { 0 };
        assert!(late(f) <= early(f) + slack, "{name} grew: {days:#?}");
        assert!(late(f) > 0, "{name} is empty: {days:#?}");
    }
    // The destination that never confirmed lost what the bounds dropped, on record.
    let mut o = Outbox::open(&sim.db).unwrap();
    let (_, _, _, dropped) = o.cursors().unwrap()[0].clone();
    assert!(dropped > 0, "{:?}", o.cursors().unwrap());
    // Passes ran on the sensor clock too, not only when asked at the end of each day.
    assert!(sim.writer.stats().pruned.passes() > DAYS as u64);
    let pruned = sim.writer.stats().pruned.snapshot();
    assert!(
        pruned.events > 0
            && pruned.observations > 0
            && pruned.devices > 0
            && pruned.outbox_capped > 0,
        "{pruned:?}"
    );
    sim.writer.stop();
    let _ = std::fs::remove_dir_all(&dir);
}
