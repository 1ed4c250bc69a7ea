//! Device DNA: a fixed-length fingerprint of what a device says about itself.
//!
//! Contract:
//! - [`Facts`] merges the [`Observation`](crate::observe::Observation)s of one device (LLDP
//!   incl. MED inventory and TLV order, CDP, EDP/FDP, DHCPv4 client messages, DHCPv6, EAP,
//!   STP, the IP TTL, the OUI) and optional SNMP [`PortFacts`].
//! - [`DnaBuilder::build`] turns facts into tokens per signal family (`oui:001b54`,
//!   `lldp.caps:bridge,telephone`, `lldp.tlvs:1,2,3,…`, `dhcp.prl:1,3,6,15,119,252`,
//!   `cdp.platform:cisco ip phone 7912`, `ip.ttl:64`, `eap.method:peap`, `poe.class:4`, …).
//!   Free text is normalised (lower case, build noise dropped); the fields the device's
//!   [firmware profile](firmware) names as version-bearing give `fw:` tokens instead.
//! - Tokens are feature-hashed with blake3 into `dimension` f32 (default 256). Each family's
//!   tokens share the family's weight (config `[dna.weights]`); the `fw:` tokens together take
//!   a fixed share of the vector (`firmware_share`) in their own quarter of the dimensions, so
//!   a firmware update moves a DNA by about that share (into 0.65–0.85) whatever else the
//!   device sends, and a different model (the `model` family differs) falls below 0.65.
//!   The vector is L2-normalised; its id is `dna:` + hex of blake3 over the i8-quantised
//!   vector (first 16 bytes), the same on every run and machine.
//! - The weighted tokens stay with the [`Dna`], so [`compare`] can say which features moved
//!   the similarity most. Hard identity (MACs, LLDP-MED serials, chassis IDs) is kept beside
//!   the DNA, never in it.
//! - [`Baseline`]: the mean over a learning window, then an exponentially weighted mean fed
//!   only by observations that match (similarity ≥ the match threshold).
//!
//! Pure: no logging, no threads; the only I/O is [`FirmwareProfiles::load_dir`].

mod baseline;
mod build;
mod explain;
mod facts;
pub mod firmware;
mod intern;
pub mod text;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use baseline::{Baseline, BaselineParams, BaselineState, Update, families};
pub use build::DnaBuilder;
pub use explain::{Change, ChangeKind, Comparison, compare, feature_name};
pub use facts::{Facts, HardIdentity, PortFacts};
pub use firmware::{FirmwareProfiles, ProfileError};

use crate::score::Vector;

/// A signal family: tokens of a family share the family's weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// Model names: LLDP-MED model, CDP/EDP/FDP platform, models a profile extracts.
    Model,
    /// The MAC's OUI (`oui:local` for a locally administered, e.g. randomised, MAC).
    Oui,
    /// LLDP structure: capabilities, TLV order, ID subtypes, TTL, MED class, name shape.
    Lldp,
    /// LLDP text: system description words, manufacturer, hardware revision, port naming.
    LldpText,
    /// CDP structure: capabilities, TLV order, version, hold time, port naming.
    Cdp,
    /// DHCPv4 client: option 55, option order, max size, client-id type, vendor class,
    /// host-name shape, user class.
    Dhcp,
    /// DHCPv6 client: option request list, option order, DUID type, enterprise numbers.
    Dhcpv6,
    /// 802.1X: EAP method, EAPOL-Start.
    Eap,
    /// IP TTL / hop limit of DHCP packets.
    Ip,
    /// Port facts: PoE class, speed, MAU type.
    Port,
    /// EDP / FDP.
    Neighbor,
    /// Spanning tree spoken by the device.
    Stp,
    /// Firmware: versions, release trains and software text (`fw:`).
    Firmware,
}

