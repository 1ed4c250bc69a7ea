//! The sensor's state: one SQLite database (WAL mode) with versioned migrations.
//!
//! [`open`] creates the file if needed, sets the connection up (WAL, `synchronous=NORMAL`: a
//! committed transaction survives a crash or `kill -9` of the sensor; a power cut may lose the
//! last few), and applies the migrations in [`migrations::MIGRATIONS`] that the database has not
//! seen, each in its own transaction, recording it in `schema_migrations`. Several processes and
//! threads may open the same file: each gets its own connection, writers wait for each other
//! (busy timeout) instead of failing. Every subsystem that keeps state adds its migrations to
//! that list, with the next version number; a migration is never edited once released.

pub mod controls;
pub mod migrations;
pub mod query;
pub mod read;
pub mod retention;
pub mod rows;
mod schema;
mod writer;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;

pub use migrations::{MIGRATIONS, Migration};
pub use rows::{DeviceRow, DeviceSeenRow, ObservationRow, PortRow, PortStateRow, SwitchRow, Write};
pub use writer::{HANDOFF, Notify, Writer, WriterSettings, WriterStats};

/// File name of the database inside `sensor.data_dir`.
pub const DB_FILE: &str = "cybriq.sqlite3";

/// Why the store could not be opened or used.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database directory could not be created.
    #[error("{path}: {source}")]
    Dir {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The database file could not be created.
    #[error("{path}: {source}")]
    Create {
        /// The database file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// SQLite refused an operation.
    #[error("{context}: {source}")]
    Sqlite {
        /// What was being done.
        context: &'static str,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// The database was written by a newer cybriq (it has migrations this build does not know).
    #[error("database schema version {found} is newer than this build knows ({known})")]
    TooNew {
        /// Highest version recorded in the database.
        found: i64,
        /// Highest version this build has.
        known: i64,
    },
}

impl StoreError {
    /// Wraps a SQLite error with what was being done.
    pub fn sqlite(context: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
        move |source| StoreError::Sqlite { context, source }
    }
}

/// Opens (creating if needed) the database at `path`, configures the connection and applies
/// pending migrations.
pub fn open(path: &Path) -> Result<Connection, StoreError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Dir {
            path: dir.to_owned(),
            source,
        })?;
    }
    create_private(path)?;
    let mut conn = Connection::open(path).map_err(StoreError::sqlite("opening the database"))?;
    configure(&conn)?;
    migrate(&mut conn, MIGRATIONS)?;
    Ok(conn)
}

/// Creates an empty database file readable by its owner alone (0600) unless it exists:
/// SQLite would create it 0644, and its `-wal`/`-shm` files take the database file's mode.
/// An empty file is a valid empty database. An existing file keeps its mode.
fn create_private(path: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(source) => Err(StoreError::Create {
            path: path.to_owned(),
            source,
        }),
    }
}

/// The database path for a data directory.
pub fn db_path(data_dir: &Path) -> PathBuf {
    data_dir.join(DB_FILE)
}

fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(Duration::from_secs(30))
        .map_err(StoreError::sqlite("setting the busy timeout"))?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(StoreError::sqlite("enabling WAL"))?;
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(StoreError::sqlite("setting synchronous"))?;
    conn.pragma_update(None, "cache_size", -16_000)
        .map_err(StoreError::sqlite("setting the cache size"))?;
    // Checkpoint the WAL every ~32 MB instead of every 4 MB: a page rewritten by several
    // batches is copied back (and fsynced) once.
    conn.pragma_update(None, "wal_autocheckpoint", 8_192)
        .map_err(StoreError::sqlite("setting the WAL checkpoint"))?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(StoreError::sqlite("enabling foreign keys"))?;
    Ok(())
}

