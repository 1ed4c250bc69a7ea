//! [`ReadStore`] over the appliance's SQLite database: a few connections of its own (WAL lets
//! them read while the writer commits), each query one statement with bound parameters.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};

use super::{
    AuditEntry, Changed, Cursor, DeviceDetail, DeviceSummary, DiffEntry, EventFilter,
    InventoryFilter, Page, ReadStore, Signal, SimilarityPoint, StoredEvent, TimelinePoint, changes,
    rfc3339_secs,
};
use crate::clock::Timestamp;
use crate::store::StoreError;
use crate::store::controls::{self, ChangeWindowRow, SuppressionRow};

/// Connections kept for readers.
const POOL: usize = 4;
/// Events listed in a device's record at most.
const DEVICE_EVENTS: i64 = 1000;

/// The appliance's read side: the sensor database at `path`, for the site `site` (an
/// appliance is one site; its devices carry no site column).
#[derive(Debug)]
pub struct SqliteRead {
    site: String,
    pool: Pool,
    /// A connection that only reads `PRAGMA data_version` (which changes when any other
    /// connection, of any process, commits).
    watch: Mutex<Connection>,
}

/// A few connections to one database, each used by one thread at a time.
#[derive(Debug)]
pub struct Pool {
    conns: Vec<Mutex<Connection>>,
    next: AtomicUsize,
}

impl Pool {
    /// Opens (and migrates) `n` connections to the database at `path`.
    pub fn open(path: &Path, n: usize) -> Result<Pool, StoreError> {
        let mut conns = Vec::with_capacity(n.max(1));
        for _ in 0..n.max(1) {
            conns.push(Mutex::new(crate::store::open(path)?));
        }
        Ok(Pool {
            conns,
            next: AtomicUsize::new(0),
        })
    }

    /// Runs `f` on a free connection (waiting for one when all are busy).
    pub fn with<T, E>(&self, f: impl FnOnce(&mut Connection) -> Result<T, E>) -> Result<T, E> {
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let n = self.conns.len();
        for i in 0..n {
            if let Ok(mut c) = self.conns[(start + i) % n].try_lock() {
                return f(&mut c);
            }
        }
        let mut c = self.conns[start % n]
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        f(&mut c)
    }
}

const DEVICE_COLUMNS: &str = "mac, switch, port, vendor, model, class, confidence, ndaa_status, \
     dna, first_seen, last_seen, vlan, ip, serial, tokens";

impl SqliteRead {
    /// Opens (and migrates) the database.
    pub fn open(path: &Path, site: &str) -> Result<SqliteRead, StoreError> {
        Ok(SqliteRead {
            site: site.to_owned(),
            pool: Pool::open(path, POOL)?,
            watch: Mutex::new(crate::store::open(path)?),
        })
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.pool.with(|c| f(c))
    }

    fn summary(&self, r: &rusqlite::Row<'_>) -> rusqlite::Result<DeviceSummary> {
        let vendor: Option<String> = r.get(3)?;
        let model: Option<String> = r.get(4)?;
        Ok(DeviceSummary {
            mac: r.get(0)?,
            switch: r.get(1)?,
            port: r.get(2)?,
            vendor: vendor_model(vendor, model),
            class: r.get(5)?,
            confidence: r.get(6)?,
            ndaa_status: r
                .get::<_, Option<String>>(7)?
                .unwrap_or_else(|| "unknown".into()),
            device_dna: r.get(8)?,
            first_seen: rfc3339_secs(Timestamp(r.get(9)?)),
            last_seen: rfc3339_secs(Timestamp(r.get(10)?)),
            vlan: r
                .get::<_, Option<i64>>(11)?
                .and_then(|v| u16::try_from(v).ok()),
            ip: r.get(12)?,
            site: self.site.clone(),
        })
    }

