//! Errors of the SNMP client and walkers.

/// Why a request or walk failed.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnmpError {
    /// The address does not resolve or the socket could not be opened.
    #[error("cannot open a socket to {address}: {message}")]
    Connect {
        /// `host:port`.
        address: String,
        /// The OS error.
        message: String,
    },
    /// No reply within the timeout, after every retry.
    #[error("no reply after {attempts} attempts ({timeout_ms} ms timeout, doubling)")]
    Timeout {
        /// Requests sent.
        attempts: u32,
        /// First attempt's timeout.
        timeout_ms: u64,
    },
    /// Replies came, but none could be decoded or matched to the request.
    #[error("malformed reply after {attempts} attempts: {message}")]
    Malformed {
        /// Requests sent.
        attempts: u32,
        /// The decoder's complaint.
        message: String,
    },
    /// SNMPv3 authentication or privacy failed (wrong user, key or protocol).
    #[error("SNMPv3 security failure: {0}")]
    Security(String),
    /// The agent answered with an error status.
    #[error("agent error status {status} at varbind {index}")]
    Status {
        /// error-status (RFC 3416).
        status: u32,
        /// error-index.
        index: u32,
    },
    /// A walk returned an OID not after the previous one; the walk stops instead of looping.
    #[error("walk returned non-increasing OID {oid} after {previous}")]
    NonIncreasing {
        /// The offending OID.
        oid: String,
        /// The one before.
        previous: String,
    },
    /// A walk exceeded its variable budget.
    #[error("walk stopped after {0} variables (budget exhausted)")]
    TooMany(usize),
}

impl SnmpError {
    /// True when the agent never answered (as opposed to answering badly).
    pub fn is_silence(&self) -> bool {
        matches!(self, SnmpError::Timeout { .. } | SnmpError::Connect { .. })
    }
}
