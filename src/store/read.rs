//! Reading state back: what a restart resumes from, and what `replay` and the API show.

use rusqlite::{Connection, params};

use super::StoreError;
use super::rows::{DeviceRow, PortStateRow, blob_vector};
use crate::clock::Timestamp;
use crate::event::Event;

/// Every port's engine state.
pub fn port_states(c: &Connection) -> Result<Vec<PortStateRow>, StoreError> {
    let e = StoreError::sqlite("reading port state");
    let mut st = c
        .prepare(
            "SELECT switch, port, baseline, state, updated_at, baseline_meta FROM port_state \
             ORDER BY switch, port",
        )
        .map_err(e)?;
    let rows = st
        .query_map([], |r| {
            let blob: Option<Vec<u8>> = r.get(2)?;
            Ok(PortStateRow {
                switch: r.get(0)?,
                port: r.get(1)?,
                baseline: blob.as_deref().and_then(blob_vector),
                state: r.get(3)?,
                updated_at: Timestamp(r.get(4)?),
                baseline_meta: r.get(5)?,
            })
        })
        .map_err(StoreError::sqlite("reading port state"))?;
    rows.collect::<Result<_, _>>()
        .map_err(StoreError::sqlite("reading port state"))
}

/// The latest sensor time the store holds (a port state's last write, an event), if any: a
/// restarted daemon's time starts no earlier.
pub fn latest_time(c: &Connection) -> Result<Option<Timestamp>, StoreError> {
    c.query_row(
        "SELECT MAX(t) FROM (SELECT MAX(updated_at) AS t FROM port_state \
         UNION ALL SELECT MAX(ts) FROM events)",
        [],
        |r| r.get::<_, Option<i64>>(0),
    )
    .map(|t| t.map(Timestamp))
    .map_err(StoreError::sqlite("reading the latest stored time"))
}

/// Every device, by MAC.
pub fn devices(c: &Connection) -> Result<Vec<DeviceRow>, StoreError> {
    let mut st = c
        .prepare(
            "SELECT mac, switch, port, vendor, model, class, confidence, ndaa_status, serial, dna, tokens,
                    first_seen, last_seen, observations, vlan, ip FROM devices ORDER BY mac",
        )
        .map_err(StoreError::sqlite("reading devices"))?;
    let rows = st
        .query_map([], |r| {
            Ok(DeviceRow {
                mac: r.get(0)?,
                switch: r.get(1)?,
                port: r.get(2)?,
                vendor: r.get(3)?,
                model: r.get(4)?,
                class: r.get(5)?,
                confidence: r.get(6)?,
                ndaa_status: r.get(7)?,
                serial: r.get(8)?,
                dna: r.get(9)?,
                tokens: r.get(10)?,
                first_seen: Timestamp(r.get(11)?),
                last_seen: Timestamp(r.get(12)?),
                observations: r.get::<_, i64>(13)?.max(0) as u64,
                vlan: r
                    .get::<_, Option<i64>>(14)?
                    .and_then(|v| u16::try_from(v).ok()),
                ip: r.get(15)?,
            })
        })
        .map_err(StoreError::sqlite("reading devices"))?;
    rows.collect::<Result<_, _>>()
        .map_err(StoreError::sqlite("reading devices"))
}

/// Events in the order raised, after `after_seq` (0 for all), at most `limit`.
pub fn events(
    c: &Connection,
    after_seq: i64,
    limit: usize,
) -> Result<Vec<(i64, Event)>, StoreError> {
    let mut st = c
        .prepare("SELECT seq, json FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2")
        .map_err(StoreError::sqlite("reading events"))?;
    let rows = st
        .query_map(
            params![after_seq, limit.min(i64::MAX as usize) as i64],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
        )
        .map_err(StoreError::sqlite("reading events"))?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, json) = row.map_err(StoreError::sqlite("reading events"))?;
        // A row this build cannot read (written by another version) is skipped, not fatal.
        if let Ok(ev) = serde_json::from_str::<Event>(&json) {
            out.push((seq, ev));
        }
    }
    Ok(out)
}

/// Row counts of the inventory tables, for logs and tests.
pub fn counts(c: &Connection) -> Result<Vec<(&'static str, i64)>, StoreError> {
    let mut out = Vec::new();
    for t in [
        "switches",
        "ports",
        "devices",
        "port_state",
        "observations",
        "events",
    ] {
        let n: i64 = c
            .query_row(&format!("SELECT COUNT(*) FROM {t}"), [], |r| r.get(0))
            .map_err(StoreError::sqlite("counting rows"))?;
        out.push((t, n));
    }
    Ok(out)
}
