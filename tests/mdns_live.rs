//! mDNS and SSDP from real daemons in a switch lab, captured by `tcpdump -w` on the SPAN port:
//! - a printer: `avahi-daemon` publishing `_ipp._tcp` and `_pdl-datastream._tcp` with the
//!   Bonjour Printing TXT keys (`ty`, `product`, `usb_MFG`, `usb_MDL`), on an HP MAC;
//! - a Cast receiver: `avahi-daemon` publishing `_googlecast._tcp` with `md=Chromecast`, on a
//!   Google MAC;
//! - a plain Linux host: `avahi-daemon` with `_workstation._tcp` and `_ssh._tcp`, and
//!   `minidlnad` (a UPnP media server, `SERVER: Debian DLNADOC/1.50 UPnP/1.0 MiniDLNA/1.3.0`),
//!   on a Raspberry Pi MAC;
//! - a camera: no Debian package speaks as a Hikvision camera, so its `ssdp:alive` is crafted
//!   byte for byte (UPnP Device Architecture 2.0 section 1.2.2 layout, a Hikvision product in
//!   `SERVER`) and sent by the namespace's kernel stack, from a locally administered MAC so the
//!   vendor can only come from SSDP.
//!
//! The capture is decoded as `cybriq decode` does and compared with tshark field by field;
//! then every device's identity is resolved with the shipped database.
//! `MDNS_LIVE_KEEP=DIR` copies the capture there (how tests/data/mdns/ was made).
//!
//! Needs root, tcpdump, tshark, avahi-daemon, minidlnad, python3 (scripts/setup.sh).

mod mdns_support;
mod netns_lab;
mod snmp_support;

use std::path::Path;

use mdns_support::{
    CAMERA, CAST, LINUX, PRINTER, Service, address, avahi, minidlna, send_udp, tcpdump,
};
use netns_lab::{Lab, ready, wait_for};

/// A camera's advertisement as the test sends it.
pub const HIKVISION_NOTIFY: &str = "NOTIFY * HTTP/1.1\r\n\
HOST: 239.255.255.250:1900\r\n\
CACHE-CONTROL: max-age=1800\r\n\
LOCATION: http://192.0.2.64:8000/rootDesc.xml\r\n\
NT: upnp:rootdevice\r\n\
NTS: ssdp:alive\r\n\
SERVER: Linux/3.10, UPnP/1.0, Hikvision DS-2CD2143G2-I/5.7.3\r\n\
USN: uuid:a7e6f2c0-1dd2-11b2-8000-5e1234560064::upnp:rootdevice\r\n\
\r\n";

fn printer_services() -> [Service<'static>; 2] {
    [
        Service {
            kind: "_ipp._tcp",
            port: 631,
            txt: &[
                "txtvers=1",
                "rp=ipp/print",
                "ty=HP LaserJet Pro M404dn",
                "product=(HP LaserJet Pro M404dn)",
                "usb_MFG=HP",
                "usb_MDL=LaserJet Pro M404dn",
                "pdl=application/pdf,image/urf",
            ],
        },
        Service {
            kind: "_pdl-datastream._tcp",
            port: 9100,
            txt: &["ty=HP LaserJet Pro M404dn"],
        },
    ]
}

/// Runs the lab until the capture holds every device's announcements; returns it.
fn capture(dir: &Path) -> std::path::PathBuf {
    let mut lab = Lab::new();
    let pcap = dir.join("discovery.pcap");
    let dump = tcpdump(lab.span(0), &pcap);
    let ns: Vec<String> = [PRINTER, CAST, LINUX, CAMERA]
        .iter()
        .enumerate()
        .map(|(i, mac)| lab.plug(i + 1, mac))
        .collect();
    for (i, n) in ns.iter().enumerate() {
        address(n, &format!("192.0.2.{}/24", [31, 32, 42, 64][i]));
    }
    let sub = |s: &str| {
        let d = dir.join(s);
        std::fs::create_dir_all(&d).unwrap();
        d
    };
    let name = "HP LaserJet Pro M404dn (A1B2C3)";
    let printer = avahi(
        &ns[0],
        &sub("printer"),
        "printer1",
        false,
        name,
        &printer_services(),
    );
    let cast_svc = [Service {
        kind: "_googlecast._tcp",
        port: 8009,
        txt: &["id=4f2a9c", "md=Chromecast", "fn=Living Room TV", "ve=05"],
    }];
    let cast = avahi(
        &ns[1],
        &sub("cast"),
        "chromecast",
        false,
        "Chromecast-4f2a9c",
        &cast_svc,
    );
    let ssh = [Service {
        kind: "_ssh._tcp",
        port: 22,
        txt: &[],
    }];
    let linux = avahi(&ns[2], &sub("linux"), "pi", true, "pi", &ssh);
    let dlna = minidlna(&ns[2], &sub("linux"), "pi");
    send_udp(
        &ns[3],
        "239.255.255.250",
        1900,
        HIKVISION_NOTIFY.as_bytes(),
        3,
    );
    wait_for("every device's announcements", 30, || {
        let obs = mdns_support::observations(&pcap);
        let seen = |mac: &str, proto: &str| {
            obs.iter()
                .any(|o| o.mac.map(|m| m.to_string()).as_deref() == Some(mac) && o.proto() == proto)
        };
        let has_txt = obs.iter().any(|o| match &o.signal {
            cybriq::observe::Signal::Mdns(m) => m.txt.iter().any(|t| t.starts_with("usb_mdl")),
            _ => false,
        });
        (has_txt
            && seen(CAST, "mdns")
            && seen(LINUX, "mdns")
            && seen(LINUX, "ssdp")
            && seen(CAMERA, "ssdp"))
        .then_some(())
    });
    // SIGTERM: avahi sends its goodbyes (TTL 0), minidlna its ssdp:byebye.
    for p in [printer, cast, linux, dlna] {
        p.stop();
    }
    std::thread::sleep(std::time::Duration::from_millis(500));
    dump.stop();
    pcap
}

#[test]
fn real_daemons_announce_identities_that_resolve() {
    if !ready(
        "mdns_live",
        &[
            "tcpdump",
            "tshark",
            "avahi-daemon",
            "minidlnad",
            "python3",
            "tc",
        ],
    ) {
        return;
    }
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("mdns-live-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let pcap = capture(&dir);
    if let Ok(keep) = std::env::var("MDNS_LIVE_KEEP") {
        std::fs::copy(&pcap, Path::new(&keep).join("discovery.pcap")).unwrap();
    }
    let n = mdns_support::agree(
        "live capture",
        &mdns_support::our_fields(&pcap),
        &mdns_support::tshark_fields(&pcap),
    );
    assert!(n >= 10, "only {n} frames");
    mdns_support::check_identities(&pcap);
}
