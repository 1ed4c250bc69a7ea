//! The twelve event types with their priority and severity (DESIGN.md section 6), severities
//! and NDAA statuses.

use core::fmt;
use core::str::FromStr;

use serde::{Deserialize, Serialize};

/// One of the twelve drift event types; serialised as its kebab-case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventType {
    /// Port's DNA vs baseline similarity below the substitution threshold.
    DeviceSubstituted,
    /// Identity resolves to an NDAA Section 889 prohibited vendor.
    NdaaProhibitedDetected,
    /// An extra hop appeared between wall jack and endpoint.
    PortTopologyChanged,
    /// A new DNA occupies a port.
    DeviceAppeared,
    /// Resolved class is not one the port profile expects.
    DeviceClassMismatch,
    /// The set of framework controls a port carries changed.
    ComplianceControlDrift,
    /// No 802.1X success within the grace window, or a device that did authenticate stops.
    UnenrolledFlagged,
    /// A stable device stopped responding on its port.
    DeviceDeparted,
    /// Same identity, similarity in the firmware-shift band.
    DeviceFirmwareShift,
    /// Link up, no control-plane activity for an extended period.
    DeviceSilentExtended,
    /// Identity confidence moved by more than the configured delta.
    VendorHintConfidenceChanged,
    /// A port that carried a device has been dark past the orphan threshold.
    PortOrphaned,
}

/// Event severity as the field reference spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Pages the SOC.
    High,
    /// Needs review.
    Medium,
    /// Informational or operational.
    Low,
}

/// Priority P1 (highest) to P4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Priority(pub u8);

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "P{}", self.0)
    }
}

/// NDAA Section 889 status of a resolved identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NdaaStatus {
    /// Vendor on the Section 889 list (or one of its subsidiaries / OEM brands).
    Prohibited,
    /// Vendor resolved and not on the list.
    Clean,
    /// Vendor not resolved with enough confidence.
    Unknown,
}

impl EventType {
    /// All twelve, in the reference's table order.
    pub const ALL: [EventType; 12] = [
        EventType::DeviceSubstituted,
        EventType::NdaaProhibitedDetected,
        EventType::PortTopologyChanged,
        EventType::DeviceAppeared,
        EventType::DeviceClassMismatch,
        EventType::ComplianceControlDrift,
        EventType::UnenrolledFlagged,
        EventType::DeviceDeparted,
        EventType::DeviceFirmwareShift,
        EventType::DeviceSilentExtended,
        EventType::VendorHintConfidenceChanged,
        EventType::PortOrphaned,
    ];

