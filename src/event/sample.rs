//! Sample events of every type for `cybriq syslog-test`, formatter tests and benchmarks: the
//! events the drift engine raised on the built-in micro-scenario ([`super::scenario`]), so a
//! sample carries exactly the fields, MITRE techniques, thresholds and `changed` names a real
//! event does. A sample is one of those events with another time, id and site.

use std::sync::OnceLock;

use crate::clock::Timestamp;

use super::scenario::{self, ScenarioError};
use super::{Event, EventType};

/// Start of the scenario the samples come from (2026-05-10T17:08:12Z).
const START: Timestamp = Timestamp(1_778_432_892_000_000);
/// Seed of the scenario's event ids (the samples' own ids are given by the caller).
pub const SEED: u64 = 0x005a_3b1e;

/// The engine's events of the micro-scenario for `site`, one per type, in
/// [`EventType::ALL`] order.
pub fn engine_events(site: &str, seed: u64) -> Result<Vec<Event>, ScenarioError> {
    let mut ev = scenario::run(site, START, seed)?.events;
    ev.sort_by_key(|e| EventType::ALL.iter().position(|t| *t == e.event));
    Ok(ev)
}

/// `e` raised again at `ts` with the id's random part `random`, for `site`.
pub fn restamp(e: &Event, ts: Timestamp, random: u128, site: &str) -> Event {
    let fresh = Event::new(e.event, ts, random, site, e.port.as_str());
    Event {
        event_id: fresh.event_id,
        timestamp: fresh.timestamp,
        site: fresh.site,
        ..e.clone()
    }
}

/// The scenario's events, run once per process.
///
/// # Panics
/// When the built-in scenario does not run (its inputs are compiled in: a build defect that
/// `event::scenario`'s tests catch).
fn cached() -> &'static [Event] {
    static EV: OnceLock<Vec<Event>> = OnceLock::new();
    EV.get_or_init(|| engine_events("sample", SEED).expect("built-in sample scenario"))
}

/// The engine's event of type `t`, at `ts` with random part `random`, for `site`.
pub fn event(t: EventType, ts: Timestamp, random: u128, site: &str) -> Event {
    let e = cached()
        .iter()
        .find(|e| e.event == t)
        .expect("the scenario raises every type");
    restamp(e, ts, random, site)
}

/// One sample of each of the twelve types, in table order.
pub fn all(ts: Timestamp, mut random: impl FnMut() -> u128, site: &str) -> Vec<Event> {
    EventType::ALL
        .into_iter()
        .map(|t| event(t, ts, random(), site))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::NdaaStatus;

    #[test]
    fn samples_are_the_engines_events_restamped() {
        let evs = all(Timestamp(1_778_432_892_482_000), || 5, "hq");
        assert_eq!(evs.len(), 12);
        let raised = engine_events("hq", SEED).expect("scenario");
        for ((e, t), r) in evs.iter().zip(EventType::ALL).zip(&raised) {
            assert_eq!(e.event, t);
            assert_eq!(e.site, "hq");
            assert_eq!(e.timestamp, Timestamp(1_778_432_892_482_000));
            assert_eq!(e.event_id, crate::event::EventId::new(e.timestamp, 5));
            let same = Event {
                event_id: r.event_id,
                timestamp: r.timestamp,
                ..e.clone()
            };
            assert_eq!(&same, r, "only time and id differ");
        }
        assert_eq!(evs[0].threshold, Some(0.65));
        assert_eq!(evs[1].ndaa_status, Some(NdaaStatus::Prohibited));
        assert!(evs[1].confidence.unwrap() >= 0.85);
    }
}
