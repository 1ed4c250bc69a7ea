//! Issue codes and tokens in the sensor database (`api_issue_codes`, `api_tokens`, migration 4),
//! and the audit trail of their life cycle (`api_audit`).
//!
//! Every operation takes the current time from its caller, so tests can move the clock.

use std::path::{Path, PathBuf};

use ipnet::IpNet;
use rusqlite::{OptionalExtension, params};

use super::{CODE_PREFIX, ID_PREFIX, Scope, TOKEN_PREFIX};
use crate::clock::Timestamp;
use crate::store::StoreError;
use crate::store::query::Pool;

/// File name of the hashing key in the data directory.
pub const KEY_FILE: &str = "api-token.key";
/// An issue code is valid this long (24 h).
pub const CODE_LIFETIME_US: i64 = 24 * 3600 * 1_000_000;
/// A rotated token stays valid this long after its successor is minted (24 h).
pub const ROTATION_GRACE_US: i64 = 24 * 3600 * 1_000_000;
const DAY_US: i64 = 86_400 * 1_000_000;
/// Days before expiry at which a warning is logged.
pub const WARN_DAYS: [i64; 3] = [30, 7, 1];

/// Why the token store failed.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum TokenStoreError {
    /// SQLite.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The hashing key could not be read or created.
    #[error("{path}: {source}")]
    Key {
        /// The key file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The system's random generator failed.
    #[error("no randomness available")]
    Random,
    /// An issue request did not validate (field → what).
    #[error("{field}: {message}")]
    Invalid {
        /// The argument or key.
        field: &'static str,
        /// What was wrong.
        message: String,
    },
}

/// Why a credential was refused (all answer 401 `invalid_token`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    /// Not of the form the API issues.
    Malformed,
    /// No such token or code, or its secret does not match.
    Unknown,
    /// Past its expiry (for a rotated token: 24 h after the rotation).
    Expired,
    /// Revoked.
    Revoked,
    /// An issue code that was already exchanged.
    Used,
}

impl AuthFailure {
    /// For the error message.
    pub fn message(self) -> &'static str {
        match self {
            AuthFailure::Malformed => "malformed credential",
            AuthFailure::Unknown => "unknown credential",
            AuthFailure::Expired => "credential expired",
            AuthFailure::Revoked => "token revoked",
            AuthFailure::Used => "issue code already used",
        }
    }
}

/// What an issue code grants.
#[derive(Debug, Clone, PartialEq)]
pub struct IssueRequest {
    /// Scopes (at least one).
    pub scope: Vec<Scope>,
    /// Source networks (mandatory for `events:write` and `soar-action`).
    pub ip_allowlist: Vec<IpNet>,
    /// Lifetime of the token minted from it.
    pub token_lifetime_secs: u64,
    /// Integration name.
    pub name: Option<String>,
}

/// A freshly minted issue code (shown once).
#[derive(Debug, Clone, PartialEq)]
pub struct IssuedCode {
    /// `ic_…`.
    pub code: String,
    /// When it stops being exchangeable.
    pub expires_at: Timestamp,
}

/// A stored token (never its secret).
#[derive(Debug, Clone, PartialEq)]
pub struct TokenRecord {
    /// `tok_…`.
    pub id: String,
    /// Integration name.
    pub name: Option<String>,
    /// Scopes.
    pub scope: Vec<Scope>,
    /// Allowed source networks (empty: any).
    pub ip_allowlist: Vec<IpNet>,
    /// Minted.
    pub created_at: Timestamp,
    /// Expiry (for a rotated token: 24 h after rotation at most).
    pub expires_at: Timestamp,
    /// The token it was rotated from.
    pub predecessor: Option<String>,
    /// The token it was rotated to.
    pub successor: Option<String>,
    /// When revoked.
    pub revoked_at: Option<Timestamp>,
}

/// A freshly minted token (its secret shown once).
#[derive(Debug, Clone, PartialEq)]
pub struct Minted {
    /// The bearer token.
    pub token: String,
    /// Its record.
    pub record: TokenRecord,
}

/// An expiry warning due (the largest of 30, 7, 1 days the remaining validity is within).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpiryWarning {
    /// 30, 7 or 1.
    pub days: i64,
}

