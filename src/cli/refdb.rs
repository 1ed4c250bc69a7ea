//! `cybriq refdb …`: import the IEEE OUI registry and third-party DHCP fingerprint databases
//! into `reference-db/`, check a reference database, and look devices up in it.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::capture::read_all;
use crate::observe::Observation;
use crate::refdb::import::{fingerbank, ieee, satori};
use crate::refdb::oui::OuiRegistry;
use crate::refdb::{ClassMap, Effect, Identity, RefDb, RefdbError};
use crate::wire::{MacAddr, frame};

/// Arguments of `cybriq refdb`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Import the IEEE MA-L, MA-M, MA-S (and IAB) registries from Debian's `ieee-data` CSVs
    /// into the compact OUI file.
    ImportOui {
        /// Directory holding oui.csv, mam.csv, oui36.csv, iab.csv.
        #[arg(long, default_value = "/usr/share/ieee-data")]
        from: PathBuf,
        /// Compact file to write.
        #[arg(long, default_value = "reference-db/oui.txt")]
        out: PathBuf,
    },
    /// Import satori's dhcp.xml (GPL-2.0) as a rule file; its LICENSE is copied beside it.
    ImportSatori {
        /// satori `dhcp.xml` (its `LICENSE` must be in the same directory).
        file: PathBuf,
        /// Rule file to write.
        #[arg(long, default_value = "reference-db/rules/50-satori-dhcp.toml")]
        out: PathBuf,
        /// The reviewed class map giving each device type its class.
        #[arg(long, default_value = "reference-db/class-map.toml")]
        class_map: PathBuf,
    },
    /// Import Fingerbank's dhcp_fingerprints.conf (ODbL/DbCL) as a rule file; its licence
    /// texts are copied beside it.
    ImportFingerbank {
        /// `dhcp_fingerprints.conf` (`LICENSE.odbl-10.txt` and `LICENSE.dbcl-10.txt` beside it).
        file: PathBuf,
        /// Rule file to write.
        #[arg(long, default_value = "reference-db/rules/60-fingerbank-dhcp.toml")]
        out: PathBuf,
        /// The reviewed class map giving each device type its class.
        #[arg(long, default_value = "reference-db/class-map.toml")]
        class_map: PathBuf,
    },
    /// Load and validate a reference database; print what it holds.
    Check {
        /// Reference-database directory (default: $CYBRIQ_REFDB, else the built-in copy).
        #[arg(long)]
        db: Option<PathBuf>,
    },
    /// Resolve devices: vendor, model, class, confidence, NDAA status and the evidence.
    #[command(group(clap::ArgGroup::new("input").required(true).args(["mac", "pcap"])))]
    Lookup {
        /// One MAC address (aa:bb:cc:dd:ee:ff, aa-bb-…, aabb.ccdd.eeff).
        #[arg(long)]
        mac: Option<String>,
        /// A pcap/pcapng capture: one identity per source MAC of its control-plane frames.
        #[arg(long)]
        pcap: Option<PathBuf>,
        /// One JSON object per device instead of text.
        #[arg(long)]
        json: bool,
        /// Reference-database directory. Default: $CYBRIQ_REFDB, else the copy built into the
        /// binary (the shipped reference-db/). The working directory is never searched.
        #[arg(long)]
        db: Option<PathBuf>,
    },
}

/// Runs `cybriq refdb`. Exit 0 on success, 1 when the reference database (or an import source)
/// is invalid or output cannot be written, 2 when the input (MAC, capture) is unusable.
pub fn run(args: Args) -> ExitCode {
    match args.command {
        Command::ImportOui { from, out } => report(import_oui(&from, &out)),
        Command::ImportSatori {
            file,
            out,
            class_map,
        } => report(import_third_party(
            &file,
            &out,
            &class_map,
            satori::import,
            &[("LICENSE", "satori-dhcp.LICENSE")],
        )),
        Command::ImportFingerbank {
            file,
            out,
            class_map,
        } => report(import_third_party(
            &file,
            &out,
            &class_map,
            fingerbank::import,
            &[
                ("LICENSE.odbl-10.txt", "fingerbank-dhcp.LICENSE.odbl-10.txt"),
                ("LICENSE.dbcl-10.txt", "fingerbank-dhcp.LICENSE.dbcl-10.txt"),
            ],
        )),
        Command::Check { db } => match open_db(db.as_deref()) {
            Ok(db) => {
                let mut text = format!(
                    "{}\n  OUI assignments: {}\n  NDAA 889 entries: {}\n  class map: {} satori, {} Fingerbank entries, {} OS families\n",
                    db.describe(),
                    db.oui.len(),
                    db.ndaa.entities().len(),
                    db.classmap.satori.len(),
                    db.classmap.fingerbank.len(),
                    db.classmap.os_families.len()
                );
                for s in db.rules.sets() {
                    text += &format!(
                        "  rules {}: {} ({}; {})\n",
                        s.name, s.rules, s.source, s.licence
                    );
                }
                match std::io::stdout().lock().write_all(text.as_bytes()) {
                    Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                        eprintln!("cybriq: error: writing output: {e}");
                        ExitCode::from(1)
                    }
                    _ => ExitCode::SUCCESS,
                }
            }
            Err(e) => {
                eprintln!("cybriq: error: {e}");
                ExitCode::from(1)
            }
        },
        Command::Lookup {
            mac,
            pcap,
            json,
            db,
        } => lookup(mac.as_deref(), pcap.as_deref(), json, db.as_deref()),
    }
}

