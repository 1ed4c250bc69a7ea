//! Writes every frame of every capture under `tests/data/` as a seed for the `frame` fuzz
//! target: one file per frame, the first byte selecting the link type as
//! `cybriq::wire::fuzzing::frame` expects (0 Ethernet, 1 Linux cooked, 2 Linux cooked v2,
//! 3 Cisco HDLC).
//!
//! Usage: `cargo run --example frame_seeds -- OUT_DIR`

use std::path::{Path, PathBuf};

use cybriq::capture::read_all;
use cybriq::wire::LinkType;

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p
            .extension()
            .is_some_and(|x| x == "pcap" || x == "pcapng" || x == "trace")
        {
            out.push(p);
        }
    }
}

fn main() -> std::io::Result<()> {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "fuzz/corpus/frame".into()),
    );
    std::fs::create_dir_all(&out)?;
    let mut files = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data"),
        &mut files,
    );
    let mut n = 0;
    for f in files {
        let Ok((link, recs, _)) = read_all(&f) else {
            continue;
        };
        let sel = match link {
            LinkType::Ethernet => 0u8,
            LinkType::LinuxSll => 1,
            LinkType::LinuxSll2 => 2,
            LinkType::CiscoHdlc => 3,
        };
        for (_, data) in recs.iter().take(64) {
            let mut seed = Vec::with_capacity(data.len() + 1);
            seed.push(sel);
            seed.extend_from_slice(data);
            std::fs::write(out.join(format!("seed-{n:05}")), seed)?;
            n += 1;
        }
    }
    eprintln!("{n} seeds written to {}", out.display());
    Ok(())
}
