//! `[events]`: thresholds and timers of the drift engine (DESIGN.md section 6).

use serde::Deserialize;

use super::{ConfigError, parse_duration_secs};

/// `[events]`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Events {
    /// Similarity to the port's baseline below which a device is `device-substituted`.
    #[serde(default = "d_substitution")]
    pub substitution_threshold: f64,
    /// Top of the firmware band: `substitution_threshold ≤ similarity < firmware_threshold`
    /// is a `device-firmware-shift`.
    #[serde(default = "d_firmware")]
    pub firmware_threshold: f64,
    /// Half-width of the hysteresis band around each threshold: a similarity state changes only
    /// when the similarity leaves the band on the other side (0 to 0.1).
    #[serde(default = "d_hysteresis")]
    pub hysteresis: f64,
    /// 802.1X grace after a device appears before it is `unenrolled-flagged` (`4h`).
    #[serde(default = "d_grace")]
    pub dot1x_grace: String,
    /// Shortest silence before a device departs (`15m`).
    #[serde(default = "d_departure")]
    pub departure: String,
    /// A device departs after the longer of `departure`, this multiple of its own usual signal
    /// interval, and its LLDP/CDP TTL.
    #[serde(default = "d_multiple")]
    pub departure_interval_multiple: f64,
    /// Link up without control-plane activity for this long is `device-silent-extended` (`7d`).
    #[serde(default = "d_silence")]
    pub silence: String,
    /// A port that carried a device and has been dark this long is `port-orphaned` (`14d`).
    #[serde(default = "d_orphan")]
    pub orphan: String,
    /// Identity confidence move that raises `vendor-hint-confidence-changed` (more than this).
    #[serde(default = "d_confidence_delta")]
    pub confidence_delta: f64,
    /// Confidence at or above which an NDAA-prohibited identity raises
    /// `ndaa-prohibited-detected`.
    #[serde(default = "d_ndaa")]
    pub ndaa_confidence: f64,
    /// Certainty of the resolved class at or above which it is compared with the port profile's
    /// expected classes (`device-class-mismatch`).
    #[serde(default = "d_class_conf")]
    pub class_mismatch_confidence: f64,
    /// A bridge neighbor or BPDU keeps `port-topology-changed` active this long after it was
    /// last seen (`1h`).
    #[serde(default = "d_topology_hold")]
    pub topology_hold: String,
    /// A matching device refreshes its port's baseline with an unchanged DNA at most this
    /// often (`24h`); a changed DNA that still matches is folded in at once.
    #[serde(default = "d_refresh")]
    pub baseline_refresh: String,
    /// How many features `changed` lists.
    #[serde(default = "d_changed")]
    pub changed_features: usize,
    /// Residents (devices) kept per port, present or gone; the one heard least recently is
    /// forgotten first (its baseline is remembered as a departed one's).
    #[serde(default = "d_extra")]
    pub max_tracked_macs: usize,
    /// Shortest settle window: a DNA that has not yet spoken in every family of the baseline it
    /// is compared with is judged only once this long has passed since it first differed
    /// (`90s`).
    #[serde(default = "d_settle_min")]
    pub settle_min: String,
    /// Longest settle window (`10m`).
    #[serde(default = "d_settle_max")]
    pub settle_max: String,
    /// The settle window is this multiple of the longest announcement interval of the compared
    /// baseline's device, within `settle_min`..`settle_max` (2.0).
    #[serde(default = "d_settle_multiple")]
    pub settle_multiple: f64,
    /// How long a port remembers the baseline of a device that left it (`30d`): a newcomer is
    /// compared with it, and the device returning is recognised.
    #[serde(default = "d_remember")]
    pub remember_departed: String,
    /// Hold-down per (port, device, event type): the same event for the same device on the
    /// same port is not raised again within it (`1h`).
    #[serde(default = "d_hold_down")]
    pub hold_down: String,
    /// A port whose DNA flips more than this many times within `flap_window` raises one event
    /// marked `flapping` (3).
    #[serde(default = "d_flap_changes")]
    pub flap_changes: u32,
    /// Window the flips are counted in (`1h`).
    #[serde(default = "d_flap_window")]
    pub flap_window: String,
    /// A flapping port stays quiet until it has not flipped for this long (`1h`).
    #[serde(default = "d_flap_stable")]
    pub flap_stable: String,
    /// A device that has left and come back before departs only once absent for this multiple
    /// of its longest usual absence (its presence pattern, e.g. nights and weekends) (2.0).
    #[serde(default = "d_absence_multiple")]
    pub absence_multiple: f64,
}

