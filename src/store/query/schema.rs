//! Store migrations 4 and 5: what the API reads by and writes.
//!
//! - `devices.vlan` / `devices.ip`: the VLAN and IPv4 address a device was last seen with (the
//!   inventory's `vlan` and `ip` filters); written by the pipeline with the rest of the row.
//! - Indexes for the API's look-ups: devices by DNA and IP, events by MAC and by the DNAs they
//!   carry (expression indexes over the stored JSON, so the event rows keep one format).
//! - `api_issue_codes`, `api_tokens`: single-use issue codes and bearer tokens, secrets stored
//!   only as keyed BLAKE3 hashes (the key lives in the data directory, not in the database).
//! - `api_audit`: the append-only audit trail of acknowledge, suppress, change-window and
//!   quarantine calls and of token life-cycle changes; triggers refuse UPDATE and DELETE.

/// Migration 4's SQL.
pub const V4: &str = "
ALTER TABLE devices ADD COLUMN vlan INTEGER;
ALTER TABLE devices ADD COLUMN ip TEXT;
CREATE INDEX devices_dna ON devices (dna);
CREATE INDEX devices_ip ON devices (ip);
CREATE INDEX events_mac ON events (mac, seq);
CREATE INDEX events_device_dna ON events (json_extract(json, '$.device_dna'));
CREATE INDEX events_previous_dna ON events (json_extract(json, '$.previous_dna'));
CREATE INDEX events_current_dna ON events (json_extract(json, '$.current_dna'));
CREATE TABLE api_issue_codes (
    id INTEGER PRIMARY KEY,
    code_hash BLOB NOT NULL UNIQUE,
    name TEXT,
    scope TEXT NOT NULL,
    ip_allowlist TEXT NOT NULL,
    token_lifetime_secs INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    token_id TEXT
);
CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    secret_hash BLOB NOT NULL,
    name TEXT,
    scope TEXT NOT NULL,
    ip_allowlist TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    predecessor TEXT,
    successor TEXT,
    revoked_at INTEGER,
    last_used_at INTEGER,
    warned_days INTEGER
);
CREATE TABLE api_audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    ts INTEGER NOT NULL,
    request_id TEXT,
    token_id TEXT,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX api_audit_target ON api_audit (target, seq);
CREATE TRIGGER api_audit_no_update BEFORE UPDATE ON api_audit
BEGIN SELECT RAISE(ABORT, 'api_audit is append-only'); END;
CREATE TRIGGER api_audit_no_delete BEFORE DELETE ON api_audit
BEGIN SELECT RAISE(ABORT, 'api_audit is append-only'); END;
";

/// Migration 5's SQL: the device timeline's look-up of observations by DNA.
pub const V5: &str = "
CREATE INDEX observations_dna ON observations (dna);
";

/// Migration 9's SQL: every DNA's token list, kept once per DNA (a device row only holds its
/// current DNA's), so the device timeline can show the feature values behind each change.
/// Seeded from the device rows already stored.
pub const V9: &str = "
CREATE TABLE dna_tokens (
    dna TEXT PRIMARY KEY,
    tokens TEXT NOT NULL,
    first_seen INTEGER NOT NULL
) WITHOUT ROWID;
INSERT OR IGNORE INTO dna_tokens (dna, tokens, first_seen)
    SELECT dna, tokens, first_seen FROM devices WHERE dna IS NOT NULL AND tokens IS NOT NULL;
";
