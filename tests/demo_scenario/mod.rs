//! The bundled demo scenario of `cybriq demo` (`deploy/demo/`): a ten-hour slice of the site
//! scenario of `tests/site_scenario.rs` on one switch ("access-1", Gi1/0/1-6), with the
//! engine's durations scaled down in the demo's own configuration so that every act of the
//! three-week story plays in one morning (learning window 1 h instead of 24 h, silence 3 h
//! instead of 7 days, orphan 4 h instead of 14 days, DHCP renewals every 30 min instead of 4 h).
//!
//! Real corpus frames with MACs, times and (for the firmware update) the version text
//! rewritten, from captures whose licences allow shipping them in the binary (ISC, BSD):
//! - Gi1/0/1 Cisco IP Phone 7970, CDP (`ladvd/cdp/49.good.phone.pcap` #2, "SIP70.8-5-3S");
//!   at 02:10 a firmware update inside an approved change window: "SIP70.8-5-4S".
//! - Gi1/0/2 Cisco IP Phone 7912, CDP (`ladvd/cdp/49.good.phone.pcap` #1); unplugged at 03:05
//!   and at 03:40 a laptop with the phone's MAC plugged in (Pop!_OS dhclient,
//!   `zeek/dhcp_time_and_nameserver.pcap` #1).
//! - Gi1/0/3 an Aruba AP heard through DHCP (`zeek/dhcp.pcap` #3, vendor class "ArubaAP");
//!   its DHCP client is silent from 05:00 to 09:30 while its link stays up.
//! - Gi1/0/4 a Hikvision camera: the LLDP frame of `tcpdump/lldp_mudurl.pcap` #1 re-encoded
//!   with a Hikvision MAC, names, station capability and LLDP-MED inventory (NDAA §889).
//! - Gi1/0/5 a laptop (Pop!_OS dhclient); at 04:00 an unmanaged switch in front of it with a
//!   MacBook (`tcpdump/dhcp-option-108.pcapng` #1) and a VMware-hosted client
//!   (`tcpdump/dhcp-rfc3004.pcap` #3) behind it: 3 MACs where the profile allows 2.
//! - Gi1/0/6 a laptop (`tcpdump/dhcp-rfc3004.pcap` #3 under an Intel OUI) unplugged at 01:30:
//!   the port is dark until 07:00, when the same laptop comes back.
//!
//! The site scenario's Broadcom BCM91100 phone is left out: its frame comes from the
//! assimilation captures (GPL-3.0-or-later), which are test data only, never in the binary.

use std::collections::BTreeMap;

use cybriq::clock::Timestamp;
use cybriq::event::EventType as T;
use cybriq::wire::MacAddr;

use crate::scenario_support::{
    Speaker, cdp_as, corpus_frame, dhcp_as, hikvision_frame, poll, write_capture,
};

/// The switch.
pub const SW: &str = "access-1";
/// The site.
pub const SITE: &str = "branch-7";
const MIN: i64 = 60;
const HOUR: i64 = 3600;
/// Length of the demo.
pub const END: i64 = 10 * HOUR;
const PORTS: usize = 6;
/// Poll interval.
const POLL_EVERY: i64 = 10 * MIN;
/// DHCP renewal interval.
const DHCP_EVERY: i64 = 30 * MIN;

/// Seconds → timestamp from 2026-05-04T08:00:00Z (a Monday morning).
pub fn at(secs: i64) -> Timestamp {
    Timestamp((1_777_852_800 + 8 * HOUR + secs) * 1_000_000)
}

/// The demo's sensor configuration (`deploy/demo/sensor.toml`).
pub const CONFIG: &str = r#"# cybriq demo: the sensor configuration of the bundled site scenario (deploy/demo/).
# Written by the generator in tests/demo_scenario/mod.rs; do not edit by hand.
# The durations are scaled down so that a three-week story plays in ten hours:
# learning window 1 h (24 h in production), silence 3 h (7 d), orphan 4 h (14 d).
# No [[destination]]: the demo prints its events and sends nothing.

[sensor]
site = "branch-7"

[dna]
learning_window = "1h"

[events]
substitution_threshold = 0.65
firmware_threshold = 0.85
hysteresis = 0.03
departure = "15m"
departure_interval_multiple = 3.0
silence = "3h"
orphan = "4h"
confidence_delta = 0.2
ndaa_confidence = 0.85
topology_hold = "1h"

[[port_profile]]
name = "voice"
switch = "access-1"
ports = ["Gi1/0/1-2"]
expected_classes = ["ip-phone"]
max_macs = 2
controls = ["PCI-4.0/12.5.1", "SOC2/CC6.1"]

[[port_profile]]
name = "wireless"
switch = "access-1"
ports = ["Gi1/0/3"]
expected_classes = ["wireless-ap"]
max_macs = 2
controls = ["SOC2/CC6.1"]

[[port_profile]]
name = "cameras"
switch = "access-1"
ports = ["Gi1/0/4"]
expected_classes = ["camera"]
max_macs = 1
controls = ["NDAA-889", "NIST-800-171/3.4.1"]