    /// The WHERE clause of an inventory filter; `None` when nothing can match (another site).
    fn inventory_where(&self, f: &InventoryFilter) -> Option<(String, Vec<Value>)> {
        if f.site.as_ref().is_some_and(|s| *s != self.site) {
            return None;
        }
        let mut w = Where::default();
        w.eq("mac", f.mac.clone());
        w.eq("switch", f.switch.clone());
        w.eq("port", f.port.clone());
        w.eq("ip", f.ip.clone());
        if let Some(v) = f.vlan {
            w.push("vlan = ?", Value::Integer(v.into()));
        }
        if let Some(s) = &f.ndaa_status {
            w.push(
                "COALESCE(ndaa_status, 'unknown') = ?",
                Value::Text(s.clone()),
            );
        }
        if let Some(v) = &f.vendor {
            w.push(
                "instr(lower(COALESCE(vendor, '') || ' ' || COALESCE(model, '')), lower(?)) > 0",
                Value::Text(v.clone()),
            );
        }
        if let Some(t) = f.first_seen_after {
            w.push("first_seen > ?", Value::Integer(t.0));
        }
        if let Some(t) = f.last_seen_before {
            w.push("last_seen < ?", Value::Integer(t.0));
        }
        Some((w.sql(), w.values))
    }

    fn event_where(f: &EventFilter, w: &mut Where) {
        if let Some(s) = &f.site {
            w.push("json_extract(json, '$.site') = ?", Value::Text(s.clone()));
        }
        w.eq("switch", f.switch.clone());
        w.eq("port", f.port.clone());
        if let Some(t) = f.since {
            w.push("ts >= ?", Value::Integer(t.0));
        }
        if let Some(t) = f.until {
            w.push("ts < ?", Value::Integer(t.0));
        }
    }
}

/// "Vendor Model", or whichever is known.
fn vendor_model(vendor: Option<String>, model: Option<String>) -> Option<String> {
    match (vendor, model) {
        (Some(v), Some(m)) if !m.is_empty() && !m.starts_with(&v) => Some(format!("{v} {m}")),
        (Some(_), Some(m)) if !m.is_empty() => Some(m),
        (Some(v), _) => Some(v),
        (None, m) => m,
    }
}

/// A device's controls, event ids and similarity history.
type DeviceExtras = (Vec<String>, Vec<String>, Vec<SimilarityPoint>);

/// A conjunction of conditions with their bound values.
#[derive(Default)]
struct Where {
    terms: Vec<String>,
    values: Vec<Value>,
}

impl Where {
    fn push(&mut self, term: &str, v: Value) {
        self.terms.push(term.to_owned());
        self.values.push(v);
    }

    fn eq(&mut self, column: &str, v: Option<String>) {
        if let Some(v) = v {
            self.push(&format!("{column} = ?"), Value::Text(v));
        }
    }

    fn sql(&self) -> String {
        if self.terms.is_empty() {
            "1".into()
        } else {
            self.terms.join(" AND ")
        }
    }
}

fn sqlite(context: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    StoreError::sqlite(context)
}

fn limit_plus_one(limit: usize) -> Value {
    Value::Integer(i64::try_from(limit).unwrap_or(i64::MAX - 1).max(1) + 1)
}

/// Splits `limit + 1` fetched rows into a page.
fn page<T>(mut items: Vec<T>, limit: usize, key: impl Fn(&T) -> Cursor) -> Page<T> {
    let limit = limit.max(1);
    let next = if items.len() > limit {
        items.truncate(limit);
        items.last().map(key)
    } else {
        None
    };
    Page { items, next }
}

fn stored_event(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, i64, String)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
}

fn parse_events(rows: Vec<(i64, i64, String)>) -> Vec<StoredEvent> {
    rows.into_iter()
        .filter_map(|(seq, ts, json)| {
            // A row this build cannot read is skipped (never a 500 for the whole page).
            let json = serde_json::from_str(&json).ok()?;
            Some(StoredEvent {
                seq,
                ts: Timestamp(ts),
                json,
            })
        })
        .collect()
}

impl SqliteRead {
    fn query_events(
        &self,
        c: &Connection,
        w: &Where,
        limit: usize,
    ) -> Result<Page<StoredEvent>, StoreError> {
        let sql = format!(
            "SELECT seq, ts, json FROM events WHERE {} ORDER BY seq LIMIT ?",
            w.sql()
        );
        let mut st = c.prepare_cached(&sql).map_err(sqlite("reading events"))?;
        let mut values = w.values.clone();
        values.push(limit_plus_one(limit));
        let rows = st
            .query_map(params_from_iter(values), stored_event)
            .map_err(sqlite("reading events"))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(sqlite("reading events"))?;
        let fetched = rows.len();
        let last_seq = rows.get(limit.max(1) - 1).map(|r| r.0);
        let mut p = page(parse_events(rows), limit, |e| Cursor::Event(e.seq));
        // Unreadable rows were dropped: page on the fetched rows, not the parsed ones.
        p.next = (fetched > limit.max(1)).then(|| Cursor::Event(last_seq.unwrap_or(0)));
        Ok(p)
    }

