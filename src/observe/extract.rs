//! From wire `Repr`s to [`Observation`]s.

use std::net::{IpAddr, Ipv4Addr};

use super::{Arp, Cdp, Dhcp, Dhcpv6, Eapol, Inventory, Lldp, Neighbor, Observation, Signal, Stp};
use crate::clock::Timestamp;
use crate::wire::lldp::{IdValue, MgmtAddress};
use crate::wire::{Frame, Payload, Text, arp, cdp, dhcpv4, dhcpv6, eapol, edp, fdp, lldp, stp};

fn text(t: &Text<'_>) -> String {
    t.to_str_lossy().into_owned()
}

fn opt_text(t: &Option<Text<'_>>) -> Option<String> {
    t.as_ref().map(text).filter(|s| !s.is_empty())
}

pub(super) fn observe(ts: Timestamp, f: &Frame<'_>) -> Option<Observation> {
    let (signal, mac) = match &f.payload {
        Payload::Lldp(Some(r)) => (Signal::Lldp(from_lldp(r)), f.src_mac),
        Payload::Cdp(Some(r)) => (Signal::Cdp(from_cdp(r)), f.src_mac),
        Payload::Edp(Some(r)) => (Signal::Edp(from_edp(r)), f.src_mac),
        Payload::Fdp(Some(r)) => (Signal::Fdp(from_fdp(r)), f.src_mac),
        Payload::Dhcp(Some(r)) => {
            let d = from_dhcp(r);
            let mac = if d.from_client {
                d.chaddr.or(f.src_mac)
            } else {
                d.chaddr
            };
            (Signal::Dhcp(d), mac)
        }
        Payload::Dhcpv6(Some(r)) => (Signal::Dhcpv6(from_dhcpv6(r)), f.src_mac),
        Payload::Arp(Some(r)) => {
            let sender = match r.sender_mac {
                Some(arp::HwAddr::Mac(m)) => Some(m),
                _ => None,
            };
            (Signal::Arp(from_arp(r)), sender.or(f.src_mac))
        }
        Payload::Eapol(Some(r)) => {
            let e = from_eapol(r);
            let mac = eapol_device(&e, f);
            (Signal::Eapol(e), mac)
        }
        Payload::Stp(Some(r)) => (Signal::Stp(from_stp(r)), f.src_mac),
        Payload::Mdns(Some(r)) => (Signal::Mdns(super::discovery::from_mdns(r)), f.src_mac),
        Payload::Ssdp(Some(r)) => (Signal::Ssdp(super::discovery::from_ssdp(r)), f.src_mac),
        _ => return None,
    };
    Some(Observation {
        ts,
        mac,
        src_mac: f.src_mac,
        vlans: f.vlans.as_slice().to_vec(),
        ip_ttl: f.ip.map(|i| i.ttl),
        anomalies: u16::try_from(f.anomalies.len()).unwrap_or(u16::MAX),
        signal,
    })
}

fn id(i: &Option<lldp::Id<'_>>) -> Option<(u8, String)> {
    i.as_ref().map(|i| {
        let v = match &i.value {
            IdValue::Mac(m) => m.to_string(),
            IdValue::Ip(a) => a.to_string(),
            IdValue::Text(t) => text(t),
            IdValue::Hex(h) => h.to_string(),
        };
        (i.subtype, v)
    })
}