impl TokenRecord {
    /// The warning due at `now`, if any.
    pub fn expiry_warning(&self, now: Timestamp) -> Option<ExpiryWarning> {
        let left = self.expires_at.0 - now.0;
        if left <= 0 {
            return None;
        }
        WARN_DAYS
            .iter()
            .rev()
            .find(|d| left <= **d * DAY_US)
            .map(|d| ExpiryWarning { days: *d })
    }
}

/// The token store.
#[derive(Debug)]
pub struct TokenStore {
    pool: Pool,
    key: [u8; 32],
}

fn random<const N: usize>() -> Result<[u8; N], TokenStoreError> {
    use ring::rand::SecureRandom;
    let mut b = [0u8; N];
    ring::rand::SystemRandom::new()
        .fill(&mut b)
        .map_err(|_| TokenStoreError::Random)?;
    Ok(b)
}

fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        s.push_str(&format!("{x:02x}"));
    }
    s
}

fn unhex<const N: usize>(s: &str) -> Option<[u8; N]> {
    if s.len() != N * 2 {
        return None;
    }
    let mut out = [0u8; N];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(s.get(i * 2..i * 2 + 2)?, 16).ok()?;
    }
    Some(out)
}

fn load_key(dir: &Path) -> Result<[u8; 32], TokenStoreError> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt;
    let path = dir.join(KEY_FILE);
    let err = |source| TokenStoreError::Key {
        path: path.clone(),
        source,
    };
    match std::fs::read_to_string(&path) {
        Ok(s) => unhex::<32>(s.trim()).ok_or_else(|| {
            err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "not 64 hex digits",
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir).map_err(err)?;
            let key = random::<32>()?;
            // create_new: two processes starting at once agree on the first writer's key.
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)
            {
                Ok(mut f) => {
                    f.write_all(hex(&key).as_bytes()).map_err(err)?;
                    f.sync_all().map_err(err)?;
                    Ok(key)
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => load_key(dir),
                Err(e) => Err(err(e)),
            }
        }
        Err(e) => Err(err(e)),
    }
}

fn scope_json(s: &[Scope]) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "[]".into())
}

fn nets_json(n: &[IpNet]) -> String {
    serde_json::to_string(&n.iter().map(|x| x.to_string()).collect::<Vec<_>>())
        .unwrap_or_else(|_| "[]".into())
}

fn parse_nets(s: &str) -> Vec<IpNet> {
    serde_json::from_str::<Vec<String>>(s)
        .unwrap_or_default()
        .iter()
        .filter_map(|x| x.parse().ok())
        .collect()
}

const TOKEN_COLUMNS: &str =
    "id, name, scope, ip_allowlist, created_at, expires_at, predecessor, successor, revoked_at";

fn record(r: &rusqlite::Row<'_>) -> rusqlite::Result<TokenRecord> {
    let scope: String = r.get(2)?;
    let nets: String = r.get(3)?;
    Ok(TokenRecord {
        id: r.get(0)?,
        name: r.get(1)?,
        scope: serde_json::from_str(&scope).unwrap_or_default(),
        ip_allowlist: parse_nets(&nets),
        created_at: Timestamp(r.get(4)?),
        expires_at: Timestamp(r.get(5)?),
        predecessor: r.get(6)?,
        successor: r.get(7)?,
        revoked_at: r.get::<_, Option<i64>>(8)?.map(Timestamp),
    })
}

fn sq(context: &'static str) -> impl FnOnce(rusqlite::Error) -> TokenStoreError {
    move |e| TokenStoreError::Store(StoreError::sqlite(context)(e))
}

impl IssueRequest {
    /// Checks scope and allowlist rules.
    pub fn validate(&self) -> Result<(), TokenStoreError> {
        if self.scope.is_empty() {
            return Err(TokenStoreError::Invalid {
                field: "scope",
                message: "at least one scope is required".into(),
            });
        }
        if let Some(s) = self.scope.iter().find(|s| s.needs_allowlist())
            && self.ip_allowlist.is_empty()
        {
            return Err(TokenStoreError::Invalid {
                field: "allow",
                message: format!("an IP allowlist is mandatory for the {s} scope"),
            });
        }
        if self.token_lifetime_secs == 0 || self.token_lifetime_secs > 10 * 365 * 86_400 {
            return Err(TokenStoreError::Invalid {
                field: "expires",
                message: "must be between 1 s and 10 years".into(),
            });
        }
        Ok(())
    }
}