fn d_settle_min() -> String {
    "90s".into()
}
fn d_settle_max() -> String {
    "10m".into()
}
fn d_settle_multiple() -> f64 {
    2.0
}
fn d_remember() -> String {
    "30d".into()
}
fn d_hold_down() -> String {
    "1h".into()
}
fn d_flap_changes() -> u32 {
    3
}
fn d_flap_window() -> String {
    "1h".into()
}
fn d_flap_stable() -> String {
    "1h".into()
}
fn d_absence_multiple() -> f64 {
    2.0
}

fn d_substitution() -> f64 {
    0.65
}
fn d_firmware() -> f64 {
    0.85
}
fn d_hysteresis() -> f64 {
    0.03
}
fn d_grace() -> String {
    "4h".into()
}
fn d_departure() -> String {
    "15m".into()
}
fn d_multiple() -> f64 {
    3.0
}
fn d_silence() -> String {
    "7d".into()
}
fn d_orphan() -> String {
    "14d".into()
}
fn d_confidence_delta() -> f64 {
    0.2
}
fn d_ndaa() -> f64 {
    0.85
}
fn d_class_conf() -> f64 {
    0.5
}
fn d_topology_hold() -> String {
    "1h".into()
}
fn d_refresh() -> String {
    "24h".into()
}
fn d_changed() -> usize {
    5
}
fn d_extra() -> usize {
    16
}

impl Default for Events {
    fn default() -> Self {
        Events {
            substitution_threshold: d_substitution(),
            firmware_threshold: d_firmware(),
            hysteresis: d_hysteresis(),
            dot1x_grace: d_grace(),
            departure: d_departure(),
            departure_interval_multiple: d_multiple(),
            silence: d_silence(),
            orphan: d_orphan(),
            confidence_delta: d_confidence_delta(),
            ndaa_confidence: d_ndaa(),
            class_mismatch_confidence: d_class_conf(),
            topology_hold: d_topology_hold(),
            baseline_refresh: d_refresh(),
            changed_features: d_changed(),
            max_tracked_macs: d_extra(),
            settle_min: d_settle_min(),
            settle_max: d_settle_max(),
            settle_multiple: d_settle_multiple(),
            remember_departed: d_remember(),
            hold_down: d_hold_down(),
            flap_changes: d_flap_changes(),
            flap_window: d_flap_window(),
            flap_stable: d_flap_stable(),
            absence_multiple: d_absence_multiple(),
        }
    }
}

/// `[events]` with durations in microseconds, as the engine uses it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EventParams {
    /// See [`Events::substitution_threshold`].
    pub substitution: f64,
    /// See [`Events::firmware_threshold`].
    pub firmware: f64,
    /// See [`Events::hysteresis`].
    pub hysteresis: f64,
    /// 802.1X grace, µs.
    pub grace_us: i64,
    /// Minimum departure wait, µs.
    pub departure_us: i64,
    /// See [`Events::departure_interval_multiple`].
    pub interval_multiple: f64,
    /// Silence threshold, µs.
    pub silence_us: i64,
    /// Orphan threshold, µs.
    pub orphan_us: i64,
    /// See [`Events::confidence_delta`].
    pub confidence_delta: f64,
    /// See [`Events::ndaa_confidence`].
    pub ndaa_confidence: f64,
    /// See [`Events::class_mismatch_confidence`].
    pub class_confidence: f64,
    /// Topology hold, µs.
    pub topology_hold_us: i64,
    /// Baseline refresh, µs.
    pub refresh_us: i64,
    /// See [`Events::changed_features`].
    pub changed: usize,
    /// See [`Events::max_tracked_macs`].
    pub max_tracked_macs: usize,
    /// Settle window bounds, µs.
    pub settle_min_us: i64,
    /// See [`Events::settle_max`], µs.
    pub settle_max_us: i64,
    /// See [`Events::settle_multiple`].
    pub settle_multiple: f64,
    /// See [`Events::remember_departed`], µs.
    pub remember_us: i64,
    /// See [`Events::hold_down`], µs.
    pub hold_down_us: i64,
    /// See [`Events::flap_changes`].
    pub flap_changes: u32,
    /// See [`Events::flap_window`], µs.
    pub flap_window_us: i64,
    /// See [`Events::flap_stable`], µs.
    pub flap_stable_us: i64,
    /// See [`Events::absence_multiple`].
    pub absence_multiple: f64,
}

