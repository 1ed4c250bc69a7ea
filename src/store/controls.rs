//! Store migration 6: the suppressions and change windows posted through the API
//! (`api_suppressions`, `api_change_windows`), each written in one transaction with its
//! audit-trail entry (`api_audit`), read back by the daemon at start (restored into the engine)
//! and by the API (the change-window list, the device view).
//!
//! A suppression row is never changed; a change window is cancelled by setting
//! `cancelled_at` once (the row stays, as does the audit trail of both calls). Times are
//! microseconds since the epoch, UTC.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;
use utoipa::ToSchema;

use super::StoreError;
use crate::clock::Timestamp;
use crate::engine::controls::{ApiWindow, Control, Suppression};
use crate::engine::windows::Window;
use crate::event::EventType;
use crate::store::query::rfc3339_secs;

/// Migration 6's SQL.
pub const V6: &str = "
CREATE TABLE api_suppressions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    event_id TEXT NOT NULL,
    mac TEXT,
    device_dna TEXT,
    switch TEXT NOT NULL,
    port TEXT NOT NULL,
    events TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    until INTEGER NOT NULL,
    token_id TEXT,
    operator TEXT NOT NULL,
    reason TEXT NOT NULL,
    note TEXT
);
CREATE INDEX api_suppressions_until ON api_suppressions (until);
CREATE INDEX api_suppressions_mac ON api_suppressions (mac, seq);
CREATE INDEX api_suppressions_port ON api_suppressions (switch, port, seq);
CREATE TABLE api_change_windows (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    switch TEXT NOT NULL,
    ports TEXT NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    weekly INTEGER NOT NULL,
    until INTEGER,
    expires_at INTEGER,
    created_at INTEGER NOT NULL,
    token_id TEXT,
    operator TEXT NOT NULL,
    reason TEXT NOT NULL,
    cancelled_at INTEGER
);
CREATE INDEX api_change_windows_expires ON api_change_windows (expires_at);
";

/// The audit-trail entry written with a control.
#[derive(Debug, Clone)]
pub struct AuditNote<'a> {
    /// Request id.
    pub request_id: &'a str,
    /// Token id.
    pub token_id: &'a str,
    /// `event.suppressed`, `change_window.created`, `change_window.cancelled`.
    pub action: &'a str,
    /// The event id or change-window id.
    pub target: &'a str,
    /// What the caller said.
    pub detail: &'a serde_json::Value,
}

/// A stored suppression.
#[derive(Debug, Clone, PartialEq)]
pub struct SuppressionRow {
    /// `sup_…`.
    pub id: String,
    /// The event it was posted on.
    pub event_id: String,
    /// The device's MAC (`None`: the event had none; any device of the port).
    pub mac: Option<String>,
    /// The device's DNA when the event carried one.
    pub device_dna: Option<String>,
    /// Switch.
    pub switch: String,
    /// Interface.
    pub port: String,
    /// Event types silenced.
    pub events: Vec<EventType>,
    /// When posted (the suppression starts then).
    pub created_at: Timestamp,
    /// End (exclusive).
    pub until: Timestamp,
    /// Token that posted it.
    pub token_id: Option<String>,
    /// Operator.
    pub operator: String,
    /// Reason.
    pub reason: String,
    /// Note.
    pub note: Option<String>,
}

/// A stored change window.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeWindowRow {
    /// Order created (the list's cursor).
    pub seq: i64,
    /// `cw_…`.
    pub id: String,
    /// Ticket or name.
    pub name: String,
    /// Switch (`*`: every switch).
    pub switch: String,
    /// Port ranges (empty: every port of the switch).
    pub ports: Vec<String>,
    /// Start.
    pub start: Timestamp,
    /// End (exclusive).
    pub end: Timestamp,
    /// Repeats every 7 days until `until`.
    pub weekly: bool,
    /// Last day a weekly window may start.
    pub until: Option<Timestamp>,
    /// When its last occurrence ends.
    pub expires_at: Option<Timestamp>,
    /// When created.
    pub created_at: Timestamp,
    /// Token that created it.
    pub token_id: Option<String>,
    /// Operator.
    pub operator: String,
    /// Reason.
    pub reason: String,
    /// When cancelled.
    pub cancelled_at: Option<Timestamp>,
}