[[port_profile]]
name = "desks"
switch = "access-1"
ports = ["Gi1/0/5-6"]
expected_classes = ["workstation"]
max_macs = 2
controls = ["SOC2/CC6.1"]

[[change_window]]
name = "CHG0040117 phone firmware"
switch = "access-1"
ports = ["Gi1/0/1"]
start = "2026-05-04T10:00:00Z"
end = "2026-05-04T11:00:00Z"
"#;

fn mac(s: &str) -> MacAddr {
    s.parse().unwrap()
}

/// `Gi1/0/N`.
pub fn port_name(p: usize) -> String {
    format!("Gi1/0/{p}")
}

/// The MACs of the story.
pub struct Macs {
    pub phone_a: MacAddr,
    pub phone_b: MacAddr,
    pub ap: MacAddr,
    pub cam: MacAddr,
    pub laptop1: MacAddr,
    pub laptop2: MacAddr,
    pub macbook: MacAddr,
    pub vmhost: MacAddr,
}

/// The MACs of the story.
pub fn macs() -> Macs {
    Macs {
        phone_a: mac("00:12:da:40:01:01"),
        phone_b: mac("00:1b:53:40:02:02"),
        ap: mac("00:0b:86:40:03:03"),
        cam: mac("08:a1:89:40:04:04"),
        laptop1: mac("00:90:f5:40:05:05"),
        laptop2: mac("3c:a9:f4:40:06:06"),
        macbook: mac("42:b4:44:40:05:15"),
        vmhost: mac("00:0c:29:40:05:25"),
    }
}

fn speakers() -> Vec<Speaker> {
    let m = macs();
    let c7970 = corpus_frame("ladvd/cdp/49.good.phone.pcap", 2);
    let c7912 = corpus_frame("ladvd/cdp/49.good.phone.pcap", 1);
    let aruba = corpus_frame("zeek/dhcp.pcap", 3);
    let popos = corpus_frame("zeek/dhcp_time_and_nameserver.pcap", 1);
    let mbp = corpus_frame("tcpdump/dhcp-option-108.pcapng", 1);
    let vm = corpus_frame("tcpdump/dhcp-rfc3004.pcap", 3);

    let all = vec![(0, END)];
    // 02:10: the 7970 reboots into new firmware (change window 02:00-03:00).
    let fw = 2 * HOUR + 10 * MIN;
    // 03:05: the 7912 unplugged; 03:40 a laptop with its MAC plugged in.
    let unplug = 3 * HOUR + 5 * MIN;
    let clone_in = 3 * HOUR + 40 * MIN;
    // 04:00: an unmanaged switch in front of laptop 1.
    let hub = 4 * HOUR;
    // 05:00-09:30: the AP's DHCP client silent.
    let (quiet_from, quiet_to) = (5 * HOUR, 9 * HOUR + 30 * MIN);
    // 01:30-07:00: Gi1/0/6 dark.
    let (dark_from, dark_to) = (HOUR + 30 * MIN, 7 * HOUR);
    vec![
        Speaker {
            port: 1,
            mac: m.phone_a,
            frame: cdp_as(&c7970, m.phone_a, &[]),
            period: 170,
            offset: 7,
            talk: vec![(0, fw)],
            once: vec![],
            plugged: all.clone(),
        },
        Speaker {
            port: 1,
            mac: m.phone_a,
            frame: cdp_as(&c7970, m.phone_a, &[("SIP70.8-5-3S", "SIP70.8-5-4S")]),
            period: 170,
            offset: 3 * MIN,
            talk: vec![(fw, END)],
            once: vec![],
            plugged: vec![],
        },
        Speaker {
            port: 2,
            mac: m.phone_b,
            frame: cdp_as(&c7912, m.phone_b, &[]),
            period: 170,
            offset: 31,
            talk: vec![(0, unplug)],
            once: vec![],
            plugged: vec![(0, unplug)],
        },
        Speaker {
            port: 2,
            mac: m.phone_b,
            frame: dhcp_as(&popos, m.phone_b),
            period: DHCP_EVERY,
            offset: 20,
            talk: vec![(clone_in, END)],
            once: vec![],
            plugged: vec![(clone_in, END)],
        },
        Speaker {
            port: 3,
            mac: m.ap,
            frame: dhcp_as(&aruba, m.ap),
            period: DHCP_EVERY,
            offset: 5 * MIN,
            talk: vec![(0, quiet_from), (quiet_to, END)],
            once: vec![],
            plugged: all.clone(),
        },
        Speaker {
            port: 4,
            mac: m.cam,
            frame: hikvision_frame(m.cam),
            period: 110,
            offset: 11,
            talk: all.clone(),
            once: vec![],
            plugged: all.clone(),
        },
        Speaker {
            port: 5,
            mac: m.laptop1,
            frame: dhcp_as(&popos, m.laptop1),
            period: DHCP_EVERY,
            offset: 10 * MIN,
            talk: all.clone(),
            once: vec![],
            plugged: all.clone(),
        },
        Speaker {
            port: 5,
            mac: m.macbook,
            frame: dhcp_as(&mbp, m.macbook),
            period: DHCP_EVERY,
            offset: 30,
            talk: vec![(hub, END)],
            once: vec![],
            plugged: vec![(hub, END)],
        },
        Speaker {
            port: 5,
            mac: m.vmhost,
            frame: dhcp_as(&vm, m.vmhost),
            period: DHCP_EVERY,
            offset: 60,
            talk: vec![(hub, END)],
            once: vec![],
            plugged: vec![(hub, END)],
        },
        Speaker {
            port: 6,
            mac: m.laptop2,
            frame: dhcp_as(&vm, m.laptop2),
            period: DHCP_EVERY,
            offset: 15 * MIN,
            talk: vec![(0, dark_from), (dark_to, END)],
            once: vec![],
            plugged: vec![(0, dark_from), (dark_to, END)],
        },
    ]
}

