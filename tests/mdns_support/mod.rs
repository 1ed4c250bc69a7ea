//! Service-discovery devices for the mDNS/SSDP tests: real daemons in network namespaces.
//!
//! - [`avahi`]: `avahi-daemon` with a private configuration (no D-Bus, one interface) and
//!   static service files from a private directory, bind-mounted over `/etc/avahi/services` in
//!   the daemon's own mount namespace (`ip netns exec` gives it one), with a private
//!   `/run/avahi-daemon` (its PID file and socket) so several instances can run at once.
//! - [`minidlna`]: `minidlnad` in the foreground, announcing a media server over SSDP.
//! - [`send_udp`]: datagrams sent by the namespace's kernel stack (python3), for the SSDP
//!   advertisements no Debian package makes (a camera's NOTIFY).
//!
//! Used with `netns_lab::Lab`; processes are [`Proc`]s, killed on drop.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Stdio};

use cybriq::refdb::{DeviceClass, NdaaStatus};

use crate::netns_lab::{Proc, run_in};

/// The lab's MACs: HP, Google, Raspberry Pi (IEEE registrations), and a locally administered
/// one (the camera, whose vendor can only come from what it says).
pub const PRINTER: &str = "00:01:e6:12:34:56";
/// The Cast receiver.
pub const CAST: &str = "00:1a:11:12:34:57";
/// The plain Linux host (avahi and minidlna).
pub const LINUX: &str = "b8:27:eb:12:34:58";
/// The camera (crafted SSDP).
pub const CAMERA: &str = "02:00:5e:12:34:64";

/// Gives the namespace's `eth0` an address and a route for multicast.
pub fn address(ns: &str, cidr: &str) {
    run_in(ns, &["ip", "addr", "add", cidr, "dev", "eth0"]);
    run_in(ns, &["ip", "route", "add", "224.0.0.0/4", "dev", "eth0"]);
}