/// A suppression as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SuppressionView {
    /// `sup_` + ULID.
    pub suppression_id: String,
    /// The event it was posted on.
    pub event_id: String,
    /// The device's DNA (from the event).
    pub device_dna: Option<String>,
    /// The device's MAC (`null`: any device of the port).
    pub mac: Option<String>,
    /// Site.
    pub site: String,
    /// Switch.
    pub switch: String,
    /// Port.
    pub port: String,
    /// Event types suppressed for this device-port pair.
    pub events: Vec<String>,
    /// Start (RFC 3339 UTC).
    pub from: String,
    /// End, exclusive (RFC 3339 UTC).
    pub until: String,
    /// `active` or `expired`.
    pub status: String,
    /// Who.
    pub operator: String,
    /// Why.
    pub reason: String,
    /// Note.
    pub note: Option<String>,
}

/// A change window as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ChangeWindowView {
    /// `cw_` + ULID.
    pub change_window_id: String,
    /// Change ticket or name.
    pub name: String,
    /// Site.
    pub site: String,
    /// Switch (`*`: every switch).
    pub switch: String,
    /// Port ranges (`Gi1/0/1-24`; empty: every port of the switch).
    pub ports: Vec<String>,
    /// Start (RFC 3339 UTC).
    pub start: String,
    /// End, exclusive (RFC 3339 UTC).
    pub end: String,
    /// `none` or `weekly`.
    pub recurrence: String,
    /// Last day a weekly window may start (RFC 3339 UTC).
    pub until: Option<String>,
    /// `scheduled`, `active`, `ended` or `cancelled`.
    pub status: String,
    /// Who.
    pub operator: String,
    /// Why.
    pub reason: String,
    /// When created (RFC 3339 UTC).
    pub created_at: String,
    /// When cancelled (RFC 3339 UTC).
    pub cancelled_at: Option<String>,
}

fn sq(context: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    StoreError::sqlite(context)
}

fn audit(c: &Connection, now: Timestamp, a: &AuditNote<'_>) -> Result<(), StoreError> {
    c.execute(
        "INSERT INTO api_audit (ts, request_id, token_id, action, target, detail) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            now.0,
            a.request_id,
            a.token_id,
            a.action,
            a.target,
            a.detail.to_string()
        ],
    )
    .map_err(sq("appending to the audit trail"))?;
    Ok(())
}

fn names(events: &[EventType]) -> Vec<String> {
    events.iter().map(|e| e.as_str().to_owned()).collect()
}

fn json_list(v: &[String]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

/// Writes a suppression and its audit entry in one transaction.
pub fn insert_suppression(
    c: &mut Connection,
    r: &SuppressionRow,
    a: &AuditNote<'_>,
) -> Result<(), StoreError> {
    let tx = c.transaction().map_err(sq("starting a transaction"))?;
    tx.execute(
        "INSERT INTO api_suppressions (id, event_id, mac, device_dna, switch, port, events, \
         created_at, until, token_id, operator, reason, note) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            r.id,
            r.event_id,
            r.mac,
            r.device_dna,
            r.switch,
            r.port,
            json_list(&names(&r.events)),
            r.created_at.0,
            r.until.0,
            r.token_id,
            r.operator,
            r.reason,
            r.note
        ],
    )
    .map_err(sq("writing a suppression"))?;
    audit(&tx, r.created_at, a)?;
    tx.commit().map_err(sq("committing a suppression"))
}

