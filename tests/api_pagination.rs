//! Keyset pagination under concurrent writes: 100,000 devices in the store, the inventory paged
//! through the running server while the store writer (as the pipeline uses it) inserts new
//! devices between existing keys and updates existing ones. Every device present for the whole
//! walk is returned exactly once; nothing is returned twice.

#[path = "api_support/mod.rs"]
mod support;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use cybriq::api::auth::Scope;
use cybriq::clock::Timestamp;
use cybriq::store::{Write, Writer, WriterSettings};
use support::{Server, TokenState, token};

const DEVICES: usize = 100_000;

fn bulk_insert(dir: &std::path::Path, now: Timestamp) {
    let mut c = cybriq::store::open(&cybriq::store::db_path(dir)).unwrap();
    let tx = c.transaction().unwrap();
    {
        let mut st = tx
            .prepare(
                "INSERT INTO devices (mac, switch, port, vendor, model, class, confidence, \
                 ndaa_status, dna, first_seen, last_seen, observations) \
                 VALUES (?1, ?2, ?3, 'Cisco', 'IP Phone 8851', 'ip-phone', 0.9, 'clean', ?4, ?5, ?5, 1)",
            )
            .unwrap();
        for i in 0..DEVICES {
            // Even key slots only: the concurrent writer fills odd ones in between.
            st.execute(rusqlite::params![
                support::mac(i * 2),
                support::switch(i),
                support::port(i),
                support::dna(i * 2),
                now.0
            ])
            .unwrap();
        }
    }
    tx.commit().unwrap();
}

#[test]
fn paging_100k_devices_returns_each_exactly_once_while_the_store_is_written() {
    let dir = support::TempDir::new("paging");
    let now = cybriq::api::Clock::default().now();
    bulk_insert(&dir.0, now);
    let s = Server::start_in(dir, "read_per_minute = 1000000");
    let t = token(
        &s.tokens(),
        now,
        &[Scope::InventoryRead],
        &[],
        TokenState::Valid,
    )
    .token;
    let c = s.client();

    let stop = Arc::new(AtomicBool::new(false));
    let db = cybriq::store::db_path(&s.dir.0);
    let st = stop.clone();
    let writer = std::thread::spawn(move || {
        let w = Writer::start(&db, WriterSettings::default(), None).unwrap();
        let mut n = 0usize;
        while !st.load(Ordering::Relaxed) && n < DEVICES {
            // A new device between two existing keys, and an existing one seen again.
            w.send(Write::Device(support::device(n * 2 + 1, now)));
            let mut again = support::device((n * 7919 % DEVICES) * 2, now);
            again.last_seen = Timestamp(now.0 + n as i64);
            w.send(Write::Device(again));
            n += 1;
            if n % 500 == 0 {
                w.flush();
            }
        }
        w.stop();
        n
    });

    let mut seen: HashSet<String> = HashSet::with_capacity(DEVICES * 2);
    let mut dups = Vec::new();
    let mut pages = 0;
    let mut path = "/api/v1/inventory?limit=1000".to_owned();
    loop {
        let r = c.get(&path, &t);
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        let j = r.json();
        let devices = j["devices"].as_array().unwrap();
        assert!(devices.len() <= 1000);
        for d in devices {
            let mac = d["mac"].as_str().unwrap().to_owned();
            if !seen.insert(mac.clone()) {
                dups.push(mac);
            }
        }
        pages += 1;
        match j["next_cursor"].as_str() {
            Some(cur) => path = format!("/api/v1/inventory?limit=1000&cursor={cur}"),
            None => break,
        }
    }
    stop.store(true, Ordering::Relaxed);
    let written = writer.join().unwrap();
    assert!(
        dups.is_empty(),
        "returned twice: {:?}",
        &dups[..dups.len().min(10)]
    );
    let missing: Vec<usize> = (0..DEVICES)
        .filter(|i| !seen.contains(&support::mac(i * 2)))
        .collect();
    assert!(
        missing.is_empty(),
        "{} pre-existing devices missing",
        missing.len()
    );
    assert!(pages >= DEVICES / 1000);
    println!(
        "{pages} pages, {} devices returned, {written} written concurrently",
        seen.len()
    );
    let count = c.get("/api/v1/inventory/count", &t).json()["count"]
        .as_u64()
        .unwrap();
    assert_eq!(count as usize, DEVICES + written);
}
