//! `[dna]`: Device DNA dimension, family weights, firmware share, baseline learning and
//! matching.

use serde::Deserialize;

use super::ConfigError;
use crate::dna::{BaselineParams, DnaParams, Family, FamilyWeights, FirmwareProfiles};

/// `[dna]`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Dna {
    /// Vector dimension D (16 to 4096, a multiple of 16).
    #[serde(default = "default_dimension")]
    pub dimension: usize,
    /// Learning window of a new baseline: a number with a unit, `s`, `m`, `h` or `d` (`24h`).
    #[serde(default = "default_learning_window")]
    pub learning_window: String,
    /// EWMA factor α (0 < α ≤ 1): the weight of a matching observation after learning.
    #[serde(default = "default_ewma_alpha")]
    pub ewma_alpha: f32,
    /// Similarity at or above which an observation matches its baseline (0 < t < 1).
    #[serde(default = "default_match_threshold")]
    pub match_threshold: f32,
    /// Share of a DNA's squared norm held by its firmware (`fw:`) tokens (0 to 0.9).
    #[serde(default = "default_firmware_share")]
    pub firmware_share: f32,
    /// Directory of firmware profiles to use instead of the built-in ones (empty: built in).
    #[serde(default)]
    pub firmware_profiles: String,
    /// Family weights.
    #[serde(default)]
    pub weights: Weights,
}

/// `[dna.weights]`: the weight of each signal family (≥ 0; 0 leaves a family out).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Weights {
    /// Model names (LLDP-MED model, CDP/EDP/FDP platform, profile-extracted models).
    pub model: f32,
    /// OUI of the MAC.
    pub oui: f32,
    /// LLDP structure (capabilities, TLV order, subtypes, MED class).
    pub lldp: f32,
    /// LLDP text (system description words, manufacturer, port naming).
    pub lldp_text: f32,
    /// CDP structure.
    pub cdp: f32,
    /// DHCPv4 client fingerprint.
    pub dhcp: f32,
    /// DHCPv6 client fingerprint.
    pub dhcpv6: f32,
    /// 802.1X EAP method.
    pub eap: f32,
    /// IP TTL / hop limit.
    pub ip: f32,
    /// Port facts (PoE class, speed, MAU type).
    pub port: f32,
    /// EDP / FDP.
    pub neighbor: f32,
    /// Spanning tree.
    pub stp: f32,
}

impl Default for Weights {
    fn default() -> Self {
        let w = FamilyWeights::default();
        Weights {
            model: w.get(Family::Model),
            oui: w.get(Family::Oui),
            lldp: w.get(Family::Lldp),
            lldp_text: w.get(Family::LldpText),
            cdp: w.get(Family::Cdp),
            dhcp: w.get(Family::Dhcp),
            dhcpv6: w.get(Family::Dhcpv6),
            eap: w.get(Family::Eap),
            ip: w.get(Family::Ip),
            port: w.get(Family::Port),
            neighbor: w.get(Family::Neighbor),
            stp: w.get(Family::Stp),
        }
    }
}

fn default_dimension() -> usize {
    256
}
fn default_learning_window() -> String {
    "24h".into()
}
fn default_ewma_alpha() -> f32 {
    0.1
}
fn default_match_threshold() -> f32 {
    0.85
}
fn default_firmware_share() -> f32 {
    DnaParams::default().firmware_share
}

impl Default for Dna {
    fn default() -> Self {
        Dna {
            dimension: default_dimension(),
            learning_window: default_learning_window(),
            ewma_alpha: default_ewma_alpha(),
            match_threshold: default_match_threshold(),
            firmware_share: default_firmware_share(),
            firmware_profiles: String::new(),
            weights: Weights::default(),
        }
    }
}

/// Parses `90s`, `15m`, `24h`, `7d` into seconds.
pub fn parse_duration_secs(s: &str) -> Option<u64> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit())?);
    let n: u64 = num.parse().ok()?;
    let mul = match unit.trim() {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return None,
    };
    n.checked_mul(mul)
}

impl Weights {
    fn pairs(&self) -> [(Family, f32); 12] {
        [
            (Family::Model, self.model),
            (Family::Oui, self.oui),
            (Family::Lldp, self.lldp),
            (Family::LldpText, self.lldp_text),
            (Family::Cdp, self.cdp),
            (Family::Dhcp, self.dhcp),
            (Family::Dhcpv6, self.dhcpv6),
            (Family::Eap, self.eap),
            (Family::Ip, self.ip),
            (Family::Port, self.port),
            (Family::Neighbor, self.neighbor),
            (Family::Stp, self.stp),
        ]
    }
}

