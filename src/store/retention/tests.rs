use super::*;
use crate::store;

const DAY: i64 = 86_400_000_000;

fn tmp(name: &str) -> (std::path::PathBuf, Connection) {
    let d = std::env::temp_dir().join(format!("cybriq-retention-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    let p = d.join(store::DB_FILE);
    let c = store::open(&p).unwrap();
    (d, c)
}

fn settings(batch: usize) -> RetentionSettings {
    RetentionSettings {
        events_us: 2 * DAY,
        audit_us: 3 * DAY,
        observations_us: DAY,
        departed_devices_us: 2 * DAY,
        outbox_max_rows: 1_000,
        outbox_max_age_us: 5 * DAY,
        batch,
        every_us: 300_000_000,
    }
}

fn count(c: &Connection, table: &str) -> i64 {
    c.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

fn event(c: &Connection, id: &str, ts: i64) {
    c.execute(
        "INSERT INTO events (event_id, ts, event, severity, port, json) VALUES (?1, ?2, 'x', 'low', 'p', '{}')",
        params![id, ts],
    )
    .unwrap();
}

fn queue(c: &Connection, id: &str, ts: Option<i64>) {
    c.execute(
        "INSERT INTO emit_outbox (event_id, event, ts) VALUES (?1, '{}', ?2)",
        params![id, ts],
    )
    .unwrap();
}

/// What `f` logs (at every level), with its result.
fn logged<T>(f: impl FnOnce() -> T) -> (T, String) {
    #[derive(Clone, Default)]
    struct Buf(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
    impl std::io::Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buf = Buf::default();
    let out = buf.clone();
    let sub = tracing_subscriber::fmt()
        .with_writer(move || out.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::TRACE)
        .finish();
    let r = tracing::subscriber::with_default(sub, f);
    let text = String::from_utf8_lossy(&buf.0.lock().unwrap()).into_owned();
    (r, text)
}

/// Steps until the pass ends; the sum.
fn pass(c: &mut Connection, s: &RetentionSettings, now: i64) -> PruneReport {
    let mut total = PruneReport::default();
    loop {
        let (r, more) = prune_step(c, s, Timestamp(now)).unwrap();
        assert!(r.largest() <= s.batch as u64, "{r:?}");
        total.add(&r);
        if !more {
            return total;
        }
    }
}

#[test]
fn old_events_go_in_batches_new_and_queued_ones_stay() {
    let (d, mut c) = tmp("events");
    let now = 10 * DAY;
    for i in 0..25 {
        event(&c, &format!("old{i}"), i);
    }
    event(&c, "queued", 5);
    event(&c, "new", now - DAY);
    // A destination that has not confirmed "queued".
    c.execute(
        "INSERT INTO emit_cursor (destination, acked) VALUES ('siem', 0)",
        [],
    )
    .unwrap();
    queue(&c, "queued", Some(now - DAY));
    let s = settings(10);
    let (r, more) = prune_step(&mut c, &s, Timestamp(now)).unwrap();
    assert_eq!((r.events, more), (10, true));
    assert_eq!(count(&c, "events"), 17);
    let r = pass(&mut c, &s, now);
    assert_eq!(r.events, 15);
    let left: Vec<String> = c
        .prepare("SELECT event_id FROM events ORDER BY seq")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(left, ["queued", "new"]);
    // Confirmed, it goes with the outbox row at the next pass.
    c.execute("UPDATE emit_cursor SET acked = 1", []).unwrap();
    let r = pass(&mut c, &s, now);
    assert_eq!((r.outbox_acked, r.events), (1, 1));
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn old_observations_go_oldest_first_within_the_batch() {
    let (d, mut c) = tmp("obs");
    let now = 5 * DAY;
    for i in 0..7 {
        c.execute(
            "INSERT INTO observations (mac, ts, proto) VALUES ('m', ?1, 'lldp')",
            [i * DAY],
        )
        .unwrap();
    }
    let s = settings(2);
    let (r, more) = prune_step(&mut c, &s, Timestamp(now)).unwrap();
    assert_eq!((r.observations, more), (2, true));
    let oldest: i64 = c
        .query_row("SELECT MIN(ts) FROM observations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(oldest, 2 * DAY);
    pass(&mut c, &s, now);
    // Older than a day before `now` (5 days): 0..=3 go, 4, 5 and 6 stay.
    assert_eq!(count(&c, "observations"), 3);
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn departed_devices_go_residents_still_on_their_port_stay() {
    let (d, mut c) = tmp("devices");
    let now = 10 * DAY;
    for (mac, port, last) in [
        ("00:00:00:00:00:01", "Gi1", DAY),     // gone, old: goes
        ("00:00:00:00:00:02", "Gi2", DAY),     // old but still a resident there: stays
        ("00:00:00:00:00:03", "Gi3", DAY),     // old, its port remembers it departed: goes
        ("00:00:00:00:00:04", "Gi1", 9 * DAY), // recent: stays
    ] {
        c.execute(
            "INSERT INTO devices (mac, switch, port, first_seen, last_seen) VALUES (?1, 'sw', ?2, 0, ?3)",
            params![mac, port, last],
        )
        .unwrap();
    }
    let state = |mac: &str, departed: bool| {
        format!(
            r#"{{"v":3,"data":{{"residents":[{{"mac":"{mac}","departed":{departed}}}]}},"dna":0}}"#
        )
    };
    for (port, st) in [
        ("Gi2", state("00:00:00:00:00:02", false)),
        ("Gi3", state("00:00:00:00:00:03", true)),
        ("Gi1", "not json".to_string()),
    ] {
        c.execute(
            "INSERT INTO port_state (switch, port, state, updated_at) VALUES ('sw', ?1, ?2, 0)",
            params![port, st],
        )
        .unwrap();
    }
    let r = pass(&mut c, &settings(100), now);
    assert_eq!(r.devices, 2);
    let left: Vec<String> = c
        .prepare("SELECT mac FROM devices ORDER BY mac")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(left, ["00:00:00:00:00:02", "00:00:00:00:00:04"]);
    assert_eq!(count(&c, "port_state"), 3, "port state is never pruned");
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn the_audit_trail_is_pruned_by_retention_only() {
    let (d, mut c) = tmp("audit");
    let now = 10 * DAY;
    for ts in [DAY, 2 * DAY, 8 * DAY] {
        c.execute(
            "INSERT INTO api_audit (ts, action, target, detail) VALUES (?1, 'a', 't', '{}')",
            [ts],
        )
        .unwrap();
    }
    c.execute(
        "INSERT INTO api_tokens (id, secret_hash, scope, ip_allowlist, created_at, expires_at)
         VALUES ('t', x'00', 'read', '[]', 0, 1)",
        [],
    )
    .unwrap();
    let r = pass(&mut c, &settings(1), now);
    assert_eq!(r.audit, 2);
    assert_eq!(count(&c, "api_audit"), 1);
    assert_eq!(count(&c, "api_tokens"), 1, "tokens are not pruned");
    assert_eq!(count(&c, "store_pruning"), 0);
    // Anyone else still cannot delete or change it.
    assert!(c.execute("DELETE FROM api_audit", []).is_err());
    assert!(c.execute("UPDATE api_audit SET action = 'x'", []).is_err());
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn without_a_destination_the_outbox_is_emptied() {
    let (d, mut c) = tmp("unrouted");
    for i in 0..5 {
        queue(&c, &format!("e{i}"), Some(DAY));
    }
    let r = pass(&mut c, &settings(2), DAY);
    assert_eq!(
        (r.outbox_unrouted, r.outbox_acked, r.outbox_capped),
        (5, 0, 0)
    );
    assert_eq!(count(&c, "emit_outbox"), 0);
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn the_outbox_cap_drops_the_oldest_and_moves_the_lagging_cursors() {
    let (d, mut c) = tmp("cap");
    let now = 10 * DAY;
    c.execute_batch(
        "INSERT INTO emit_cursor (destination, acked) VALUES ('slow', 0), ('fast', 12);",
    )
    .unwrap();
    // 3 rows past the age bound (5 days), one from before migration 8 without a time (its
    // event's time counts), then recent ones.
    for i in 0..3 {
        queue(&c, &format!("aged{i}"), Some(DAY));
    }
    event(&c, "untimed", 2 * DAY);
    queue(&c, "untimed", None);
    for i in 0..10 {
        queue(&c, &format!("new{i}"), Some(now - DAY));
    }
    let mut s = settings(100);
    s.outbox_max_rows = 8;
    let (r, log) = logged(|| pass(&mut c, &s, now));
    // An ERROR line for the destination that lost events, none for the other.
    assert!(
        log.contains("ERROR") && log.contains("destination=slow dropped=6"),
        "{log}"
    );
    assert!(!log.contains("fast"), "{log}");
    // 14 rows: the 4 aged ones go by age, 2 more by the row bound.
    assert_eq!((r.outbox_capped, r.outbox_acked), (6, 0));
    assert_eq!(count(&c, "emit_outbox"), 8);
    let cursors: Vec<(String, i64, i64)> = c
        .prepare("SELECT destination, acked, dropped FROM emit_cursor ORDER BY destination")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        cursors,
        [("fast".into(), 12, 0), ("slow".into(), 6, 6)],
        "only the destination that had not confirmed them lost them"
    );
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn the_cap_respects_the_batch() {
    let (d, mut c) = tmp("cap-batch");
    c.execute(
        "INSERT INTO emit_cursor (destination, acked) VALUES ('s', 0)",
        [],
    )
    .unwrap();
    for i in 0..10 {
        queue(&c, &format!("e{i}"), Some(DAY));
    }
    let mut s = settings(3);
    s.outbox_max_rows = 2;
    let (r, more) = prune_step(&mut c, &s, Timestamp(DAY)).unwrap();
    assert_eq!((r.outbox_capped, more), (3, true));
    let r = pass(&mut c, &s, DAY);
    assert_eq!(r.outbox_capped, 5);
    assert_eq!(count(&c, "emit_outbox"), 2);
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn the_schedule_follows_the_sensor_clock() {
    let (d, mut c) = tmp("schedule");
    let counters = PruneCounters::default();
    let mut p = Pruner::new(settings(2));
    assert!(!p.due(), "nothing before the first clock");
    for i in 0..5 {
        c.execute(
            "INSERT INTO observations (mac, ts, proto) VALUES ('m', ?1, 'arp')",
            [i],
        )
        .unwrap();
    }
    p.clock(Timestamp(3 * DAY));
    assert!(p.due());
    // Two rows per step: the pass runs on until a step finds less than a batch.
    assert!(p.step(&mut c, &counters).is_none());
    assert!(p.running());
    assert!(p.step(&mut c, &counters).is_none());
    let (r, log) = logged(|| p.step(&mut c, &counters).unwrap());
    assert_eq!(r.observations, 5);
    assert!(
        log.contains("INFO") && log.contains("observations=5") && log.contains("Retention pass"),
        "{log}"
    );
    assert_eq!(counters.snapshot().observations, 5);
    assert_eq!(counters.passes(), 1);
    assert!(!p.due());
    // The clock never goes back; the next pass is due `every_us` later.
    p.clock(Timestamp(DAY));
    p.clock(Timestamp(3 * DAY + 299_000_000));
    assert!(!p.due());
    p.clock(Timestamp(3 * DAY + 300_000_000));
    assert!(p.due());
    assert_eq!(p.run_pass(&mut c, &counters), PruneReport::default());
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn the_writer_prunes_on_the_sensor_clock_between_batches() {
    use crate::event::{EventType, sample};
    use crate::store::{Write, Writer, WriterSettings};
    let (d, c) = tmp("writer");
    drop(c);
    let p = d.join(store::DB_FILE);
    let events = |ts: i64, from: u128| -> Vec<crate::event::Event> {
        (0..3)
            .map(|i| sample::event(EventType::DeviceAppeared, Timestamp(ts), from + i, "s"))
            .collect()
    };
    let w = Writer::start(
        &p,
        WriterSettings {
            retention: Some(settings(2)),
            ..WriterSettings::default()
        },
        None,
    )
    .unwrap();
    // No clock yet: nothing is pruned.
    w.send(Write::Events {
        events: events(DAY, 0),
        states: Vec::new(),
    });
    assert_eq!(w.prune(), PruneReport::default());
    w.send(Write::Events {
        events: events(9 * DAY, 10),
        states: Vec::new(),
    });
    w.clock(Timestamp(10 * DAY));
    w.prune();
    // No destination: the outbox went at once; the day-1 events are past two days. (A
    // scheduled step may run before the pass asked for: the counters have both.)
    let r = w.stats().pruned.snapshot();
    assert_eq!((r.events, r.outbox_unrouted), (3, 6), "{r:?}");
    // A reload that turns retention off: nothing more goes; back on, it prunes again.
    w.set_retention(None);
    w.send(Write::Events {
        events: events(9 * DAY, 20),
        states: Vec::new(),
    });
    w.clock(Timestamp(20 * DAY));
    assert_eq!(w.prune(), PruneReport::default());
    w.set_retention(Some(settings(100)));
    w.clock(Timestamp(20 * DAY));
    w.prune();
    // (A scheduled step may have run before the pass asked for: the counters have both.)
    assert_eq!(w.stats().pruned.snapshot().outbox_unrouted, 9);
    w.stop();
    let c = store::open(&p).unwrap();
    assert_eq!(count(&c, "events"), 0, "all older than two days at day 20");
    assert_eq!(count(&c, "emit_outbox"), 0);
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn a_dna_token_list_goes_once_no_device_or_timeline_entry_carries_it() {
    let (d, mut c) = tmp("dna-tokens");
    let now = 10 * DAY;
    for (dna, first) in [
        ("dna:old", 0),
        ("dna:kept-by-device", 0),
        ("dna:kept-by-timeline", 0),
        ("dna:new", now),
    ] {
        c.execute(
            "INSERT INTO dna_tokens (dna, tokens, first_seen) VALUES (?1, '[]', ?2)",
            params![dna, first],
        )
        .unwrap();
    }
    c.execute(
        "INSERT INTO devices (mac, dna, first_seen, last_seen) VALUES ('02:00:00:00:00:01', 'dna:kept-by-device', 0, ?1)",
        params![now],
    )
    .unwrap();
    c.execute(
        "INSERT INTO observations (mac, ts, proto, dna) VALUES ('02:00:00:00:00:02', ?1, 'lldp', 'dna:kept-by-timeline')",
        params![now],
    )
    .unwrap();
    let r = pass(&mut c, &settings(10), now);
    assert_eq!(r.dna_tokens, 1);
    let left: Vec<String> = c
        .prepare("SELECT dna FROM dna_tokens ORDER BY dna")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        left,
        ["dna:kept-by-device", "dna:kept-by-timeline", "dna:new"]
    );
    let _ = std::fs::remove_dir_all(d);
}
