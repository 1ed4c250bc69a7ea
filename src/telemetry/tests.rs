use std::time::Duration;

use super::catalog::{self, Kind};
use super::exposition::{self, Exposition};
use super::*;
use crate::capture::CaptureStats;
use crate::clock::Timestamp;
use crate::snmp::{PollStats, PortTable, Reachability, SwitchInfo, SwitchPoll};

/// Runs `f` against a fresh recorder of our own (never the global one) and parses what it
/// renders.
fn rendered(f: impl FnOnce([metrics::Counter; 12])) -> Exposition {
    let rec = recorder();
    let handle = rec.handle();
    metrics::with_local_recorder(&rec, || f(describe()));
    let text = handle.render();
    exposition::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn poll(switch: &str, status: Reachability, timeouts: u64, ms: u64) -> SwitchPoll {
    SwitchPoll {
        table: PortTable {
            switch: SwitchInfo {
                name: switch.into(),
                ..SwitchInfo::default()
            },
            status,
            ..PortTable::default()
        },
        stats: PollStats {
            requests: 7,
            timeouts,
            elapsed: Duration::from_millis(ms),
            ..PollStats::default()
        },
    }
}

#[test]
fn every_recorder_call_renders_as_its_catalog_entry_says() {
    let e = rendered(|events| {
        events[0].increment(2);
        let c = CaptureMetrics::new("span0");
        c.publish(
            &CaptureStats {
                received: 100,
                queued: 90,
                bytes: 6400,
                kernel_dropped: 3,
                if_dropped: 1,
                channel_dropped: 10,
                ..CaptureStats::default()
            },
            85,
        );
        pipeline_queue(4, 81, 65_536);
        let d = DeliveryMetrics::new("siem-a");
        d.sent(3);
        d.delivered(&[Timestamp(0), Timestamp(i64::MAX)]);
        d.retried(1);
        d.connected(true);
        d.backlog(5);
        polled(&poll("core-1", Reachability::Ok, 0, 40));
        polled(&poll("dead-1", Reachability::Unreachable, 2, 1000));
        reloaded(ReloadOutcome::Applied);
        reloaded(ReloadOutcome::RefdbFailed);
        store_committed(Duration::from_micros(1_800));
        retention_deleted("events", 12);
        retention_deleted("events", 3);
    });
    let v = |name: &str, labels: &[(&str, &str)]| {
        e.value(name, labels)
            .unwrap_or_else(|| panic!("no {name} {labels:?}: {e:?}"))
    };
    let first = crate::event::EventType::ALL[0].as_str();
    assert_eq!(v("cybriq_events_total", &[("type", first)]), 2.0);
    let last = crate::event::EventType::ALL[11].as_str();
    assert_eq!(
        v("cybriq_events_total", &[("type", last)]),
        0.0,
        "pre-registered"
    );
    let span = [("interface", "span0")];
    assert_eq!(v("cybriq_capture_frames_received_total", &span), 100.0);
    assert_eq!(v("cybriq_capture_kernel_dropped_total", &span), 3.0);
    assert_eq!(v("cybriq_capture_if_dropped_total", &span), 1.0);
    assert_eq!(v("cybriq_capture_channel_dropped_total", &span), 10.0);
    assert_eq!(v("cybriq_capture_queue_depth", &span), 5.0);
    assert_eq!(v("cybriq_pipeline_queue_depth", &[]), 4.0);
    assert_eq!(v("cybriq_pipeline_queue_capacity", &[]), 65_536.0);
    let siem = [("destination", "siem-a")];
    assert_eq!(v("cybriq_emit_sent_total", &siem), 3.0);
    assert_eq!(v("cybriq_emit_delivered_total", &siem), 2.0);
    assert_eq!(v("cybriq_emit_delivery_latency_seconds_count", &siem), 2.0);
    // An event from 1970 waited longer than the last bucket; one from the future waited 0.
    assert_eq!(
        v(
            "cybriq_emit_delivery_latency_seconds_bucket",
            &[("destination", "siem-a"), ("le", "0.01")]
        ),
        1.0
    );
    assert_eq!(v("cybriq_emit_connected", &siem), 1.0);
    assert_eq!(v("cybriq_emit_backlog", &siem), 5.0);
    let ok = [("switch", "core-1"), ("result", "ok")];
    assert_eq!(v("cybriq_snmp_polls_total", &ok), 1.0);
    let dead = [("switch", "dead-1"), ("result", "unreachable")];
    assert_eq!(v("cybriq_snmp_polls_total", &dead), 1.0);
    assert_eq!(
        v("cybriq_snmp_timeouts_total", &[("switch", "dead-1")]),
        2.0
    );
    assert_eq!(
        v("cybriq_snmp_switch_reachable", &[("switch", "dead-1")]),
        0.0
    );
    assert_eq!(
        v("cybriq_snmp_switch_reachable", &[("switch", "core-1")]),
        1.0
    );
    assert_eq!(
        v(
            "cybriq_snmp_poll_duration_seconds_bucket",
            &[("switch", "core-1"), ("le", "0.05")]
        ),
        1.0
    );
    assert_eq!(
        v(
            "cybriq_snmp_poll_duration_seconds_bucket",
            &[("switch", "core-1"), ("le", "0.025")]
        ),
        0.0
    );
    assert_eq!(v("cybriq_config_reloads_total", &[("result", "ok")]), 1.0);
    assert_eq!(
        v("cybriq_config_reloads_total", &[("result", "refused")]),
        1.0
    );
    assert_eq!(
        v("cybriq_refdb_reloads_total", &[("result", "failed")]),
        1.0
    );
    assert_eq!(v("cybriq_config_last_reload_successful", &[]), 0.0);
    assert_eq!(
        v(
            "cybriq_store_commit_duration_seconds_bucket",
            &[("le", "0.0025")]
        ),
        1.0
    );
    assert_eq!(
        v(
            "cybriq_store_commit_duration_seconds_bucket",
            &[("le", "0.001")]
        ),
        0.0
    );
    assert_eq!(
        v(
            "cybriq_store_commit_duration_seconds_bucket",
            &[("le", "+Inf")]
        ),
        1.0
    );
    assert_eq!(
        v("cybriq_retention_deleted_total", &[("table", "events")]),
        15.0
    );
    assert_eq!(
        v(
            "cybriq_build_info",
            &[("version", env!("CARGO_PKG_VERSION"))]
        ),
        1.0
    );
    // Each family is typed as the catalog says, with its help text.
    for m in catalog::ALL {
        if let Some(t) = e.types.get(m.name) {
            let want = match m.kind {
                Kind::Counter => "counter",
                Kind::Gauge => "gauge",
                Kind::Histogram(_) => "histogram",
            };
            assert_eq!(t, want, "{}", m.name);
            assert_eq!(
                e.help.get(m.name).map(String::as_str),
                Some(m.help),
                "{}",
                m.name
            );
        }
        for s in e.samples.iter().filter(|s| s.name.starts_with(m.name)) {
            for l in m.labels {
                assert!(s.label(l).is_some(), "{} lacks {l}: {s:?}", s.name);
            }
        }
    }
}

#[test]
fn the_catalog_is_well_formed_and_documented() {
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/metrics.md"),
    )
    .unwrap();
    let mut names = std::collections::BTreeSet::new();
    for m in catalog::ALL {
        assert!(m.name.starts_with("cybriq_"), "{}", m.name);
        assert!(names.insert(m.name), "{} twice", m.name);
        assert_eq!(
            m.kind == Kind::Counter,
            m.name.ends_with("_total"),
            "{}",
            m.name
        );
        assert!(
            doc.contains(&format!("`{}`", m.name)),
            "docs/metrics.md lacks {}",
            m.name
        );
        for l in m.labels {
            assert!(
                doc.contains(&format!("`{l}`")),
                "docs/metrics.md lacks label {l}"
            );
        }
        if let Kind::Histogram(b) = m.kind {
            assert!(b.windows(2).all(|w| w[0] < w[1]), "{} buckets", m.name);
        }
    }
}

