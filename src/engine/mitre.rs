//! The MITRE ATT&CK techniques each event carries (`mitre`), as a documented table.
//!
//! | event | techniques | why |
//! |---|---|---|
//! | device-substituted | T1200, T1556 | reference mapping: a device swapped in on a trusted port is a Hardware Addition; reusing the old device's MAC (or its port's MAB/802.1X standing) to get through NAC is Modify Authentication Process |
//! | ndaa-prohibited-detected | T1199 | reference mapping: equipment from a covered vendor is a Trusted Relationship (supply-chain) exposure |
//! | port-topology-changed | T1200, T1557 | an unauthorised switch, hub or tap between jack and endpoint is a Hardware Addition that puts its owner in the path (Adversary-in-the-Middle) |
//! | device-appeared | T1200 | a new device on the wire is the first observable of a Hardware Addition (usually benign; correlate) |
//! | device-class-mismatch | T1200 | a device of the wrong class on a dedicated port (a laptop on a camera port) is how a Hardware Addition hides among expected gear |
//! | unenrolled-flagged | T1200 | a device that never (or no longer) authenticates with 802.1X sits on the network outside access control |
//! | device-firmware-shift | T1601 | an unplanned firmware change on an embedded device is how a modified system image persists (Modify System Image) |
//! | vendor-hint-confidence-changed | T1036 | a device whose identity evidence shifts may be presenting forged identity strings (Masquerading) |
//! | device-departed | — | operational: a device left its port; meaningful only when correlated |
//! | device-silent-extended | — | operational: link up, nothing said; no technique on its own |
//! | port-orphaned | — | inventory reclamation; no adversary behaviour implied |
//! | compliance-control-drift | — | compliance flow to GRC; a coverage change, not an attack signal |

use crate::event::EventType;

/// The techniques for an event type (empty for operational events).
pub fn techniques(t: EventType) -> &'static [&'static str] {
    match t {
        EventType::DeviceSubstituted => &["T1200", "T1556"],
        EventType::NdaaProhibitedDetected => &["T1199"],
        EventType::PortTopologyChanged => &["T1200", "T1557"],
        EventType::DeviceAppeared => &["T1200"],
        EventType::DeviceClassMismatch => &["T1200"],
        EventType::UnenrolledFlagged => &["T1200"],
        EventType::DeviceFirmwareShift => &["T1601"],
        EventType::VendorHintConfidenceChanged => &["T1036"],
        EventType::DeviceDeparted
        | EventType::DeviceSilentExtended
        | EventType::PortOrphaned
        | EventType::ComplianceControlDrift => &[],
    }
}

/// Whether an event type is a change event (carries `change_window_match`): a change on the
/// port that an approved change ticket can explain.
pub fn is_change_event(t: EventType) -> bool {
    matches!(
        t,
        EventType::DeviceSubstituted
            | EventType::PortTopologyChanged
            | EventType::DeviceAppeared
            | EventType::DeviceDeparted
            | EventType::DeviceFirmwareShift
            | EventType::DeviceClassMismatch
            | EventType::ComplianceControlDrift
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_mappings() {
        assert_eq!(techniques(EventType::DeviceSubstituted), ["T1200", "T1556"]);
        assert_eq!(techniques(EventType::NdaaProhibitedDetected), ["T1199"]);
        for t in EventType::ALL {
            for id in techniques(t) {
                assert!(id.starts_with('T') && id.len() == 5, "{id}");
            }
        }
    }
}
