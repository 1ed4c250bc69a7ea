//! Suppressions and change windows posted through the API reach a running pipeline's engine
//! at once, survive a restart (store migration 6), expire by time, show in the device and
//! event views with their audit trail, and bad bodies are refused whole (422 naming every bad
//! key, nothing written).
//!
//! The pipeline runs on a thread of its own fed through a channel, as under `cybriq run`: the
//! API's `EngineLink` puts the control on that channel and the handler answers once the
//! pipeline has applied it. Devices are a real LLDP speaker of the corpus
//! (tests/data/ladvd/cdp/49.good.phone.pcap, a Cisco IP phone's CDP), rewritten to new MACs, on tap-attributed ports.

#[path = "api_support/mod.rs"]
mod support;

use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cybriq::api::auth::Scope;
use cybriq::api::link::Ack;
use cybriq::api::{Clock, EngineLink};
use cybriq::attribution::{PortRef, TapRule};
use cybriq::clock::Timestamp;
use cybriq::config::Config;
use cybriq::dna::DnaBuilder;
use cybriq::engine::Control;
use cybriq::event::{Event, EventType};
use cybriq::pipeline::{Pipeline, Settings, tap_rules};
use cybriq::refdb::RefDb;
use cybriq::store::{Writer, WriterSettings};
use cybriq::wire::LinkType;
use serde_json::{Value, json};
use support::{Server, TempDir, TokenState};

const SW: &str = "access-1";
const MIN: i64 = 60_000_000;
const HOUR: i64 = 60 * MIN;

/// What the pipeline thread is handed (the daemon's input, in small).
enum In {
    Frame(&'static str, Timestamp, Vec<u8>),
    Tick(Timestamp),
    Control(Control, Ack),
    /// Flush to the store, then report (API suppressions, API windows) held.
    Sync(Sender<(usize, usize)>),
    Stop,
}

/// The CDP frame of a Cisco IP phone (corpus: ladvd) with its source MAC replaced by
/// `02:00:00:00:00:0n`.
fn phone(n: u8) -> Vec<u8> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/ladvd/cdp/49.good.phone.pcap"
    );
    let (link, recs, _) = cybriq::capture::read_all(std::path::Path::new(path)).unwrap();
    assert_eq!(link, LinkType::Ethernet);
    let (_, mut d) = recs
        .into_iter()
        .find(|(_, d)| d.len() > 14 && d[..6] == [0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcc])
        .expect("a CDP frame");
    d[6..12].copy_from_slice(&[0x02, 0, 0, 0, 0, n]);
    d
}

fn mac(n: u8) -> String {
    format!("02:00:00:00:00:{n:02x}")
}

/// Tap interface `tN` is port `Gi1/0/N` of `access-1`.
fn port(n: u8) -> String {
    format!("Gi1/0/{n}")
}

const TAPS: [&str; 6] = ["t1", "t2", "t3", "t4", "t5", "t6"];

/// The tap device `n` speaks on: its own, but device 7 joins device 4 on port 4.
fn tap(n: u8) -> &'static str {
    TAPS[usize::from(if n == 7 { 4 } else { n }) - 1]
}

/// A pipeline over the store in `dir`, restored from it, on its own thread.
struct Sensor {
    tx: Sender<In>,
    thread: Option<std::thread::JoinHandle<()>>,
    writer: Arc<Writer>,
}