/// Writes a change window and its audit entry in one transaction.
pub fn insert_window(
    c: &mut Connection,
    r: &ChangeWindowRow,
    a: &AuditNote<'_>,
) -> Result<(), StoreError> {
    let tx = c.transaction().map_err(sq("starting a transaction"))?;
    tx.execute(
        "INSERT INTO api_change_windows (id, name, switch, ports, start, end, weekly, until, \
         expires_at, created_at, token_id, operator, reason) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            r.id,
            r.name,
            r.switch,
            json_list(&r.ports),
            r.start.0,
            r.end.0,
            r.weekly,
            r.until.map(|t| t.0),
            r.expires_at.map(|t| t.0),
            r.created_at.0,
            r.token_id,
            r.operator,
            r.reason
        ],
    )
    .map_err(sq("writing a change window"))?;
    audit(&tx, r.created_at, a)?;
    tx.commit().map_err(sq("committing a change window"))
}

/// What cancelling a change window found.
#[derive(Debug, Clone, PartialEq)]
pub enum Cancelled {
    /// Cancelled now (the row as it is now).
    Done(ChangeWindowRow),
    /// Cancelled before.
    Already(ChangeWindowRow),
    /// No such window.
    Unknown,
}

/// Cancels a change window (once) and appends the audit entry, in one transaction.
pub fn cancel_window(
    c: &mut Connection,
    id: &str,
    now: Timestamp,
    a: &AuditNote<'_>,
) -> Result<Cancelled, StoreError> {
    let tx = c.transaction().map_err(sq("starting a transaction"))?;
    let Some(mut row) = window_in(&tx, id)? else {
        return Ok(Cancelled::Unknown);
    };
    if row.cancelled_at.is_some() {
        return Ok(Cancelled::Already(row));
    }
    tx.execute(
        "UPDATE api_change_windows SET cancelled_at = ?1 WHERE id = ?2 AND cancelled_at IS NULL",
        params![now.0, id],
    )
    .map_err(sq("cancelling a change window"))?;
    audit(&tx, now, a)?;
    tx.commit().map_err(sq("committing a cancellation"))?;
    row.cancelled_at = Some(now);
    Ok(Cancelled::Done(row))
}

const WINDOW_COLUMNS: &str = "seq, id, name, switch, ports, start, end, weekly, until, \
     expires_at, created_at, token_id, operator, reason, cancelled_at";
const SUPPRESSION_COLUMNS: &str = "id, event_id, mac, device_dna, switch, port, events, \
     created_at, until, token_id, operator, reason, note";

fn window_row(r: &Row<'_>) -> rusqlite::Result<ChangeWindowRow> {
    let ports: String = r.get(4)?;
    Ok(ChangeWindowRow {
        seq: r.get(0)?,
        id: r.get(1)?,
        name: r.get(2)?,
        switch: r.get(3)?,
        ports: serde_json::from_str(&ports).unwrap_or_default(),
        start: Timestamp(r.get(5)?),
        end: Timestamp(r.get(6)?),
        weekly: r.get(7)?,
        until: r.get::<_, Option<i64>>(8)?.map(Timestamp),
        expires_at: r.get::<_, Option<i64>>(9)?.map(Timestamp),
        created_at: Timestamp(r.get(10)?),
        token_id: r.get(11)?,
        operator: r.get(12)?,
        reason: r.get(13)?,
        cancelled_at: r.get::<_, Option<i64>>(14)?.map(Timestamp),
    })
}

fn suppression_row(r: &Row<'_>) -> rusqlite::Result<SuppressionRow> {
    let events: String = r.get(6)?;
    let events: Vec<String> = serde_json::from_str(&events).unwrap_or_default();
    Ok(SuppressionRow {
        id: r.get(0)?,
        event_id: r.get(1)?,
        mac: r.get(2)?,
        device_dna: r.get(3)?,
        switch: r.get(4)?,
        port: r.get(5)?,
        events: events.iter().filter_map(|e| e.parse().ok()).collect(),
        created_at: Timestamp(r.get(7)?),
        until: Timestamp(r.get(8)?),
        token_id: r.get(9)?,
        operator: r.get(10)?,
        reason: r.get(11)?,
        note: r.get(12)?,
    })
}

