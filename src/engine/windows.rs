//! Approved change windows and suppressions, compiled from the configuration.
//!
//! A change window matches an event when its site (empty: ours), switch (empty or `*`: any) and
//! port ranges (empty: any) select the event's port and the event time is in `[start, end)`, or,
//! for a weekly window, in `[start + k·7d, end + k·7d)` for some k ≥ 0 with
//! `start + k·7d ≤ until`. The event still fires, with `change_window_match = true`.
//!
//! A suppression matches an event when every criterion it gives (MAC, switch, port ranges, event
//! types) matches and the event time is in `[from, until)`; the event is not raised.

use crate::clock::Timestamp;
use crate::config::change_window::{ChangeWindow, Recurrence, Suppression};
use crate::config::port_profile::{PortRange, switch_matches};
use crate::event::{EventType, parse_rfc3339};
use crate::wire::MacAddr;

const WEEK_US: i64 = 7 * 86_400 * 1_000_000;

/// A compiled change window.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    /// Ticket or name.
    pub name: String,
    site: String,
    switch: String,
    ports: Vec<PortRange>,
    start: Timestamp,
    end: Timestamp,
    weekly: bool,
    until: Option<Timestamp>,
}

/// A compiled suppression.
#[derive(Debug, Clone, PartialEq)]
pub struct Suppress {
    mac: Option<MacAddr>,
    switch: String,
    ports: Vec<PortRange>,
    events: Vec<EventType>,
    from: Option<Timestamp>,
    until: Timestamp,
}

fn ranges(list: &[String]) -> Vec<PortRange> {
    list.iter()
        .filter_map(|s| PortRange::parse(s).ok())
        .collect()
}

fn port_ok(ranges: &[PortRange], port: &str) -> bool {
    ranges.is_empty() || ranges.iter().any(|r| r.matches(port))
}

impl Window {
    /// A window from its parts (a change window posted through the API); `ports` are ranges as
    /// in `[[change_window]]` (ones that do not parse are left out: validate first).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        name: &str,
        site: &str,
        switch: &str,
        ports: &[String],
        start: Timestamp,
        end: Timestamp,
        weekly: bool,
        until: Option<Timestamp>,
    ) -> Window {
        Window {
            name: name.to_owned(),
            site: site.to_owned(),
            switch: switch.to_owned(),
            ports: ranges(ports),
            start,
            end,
            weekly,
            until,
        }
    }

    /// When its last occurrence ends (`None`: a weekly window without `until` never ends).
    pub fn last_end(&self) -> Option<Timestamp> {
        if !self.weekly {
            return Some(self.end);
        }
        let until = self.until?;
        let k = (until.0 - self.start.0).max(0) / WEEK_US;
        Some(Timestamp(
            self.end.0.saturating_add(k.saturating_mul(WEEK_US)),
        ))
    }

    /// Compiles a validated `[[change_window]]`; `None` when its times do not parse.
    pub fn compile(w: &ChangeWindow) -> Option<Window> {
        Some(Window {
            name: w.name.clone(),
            site: w.site.clone(),
            switch: w.switch.clone(),
            ports: ranges(&w.ports),
            start: parse_rfc3339(&w.start).ok()?,
            end: parse_rfc3339(&w.end).ok()?,
            weekly: w.recurrence == Recurrence::Weekly,
            until: if w.until.is_empty() {
                None
            } else {
                Some(parse_rfc3339(&w.until).ok()?)
            },
        })
    }

    /// Whether the window covers an event at `ts` on (site, switch, port).
    pub fn covers(&self, site: &str, switch: &str, port: &str, ts: Timestamp) -> bool {
        if !(self.site.is_empty() || self.site == site)
            || !switch_matches(&self.switch, switch)
            || !port_ok(&self.ports, port)
            || ts < self.start
        {
            return false;
        }
        if ts < self.end {
            return true;
        }
        if !self.weekly {
            return false;
        }
        let k = (ts.0 - self.start.0) / WEEK_US;
        let start = self.start.0 + k * WEEK_US;
        if self.until.is_some_and(|u| start > u.0) {
            return false;
        }
        ts.0 >= start && ts.0 < self.end.0 + k * WEEK_US
    }
}

impl Suppress {
    /// Compiles a validated `[[suppression]]`; `None` when a value does not parse.
    pub fn compile(s: &Suppression) -> Option<Suppress> {
        Some(Suppress {
            mac: if s.mac.is_empty() {
                None
            } else {
                Some(s.mac.parse().ok()?)
            },
            switch: s.switch.clone(),
            ports: ranges(&s.ports),
            events: s.events.iter().filter_map(|e| e.parse().ok()).collect(),
            from: if s.from.is_empty() {
                None
            } else {
                Some(parse_rfc3339(&s.from).ok()?)
            },
            until: parse_rfc3339(&s.until).ok()?,
        })
    }

    /// Whether the suppression silences an event.
    pub fn silences(
        &self,
        event: EventType,
        mac: Option<MacAddr>,
        switch: &str,
        port: &str,
        ts: Timestamp,
    ) -> bool {
        ts < self.until
            && self.from.is_none_or(|f| ts >= f)
            && (self.events.is_empty() || self.events.contains(&event))
            && self.mac.is_none_or(|m| mac == Some(m))
            && switch_matches(&self.switch, switch)
            && port_ok(&self.ports, port)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        parse_rfc3339(s).unwrap()
    }

    #[test]
    fn weekly_window_repeats_until() {
        let w = Window::compile(&ChangeWindow {
            name: "sat".into(),
            site: String::new(),
            switch: "sw1".into(),
            ports: vec!["Gi1/0/1-8".into()],
            start: "2026-05-02T22:00:00Z".into(),
            end: "2026-05-03T02:00:00Z".into(),
            recurrence: Recurrence::Weekly,
            until: "2026-05-20T00:00:00Z".into(),
        })
        .unwrap();
        let at = |ts: &str| w.covers("hq", "sw1", "Gi1/0/3", t(ts));
        assert!(at("2026-05-02T23:00:00Z"));
        assert!(at("2026-05-10T01:59:59Z"));
        assert!(!at("2026-05-10T02:00:00Z"));
        assert!(!at("2026-05-05T23:00:00Z"));
        assert!(!at("2026-05-01T23:00:00Z"));
        assert!(!at("2026-05-23T23:00:00Z"), "past until");
        assert!(!w.covers("hq", "sw2", "Gi1/0/3", t("2026-05-02T23:00:00Z")));
        assert!(!w.covers("hq", "sw1", "Gi1/0/9", t("2026-05-02T23:00:00Z")));
    }

    #[test]
    fn suppression_matches_every_criterion() {
        let s = Suppress::compile(&Suppression {
            mac: "00:11:22:33:44:55".into(),
            switch: String::new(),
            ports: vec![],
            events: vec!["device-departed".into()],
            from: String::new(),
            until: "2026-05-10T00:00:00Z".into(),
            reason: "maintenance".into(),
        })
        .unwrap();
        let mac = Some("00:11:22:33:44:55".parse().unwrap());
        let ts = t("2026-05-09T00:00:00Z");
        assert!(s.silences(EventType::DeviceDeparted, mac, "sw", "Gi1", ts));
        assert!(!s.silences(EventType::DeviceAppeared, mac, "sw", "Gi1", ts));
        assert!(!s.silences(EventType::DeviceDeparted, None, "sw", "Gi1", ts));
        assert!(!s.silences(
            EventType::DeviceDeparted,
            mac,
            "sw",
            "Gi1",
            t("2026-05-10T00:00:00Z")
        ));
    }
}