impl Sensor {
    fn start(dir: &std::path::Path, events: Arc<Mutex<Vec<Event>>>, now: Timestamp) -> Sensor {
        let cfg = Config::parse(
            &format!(
                "[sensor]\nsite = \"hq-bldg-3\"\ndata_dir = {:?}\n",
                dir.display().to_string()
            ),
            "test",
        )
        .unwrap();
        let db = cybriq::store::db_path(dir);
        let writer = Arc::new(Writer::start(&db, WriterSettings::default(), None).unwrap());
        let taps: Vec<TapRule> = (1..=6u8)
            .map(|n| TapRule {
                interface: TAPS[n as usize - 1].into(),
                vlan: None,
                port: PortRef {
                    switch: SW.into(),
                    port: port(n),
                },
            })
            .collect();
        let mut p = Pipeline::new(
            &cfg,
            Settings::default(),
            DnaBuilder::new(cfg.dna.params()),
            Arc::new(RefDb::builtin().unwrap()),
            tap_rules(&cfg, &taps),
            Some(writer.clone()),
        )
        .with_sink(Box::new(move |e: &[Event]| {
            events.lock().unwrap().extend_from_slice(e)
        }));
        // What `cybriq run` does at start.
        let conn = cybriq::store::open(&db).unwrap();
        p.restore(cybriq::store::read::port_states(&conn).unwrap());
        p.restore_controls(&conn, now).unwrap();
        drop(conn);
        let (tx, rx) = channel::<In>();
        let thread = std::thread::spawn(move || run(p, rx));
        Sensor {
            tx,
            thread: Some(thread),
            writer,
        }
    }

    /// The API's link to this pipeline.
    fn link(&self) -> EngineLink {
        let tx = Mutex::new(self.tx.clone());
        EngineLink::new(move |c, ack| tx.lock().unwrap().send(In::Control(c, ack)).is_ok())
    }

    fn send(&self, i: In) {
        self.tx.send(i).unwrap();
    }

    /// Everything handed in so far is processed and stored; the controls the engine holds.
    fn sync(&self) -> (usize, usize) {
        let (tx, rx) = channel();
        self.send(In::Sync(tx));
        let held = rx.recv().unwrap();
        self.writer.flush();
        held
    }

    fn stop(mut self) {
        self.send(In::Stop);
        self.thread.take().unwrap().join().unwrap();
        self.writer.stop();
    }
}

/// The pipeline thread: the daemon's main loop over [`In`].
fn run(mut p: Pipeline, rx: Receiver<In>) {
    while let Ok(i) = rx.recv() {
        match i {
            In::Frame(iface, ts, d) => p.frame(iface, LinkType::Ethernet, ts, &d),
            In::Tick(t) => p.tick(t),
            In::Control(c, ack) => {
                p.control(c);
                let _ = ack.send(());
            }
            In::Sync(back) => {
                p.flush();
                let _ = back.send(p.controls().api_counts());
            }
            In::Stop => {
                p.finish();
                return;
            }
        }
    }
}

/// Simulated time, from the wall clock at the start; the API's clock is moved with it.
struct Sim {
    t0: Timestamp,
    at: i64,
    clock: Clock,
}

impl Sim {
    fn now(&self) -> Timestamp {
        Timestamp(self.t0.0 + self.at)
    }

    /// Moves to `to` (µs after t0): device `n` of `speaking` says its LLDP frame every 10 min,
    /// every port ticks every 5 min.
    fn run(&mut self, s: &Sensor, to: i64, speaking: &[u8]) {
        while self.at < to {
            let step = (5 * MIN).min(to - self.at);
            self.at += step;
            self.clock.advance(Duration::from_micros(step as u64));
            if self.at % (10 * MIN) == 0 {
                for &n in speaking {
                    s.send(In::Frame(tap(n), self.now(), phone(n)));
                }
            }
            s.send(In::Tick(self.now()));
        }
    }
}

fn of(ev: &[Event], t: EventType, n: u8) -> Vec<&Event> {
    ev.iter()
        .filter(|e| e.event == t && e.port == port(n))
        .collect()
}

fn created(r: &support::Response) -> Value {
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    r.json()
}

