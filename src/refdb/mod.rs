//! The reference database: the IEEE OUI registry, fingerprint rules and the NDAA Section 889
//! list, loaded from `reference-db/` as one immutable value, and identity resolution against it.
//!
//! Contract:
//! - [`RefDb::load`] reads a directory (`oui.txt`, `ndaa889.toml`, `rules/*.toml` in name
//!   order), validates every file and returns a new value, or the first error naming file, line
//!   and key. Reloading is loading again: the daemon swaps the `Arc<RefDb>` it hands out, and
//!   a failed reload leaves the running value untouched.
//! - [`RefDb::builtin`] is the copy compiled into the binary (the project's own rules, the
//!   OUI registry and the NDAA list; third-party DHCP databases are shipped as separate files
//!   under their own licences and loaded from the directory only).
//! - [`RefDb::resolve`] turns a device's [`Profile`] (all observations of one MAC) into an
//!   [`Identity`]: vendor, model, class, OS, confidence, NDAA status and the evidence.
//!
//! Everything below the loader is pure.

pub mod class;
pub mod error;
pub mod identity;
pub mod import;
pub mod ndaa;
pub mod oui;
pub mod profile;
pub mod rules;
mod tomlpos;

use std::path::{Path, PathBuf};

pub use class::DeviceClass;
pub use error::RefdbError;
pub use identity::{Effect, Evidence, Identity};
pub use ndaa::{NdaaList, NdaaStatus};
pub use oui::OuiRegistry;
pub use profile::{Profile, profiles};
pub use rules::RuleSet;

use crate::observe::Observation;
use crate::wire::MacAddr;

/// The compact OUI file's name in a reference-database directory.
pub const OUI_FILE: &str = "oui.txt";
/// The NDAA list's file name.
pub const NDAA_FILE: &str = "ndaa889.toml";
/// The directory of rule files.
pub const RULES_DIR: &str = "rules";

const BUILTIN_OUI: &str = include_str!("../../reference-db/oui.txt");
const BUILTIN_NDAA: &str = include_str!("../../reference-db/ndaa889.toml");
const BUILTIN_RULES: &str = include_str!("../../reference-db/rules/00-cybriq.toml");

/// One loaded, validated reference database. Immutable: reload by loading a new one.
#[derive(Debug, Clone)]
pub struct RefDb {
    /// The OUI registry.
    pub oui: OuiRegistry,
    /// Fingerprint rules and vendor aliases.
    pub rules: RuleSet,
    /// The Section 889 list.
    pub ndaa: NdaaList,
    /// Where it was loaded from (a directory, or `builtin`).
    pub origin: String,
}

fn read(path: &Path) -> Result<String, RefdbError> {
    std::fs::read_to_string(path).map_err(|e| RefdbError::io(path, e))
}

impl RefDb {
    /// Loads and validates every file of a reference-database directory.
    pub fn load(dir: &Path) -> Result<RefDb, RefdbError> {
        let oui_path = dir.join(OUI_FILE);
        let oui = OuiRegistry::parse(&read(&oui_path)?, &oui_path)?;
        let ndaa_path = dir.join(NDAA_FILE);
        let ndaa = NdaaList::parse(&read(&ndaa_path)?, &ndaa_path)?;
        let rules_dir = dir.join(RULES_DIR);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&rules_dir)
            .map_err(|e| RefdbError::io(&rules_dir, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        let mut rules = RuleSet::default();
        for f in &files {
            rules.add_file(&read(f)?, f)?;
        }
        Ok(RefDb {
            oui,
            rules,
            ndaa,
            origin: dir.display().to_string(),
        })
    }

    /// The copy compiled into the binary.
    pub fn builtin() -> Result<RefDb, RefdbError> {
        let oui = OuiRegistry::parse(BUILTIN_OUI, Path::new("builtin:oui.txt"))?;
        let ndaa = NdaaList::parse(BUILTIN_NDAA, Path::new("builtin:ndaa889.toml"))?;
        let mut rules = RuleSet::default();
        rules.add_file(BUILTIN_RULES, Path::new("builtin:rules/00-cybriq.toml"))?;
        Ok(RefDb {
            oui,
            rules,
            ndaa,
            origin: "builtin".into(),
        })
    }

    /// Resolves one device.
    pub fn resolve(&self, profile: &Profile) -> Identity {
        identity::resolve(profile, &self.oui, &self.rules, &self.ndaa)
    }

    /// Resolves every device (per MAC) of a set of observations, in MAC order.
    pub fn resolve_all(&self, observations: &[Observation]) -> Vec<Identity> {
        profiles(observations)
            .iter()
            .map(|p| self.resolve(p))
            .collect()
    }

    /// What the MAC alone says (OUI, locally administered bit, MAC-prefix rules, NDAA list).
    pub fn lookup_mac(&self, mac: MacAddr) -> Identity {
        let mut p = Profile::new(Some(mac));
        p.add("mac", mac.to_string());
        self.resolve(&p)
    }
}
