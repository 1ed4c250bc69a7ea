//! Outbox behaviour without an external peer: a destination that is down does not hold up the
//! others and loses nothing while its backlog fits; beyond `outbox_max_events` the oldest
//! events are dropped and counted; a restart resumes where delivery stopped.

use std::io::Read;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cybriq::clock::Timestamp;
use cybriq::config::Config;
use cybriq::emit::outbox::Outbox;
use cybriq::emit::{DrainOutcome, Emitter, Settings};
use cybriq::event::{EventType, sample};

/// A TCP receiver that counts octet-counted frames.
fn receiver() -> (u16, Arc<Mutex<Vec<u8>>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let data = Arc::new(Mutex::new(Vec::new()));
    let d = data.clone();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { break };
            let d = d.clone();
            std::thread::spawn(move || {
                let mut b = [0u8; 65536];
                while let Ok(n) = s.read(&mut b) {
                    if n == 0 {
                        break;
                    }
                    d.lock().unwrap().extend_from_slice(&b[..n]);
                }
            });
        }
    });
    (port, data)
}

fn frames(data: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < data.len() {
        let sp = i + data[i..].iter().position(|&c| c == b' ').unwrap();
        let n: usize = std::str::from_utf8(&data[i..sp]).unwrap().parse().unwrap();
        out.push(String::from_utf8(data[sp + 1..sp + 1 + n].to_vec()).unwrap());
        i = sp + 1 + n;
    }
    out
}

fn dead_port() -> u16 {
    // Bound then released: nothing listens there.
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn a_down_destination_neither_blocks_others_nor_grows_without_bound() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("emit-outbox-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (port, data) = receiver();
    let cfg = Config::parse(
        &format!(
            "[[destination]]\nname = \"up\"\nmode = \"tcp\"\naddress = \"127.0.0.1:{port}\"\nconfirm_after_ms = 100\n\
             [[destination]]\nname = \"down\"\nmode = \"tcp\"\naddress = \"127.0.0.1:{}\"\noutbox_max_events = 300\n\
             backoff_initial_ms = 20\nbackoff_max_ms = 100\n",
            dead_port()
        ),
        "t",
    )
    .unwrap();
    let settings = Settings {
        db: dir.join("db.sqlite3"),
        hostname: "h".into(),
        procid: "1".into(),
    };
    let em = Emitter::start(&settings, &cfg.destination).unwrap();
    let evs: Vec<_> = (0..1000u64)
        .map(|i| {
            sample::event(
                EventType::ALL[(i % 12) as usize],
                Timestamp(i as i64 * 1000),
                i as u128,
                "s",
            )
        })
        .collect();
    em.submit_batch(&evs).unwrap();
    let out = em.drain(Duration::from_secs(3)).unwrap();
    assert_eq!(out[0], ("up".to_string(), DrainOutcome::Delivered));
    assert!(
        matches!(&out[1].1, DrainOutcome::TimedOut { last_error: Some(e), .. } if e.contains("refused")),
        "{out:?}"
    );
    let got = frames(&data.lock().unwrap());
    assert_eq!(got.len(), 1000);
    for (f, e) in got.iter().zip(&evs) {
        assert!(
            f.contains(&format!("event_id=\"{}\"", e.event_id)),
            "in order: {f}"
        );
    }
    // Within a couple of bound checks the down destination sheds its oldest 700.
    std::thread::sleep(Duration::from_millis(2500));
    let m = em.metrics();
    assert_eq!(m[1].dropped, 700, "{m:?}");
    assert_eq!(m[1].queued, 300, "{m:?}");
    assert_eq!(m[0].dropped, 0);
    em.shutdown();
    let mut ob = Outbox::open(&settings.db).unwrap();
    assert_eq!(ob.len().unwrap(), 300, "rows both confirmed are pruned");
    let cursors = ob.cursors().unwrap();
    assert_eq!(cursors[0].0, "down");
    assert_eq!((cursors[0].1, cursors[0].3), (700, 700));
    assert_eq!(cursors[1].1, 1000);
    // The newest 300 are still there for when it comes back.
    let rows = ob.fetch(cursors[0].1, 1000).unwrap();
    assert_eq!(rows.len(), 300);
    assert!(rows[0].json.contains(&evs[700].event_id.to_string()));
}
