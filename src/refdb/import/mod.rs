//! Importers: the IEEE registry CSVs (Debian `ieee-data`), satori's `dhcp.xml` and Fingerbank's
//! `dhcp_fingerprints.conf`, each turned into our own formats. Pure: text in, text out.

pub mod fingerbank;
pub mod ieee;
pub mod satori;

/// A TOML basic string literal.
pub(crate) fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}
