//! SNMPv3 against Net-SNMP's `snmpd` on loopback (snmpsim's v3 does not interoperate with
//! Net-SNMP): noAuthNoPriv, authNoPriv (SHA-1, SHA-512) and authPriv (SHA-256 + AES-128,
//! MD5 + DES, SHA-224 + AES-128); a wrong key is reported as unreachable with the reason.

mod snmp_support;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cybriq::snmp::{
    AuthProto, Credentials, PollOptions, PrivProto, Reachability, Target, Timing, poll_all,
};
use snmp_support::{free_udp_port, require};

struct Snmpd {
    child: Child,
    port: u16,
    _dir: std::path::PathBuf,
}

impl Drop for Snmpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const USERS: &str = r#"
createUser noauth
createUser shauser SHA "auth-pass-1"
createUser sha512user SHA-512 "auth-pass-5"
createUser apsha256 SHA-256 "auth-pass-2" AES "priv-pass-2"
createUser apmd5 MD5 "auth-pass-3" DES "priv-pass-3"
createUser apsha224 SHA-224 "auth-pass-4" AES "priv-pass-4"
rouser noauth noauth
rouser shauser auth
rouser sha512user auth
rouser apsha256 priv
rouser apmd5 priv
rouser apsha224 priv
"#;

fn start_snmpd() -> Option<Snmpd> {
    // Debian installs snmpd in /usr/sbin, which is not on every user's PATH.
    let sbin = std::path::PathBuf::from("/usr/sbin/snmpd");
    let bin = if sbin.is_file() {
        sbin
    } else {
        require("snmpd")?
    };
    let port = free_udp_port();
    let dir = std::env::temp_dir().join(format!("cybriq-snmpd-{}-{port}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let conf = dir.join("snmpd.conf");
    std::fs::write(
        &conf,
        format!("[snmp] persistentDir {}\n{USERS}", dir.display()),
    )
    .unwrap();
    let child = Command::new(bin)
        .args(["-f", "-Lo", "-C", "-c"])
        .arg(&conf)
        .arg(format!("udp:127.0.0.1:{port}"))
        .env("SNMP_PERSISTENT_DIR", &dir)
        .env("MIBS", "")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start snmpd");
    let d = Snmpd {
        child,
        port,
        _dir: dir,
    };
    // Ready once snmpd has bound its port (a bind of the same port then fails).
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::UdpSocket::bind(("127.0.0.1", port)).is_ok() {
        assert!(Instant::now() < deadline, "snmpd did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(d)
}

fn v3(
    name: &str,
    port: u16,
    user: &str,
    auth: Option<(AuthProto, &str)>,
    privacy: Option<(PrivProto, &str)>,
) -> Target {
    Target {
        name: name.into(),
        address: format!("127.0.0.1:{port}"),
        creds: Credentials::V3 {
            user: user.into(),
            auth: auth.map(|(p, k)| (p, k.into())),
            privacy: privacy.map(|(p, k)| (p, k.into())),
        },
        timing: Timing {
            timeout: Duration::from_millis(1000),
            retries: 1,
        },
        max_repetitions: 25,
        max_in_flight: 2,
    }
}

#[test]
fn v3_security_levels_against_snmpd() {
    let Some(d) = start_snmpd() else { return };
    let p = d.port;
    let targets = vec![
        v3("noauth", p, "noauth", None, None),
        v3(
            "sha",
            p,
            "shauser",
            Some((AuthProto::Sha1, "auth-pass-1")),
            None,
        ),
        v3(
            "sha512",
            p,
            "sha512user",
            Some((AuthProto::Sha512, "auth-pass-5")),
            None,
        ),
        v3(
            "sha256-aes",
            p,
            "apsha256",
            Some((AuthProto::Sha256, "auth-pass-2")),
            Some((PrivProto::Aes128, "priv-pass-2")),
        ),
        v3(
            "md5-des",
            p,
            "apmd5",
            Some((AuthProto::Md5, "auth-pass-3")),
            Some((PrivProto::Des, "priv-pass-3")),
        ),
        v3(
            "sha224-aes",
            p,
            "apsha224",
            Some((AuthProto::Sha224, "auth-pass-4")),
            Some((PrivProto::Aes128, "priv-pass-4")),
        ),
        v3(
            "wrong-key",
            p,
            "apsha256",
            Some((AuthProto::Sha256, "not-the-key")),
            Some((PrivProto::Aes128, "priv-pass-2")),
        ),
    ];
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let polls = rt.block_on(poll_all(&targets, &PollOptions::default()));
    let uname =
        String::from_utf8(Command::new("uname").arg("-n").output().unwrap().stdout).unwrap();
    for poll in &polls[..6] {
        let t = &poll.table;
        assert_eq!(
            t.status,
            Reachability::Ok,
            "{}: {:?}",
            t.switch.name,
            t.reason
        );
        assert!(
            t.switch
                .sys_descr
                .as_deref()
                .is_some_and(|s| s.starts_with("Linux")),
            "{:?}",
            t.switch
        );
        assert_eq!(t.switch.sys_name.as_deref(), Some(uname.trim()));
        assert!(
            t.ports
                .iter()
                .any(|p| p.name == "lo" && p.oper_status.as_deref() == Some("up")),
            "{}",
            t.switch.name
        );
    }
    let w = &polls[6].table;
    assert_eq!(w.status, Reachability::Unreachable);
    assert!(
        w.reason
            .as_deref()
            .is_some_and(|r| r.contains("SNMPv3") || r.contains("no reply")),
        "{:?}",
        w.reason
    );
}