    /// The kebab-case name (`device-substituted`): the `event` field and the syslog MSGID.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::DeviceSubstituted => "device-substituted",
            EventType::NdaaProhibitedDetected => "ndaa-prohibited-detected",
            EventType::PortTopologyChanged => "port-topology-changed",
            EventType::DeviceAppeared => "device-appeared",
            EventType::DeviceClassMismatch => "device-class-mismatch",
            EventType::ComplianceControlDrift => "compliance-control-drift",
            EventType::UnenrolledFlagged => "unenrolled-flagged",
            EventType::DeviceDeparted => "device-departed",
            EventType::DeviceFirmwareShift => "device-firmware-shift",
            EventType::DeviceSilentExtended => "device-silent-extended",
            EventType::VendorHintConfidenceChanged => "vendor-hint-confidence-changed",
            EventType::PortOrphaned => "port-orphaned",
        }
    }

    /// Priority per DESIGN.md section 6.
    pub fn priority(self) -> Priority {
        use EventType::*;
        Priority(match self {
            DeviceSubstituted | NdaaProhibitedDetected => 1,
            PortTopologyChanged | DeviceAppeared | DeviceClassMismatch | ComplianceControlDrift => {
                2
            }
            UnenrolledFlagged | DeviceDeparted | DeviceFirmwareShift | DeviceSilentExtended => 3,
            VendorHintConfidenceChanged | PortOrphaned => 4,
        })
    }

    /// Severity per DESIGN.md section 6.
    pub fn severity(self) -> Severity {
        use EventType::*;
        match self {
            DeviceSubstituted | NdaaProhibitedDetected => Severity::High,
            PortTopologyChanged
            | DeviceAppeared
            | DeviceClassMismatch
            | ComplianceControlDrift
            | UnenrolledFlagged => Severity::Medium,
            DeviceDeparted
            | DeviceFirmwareShift
            | DeviceSilentExtended
            | VendorHintConfidenceChanged
            | PortOrphaned => Severity::Low,
        }
    }

    /// A short title (the CEF `Name`): `Device substituted`.
    pub fn title(self) -> &'static str {
        match self {
            EventType::DeviceSubstituted => "Device substituted",
            EventType::NdaaProhibitedDetected => "NDAA-prohibited device detected",
            EventType::PortTopologyChanged => "Port topology changed",
            EventType::DeviceAppeared => "Device appeared",
            EventType::DeviceClassMismatch => "Device class mismatch",
            EventType::ComplianceControlDrift => "Compliance control drift",
            EventType::UnenrolledFlagged => "Unenrolled device flagged",
            EventType::DeviceDeparted => "Device departed",
            EventType::DeviceFirmwareShift => "Device firmware shift",
            EventType::DeviceSilentExtended => "Device silent for an extended period",
            EventType::VendorHintConfidenceChanged => "Vendor hint confidence changed",
            EventType::PortOrphaned => "Port orphaned",
        }
    }

    /// The start of the human summary, before ` on port …` (reference samples:
    /// `Substituted device`, `NDAA-prohibited device detected`).
    pub(crate) fn summary_phrase(self) -> &'static str {
        match self {
            EventType::DeviceSubstituted => "Substituted device",
            EventType::NdaaProhibitedDetected => "NDAA-prohibited device detected",
            EventType::PortTopologyChanged => "Additional hop (topology change) detected",
            EventType::DeviceAppeared => "New device appeared",
            EventType::DeviceClassMismatch => "Device class mismatch",
            EventType::ComplianceControlDrift => "Framework-control coverage changed",
            EventType::UnenrolledFlagged => "Unenrolled device flagged",
            EventType::DeviceDeparted => "Device departed",
            EventType::DeviceFirmwareShift => "Firmware shift",
            EventType::DeviceSilentExtended => "Device silent for an extended period",
            EventType::VendorHintConfidenceChanged => "Vendor confidence changed",
            EventType::PortOrphaned => "Port orphaned",
        }
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name is not one of the twelve event types.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown event type {0:?}")]
pub struct UnknownEventType(pub String);

impl FromStr for EventType {
    type Err = UnknownEventType;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EventType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| UnknownEventType(s.to_owned()))
    }
}

impl Severity {
    /// `high` / `medium` / `low`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        }
    }
}

impl NdaaStatus {
    /// `prohibited` / `clean` / `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            NdaaStatus::Prohibited => "prohibited",
            NdaaStatus::Clean => "clean",
            NdaaStatus::Unknown => "unknown",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_priorities_and_severities() {
        assert_eq!(EventType::ALL.len(), 12);
        for t in EventType::ALL {
            assert_eq!(t.as_str().parse::<EventType>().unwrap(), t);
            let j = serde_json::to_string(&t).unwrap();
            assert_eq!(j, format!("\"{}\"", t.as_str()));
            assert!(t.as_str().len() <= 32, "MSGID limit");
        }
        let p1: Vec<_> = EventType::ALL
            .into_iter()
            .filter(|t| t.priority() == Priority(1))
            .collect();
        assert_eq!(
            p1,
            [
                EventType::DeviceSubstituted,
                EventType::NdaaProhibitedDetected
            ]
        );
        assert_eq!(EventType::UnenrolledFlagged.priority(), Priority(3));
        assert_eq!(EventType::UnenrolledFlagged.severity(), Severity::Medium);
        assert_eq!(EventType::PortOrphaned.priority().to_string(), "P4");
        assert_eq!(EventType::DeviceDeparted.severity(), Severity::Low);
        assert!("device-exploded".parse::<EventType>().is_err());
    }
}