impl Dna {
    /// Checks ranges; errors name the key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !(16..=4096).contains(&self.dimension) || self.dimension % 16 != 0 {
            return Err(ConfigError::invalid(
                "dna.dimension",
                format!("{} is not a multiple of 16 from 16 to 4096", self.dimension),
            ));
        }
        match parse_duration_secs(&self.learning_window) {
            Some(s) if s > 0 => {}
            _ => {
                return Err(ConfigError::invalid(
                    "dna.learning_window",
                    format!(
                        "{:?} is not a positive duration like \"24h\", \"90m\", \"7d\"",
                        self.learning_window
                    ),
                ));
            }
        }
        if !(self.ewma_alpha > 0.0 && self.ewma_alpha <= 1.0) {
            return Err(ConfigError::invalid(
                "dna.ewma_alpha",
                format!("{} is not in (0, 1]", self.ewma_alpha),
            ));
        }
        if !(self.match_threshold > 0.0 && self.match_threshold < 1.0) {
            return Err(ConfigError::invalid(
                "dna.match_threshold",
                format!("{} is not in (0, 1)", self.match_threshold),
            ));
        }
        if !(0.0..=0.9).contains(&self.firmware_share) {
            return Err(ConfigError::invalid(
                "dna.firmware_share",
                format!("{} is not in [0, 0.9]", self.firmware_share),
            ));
        }
        for (f, w) in self.weights.pairs() {
            if !(w.is_finite() && (0.0..=100.0).contains(&w)) {
                return Err(ConfigError::invalid(
                    format!("dna.weights.{}", f.name()),
                    format!("{w} is not a weight from 0 to 100"),
                ));
            }
        }
        if !self.firmware_profiles.is_empty() {
            self.load_profiles()?;
        }
        if self.weights.pairs().iter().all(|(_, w)| *w == 0.0) {
            return Err(ConfigError::invalid(
                "dna.weights",
                "at least one weight must be above 0",
            ));
        }
        Ok(())
    }

    /// The DNA builder's parameters.
    pub fn params(&self) -> DnaParams {
        let mut weights = FamilyWeights::default();
        for (f, w) in self.weights.pairs() {
            weights.set(f, w);
        }
        DnaParams {
            dimension: self.dimension,
            weights,
            firmware_share: self.firmware_share,
        }
    }

    /// The firmware profiles: the directory's when `firmware_profiles` is set, else the
    /// built-in ones. Call again to reload.
    pub fn load_profiles(&self) -> Result<std::sync::Arc<FirmwareProfiles>, ConfigError> {
        if self.firmware_profiles.is_empty() {
            return Ok(std::sync::Arc::new(FirmwareProfiles::embedded().clone()));
        }
        FirmwareProfiles::load_dir(std::path::Path::new(&self.firmware_profiles))
            .map(std::sync::Arc::new)
            .map_err(|e| ConfigError::invalid("dna.firmware_profiles", e.to_string()))
    }

    /// The baselines' parameters.
    pub fn baseline(&self) -> BaselineParams {
        let secs = parse_duration_secs(&self.learning_window).unwrap_or(86_400);
        BaselineParams {
            learning_window_us: i64::try_from(secs.saturating_mul(1_000_000)).unwrap_or(i64::MAX),
            ewma_alpha: self.ewma_alpha,
            match_threshold: self.match_threshold,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Config;

    #[test]
    fn defaults_match_the_design() {
        let c = Config::parse("", "t").unwrap();
        assert_eq!(c.dna.dimension, 256);
        assert_eq!(c.dna.match_threshold, 0.85);
        assert_eq!(c.dna.baseline().learning_window_us, 24 * 3600 * 1_000_000);
        assert_eq!(c.dna.params(), crate::dna::DnaParams::default());
    }

    #[test]
    fn values_are_read_and_bad_ones_named() {
        let c = Config::parse(
            "[dna]\ndimension = 512\nlearning_window = \"2h\"\newma_alpha = 0.2\n[dna.weights]\noui = 0.0\n",
            "t",
        )
        .unwrap();
        assert_eq!(c.dna.params().dimension, 512);
        assert_eq!(c.dna.params().weights.get(crate::dna::Family::Oui), 0.0);
        assert_eq!(c.dna.baseline().learning_window_us, 7200 * 1_000_000);
        for (text, key) in [
            ("[dna]\ndimension = 100\n", "dna.dimension"),
            ("[dna]\nlearning_window = \"soon\"\n", "dna.learning_window"),
            ("[dna]\newma_alpha = 0.0\n", "dna.ewma_alpha"),
            ("[dna]\nmatch_threshold = 1.5\n", "dna.match_threshold"),
            ("[dna]\nfirmware_share = 0.95\n", "dna.firmware_share"),
            ("[dna.weights]\nmodel = -1.0\n", "dna.weights.model"),
        ] {
            let e = Config::parse(text, "t").unwrap_err().to_string();
            assert!(e.contains(key), "{text}: {e}");
        }
        let e = Config::parse("[dna]\nfirmware_profiles = \"/nonexistent/cybriq\"\n", "t")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("dna.firmware_profiles") && e.contains("/nonexistent/cybriq"),
            "{e}"
        );
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/firmware-profiles");
        let c = Config::parse(&format!("[dna]\nfirmware_profiles = {dir:?}\n"), "t").unwrap();
        assert!(c.dna.load_profiles().unwrap().get("cisco-ios").is_some());
        let e = Config::parse("[dna.weights]\nmodle = 1.0\n", "x.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("modle") && e.contains("line 2"), "{e}");
    }
}