/// One static DNS-SD service: type, instance name, port, TXT strings.
pub struct Service<'a> {
    /// Service type, e.g. `_ipp._tcp`.
    pub kind: &'a str,
    /// Port.
    pub port: u16,
    /// TXT strings.
    pub txt: &'a [&'a str],
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Writes avahi's configuration and one service group (`name`, `services`) into `dir`.
fn avahi_files(dir: &Path, host: &str, workstation: bool, name: &str, services: &[Service<'_>]) {
    let conf = format!(
        "[server]\nhost-name={host}\ndomain-name=local\nuse-ipv4=yes\nuse-ipv6=no\n\
         allow-interfaces=eth0\nenable-dbus=no\n[wide-area]\nenable-wide-area=no\n\
         [publish]\npublish-hinfo=yes\npublish-workstation={}\npublish-addresses=yes\n",
        if workstation { "yes" } else { "no" }
    );
    std::fs::write(dir.join("avahi-daemon.conf"), conf).unwrap();
    let services_dir = dir.join("services");
    std::fs::create_dir_all(&services_dir).unwrap();
    std::fs::create_dir_all(dir.join("run")).unwrap();
    if services.is_empty() {
        return;
    }
    let mut xml = format!(
        "<?xml version=\"1.0\" standalone='no'?>\n<!DOCTYPE service-group SYSTEM \
         \"avahi-service.dtd\">\n<service-group>\n  <name>{}</name>\n",
        xml_escape(name)
    );
    for s in services {
        xml += &format!(
            "  <service>\n    <type>{}</type>\n    <port>{}</port>\n",
            s.kind, s.port
        );
        for t in s.txt {
            xml += &format!("    <txt-record>{}</txt-record>\n", xml_escape(t));
        }
        xml += "  </service>\n";
    }
    xml += "</service-group>\n";
    std::fs::write(services_dir.join("device.service"), xml).unwrap();
}

/// Starts `avahi-daemon` in `ns` as host `host`, publishing `services` under instance `name`
/// (and `_workstation._tcp` when `workstation`). Files go to `dir`.
pub fn avahi(
    ns: &str,
    dir: &Path,
    host: &str,
    workstation: bool,
    name: &str,
    services: &[Service<'_>],
) -> Proc {
    avahi_files(dir, host, workstation, name, services);
    let d = dir.display();
    let script = format!(
        "mount --bind {d}/services /etc/avahi/services && \
         mount --bind {d}/run /run/avahi-daemon && \
         exec avahi-daemon -f {d}/avahi-daemon.conf --no-drop-root --no-chroot --no-rlimits"
    );
    // avahi-daemon refuses to start without its run directory to mount over.
    std::fs::create_dir_all("/run/avahi-daemon").unwrap();
    let log = std::fs::File::create(dir.join("avahi.log")).unwrap();
    let child = Command::new("ip")
        .args(["netns", "exec", ns, "unshare", "-m", "sh", "-c", &script])
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("avahi-daemon starts");
    Proc(child)
}

/// Starts `minidlnad` in `ns` (friendly name `name`, an empty media directory under `dir`),
/// advertising every 2 s.
pub fn minidlna(ns: &str, dir: &Path, name: &str) -> Proc {
    let d = dir.join("dlna");
    std::fs::create_dir_all(d.join("media")).unwrap();
    std::fs::create_dir_all(d.join("db")).unwrap();
    let conf = format!(
        "media_dir={m}\ndb_dir={db}\nlog_dir={d}\nnetwork_interface=eth0\nport=8200\n\
         friendly_name={name}\ninotify=no\nnotify_interval=2\n",
        m = d.join("media").display(),
        db = d.join("db").display(),
        d = d.display(),
    );
    let cf = d.join("minidlna.conf");
    std::fs::write(&cf, conf).unwrap();
    let pid = d.join("pid");
    let child = Command::new("ip")
        .args(["netns", "exec", ns, "minidlnad", "-d", "-f"])
        .arg(&cf)
        .arg("-P")
        .arg(&pid)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("minidlnad starts");
    Proc(child)
}

/// Sends `payload` `times` times (0.2 s apart) from `ns` to `dst:port` over UDP.
pub fn send_udp(ns: &str, dst: &str, port: u16, payload: &[u8], times: u32) {
    let hex: String = payload.iter().map(|b| format!("{b:02x}")).collect();
    let py = format!(
        "import socket, time\n\
         s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n\
         s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 4)\n\
         for _ in range({times}):\n    s.sendto(bytes.fromhex('{hex}'), ('{dst}', {port}))\n    \
         time.sleep(0.2)\n"
    );
    let st = Command::new("ip")
        .args(["netns", "exec", ns, "python3", "-c", &py])
        .status()
        .expect("python3 runs");
    assert!(st.success(), "sending from {ns} failed");
}

/// `tcpdump -U -w FILE` on `iface` for mDNS and SSDP.
pub fn tcpdump(iface: &str, file: &Path) -> Proc {
    let child = Command::new("tcpdump")
        .args(["-i", iface, "-U", "-n", "-s", "0", "-w"])
        .arg(file)
        .args(["udp port 5353 or udp port 1900"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("tcpdump starts");
    Proc(child)
}

/// Every observation of a capture file, in order.
pub fn observations(pcap: &Path) -> Vec<cybriq::observe::Observation> {
    let mut r = cybriq::capture::FileReader::open(pcap).expect("capture opens");
    let link = r.link_type();
    let mut out = Vec::new();
    while let Some(rec) = r.next_record().expect("capture reads") {
        let f = cybriq::wire::frame::decode(link, rec.data);
        out.extend(cybriq::observe::Observation::from_frame(rec.ts, &f));
    }
    out
}

/// The identity the shipped database gives the device `mac` from everything in `pcap`.
pub fn identity(pcap: &Path, mac: &str) -> cybriq::refdb::Identity {
    let mac: cybriq::wire::MacAddr = mac.parse().unwrap();
    let obs = observations(pcap);
    let p = cybriq::refdb::profiles(&obs)
        .into_iter()
        .find(|p| p.mac == Some(mac))
        .unwrap_or_else(|| panic!("no observation of {mac} in {}", pcap.display()));
    cybriq::refdb::RefDb::builtin().unwrap().resolve(&p)
}

/// The tshark fields the oracle comparison reads, in this order.
pub const TSHARK_FIELDS: [&str; 5] = [
    "dns.ptr.domain_name",
    "dns.txt",
    "dns.srv.target",
    "dns.a",
    "http.server",
];

/// tshark's view of a capture: one line per frame, `frame.number` then [`TSHARK_FIELDS`],
/// tab-separated, repeated values joined by `|` (the format of the committed oracles).
pub fn tshark_fields(pcap: &Path) -> String {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(pcap).args([
        "-T",
        "fields",
        "-E",
        "separator=/t",
        "-E",
        "occurrence=a",
        "-E",
        "aggregator=|",
        "-e",
        "frame.number",
    ]);
    for f in TSHARK_FIELDS {
        cmd.args(["-e", f]);
    }
    let o = cmd.stderr(Stdio::null()).output().expect("tshark runs");
    assert!(o.status.success(), "tshark failed on {}", pcap.display());
    String::from_utf8(o.stdout).unwrap()
}

/// Our decode of a capture in the oracle's format (see [`tshark_fields`]).
pub fn our_fields(pcap: &Path) -> String {
    let mut out = String::new();
    for v in cybriq::decode::decode_file_values(pcap).unwrap() {
        let n = v["frame"].as_u64().unwrap();
        let (mut ptr, mut txt, mut srv, mut a) = (vec![], vec![], vec![], vec![]);
        let mut server = vec![];
        if let Some(m) = v.get("mdns") {
            for sec in ["answers", "authority", "additional"] {
                for r in m[sec].as_array().into_iter().flatten() {
                    let d = &r["data"];
                    match r["type"].as_str() {
                        Some("PTR") => ptr.push(d.as_str().unwrap().to_owned()),
                        Some("TXT") => txt.extend(
                            d.as_array()
                                .unwrap()
                                .iter()
                                .map(|s| s.as_str().unwrap().to_owned()),
                        ),
                        Some("SRV") => srv.push(d["target"].as_str().unwrap().to_owned()),
                        Some("A") => a.push(d.as_str().unwrap().to_owned()),
                        _ => {}
                    }
                }
            }
        }
        if let Some(s) = v.get("ssdp") {
            for h in s["headers"].as_array().into_iter().flatten() {
                if h["name"]
                    .as_str()
                    .is_some_and(|x| x.eq_ignore_ascii_case("server"))
                {
                    server.push(h["value"].as_str().unwrap().to_owned());
                }
            }
        }
        let cols: Vec<String> = [ptr, txt, srv, a, server]
            .iter()
            .map(|c| c.join("|"))
            .collect();
        out += &format!("{n}\t{}\n", cols.join("\t"));
    }
    out
}

/// Compares our decode with the oracle's lines, frame by frame; panics naming the first
/// difference. Returns the frames compared.
pub fn agree(file: &str, ours: &str, oracle: &str) -> usize {
    let theirs: Vec<&str> = oracle.lines().collect();
    let mine: Vec<&str> = ours.lines().collect();
    assert_eq!(
        mine.len(),
        theirs.len(),
        "{file}: we decoded {} frames as mDNS/SSDP, tshark saw {}",
        mine.len(),
        theirs.len()
    );
    for (m, t) in mine.iter().zip(&theirs) {
        assert_eq!(
            m,
            t,
            "{file}: ours vs tshark (frame, {})",
            TSHARK_FIELDS.join(", ")
        );
    }
    mine.len()
}

/// What each device's discovery traffic makes of it (also run on the committed capture).
pub fn check_identities(pcap: &Path) {
    let p = identity(pcap, PRINTER);
    assert_eq!(p.class, DeviceClass::Printer, "{p:?}");
    assert_eq!(p.vendor.as_deref(), Some("HP"), "{p:?}");
    assert_eq!(p.model.as_deref(), Some("LaserJet Pro M404dn"), "{p:?}");
    assert!(p.confidence >= 0.9, "IEEE OUI and usb_MFG agree: {p:?}");
    let c = identity(pcap, CAST);
    assert_eq!(c.vendor.as_deref(), Some("Google"), "{c:?}");
    assert_eq!(c.model.as_deref(), Some("Chromecast"), "{c:?}");
    assert_eq!(c.class, DeviceClass::AvSystem, "{c:?}");
    let l = identity(pcap, LINUX);
    let claims: Vec<_> = l
        .evidence
        .iter()
        .filter(|e| e.signal.starts_with("mdns") || e.signal.starts_with("ssdp"))
        .filter(|e| e.vendor.is_some())
        .collect();
    assert!(
        claims.is_empty(),
        "a plain Linux host's discovery names no vendor: {claims:?}"
    );
    assert_eq!(
        l.vendor.as_deref(),
        Some("Raspberry Pi"),
        "the OUI's vendor stands: {l:?}"
    );
    let h = identity(pcap, CAMERA);
    assert_eq!(h.vendor.as_deref(), Some("Hikvision"), "{h:?}");
    assert_eq!(h.class, DeviceClass::Camera, "{h:?}");
    assert_eq!(h.ndaa_status, NdaaStatus::Prohibited, "{h:?}");
    assert!(
        h.confidence >= 0.85,
        "at the ndaa-prohibited-detected threshold: {h:?}"
    );
}
