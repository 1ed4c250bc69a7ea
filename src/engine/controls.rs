//! The suppressions and change windows in force: those of the configuration (`[[suppression]]`,
//! `[[change_window]]`, replaced on reload) and those the API posted at run time
//! (`POST /api/v1/events/{event_id}/suppress`, `POST/DELETE /api/v1/change-windows`), which a
//! reload keeps. The emitter consults [`Controls`] at the one place events are raised.
//!
//! - An API suppression silences events of its types for one (device, port) pair in
//!   `[from, until)`: the device is the MAC of the event it was posted on (an event without a
//!   MAC: any device of the port), the port is its switch and interface, both compared
//!   case-insensitively and exactly (never as ranges). The engine still tracks the condition,
//!   as for a configured suppression.
//! - An API change window is a [`Window`] like a configured one: change events inside it are
//!   raised with `change_window_match = true` (DESIGN.md section 6: the field says whether an
//!   approved change ticket covers the event; the SIEM decides what it pages).
//!
//! API controls carry an id (`sup_…`, `cw_…`); applying one with an id already held replaces it
//! (a restart that restores from the store, then hears the same control again, holds it once).
//! Controls whose time is over are dropped by [`Controls::expire`]; until then they simply do
//! not match.

use super::windows::{Suppress, Window};
use crate::clock::Timestamp;
use crate::event::EventType;
use crate::wire::MacAddr;

/// A suppression posted through the API.
#[derive(Debug, Clone, PartialEq)]
pub struct Suppression {
    /// `sup_…`.
    pub id: String,
    /// The device (`None`: any device of the port).
    pub mac: Option<MacAddr>,
    /// Switch.
    pub switch: String,
    /// Interface.
    pub port: String,
    /// Event types silenced (at least one).
    pub events: Vec<EventType>,
    /// Start.
    pub from: Timestamp,
    /// End (exclusive).
    pub until: Timestamp,
}

impl Suppression {
    /// Whether it silences an event of type `t` at `ts` for `mac` on (switch, port).
    pub fn silences(
        &self,
        t: EventType,
        mac: Option<MacAddr>,
        switch: &str,
        port: &str,
        ts: Timestamp,
    ) -> bool {
        ts >= self.from
            && ts < self.until
            && self.events.contains(&t)
            && self.mac.is_none_or(|m| mac == Some(m))
            && self.switch.eq_ignore_ascii_case(switch)
            && self.port.eq_ignore_ascii_case(port)
    }
}

/// A change window posted through the API.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiWindow {
    /// `cw_…`.
    pub id: String,
    /// The window.
    pub window: Window,
    /// When its last occurrence ends (`None`: never).
    pub expires: Option<Timestamp>,
}

/// A run-time change of the controls (what the API sends the engine).
#[derive(Debug, Clone, PartialEq)]
pub enum Control {
    /// A suppression is in force.
    Suppress(Suppression),
    /// A change window is approved.
    ChangeWindow(ApiWindow),
    /// A change window is cancelled.
    CancelChangeWindow {
        /// `cw_…`.
        id: String,
    },
}

/// Every suppression and change window in force.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Controls {
    config_windows: Vec<Window>,
    config_suppress: Vec<Suppress>,
    suppressions: Vec<Suppression>,
    windows: Vec<ApiWindow>,
}

impl Controls {
    /// The configuration's controls, no API ones.
    pub fn new(windows: Vec<Window>, suppress: Vec<Suppress>) -> Controls {
        Controls {
            config_windows: windows,
            config_suppress: suppress,
            ..Controls::default()
        }
    }

    /// Replaces the configuration's controls (reload), keeping the API's.
    pub fn set_config(&mut self, windows: Vec<Window>, suppress: Vec<Suppress>) {
        self.config_windows = windows;
        self.config_suppress = suppress;
    }

    /// Adds a configured change window.
    pub fn add_config_window(&mut self, w: Window) {
        self.config_windows.push(w);
    }

    /// Adds a configured suppression.
    pub fn add_config_suppression(&mut self, s: Suppress) {
        self.config_suppress.push(s);
    }

    /// Applies an API control.
    pub fn apply(&mut self, c: Control) {
        match c {
            Control::Suppress(s) => {
                self.suppressions.retain(|x| x.id != s.id);
                self.suppressions.push(s);
            }
            Control::ChangeWindow(w) => {
                self.windows.retain(|x| x.id != w.id);
                self.windows.push(w);
            }
            Control::CancelChangeWindow { id } => self.windows.retain(|x| x.id != id),
        }
    }

    /// Drops the API controls that are over at `now`.
    pub fn expire(&mut self, now: Timestamp) {
        self.suppressions.retain(|s| s.until > now);
        self.windows.retain(|w| w.expires.is_none_or(|e| e > now));
    }

    /// API suppressions and change windows held (expired ones until [`expire`](Self::expire)).
    pub fn api_counts(&self) -> (usize, usize) {
        (self.suppressions.len(), self.windows.len())
    }

    /// Whether a change window (configured or posted) covers (site, switch, port) at `ts`.
    pub fn covers(&self, site: &str, switch: &str, port: &str, ts: Timestamp) -> bool {
        self.config_windows
            .iter()
            .chain(self.windows.iter().map(|w| &w.window))
            .any(|w| w.covers(site, switch, port, ts))
    }

