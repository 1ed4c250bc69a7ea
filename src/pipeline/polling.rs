//! The daemon's SNMP poll schedule: every switch on its own `poll_interval_secs`, its table
//! built with its own `edge_mac_limit`.
//!
//! Switches due at the same moment are polled together (bounded by the poller's global
//! in-flight limit). A port leading to another polled switch is marked as an uplink against
//! the fresh tables and the last known own MACs of every other switch, so a switch polled
//! every minute still recognises the one polled every ten.
//!
//! A reload replaces the list: a switch kept with the same interval keeps its next due time,
//! a new one (or one whose interval changed) is polled at once, a removed one is forgotten.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::config::ConfigError;
use crate::snmp::{BuildOptions, SwitchPoll, Target};

/// One configured switch and when it is next due.
#[derive(Debug, Clone)]
pub struct Scheduled {
    /// What to poll.
    pub target: Target,
    /// How its table is built.
    pub build: BuildOptions,
    /// Time between polls.
    pub every: Duration,
    next: Instant,
}

/// Every switch's schedule, and what the last polls learnt of each switch's own MACs.
#[derive(Debug, Default)]
pub struct Schedule {
    entries: Vec<Scheduled>,
    own_macs: HashMap<String, BTreeSet<String>>,
}

/// The switches of a configuration, in order, due at `now`.
pub fn scheduled(cfg: &Config, now: Instant) -> Result<Vec<Scheduled>, ConfigError> {
    cfg.switch
        .iter()
        .enumerate()
        .map(|(i, s)| {
            Ok(Scheduled {
                target: s.target(&format!("switch[{i}]"))?,
                build: BuildOptions {
                    edge_mac_limit: s.edge_mac_limit,
                },
                every: Duration::from_secs(s.poll_interval_secs.max(1)),
                next: now,
            })
        })
        .collect()
}

impl Schedule {
    /// A schedule of `entries` (each due at the time it carries).
    pub fn new(entries: Vec<Scheduled>) -> Schedule {
        Schedule {
            entries,
            own_macs: HashMap::new(),
        }
    }

    /// The switches scheduled.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// No switch is scheduled.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Replaces the switch list (a reload): a switch of the same name and interval keeps its
    /// next due time; the others are due as `entries` say.
    pub fn replace(&mut self, mut entries: Vec<Scheduled>) {
        for e in &mut entries {
            if let Some(old) = self
                .entries
                .iter()
                .find(|o| o.target.name == e.target.name && o.every == e.every)
            {
                e.next = old.next;
            }
        }
        self.own_macs
            .retain(|name, _| entries.iter().any(|e| &e.target.name == name));
        self.entries = entries;
    }

    /// The switches due at `now`, each then scheduled one interval later (from `now`, so a
    /// slow poll does not make the next ones pile up).
    pub fn take_due(&mut self, now: Instant) -> Vec<(Target, BuildOptions)> {
        let mut due = Vec::new();
        for e in &mut self.entries {
            if e.next <= now {
                due.push((e.target.clone(), e.build));
                e.next = now + e.every;
            }
        }
        due
    }

    /// When the next switch is due (`None` with no switch).
    pub fn next_due(&self) -> Option<Instant> {
        self.entries.iter().map(|e| e.next).min()
    }