fn from_lldp(r: &lldp::Repr<'_>) -> Lldp {
    let med = r.med.as_ref();
    fn inv<'m>(
        med: Option<&'m lldp::org::Med<'_>>,
        f: fn(&'m lldp::org::Med<'_>) -> &'m Option<Text<'m>>,
    ) -> Option<String> {
        med.and_then(|m| opt_text(f(m)))
    }
    let p3 = r.ieee_802_3.as_ref();
    let power = p3.and_then(|p| p.power.as_ref());
    Lldp {
        chassis_id: id(&r.chassis_id),
        port_id: id(&r.port_id),
        ttl: r.ttl,
        port_description: opt_text(&r.port_description),
        system_name: opt_text(&r.system_name),
        system_description: opt_text(&r.system_description),
        caps_system: r.capabilities.map_or(0, |c| c.system.0),
        caps_enabled: r.capabilities.map_or(0, |c| c.enabled.0),
        management_addresses: r
            .management_addresses
            .iter()
            .map(|m| match &m.address {
                MgmtAddress::Ip(a) => a.to_string(),
                MgmtAddress::Mac(a) => a.to_string(),
                MgmtAddress::Hex(h) => h.to_string(),
            })
            .collect(),
        tlv_order: r.tlv_order().join(","),
        med_class: med.and_then(|m| m.device_class).map(|c| c.code()),
        inventory: Box::new(Inventory {
            hardware_revision: inv(med, |m| &m.hardware_revision),
            firmware_revision: inv(med, |m| &m.firmware_revision),
            software_revision: inv(med, |m| &m.software_revision),
            serial_number: inv(med, |m| &m.serial_number),
            manufacturer: inv(med, |m| &m.manufacturer),
            model_name: inv(med, |m| &m.model_name),
            asset_id: inv(med, |m| &m.asset_id),
        }),
        // The TLV carries the class plus one (1 = class 0).
        poe_class: power.map(|p| p.class.saturating_sub(1)),
        power_mw: med
            .and_then(|m| m.power.as_ref())
            .map(|p| p.value_mw)
            .or_else(|| {
                power
                    .and_then(|p| p.at.as_ref())
                    .map(|a| a.requested_mw.max(a.allocated_mw))
            }),
        mau_type: p3.and_then(|p| p.mac_phy.as_ref()).map(|m| m.mau_type),
        pvid: r.ieee_802_1.as_ref().and_then(|p| p.pvid),
        voice_vlan: med.and_then(|m| {
            m.policies
                .iter()
                .find(|p| p.application == lldp::org::PolicyApp::Voice && !p.unknown)
                .map(|p| p.vlan)
        }),
        mud_url: opt_text(&r.mud_url),
    }
}

fn from_cdp(r: &cdp::Repr<'_>) -> Cdp {
    let mut c = Cdp {
        version: r.version,
        ttl: r.ttl,
        ..Cdp::default()
    };
    let ips = |a: &cdp::Addresses<'_>| -> Vec<IpAddr> {
        a.addresses()
            .filter_map(|x| match x {
                cdp::Address::Ip(ip) => Some(ip),
                _ => None,
            })
            .collect()
    };
    for t in &r.tlvs {
        c.tlv_order.push(t.kind());
        match t {
            cdp::Tlv::DeviceId(t) if c.device_id.is_none() => c.device_id = Some(text(t)),
            cdp::Tlv::PortId(t) if c.port_id.is_none() => c.port_id = Some(text(t)),
            cdp::Tlv::Platform(t) if c.platform.is_none() => c.platform = Some(text(t)),
            cdp::Tlv::SoftwareVersion(t) if c.software_version.is_none() => {
                c.software_version = Some(text(t))
            }
            cdp::Tlv::Capabilities(k) => c.capabilities = k.0,
            cdp::Tlv::Addresses(a) => c.addresses = ips(a),
            cdp::Tlv::ManagementAddresses(a) => c.management_addresses = ips(a),
            cdp::Tlv::NativeVlan(v) => c.native_vlan = Some(*v),
            cdp::Tlv::VoiceVlan(_, v) => c.voice_vlan = Some(*v),
            cdp::Tlv::Duplex(d) => c.full_duplex = Some(*d == cdp::Duplex::Full),
            cdp::Tlv::Power(p) => c.power_mw = Some(u32::from(*p)),
            cdp::Tlv::VtpDomain(t) => c.vtp_domain = Some(text(t)),
            _ => {}
        }
    }
    c
}

fn from_edp(r: &edp::Repr<'_>) -> Neighbor {
    let info = r.info();
    Neighbor {
        device_id: r.display_name().map(|t| text(&t)),
        port_id: info
            .as_ref()
            .map(|i| format!("{}:{}", i.slot + 1, i.port + 1)),
        platform: None,
        software_version: info.map(|i| {
            let v = i.version;
            format!("{}.{}.{}.{}", v[0], v[1], v[2], v[3])
        }),
    }
}

fn from_fdp(r: &fdp::Repr<'_>) -> Neighbor {
    let mut n = Neighbor::default();
    for t in &r.tlvs {
        match t {
            fdp::Tlv::DeviceId(t) => n.device_id = Some(text(t)),
            fdp::Tlv::PortId(t) => n.port_id = Some(text(t)),
            fdp::Tlv::Platform(t) => n.platform = Some(text(t)),
            fdp::Tlv::Version(t) => n.software_version = Some(text(t)),
            _ => {}
        }
    }
    n
}