    /// Whether a suppression (configured or posted) silences an event.
    pub fn silences(
        &self,
        t: EventType,
        mac: Option<MacAddr>,
        switch: &str,
        port: &str,
        ts: Timestamp,
    ) -> bool {
        self.config_suppress
            .iter()
            .any(|s| s.silences(t, mac, switch, port, ts))
            || self
                .suppressions
                .iter()
                .any(|s| s.silences(t, mac, switch, port, ts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::change_window::{ChangeWindow, Recurrence};
    use crate::event::parse_rfc3339;

    fn t(s: &str) -> Timestamp {
        parse_rfc3339(s).unwrap()
    }

    fn sup(id: &str, mac: Option<&str>, until: &str) -> Suppression {
        Suppression {
            id: id.into(),
            mac: mac.map(|m| m.parse().unwrap()),
            switch: "core-sw-02".into(),
            port: "Gi1/0/24".into(),
            events: vec![EventType::DeviceDeparted],
            from: t("2026-05-10T00:00:00Z"),
            until: t(until),
        }
    }

    fn window(id: &str, end: &str) -> ApiWindow {
        let w = Window::compile(&ChangeWindow {
            name: "CHG1".into(),
            site: String::new(),
            switch: "core-sw-02".into(),
            ports: vec!["Gi1/0/1-24".into()],
            start: "2026-05-10T00:00:00Z".into(),
            end: end.into(),
            recurrence: Recurrence::None,
            until: String::new(),
        })
        .unwrap();
        ApiWindow {
            id: id.into(),
            window: w,
            expires: Some(t(end)),
        }
    }

    #[test]
    fn a_suppression_silences_its_pair_and_kind_only_while_it_lasts() {
        let mac: MacAddr = "00:11:22:33:44:55".parse().unwrap();
        let other: MacAddr = "00:11:22:33:44:56".parse().unwrap();
        let mut c = Controls::default();
        c.apply(Control::Suppress(sup(
            "sup_1",
            Some("00:11:22:33:44:55"),
            "2026-05-11T00:00:00Z",
        )));
        let at = t("2026-05-10T12:00:00Z");
        let dep = EventType::DeviceDeparted;
        assert!(c.silences(dep, Some(mac), "CORE-SW-02", "gi1/0/24", at));
        assert!(!c.silences(dep, Some(other), "core-sw-02", "Gi1/0/24", at));
        assert!(!c.silences(dep, None, "core-sw-02", "Gi1/0/24", at));
        assert!(!c.silences(dep, Some(mac), "core-sw-02", "Gi1/0/2", at));
        assert!(!c.silences(dep, Some(mac), "core-sw-01", "Gi1/0/24", at));
        assert!(!c.silences(
            EventType::DeviceAppeared,
            Some(mac),
            "core-sw-02",
            "Gi1/0/24",
            at
        ));
        assert!(!c.silences(
            dep,
            Some(mac),
            "core-sw-02",
            "Gi1/0/24",
            t("2026-05-11T00:00:00Z")
        ));
        assert!(!c.silences(
            dep,
            Some(mac),
            "core-sw-02",
            "Gi1/0/24",
            t("2026-05-09T23:59:59Z")
        ));
        // A port-scoped one (an event without a MAC) silences any device there.
        c.apply(Control::Suppress(sup(
            "sup_2",
            None,
            "2026-05-11T00:00:00Z",
        )));
        assert!(c.silences(dep, Some(other), "core-sw-02", "Gi1/0/24", at));
        // Re-applying an id replaces it; expiry drops what is over.
        c.apply(Control::Suppress(sup(
            "sup_2",
            None,
            "2026-05-10T06:00:00Z",
        )));
        assert_eq!(c.api_counts(), (2, 0));
        assert!(!c.silences(dep, Some(other), "core-sw-02", "Gi1/0/24", at));
        c.expire(at);
        assert_eq!(c.api_counts(), (1, 0));
    }

    #[test]
    fn api_windows_annotate_until_cancelled_or_over_and_survive_reconfiguration() {
        let mut c = Controls::default();
        c.apply(Control::ChangeWindow(window(
            "cw_1",
            "2026-05-10T06:00:00Z",
        )));
        let at = t("2026-05-10T01:00:00Z");
        assert!(c.covers("hq", "core-sw-02", "Gi1/0/3", at));
        assert!(!c.covers("hq", "core-sw-02", "Gi1/0/30", at));
        assert!(!c.covers("hq", "core-sw-02", "Gi1/0/3", t("2026-05-10T06:00:00Z")));
        c.set_config(Vec::new(), Vec::new());
        assert!(
            c.covers("hq", "core-sw-02", "Gi1/0/3", at),
            "a reload keeps API windows"
        );
        c.apply(Control::CancelChangeWindow { id: "cw_1".into() });
        assert!(!c.covers("hq", "core-sw-02", "Gi1/0/3", at));
        c.apply(Control::ChangeWindow(window(
            "cw_2",
            "2026-05-10T06:00:00Z",
        )));
        c.expire(t("2026-05-10T06:00:00Z"));
        assert_eq!(c.api_counts(), (0, 0));
    }
}
