//! The durable outbox: one append-only log of events in SQLite and one cursor per destination.
//!
//! Every destination receives the same stream in the same order, so events are stored once
//! (`emit_outbox`, sequence numbers from `AUTOINCREMENT`, never reused) and each destination
//! keeps the sequence number up to which delivery is confirmed (`emit_cursor.acked`). Rows every
//! destination has confirmed are deleted. A destination added later starts at the end of the
//! log; a cursor whose destination left the configuration is removed (so it does not hold rows
//! forever). Bound: when a destination's backlog exceeds its `outbox_max_events`, its cursor
//! skips the oldest events (counted in `emit_cursor.dropped` and the metrics, logged at ERROR).
//! The store's retention pass ([`crate::store::retention`]) bounds the log itself: rows every
//! destination confirmed go ([`prune_acked_in`]; with no destination at all, every row: nobody
//! will ever read it), and beyond `[retention] outbox_max_rows` rows or `outbox_max_age_days`
//! days the oldest are dropped ([`cap_in`]): each destination that had not confirmed them has
//! its cursor moved past them, its `dropped` count raised and an ERROR line naming it. Rows
//! carry their event's time (`ts`, store migration 8) for the age bound.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};

use crate::clock::Timestamp;
use crate::event::Event;
use crate::store::{self, StoreError};

