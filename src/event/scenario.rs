//! The built-in micro-scenario: the drift engine run on a tiny site until it has raised each of
//! the twelve event types once, so `cybriq syslog-test` sends events the engine raised itself
//! (the samples and real events cannot disagree on a field).
//!
//! One switch, nine ports, devices made of real frames embedded in the binary
//! (`src/event/scenario/README.md`: a Cisco IP Phone 7970's CDP, a Supermicro BMC's LLDP, an
//! LLDP host rewritten as a Hikvision camera, an RSTP BPDU), with DNAs and identities built by
//! the project's own decoder, DNA builder and built-in reference database, and SNMP port tables
//! polled every five minutes. The timers are scaled down (`[dna] learning_window = "1h"`,
//! `dot1x_grace = "30m"`, `silence = "2h"`, `orphan = "3h"`); thresholds are the defaults.
//!
//! The set-up (each phone heard every two minutes for three hours, its baseline learned) raises
//! one `device-appeared` per device, and the departure of the phone unplugged from Gi1/0/3 an
//! hour before its end; those are not samples. Then, from [`SHOW`] on:
//!
//! | Port | What happens | Raised |
//! |---|---|---|
//! | Gi1/0/1 (desk) | the phone is unplugged (link down), a server is plugged in | `device-departed`, `device-substituted` |
//! | Gi1/0/2 (voice) | the phone's CDP reports a newer firmware | `device-firmware-shift` |
//! | Gi1/0/3 (voice) | dark since the set-up | `port-orphaned` |
//! | Gi1/0/4 (voice) | the switch starts enforcing 802.1X on the port | `compliance-control-drift` |
//! | Gi1/0/5 (voice) | the phone stops speaking, link up, its MAC in the forwarding table | `device-silent-extended` |
//! | Gi1/0/6 (voice) | BPDUs from a switch behind the phone | `port-topology-changed` |
//! | Gi1/0/7 | the phone's identity rises from its MAC's OUI alone to its CDP's | `vendor-hint-confidence-changed` |
//! | Gi1/0/9 (802.1X required) | a phone that never authenticates | `unenrolled-flagged` |
//! | Gi1/0/13 (voice) | a Hikvision camera is plugged into a phone port | `device-appeared`, `ndaa-prohibited-detected`, `device-class-mismatch` |
//!
//! The margins are wide: the server is at similarity 0 to the phone (threshold 0.65), the
//! firmware update near 0.79 (band 0.65 to 0.85), the camera's certainty near 0.97 (NDAA 0.85,
//! class 0.5); every timer fires an hour or more before the end.
//!
//! Pure: no I/O; event ids come from the engine's RNG seeded by the caller.

use crate::attribution::PortRef;
use crate::clock::Timestamp;
use crate::config::{Config, ConfigError};
use crate::dna::{Dna, DnaBuilder, Facts};
use crate::engine::{Engine, Sighting};
use crate::observe::{Observation, Signal};
use crate::refdb::profile::Profile;
use crate::refdb::{Identity, RefDb, RefdbError};
use crate::snmp::{Dot1x, MacEntry, Port, PortTable, SwitchInfo};
use crate::wire::{LinkType, MacAddr, frame};

use super::Event;

/// The scenario's switch.
pub const SWITCH: &str = "edge-sw-01";

/// Seconds from the scenario's start at which the samples begin (the end of the set-up).
pub const SHOW: i64 = 3 * HOUR;

/// Seconds from the start at which the scenario ends (past the orphan timer of Gi1/0/3).
pub const END: i64 = SHOW + 3 * HOUR + 30 * MIN;

const MIN: i64 = 60;
const HOUR: i64 = 3600;
/// How often the phones speak and the switch is polled.
const TALK: i64 = 2 * MIN;
const POLL: i64 = 5 * MIN;

const PHONE_CDP: &[u8] = include_bytes!("scenario/cisco-7970-cdp.bin");
const SERVER_LLDP: &[u8] = include_bytes!("scenario/supermicro-ipmi-lldp.bin");
const HOST_LLDP: &[u8] = include_bytes!("scenario/lldp-mudurl.bin");

