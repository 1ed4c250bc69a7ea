//! Sample events of every type, with the fields the reference shows for each, for
//! `cybriq syslog-test`, tests and benchmarks.
//!
//! What the engine decides is taken from the engine's own tables, so a sample cannot disagree
//! with a raised event on it: the MITRE techniques (`engine::mitre::techniques`), which types
//! carry `change_window_match` (`engine::mitre::is_change_event`), the thresholds (the
//! `[events]` defaults: every change event carries the substitution threshold it was judged
//! against), `changed` names (`dna::feature_name` of real tokens) and the derived contract
//! fields (`Event::fill_change_fields`).

use crate::clock::Timestamp;
use crate::config::events::Events;
use crate::dna::feature_name;
use crate::engine::mitre::{is_change_event, techniques};

use super::{Event, EventType, NdaaStatus};

/// A realistic event of type `t` at `ts`; `n` varies the port, DNA and scores so consecutive
/// samples differ; `random` is the id's random part.
pub fn event(t: EventType, ts: Timestamp, random: u128, site: &str, n: u64) -> Event {
    let port = format!("Gi{}/0/{}", 1 + n / 48 % 8, 1 + n % 48);
    let mut e = Event::new(t, ts, random, site, port);
    e.switch = Some(format!("edge-sw-{:02}", 1 + n % 40));
    let dna = |k: u64| {
        format!(
            "dna:{:032x}",
            (n.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ k) as u128 * 0x1_0001
        )
    };
    let score = |base: f64, span: f64| Event::round_score(base + span * ((n % 97) as f64 / 97.0));
    let mac = format!(
        "00:1b:54:{:02x}:{:02x}:{:02x}",
        (n >> 16) as u8,
        (n >> 8) as u8,
        n as u8
    );
    let controls = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let defaults = Events::default();
    let changed = |added: &[&str], removed: &[&str]| {
        let mut v: Vec<String> = added
            .iter()
            .map(|t| format!("+{}", feature_name(t)))
            .collect();
        v.extend(removed.iter().map(|t| format!("-{}", feature_name(t))));
        v
    };
    match t {
        EventType::DeviceSubstituted => {
            e.previous_dna = Some(dna(1));
            e.device_dna = Some(dna(2));
            e.similarity = Some(score(0.05, 0.55));
            e.threshold = Some(defaults.substitution_threshold);
            e.previous_vendor = Some("Cisco IP Phone 8851".into());
            e.mitre = controls(&["T1200", "T1556"]);
            e.controls = controls(&["PCI-4.0/12.5.1", "SOC2/CC6.1"]);
            e.change_window_match = Some(false);
            e.changed = changed(
                &["dhcp.prl:1,3,6,15,119,252", "oui:3c5ab4"],
                &["lldp.med.model:CP-8851", "oui:001b54"],
            );
            e.mac = Some(mac);
        }
        EventType::NdaaProhibitedDetected => {
            e.device_dna = Some(dna(3));
            e.vendor = Some("Hikvision DS-2CD2T".into());
            e.confidence = Some(score(0.85, 0.14));
            e.ndaa_status = Some(NdaaStatus::Prohibited);
            e.mitre = controls(&["T1199"]);
            e.controls = controls(&["NDAA-889", "CMMC-L2/CM.L2-3.4.1", "NIST-800-171/3.4.1"]);
            e.mac = Some(mac);
        }
        EventType::PortTopologyChanged => {
            e.device_dna = Some(dna(4));
            e.mitre = controls(&["T1200"]);
            e.controls = controls(&["PCI-4.0/1.2.1", "SOC2/CC6.6"]);
            e.change_window_match = Some(false);
            e.changed = changed(&["lldp.caps:bridge", "stp.proto:rstp"], &[]);
        }
        EventType::DeviceAppeared => {
            e.device_dna = Some(dna(5));
            e.vendor = Some("Polycom VVX 450".into());
            e.confidence = Some(score(0.6, 0.39));
            e.ndaa_status = Some(NdaaStatus::Clean);
            e.controls = controls(&["PCI-4.0/12.5.1"]);
            e.unenrolled = Some(n % 2 == 0);
            e.mac = Some(mac);
        }
        EventType::DeviceClassMismatch => {
            e.device_dna = Some(dna(6));
            e.vendor = Some("Dell Latitude 7440".into());
            e.confidence = Some(score(0.7, 0.29));
            e.mitre = controls(&["T1200"]);
            e.controls = controls(&["PCI-4.0/1.2.1"]);
        }
        EventType::ComplianceControlDrift => {
            e.device_dna = Some(dna(7));
            e.controls = controls(&["PCI-4.0/12.5.1", "HIPAA/164.312(b)"]);
            e.change_window_match = Some(true);
        }
        EventType::UnenrolledFlagged => {
            e.device_dna = Some(dna(8));
            e.vendor = Some("Axis P3245-V".into());
            e.mitre = controls(&["T1556"]);
            e.controls = controls(&["PCI-4.0/8.2.1", "SOC2/CC6.1"]);
            e.unenrolled = Some(true);
            e.mac = Some(mac);
        }
        EventType::DeviceDeparted => {
            e.device_dna = Some(dna(9));
            e.vendor = Some("Cisco IP Phone 8851".into());
            e.controls = controls(&["PCI-4.0/12.5.1"]);
            e.mac = Some(mac);
        }
        EventType::DeviceFirmwareShift => {
            e.previous_dna = Some(dna(10));
            e.device_dna = Some(dna(11));
            e.similarity = Some(score(0.65, 0.19));
            e.threshold = Some(defaults.substitution_threshold);
            e.previous_vendor = Some("Crestron DM-MD8x8".into());
            e.vendor = Some("Crestron DM-MD8x8".into());
            e.confidence = Some(0.92);
            e.controls = controls(&["SOC2/CC8.1"]);
            e.change_window_match = Some(n % 3 == 0);
            e.changed = changed(&["fw.v:crestron:1.8001.0"], &["fw.v:crestron:1.7000.0"]);
        }
        EventType::DeviceSilentExtended => {
            e.device_dna = Some(dna(12));
            e.vendor = Some("Honeywell WEB-8000".into());
        }
        EventType::VendorHintConfidenceChanged => {
            e.device_dna = Some(dna(13));
            e.vendor = Some("Aruba AP-515".into());
            e.confidence = Some(score(0.3, 0.6));
            e.ndaa_status = Some(NdaaStatus::Unknown);
        }
        EventType::PortOrphaned => {
            e.previous_dna = Some(dna(14));
            e.controls = controls(&["PCI-4.0/9.5.1"]);
        }
    }
    // The engine's tables decide these, for samples as for raised events.
    e.mitre = techniques(t).iter().map(|s| s.to_string()).collect();
    if is_change_event(t) {
        e.change_window_match.get_or_insert(false);
    } else {
        e.change_window_match = None;
    }
    e.fill_change_fields();
    e
}

/// One sample of each of the twelve types, in table order.
pub fn all(ts: Timestamp, mut random: impl FnMut() -> u128, site: &str) -> Vec<Event> {
    EventType::ALL
        .into_iter()
        .enumerate()
        .map(|(i, t)| event(t, ts, random(), site, i as u64))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_has_a_sample_with_its_fields() {
        let evs = all(Timestamp(1_778_432_892_482_000), || 5, "hq");
        assert_eq!(evs.len(), 12);
        for (e, t) in evs.iter().zip(EventType::ALL) {
            assert_eq!(e.event, t);
            assert_eq!(e.severity, t.severity());
            assert!(e.switch.is_some());
        }
        assert_eq!(evs[0].threshold, Some(0.65));
        assert_eq!(evs[1].ndaa_status, Some(NdaaStatus::Prohibited));
        assert!(evs[1].confidence.unwrap() >= 0.85);
    }
}