/// The outbox tables (store migration 1).
pub const SCHEMA: &str = "
CREATE TABLE emit_outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL,
    event TEXT NOT NULL
);
CREATE TABLE emit_cursor (
    destination TEXT PRIMARY KEY,
    acked INTEGER NOT NULL,
    sent INTEGER NOT NULL DEFAULT 0,
    dropped INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
";

/// One stored event waiting for delivery.
#[derive(Debug, Clone)]
pub struct Row {
    /// Position in the log.
    pub seq: i64,
    /// The event as JSON.
    pub json: String,
}

/// A connection to the outbox (one per thread).
#[derive(Debug)]
pub struct Outbox {
    conn: Connection,
}

impl Outbox {
    /// Opens the database (applying migrations).
    pub fn open(path: &Path) -> Result<Outbox, StoreError> {
        Ok(Outbox {
            conn: store::open(path)?,
        })
    }

    /// Makes the cursors match `names`: missing ones start at the end of the log, others are
    /// removed. Returns the names removed.
    pub fn register(&mut self, names: &[&str]) -> Result<Vec<String>, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(StoreError::sqlite("registering destinations"))?;
        let tail = last_seq(&tx)?;
        for n in names {
            tx.execute(
                "INSERT OR IGNORE INTO emit_cursor (destination, acked) VALUES (?1, ?2)",
                params![n, tail],
            )
            .map_err(StoreError::sqlite("adding a destination cursor"))?;
        }
        let existing: Vec<String> = {
            let mut st = tx
                .prepare("SELECT destination FROM emit_cursor")
                .map_err(StoreError::sqlite("listing cursors"))?;
            st.query_map([], |r| r.get(0))
                .map_err(StoreError::sqlite("listing cursors"))?
                .collect::<Result<_, _>>()
                .map_err(StoreError::sqlite("listing cursors"))?
        };
        let removed: Vec<String> = existing
            .into_iter()
            .filter(|e| !names.contains(&e.as_str()))
            .collect();
        for r in &removed {
            tx.execute("DELETE FROM emit_cursor WHERE destination = ?1", [r])
                .map_err(StoreError::sqlite("removing a cursor"))?;
        }
        tx.commit()
            .map_err(StoreError::sqlite("registering destinations"))?;
        Ok(removed)
    }

    /// Appends events in one transaction; when it returns they are durable. Returns the
    /// sequence number of the last one.
    pub fn enqueue(&mut self, events: &[Event]) -> Result<i64, StoreError> {
        let tx = self
            .conn
            .transaction()
            .map_err(StoreError::sqlite("enqueueing events"))?;
        let last = enqueue_in(&tx, events)?;
        tx.commit()
            .map_err(StoreError::sqlite("enqueueing events"))?;
        Ok(last)
    }

    /// Up to `limit` events after `after`, in order.
    pub fn fetch(&mut self, after: i64, limit: usize) -> Result<Vec<Row>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT seq, event FROM emit_outbox WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            )
            .map_err(StoreError::sqlite("reading the outbox"))?;
        st.query_map(params![after, limit as i64], |r| {
            Ok(Row {
                seq: r.get(0)?,
                json: r.get(1)?,
            })
        })
        .map_err(StoreError::sqlite("reading the outbox"))?
        .collect::<Result<_, _>>()
        .map_err(StoreError::sqlite("reading the outbox"))
    }

    /// The destination's confirmed position (`None` when not registered).
    pub fn cursor(&mut self, name: &str) -> Result<Option<i64>, StoreError> {
        self.conn
            .query_row(
                "SELECT acked FROM emit_cursor WHERE destination = ?1",
                [name],
                |r| r.get(0),
            )
            .optional()
            .map_err(StoreError::sqlite("reading a cursor"))
    }

    /// Records confirmed delivery up to `acked` (plus sent/dropped counts), then deletes the
    /// rows every destination has confirmed.
    pub fn commit(
        &mut self,
        name: &str,
        acked: i64,
        sent_delta: u64,
        dropped_delta: u64,
    ) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(StoreError::sqlite("committing a cursor"))?;
        tx.execute(
            "UPDATE emit_cursor SET acked = MAX(acked, ?2), sent = sent + ?3, dropped = dropped + ?4,
                 updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE destination = ?1",
            params![name, acked, sent_delta as i64, dropped_delta as i64],
        )
        .map_err(StoreError::sqlite("committing a cursor"))?;
        tx.execute(
            "DELETE FROM emit_outbox WHERE seq <= (SELECT MIN(acked) FROM emit_cursor)",
            [],
        )
        .map_err(StoreError::sqlite("pruning the outbox"))?;
        tx.commit()
            .map_err(StoreError::sqlite("committing a cursor"))
    }

    /// The highest sequence number ever assigned (0 for an empty log).
    pub fn tail(&mut self) -> Result<i64, StoreError> {
        last_seq(&self.conn)
    }

    /// Events stored and not yet confirmed by every destination.
    pub fn len(&mut self) -> Result<u64, StoreError> {
        self.conn
            .query_row("SELECT COUNT(*) FROM emit_outbox", [], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| n as u64)
            .map_err(StoreError::sqlite("counting the outbox"))
    }

    /// Whether the log holds no event.
    pub fn is_empty(&mut self) -> Result<bool, StoreError> {
        Ok(self.len()? == 0)
    }

    /// Per destination: (name, acked, sent, dropped).
    pub fn cursors(&mut self) -> Result<Vec<(String, i64, u64, u64)>, StoreError> {
        let mut st = self
            .conn
            .prepare(
                "SELECT destination, acked, sent, dropped FROM emit_cursor ORDER BY destination",
            )
            .map_err(StoreError::sqlite("listing cursors"))?;
        st.query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get::<_, i64>(2)? as u64,
                r.get::<_, i64>(3)? as u64,
            ))
        })
        .map_err(StoreError::sqlite("listing cursors"))?
        .collect::<Result<_, _>>()
        .map_err(StoreError::sqlite("listing cursors"))
    }
}