    fn device_extras(
        &self,
        c: &Connection,
        summary: &DeviceSummary,
    ) -> Result<DeviceExtras, StoreError> {
        let dna = summary.device_dna.clone().unwrap_or_default();
        let mut st = c
            .prepare_cached(
                "SELECT seq, ts, json FROM events WHERE mac = ?1 \
                   OR json_extract(json, '$.device_dna') = ?2 \
                   OR json_extract(json, '$.current_dna') = ?2 \
                   OR json_extract(json, '$.previous_dna') = ?2 \
                 ORDER BY seq DESC LIMIT ?3",
            )
            .map_err(sqlite("reading a device's events"))?;
        let mut rows = st
            .query_map(
                rusqlite::params![summary.mac, dna, DEVICE_EVENTS],
                stored_event,
            )
            .map_err(sqlite("reading a device's events"))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(sqlite("reading a device's events"))?;
        rows.reverse();
        let events = parse_events(rows);
        let mut controls: Vec<String> = Vec::new();
        let mut ids = Vec::with_capacity(events.len());
        let mut history = Vec::new();
        for e in &events {
            let j = &e.json;
            let text = |k: &str| j.get(k).and_then(|v| v.as_str()).map(str::to_owned);
            let Some(id) = text("event_id") else { continue };
            if let Some(cs) = j.get("controls").and_then(|v| v.as_array())
                && text("port") == summary.port
            {
                controls = cs
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect();
            }
            if let Some(s) = j.get("similarity").and_then(|v| v.as_f64()) {
                history.push(SimilarityPoint {
                    event_id: id.clone(),
                    event: text("event").unwrap_or_default(),
                    timestamp: rfc3339_secs(e.ts),
                    similarity: s,
                    previous_dna: text("previous_dna"),
                });
            }
            ids.push(id);
        }
        Ok((controls, ids, history))
    }
}

impl ReadStore for SqliteRead {
    fn generation(&self) -> Option<u64> {
        let c = self.watch.lock().unwrap_or_else(|p| p.into_inner());
        c.prepare_cached("PRAGMA data_version")
            .and_then(|mut st| st.query_row([], |r| r.get::<_, i64>(0)))
            .ok()
            .map(|v| v as u64)
    }