/// Applies the migrations of `list` newer than the database's version; returns the version
/// reached. Safe against concurrent openers (one `BEGIN IMMEDIATE` transaction per migration,
/// the version re-read inside it).
pub fn migrate(conn: &mut Connection, list: &[Migration]) -> Result<i64, StoreError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        )",
    )
    .map_err(StoreError::sqlite("creating schema_migrations"))?;
    let known = list.iter().map(|m| m.version).max().unwrap_or(0);
    for m in list {
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(StoreError::sqlite("starting a migration"))?;
        let current: i64 = tx
            .query_row(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                [],
                |r| r.get(0),
            )
            .map_err(StoreError::sqlite("reading the schema version"))?;
        if current > known {
            return Err(StoreError::TooNew {
                found: current,
                known,
            });
        }
        let applied: bool = tx
            .query_row(
                "SELECT EXISTS(SELECT 1 FROM schema_migrations WHERE version = ?1)",
                [m.version],
                |r| r.get(0),
            )
            .map_err(StoreError::sqlite("reading schema_migrations"))?;
        if applied {
            continue;
        }
        tx.execute_batch(m.sql)
            .map_err(StoreError::sqlite("applying a migration"))?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name) VALUES (?1, ?2)",
            rusqlite::params![m.version, m.name],
        )
        .map_err(StoreError::sqlite("recording a migration"))?;
        tx.commit()
            .map_err(StoreError::sqlite("committing a migration"))?;
        tracing::info!(
            version = m.version,
            name = m.name,
            "Applied database migration."
        );
    }
    conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )
    .map_err(StoreError::sqlite("reading the schema version"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Timestamp;

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("cybriq-store-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d.join("sub").join(DB_FILE)
    }

    #[test]
    fn opens_in_wal_and_migrates_once() {
        let p = tmp("wal");
        let conn = open(&p).unwrap();
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let n: i64 = conn
            .query_row("SELECT COUNT(*) FROM schema_migrations", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n as usize, MIGRATIONS.len());
        drop(conn);
        let conn = open(&p).unwrap();
        let n2: i64 = conn
            .query_row("SELECT COUNT(*) FROM schema_migrations", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, n2);
        let _ = std::fs::remove_dir_all(p.parent().unwrap().parent().unwrap());
    }

    #[test]
    fn a_new_database_and_its_wal_files_are_private_an_existing_one_keeps_its_mode() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let p = tmp("mode");
        let conn = open(&p).unwrap();
        conn.execute_batch("CREATE TABLE m (x INTEGER); INSERT INTO m VALUES (1);")
            .unwrap();
        for suffix in ["", "-wal", "-shm"] {
            let f = PathBuf::from(format!("{}{suffix}", p.display()));
            assert_eq!(mode(&f), 0o600, "{}", f.display());
        }
        drop(conn);
        // An operator who deliberately opened the file up (a backup agent's group) keeps that.
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        drop(open(&p).unwrap());
        assert_eq!(mode(&p), 0o640);
        let _ = std::fs::remove_dir_all(p.parent().unwrap().parent().unwrap());
    }

    #[test]
    fn later_migrations_apply_and_newer_databases_are_refused() {
        let p = tmp("later");
        let mut conn = open(&p).unwrap();
        let extra = [Migration {
            version: 10_000,
            name: "test table",
            sql: "CREATE TABLE t (x INTEGER)",
        }];
        assert_eq!(migrate(&mut conn, &extra).unwrap(), 10_000);
        conn.execute("INSERT INTO t VALUES (1)", []).unwrap();
        let e = migrate(&mut conn, MIGRATIONS).unwrap_err();
        assert!(matches!(e, StoreError::TooNew { found: 10_000, .. }), "{e}");
        let _ = std::fs::remove_dir_all(p.parent().unwrap().parent().unwrap());
    }

    fn device(mac: &str, port: &str, last: i64, n: u64) -> DeviceRow {
        DeviceRow {
            mac: mac.into(),
            switch: Some("sw".into()),
            port: Some(port.into()),
            vendor: Some("Cisco".into()),
            model: None,
            class: Some("voip-phone".into()),
            confidence: Some(0.9),
            ndaa_status: Some("clean".into()),
            serial: None,
            dna: Some("dna:00".into()),
            tokens: Some("[]".into()),
            vlan: None,
            ip: None,
            first_seen: Timestamp(1),
            last_seen: Timestamp(last),
            observations: n,
        }
    }

    fn seen(mac: &str, port: &str, last: i64, n: u64) -> DeviceSeenRow {
        DeviceSeenRow {
            mac: mac.into(),
            switch: "sw".into(),
            port: port.into(),
            vlan: None,
            ip: None,
            last_seen: Timestamp(last),
            observations: n,
        }
    }

    #[test]
    fn vlan_and_ip_follow_the_latest_sighting_that_names_them() {
        let p = tmp("vlan-ip");
        let w = Writer::start(&p, WriterSettings::default(), None).unwrap();
        let mut d = device("00:00:00:00:00:01", "Gi1", 10, 1);
        d.vlan = Some(10);
        d.ip = Some("10.0.0.5".into());
        w.send(Write::Device(d));
        // A row that names neither keeps both.
        w.send(Write::Device(device("00:00:00:00:00:02", "Gi2", 10, 1)));
        w.flush();
        w.send(Write::Device(device("00:00:00:00:00:01", "Gi1", 15, 2)));
        w.flush();
        // A later sighting with a new address and no VLAN: the address moves, the VLAN stays.
        let mut s = seen("00:00:00:00:00:01", "Gi1", 20, 3);
        s.ip = Some("10.0.0.9".into());
        w.send(Write::DeviceSeen(s));
        // In one batch, an older sighting with another VLAN loses to the newer row.
        let mut s = seen("00:00:00:00:00:02", "Gi2", 30, 4);
        s.vlan = Some(20);
        w.send(Write::DeviceSeen(s));
        let mut s = seen("00:00:00:00:00:02", "Gi2", 25, 3);
        s.vlan = Some(30);
        s.ip = Some("10.0.1.1".into());
        w.send(Write::DeviceSeen(s));
        w.stop();
        let conn = open(&p).unwrap();
        let mut rows = read::devices(&conn).unwrap();
        rows.sort_by(|a, b| a.mac.cmp(&b.mac));
        assert_eq!(
            (rows[0].vlan, rows[0].ip.as_deref()),
            (Some(10), Some("10.0.0.9"))
        );
        assert_eq!(
            (rows[1].vlan, rows[1].ip.as_deref()),
            (Some(20), Some("10.0.1.1"))
        );
        // The API reads them (its inventory filters `vlan` and `ip`).
        let n: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM devices WHERE vlan = 10 AND ip = '10.0.0.9'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 1);
        let _ = std::fs::remove_dir_all(p.parent().unwrap().parent().unwrap());
    }

    #[test]
    fn a_device_seen_again_updates_its_row_only() {
        let p = tmp("seen");
        let w = Writer::start(&p, WriterSettings::default(), None).unwrap();
        // Committed row, then sightings in a later batch (one older, out of order).
        w.send(Write::Device(device("00:00:00:00:00:01", "Gi1", 10, 1)));
        w.flush();
        w.send(Write::DeviceSeen(seen("00:00:00:00:00:01", "Gi2", 30, 3)));
        w.send(Write::DeviceSeen(seen("00:00:00:00:00:01", "Gi1", 20, 2)));
        // In one batch: a sighting, then a newer full row (the row wins), and a sighting of a
        // MAC without a row (nothing is created).
        w.send(Write::DeviceSeen(seen("00:00:00:00:00:02", "Gi3", 40, 4)));
        w.send(Write::Device(device("00:00:00:00:00:02", "Gi4", 50, 5)));
        w.send(Write::DeviceSeen(seen("00:00:00:00:00:03", "Gi5", 60, 6)));
        w.stop();
        let conn = open(&p).unwrap();
        let mut rows = read::devices(&conn).unwrap();
        rows.sort_by(|a, b| a.mac.cmp(&b.mac));
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert_eq!(rows[0].port.as_deref(), Some("Gi2"));
        assert_eq!(rows[0].last_seen, Timestamp(30));
        assert_eq!(rows[0].observations, 3);
        assert_eq!(rows[0].vendor.as_deref(), Some("Cisco"));
        assert_eq!(rows[0].tokens.as_deref(), Some("[]"));
        assert_eq!(rows[1].port.as_deref(), Some("Gi4"));
        assert_eq!(rows[1].last_seen, Timestamp(50));
        assert_eq!(rows[1].observations, 5);
        let _ = std::fs::remove_dir_all(p.parent().unwrap().parent().unwrap());
    }
}