/// Why the scenario could not run (a build defect: its inputs are built in).
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The scenario's configuration does not validate.
    #[error("sample scenario configuration: {0}")]
    Config(#[from] ConfigError),
    /// The built-in reference database does not load.
    #[error("sample scenario reference database: {0}")]
    Refdb(#[from] RefdbError),
    /// An embedded frame does not decode into an observation.
    #[error("sample scenario frame {0} does not decode")]
    Frame(&'static str),
}

/// What the engine raised: during the set-up and from [`SHOW`] on.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Events of the set-up (devices appearing, the phone of Gi1/0/3 departing).
    pub setup: Vec<Event>,
    /// The samples: one event of each of the twelve types.
    pub events: Vec<Event>,
}

/// The scenario's configuration for `site`.
fn config(site: &str) -> Result<Config, ConfigError> {
    // A TOML string literal, escaped as TOML escapes it.
    let site = toml::Value::String(site.to_owned()).to_string();
    let text = format!(
        r#"
[sensor]
site = {site}

[dna]
learning_window = "1h"

[events]
dot1x_grace = "30m"
silence = "2h"
orphan = "3h"

[[port_profile]]
name = "desks"
switch = "{SWITCH}"
ports = ["Gi1/0/1"]
controls = ["PCI-4.0/12.5.1", "SOC2/CC6.1"]

[[port_profile]]
name = "voice"
switch = "{SWITCH}"
ports = ["Gi1/0/2-6", "Gi1/0/13"]
expected_classes = ["ip-phone"]
controls = ["PCI-4.0/12.5.1", "SOC2/CC6.1"]
dot1x_controls = ["PCI-4.0/8.3.1"]

[[port_profile]]
name = "secure"
switch = "{SWITCH}"
ports = ["Gi1/0/9-12"]
dot1x_required = true
controls = ["PCI-4.0/8.2.1", "SOC2/CC6.1"]
"#
    );
    Config::parse(&text, "built-in sample scenario")
}

/// Seconds from the scenario's start → timestamp (`start` is second 0).
fn at(start: Timestamp, secs: i64) -> Timestamp {
    Timestamp(start.0 + secs * 1_000_000)
}

/// A device as the pipeline hands it to the engine: MAC, its frame, DNA and identity.
#[derive(Debug, Clone)]
struct Dev {
    mac: MacAddr,
    obs: Observation,
    dna: Dna,
    identity: Identity,
}

/// Builds devices from frames with the project's decoder, DNA builder and reference database.
struct Lab {
    builder: DnaBuilder,
    db: RefDb,
}

impl Lab {
    /// The observation of an embedded frame, rewritten to `mac`.
    fn observe(
        name: &'static str,
        bytes: &[u8],
        mac: MacAddr,
    ) -> Result<Observation, ScenarioError> {
        let mut o =
            Observation::from_frame(Timestamp(0), &frame::decode(LinkType::Ethernet, bytes))
                .ok_or(ScenarioError::Frame(name))?;
        o.mac = Some(mac);
        o.src_mac = Some(mac);
        Ok(o)
    }

    /// The device that says `obs`.
    fn device(&self, obs: Observation) -> Dev {
        let mut f = Facts::new();
        f.observe(&obs);
        let mut p = Profile::new(obs.mac);
        p.add_observation(&obs);
        Dev {
            mac: obs.mac.unwrap_or(MacAddr([0; 6])),
            dna: self.builder.build(&f),
            identity: self.db.resolve(&p),
            obs,
        }
    }

    /// A Cisco IP Phone 7970 with the last byte `n` of its MAC.
    fn phone(&self, n: u8) -> Result<Dev, ScenarioError> {
        let mac = MacAddr([0x00, 0x12, 0xda, 0x5a, 0x00, n]);
        Ok(self.device(Self::observe("cisco-7970-cdp", PHONE_CDP, mac)?))
    }

    /// The phone after a firmware update (its CDP software version one release on).
    fn updated(&self, phone: &Dev) -> Dev {
        let mut o = phone.obs.clone();
        if let Signal::Cdp(c) = &mut o.signal {
            c.software_version = c
                .software_version
                .as_ref()
                .map(|v| v.replace("8-5-3", "8-5-4"));
        }
        self.device(o)
    }

    /// A Supermicro server (its BMC's LLDP) with MAC `mac`.
    fn server(&self, mac: MacAddr) -> Result<Dev, ScenarioError> {
        Ok(self.device(Self::observe("supermicro-ipmi-lldp", SERVER_LLDP, mac)?))
    }

    /// A Hikvision camera: a real LLDP frame with a Hikvision MAC and the camera's system name,
    /// description and LLDP-MED inventory in place of the original host's.
    fn camera(&self) -> Result<Dev, ScenarioError> {
        let mac = MacAddr([0x08, 0xa1, 0x89, 0x5a, 0x00, 0x0d]);
        let mut o = Self::observe("lldp-mudurl", HOST_LLDP, mac)?;
        if let Signal::Lldp(l) = &mut o.signal {
            l.system_name = Some("DS-2CD2T47G2-L".into());
            l.system_description = Some("Hikvision DS-2CD2T47G2-L V5.7.3 build 220112".into());
            l.inventory.manufacturer = Some("Hikvision".into());
            l.inventory.model_name = Some("DS-2CD2T47G2-L".into());
            l.mud_url = None;
            // A camera is a station, not a router.
            l.caps_system = 1 << 7;
            l.caps_enabled = 1 << 7;
        }
        Ok(self.device(o))
    }
}

/// An RSTP BPDU (802.3 + LLC) from bridge `mac`, root and designated bridge itself.
fn bpdu(mac: MacAddr) -> Result<Observation, ScenarioError> {
    let m = mac.0;
    let mut f = vec![0x01, 0x80, 0xc2, 0x00, 0x00, 0x00];
    f.extend_from_slice(&m);
    f.extend_from_slice(&[0x00, 0x27, 0x42, 0x42, 0x03]); // length 39, LLC STP
    f.extend_from_slice(&[0x00, 0x00, 0x02, 0x02, 0x3c]); // RSTP, flags: forwarding designated
    let bridge_id = [0x80, 0x00, m[0], m[1], m[2], m[3], m[4], m[5]];
    f.extend_from_slice(&bridge_id); // root: itself
    f.extend_from_slice(&[0, 0, 0, 0]); // root path cost
    f.extend_from_slice(&bridge_id);
    f.extend_from_slice(&[0x80, 0x01]); // port id
    // Message age 0, max age 20 s, hello 2 s, forward delay 15 s (1/256 s), version 1 length 0.
    f.extend_from_slice(&[0x00, 0x00, 0x14, 0x00, 0x02, 0x00, 0x0f, 0x00, 0x00]);
    f.resize(60, 0);
    Lab::observe("rstp-bpdu", &f, mac)
}

/// The scenario's cast, one per port.
struct Cast {
    /// Gi1/0/1: the phone, unplugged at [`SHOW`]; a server plugged in at [`REPLACED_AT`].
    replaced: (Dev, Dev),
    /// Gi1/0/2: the phone before and after its firmware update.
    updated: (Dev, Dev),
    /// Gi1/0/3: unplugged at [`DARK_FROM`], during the set-up.
    unplugged: Dev,
    /// Gi1/0/4: 802.1X enforced from [`SHOW`] on.
    enforced: Dev,
    /// Gi1/0/5: silent from [`SHOW`] on.
    silent: Dev,
    /// Gi1/0/6: BPDUs from behind it at [`SHOW`].
    bridged: (Dev, Observation),
    /// Gi1/0/7: known by its MAC alone, identified from [`SHOW`] on.
    identified: (Dev, Dev),
    /// Gi1/0/9: never authenticates.
    unenrolled: Dev,
    /// Gi1/0/13: plugged in at [`SHOW`].
    camera: Dev,
}

/// When the phone of Gi1/0/9 is plugged in (its 802.1X grace ends after [`SHOW`]).
const UNENROLLED_FROM: i64 = SHOW - 10 * MIN;
/// When the server takes the place of the phone of Gi1/0/1 (link down in between).
const REPLACED_AT: i64 = SHOW + 5 * MIN;
/// When Gi1/0/3 goes dark: its phone departs during the set-up (established by then: present
/// for longer than the learning window), the port is orphaned after [`SHOW`].
const DARK_FROM: i64 = SHOW - HOUR;

impl Cast {
    fn new(lab: &Lab) -> Result<Cast, ScenarioError> {
        let a = lab.phone(1)?;
        let server = lab.server(MacAddr([0x00, 0x25, 0x90, 0x5a, 0x00, 0x01]))?;
        let b = lab.phone(2)?;
        let b2 = lab.updated(&b);
        let g = lab.phone(6)?;
        let bridge = bpdu(MacAddr([0x00, 0x50, 0x56, 0x5a, 0x00, 0x06]))?;
        let f = lab.phone(7)?;
        let weak = Dev {
            identity: lab.db.lookup_mac(f.mac),
            ..f.clone()
        };
        Ok(Cast {
            replaced: (a, server),
            updated: (b, b2),
            unplugged: lab.phone(3)?,
            enforced: lab.phone(4)?,
            silent: lab.phone(5)?,
            bridged: (g, bridge),
            identified: (weak, f),
            unenrolled: lab.phone(9)?,
            camera: lab.camera()?,
        })
    }

    /// Who speaks on which port at second `t`.
    fn speakers(&self, t: i64) -> Vec<(&'static str, &Dev)> {
        fn pick(pair: &(Dev, Dev), t: i64) -> &Dev {
            if t < SHOW { &pair.0 } else { &pair.1 }
        }
        let mut v = vec![
            ("Gi1/0/2", pick(&self.updated, t)),
            ("Gi1/0/4", &self.enforced),
            ("Gi1/0/6", &self.bridged.0),
            ("Gi1/0/7", pick(&self.identified, t)),
        ];
        if t < SHOW {
            v.push(("Gi1/0/1", &self.replaced.0));
            v.push(("Gi1/0/5", &self.silent));
        } else {
            v.push(("Gi1/0/13", &self.camera));
        }
        if t >= REPLACED_AT {
            v.push(("Gi1/0/1", &self.replaced.1));
        }
        if t < DARK_FROM {
            v.push(("Gi1/0/3", &self.unplugged));
        }
        if t >= UNENROLLED_FROM {
            v.push(("Gi1/0/9", &self.unenrolled));
        }
        v
    }

    /// The switch's port table at second `t`: every port in use, its link and forwarding table
    /// (and 802.1X state where the switch reports one).
    fn table(&self, t: i64) -> PortTable {
        let show = t >= SHOW;
        let gi1 = match t {
            _ if t < SHOW => port("Gi1/0/1", true, &[self.replaced.0.mac]),
            _ if t < REPLACED_AT => port("Gi1/0/1", false, &[]),
            _ => port("Gi1/0/1", true, &[self.replaced.1.mac]),
        };
        let lit = t < DARK_FROM;
        let mut ports = vec![
            gi1,
            port("Gi1/0/2", true, &[self.updated.0.mac]),
            port("Gi1/0/3", lit, &[self.unplugged.mac][..usize::from(lit)]),
            port("Gi1/0/4", true, &[self.enforced.mac]),
            port("Gi1/0/5", true, &[self.silent.mac]),
            port("Gi1/0/6", true, &[self.bridged.0.mac]),
            port("Gi1/0/7", true, &[self.identified.0.mac]),
        ];
        if show {
            ports[3].dot1x = Some(Dot1x {
                pae_state: Some("authenticated".into()),
                port_status: Some("authorized".into()),
                port_control: Some("auto".into()),
            });
            ports.push(port("Gi1/0/13", true, &[self.camera.mac]));
        }
        if t >= UNENROLLED_FROM {
            ports.push(port("Gi1/0/9", true, &[self.unenrolled.mac]));
        }
        for (i, p) in ports.iter_mut().enumerate() {
            p.if_index = i as u32 + 1;
        }
        PortTable {
            switch: SwitchInfo {
                name: SWITCH.into(),
                ..SwitchInfo::default()
            },
            ports,
            ..PortTable::default()
        }
    }
}

/// A port of a port table.
fn port(name: &str, up: bool, macs: &[MacAddr]) -> Port {
    Port {
        name: name.into(),
        oper_status: Some(if up { "up" } else { "down" }.into()),
        macs: macs
            .iter()
            .map(|m| MacEntry {
                mac: m.to_string(),
                vlan: Some(10),
            })
            .collect(),
        ..Port::default()
    }
}

/// The engine handed one sighting of `dev` saying `obs` at `ts` on `port`.
fn sight(
    engine: &mut Engine,
    port: &str,
    dev: &Dev,
    obs: &Observation,
    ts: Timestamp,
    out: &mut Vec<Event>,
) {
    let pr = PortRef {
        switch: SWITCH.into(),
        port: port.into(),
    };
    let mut o = obs.clone();
    o.ts = ts;
    engine.observe(
        &Sighting {
            port: &pr,
            mac: dev.mac,
            observation: &o,
            dna: &dev.dna,
            identity: &dev.identity,
        },
        out,
    );
}

/// Runs the scenario for `site` from `start` (second 0); `seed` seeds the event ids.
pub fn run(site: &str, start: Timestamp, seed: u64) -> Result<Outcome, ScenarioError> {
    let cfg = config(site)?;
    let lab = Lab {
        builder: DnaBuilder::new(cfg.dna.params()),
        db: RefDb::builtin()?,
    };
    let cast = Cast::new(&lab)?;
    let mut engine = Engine::new(&cfg).with_seed(seed);
    let (mut setup, mut events) = (Vec::new(), Vec::new());
    let mut t = 0;
    while t <= END {
        let out = if t < SHOW { &mut setup } else { &mut events };
        let ts = at(start, t);
        if t % TALK == 0 {
            for (p, d) in cast.speakers(t) {
                sight(&mut engine, p, d, &d.obs, ts, out);
            }
        }
        if t == SHOW + MIN {
            let (phone, bpdu) = &cast.bridged;
            sight(&mut engine, "Gi1/0/6", phone, bpdu, ts, out);
        }
        if t % POLL == 30 {
            engine.polled(&cast.table(t), ts, out);
        }
        engine.tick(ts, out);
        t += 30;
    }
    Ok(Outcome { setup, events })
}

#[cfg(test)]
mod tests;