fn report(r: Result<String, RefdbError>) -> ExitCode {
    match r {
        Ok(msg) => {
            eprintln!("cybriq: {msg}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cybriq: error: {e}");
            ExitCode::from(1)
        }
    }
}

/// Writes `text` to `path` through a temporary file and a rename, so a reader never sees half.
fn write_atomic(path: &Path, text: &[u8]) -> Result<(), RefdbError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| RefdbError::io(dir, e))?;
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).map_err(|e| RefdbError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| RefdbError::io(path, e))
}

fn import_oui(from: &Path, out: &Path) -> Result<String, RefdbError> {
    let list = ieee::read_ieee_dir(from)?;
    let n = list.len();
    let reg = OuiRegistry::from_assignments(list);
    let stamp = std::fs::read_to_string(from.join(".lastupdate")).unwrap_or_default();
    let header = vec![
        "IEEE Registration Authority assignments: MA-L (24-bit), MA-M (28-bit), MA-S and IAB (36-bit).".to_owned(),
        format!(
            "Imported by `cybriq refdb import-oui` from {} ({}). Do not edit: re-import instead.",
            from.display(),
            if stamp.trim().is_empty() { "ieee-data" } else { stamp.trim() }
        ),
        "Format: PREFIX<TAB>ORGANISATION; PREFIX is 6, 7 or 9 upper-case hex digits.".to_owned(),
    ];
    let text = reg.to_compact(&header);
    // Validate what we are about to ship.
    OuiRegistry::parse(&text, out)?;
    write_atomic(out, text.as_bytes())?;
    Ok(format!(
        "wrote {} ({} assignments from {} rows)",
        out.display(),
        reg.len(),
        n
    ))
}

fn import_third_party(
    file: &Path,
    out: &Path,
    class_map: &Path,
    convert: fn(&str, &Path, &ClassMap) -> Result<String, RefdbError>,
    licences: &[(&str, &str)],
) -> Result<String, RefdbError> {
    let map_text = std::fs::read_to_string(class_map).map_err(|e| RefdbError::io(class_map, e))?;
    let map = ClassMap::parse(&map_text, class_map)?;
    let text = std::fs::read_to_string(file).map_err(|e| RefdbError::io(file, e))?;
    let rules = convert(&text, file, &map)?;
    crate::refdb::RuleSet::default().add_file(&rules, out)?;
    let src_dir = file.parent().unwrap_or(Path::new("."));
    let out_dir = out.parent().unwrap_or(Path::new("."));
    let mut copied = Vec::new();
    for (from, to) in licences {
        let p = src_dir.join(from);
        let lic = std::fs::read(&p).map_err(|e| RefdbError::io(&p, e))?;
        write_atomic(&out_dir.join(to), &lic)?;
        copied.push(*to);
    }
    write_atomic(out, rules.as_bytes())?;
    Ok(format!(
        "wrote {} ({} rules) and {}",
        out.display(),
        rules.matches("[[rule]]").count(),
        copied.join(", ")
    ))
}

/// The reference database for the CLI: `--db`, else `$CYBRIQ_REFDB`, else the built-in copy
/// (the shipped `reference-db/`). The working directory is never searched, so the same binary
/// resolves the same way wherever it runs; which database was used is printed on stderr.
pub fn open_db(db: Option<&Path>) -> Result<RefDb, RefdbError> {
    let r = match (db, std::env::var_os("CYBRIQ_REFDB")) {
        (Some(d), _) => RefDb::load(d),
        (None, Some(d)) if !d.is_empty() => RefDb::load(Path::new(&d)),
        _ => RefDb::builtin(),
    }?;
    eprintln!("cybriq: {}", r.describe());
    Ok(r)
}