fn from_dhcp(r: &dhcpv4::Repr<'_>) -> Dhcp {
    let data = |d: &Option<dhcpv4::options::Data<'_>>| d.as_ref().map(|d| d.to_vec());
    let txt = |d: &Option<dhcpv4::options::Data<'_>>| {
        d.as_ref().map(|d| text(&Text(d))).filter(|s| !s.is_empty())
    };
    Dhcp {
        from_client: r.op == dhcpv4::Op::Request,
        message_type: r.message_type.map(|m| m.0),
        xid: r.xid,
        chaddr: r.chaddr.mac(),
        client_id: data(&r.client_id),
        hostname: txt(&r.hostname),
        vendor_class: txt(&r.vendor_class),
        prl: data(&r.parameter_request_list).unwrap_or_default(),
        options_order: r.options_order.clone(),
        max_message_size: r.max_message_size,
        requested_ip: r.requested_ip,
        ciaddr: r.ciaddr,
        yiaddr: r.yiaddr,
        giaddr: r.giaddr,
        user_class: r
            .user_class
            .as_ref()
            .map(|u| u.items().map(|t| text(&t)).collect())
            .unwrap_or_default(),
        fqdn: r
            .client_fqdn
            .as_ref()
            .map(|f| f.to_string())
            .filter(|s| !s.is_empty()),
        circuit_id: r
            .relay_agent
            .as_ref()
            .and_then(|a| a.circuit_id())
            .map(<[u8]>::to_vec),
        remote_id: r
            .relay_agent
            .as_ref()
            .and_then(|a| a.remote_id())
            .map(<[u8]>::to_vec),
    }
}

fn from_dhcpv6(r: &dhcpv6::Repr<'_>) -> Dhcpv6 {
    // Look through relay-forward wrappers to the client's own message.
    let mut m = r;
    let mut hops = 0u8;
    while let Some(inner) = m.relay.as_ref().and_then(|x| x.message.as_deref()) {
        m = inner;
        hops = hops.saturating_add(1);
    }
    Dhcpv6 {
        message_type: u8::from(m.message_type),
        duid: m.client_duid.map(|d| d.0.to_vec()),
        oro: m.oro.map(|o| o.codes().collect()).unwrap_or_default(),
        options_order: m.options.iter().map(|o| o.code).collect(),
        vendor_class: m
            .vendor_class
            .map(|v| (v.enterprise, v.data.items().map(|t| text(&t)).collect())),
        enterprise_numbers: m.enterprise_numbers.clone(),
        user_class: m
            .user_class
            .map(|u| u.items().map(|t| text(&t)).collect())
            .unwrap_or_default(),
        fqdn: m.fqdn.map(|f| f.name.to_string()).filter(|s| !s.is_empty()),
        relay_hops: hops,
    }
}

fn ipv4(a: &Option<arp::ProtoAddr<'_>>) -> Option<Ipv4Addr> {
    match a {
        Some(arp::ProtoAddr::Ipv4(ip)) => Some(*ip),
        _ => None,
    }
}

fn from_arp(r: &arp::Repr<'_>) -> Arp {
    Arp {
        operation: u16::from(r.operation),
        sender_ip: ipv4(&r.sender_ip),
        target_ip: ipv4(&r.target_ip),
        gratuitous: r.gratuitous,
        probe: r.probe,
    }
}

/// The device an EAPOL frame is about: its sender, except for an authenticator's frame
/// (EAP Request, Success, Failure) addressed to one station, which is about that station. So
/// an EAP-Success the switch sends toward a device has the device as `mac` and the switch as
/// `src_mac`, while one the device sends itself (forged) has its own MAC as both: the engine
/// trusts only the first.
fn eapol_device(e: &Eapol, f: &Frame<'_>) -> Option<crate::wire::MacAddr> {
    let authenticator_code = matches!(e.eap_code, Some(1 | 3 | 4));
    match f.dst_mac {
        Some(d) if authenticator_code && !d.is_multicast() && Some(d) != f.src_mac => Some(d),
        _ => f.src_mac,
    }
}

fn from_eapol(r: &eapol::Repr<'_>) -> Eapol {
    Eapol {
        packet_type: u8::from(r.packet_type),
        eap_code: r.eap.as_ref().map(|e| u8::from(e.code)),
        eap_type: r.eap.as_ref().and_then(|e| e.eap_type).map(u8::from),
        identity: r.eap.as_ref().and_then(|e| opt_text(&e.identity)),
    }
}

fn from_stp(r: &stp::Repr<'_>) -> Stp {
    Stp {
        protocol: r.protocol.to_owned(),
        root: r.root_id.map(|b| (b.mac, b.priority)),
        bridge: r.bridge_id.map(|b| (b.mac, b.priority)),
        port_id: r.port_id,
        topology_change: r.flags.is_some_and(|f| f.0 & 0x01 != 0),
    }
}
