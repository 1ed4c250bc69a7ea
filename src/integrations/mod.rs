//! The NAC hand-off of reference section 12: we never quarantine ports ourselves, we ask the
//! NAC to. Cisco ISE through ERS ANC (`PUT /ers/config/ancendpoint/apply` and `…/clear`),
//! Forescout through a Data Exchange (DEX) host-property update (`POST /fsapi/niCore/Hosts`)
//! that a Forescout policy acts on.
//!
//! [`Nac::build`] turns `[integrations]` into running clients (secrets resolved, CA files
//! read); each call is bounded by its section's `timeout` and ends in [`Accepted`] or a
//! [`NacError`] saying whether the NAC refused ([`NacError::Rejected`], with what it said),
//! could not be reached or not trusted ([`NacError::Unreachable`]), or did not answer in time
//! ([`NacError::Timeout`]). The API turns those into `502 nac_rejected`,
//! `502 nac_unavailable` and `504 nac_timeout`.
//!
//! HTTPS is hyper's HTTP/1.1 client over tokio-rustls with the ring provider; the NAC's
//! certificate is verified against a CA file or a SHA-256 pin, never skipped ([`trust`]).

pub mod forescout;
mod https;
pub mod ise;
pub mod trust;

use crate::config::ConfigError;
use crate::config::integrations::Integrations;

pub use https::Https;

/// Largest NAC answer read (bytes); a longer one fails the call.
pub const MAX_ANSWER: usize = 256 * 1024;

/// A NAC accepted the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The HTTP status it answered.
    pub status: u16,
    /// What it said (`HTTP 204`, `FSAPI_OK: …`).
    pub answer: String,
}

/// Why a hand-off did not happen.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NacError {
    /// The NAC answered with an error (HTTP status, and what its body said).
    #[error("answered HTTP {status}: {detail}")]
    Rejected {
        /// HTTP status.
        status: u16,
        /// Its error messages, or what was wrong with its answer.
        detail: String,
    },
    /// Not reachable: connection refused, name not resolved, certificate not trusted, the
    /// connection broken mid-answer.
    #[error("unreachable: {0}")]
    Unreachable(String),
    /// No complete answer within the timeout.
    #[error("no answer within {secs} s")]
    Timeout {
        /// The configured timeout.
        secs: u64,
    },
}

/// Which NAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Cisco ISE.
    CiscoIse,
    /// Forescout.
    Forescout,
}

impl Kind {
    /// Its name in paths and the audit trail (`cisco-ise`).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::CiscoIse => "cisco-ise",
            Kind::Forescout => "forescout",
        }
    }

    /// Its configuration section.
    pub fn section(self) -> &'static str {
        match self {
            Kind::CiscoIse => "[integrations.cisco_ise]",
            Kind::Forescout => "[integrations.forescout]",
        }
    }

    /// Its name for people.
    pub fn label(self) -> &'static str {
        match self {
            Kind::CiscoIse => "Cisco ISE",
            Kind::Forescout => "Forescout",
        }
    }
}

/// What is asked of a NAC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handoff {
    /// The event that prompted it.
    pub event_id: String,
    /// The device's MAC, lower-case colon hex (`00:11:22:aa:bb:cc`).
    pub mac: String,
    /// The NAC policy (ISE ANC policy, the value of Forescout's property); `None` for an ISE
    /// release of whatever policy the endpoint has and for every Forescout release.
    pub policy: Option<String>,
}

/// Parses a MAC (`00:11:22:AA:BB:CC`, `-` or no separators) into its 6 bytes.
pub fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let hex: String = s
        .chars()
        .filter(|c| !matches!(c, ':' | '-' | '.'))
        .collect();
    if hex.len() != 12 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut out = [0u8; 6];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// The configured NACs.
#[derive(Debug, Default)]
pub struct Nac {
    /// Cisco ISE, when configured.
    pub ise: Option<ise::Ise>,
    /// Forescout, when configured.
    pub forescout: Option<forescout::Forescout>,
}

impl Nac {
    /// Builds the clients of `[integrations]` (validated again; secrets resolved and CA files
    /// read now, so a bad one stops start-up naming its key).
    pub fn build(cfg: &Integrations) -> Result<Nac, ConfigError> {
        Ok(Nac {
            ise: cfg.cisco_ise.as_ref().map(ise::Ise::build).transpose()?,
            forescout: cfg
                .forescout
                .as_ref()
                .map(forescout::Forescout::build)
                .transpose()?,
        })
    }

    /// Whether `kind` is configured.
    pub fn configured(&self, kind: Kind) -> bool {
        match kind {
            Kind::CiscoIse => self.ise.is_some(),
            Kind::Forescout => self.forescout.is_some(),
        }
    }

    /// Asks `kind` to quarantine (`release == false`) or release the device of `h`.
    /// `None` when `kind` is not configured.
    pub async fn call(
        &self,
        kind: Kind,
        release: bool,
        h: &Handoff,
    ) -> Option<Result<Accepted, NacError>> {
        Some(match kind {
            Kind::CiscoIse => self.ise.as_ref()?.call(release, h).await,
            Kind::Forescout => self.forescout.as_ref()?.call(release, h).await,
        })
    }
}

/// `Authorization: Basic …` for a user and password.
pub(crate) fn basic_auth(user: &str, password: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

/// At most `n` characters of a NAC's text, on one line.
pub(crate) fn clip(s: &str, n: usize) -> String {
    let one: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let t = one.trim();
    match t.char_indices().nth(n) {
        Some((i, _)) => format!("{}…", &t[..i]),
        None => t.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macs_parse_in_every_common_form() {
        let want = Some([0x00, 0x11, 0x22, 0xaa, 0xbb, 0xcc]);
        for s in [
            "00:11:22:aa:bb:cc",
            "00-11-22-AA-BB-CC",
            "001122aabbcc",
            "0011.22aa.bbcc",
        ] {
            assert_eq!(parse_mac(s), want, "{s}");
        }
        for s in [
            "",
            "00:11:22:aa:bb",
            "00:11:22:aa:bb:cc:dd",
            "00:11:22:aa:bb:zz",
        ] {
            assert_eq!(parse_mac(s), None, "{s}");
        }
    }

    #[test]
    fn basic_auth_and_clipping() {
        assert_eq!(
            basic_auth("Aladdin", "open sesame"),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
        assert_eq!(clip(" a\nb ", 10), "a b");
        assert_eq!(clip("abcdef", 3), "abc…");
    }
}