/// Appends events to the outbox inside the caller's transaction (the store writes an event to
/// its history and to the outbox atomically); returns the sequence number of the last one.
/// The caller wakes the emitter ([`super::Emitter::notify`]) after committing.
pub fn enqueue_in(conn: &Connection, events: &[Event]) -> Result<i64, StoreError> {
    {
        let mut st = conn
            .prepare_cached("INSERT INTO emit_outbox (event_id, event, ts) VALUES (?1, ?2, ?3)")
            .map_err(StoreError::sqlite("enqueueing events"))?;
        let mut json = Vec::with_capacity(1024);
        let mut id = Vec::with_capacity(32);
        for e in events {
            json.clear();
            id.clear();
            serde_json::to_writer(&mut json, e).expect("events always serialise");
            e.event_id.write_to(&mut id);
            // Both are UTF-8: JSON from serde_json, the id is ASCII.
            let (json, id) = (
                std::str::from_utf8(&json).expect("JSON is UTF-8"),
                std::str::from_utf8(&id).expect("ids are ASCII"),
            );
            st.execute(params![id, json, e.timestamp.0])
                .map_err(StoreError::sqlite("enqueueing events"))?;
        }
    }
    last_seq(conn)
}

/// As [`enqueue_in`], for events already serialised: `(event id, event JSON, event time)`
/// triples (the store writes the same JSON to its history, so it is serialised once).
pub fn enqueue_json_in<'a>(
    conn: &Connection,
    events: impl IntoIterator<Item = (&'a str, &'a str, Timestamp)>,
) -> Result<i64, StoreError> {
    {
        let mut st = conn
            .prepare_cached("INSERT INTO emit_outbox (event_id, event, ts) VALUES (?1, ?2, ?3)")
            .map_err(StoreError::sqlite("enqueueing events"))?;
        for (id, json, ts) in events {
            st.execute(params![id, json, ts.0])
                .map_err(StoreError::sqlite("enqueueing events"))?;
        }
    }
    last_seq(conn)
}

/// Deletes up to `batch` rows that every destination confirmed, oldest first (every row when no
/// destination is registered: none will read them, and one added later starts at the tail).
/// Returns (rows deleted, whether a destination is registered). Runs in the caller's
/// transaction.
pub fn prune_acked_in(conn: &Connection, batch: usize) -> Result<(u64, bool), StoreError> {
    let e = StoreError::sqlite("pruning the confirmed outbox");
    let floor: Option<i64> = conn
        .query_row("SELECT MIN(acked) FROM emit_cursor", [], |r| r.get(0))
        .map_err(e)?;
    let upto = floor.unwrap_or(i64::MAX);
    let n = conn
        .execute(
            "DELETE FROM emit_outbox WHERE seq IN
               (SELECT seq FROM emit_outbox WHERE seq <= ?1 ORDER BY seq LIMIT ?2)",
            params![upto, batch as i64],
        )
        .map_err(StoreError::sqlite("pruning the confirmed outbox"))?;
    Ok((n as u64, floor.is_some()))
}

/// What [`cap_in`] dropped for one destination that had not confirmed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapDrop {
    /// The destination.
    pub destination: String,
    /// Rows it had not confirmed that were dropped.
    pub rows: u64,
}

