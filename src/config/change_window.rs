//! `[[change_window]]` (approved change tickets: events inside them still fire, marked
//! `change_window_match = true`) and `[[suppression]]` (matching events are not raised).

use serde::Deserialize;

use super::ConfigError;
use super::port_profile::parse_ranges;
use crate::event::{EventType, parse_rfc3339};

/// `[[change_window]]`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ChangeWindow {
    /// Ticket or name (`CHG0012345`).
    #[serde(default)]
    pub name: String,
    /// Site the window applies to (empty: this appliance's site).
    #[serde(default)]
    pub site: String,
    /// Switch (empty or `*`: every switch).
    #[serde(default)]
    pub switch: String,
    /// Port ranges (empty: every port of the switch).
    #[serde(default)]
    pub ports: Vec<String>,
    /// Start, RFC 3339.
    pub start: String,
    /// End (exclusive), RFC 3339.
    pub end: String,
    /// `none` (default) or `weekly`: the window repeats every 7 days.
    #[serde(default)]
    pub recurrence: Recurrence,
    /// Last day a weekly window may start, RFC 3339 (empty: no end).
    #[serde(default)]
    pub until: String,
}

/// How a change window repeats.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Recurrence {
    /// Once.
    #[default]
    None,
    /// Every 7 days.
    Weekly,
}

/// `[[suppression]]`: events matching every given criterion are not raised (the engine still
/// tracks the condition, so it does not fire once the suppression ends either).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Suppression {
    /// Device MAC (empty: any device).
    #[serde(default)]
    pub mac: String,
    /// Switch (empty: any switch).
    #[serde(default)]
    pub switch: String,
    /// Port ranges (empty: any port).
    #[serde(default)]
    pub ports: Vec<String>,
    /// Event types (empty: every type).
    #[serde(default)]
    pub events: Vec<String>,
    /// Start, RFC 3339 (empty: always started).
    #[serde(default)]
    pub from: String,
    /// End (exclusive), RFC 3339.
    pub until: String,
    /// Why (for humans).
    #[serde(default)]
    pub reason: String,
}

fn time(key: String, v: &str) -> Result<crate::clock::Timestamp, ConfigError> {
    parse_rfc3339(v).map_err(|e| ConfigError::invalid(key, format!("{v:?}: {e} (RFC 3339)")))
}

/// Validates every `[[change_window]]`.
pub fn validate_windows(list: &[ChangeWindow]) -> Result<(), ConfigError> {
    for (i, w) in list.iter().enumerate() {
        let key = |k: &str| format!("change_window[{i}].{k}");
        let s = time(key("start"), &w.start)?;
        let e = time(key("end"), &w.end)?;
        if e <= s {
            return Err(ConfigError::invalid(key("end"), "must be after start"));
        }
        if w.recurrence == Recurrence::Weekly && e.0 - s.0 > 7 * 86_400 * 1_000_000 {
            return Err(ConfigError::invalid(
                key("end"),
                "a weekly window may not last more than 7 days",
            ));
        }
        if !w.until.is_empty() {
            time(key("until"), &w.until)?;
        }
        parse_ranges(&key("ports"), &w.ports)?;
    }
    Ok(())
}

/// Validates every `[[suppression]]`.
pub fn validate_suppressions(list: &[Suppression]) -> Result<(), ConfigError> {
    for (i, s) in list.iter().enumerate() {
        let key = |k: &str| format!("suppression[{i}].{k}");
        if !s.mac.is_empty() {
            s.mac.parse::<crate::wire::MacAddr>().map_err(|_| {
                ConfigError::invalid(key("mac"), format!("{:?} is not a MAC", s.mac))
            })?;
        }
        if s.mac.is_empty() && s.switch.is_empty() && s.ports.is_empty() {
            return Err(ConfigError::invalid(
                key("mac"),
                "a suppression needs a mac, a switch or ports",
            ));
        }
        parse_ranges(&key("ports"), &s.ports)?;
        for (j, e) in s.events.iter().enumerate() {
            e.parse::<EventType>().map_err(|m| {
                ConfigError::invalid(format!("{}[{j}]", key("events")), m.to_string())
            })?;
        }
        let until = time(key("until"), &s.until)?;
        if !s.from.is_empty() && time(key("from"), &s.from)? >= until {
            return Err(ConfigError::invalid(key("until"), "must be after from"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_and_suppressions_validate_by_key() {
        let w = ChangeWindow {
            name: "CHG1".into(),
            site: String::new(),
            switch: "sw1".into(),
            ports: vec!["Gi1/0/1-4".into()],
            start: "2026-05-10T17:00:00Z".into(),
            end: "2026-05-10T16:00:00Z".into(),
            recurrence: Recurrence::None,
            until: String::new(),
        };
        let e = validate_windows(&[w]).unwrap_err().to_string();
        assert!(e.contains("change_window[0].end"), "{e}");
        let s = Suppression {
            mac: "zz".into(),
            switch: String::new(),
            ports: vec![],
            events: vec![],
            from: String::new(),
            until: "2026-05-10T16:00:00Z".into(),
            reason: String::new(),
        };
        let e = validate_suppressions(std::slice::from_ref(&s))
            .unwrap_err()
            .to_string();
        assert!(e.contains("suppression[0].mac"), "{e}");
        let s = Suppression {
            mac: "00:11:22:33:44:55".into(),
            events: vec!["device-exploded".into()],
            ..s
        };
        let e = validate_suppressions(&[s]).unwrap_err().to_string();
        assert!(e.contains("suppression[0].events[0]"), "{e}");
    }
}
