//! One switch's SNMP session on `snmp2` + tokio, with what the library leaves to its caller:
//! per-request timeout, retries with a doubling timeout, a fresh socket after a timeout (so a
//! late reply to an abandoned request can never be taken for the answer to the next one), the
//! overall in-flight bound, and request/varbind counters.
//!
//! `snmp2` encodes and decodes v1/v2c/v3 PDUs, including USM authentication (MD5, SHA-1,
//! SHA-224/256/384/512) and privacy (DES, AES-128/192/256), with its pure-Rust crypto backend.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use snmp2::{AsyncSession, Oid, Pdu};
use tokio::sync::Semaphore;

use super::error::SnmpError;
use super::value::{Value, Varbind};

/// SNMPv3 authentication protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthProto {
    /// HMAC-MD5-96.
    Md5,
    /// HMAC-SHA-96.
    Sha1,
    /// HMAC-SHA-224 (RFC 7860).
    Sha224,
    /// HMAC-SHA-256 (RFC 7860).
    Sha256,
    /// HMAC-SHA-384 (RFC 7860).
    Sha384,
    /// HMAC-SHA-512 (RFC 7860).
    Sha512,
}

impl AuthProto {
    /// Parses `MD5`, `SHA`/`SHA1`, `SHA224`, `SHA256`, `SHA384`, `SHA512` (any case, `-` allowed).
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_uppercase().replace('-', "").as_str() {
            "MD5" => AuthProto::Md5,
            "SHA" | "SHA1" => AuthProto::Sha1,
            "SHA224" => AuthProto::Sha224,
            "SHA256" => AuthProto::Sha256,
            "SHA384" => AuthProto::Sha384,
            "SHA512" => AuthProto::Sha512,
            _ => return None,
        })
    }

    fn lib(self) -> snmp2::v3::AuthProtocol {
        use snmp2::v3::AuthProtocol as A;
        match self {
            AuthProto::Md5 => A::Md5,
            AuthProto::Sha1 => A::Sha1,
            AuthProto::Sha224 => A::Sha224,
            AuthProto::Sha256 => A::Sha256,
            AuthProto::Sha384 => A::Sha384,
            AuthProto::Sha512 => A::Sha512,
        }
    }
}

/// SNMPv3 privacy protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrivProto {
    /// CBC-DES.
    Des,
    /// CFB128-AES-128 (RFC 3826).
    Aes128,
}

impl PrivProto {
    /// Parses `DES`, `AES`/`AES128`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_uppercase().replace('-', "").as_str() {
            "DES" => PrivProto::Des,
            "AES" | "AES128" => PrivProto::Aes128,
            _ => return None,
        })
    }
}

/// How to authenticate to an agent.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// SNMPv1 community.
    V1 {
        /// Community string.
        community: String,
    },
    /// SNMPv2c community.
    V2c {
        /// Community string.
        community: String,
    },
    /// SNMPv3 USM user; no auth = noAuthNoPriv, auth only = authNoPriv, both = authPriv.
    V3 {
        /// User name.
        user: String,
        /// Authentication protocol and key (passphrase).
        auth: Option<(AuthProto, String)>,
        /// Privacy protocol and key (passphrase); needs `auth`.
        privacy: Option<(PrivProto, String)>,
    },
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::V1 { .. } => f.write_str("V1(community ***)"),
            Credentials::V2c { .. } => f.write_str("V2c(community ***)"),
            Credentials::V3 {
                user,
                auth,
                privacy,
            } => write!(
                f,
                "V3(user {user}, auth {:?}, priv {:?})",
                auth.as_ref().map(|a| a.0),
                privacy.as_ref().map(|p| p.0)
            ),
        }
    }
}

impl Credentials {
    /// True for SNMPv1 (GETNEXT walks; no GETBULK).
    pub fn is_v1(&self) -> bool {
        matches!(self, Credentials::V1 { .. })
    }

    /// The credentials for Cisco's per-VLAN context (`community@vlan`); `None` for v3.
    pub fn for_vlan(&self, vlan: u16) -> Option<Credentials> {
        match self {
            Credentials::V1 { community } => Some(Credentials::V1 {
                community: format!("{community}@{vlan}"),
            }),
            Credentials::V2c { community } => Some(Credentials::V2c {
                community: format!("{community}@{vlan}"),
            }),
            Credentials::V3 { .. } => None,
        }
    }
}

/// Request timing and retry policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// First attempt's timeout; each retry doubles it (at most 8×).
    pub timeout: Duration,
    /// Retries after the first attempt.
    pub retries: u32,
}

/// Counters shared by every session of a poll.
#[derive(Debug, Default)]
pub struct Counters {
    /// Requests sent (each retry counts).
    pub requests: AtomicU64,
    /// Replies decoded.
    pub responses: AtomicU64,
    /// Variables received.
    pub varbinds: AtomicU64,
    /// Attempts that timed out.
    pub timeouts: AtomicU64,
    /// Replies that could not be decoded or matched.
    pub malformed: AtomicU64,
}