    fn inventory(
        &self,
        f: &InventoryFilter,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<Page<DeviceSummary>, StoreError> {
        let Some((mut sql, mut values)) = self.inventory_where(f) else {
            return Ok(Page {
                items: Vec::new(),
                next: None,
            });
        };
        if let Some(Cursor::Device(mac)) = after {
            sql.push_str(" AND mac > ?");
            values.push(Value::Text(mac.clone()));
        }
        values.push(limit_plus_one(limit));
        let q = format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE {sql} ORDER BY mac LIMIT ?");
        self.with(|c| {
            let mut st = c
                .prepare_cached(&q)
                .map_err(sqlite("reading the inventory"))?;
            let items = st
                .query_map(params_from_iter(values), |r| self.summary(r))
                .map_err(sqlite("reading the inventory"))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(sqlite("reading the inventory"))?;
            Ok(page(items, limit, |d| Cursor::Device(d.mac.clone())))
        })
    }

    fn inventory_count(&self, f: &InventoryFilter) -> Result<u64, StoreError> {
        let Some((sql, values)) = self.inventory_where(f) else {
            return Ok(0);
        };
        let q = format!("SELECT COUNT(*) FROM devices WHERE {sql}");
        self.with(|c| {
            let n: i64 = c
                .prepare_cached(&q)
                .and_then(|mut st| st.query_row(params_from_iter(values), |r| r.get(0)))
                .map_err(sqlite("counting the inventory"))?;
            Ok(n.max(0) as u64)
        })
    }

    fn device(&self, dna: &str, seen_since: Timestamp) -> Result<Option<DeviceDetail>, StoreError> {
        self.with(|c| {
            let q = format!(
                "SELECT {DEVICE_COLUMNS} FROM devices WHERE dna = ?1 AND last_seen >= ?2 \
                 ORDER BY last_seen DESC, mac"
            );
            let mut st = c.prepare_cached(&q).map_err(sqlite("reading a device"))?;
            let mut found = st
                .query_map(rusqlite::params![dna, seen_since.0], |r| {
                    let s = self.summary(r)?;
                    let model: Option<String> = r.get(4)?;
                    let serial: Option<String> = r.get(13)?;
                    let tokens: Option<String> = r.get(14)?;
                    Ok((s, model, serial, tokens))
                })
                .map_err(sqlite("reading a device"))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(sqlite("reading a device"))?;
            if found.is_empty() {
                return Ok(None);
            }
            let other_macs = found.iter().skip(1).map(|f| f.0.mac.clone()).collect();
            let (summary, model, serial, tokens) = found.swap_remove(0);
            let signals: Vec<Signal> = tokens
                .as_deref()
                .and_then(|t| serde_json::from_str(t).ok())
                .unwrap_or_default();
            let (controls, events, similarity_history) = self.device_extras(c, &summary)?;
            Ok(Some(DeviceDetail {
                summary,
                model,
                serial,
                controls,
                events,
                signals,
                similarity_history,
                other_macs,
                audit: Vec::new(),
                suppressions: Vec::new(),
                change_windows: Vec::new(),
            }))
        })
    }

    fn events(
        &self,
        f: &EventFilter,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<Page<StoredEvent>, StoreError> {
        let mut w = Where::default();
        SqliteRead::event_where(f, &mut w);
        if let Some(Cursor::Event(seq)) = after {
            w.push("seq > ?", Value::Integer(*seq));
        }
        self.with(|c| self.query_events(c, &w, limit))
    }

    fn events_by_device(
        &self,
        dna: &str,
        f: &EventFilter,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<Option<Page<StoredEvent>>, StoreError> {
        self.with(|c| {
            let known: bool = c
                .prepare_cached(
                    "SELECT EXISTS(SELECT 1 FROM devices WHERE dna = ?1) \
                         OR EXISTS(SELECT 1 FROM events WHERE json_extract(json, '$.device_dna') = ?1) \
                         OR EXISTS(SELECT 1 FROM events WHERE json_extract(json, '$.previous_dna') = ?1) \
                         OR EXISTS(SELECT 1 FROM events WHERE json_extract(json, '$.current_dna') = ?1)",
                )
                .and_then(|mut st| st.query_row([dna], |r| r.get(0)))
                .map_err(sqlite("looking a DNA up"))?;
            if !known {
                return Ok(None);
            }
            let mut w = Where::default();
            w.terms.push(
                "(json_extract(json, '$.device_dna') = ? OR json_extract(json, '$.current_dna') = ? \
                  OR json_extract(json, '$.previous_dna') = ? \
                  OR mac IN (SELECT mac FROM devices WHERE dna = ?))"
                    .into(),
            );
            for _ in 0..4 {
                w.values.push(Value::Text(dna.to_owned()));
            }
            SqliteRead::event_where(f, &mut w);
            if let Some(Cursor::Event(seq)) = after {
                w.push("seq > ?", Value::Integer(*seq));
            }
            self.query_events(c, &w, limit).map(Some)
        })
    }

    fn event(&self, event_id: &str, since: Timestamp) -> Result<Option<StoredEvent>, StoreError> {
        self.with(|c| {
            let rows = c
                .prepare_cached("SELECT seq, ts, json FROM events WHERE event_id = ?1 AND ts >= ?2")
                .and_then(|mut st| {
                    st.query_map(rusqlite::params![event_id, since.0], stored_event)?
                        .collect::<Result<Vec<_>, _>>()
                })
                .map_err(sqlite("reading an event"))?;
            Ok(parse_events(rows).into_iter().next())
        })
    }

    fn suppressions_of(
        &self,
        mac: &str,
        switch: Option<&str>,
        port: Option<&str>,
    ) -> Result<Vec<SuppressionRow>, StoreError> {
        self.with(|c| controls::suppressions_of(c, mac, switch, port))
    }

    fn change_windows(
        &self,
        after: Option<&Cursor>,
        limit: usize,
        current: bool,
        now: Timestamp,
    ) -> Result<Page<ChangeWindowRow>, StoreError> {
        let after = match after {
            Some(Cursor::ChangeWindow(seq)) => *seq,
            _ => 0,
        };
        self.with(|c| {
            let (items, more) = controls::windows(c, after, limit, current, now)?;
            let next = if more {
                items.last().map(|w| Cursor::ChangeWindow(w.seq))
            } else {
                None
            };
            Ok(Page { items, next })
        })
    }

    fn change_window(&self, id: &str) -> Result<Option<ChangeWindowRow>, StoreError> {
        self.with(|c| controls::window(c, id))
    }

    fn audit(&self, targets: &[String]) -> Result<Vec<AuditEntry>, StoreError> {
        if targets.is_empty() {
            return Ok(Vec::new());
        }
        let marks = vec!["?"; targets.len()].join(", ");
        let q = format!(
            "SELECT seq, ts, request_id, token_id, action, target, detail FROM api_audit \
             WHERE target IN ({marks}) ORDER BY seq"
        );
        self.with(|c| {
            let mut st = c.prepare(&q).map_err(sqlite("reading the audit trail"))?;
            st.query_map(params_from_iter(targets.iter()), |r| {
                let detail: String = r.get(6)?;
                Ok(AuditEntry {
                    seq: r.get(0)?,
                    at: rfc3339_secs(Timestamp(r.get(1)?)),
                    request_id: r.get(2)?,
                    token_id: r.get(3)?,
                    action: r.get(4)?,
                    target: r.get(5)?,
                    detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
                })
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(sqlite("reading the audit trail"))
        })
    }

    fn timeline(
        &self,
        dna: &str,
        f: &EventFilter,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<Option<Page<TimelinePoint>>, StoreError> {
        self.with(|c| self.timeline_rows(c, dna, f, after, limit))
    }

    fn inventory_diff(
        &self,
        baseline: Timestamp,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<Page<DiffEntry>, StoreError> {
        let after = match after {
            Some(Cursor::Device(m)) => m.clone(),
            _ => String::new(),
        };
        let q = format!(
            "SELECT {DEVICE_COLUMNS}, o.switch, o.port, o.dna FROM devices \
             LEFT JOIN observations o ON o.id = (SELECT id FROM observations \
                 WHERE observations.mac = devices.mac AND ts <= ?1 ORDER BY ts DESC, id DESC LIMIT 1) \
             WHERE devices.mac > ?2 AND (first_seen > ?1 OR last_seen <= ?1 OR (o.id IS NOT NULL \
                 AND (o.dna IS NOT devices.dna OR o.switch IS NOT devices.switch \
                      OR o.port IS NOT devices.port))) \
             ORDER BY devices.mac LIMIT ?3"
        )
        .replace("SELECT mac, switch, port,", "SELECT devices.mac, devices.switch, devices.port,")
        .replace(" dna, first_seen,", " devices.dna, first_seen,");
        self.with(|c| {
            let mut st = c
                .prepare_cached(&q)
                .map_err(sqlite("diffing the inventory"))?;
            let rows = st
                .query_map(
                    rusqlite::params![baseline.0, after, limit_plus_one(limit)],
                    |r| {
                        let s = self.summary(r)?;
                        let first: i64 = r.get(9)?;
                        let last: i64 = r.get(10)?;
                        let then: (Option<String>, Option<String>, Option<String>) =
                            (r.get(15)?, r.get(16)?, r.get(17)?);
                        Ok((s, first, last, then))
                    },
                )
                .map_err(sqlite("diffing the inventory"))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(sqlite("diffing the inventory"))?;
            let mut items = Vec::with_capacity(rows.len());
            for (s, first, last, (sw, port, dna)) in rows {
                items.push(if first > baseline.0 {
                    DiffEntry::Added(s)
                } else if last <= baseline.0 {
                    DiffEntry::Removed(s)
                } else {
                    let similarity = last_similarity(c, &s.mac, baseline)?;
                    DiffEntry::Changed(Changed {
                        port: s.port,
                        switch: s.switch,
                        mac: s.mac,
                        from: dna,
                        to: s.device_dna,
                        similarity,
                        previous_port: port,
                        previous_switch: sw,
                    })
                });
            }
            Ok(page(items, limit, |e| Cursor::Device(e.mac().to_owned())))
        })
    }
}

impl SqliteRead {
    fn timeline_rows(
        &self,
        c: &Connection,
        dna: &str,
        f: &EventFilter,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<Option<Page<TimelinePoint>>, StoreError> {
        let known: bool = c
            .prepare_cached(
                "SELECT EXISTS(SELECT 1 FROM devices WHERE dna = ?1) \
                     OR EXISTS(SELECT 1 FROM observations WHERE dna = ?1)",
            )
            .and_then(|mut st| st.query_row([dna], |r| r.get(0)))
            .map_err(sqlite("looking a DNA up"))?;
        if !known {
            return Ok(None);
        }
        let mut w = Where::default();
        w.push(
            "(dna = ? OR mac IN (SELECT mac FROM devices WHERE dna = ?))",
            Value::Text(dna.to_owned()),
        );
        w.values.push(Value::Text(dna.to_owned()));
        if let Some(t) = f.since {
            w.push("ts >= ?", Value::Integer(t.0));
        }
        if let Some(t) = f.until {
            w.push("ts < ?", Value::Integer(t.0));
        }
        if let Some(Cursor::Observation(id)) = after {
            w.push("id > ?", Value::Integer(*id));
        }
        let q = format!(
            "SELECT id, ts, mac, switch, port, proto, via, dna, \
                 (SELECT p.dna FROM observations p WHERE p.mac = observations.mac \
                     AND (p.ts < observations.ts OR (p.ts = observations.ts AND p.id < observations.id)) \
                     ORDER BY p.ts DESC, p.id DESC LIMIT 1) \
             FROM observations WHERE {} ORDER BY id LIMIT ?",
            w.sql()
        );
        let mut values = w.values;
        values.push(limit_plus_one(limit));
        let mut st = c.prepare_cached(&q).map_err(sqlite("reading a timeline"))?;
        let mut items = st
            .query_map(params_from_iter(values), |r| {
                Ok(TimelinePoint {
                    id: r.get(0)?,
                    timestamp: Timestamp(r.get(1)?).rfc3339_micros().to_string(),
                    mac: r.get(2)?,
                    switch: r.get(3)?,
                    port: r.get(4)?,
                    proto: r.get(5)?,
                    via: r.get(6)?,
                    device_dna: r.get(7)?,
                    previous_dna: r.get(8)?,
                    changed: None,
                })
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(sqlite("reading a timeline"))?;
        let mut known = HashMap::new();
        for p in &mut items {
            p.changed = feature_changes(c, &mut known, p)?;
        }
        Ok(Some(page(items, limit, |p| Cursor::Observation(p.id))))
    }
}

/// Feature values by DNA, as far as read (`None`: the DNA's tokens are not stored).
type KnownFeatures = HashMap<String, Option<BTreeMap<String, Vec<String>>>>;

/// The feature changes of a timeline entry (see [`TimelinePoint::changed`]).
fn feature_changes(
    c: &Connection,
    known: &mut KnownFeatures,
    p: &TimelinePoint,
) -> Result<Option<Vec<changes::FeatureChange>>, StoreError> {
    let (Some(before), Some(after)) = (&p.previous_dna, &p.device_dna) else {
        // A first entry: nothing before it to differ from.
        return Ok(p.previous_dna.is_none().then(Vec::new));
    };
    if before == after {
        return Ok(Some(Vec::new()));
    }
    for dna in [before, after] {
        if !known.contains_key(dna) {
            let f = dna_tokens(c, dna)?.and_then(|t| changes::features(&t));
            known.insert(dna.clone(), f);
        }
    }
    Ok(match (&known[before], &known[after]) {
        (Some(b), Some(a)) => Some(changes::diff(b, a)),
        _ => None,
    })
}

/// The stored token list of `dna`: its own row, else a device that still carries it.
fn dna_tokens(c: &Connection, dna: &str) -> Result<Option<String>, StoreError> {
    c.prepare_cached(
        "SELECT tokens FROM dna_tokens WHERE dna = ?1 \
         UNION ALL SELECT tokens FROM devices WHERE dna = ?1 AND tokens IS NOT NULL LIMIT 1",
    )
    .and_then(|mut st| {
        let mut rows = st.query([dna])?;
        match rows.next()? {
            Some(r) => r.get::<_, Option<String>>(0),
            None => Ok(None),
        }
    })
    .map_err(sqlite("reading a DNA's tokens"))
}

/// The similarity of the latest event raised for `mac` after `since` that carries one.
fn last_similarity(c: &Connection, mac: &str, since: Timestamp) -> Result<Option<f64>, StoreError> {
    c.prepare_cached(
        "SELECT json_extract(json, '$.similarity') FROM events WHERE mac = ?1 AND ts > ?2 \
         AND json_extract(json, '$.similarity') IS NOT NULL ORDER BY seq DESC LIMIT 1",
    )
    .and_then(|mut st| {
        let mut rows = st.query(rusqlite::params![mac, since.0])?;
        match rows.next()? {
            Some(r) => r.get::<_, Option<f64>>(0),
            None => Ok(None),
        }
    })
    .map_err(sqlite("reading a similarity"))
}
