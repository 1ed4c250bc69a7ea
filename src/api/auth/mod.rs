//! Bearer tokens (reference section 6): scopes, issue codes, tokens, their store.
//!
//! An operator mints a single-use issue code (`ic_…`, valid 24 h) with `cybriq token
//! issue-code`; the integration exchanges it once at `POST /api/v1/auth/token` for a bearer
//! token `cbq_live_pk_<id><secret>` carrying the code's scope, IP allowlist and lifetime. The
//! 256-bit secrets are stored only as BLAKE3 hashes keyed with a 32-byte key kept in the data
//! directory (`api-token.key`, mode 0600), so the database alone does not let anyone check a
//! guess; a token is found by its public id and its hash compared in constant time
//! (`blake3::Hash`'s equality). A scope is never widened: a new scope needs a new code.

mod store;

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use store::{
    AuthFailure, ExpiryWarning, IssueRequest, IssuedCode, Minted, TokenRecord, TokenStore,
    TokenStoreError, WARN_DAYS,
};

/// What a token may do.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
pub enum Scope {
    /// Drift history and events.
    #[serde(rename = "events:read")]
    EventsRead,
    /// Inventory and devices.
    #[serde(rename = "inventory:read")]
    InventoryRead,
    /// Acknowledge and suppress events, change windows.
    #[serde(rename = "events:write")]
    EventsWrite,
    /// NAC quarantine hand-off.
    #[serde(rename = "soar-action")]
    SoarAction,
    /// Compliance evidence export.
    #[serde(rename = "compliance:read")]
    ComplianceRead,
}

impl Scope {
    /// Every scope.
    pub const ALL: [Scope; 5] = [
        Scope::EventsRead,
        Scope::InventoryRead,
        Scope::EventsWrite,
        Scope::SoarAction,
        Scope::ComplianceRead,
    ];

    /// The name (`inventory:read`).
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::EventsRead => "events:read",
            Scope::InventoryRead => "inventory:read",
            Scope::EventsWrite => "events:write",
            Scope::SoarAction => "soar-action",
            Scope::ComplianceRead => "compliance:read",
        }
    }

    /// Whether a token carrying it must have an IP allowlist (write and SOAR).
    pub fn needs_allowlist(self) -> bool {
        matches!(self, Scope::EventsWrite | Scope::SoarAction)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scope {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scope::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown scope {s:?} (one of {})",
                    Scope::ALL.map(Scope::as_str).join(", ")
                )
            })
    }
}

/// Parses an allowlist entry: a CIDR (`198.51.100.0/24`) or a single address.
pub fn parse_net(s: &str) -> Result<IpNet, String> {
    let s = s.trim();
    if let Ok(n) = s.parse::<IpNet>() {
        return Ok(n.trunc());
    }
    s.parse::<IpAddr>()
        .map(IpNet::from)
        .map_err(|_| format!("{s:?} is not an address or CIDR (`198.51.100.0/24`)"))
}

/// Whether `ip` is allowed by `list` (an empty list allows every address). IPv4-mapped IPv6
/// addresses (a dual-stack listener's view of an IPv4 client) match IPv4 entries.
pub fn allowed(list: &[IpNet], ip: IpAddr) -> bool {
    let ip = ip.to_canonical();
    list.is_empty() || list.iter().any(|n| n.contains(&ip))
}

/// Prefix of bearer tokens.
pub const TOKEN_PREFIX: &str = "cbq_live_pk_";
/// Prefix of issue codes.
pub const CODE_PREFIX: &str = "ic_";
/// Prefix of token ids as listed (`tok_…`).
pub const ID_PREFIX: &str = "tok_";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse_by_their_reference_names() {
        for s in Scope::ALL {
            assert_eq!(s.as_str().parse::<Scope>().unwrap(), s);
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
        assert!(
            "admin"
                .parse::<Scope>()
                .unwrap_err()
                .contains("events:read")
        );
        assert!(Scope::EventsWrite.needs_allowlist() && Scope::SoarAction.needs_allowlist());
        assert!(!Scope::InventoryRead.needs_allowlist());
    }

    #[test]
    fn allowlists_match_cidrs_and_mapped_addresses() {
        let l = vec![
            parse_net("198.51.100.0/24").unwrap(),
            parse_net("2001:db8::1").unwrap(),
        ];
        assert!(allowed(&l, "198.51.100.7".parse().unwrap()));
        assert!(allowed(&l, "::ffff:198.51.100.7".parse().unwrap()));
        assert!(!allowed(&l, "198.51.101.7".parse().unwrap()));
        assert!(allowed(&l, "2001:db8::1".parse().unwrap()));
        assert!(!allowed(&l, "2001:db8::2".parse().unwrap()));
        assert!(allowed(&[], "203.0.113.1".parse().unwrap()));
        assert!(parse_net("10.0.0.0/33").is_err() && parse_net("host").is_err());
        assert_eq!(parse_net("10.1.2.3/8").unwrap().to_string(), "10.0.0.0/8");
    }
}