impl TokenStore {
    /// Opens the store on the sensor database in `data_dir` (creating the hashing key there
    /// on first use).
    pub fn open(data_dir: &Path) -> Result<TokenStore, TokenStoreError> {
        let key = load_key(data_dir)?;
        let pool = Pool::open(&crate::store::db_path(data_dir), 2)?;
        Ok(TokenStore { pool, key })
    }

    fn hash(&self, secret: &[u8]) -> blake3::Hash {
        blake3::keyed_hash(&self.key, secret)
    }

    /// Mints an issue code valid 24 h.
    pub fn issue_code(
        &self,
        now: Timestamp,
        req: &IssueRequest,
    ) -> Result<IssuedCode, TokenStoreError> {
        req.validate()?;
        let secret = random::<32>()?;
        let code = format!("{CODE_PREFIX}{}", hex(&secret));
        let expires_at = Timestamp(now.0 + CODE_LIFETIME_US);
        let mut scope = req.scope.clone();
        scope.sort();
        scope.dedup();
        self.pool.with(|c| {
            c.execute(
                "INSERT INTO api_issue_codes (code_hash, name, scope, ip_allowlist, \
                 token_lifetime_secs, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    self.hash(&secret).as_bytes().as_slice(),
                    req.name,
                    scope_json(&scope),
                    nets_json(&req.ip_allowlist),
                    i64::try_from(req.token_lifetime_secs).unwrap_or(i64::MAX),
                    now.0,
                    expires_at.0
                ],
            )
            .map_err(sq("storing an issue code"))
        })?;
        Ok(IssuedCode { code, expires_at })
    }

    fn new_token(
        &self,
        c: &rusqlite::Transaction<'_>,
        now: Timestamp,
        template: &TokenRecord,
    ) -> Result<Minted, TokenStoreError> {
        let id = format!("{ID_PREFIX}{}", hex(&random::<8>()?));
        let secret = random::<32>()?;
        let token = format!("{TOKEN_PREFIX}{}{}", &id[ID_PREFIX.len()..], hex(&secret));
        c.execute(
            "INSERT INTO api_tokens (id, secret_hash, name, scope, ip_allowlist, created_at, \
             expires_at, predecessor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                id,
                self.hash(&secret).as_bytes().as_slice(),
                template.name,
                scope_json(&template.scope),
                nets_json(&template.ip_allowlist),
                now.0,
                template.expires_at.0,
                template.predecessor
            ],
        )
        .map_err(sq("storing a token"))?;
        let record = TokenRecord {
            id,
            created_at: now,
            ..template.clone()
        };
        Ok(Minted { token, record })
    }

    /// Exchanges an issue code for a token, burning the code (atomically: of two concurrent
    /// exchanges of one code, exactly one succeeds).
    pub fn exchange(
        &self,
        now: Timestamp,
        code: &str,
    ) -> Result<Result<Minted, AuthFailure>, TokenStoreError> {
        let Some(secret) = code.strip_prefix(CODE_PREFIX).and_then(unhex::<32>) else {
            return Ok(Err(AuthFailure::Malformed));
        };
        let hash = self.hash(&secret);
        self.pool.with(|c| {
            let tx = c
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(sq("starting an exchange"))?;
            let burnt = tx
                .query_row(
                    "UPDATE api_issue_codes SET used_at = ?1 \
                     WHERE code_hash = ?2 AND used_at IS NULL AND expires_at > ?1 \
                     RETURNING id, name, scope, ip_allowlist, token_lifetime_secs",
                    params![now.0, hash.as_bytes().as_slice()],
                    |r| {
                        Ok((
                            r.get::<_, i64>(0)?,
                            r.get::<_, Option<String>>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, String>(3)?,
                            r.get::<_, i64>(4)?,
                        ))
                    },
                )
                .optional()
                .map_err(sq("burning an issue code"))?;
            let Some((code_id, name, scope, nets, lifetime)) = burnt else {
                let state = tx
                    .query_row(
                        "SELECT used_at IS NOT NULL, expires_at FROM api_issue_codes \
                         WHERE code_hash = ?1",
                        [hash.as_bytes().as_slice()],
                        |r| Ok((r.get::<_, bool>(0)?, r.get::<_, i64>(1)?)),
                    )
                    .optional()
                    .map_err(sq("reading an issue code"))?;
                return Ok(Err(match state {
                    None => AuthFailure::Unknown,
                    Some((true, _)) => AuthFailure::Used,
                    Some((false, _)) => AuthFailure::Expired,
                }));
            };
            let template = TokenRecord {
                id: String::new(),
                name,
                scope: serde_json::from_str(&scope).unwrap_or_default(),
                ip_allowlist: parse_nets(&nets),
                created_at: now,
                expires_at: Timestamp(now.0.saturating_add(lifetime.saturating_mul(1_000_000))),
                predecessor: None,
                successor: None,
                revoked_at: None,
            };
            let minted = self.new_token(&tx, now, &template)?;
            tx.execute(
                "UPDATE api_issue_codes SET token_id = ?1 WHERE id = ?2",
                params![minted.record.id, code_id],
            )
            .map_err(sq("recording an exchange"))?;
            audit_tx(
                &tx,
                now,
                &minted.record.id,
                "token.issued",
                &minted.record.id,
                "{}",
            )?;
            tx.commit().map_err(sq("committing an exchange"))?;
            Ok(Ok(minted))
        })
    }

    /// The token a bearer string names, if its secret matches and it is valid at `now`.
    pub fn authenticate(
        &self,
        now: Timestamp,
        token: &str,
    ) -> Result<Result<TokenRecord, AuthFailure>, TokenStoreError> {
        let Some(body) = token.strip_prefix(TOKEN_PREFIX) else {
            return Ok(Err(AuthFailure::Malformed));
        };
        let (Some(id), Some(secret)) = (
            body.get(..16).and_then(unhex::<8>),
            body.get(16..).and_then(unhex::<32>),
        ) else {
            return Ok(Err(AuthFailure::Malformed));
        };
        let id = format!("{ID_PREFIX}{}", hex(&id));
        let found = self.pool.with(|c| {
            c.prepare_cached(&format!(
                "SELECT {TOKEN_COLUMNS}, secret_hash FROM api_tokens WHERE id = ?1"
            ))
            .and_then(|mut st| {
                st.query_row([&id], |r| {
                    let stored: Vec<u8> = r.get(9)?;
                    Ok((record(r)?, stored))
                })
                .optional()
            })
            .map_err(sq("reading a token"))
        })?;
        let Some((rec, stored)) = found else {
            return Ok(Err(AuthFailure::Unknown));
        };
        let Ok(stored) = <[u8; 32]>::try_from(stored.as_slice()) else {
            return Ok(Err(AuthFailure::Unknown));
        };
        // blake3::Hash compares in constant time.
        if self.hash(&secret) != blake3::Hash::from_bytes(stored) {
            return Ok(Err(AuthFailure::Unknown));
        }
        if rec.revoked_at.is_some() {
            return Ok(Err(AuthFailure::Revoked));
        }
        if rec.expires_at <= now {
            return Ok(Err(AuthFailure::Expired));
        }
        Ok(Ok(rec))
    }

    /// Mints the successor of `id` (same scope, allowlist and lifetime); `id` stays valid for
    /// 24 h (never past its own expiry). `None` when `id` was already rotated.
    pub fn rotate(
        &self,
        now: Timestamp,
        old: &TokenRecord,
    ) -> Result<Option<Minted>, TokenStoreError> {
        self.pool.with(|c| {
            let tx = c
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(sq("starting a rotation"))?;
            let lifetime = (old.expires_at.0 - old.created_at.0).max(1);
            let template = TokenRecord {
                expires_at: Timestamp(now.0.saturating_add(lifetime)),
                predecessor: Some(old.id.clone()),
                successor: None,
                ..old.clone()
            };
            let minted = self.new_token(&tx, now, &template)?;
            let n = tx
                .execute(
                    "UPDATE api_tokens SET successor = ?1, expires_at = MIN(expires_at, ?2) \
                     WHERE id = ?3 AND successor IS NULL AND revoked_at IS NULL",
                    params![minted.record.id, now.0 + ROTATION_GRACE_US, old.id],
                )
                .map_err(sq("rotating a token"))?;
            if n == 0 {
                return Ok(None);
            }
            audit_tx(&tx, now, &old.id, "token.rotated", &minted.record.id, "{}")?;
            tx.commit().map_err(sq("committing a rotation"))?;
            Ok(Some(minted))
        })
    }

    /// Every token, newest first.
    pub fn list(&self) -> Result<Vec<TokenRecord>, TokenStoreError> {
        self.pool.with(|c| {
            let mut st = c
                .prepare(&format!(
                    "SELECT {TOKEN_COLUMNS} FROM api_tokens ORDER BY created_at DESC, id"
                ))
                .map_err(sq("listing tokens"))?;
            st.query_map([], record)
                .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
                .map_err(sq("listing tokens"))
        })
    }

    /// Revokes a token at once; `false` when there is no such (unrevoked) token.
    pub fn revoke(&self, now: Timestamp, id: &str) -> Result<bool, TokenStoreError> {
        self.pool.with(|c| {
            let tx = c.transaction().map_err(sq("starting a revocation"))?;
            let n = tx
                .execute(
                    "UPDATE api_tokens SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
                    params![now.0, id],
                )
                .map_err(sq("revoking a token"))?;
            if n > 0 {
                audit_tx(&tx, now, id, "token.revoked", id, "{}")?;
            }
            tx.commit().map_err(sq("committing a revocation"))?;
            Ok(n > 0)
        })
    }

    /// Logs each expiry warning (30, 7, 1 days) once per token; returns the warnings logged.
    pub fn warn_expiring(
        &self,
        now: Timestamp,
    ) -> Result<Vec<(TokenRecord, ExpiryWarning)>, TokenStoreError> {
        let mut out = Vec::new();
        self.pool.with(|c| {
            let mut st = c
                .prepare(&format!(
                    "SELECT {TOKEN_COLUMNS}, warned_days FROM api_tokens \
                     WHERE revoked_at IS NULL AND successor IS NULL AND expires_at > ?1"
                ))
                .map_err(sq("reading tokens"))?;
            let rows = st
                .query_map([now.0], |r| Ok((record(r)?, r.get::<_, Option<i64>>(9)?)))
                .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
                .map_err(sq("reading tokens"))?;
            for (rec, warned) in rows {
                let Some(w) = rec.expiry_warning(now) else {
                    continue;
                };
                if warned.is_some_and(|d| d <= w.days) {
                    continue;
                }
                c.execute(
                    "UPDATE api_tokens SET warned_days = ?1 WHERE id = ?2",
                    params![w.days, rec.id],
                )
                .map_err(sq("recording an expiry warning"))?;
                tracing::warn!(token = %rec.id, name = rec.name.as_deref().unwrap_or(""),
                    days = w.days, expires_at = %crate::store::query::rfc3339_secs(rec.expires_at),
                    "API token expires soon: rotate it (POST /api/v1/auth/rotate) or issue a new one.");
                out.push((rec, w));
            }
            Ok::<_, TokenStoreError>(())
        })?;
        Ok(out)
    }

    /// Appends to the audit trail.
    pub fn audit(
        &self,
        now: Timestamp,
        request_id: &str,
        token_id: &str,
        action: &str,
        target: &str,
        detail: &serde_json::Value,
    ) -> Result<i64, TokenStoreError> {
        self.pool.with(|c| {
            c.execute(
                "INSERT INTO api_audit (ts, request_id, token_id, action, target, detail) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    now.0,
                    request_id,
                    token_id,
                    action,
                    target,
                    detail.to_string()
                ],
            )
            .map_err(sq("appending to the audit trail"))?;
            Ok(c.last_insert_rowid())
        })
    }
}

fn audit_tx(
    tx: &rusqlite::Transaction<'_>,
    now: Timestamp,
    token_id: &str,
    action: &str,
    target: &str,
    detail: &str,
) -> Result<(), TokenStoreError> {
    tx.execute(
        "INSERT INTO api_audit (ts, token_id, action, target, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![now.0, token_id, action, target, detail],
    )
    .map_err(sq("appending to the audit trail"))?;
    Ok(())
}

#[cfg(test)]
mod tests;