fn window_in(c: &Connection, id: &str) -> Result<Option<ChangeWindowRow>, StoreError> {
    c.query_row(
        &format!("SELECT {WINDOW_COLUMNS} FROM api_change_windows WHERE id = ?1"),
        [id],
        window_row,
    )
    .optional()
    .map_err(sq("reading a change window"))
}

/// One change window.
pub fn window(c: &Connection, id: &str) -> Result<Option<ChangeWindowRow>, StoreError> {
    window_in(c, id)
}

/// Change windows in the order created, after `after_seq`: all of them, or (`current`) those
/// neither cancelled nor over at `now`. At most `limit`; the second value says whether more
/// follow.
pub fn windows(
    c: &Connection,
    after_seq: i64,
    limit: usize,
    current: bool,
    now: Timestamp,
) -> Result<(Vec<ChangeWindowRow>, bool), StoreError> {
    let filter = if current {
        "AND cancelled_at IS NULL AND (expires_at IS NULL OR expires_at > ?2)"
    } else {
        "AND ?2 = ?2"
    };
    let mut st = c
        .prepare(&format!(
            "SELECT {WINDOW_COLUMNS} FROM api_change_windows WHERE seq > ?1 {filter} \
             ORDER BY seq LIMIT ?3"
        ))
        .map_err(sq("listing change windows"))?;
    let mut rows = st
        .query_map(params![after_seq, now.0, limit as i64 + 1], window_row)
        .map_err(sq("listing change windows"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sq("listing change windows"))?;
    let more = rows.len() > limit;
    rows.truncate(limit);
    Ok((rows, more))
}

/// The suppressions of a device (by MAC) or of its port, newest first (at most 100).
pub fn suppressions_of(
    c: &Connection,
    mac: &str,
    switch: Option<&str>,
    port: Option<&str>,
) -> Result<Vec<SuppressionRow>, StoreError> {
    let mut st = c
        .prepare(&format!(
            "SELECT {SUPPRESSION_COLUMNS} FROM api_suppressions \
             WHERE mac = ?1 OR (mac IS NULL AND switch = ?2 AND port = ?3) \
             ORDER BY seq DESC LIMIT 100"
        ))
        .map_err(sq("reading suppressions"))?;
    st.query_map(params![mac, switch, port], suppression_row)
        .map_err(sq("reading suppressions"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sq("reading suppressions"))
}

/// The change windows neither cancelled nor over at `now` (the device view filters them by
/// port).
pub fn current_windows(c: &Connection, now: Timestamp) -> Result<Vec<ChangeWindowRow>, StoreError> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let (rows, more) = windows(c, after, 1000, true, now)?;
        after = rows.last().map_or(after, |r| r.seq);
        out.extend(rows);
        if !more {
            return Ok(out);
        }
    }
}