fn dur(key: &str, v: &str) -> Result<i64, ConfigError> {
    match parse_duration_secs(v) {
        Some(s) if s > 0 && s < (i64::MAX / 1_000_000) as u64 => Ok(s as i64 * 1_000_000),
        _ => Err(ConfigError::invalid(
            format!("events.{key}"),
            format!("{v:?} is not a positive duration like \"15m\", \"4h\", \"7d\""),
        )),
    }
}

fn unit(key: &str, v: f64) -> Result<(), ConfigError> {
    if (0.0..=1.0).contains(&v) {
        Ok(())
    } else {
        Err(ConfigError::invalid(
            format!("events.{key}"),
            format!("{v} is not in [0, 1]"),
        ))
    }
}

impl Events {
    /// Checks ranges and durations; errors name the key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.params().map(|_| ())
    }

    /// The engine's parameters (validated).
    pub fn params(&self) -> Result<EventParams, ConfigError> {
        unit("substitution_threshold", self.substitution_threshold)?;
        unit("firmware_threshold", self.firmware_threshold)?;
        unit("confidence_delta", self.confidence_delta)?;
        unit("ndaa_confidence", self.ndaa_confidence)?;
        unit("class_mismatch_confidence", self.class_mismatch_confidence)?;
        if self.substitution_threshold >= self.firmware_threshold {
            return Err(ConfigError::invalid(
                "events.firmware_threshold",
                format!(
                    "{} must be above substitution_threshold ({})",
                    self.firmware_threshold, self.substitution_threshold
                ),
            ));
        }
        if !(0.0..=0.1).contains(&self.hysteresis) {
            return Err(ConfigError::invalid(
                "events.hysteresis",
                format!("{} is not in [0, 0.1]", self.hysteresis),
            ));
        }
        if !(self.departure_interval_multiple >= 1.0 && self.departure_interval_multiple <= 100.0) {
            return Err(ConfigError::invalid(
                "events.departure_interval_multiple",
                format!("{} is not in [1, 100]", self.departure_interval_multiple),
            ));
        }
        if !(1..=64).contains(&self.changed_features) {
            return Err(ConfigError::invalid(
                "events.changed_features",
                format!("{} is not in 1..=64", self.changed_features),
            ));
        }
        if !(1..=4096).contains(&self.max_tracked_macs) {
            return Err(ConfigError::invalid(
                "events.max_tracked_macs",
                format!("{} is not in 1..=4096", self.max_tracked_macs),
            ));
        }
        if !(self.settle_multiple >= 1.0 && self.settle_multiple <= 100.0) {
            return Err(ConfigError::invalid(
                "events.settle_multiple",
                format!("{} is not in [1, 100]", self.settle_multiple),
            ));
        }
        if !(self.absence_multiple >= 1.0 && self.absence_multiple <= 100.0) {
            return Err(ConfigError::invalid(
                "events.absence_multiple",
                format!("{} is not in [1, 100]", self.absence_multiple),
            ));
        }
        if !(1..=1000).contains(&self.flap_changes) {
            return Err(ConfigError::invalid(
                "events.flap_changes",
                format!("{} is not in 1..=1000", self.flap_changes),
            ));
        }
        let settle_min_us = dur("settle_min", &self.settle_min)?;
        let settle_max_us = dur("settle_max", &self.settle_max)?;
        if settle_max_us < settle_min_us {
            return Err(ConfigError::invalid(
                "events.settle_max",
                format!(
                    "{:?} is shorter than settle_min ({:?})",
                    self.settle_max, self.settle_min
                ),
            ));
        }
        Ok(EventParams {
            settle_min_us,
            settle_max_us,
            settle_multiple: self.settle_multiple,
            remember_us: dur("remember_departed", &self.remember_departed)?,
            hold_down_us: dur("hold_down", &self.hold_down)?,
            flap_changes: self.flap_changes,
            flap_window_us: dur("flap_window", &self.flap_window)?,
            flap_stable_us: dur("flap_stable", &self.flap_stable)?,
            absence_multiple: self.absence_multiple,
            substitution: self.substitution_threshold,
            firmware: self.firmware_threshold,
            hysteresis: self.hysteresis,
            grace_us: dur("dot1x_grace", &self.dot1x_grace)?,
            departure_us: dur("departure", &self.departure)?,
            interval_multiple: self.departure_interval_multiple,
            silence_us: dur("silence", &self.silence)?,
            orphan_us: dur("orphan", &self.orphan)?,
            confidence_delta: self.confidence_delta,
            ndaa_confidence: self.ndaa_confidence,
            class_confidence: self.class_mismatch_confidence,
            topology_hold_us: dur("topology_hold", &self.topology_hold)?,
            refresh_us: dur("baseline_refresh", &self.baseline_refresh)?,
            changed: self.changed_features,
            max_tracked_macs: self.max_tracked_macs,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_design_values() {
        let p = Events::default().params().unwrap();
        assert_eq!(p.substitution, 0.65);
        assert_eq!(p.firmware, 0.85);
        assert_eq!(p.grace_us, 4 * 3600 * 1_000_000);
        assert_eq!(p.departure_us, 15 * 60 * 1_000_000);
        assert_eq!(p.silence_us, 7 * 86_400 * 1_000_000);
        assert_eq!(p.orphan_us, 14 * 86_400 * 1_000_000);
        assert_eq!(p.confidence_delta, 0.2);
        assert_eq!(p.ndaa_confidence, 0.85);
        assert_eq!(p.settle_min_us, 90 * 1_000_000);
        assert_eq!(p.settle_max_us, 600 * 1_000_000);
        assert_eq!(p.settle_multiple, 2.0);
        assert_eq!(p.remember_us, 30 * 86_400 * 1_000_000);
        assert_eq!(p.hold_down_us, 3600 * 1_000_000);
        assert_eq!(p.flap_changes, 3);
        assert_eq!(p.flap_window_us, 3600 * 1_000_000);
        assert_eq!(p.flap_stable_us, 3600 * 1_000_000);
    }

    #[test]
    fn port_model_keys_are_validated_by_name() {
        let bad = [
            (
                Events {
                    settle_max: "1m".into(),
                    ..Events::default()
                },
                "events.settle_max",
            ),
            (
                Events {
                    settle_min: "soon".into(),
                    ..Events::default()
                },
                "events.settle_min",
            ),
            (
                Events {
                    settle_multiple: 0.5,
                    ..Events::default()
                },
                "events.settle_multiple",
            ),
            (
                Events {
                    hold_down: "0s".into(),
                    ..Events::default()
                },
                "events.hold_down",
            ),
            (
                Events {
                    flap_changes: 0,
                    ..Events::default()
                },
                "events.flap_changes",
            ),
            (
                Events {
                    remember_departed: "x".into(),
                    ..Events::default()
                },
                "events.remember_departed",
            ),
            (
                Events {
                    flap_window: "".into(),
                    ..Events::default()
                },
                "events.flap_window",
            ),
            (
                Events {
                    flap_stable: "-1h".into(),
                    ..Events::default()
                },
                "events.flap_stable",
            ),
            (
                Events {
                    absence_multiple: 0.0,
                    ..Events::default()
                },
                "events.absence_multiple",
            ),
        ];
        for (e, key) in bad {
            let msg = e.validate().unwrap_err().to_string();
            assert!(msg.contains(key), "{key}: {msg}");
        }
        let toml = "[events]\nsettle_minimum = \"90s\"\n";
        let err = crate::config::Config::parse(toml, "t")
            .unwrap_err()
            .to_string();
        assert!(err.contains("settle_minimum"), "{err}");
    }

    #[test]
    fn bad_values_name_their_key() {
        let e = Events {
            substitution_threshold: 0.9,
            ..Events::default()
        };
        assert!(
            e.validate()
                .unwrap_err()
                .to_string()
                .contains("events.firmware_threshold")
        );
        let e = Events {
            silence: "7 weeks".into(),
            ..Events::default()
        };
        assert!(
            e.validate()
                .unwrap_err()
                .to_string()
                .contains("events.silence")
        );
        let e = Events {
            hysteresis: 0.5,
            ..Events::default()
        };
        assert!(
            e.validate()
                .unwrap_err()
                .to_string()
                .contains("events.hysteresis")
        );
    }
}
