//! Entry points for the cargo-fuzz targets in `fuzz/` (and for tests that want the same
//! property on a byte string).
//!
//! The property, for every protocol: decoding arbitrary bytes never panics and never loops; the
//! result serialises to JSON and displays; and a decoded message re-emits without panicking into
//! a buffer of exactly `buffer_len()` bytes, which decodes again.

use super::{LinkType, arp, cdp, dhcpv4, dhcpv6, eapol, edp, fdp, frame, lldp, mdns, ssdp, stp};

macro_rules! protocol_target {
    ($(#[$doc:meta])* $name:ident, $module:ident) => {
        $(#[$doc])*
        pub fn $name(data: &[u8]) {
            let mut anomalies = Vec::new();
            if let Ok(repr) = $module::decode(data, &mut anomalies) {
                let _ = serde_json::to_string(&repr).expect("serialises");
                let _ = repr.to_string();
                let mut buf = vec![0u8; repr.buffer_len()];
                repr.emit(&mut buf);
                let mut again = Vec::new();
                let _ = $module::decode(&buf, &mut again);
            }
            let _ = anomalies.iter().map(|a| a.to_string()).count();
        }
    };
}

protocol_target!(/// LLDP (the payload after the EtherType).
    lldp, lldp);
protocol_target!(/// CDP (after the SNAP header).
    cdp, cdp);
protocol_target!(/// EDP (after the SNAP header).
    edp, edp);
protocol_target!(/// FDP (after the SNAP header).
    fdp, fdp);
protocol_target!(/// DHCPv4 (the UDP payload).
    dhcpv4, dhcpv4);
protocol_target!(/// DHCPv6 (the UDP payload).
    dhcpv6, dhcpv6);
protocol_target!(/// ARP (after the EtherType).
    arp, arp);
protocol_target!(/// EAPOL (after the EtherType).
    eapol, eapol);
protocol_target!(/// STP BPDUs (after the LLC header).
    stp, stp);
protocol_target!(/// mDNS / DNS-SD (the UDP payload).
    mdns, mdns);
protocol_target!(/// SSDP (the UDP payload).
    ssdp, ssdp);

/// A whole frame, on every supported link type (the first byte picks the link type).
pub fn frame(data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let link = match sel % 4 {
        0 => LinkType::Ethernet,
        1 => LinkType::LinuxSll,
        2 => LinkType::LinuxSll2,
        _ => LinkType::CiscoHdlc,
    };
    let f = frame::decode(link, rest);
    let _ = crate::decode::text::Line {
        index: 1,
        ts: crate::clock::Timestamp(0),
        frame: &f,
    }
    .to_string();
    let _ = serde_json::to_string(&crate::decode::json::FrameJson {
        file: "fuzz",
        index: 1,
        ts: crate::clock::Timestamp(0),
        frame: &f,
    })
    .expect("serialises");
}