impl Family {
    /// Every family, in a fixed order.
    pub const ALL: [Family; 13] = [
        Family::Model,
        Family::Oui,
        Family::Lldp,
        Family::LldpText,
        Family::Cdp,
        Family::Dhcp,
        Family::Dhcpv6,
        Family::Eap,
        Family::Ip,
        Family::Port,
        Family::Neighbor,
        Family::Stp,
        Family::Firmware,
    ];

    /// The config key (`lldp_text`).
    pub fn name(self) -> &'static str {
        match self {
            Family::Model => "model",
            Family::Oui => "oui",
            Family::Lldp => "lldp",
            Family::LldpText => "lldp_text",
            Family::Cdp => "cdp",
            Family::Dhcp => "dhcp",
            Family::Dhcpv6 => "dhcpv6",
            Family::Eap => "eap",
            Family::Ip => "ip",
            Family::Port => "port",
            Family::Neighbor => "neighbor",
            Family::Stp => "stp",
            Family::Firmware => "fw",
        }
    }
}

/// Weights of the families (not the firmware family, which takes `firmware_share`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FamilyWeights(pub [f32; 13]);

impl FamilyWeights {
    /// The weight of a family.
    pub fn get(&self, f: Family) -> f32 {
        self.0[f as usize]
    }

    /// Sets a family's weight.
    pub fn set(&mut self, f: Family, w: f32) {
        self.0[f as usize] = w;
    }
}

impl Default for FamilyWeights {
    fn default() -> Self {
        let mut w = FamilyWeights([1.0; 13]);
        w.set(Family::Model, 3.0);
        w.set(Family::Oui, 0.7);
        w.set(Family::Lldp, 1.0);
        w.set(Family::LldpText, 1.2);
        w.set(Family::Cdp, 1.0);
        w.set(Family::Dhcp, 1.5);
        w.set(Family::Dhcpv6, 1.0);
        w.set(Family::Eap, 0.7);
        w.set(Family::Ip, 0.5);
        w.set(Family::Port, 0.7);
        w.set(Family::Neighbor, 1.0);
        w.set(Family::Stp, 0.5);
        w.set(Family::Firmware, 0.0);
        w
    }
}

/// DNA parameters (from `[dna]`).
#[derive(Debug, Clone, PartialEq)]
pub struct DnaParams {
    /// Vector dimension D (≥ 16, a multiple of 4).
    pub dimension: usize,
    /// Family weights.
    pub weights: FamilyWeights,
    /// Share of the vector's squared norm held by the `fw:` tokens when any are present.
    pub firmware_share: f32,
}

impl Default for DnaParams {
    fn default() -> Self {
        DnaParams {
            dimension: 256,
            weights: FamilyWeights::default(),
            firmware_share: 0.27,
        }
    }
}

/// A token with its effective weight in the vector (Σ weight² ≈ 1 over a DNA's tokens).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightedToken {
    /// The token (`dhcp.prl:1,3,6`).
    pub token: String,
    /// Its family.
    pub family: Family,
    /// Effective weight.
    pub weight: f32,
}

/// Vectors up to this dimension are quantised for their id on the stack.
const QUANT_STACK: usize = 1024;

/// A DNA id: the first 16 bytes of a blake3 hash, written `dna:` and 32 lower-case hex digits
/// (its [`Display`](fmt::Display) and serde form). Kept as the bytes: a port's state holds
/// several ids, and 50,000 ports of 72-byte strings add up.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DnaId([u8; 16]);

const HEX: &[u8; 16] = b"0123456789abcdef";

impl fmt::Display for DnaId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = *b"dna:00000000000000000000000000000000";
        for (i, b) in self.0.iter().enumerate() {
            s[4 + 2 * i] = HEX[usize::from(b >> 4)];
            s[5 + 2 * i] = HEX[usize::from(b & 15)];
        }
        f.write_str(std::str::from_utf8(&s).expect("ASCII"))
    }
}

impl fmt::Debug for DnaId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DnaId({self})")
    }
}