    /// Marks the ports of fresh `polls` that lead to another switch (among them, or one polled
    /// earlier), then remembers their own MACs.
    pub fn mark_uplinks(&mut self, polls: &mut [SwitchPoll]) {
        let fresh: BTreeSet<&str> = polls.iter().map(|p| p.table.switch.name.as_str()).collect();
        let others: Vec<BTreeSet<String>> = self
            .own_macs
            .iter()
            .filter(|(name, _)| !fresh.contains(name.as_str()))
            .map(|(_, macs)| macs.clone())
            .collect();
        crate::snmp::mark_uplinks(polls, &others);
        for p in polls.iter() {
            // An unreachable switch's table has no MACs: keep what its last answer taught.
            if !p.table.own_macs.is_empty() {
                self.own_macs
                    .insert(p.table.switch.name.clone(), p.table.own_macs.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snmp::{Credentials, PortTable, SwitchInfo, Timing};

    fn entry(name: &str, secs: u64, limit: usize, next: Instant) -> Scheduled {
        Scheduled {
            target: Target {
                name: name.into(),
                address: "127.0.0.1:161".into(),
                creds: Credentials::V2c {
                    community: "public".into(),
                },
                timing: Timing {
                    timeout: Duration::from_millis(100),
                    retries: 0,
                },
                max_repetitions: 25,
                max_in_flight: 1,
            },
            build: BuildOptions {
                edge_mac_limit: limit,
            },
            every: Duration::from_secs(secs),
            next,
        }
    }

    fn names(due: &[(Target, BuildOptions)]) -> Vec<(String, usize)> {
        due.iter()
            .map(|(t, b)| (t.name.clone(), b.edge_mac_limit))
            .collect()
    }

    #[test]
    fn each_switch_is_polled_on_its_own_interval_with_its_own_limit() {
        let t0 = Instant::now();
        let mut s = Schedule::new(vec![entry("fast", 60, 4, t0), entry("slow", 600, 32, t0)]);
        assert_eq!(
            names(&s.take_due(t0)),
            [("fast".to_owned(), 4), ("slow".to_owned(), 32)]
        );
        let mut polls = (0, 0);
        for minute in 1..=20 {
            for (t, _) in s.take_due(t0 + Duration::from_secs(60 * minute)) {
                match t.name.as_str() {
                    "fast" => polls.0 += 1,
                    _ => polls.1 += 1,
                }
            }
        }
        assert_eq!(polls, (20, 2), "twenty minutes: 20 fast polls, 2 slow ones");
        assert_eq!(s.next_due(), Some(t0 + Duration::from_secs(21 * 60)));
    }

    #[test]
    fn a_reload_keeps_the_due_time_of_unchanged_switches() {
        let t0 = Instant::now();
        let mut s = Schedule::new(vec![entry("a", 300, 16, t0), entry("b", 300, 16, t0)]);
        s.take_due(t0);
        let later = t0 + Duration::from_secs(10);
        // "a" unchanged, "b" now every 600 s, "c" new; all three carry "due now".
        s.replace(vec![
            entry("a", 300, 8, later),
            entry("b", 600, 16, later),
            entry("c", 300, 16, later),
        ]);
        assert_eq!(
            names(&s.take_due(later)),
            [("b".to_owned(), 16), ("c".to_owned(), 16)]
        );
        assert_eq!(
            names(&s.take_due(t0 + Duration::from_secs(300))),
            [("a".to_owned(), 8)],
            "the kept switch is due on its old time, with its new limit"
        );
    }

    #[test]
    fn uplinks_are_marked_against_switches_polled_earlier() {
        use crate::snmp::{MacEntry, PollStats, Port};
        let table = |name: &str, own: &str, seen: &str| PortTable {
            switch: SwitchInfo {
                name: name.into(),
                ..SwitchInfo::default()
            },
            own_macs: [own.to_owned()].into(),
            ports: vec![Port {
                if_index: 1,
                name: "Gi1/0/48".into(),
                macs: vec![MacEntry {
                    mac: seen.into(),
                    vlan: Some(1),
                }],
                ..Port::default()
            }],
            ..PortTable::default()
        };
        let poll = |t: PortTable| SwitchPoll {
            table: t,
            stats: PollStats::default(),
        };
        let mut s = Schedule::default();
        let mut first = vec![poll(table(
            "core",
            "00:00:00:00:00:01",
            "aa:aa:aa:aa:aa:aa",
        ))];
        s.mark_uplinks(&mut first);
        assert!(!first[0].table.ports[0].uplink);
        // The access switch is polled alone later; the core's MAC behind its port 48 marks it.
        let mut second = vec![poll(table(
            "access",
            "00:00:00:00:00:02",
            "00:00:00:00:00:01",
        ))];
        s.mark_uplinks(&mut second);
        assert!(second[0].table.ports[0].uplink);
    }
}