fn lookup(mac: Option<&str>, pcap: Option<&Path>, json: bool, db: Option<&Path>) -> ExitCode {
    let db = match open_db(db) {
        Ok(db) => db,
        Err(e) => {
            eprintln!("cybriq: error: {e}");
            return ExitCode::from(1);
        }
    };
    let ids: Vec<Identity> = if let Some(m) = mac {
        match m.parse::<MacAddr>() {
            Ok(m) => vec![db.lookup_mac(m)],
            Err(e) => {
                eprintln!("cybriq: error: --mac {m}: {e}");
                return ExitCode::from(2);
            }
        }
    } else if let Some(p) = pcap {
        match read_all(p) {
            Ok((link, recs, err)) => {
                if let Some(e) = err {
                    eprintln!("cybriq: warning: {e}");
                }
                let obs: Vec<Observation> = recs
                    .iter()
                    .filter_map(|(ts, d)| Observation::from_frame(*ts, &frame::decode(link, d)))
                    .collect();
                db.resolve_all(&obs)
            }
            Err(e) => {
                eprintln!("cybriq: error: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        return ExitCode::from(2);
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let r = ids.iter().try_for_each(|id| {
        if json {
            serde_json::to_writer(&mut out, id).map_err(std::io::Error::other)?;
            writeln!(out)
        } else {
            write_text(&mut out, id)
        }
    });
    match r.and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cybriq: error: writing output: {e}");
            ExitCode::from(1)
        }
    }
}

fn write_text(out: &mut impl Write, id: &Identity) -> std::io::Result<()> {
    let c = &id.certainty;
    writeln!(
        out,
        "{}  vendor={}  model={}  class={}  confidence={:.2}  ndaa={}{}",
        id.mac.as_deref().unwrap_or("(no MAC)"),
        id.vendor.as_deref().unwrap_or("?"),
        id.model.as_deref().unwrap_or("?"),
        id.class,
        id.confidence,
        id.ndaa_status,
        match (&id.ndaa_entity, &id.ndaa_group) {
            (Some(e), Some(g)) => format!(" ({e}; {g})"),
            (Some(e), None) => format!(" ({e})"),
            _ => String::new(),
        },
    )?;
    writeln!(
        out,
        "    certainty: vendor {:.3}  model {:.3}  class {:.3}  os {:.3}",
        c.vendor, c.model, c.class, c.os
    )?;
    if let Some(os) = &id.os {
        writeln!(out, "    os: {os}")?;
    }
    if let Some(o) = &id.oui {
        writeln!(out, "    oui: {} ({}, /{})", o.org, o.registry, o.bits)?;
    }
    if id.locally_administered {
        writeln!(
            out,
            "    locally administered MAC ({}): randomised or software-assigned, no IEEE holder",
            id.local_quadrant.unwrap_or("?")
        )?;
    }
    if let Some(s) = &id.ndaa_source {
        writeln!(out, "    ndaa source: {s}")?;
    }
    for e in &id.evidence {
        let mark = match e.effect {
            Effect::Agrees => '+',
            Effect::Contradicts => '-',
            Effect::Neutral => ' ',
        };
        let mut claims = Vec::new();
        if let Some(v) = &e.vendor {
            claims.push(format!("vendor {v}"));
        }
        if let Some(v) = &e.model {
            claims.push(format!("model {v}"));
        }
        if let Some(v) = e.class {
            claims.push(format!("class {v}"));
        }
        if let Some(v) = &e.os {
            claims.push(format!("os {v}"));
        }
        let mut effect = String::new();
        if !e.agrees.is_empty() {
            effect += &format!(" agrees: {}", e.agrees.join(","));
        }
        if !e.contradicts.is_empty() {
            effect += &format!(" contradicts: {}", e.contradicts.join(","));
        }
        if let Some(n) = &e.note {
            effect += &format!(" ({n})");
        }
        writeln!(
            out,
            "  {mark} {} {:?} -> {} [{} {:?} w={:.2}]{effect}",
            e.signal,
            e.value,
            if claims.is_empty() {
                "-".to_owned()
            } else {
                claims.join(", ")
            },
            e.rule,
            e.source,
            e.weight
        )?;
    }
    Ok(())
}