impl std::str::FromStr for DnaId {
    type Err = String;

    /// `dna:` and 32 hex digits (either case).
    fn from_str(s: &str) -> Result<DnaId, String> {
        let bad = || format!("not a DNA id (dna: and 32 hex digits): {s:?}");
        let hex = s.strip_prefix("dna:").ok_or_else(bad)?.as_bytes();
        if hex.len() != 32 {
            return Err(bad());
        }
        let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
        let mut b = [0u8; 16];
        for (i, pair) in hex.chunks_exact(2).enumerate() {
            b[i] = digit(pair[0]).ok_or_else(bad)? << 4 | digit(pair[1]).ok_or_else(bad)?;
        }
        Ok(DnaId(b))
    }
}

impl Serialize for DnaId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DnaId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<DnaId, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl DnaId {
    /// The id of a vector: blake3 over its i8 quantisation, first 16 bytes, hex.
    pub fn of(v: &Vector) -> DnaId {
        let max = v.as_slice().iter().fold(0.0f32, |m, &y| m.max(y.abs()));
        DnaId::of_max(v, max)
    }

    /// [`of`](Self::of) given the largest magnitude of the vector's components (finite).
    pub(crate) fn of_max(v: &Vector, max: f32) -> DnaId {
        let x = v.as_slice();
        let h = if x.len() <= QUANT_STACK {
            // The quantisation of `Vector::quantise` (one scale, round half away from zero,
            // clamped to ±127), written into a stack buffer as bytes: no allocation, and a loop
            // the compiler vectorises (no float-to-int conversion, see `trunc_i8`).
            let mut buf = [0u8; QUANT_STACK];
            if max != 0.0 {
                let inv = 127.0 / max;
                for (b, &y) in buf.iter_mut().zip(x) {
                    let y = y * inv;
                    *b = trunc_i8((y + 0.5f32.copysign(y)).clamp(-127.0, 127.0)) as u8;
                }
            }
            blake3::hash(&buf[..x.len()])
        } else {
            let (q, _) = v.quantise();
            let bytes: Vec<u8> = q.iter().map(|&x| x as u8).collect();
            blake3::hash(&bytes)
        };
        let mut id = [0u8; 16];
        id.copy_from_slice(&h.as_bytes()[..16]);
        DnaId(id)
    }
}

/// `z as i8` for a finite `z` in [-127, 127] (truncation toward zero), in float and integer
/// lane operations only: `2^23` added to a magnitude below it leaves the integer nearest to
/// the magnitude in the low mantissa bits; one less when that rounded up gives the floor.
#[inline(always)]
fn trunc_i8(z: f32) -> i8 {
    const M: f32 = 8_388_608.0;
    let a = z.abs();
    let t = (a + M) - M;
    let f = if t > a { t - 1.0 } else { t };
    let i = ((f + M).to_bits() as i32).wrapping_sub(0x4B00_0000);
    (if z < 0.0 { i.wrapping_neg() } else { i }) as i8
}

/// A device's DNA.
#[derive(Debug, Clone, PartialEq)]
pub struct Dna {
    /// Stable id of the vector.
    pub id: DnaId,
    /// The L2-normalised vector.
    pub vector: Vector,
    /// The tokens and their effective weights, sorted by token.
    pub tokens: Vec<WeightedToken>,
    /// The firmware profile that applied (`generic` when none did).
    pub profile: String,
    /// Hard identity, beside the DNA.
    pub identity: HardIdentity,
}

impl Dna {
    /// Cosine similarity with another DNA, clamped to [0, 1]; 0 when the dimensions differ
    /// (a DNA built before `dimension` was changed).
    pub fn similarity(&self, other: &Dna) -> f32 {
        if self.vector.dim() != other.vector.dim() {
            return 0.0;
        }
        crate::score::similarity(&self.vector, &other.vector)
    }
}

#[cfg(test)]
mod tests;
