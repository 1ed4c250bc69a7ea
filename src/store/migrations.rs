//! Every schema migration, in version order. Append; never edit a released one.

/// One schema change.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// Strictly increasing version.
    pub version: i64,
    /// What it does, for `schema_migrations` and the log.
    pub name: &'static str,
    /// SQL run in one transaction.
    pub sql: &'static str,
}

/// The migrations this build knows.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "syslog emitter outbox",
        sql: crate::emit::outbox::SCHEMA,
    },
    Migration {
        version: 2,
        name: "inventory, port state, observation timeline and events",
        sql: super::schema::V2,
    },
    Migration {
        version: 3,
        name: "port baselines written apart from the per-frame port state",
        sql: super::schema::V3,
    },
    Migration {
        version: 4,
        name: "API: device VLAN/IP, look-up indexes, tokens, issue codes, audit trail",
        sql: super::query::schema::V4,
    },
    Migration {
        version: 5,
        name: "API: observations indexed by DNA for the device timeline",
        sql: super::query::schema::V5,
    },
    Migration {
        version: 6,
        name: "API: suppressions and change windows posted through the API",
        sql: super::controls::V6,
    },
    Migration {
        version: 8,
        name: "retention: time indexes, outbox event times, the audit trail's pruning gate",
        sql: super::retention::V8,
    },
    Migration {
        version: 9,
        name: "API: token lists per DNA for the timeline's feature values",
        sql: super::query::schema::V9,
    },
];
