//! `[metrics]`: the plain-HTTP listener serving the sensor's Prometheus metrics
//! (`GET /metrics`; docs/metrics.md lists them). No `listen` means no listener; the REST API,
//! when on, serves the same text at `GET /api/v1/metrics` either way.

use std::net::SocketAddr;

use serde::Deserialize;

use super::ConfigError;

/// `[metrics]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Metrics {
    /// Address and port of the metrics listener (`"127.0.0.1:9464"`); none when absent. It has
    /// no authentication: bind it to loopback or a management network.
    #[serde(default)]
    pub listen: Option<String>,
}

impl Metrics {
    /// The listen address, when the listener is on.
    pub fn listen_addr(&self) -> Result<Option<SocketAddr>, ConfigError> {
        self.listen
            .as_deref()
            .map(|s| {
                s.parse::<SocketAddr>().map_err(|_| {
                    ConfigError::invalid(
                        "metrics.listen",
                        format!(
                            "{s:?} is not an address and port (`127.0.0.1:9464`, `[::1]:9464`)"
                        ),
                    )
                })
            })
            .transpose()
    }

    /// Checks the section; `api_listen` is `[api] listen`, which it must not share.
    pub fn validate(&self, api_listen: Option<&str>) -> Result<(), ConfigError> {
        let Some(addr) = self.listen_addr()? else {
            return Ok(());
        };
        let api = api_listen.and_then(|a| a.parse::<SocketAddr>().ok());
        if addr.port() != 0 && api == Some(addr) {
            return Err(ConfigError::invalid(
                "metrics.listen",
                format!("{addr} is also api.listen; give the metrics listener its own port"),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    #[test]
    fn absent_means_off_and_an_address_parses() {
        let c = Config::parse("", "t").unwrap();
        assert_eq!(c.metrics.listen_addr().unwrap(), None);
        let c = Config::parse("[metrics]\nlisten = \"127.0.0.1:9464\"\n", "t").unwrap();
        assert_eq!(
            c.metrics.listen_addr().unwrap(),
            Some("127.0.0.1:9464".parse().unwrap())
        );
    }

    #[test]
    fn bad_values_name_the_key() {
        for (text, want) in [
            ("[metrics]\nlisten = \"localhost\"\n", "metrics.listen"),
            ("[metrics]\nlisten = \"127.0.0.1:9464\"\nport = 1\n", "port"),
            (
                "[api]\nlisten = \"127.0.0.1:8443\"\n[metrics]\nlisten = \"127.0.0.1:8443\"\n",
                "metrics.listen",
            ),
        ] {
            let e = Config::parse(text, "t").unwrap_err().to_string();
            assert!(e.contains(want), "{text}: {e}");
        }
    }
}
