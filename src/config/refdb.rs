//! `[refdb]`: where the reference database (OUI registry, fingerprint rules, NDAA list) lives.

use std::path::PathBuf;

use serde::Deserialize;

use super::ConfigError;

/// `[refdb]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Refdb {
    /// Reference-database directory (`oui.txt`, `ndaa889.toml`, `rules/*.toml`); the copy
    /// built into the binary when absent. Reloaded (and validated) on request; a directory that
    /// fails validation leaves the running copy in place.
    #[serde(default)]
    pub dir: Option<PathBuf>,
}

impl Refdb {
    /// Checks the section.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if let Some(d) = &self.dir {
            if d.as_os_str().is_empty() {
                return Err(ConfigError::invalid(
                    "refdb.dir",
                    "must not be empty (leave it out to use the built-in copy)",
                ));
            }
        }
        Ok(())
    }

    /// Loads the configured reference database (the directory, else the built-in copy).
    pub fn load(&self) -> Result<crate::refdb::RefDb, crate::refdb::RefdbError> {
        match &self.dir {
            Some(d) => crate::refdb::RefDb::load(d),
            None => crate::refdb::RefDb::builtin(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Config;

    #[test]
    fn refdb_section_parses_and_validates() {
        let c = Config::parse("[refdb]\ndir = \"/usr/share/cybriq/reference-db\"\n", "t").unwrap();
        assert_eq!(
            c.refdb.dir.as_deref(),
            Some(std::path::Path::new("/usr/share/cybriq/reference-db"))
        );
        assert!(Config::parse("", "t").unwrap().refdb.dir.is_none());
        let e = Config::parse("[refdb]\ndir = \"\"\n", "t").unwrap_err();
        assert!(e.to_string().contains("refdb.dir"), "{e}");
        let e = Config::parse("[refdb]\ndirectory = \"x\"\n", "t").unwrap_err();
        assert!(e.to_string().contains("directory"), "{e}");
    }

    #[test]
    fn default_section_loads_the_builtin_copy() {
        let c = Config::parse("", "t").unwrap();
        let db = c.refdb.load().unwrap();
        assert_eq!(db.origin, "builtin");
    }
}
