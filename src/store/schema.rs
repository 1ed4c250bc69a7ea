//! The sensor's inventory and history tables (store migration 2).
//!
//! Times are microseconds since the Unix epoch (UTC) in INTEGER columns; DNA vectors are
//! little-endian f32 BLOBs. `devices` is keyed by MAC (a device is on one port at a time; a move
//! updates its row), `port_state` by (switch, port): the engine's per-port state with the
//! baseline that outlives its occupant. `observations` is the compact timeline the API serves:
//! one row when a device is first seen on a port, when its DNA changes, or when it speaks a
//! protocol for the first time there, not one per frame. `events` keeps every event raised, in
//! the order raised, written in the same transaction that puts it in the syslog outbox.

/// Migration 2's SQL.
pub const V2: &str = "
CREATE TABLE switches (
    name TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    reason TEXT,
    sys_descr TEXT,
    sys_object_id TEXT,
    model TEXT,
    serial TEXT,
    polled_at INTEGER NOT NULL
);
CREATE TABLE ports (
    switch TEXT NOT NULL,
    port TEXT NOT NULL,
    if_index INTEGER,
    alias TEXT,
    oper_status TEXT,
    speed_mbps INTEGER,
    uplink INTEGER NOT NULL DEFAULT 0,
    macs INTEGER NOT NULL DEFAULT 0,
    poe_class INTEGER,
    dot1x TEXT,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (switch, port)
);
CREATE TABLE devices (
    mac TEXT PRIMARY KEY,
    switch TEXT,
    port TEXT,
    vendor TEXT,
    model TEXT,
    class TEXT,
    confidence REAL,
    ndaa_status TEXT,
    serial TEXT,
    dna TEXT,
    tokens TEXT,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    observations INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX devices_port ON devices (switch, port);
CREATE TABLE port_state (
    switch TEXT NOT NULL,
    port TEXT NOT NULL,
    baseline BLOB,
    state TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (switch, port)
);
CREATE TABLE observations (
    id INTEGER PRIMARY KEY,
    mac TEXT NOT NULL,
    ts INTEGER NOT NULL,
    switch TEXT,
    port TEXT,
    proto TEXT NOT NULL,
    via TEXT,
    dna TEXT
);
CREATE INDEX observations_mac_ts ON observations (mac, ts);
CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    ts INTEGER NOT NULL,
    event TEXT NOT NULL,
    severity TEXT NOT NULL,
    switch TEXT,
    port TEXT NOT NULL,
    mac TEXT,
    json TEXT NOT NULL
);
CREATE INDEX events_ts ON events (ts);
CREATE INDEX events_port ON events (switch, port, ts);
";

/// Migration 3's SQL: the baseline's tokens and counters (`baseline_meta`, JSON) get their own
/// column, written with the vector only when the baseline changed, so that the port state a
/// sighting changes (timestamps, counters) is a small write. Rows written before keep the
/// baseline inside `state`, which restore still reads.
pub const V3: &str = "
ALTER TABLE port_state ADD COLUMN baseline_meta TEXT;
";
