//! Soak: a simulated site of 5,000 ports over 30 days with realistic churn and planted swaps
//! (see `engine_support::soak`). Every planted swap must be found and no device-substituted may
//! fire anywhere else; precision and recall per event type are printed.

mod engine_support;

use cybriq::event::EventType;
use engine_support::soak::{SoakParams, run};

#[test]
fn soak_5000_ports_30_days() {
    let p = SoakParams::default();
    let started = std::time::Instant::now();
    let out = run(p);
    eprintln!(
        "soak: {} ports, {} days, {} observations, {} events, engine {:.2} s ({:.0} obs/s), total {:.1} s\n{}",
        p.ports,
        p.days,
        out.observations,
        out.events,
        out.engine_secs,
        out.observations as f64 / out.engine_secs,
        started.elapsed().as_secs_f64(),
        out.report()
    );
    let scores = out.scores();
    let sub = scores[&EventType::DeviceSubstituted];
    // Every planted swap found, zero false device-substituted.
    for &i in &out.swaps {
        assert_eq!(
            out.fired
                .get(&(i, EventType::DeviceSubstituted))
                .copied()
                .unwrap_or(0),
            1,
            "planted swap on port {i} not found exactly once"
        );
    }
    assert_eq!(
        sub.fired,
        sub.expected,
        "false device-substituted:\n{}",
        out.report()
    );
    assert_eq!(sub.recall(), 1.0);
    assert_eq!(sub.precision(), 1.0);
    // The other planted conditions are found, and nothing fires that the scenario does not
    // explain.
    for (t, s) in &scores {
        assert!(
            s.recall() >= 0.99,
            "{t}: recall {:.3}\n{}",
            s.recall(),
            out.report()
        );
        assert!(
            s.precision() >= 0.99,
            "{t}: precision {:.3}\n{}",
            s.precision(),
            out.report()
        );
    }
    assert!(out.observations > 1_000_000, "{}", out.observations);
}

/// `Engine::observe_known` (the pipeline's path for a device that says nothing new) raises
/// exactly what `observe` with the full DNA and identity raises, event for event, on a soak
/// with swaps, firmware updates, departures, NDAA cameras and unreachable switches; and it
/// handles most sightings.
#[test]
fn observe_known_matches_observe() {
    let p = SoakParams {
        ports: 600,
        days: 20,
        seed: 7,
        log: true,
        ..SoakParams::default()
    };
    let full = run(p);
    let known = run(SoakParams { known: true, ..p });
    assert_eq!(full.known, 0);
    assert!(
        known.known * 2 > known.observations,
        "observe_known handled {} of {} sightings",
        known.known,
        known.observations
    );
    assert_eq!(full.observations, known.observations);
    assert!(!full.log.is_empty());
    for (i, (a, b)) in full.log.iter().zip(&known.log).enumerate() {
        assert_eq!(a, b, "event {i} differs");
    }
    assert_eq!(full.log.len(), known.log.len());
    assert_eq!(full.fired, known.fired);
}
