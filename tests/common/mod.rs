//! Shared helpers for the integration tests: the corpus in `tests/data/`, the decoder's JSON,
//! and the oracles' outputs (tshark JSON, tcpdump text, Zeek logs, Suricata and lldpd
//! expectations).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// `tests/data/`.
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// A path under `tests/data/`.
pub fn data(rel: &str) -> PathBuf {
    data_dir().join(rel)
}

/// Every capture in `tests/data/` (pcap, pcapng, trace), oracles excluded, sorted.
pub fn all_captures() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                if p.file_name().is_some_and(|n| n == "oracle-tshark") {
                    continue;
                }
                walk(&p, out);
            } else if p
                .extension()
                .is_some_and(|x| x == "pcap" || x == "pcapng" || x == "trace")
            {
                out.push(p);
            }
        }
    }
    let mut v = Vec::new();
    walk(&data_dir(), &mut v);
    v.sort();
    v
}

/// The capture's path relative to `tests/data/`, with `/` separators.
pub fn rel(path: &Path) -> String {
    path.strip_prefix(data_dir())
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// `cybriq decode --json` of a capture, as values, keyed by frame index.
pub fn decode(path: &Path) -> BTreeMap<u64, Value> {
    cybriq::decode::decode_file_values(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .into_iter()
        .map(|v| (v["frame"].as_u64().expect("frame index"), v))
        .collect()
}

/// tshark's decode of a capture (`oracle-tshark/<rel>.tshark.json`): frame number → `layers`.
/// `None` when the corpus has no tshark oracle for it.
pub fn tshark(path: &Path) -> Option<BTreeMap<u64, Value>> {
    let o = data_dir()
        .join("oracle-tshark")
        .join(format!("{}.tshark.json", rel(path)));
    let text = std::fs::read_to_string(o).ok()?;
    let v: Vec<Value> = serde_json::from_str(&text).expect("tshark oracle parses");
    Some(
        v.into_iter()
            .map(|p| {
                let layers = p["_source"]["layers"].clone();
                let n = layers["frame"]["frame.number"]
                    .as_str()
                    .and_then(|s| s.parse().ok())
                    .expect("frame.number");
                (n, layers)
            })
            .collect(),
    )
}

/// Every value of the display-filter field `name` anywhere under `v` (tshark nests TLVs in
/// subtrees keyed by their summary line, and repeats become arrays), in document order.
pub fn tshark_all(v: &Value, name: &str) -> Vec<String> {
    fn flat(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(s) => out.push(s.clone()),
            Value::Array(a) => a.iter().for_each(|x| flat(x, out)),
            Value::Number(n) => out.push(n.to_string()),
            _ => {}
        }
    }
    fn walk(v: &Value, name: &str, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    if k == name {
                        flat(x, out);
                    }
                    walk(x, name, out);
                }
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, name, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, name, &mut out);
    out
}

/// The first value of a tshark field, if any.
pub fn tshark_one(v: &Value, name: &str) -> Option<String> {
    tshark_all(v, name).into_iter().next()
}

/// A field where the oracle is known to be wrong (or to decode differently on purpose), with
/// the reason. Listed once per protocol, in the protocol's oracle test.
#[derive(Debug, Clone, Copy)]
pub struct KnownWrong {
    /// Capture path relative to `tests/data/`.
    pub file: &'static str,
    /// Frame index (1-based), or 0 for every frame of the file.
    pub frame: u64,
    /// Our JSON field, dotted (`lldp.system_name`).
    pub field: &'static str,
    /// Why the oracle's value is not the right one.
    pub reason: &'static str,
}

/// Collects field comparisons against an oracle and fails once at the end with every
/// difference listed.
#[derive(Debug, Default)]
pub struct Agreement {
    /// Oracle name, for the report.
    pub oracle: &'static str,
    /// Fields compared.
    pub checked: usize,
    /// Fields that agreed only because a known-wrong entry excused them.
    pub excused: usize,
    /// Differences: file, frame, field, ours, theirs.
    pub diffs: Vec<String>,
    known: Vec<KnownWrong>,
}

impl Agreement {
    /// A new collector for `oracle` with its known-wrong table.
    pub fn new(oracle: &'static str, known: &[KnownWrong]) -> Self {
        Agreement {
            oracle,
            known: known.to_vec(),
            ..Default::default()
        }
    }

    /// Compares two string-ish values.
    pub fn eq<A: std::fmt::Debug + PartialEq<B>, B: std::fmt::Debug>(
        &mut self,
        file: &str,
        frame: u64,
        field: &str,
        ours: A,
        theirs: B,
    ) {
        self.checked += 1;
        if ours == theirs {
            return;
        }
        if self
            .known
            .iter()
            .any(|k| k.file == file && (k.frame == 0 || k.frame == frame) && k.field == field)
        {
            self.excused += 1;
            return;
        }
        self.diffs.push(format!(
            "{file} #{frame} {field}: ours {ours:?}, {} {theirs:?}",
            self.oracle
        ));
    }

    /// Panics listing every difference; prints the tally either way.
    pub fn finish(self, min_checked: usize) {
        eprintln!(
            "{}: {} fields checked, {} excused by the known-wrong table, {} differences",
            self.oracle,
            self.checked,
            self.excused,
            self.diffs.len()
        );
        assert!(
            self.diffs.is_empty(),
            "{} differences with {}:\n{}",
            self.diffs.len(),
            self.oracle,
            self.diffs.join("\n")
        );
        assert!(
            self.checked >= min_checked,
            "only {} fields compared with {}, expected at least {min_checked}",
            self.checked,
            self.oracle
        );
    }
}

/// A string field of our JSON at a dotted path (`lldp.system_name`), numbers and bools as text.
pub fn ours(v: &Value, path: &str) -> Option<String> {
    let mut cur = v;
    for k in path.split('.') {
        cur = match cur {
            Value::Object(m) => m.get(k)?,
            Value::Array(a) => a.get(k.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    match cur {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}