#[test]
fn suppressions_and_change_windows_reach_the_engine_at_once_survive_a_restart_and_expire() {
    let data = TempDir::new("controls");
    let dir = data.0.clone();
    cybriq::store::open(&cybriq::store::db_path(&dir)).unwrap();
    let events: Arc<Mutex<Vec<Event>>> = Arc::default();
    let clock = Clock::default();
    let mut sim = Sim {
        t0: clock.now(),
        at: 0,
        clock: clock.clone(),
    };
    let sensor = Sensor::start(&dir, events.clone(), sim.now());
    let server = Server::start_linked(
        data,
        "write_per_minute = 100000",
        clock.clone(),
        Some(sensor.link()),
    );
    let store = server.tokens();
    let now = clock.now();
    let w = support::token(
        &store,
        now,
        &[Scope::EventsWrite, Scope::EventsRead, Scope::InventoryRead],
        &["127.0.0.1"],
        TokenState::Valid,
    )
    .token;
    let c = server.client();

    // Expected before it runs. Devices 1–3 appear at once and speak for 25 h, then fall
    // silent. Device 3's appearance gets a 24 h departure suppression (over before it
    // departs: it departs with an event); device 1's gets a 30-day one, posted after it fell
    // silent and before its departure is due: it departs without an event. Device 2 has none:
    // it departs with an event (the twin that shows what the suppression hid).
    sim.run(&sensor, 10 * MIN, &[1, 2, 3]);
    sensor.sync();
    let appeared = |n: u8| {
        let ev = events.lock().unwrap();
        let a = of(&ev, EventType::DeviceAppeared, n);
        assert_eq!(
            a.len(),
            1,
            "device {n}: {:?}",
            ev.iter().map(|e| (e.event, &e.port)).collect::<Vec<_>>()
        );
        a[0].event_id.to_string()
    };
    let (e1, e3) = (appeared(1), appeared(3));
    appeared(2);
    let s3 = created(&c.post(
        &format!("/api/v1/events/{e3}/suppress"),
        Some(&w),
        &json!({"duration": "24h", "events": ["device-departed"], "operator": "soar", "reason": "desk move"}),
    ));
    assert_eq!(s3["port"], port(3));
    assert_eq!(s3["mac"], mac(3));
    assert_eq!(s3["status"], "active");
    assert_eq!(sensor.sync(), (1, 0), "the engine holds the suppression");

    sim.run(&sensor, 25 * HOUR, &[1, 2, 3]);
    sim.run(&sensor, 25 * HOUR + 15 * MIN, &[]);
    let s1 = created(&c.post(
        &format!("/api/v1/events/{e1}/suppress"),
        Some(&w),
        &json!({"duration": "30d", "events": ["device-departed"], "operator": "soar", "reason": "maintenance", "note": "CHG42"}),
    ));
    assert_eq!(s1["events"], json!(["device-departed"]));
    // Honoured from the next event on: the departure timers run right after the answer.
    sim.run(&sensor, 27 * HOUR, &[]);
    assert_eq!(
        sensor.sync(),
        (1, 0),
        "device 3's suppression expired and was dropped"
    );
    {
        let ev = events.lock().unwrap();
        assert_eq!(
            of(&ev, EventType::DeviceDeparted, 2).len(),
            1,
            "the twin departs"
        );
        assert_eq!(
            of(&ev, EventType::DeviceDeparted, 3).len(),
            1,
            "after its suppression ended"
        );
        assert!(
            of(&ev, EventType::DeviceDeparted, 1).is_empty(),
            "suppressed"
        );
    }

    // Change windows: one over ports 4–5 for three hours, one over port 6 cancelled at once.
    let start = cybriq::store::query::rfc3339_secs(sim.now());
    let end3 = cybriq::store::query::rfc3339_secs(Timestamp(sim.now().0 + 3 * HOUR));
    let cw = created(&c.post(
        "/api/v1/change-windows",
        Some(&w),
        &json!({"name": "CHG0012345", "switch": SW, "ports": ["Gi1/0/4-5"], "start": start, "end": end3,
                "operator": "noc", "reason": "phone refresh"}),
    ));
    assert_eq!(cw["status"], "active");
    let cw6 = created(&c.post(
        "/api/v1/change-windows",
        Some(&w),
        &json!({"name": "CHG0012346", "switch": SW, "ports": ["Gi1/0/6"], "start": start, "end": end3,
                "operator": "noc", "reason": "refresh"}),
    ));
    let id6 = cw6["change_window_id"].as_str().unwrap();
    let del = c.request(
        "DELETE",
        &format!("/api/v1/change-windows/{id6}"),
        Some((&w, support::Carry::Bearer)),
        None,
    );
    assert_eq!(del.status, 200, "{}", String::from_utf8_lossy(&del.body));
    assert_eq!(del.json()["status"], "cancelled");
    let again = c.request(
        "DELETE",
        &format!("/api/v1/change-windows/{id6}"),
        Some((&w, support::Carry::Bearer)),
        None,
    );
    assert_eq!((again.status, again.code().as_str()), (409, "conflict"));
    let list = c.get("/api/v1/change-windows", &w);
    assert_eq!(list.status, 200);
    let ids: Vec<String> = list.json()["change_windows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["change_window_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, [cw["change_window_id"].as_str().unwrap()]);
    let all = c
        .get("/api/v1/change-windows?status=all&limit=1", &w)
        .json();
    assert_eq!(all["change_windows"].as_array().unwrap().len(), 1);
    assert!(all["next_cursor"].is_string());
    assert_eq!(sensor.sync(), (1, 1));

    // Restart (pipeline and API) on the same store: what is in force comes back.
    let dir_kept = server.stop_keeping_dir();
    sensor.stop();
    let sensor = Sensor::start(&dir, events.clone(), sim.now());
    assert_eq!(sensor.sync(), (1, 1), "suppression and window restored");
    let server = Server::start_linked(
        dir_kept,
        "write_per_minute = 100000",
        clock.clone(),
        Some(sensor.link()),
    );
    let c = server.client();

    // Expected: devices 4, 5 and 6 appear inside the window's hours; 4 and 5 are covered
    // (change_window_match true), 6's window was cancelled (false). After the window ends,
    // device 7 on port 4 (tap t4) appears uncovered.
    sim.run(&sensor, 28 * HOUR, &[4, 5, 6]);
    sim.run(&sensor, 31 * HOUR, &[4, 5, 6]);
    assert_eq!(sensor.sync(), (1, 0), "the window expired and was dropped");
    sensor.send(In::Frame("t4", sim.now(), phone(7)));
    sim.run(&sensor, 31 * HOUR + 30 * MIN, &[4, 5, 6, 7]);
    sensor.sync();
    {
        let ev = events.lock().unwrap();
        let cwm = |n: u8| -> Vec<Option<bool>> {
            of(&ev, EventType::DeviceAppeared, n)
                .iter()
                .map(|e| e.change_window_match)
                .collect()
        };
        assert_eq!(cwm(5), [Some(true)]);
        assert_eq!(cwm(6), [Some(false)]);
        let on4: Vec<(Option<&str>, Option<bool>)> = of(&ev, EventType::DeviceAppeared, 4)
            .iter()
            .map(|e| (e.mac.as_deref(), e.change_window_match))
            .collect();
        let (m4, m7) = (mac(4), mac(7));
        assert_eq!(
            on4,
            [
                (Some(m4.as_str()), Some(true)),
                (Some(m7.as_str()), Some(false))
            ]
        );
    }

    // The views: device 1 shows its suppression and the audit trail of the call; the event
    // lists carry the audit entry of the event it was posted on.
    let dna1 = {
        let ev = events.lock().unwrap();
        of(&ev, EventType::DeviceAppeared, 1)[0]
            .device_dna
            .clone()
            .unwrap()
    };
    // Devices 1–7 say the same (one DNA): the view shows the most recently seen, so device 1
    // speaks once more (a return, recorded).
    sim.at += MIN;
    clock.advance(Duration::from_secs(60));
    sensor.send(In::Frame("t1", sim.now(), phone(1)));
    sensor.sync();
    let dev = c.get(&format!("/api/v1/devices/{dna1}"), &w);
    assert_eq!(dev.status, 200, "{}", String::from_utf8_lossy(&dev.body));
    let dev = dev.json();
    assert_eq!(
        dev["suppressions"][0]["suppression_id"],
        s1["suppression_id"]
    );
    assert_eq!(dev["suppressions"][0]["status"], "active");
    let actions: Vec<&str> = dev["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"event.suppressed"), "{actions:?}");
    let dev4 = {
        let ev = events.lock().unwrap();
        of(&ev, EventType::DeviceAppeared, 4)[0]
            .device_dna
            .clone()
            .unwrap()
    };
    let _ = dev4;
    let drift = c
        .get(
            &format!("/api/v1/drift/by-port?switch={SW}&port=Gi1/0/1"),
            &w,
        )
        .json();
    let e = drift["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event_id"] == e1.as_str())
        .unwrap();
    assert_eq!(e["audit"][0]["action"], "event.suppressed");
    assert_eq!(
        e["audit"][0]["detail"]["suppression_id"],
        s1["suppression_id"]
    );
    let trail: i64 = cybriq::store::open(&cybriq::store::db_path(&dir))
        .unwrap()
        .query_row(
            "SELECT count(*) FROM api_audit WHERE action LIKE 'change_window.%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(trail, 3, "two windows created, one cancelled");
    drop(server);
    sensor.stop();
}

/// Rows written by the API's control calls (suppressions, windows, audit entries).
fn rows(dir: &std::path::Path) -> (i64, i64, i64) {
    let c = cybriq::store::open(&cybriq::store::db_path(dir)).unwrap();
    let n = |t: &str| {
        c.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
            .unwrap()
    };
    (
        n("api_suppressions"),
        n("api_change_windows"),
        n("api_audit"),
    )
}

#[test]
fn bad_bodies_are_refused_whole_and_write_nothing() {
    let server = Server::start("controls-bad", "write_per_minute = 100000");
    let now = server.clock.now();
    support::seed(&server.dir.0, 3, now);
    let store = server.tokens();
    let w = support::token(
        &store,
        now,
        &[Scope::EventsWrite],
        &["127.0.0.1"],
        TokenState::Valid,
    )
    .token;
    let c = server.client();
    let ev: String = cybriq::store::open(&cybriq::store::db_path(&server.dir.0))
        .unwrap()
        .query_row(
            "SELECT event_id FROM events ORDER BY seq LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let before = rows(&server.dir.0);
    let ok = json!({"duration": "4h", "operator": "soar", "reason": "noise"});
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (
            json!({"duration": "4h", "operator": "soar", "reason": "noise", "bogus": 1}),
            vec!["bogus"],
        ),
        (
            json!({"duration": 3600, "operator": "soar", "reason": "noise"}),
            vec!["duration"],
        ),
        (
            json!({"duration": "-1h", "operator": "soar", "reason": "noise"}),
            vec!["duration"],
        ),
        (
            json!({"duration": "0s", "operator": "soar", "reason": "noise"}),
            vec!["duration"],
        ),
        (
            json!({"duration": "31d", "operator": "soar", "reason": "noise"}),
            vec!["duration"],
        ),
        (
            json!({"duration": "99999999999999999999d", "operator": "soar", "reason": "noise"}),
            vec!["duration"],
        ),
        (
            json!({"duration": "4 h", "operator": " ", "reason": "noise", "events": ["device-exploded", "device-departed", "device-departed"]}),
            vec!["duration", "events[0]", "operator"],
        ),
        (
            json!({"duration": "4h", "operator": "soar", "reason": "noise", "events": []}),
            vec!["events"],
        ),
        (json!({"duration": "4h", "operator": "soar"}), vec!["body"]),
        (
            json!({"duration": "4h", "operator": "soar", "reason": "noise", "note": 5}),
            vec!["note"],
        ),
    ];
    for (body, keys) in &cases {
        let r = c.post(&format!("/api/v1/events/{ev}/suppress"), Some(&w), body);
        assert_eq!(
            (r.status, r.code().as_str()),
            (422, "validation_failed"),
            "{body}: {}",
            String::from_utf8_lossy(&r.body)
        );
        let fields = r.json()["error"]["fields"].as_object().unwrap().clone();
        let mut got: Vec<&str> = fields.keys().map(String::as_str).collect();
        got.sort_unstable();
        assert_eq!(got, *keys, "{body}");
    }
    let r = c.raw(
        &format!("POST /api/v1/events/{ev}/suppress HTTP/1.1\r\nAuthorization: Bearer {w}\r\nContent-Type: application/json"),
        b"{\"duration\": \"4h\",",
    ).unwrap();
    assert_eq!(
        (r.status, r.json()["error"]["fields"]["body"].is_string()),
        (422, true)
    );
    let r = c.post("/api/v1/events/evt_nope/suppress", Some(&w), &ok);
    assert_eq!(r.status, 422);
    assert!(r.json()["error"]["fields"]["event_id"].is_string());
    let unknown = "evt_01ARZ3NDEKTSV4RRFFQ69G5FAV";
    assert_eq!(
        c.post(&format!("/api/v1/events/{unknown}/suppress"), Some(&w), &ok)
            .status,
        404
    );

    let t = |d: i64| cybriq::store::query::rfc3339_secs(Timestamp(now.0 + d));
    let win = |extra: Value| {
        let mut b = json!({"name": "CHG1", "switch": "core-sw-02", "start": t(0), "end": t(HOUR),
                           "operator": "noc", "reason": "refresh"});
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    let wcases: Vec<(Value, Vec<&str>)> = vec![
        (win(json!({"start": "yesterday"})), vec!["start"]),
        (win(json!({"end": "2026-13-01T00:00:00Z"})), vec!["end"]),
        (win(json!({"end": t(-HOUR)})), vec!["end"]),
        (
            win(json!({"start": t(-3 * HOUR), "end": t(-HOUR)})),
            vec!["end"],
        ),
        (win(json!({"end": t(31 * 24 * HOUR)})), vec!["end"]),
        (
            win(json!({"ports": ["Gi1/0/9-2", "*"], "name": ""})),
            vec!["name", "ports[0]"],
        ),
        (win(json!({"recurrence": "daily"})), vec!["recurrence"]),
        (win(json!({"recurrence": "weekly"})), vec!["until"]),
        (win(json!({"until": t(24 * HOUR)})), vec!["until"]),
        (win(json!({"site": "elsewhere"})), vec!["site"]),
        (win(json!({"ports": "Gi1/0/1"})), vec!["ports"]),
        (win(json!({"window": 1})), vec!["window"]),
    ];
    for (body, keys) in &wcases {
        let r = c.post("/api/v1/change-windows", Some(&w), body);
        assert_eq!(
            r.status,
            422,
            "{body}: {}",
            String::from_utf8_lossy(&r.body)
        );
        let fields = r.json()["error"]["fields"].as_object().unwrap().clone();
        let mut got: Vec<&str> = fields.keys().map(String::as_str).collect();
        got.sort_unstable();
        assert_eq!(got, *keys, "{body}");
    }
    let d = c.request(
        "DELETE",
        "/api/v1/change-windows/cw_x",
        Some((&w, support::Carry::Bearer)),
        None,
    );
    assert_eq!(d.status, 422);
    let d = c.request(
        "DELETE",
        "/api/v1/change-windows/cw_01ARZ3NDEKTSV4RRFFQ69G5FAV",
        Some((&w, support::Carry::Bearer)),
        None,
    );
    assert_eq!(d.status, 404);
    assert_eq!(
        rows(&server.dir.0),
        before,
        "no refused call wrote anything"
    );

    // The good ones write exactly one row and one audit entry each.
    created(&c.post(&format!("/api/v1/events/{ev}/suppress"), Some(&w), &ok));
    created(&c.post(
        "/api/v1/change-windows",
        Some(&w),
        &win(json!({
        "recurrence": "weekly", "until": t(30 * 24 * HOUR), "ports": ["Gi1/0/1-24"]})),
    ));
    assert_eq!(
        rows(&server.dir.0),
        (before.0 + 1, before.1 + 1, before.2 + 2)
    );
}