/// The three files of `deploy/demo/`, as bytes.
pub struct DemoFiles {
    /// `site.pcap`.
    pub pcap: Vec<u8>,
    /// `fdb.json`: one port table per poll, one per line.
    pub fdb: String,
    /// `sensor.toml`.
    pub config: String,
}

/// Builds the demo's files from the corpus.
pub fn generate() -> DemoFiles {
    let speakers = speakers();
    let mut frames = Vec::new();
    for sp in &speakers {
        for t in sp.times() {
            frames.push((at(t), sp.frame.clone()));
        }
    }
    // `write_capture` writes to a path; a private temporary file keeps it the one writer.
    let tmp = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "demo-generate-{}-{:?}.pcap",
        std::process::id(),
        std::thread::current().id()
    ));
    write_capture(&tmp, &mut frames);
    let pcap = std::fs::read(&tmp).unwrap();
    let _ = std::fs::remove_file(&tmp);

    // The polls, every 10 minutes from 00:05.
    let mut fdb = String::new();
    let mut t = 5 * MIN;
    while t <= END {
        let ports: Vec<(String, bool, Vec<MacAddr>)> = (1..=PORTS)
            .map(|p| {
                let mut macs: Vec<MacAddr> = speakers
                    .iter()
                    .filter(|sp| sp.port == p && sp.plugged_at(t))
                    .map(|sp| sp.mac)
                    .collect();
                macs.sort();
                macs.dedup();
                (port_name(p), !macs.is_empty(), macs)
            })
            .collect();
        fdb.push_str(&serde_json::to_string(&poll(SW, at(t), &ports)).unwrap());
        fdb.push('\n');
        t += POLL_EVERY;
    }
    DemoFiles {
        pcap,
        fdb,
        config: CONFIG.to_owned(),
    }
}

/// The events the story raises: (event, port number, MAC) → how many.
pub fn expected() -> BTreeMap<(T, String, String), usize> {
    let m = macs();
    let list = [
        // 00:00: every device takes its port; the Hikvision camera is NDAA-prohibited.
        (T::DeviceAppeared, 1, m.phone_a),
        (T::DeviceAppeared, 2, m.phone_b),
        (T::DeviceAppeared, 3, m.ap),
        (T::DeviceAppeared, 4, m.cam),
        (T::NdaaProhibitedDetected, 4, m.cam),
        (T::DeviceAppeared, 5, m.laptop1),
        (T::DeviceAppeared, 6, m.laptop2),
        // 01:30: laptop 2 unplugged; it departs once silent for 3x its 30 min DHCP interval
        // and a poll shows its link down.
        (T::DeviceDeparted, 6, m.laptop2),
        // 02:10: the 7970's firmware update, inside the change window.
        (T::DeviceFirmwareShift, 1, m.phone_a),
        // 03:05: the 7912 departs, then a laptop with its MAC: a different stack, same MAC.
        (T::DeviceDeparted, 2, m.phone_b),
        (T::DeviceSubstituted, 2, m.phone_b),
        // 04:00: three MACs behind the desk port. Port model v2: the two devices behind the
        // unmanaged switch are residents of the port, so each appeared once mature. The VM
        // host's class (`server`, from its OUI alone, certainty 0.32) is below the class
        // threshold (0.5): no device-class-mismatch on that evidence.
        (T::DeviceAppeared, 5, m.vmhost),
        (T::DeviceAppeared, 5, m.macbook),
        (T::PortTopologyChanged, 5, m.vmhost),
        // About 05:15: Gi1/0/6 dark for 4 h.
        (T::PortOrphaned, 6, m.laptop2),
        // 07:15: the same laptop comes back. Port model v2: a known device returning to its
        // port is recorded in the timeline, not device-appeared again.
        // About 07:35: the AP said nothing for 3 h with its link up.
        (T::DeviceSilentExtended, 3, m.ap),
    ];
    let mut out = BTreeMap::new();
    for (t, p, mac) in list {
        *out.entry((t, port_name(p), mac.to_string())).or_default() += 1;
    }
    out
}
