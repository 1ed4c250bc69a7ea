//! Observations from real corpus frames: the facts the DNA, identity and attribution stages use.

mod common;

use cybriq::capture::read_all;
use cybriq::observe::{Observation, Signal};
use cybriq::wire::frame;

fn observations(rel: &str) -> Vec<Observation> {
    let (link, recs, _) = read_all(&common::data(rel)).expect("capture");
    recs.iter()
        .filter_map(|(ts, d)| Observation::from_frame(*ts, &frame::decode(link, d)))
        .collect()
}

#[test]
fn every_decoded_frame_gives_an_observation_that_round_trips_through_json() {
    let mut n = 0;
    for cap in common::all_captures() {
        let Ok((link, recs, _)) = read_all(&cap) else {
            continue;
        };
        for (ts, d) in &recs {
            let f = frame::decode(link, d);
            let o = Observation::from_frame(*ts, &f);
            let has_repr = !matches!(
                f.payload,
                cybriq::wire::Payload::Other
                    | cybriq::wire::Payload::Lldp(None)
                    | cybriq::wire::Payload::Cdp(None)
                    | cybriq::wire::Payload::Edp(None)
                    | cybriq::wire::Payload::Fdp(None)
                    | cybriq::wire::Payload::Dhcp(None)
                    | cybriq::wire::Payload::Dhcpv6(None)
                    | cybriq::wire::Payload::Arp(None)
                    | cybriq::wire::Payload::Eapol(None)
                    | cybriq::wire::Payload::Stp(None)
            );
            assert_eq!(o.is_some(), has_repr, "{}", common::rel(&cap));
            if let Some(o) = o {
                let back: Observation =
                    serde_json::from_str(&serde_json::to_string(&o).unwrap()).unwrap();
                assert_eq!(back, o);
                n += 1;
            }
        }
    }
    assert!(n > 3000, "{n}");
}

#[test]
fn lldp_med_inventory_and_power() {
    let o = &observations("lldpd/sg200.pcap")[0];
    let Signal::Lldp(l) = &o.signal else { panic!() };
    assert_eq!(l.inventory.model_name.as_deref(), Some("SG 200-08P"));
    assert_eq!(l.inventory.serial_number.as_deref(), Some("XXX11111ZZZ"));
    assert_eq!(l.inventory.software_revision.as_deref(), Some("1.0.8.3"));
    assert_eq!(l.med_class, Some(4));
    assert_eq!(l.chassis_id, Some((4, "00:35:35:35:35:35".into())));
    assert_eq!(l.tlv_order.split(',').next(), Some("1"));

    let o = &observations("lldpd/8023bt.pcap")[0];
    let Signal::Lldp(l) = &o.signal else { panic!() };
    assert_eq!(l.power_mw, Some(71000));
    assert_eq!(l.poe_class, Some(4));
    assert_eq!(l.caps_system, 0b1_0100);
}

#[test]
fn cdp_phone_platform_and_capabilities() {
    let obs = observations("ladvd/cdp/49.good.phone.pcap");
    let Signal::Cdp(c) = &obs[0].signal else {
        panic!()
    };
    assert_eq!(c.device_id.as_deref(), Some("SEP001B53489EE0"));
    assert!(c.platform.as_deref().unwrap().contains("7912"));
    assert_eq!(c.capabilities & 0x80, 0x80, "voip-phone bit");
    assert_eq!(c.tlv_order.first(), Some(&1));
}

#[test]
fn dhcp_client_signals_and_mac_from_chaddr() {
    let obs = observations("suricata-verify/dhcp-eve-extended-option-60/input.pcap");
    let Signal::Dhcp(d) = &obs[0].signal else {
        panic!()
    };
    assert!(d.from_client);
    assert_eq!(d.vendor_class.as_deref(), Some("MSFT 5.0"));
    assert_eq!(d.hostname.as_deref(), Some("NicksMacBook"));
    assert!(!d.prl.is_empty());
    assert_eq!(obs[0].mac, d.chaddr);
    assert!(obs[0].ip_ttl.is_some());

    let obs = observations("zeek/dhcp_ack_subscriber_id_and_agent_remote_id.pcap");
    let Signal::Dhcp(d) = &obs[0].signal else {
        panic!()
    };
    assert!(!d.from_client);
    assert!(d.circuit_id.is_some() && d.remote_id.is_some());
}

#[test]
fn dhcpv6_relay_is_unwrapped_to_the_client_message() {
    let obs = observations("tcpdump/dhcpv6-mud.pcap");
    let Signal::Dhcpv6(d) = &obs[0].signal else {
        panic!()
    };
    assert_eq!(d.message_type, 1, "solicit inside relay-forw");
    assert_eq!(d.relay_hops, 1);
    assert_eq!(d.vendor_class.as_ref().map(|v| v.0), Some(40712));
    assert_eq!(d.fqdn.as_deref(), Some("raspberrypi"));
}

#[test]
fn eap_identity_and_arp_sender() {
    let obs = observations("tcpdump/eapon1.pcap");
    assert!(obs.iter().any(|o| matches!(&o.signal, Signal::Eapol(e)
        if e.identity.as_deref() == Some("1295023820005391@mnc023.mcc295.owlan.org"))));
    let obs = observations("zeek/arp-who-has.pcap");
    let Signal::Arp(a) = &obs[0].signal else {
        panic!()
    };
    assert_eq!(a.operation, 1);
    assert!(a.sender_ip.is_some());
    assert!(obs[0].mac.is_some());
}