/// Kind of request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// GETNEXT.
    GetNext,
    /// GETBULK with this max-repetitions.
    GetBulk(u32),
}

/// One session to one agent (one UDP socket), reopened after a timeout.
pub struct Session {
    address: String,
    creds: Credentials,
    timing: Timing,
    inner: Option<Box<AsyncSession>>,
    global: Arc<Semaphore>,
    counters: Arc<Counters>,
    next_req_id: i32,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("address", &self.address)
            .field("creds", &self.creds)
            .finish_non_exhaustive()
    }
}

/// A reply: error status, error index and the variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// error-status.
    pub status: u32,
    /// error-index.
    pub index: u32,
    /// Variables in order.
    pub varbinds: Vec<Varbind>,
}

fn backoff(t: Duration, attempt: u32) -> Duration {
    t.saturating_mul(1 << attempt.min(3))
}

impl Session {
    /// A session; the socket is opened (and SNMPv3 engine discovery done) on first use.
    pub fn new(
        address: &str,
        creds: Credentials,
        timing: Timing,
        global: Arc<Semaphore>,
        counters: Arc<Counters>,
    ) -> Self {
        Session {
            address: address.to_owned(),
            creds,
            timing,
            inner: None,
            global,
            counters,
            next_req_id: (std::process::id() as i32 & 0x7fff) << 16,
        }
    }

    /// The credentials in use.
    pub fn credentials(&self) -> &Credentials {
        &self.creds
    }