/// Drops up to `batch` of the oldest rows beyond the bounds: more than `max_rows` rows, or an
/// event older than `older_than` (rows from before migration 8 take their event's time from
/// `events`). Each destination that had not confirmed a dropped row has its cursor moved past
/// it and its `dropped` count raised. Returns (rows deleted, the per-destination drops).
/// Runs in the caller's transaction; logs nothing (the caller does).
pub fn cap_in(
    conn: &Connection,
    max_rows: i64,
    older_than: Timestamp,
    batch: usize,
) -> Result<(u64, Vec<CapDrop>), StoreError> {
    let e = StoreError::sqlite;
    // Rows are only ever deleted from the front, and AUTOINCREMENT leaves no gap: the log is
    // the contiguous range [min, max].
    let (min, max): (Option<i64>, Option<i64>) = conn
        .query_row("SELECT MIN(seq), MAX(seq) FROM emit_outbox", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .map_err(e("capping the outbox"))?;
    let (Some(min), Some(max)) = (min, max) else {
        return Ok((0, Vec::new()));
    };
    let limit = min.saturating_add(batch.max(1) as i64 - 1);
    let by_rows = (max - min + 1 > max_rows).then(|| max - max_rows);
    let by_age: Option<i64> = conn
        .query_row(
            "SELECT MAX(o.seq) FROM (SELECT seq, event_id, ts FROM emit_outbox
               WHERE seq <= ?1 ORDER BY seq) o
             WHERE COALESCE(o.ts, (SELECT e.ts FROM events e WHERE e.event_id = o.event_id)) < ?2",
            params![limit, older_than.0],
            |r| r.get(0),
        )
        .map_err(e("capping the outbox"))?;
    let Some(cut) = by_rows.max(by_age).map(|c| c.min(limit)) else {
        return Ok((0, Vec::new()));
    };
    let mut drops = Vec::new();
    {
        let mut st = conn
            .prepare_cached("SELECT destination, acked FROM emit_cursor WHERE acked < ?1")
            .map_err(e("capping the outbox"))?;
        let rows = st
            .query_map([cut], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .map_err(e("capping the outbox"))?;
        for row in rows {
            let (destination, acked) = row.map_err(e("capping the outbox"))?;
            drops.push(CapDrop {
                destination,
                rows: (cut - acked.max(min - 1)).max(0) as u64,
            });
        }
    }
    for d in &drops {
        conn.execute(
            "UPDATE emit_cursor SET acked = MAX(acked, ?2), dropped = dropped + ?3,
                 updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE destination = ?1",
            params![d.destination, cut, d.rows as i64],
        )
        .map_err(e("capping the outbox"))?;
    }
    let n = conn
        .execute("DELETE FROM emit_outbox WHERE seq <= ?1", [cut])
        .map_err(e("capping the outbox"))?;
    Ok((n as u64, drops))
}

fn last_seq(conn: &Connection) -> Result<i64, StoreError> {
    conn.query_row(
        "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'emit_outbox'), 0)",
        [],
        |r| r.get(0),
    )
    .map_err(StoreError::sqlite("reading the outbox tail"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Timestamp;
    use crate::event::{EventType, sample};

    fn tmp(name: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("cybriq-outbox-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d.join("db.sqlite3")
    }

    fn evs(n: u64) -> Vec<Event> {
        (0..n)
            .map(|i| sample::event(EventType::DeviceAppeared, Timestamp(0), i as u128, "s"))
            .collect()
    }

    #[test]
    fn cursors_prune_and_never_reuse_sequence_numbers() {
        let p = tmp("prune");
        let mut o = Outbox::open(&p).unwrap();
        o.register(&["a", "b"]).unwrap();
        assert_eq!(o.enqueue(&evs(5)).unwrap(), 5);
        let rows = o.fetch(0, 3).unwrap();
        assert_eq!(rows.iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 2, 3]);
        let back: Event = serde_json::from_str(&rows[0].json).unwrap();
        assert_eq!(back.event, EventType::DeviceAppeared);
        o.commit("a", 5, 5, 0).unwrap();
        assert_eq!(o.len().unwrap(), 5, "b has confirmed nothing");
        o.commit("b", 5, 5, 0).unwrap();
        assert!(o.is_empty().unwrap());
        // Sequence numbers continue after the log emptied.
        assert_eq!(o.enqueue(&evs(1)).unwrap(), 6);
        // A new destination starts at the tail; a removed one stops holding rows.
        let removed = o.register(&["a", "c"]).unwrap();
        assert_eq!(removed, ["b"]);
        assert_eq!(o.cursor("c").unwrap(), Some(6));
        o.commit("a", 6, 1, 0).unwrap();
        assert!(o.is_empty().unwrap());
        // The state survives reopening.
        drop(o);
        let mut o = Outbox::open(&p).unwrap();
        assert_eq!(o.cursor("a").unwrap(), Some(6));
        assert_eq!(o.cursors().unwrap()[0], ("a".to_string(), 6, 6, 0));
        let _ = std::fs::remove_dir_all(p.parent().unwrap());
    }
}