/// Every control still in force at `now` (what the engine is handed at start).
pub fn active(c: &Connection, now: Timestamp) -> Result<Vec<Control>, StoreError> {
    let mut st = c
        .prepare(&format!(
            "SELECT {SUPPRESSION_COLUMNS} FROM api_suppressions WHERE until > ?1 ORDER BY seq"
        ))
        .map_err(sq("reading suppressions"))?;
    let sup = st
        .query_map([now.0], suppression_row)
        .map_err(sq("reading suppressions"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sq("reading suppressions"))?;
    let mut out: Vec<Control> = sup.iter().map(SuppressionRow::control).collect();
    out.extend(
        current_windows(c, now)?
            .iter()
            .map(ChangeWindowRow::control),
    );
    Ok(out)
}

impl SuppressionRow {
    /// The engine's form.
    pub fn control(&self) -> Control {
        Control::Suppress(Suppression {
            id: self.id.clone(),
            mac: self.mac.as_deref().and_then(|m| m.parse().ok()),
            switch: self.switch.clone(),
            port: self.port.clone(),
            events: self.events.clone(),
            from: self.created_at,
            until: self.until,
        })
    }

    /// As the API shows it at `now`.
    pub fn view(&self, site: &str, now: Timestamp) -> SuppressionView {
        SuppressionView {
            suppression_id: self.id.clone(),
            event_id: self.event_id.clone(),
            device_dna: self.device_dna.clone(),
            mac: self.mac.clone(),
            site: site.to_owned(),
            switch: self.switch.clone(),
            port: self.port.clone(),
            events: names(&self.events),
            from: rfc3339_secs(self.created_at),
            until: rfc3339_secs(self.until),
            status: if now < self.until {
                "active"
            } else {
                "expired"
            }
            .into(),
            operator: self.operator.clone(),
            reason: self.reason.clone(),
            note: self.note.clone(),
        }
    }
}

impl ChangeWindowRow {
    /// The engine's window (for `site`: an appliance serves one).
    pub fn window(&self, site: &str) -> Window {
        let switch = if self.switch == "*" { "" } else { &self.switch };
        Window::new(
            &self.name,
            site,
            switch,
            &self.ports,
            self.start,
            self.end,
            self.weekly,
            self.until,
        )
    }

    /// The engine's form (the window applies to whatever site the engine serves).
    pub fn control(&self) -> Control {
        Control::ChangeWindow(ApiWindow {
            id: self.id.clone(),
            window: self.window(""),
            expires: self.expires_at,
        })
    }

    /// As the API shows it at `now`.
    pub fn view(&self, site: &str, now: Timestamp) -> ChangeWindowView {
        let status = if self.cancelled_at.is_some() {
            "cancelled"
        } else if self.expires_at.is_some_and(|e| now >= e) {
            "ended"
        } else if self.occurring(now) {
            "active"
        } else {
            "scheduled"
        };
        ChangeWindowView {
            change_window_id: self.id.clone(),
            name: self.name.clone(),
            site: site.to_owned(),
            switch: self.switch.clone(),
            ports: self.ports.clone(),
            start: rfc3339_secs(self.start),
            end: rfc3339_secs(self.end),
            recurrence: if self.weekly { "weekly" } else { "none" }.into(),
            until: self.until.map(rfc3339_secs),
            status: status.into(),
            operator: self.operator.clone(),
            reason: self.reason.clone(),
            created_at: rfc3339_secs(self.created_at),
            cancelled_at: self.cancelled_at.map(rfc3339_secs),
        }
    }

    /// Whether `now` is inside an occurrence (whatever the switch and ports).
    fn occurring(&self, now: Timestamp) -> bool {
        Window::new(
            "",
            "",
            "",
            &[],
            self.start,
            self.end,
            self.weekly,
            self.until,
        )
        .covers("", "", "", now)
    }

    /// Whether it applies to (switch, port) (at some time: its first occurrence decides).
    pub fn selects(&self, switch: &str, port: &str) -> bool {
        self.window("").covers("", switch, port, self.start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> (Connection, std::path::PathBuf) {
        let p = std::env::temp_dir().join(format!(
            "cybriq-controls-{}-{}.sqlite3",
            std::process::id(),
            fastrand::u64(..)
        ));
        (crate::store::open(&p).unwrap(), p)
    }

    fn note<'a>(action: &'a str, target: &'a str, d: &'a serde_json::Value) -> AuditNote<'a> {
        AuditNote {
            request_id: "req_1",
            token_id: "tok_1",
            action,
            target,
            detail: d,
        }
    }

    fn win(id: &str, start: i64, end: i64) -> ChangeWindowRow {
        ChangeWindowRow {
            seq: 0,
            id: id.into(),
            name: "CHG1".into(),
            switch: "core-sw-02".into(),
            ports: vec!["Gi1/0/1-24".into()],
            start: Timestamp(start),
            end: Timestamp(end),
            weekly: false,
            until: None,
            expires_at: Some(Timestamp(end)),
            created_at: Timestamp(start - 10),
            token_id: Some("tok_1".into()),
            operator: "op".into(),
            reason: "r".into(),
            cancelled_at: None,
        }
    }

    #[test]
    fn controls_persist_with_their_audit_entry_and_expire_by_time() {
        let (mut c, path) = db();
        let d = serde_json::json!({"x": 1});
        let s = SuppressionRow {
            id: "sup_1".into(),
            event_id: "evt_1".into(),
            mac: Some("00:11:22:33:44:55".into()),
            device_dna: Some("dna:1".into()),
            switch: "core-sw-02".into(),
            port: "Gi1/0/24".into(),
            events: vec![EventType::DeviceDeparted],
            created_at: Timestamp(100),
            until: Timestamp(1_000),
            token_id: Some("tok_1".into()),
            operator: "op".into(),
            reason: "r".into(),
            note: None,
        };
        insert_suppression(&mut c, &s, &note("event.suppressed", "evt_1", &d)).unwrap();
        // The same id again: refused, and nothing of it written (not even its audit entry).
        assert!(insert_suppression(&mut c, &s, &note("event.suppressed", "evt_1", &d)).is_err());
        let audits: i64 = c
            .query_row("SELECT count(*) FROM api_audit", [], |r| r.get(0))
            .unwrap();
        assert_eq!(audits, 1);
        insert_window(
            &mut c,
            &win("cw_1", 200, 2_000),
            &note("change_window.created", "cw_1", &d),
        )
        .unwrap();
        insert_window(
            &mut c,
            &win("cw_2", 200, 500),
            &note("change_window.created", "cw_2", &d),
        )
        .unwrap();
        assert_eq!(active(&c, Timestamp(300)).unwrap().len(), 3);
        assert_eq!(active(&c, Timestamp(600)).unwrap().len(), 2);
        assert_eq!(active(&c, Timestamp(1_000)).unwrap().len(), 1);
        let got = suppressions_of(&c, "00:11:22:33:44:55", None, None).unwrap();
        assert_eq!(got, vec![s.clone()]);
        assert_eq!(got[0].view("hq", Timestamp(999)).status, "active");
        assert_eq!(got[0].view("hq", Timestamp(1_000)).status, "expired");

        let a = note("change_window.cancelled", "cw_1", &d);
        let Cancelled::Done(r) = cancel_window(&mut c, "cw_1", Timestamp(700), &a).unwrap() else {
            panic!("not cancelled");
        };
        assert_eq!(r.view("hq", Timestamp(800)).status, "cancelled");
        assert!(matches!(
            cancel_window(&mut c, "cw_1", Timestamp(800), &a).unwrap(),
            Cancelled::Already(_)
        ));
        assert_eq!(
            cancel_window(&mut c, "cw_9", Timestamp(800), &a).unwrap(),
            Cancelled::Unknown
        );
        assert_eq!(active(&c, Timestamp(800)).unwrap().len(), 1);
        let (all, more) = windows(&c, 0, 1, false, Timestamp(800)).unwrap();
        assert_eq!((all.len(), more), (1, true));
        let (rest, more) = windows(&c, all[0].seq, 10, false, Timestamp(800)).unwrap();
        assert_eq!((rest.len(), more), (1, false));
        let (cur, _) = windows(&c, 0, 10, true, Timestamp(300)).unwrap();
        assert_eq!(
            cur.iter().map(|w| w.id.as_str()).collect::<Vec<_>>(),
            ["cw_2"]
        );
        assert!(
            cur[0].selects("CORE-SW-02", "Gi1/0/3") && !cur[0].selects("core-sw-02", "Gi1/0/30")
        );
        let audits: i64 = c
            .query_row("SELECT count(*) FROM api_audit", [], |r| r.get(0))
            .unwrap();
        assert_eq!(audits, 4);
        drop(c);
        let _ = std::fs::remove_file(path);
    }
}
