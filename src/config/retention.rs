//! `[retention]`: how long each table keeps its rows, and the outbox's bounds.
//!
//! The store writer prunes in batches of `prune_batch` rows between its write batches, every
//! `prune_every_secs` of sensor time ([`crate::store::retention`]). Events and the API audit
//! trail default to 400 days (PCI DSS keeps a year of audit history), the observation timeline
//! to 60 days, devices that left to 400 days after they were last seen. The syslog outbox keeps
//! a row until every destination confirmed it, at most `outbox_max_rows` rows and
//! `outbox_max_age_days` days: beyond either bound the oldest rows are dropped, logged at ERROR
//! per destination that had not confirmed them. The pipeline forgets what it keeps in memory of
//! a device not seen for `observations_days`.

use serde::Deserialize;

use super::ConfigError;
use crate::store::retention::RetentionSettings;

/// Longest retention accepted, in days (100 years).
const MAX_DAYS: u32 = 36_500;

/// `[retention]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    /// Days an event is kept in `events` (an event still waiting in the outbox stays).
    #[serde(default = "default_long")]
    pub events_days: u32,
    /// Days an entry of the API audit trail (`api_audit`) is kept.
    #[serde(default = "default_long")]
    pub audit_days: u32,
    /// Days an entry of the observation timeline is kept; also how long the pipeline keeps a
    /// silent device in memory.
    #[serde(default = "default_observations")]
    pub observations_days: u32,
    /// Days a device's row is kept after it was last seen, once it is no longer on its port.
    #[serde(default = "default_long")]
    pub departed_devices_days: u32,
    /// Most rows in the syslog outbox; beyond it the oldest are dropped (logged at ERROR).
    #[serde(default = "default_outbox_max_rows")]
    pub outbox_max_rows: u64,
    /// Days an undelivered event waits in the outbox before it is dropped (logged at ERROR).
    #[serde(default = "default_outbox_max_age")]
    pub outbox_max_age_days: u32,
    /// Rows deleted per table per transaction.
    #[serde(default = "default_prune_batch")]
    pub prune_batch: u32,
    /// Seconds of sensor time between two pruning passes.
    #[serde(default = "default_prune_every")]
    pub prune_every_secs: u32,
}

fn default_long() -> u32 {
    400
}

fn default_observations() -> u32 {
    60
}

fn default_outbox_max_rows() -> u64 {
    1_000_000
}

fn default_outbox_max_age() -> u32 {
    30
}

fn default_prune_batch() -> u32 {
    5_000
}

fn default_prune_every() -> u32 {
    300
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            events_days: default_long(),
            audit_days: default_long(),
            observations_days: default_observations(),
            departed_devices_days: default_long(),
            outbox_max_rows: default_outbox_max_rows(),
            outbox_max_age_days: default_outbox_max_age(),
            prune_batch: default_prune_batch(),
            prune_every_secs: default_prune_every(),
        }
    }
}

fn days(key: &str, v: u32) -> Result<(), ConfigError> {
    if (1..=MAX_DAYS).contains(&v) {
        Ok(())
    } else {
        Err(ConfigError::invalid(
            format!("retention.{key}"),
            format!("must be 1..={MAX_DAYS} days, got {v}"),
        ))
    }
}

impl Retention {
    /// Checks the section.
    pub fn validate(&self) -> Result<(), ConfigError> {
        days("events_days", self.events_days)?;
        days("audit_days", self.audit_days)?;
        days("observations_days", self.observations_days)?;
        days("departed_devices_days", self.departed_devices_days)?;
        days("outbox_max_age_days", self.outbox_max_age_days)?;
        if !(1..=i64::MAX as u64).contains(&self.outbox_max_rows) {
            return Err(ConfigError::invalid(
                "retention.outbox_max_rows",
                "must be at least 1",
            ));
        }
        if !(1..=1_000_000).contains(&self.prune_batch) {
            return Err(ConfigError::invalid(
                "retention.prune_batch",
                format!("must be 1..=1000000 rows, got {}", self.prune_batch),
            ));
        }
        if !(1..=86_400).contains(&self.prune_every_secs) {
            return Err(ConfigError::invalid(
                "retention.prune_every_secs",
                format!("must be 1..=86400 seconds, got {}", self.prune_every_secs),
            ));
        }
        Ok(())
    }

    /// The store's pruning settings (times in microseconds).
    pub fn settings(&self) -> RetentionSettings {
        const DAY_US: i64 = 86_400_000_000;
        let d = |n: u32| i64::from(n) * DAY_US;
        RetentionSettings {
            events_us: d(self.events_days),
            audit_us: d(self.audit_days),
            observations_us: d(self.observations_days),
            departed_devices_us: d(self.departed_devices_days),
            outbox_max_rows: self.outbox_max_rows.min(i64::MAX as u64) as i64,
            outbox_max_age_us: d(self.outbox_max_age_days),
            batch: self.prune_batch as usize,
            every_us: i64::from(self.prune_every_secs) * 1_000_000,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Config;
    use super::*;

    #[test]
    fn defaults_keep_a_year_of_events_and_audit_and_two_months_of_observations() {
        let c = Config::parse("", "t").unwrap();
        assert_eq!(c.retention, Retention::default());
        let s = c.retention.settings();
        assert_eq!(s.events_us, 400 * 86_400_000_000);
        assert_eq!(s.observations_us, 60 * 86_400_000_000);
        assert_eq!(s.outbox_max_rows, 1_000_000);
        assert_eq!(s.batch, 5_000);
        assert_eq!(s.every_us, 300_000_000);
    }

    #[test]
    fn keys_parse_and_bad_values_are_named() {
        let c = Config::parse(
            "[retention]\nevents_days = 2\nobservations_days = 1\noutbox_max_rows = 10\n",
            "t",
        )
        .unwrap();
        assert_eq!(c.retention.events_days, 2);
        assert_eq!(c.retention.audit_days, 400);
        assert_eq!(c.retention.settings().outbox_max_rows, 10);
        for (text, key) in [
            ("events_days = 0", "retention.events_days"),
            ("audit_days = 40000", "retention.audit_days"),
            ("observations_days = 0", "retention.observations_days"),
            (
                "departed_devices_days = 0",
                "retention.departed_devices_days",
            ),
            ("outbox_max_rows = 0", "retention.outbox_max_rows"),
            ("outbox_max_age_days = 0", "retention.outbox_max_age_days"),
            ("prune_batch = 0", "retention.prune_batch"),
            ("prune_every_secs = 0", "retention.prune_every_secs"),
        ] {
            let e = Config::parse(&format!("[retention]\n{text}\n"), "t").unwrap_err();
            assert!(e.to_string().starts_with(key), "{text}: {e}");
        }
        let e = Config::parse("[retention]\nevent_days = 3\n", "t").unwrap_err();
        assert!(e.to_string().contains("event_days"), "{e}");
    }
}