#[test]
fn the_reader_refuses_what_is_not_the_text_format() {
    let ok = "# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"1\",y=\"q\\\"\"} 3\n\n";
    let e = exposition::parse(ok).unwrap();
    assert_eq!(e.samples[0].label("y"), Some("q\""));
    for bad in [
        "a_total 3\n",
        "# TYPE a_total counter\na_total{x=1} 3\n",
        "# TYPE a_total counter\na_total{x=\"1\"} three\n",
        "# TYPE a_total counter\na_total 3 4 5\n",
        "# TYPE a_total counter\na_total  3\n",
        "# TYPE a_total counter\n# a comment\n",
        "# TYPE a_total counter\n# TYPE a_total gauge\n",
        "# TYPE a_total countr\n",
        "# TYPE a_total counter\na_total{x=\"1\",x=\"2\"} 3\n",
        "# TYPE a_total counter\n1a 3\n",
    ] {
        assert!(exposition::parse(bad).is_err(), "accepted {bad:?}");
    }
}

#[test]
fn install_is_once_per_process() {
    let a = install().unwrap();
    let b = install().unwrap();
    assert!(std::ptr::eq(a, b));
    assert!(std::ptr::eq(installed().unwrap(), a));
    let e = exposition::parse(&a.render()).unwrap();
    assert!(e.types.contains_key("cybriq_events_total"));
}