    async fn open(&mut self, attempt: u32) -> Result<(), SnmpError> {
        let connect = |e: std::io::Error| SnmpError::Connect {
            address: self.address.clone(),
            message: e.to_string(),
        };
        self.next_req_id = self.next_req_id.wrapping_add(1000);
        let id = self.next_req_id;
        let mut s = match &self.creds {
            Credentials::V1 { community } => Box::pin(AsyncSession::new_v1(
                self.address.as_str(),
                community.as_bytes(),
                id,
            ))
            .await
            .map_err(connect)?,
            Credentials::V2c { community } => Box::pin(AsyncSession::new_v2c(
                self.address.as_str(),
                community.as_bytes(),
                id,
            ))
            .await
            .map_err(connect)?,
            Credentials::V3 {
                user,
                auth,
                privacy,
            } => {
                use snmp2::v3::{Auth, Cipher, Security};
                let mut sec = match auth {
                    Some((p, key)) => Security::new(user.as_bytes(), key.as_bytes())
                        .with_auth_protocol(p.lib())
                        .with_auth(Auth::AuthNoPriv),
                    None => Security::new(user.as_bytes(), b"").with_auth(Auth::NoAuthNoPriv),
                };
                if let Some((p, key)) = privacy {
                    sec = sec.with_auth(Auth::AuthPriv {
                        cipher: match p {
                            PrivProto::Des => Cipher::Des,
                            PrivProto::Aes128 => Cipher::Aes128,
                        },
                        privacy_password: key.as_bytes().to_vec(),
                    });
                }
                Box::pin(AsyncSession::new_v3(self.address.as_str(), id, sec))
                    .await
                    .map_err(connect)?
            }
        };
        if matches!(self.creds, Credentials::V3 { .. }) {
            self.counters.requests.fetch_add(1, Ordering::Relaxed);
            let _permit = self.global.acquire().await;
            let t = backoff(self.timing.timeout, attempt);
            match tokio::time::timeout(t, s.init()).await {
                Err(_) => {
                    self.counters.timeouts.fetch_add(1, Ordering::Relaxed);
                    return Err(SnmpError::Timeout {
                        attempts: attempt + 1,
                        timeout_ms: self.timing.timeout.as_millis() as u64,
                    });
                }
                Ok(Err(e)) => return Err(classify(e, attempt + 1)),
                Ok(Ok(())) => {
                    self.counters.responses.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        self.inner = Some(Box::new(s));
        Ok(())
    }

    /// Sends one GETNEXT or GETBULK for `oid`, with retries; the reply's variables are owned.
    pub async fn request(&mut self, op: Op, oid: &[u32]) -> Result<Reply, SnmpError> {
        self.send(Some(op), &[oid]).await
    }

    /// Sends one GET of `oids` (scalars: exact look-ups, the cheapest request for an agent).
    pub async fn get(&mut self, oids: &[&[u32]]) -> Result<Reply, SnmpError> {
        self.send(None, oids).await
    }

    async fn send(&mut self, op: Option<Op>, oids: &[&[u32]]) -> Result<Reply, SnmpError> {
        let lib_oids = oids
            .iter()
            .map(|oid| {
                let wide: Vec<u64> = oid.iter().map(|&c| u64::from(c)).collect();
                Oid::from(&wide).map_err(|e| SnmpError::Malformed {
                    attempts: 0,
                    message: format!("cannot encode OID: {e:?}"),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let refs: Vec<&Oid<'_>> = lib_oids.iter().collect();
        let mut last_err = None;
        let mut auth_updates = 0;
        let mut attempt = 0;
        while attempt <= self.timing.retries {
            if self.inner.is_none() {
                match self.open(attempt).await {
                    Ok(()) => {}
                    Err(e @ (SnmpError::Timeout { .. } | SnmpError::Malformed { .. })) => {
                        last_err = Some(e);
                        attempt += 1;
                        continue;
                    }
                    Err(e) => return Err(e),
                }
            }
            let t = backoff(self.timing.timeout, attempt);
            let session = self.inner.as_mut().expect("opened above");
            self.counters.requests.fetch_add(1, Ordering::Relaxed);
            let permit = self.global.acquire().await;
            let res = tokio::time::timeout(t, async {
                let pdu = match op {
                    None => session.get_many(&refs).await,
                    Some(Op::GetNext) => session.getnext(refs[0]).await,
                    Some(Op::GetBulk(n)) => session.getbulk(&refs, 0, n).await,
                };
                pdu.map(|p| own_reply(&p))
            })
            .await;
            drop(permit);
            match res {
                Ok(Ok(Ok(reply))) => {
                    self.counters.responses.fetch_add(1, Ordering::Relaxed);
                    self.counters
                        .varbinds
                        .fetch_add(reply.varbinds.len() as u64, Ordering::Relaxed);
                    return Ok(reply);
                }
                Ok(Ok(Err(err))) => {
                    self.counters.malformed.fetch_add(1, Ordering::Relaxed);
                    last_err = Some(err);
                    self.inner = None;
                }
                Ok(Err(snmp2::Error::AuthUpdated)) if auth_updates < 2 => {
                    // The engine's boots/time were resynchronised: resend, not a failed attempt.
                    auth_updates += 1;
                    continue;
                }
                Ok(Err(e)) => {
                    self.counters.malformed.fetch_add(1, Ordering::Relaxed);
                    let err = classify(e, attempt + 1);
                    if matches!(err, SnmpError::Security(_)) {
                        return Err(err);
                    }
                    last_err = Some(err);
                    self.inner = None;
                }
                Err(_) => {
                    self.counters.timeouts.fetch_add(1, Ordering::Relaxed);
                    last_err = Some(SnmpError::Timeout {
                        attempts: attempt + 1,
                        timeout_ms: self.timing.timeout.as_millis() as u64,
                    });
                    // A fresh socket: a late reply to this request must not answer the next one.
                    self.inner = None;
                }
            }
            attempt += 1;
        }
        let timeout_ms = self.timing.timeout.as_millis() as u64;
        Err(match last_err {
            Some(SnmpError::Malformed { message, .. }) => SnmpError::Malformed {
                attempts: attempt,
                message,
            },
            Some(SnmpError::Timeout { .. }) | None => SnmpError::Timeout {
                attempts: attempt,
                timeout_ms,
            },
            Some(e) => e,
        })
    }
}

fn classify(e: snmp2::Error, attempts: u32) -> SnmpError {
    match e {
        snmp2::Error::AuthFailure(k) => SnmpError::Security(format!("{k:?}")),
        snmp2::Error::Crypto(m) => SnmpError::Security(m),
        other => SnmpError::Malformed {
            attempts,
            message: other.to_string(),
        },
    }
}

fn own_reply(p: &Pdu<'_>) -> Result<Reply, SnmpError> {
    let mut varbinds = Vec::new();
    for (oid, v) in p.varbinds.clone() {
        let oid: Option<Vec<u32>> = oid
            .iter()
            .and_then(|it| it.map(|c| u32::try_from(c).ok()).collect());
        let Some(oid) = oid else {
            return Err(SnmpError::Malformed {
                attempts: 1,
                message: "OID component out of range".into(),
            });
        };
        varbinds.push(Varbind {
            oid,
            value: own_value(&v),
        });
    }
    Ok(Reply {
        status: p.error_status,
        index: p.error_index,
        varbinds,
    })
}

fn own_value(v: &snmp2::Value<'_>) -> Value {
    use snmp2::Value as V;
    match v {
        V::Integer(i) => Value::Int(*i),
        V::OctetString(b) => Value::Str(b.to_vec()),
        V::ObjectIdentifier(o) => Value::Oid(
            o.iter()
                .map(|it| it.map(|c| u32::try_from(c).unwrap_or(u32::MAX)).collect())
                .unwrap_or_default(),
        ),
        V::IpAddress(a) => Value::Ip(*a),
        V::Counter32(n) => Value::Counter32(*n),
        V::Unsigned32(n) => Value::Gauge32(*n),
        V::Timeticks(n) => Value::TimeTicks(*n),
        V::Counter64(n) => Value::Counter64(*n),
        V::Opaque(b) => Value::Opaque(b.to_vec()),
        V::Boolean(b) => Value::Int(i64::from(*b)),
        V::EndOfMibView => Value::EndOfMibView,
        V::NoSuchObject => Value::NoSuchObject,
        V::NoSuchInstance => Value::NoSuchInstance,
        _ => Value::Null,
    }
}
