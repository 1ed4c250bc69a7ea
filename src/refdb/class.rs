//! Device classes: the closed list every rule and every identity uses.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What kind of device an identity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeviceClass {
    /// Desk or conference IP telephone.
    IpPhone,
    /// IP video camera, NVR/DVR.
    Camera,
    /// Printer, multifunction device, scanner.
    Printer,
    /// Wireless access point or wireless controller.
    WirelessAp,
    /// Ethernet switch (layer 2 or 3).
    Switch,
    /// Router, firewall, gateway.
    Router,
    /// Desktop or laptop computer.
    Workstation,
    /// Smartphone or tablet.
    Mobile,
    /// Server, hypervisor guest, storage appliance, BMC.
    Server,
    /// Audio/video: displays, signage, conferencing systems, media players.
    AvSystem,
    /// HVAC, lighting, access control, building management controllers.
    BuildingAutomation,
    /// Medical device.
    Medical,
    /// PLC, HMI, industrial controller.
    IndustrialControl,
    /// Other embedded or consumer connected device.
    Iot,
    /// Not determined.
    Unknown,
}

/// Every class, in the order.
pub const ALL_CLASSES: [DeviceClass; 15] = [
    DeviceClass::IpPhone,
    DeviceClass::Camera,
    DeviceClass::Printer,
    DeviceClass::WirelessAp,
    DeviceClass::Switch,
    DeviceClass::Router,
    DeviceClass::Workstation,
    DeviceClass::Mobile,
    DeviceClass::Server,
    DeviceClass::AvSystem,
    DeviceClass::BuildingAutomation,
    DeviceClass::Medical,
    DeviceClass::IndustrialControl,
    DeviceClass::Iot,
    DeviceClass::Unknown,
];

impl DeviceClass {
    /// The class's name as written in files and JSON (`ip-phone`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceClass::IpPhone => "ip-phone",
            DeviceClass::Camera => "camera",
            DeviceClass::Printer => "printer",
            DeviceClass::WirelessAp => "wireless-ap",
            DeviceClass::Switch => "switch",
            DeviceClass::Router => "router",
            DeviceClass::Workstation => "workstation",
            DeviceClass::Mobile => "mobile",
            DeviceClass::Server => "server",
            DeviceClass::AvSystem => "av-system",
            DeviceClass::BuildingAutomation => "building-automation",
            DeviceClass::Medical => "medical",
            DeviceClass::IndustrialControl => "industrial-control",
            DeviceClass::Iot => "iot",
            DeviceClass::Unknown => "unknown",
        }
    }
}

impl fmt::Display for DeviceClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DeviceClass {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ALL_CLASSES
            .iter()
            .copied()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = ALL_CLASSES.iter().map(|c| c.as_str()).collect();
                format!("unknown class `{s}`; one of {}", names.join(", "))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for c in ALL_CLASSES {
            assert_eq!(c.as_str().parse::<DeviceClass>().unwrap(), c);
            assert_eq!(serde_json::to_string(&c).unwrap(), format!("\"{c}\""));
        }
        assert!("phone".parse::<DeviceClass>().is_err());
    }
}
