//! Conformance with the syslog contract (`tests/data/reference/sensor-syslog-and-api-reference.txt`,
//! a copy of the project's `spec/`): a private rsyslogd runs the parser configuration we ship
//! for SIEMs (`deploy/siem/rsyslog-cybriq.conf`, RFC 5424 + `mmpstrucdata`) and parses
//! - every sample line of the reference (section 2's full message, section 3's per-type
//!   samples with a header put in front), which must come out field for field as written;
//! - one event of each of the twelve types as cybriq formats it (the `syslog-test` samples,
//!   which the engine raises).
//!
//! Every field name we send is in the reference's field table (section 4) or its sample
//! messages, or is documented in docs/events.md as a cybriq extension; change events keep the
//! reference sample's field order; list fields split on commas into names without commas.
//! Skips with a printed reason when rsyslogd is missing, fails under CI=true.

mod rsyslog;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use cybriq::emit::format::{FormatOptions, Payload, SeverityMapping};
use cybriq::event::{Event, sample};
use regex::Regex;
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn reference() -> String {
    std::fs::read_to_string(root().join("tests/data/reference/sensor-syslog-and-api-reference.txt"))
        .unwrap()
}

/// Field names of the reference's field table (section 4): rows `name | yes/… | meaning |`.
fn field_table(spec: &str) -> BTreeSet<String> {
    let start = spec.find("4. Field reference").expect("section 4");
    let end = spec[start..]
        .find("5. SIEM")
        .map_or(spec.len(), |e| start + e);
    let row = Regex::new(r"^([a-z_]+) \| ").unwrap();
    spec[start..end]
        .lines()
        .filter_map(|l| row.captures(l).map(|c| c[1].to_owned()))
        .collect()
}

/// The reference's sample messages as full RFC 5424 lines.
fn sample_lines(spec: &str) -> Vec<String> {
    let header = "<134>1 2026-05-10T17:08:12.482Z ese-bldg-3 cybriq 4231 ";
    spec.lines()
        .filter(|l| l.contains("[event@29051 "))
        .map(|l| {
            let l = l.trim();
            if l.starts_with('<') {
                l.to_owned()
            } else {
                format!("{header}{l}")
            }
        })
        .collect()
}

/// `name="value"` pairs of a line's structured data, in order, unescaped.
fn params(line: &str) -> Vec<(String, String)> {
    let sd = &line[line.find("[event@29051 ").unwrap() + 13..];
    let re = Regex::new(r#"([a-z_]+)="((?:[^"\\]|\\.)*)""#).unwrap();
    let end = {
        // The closing `]` outside a quoted value.
        let (mut quoted, mut esc) = (false, false);
        sd.char_indices()
            .find(|&(_, c)| {
                let close = !quoted && c == ']';
                if esc {
                    esc = false;
                } else if c == '\\' {
                    esc = true;
                } else if c == '"' {
                    quoted = !quoted;
                }
                close
            })
            .map_or(sd.len(), |(i, _)| i)
    };
    re.captures_iter(&sd[..end])
        .map(|c| {
            let v = c[2]
                .replace("\\\"", "\"")
                .replace("\\]", "]")
                .replace("\\\\", "\\");
            (c[1].to_owned(), v)
        })
        .collect()
}

/// Names docs/events.md documents as cybriq extensions (in a line that says so).
fn documented_extensions() -> BTreeSet<String> {
    let doc = std::fs::read_to_string(root().join("docs/events.md")).unwrap();
    let re = Regex::new(r"`([a-z_]+)`").unwrap();
    doc.lines()
        .filter(|l| l.contains("cybriq extension"))
        .flat_map(|l| {
            re.captures_iter(l)
                .map(|c| c[1].to_owned())
                .collect::<Vec<_>>()
        })
        .collect()
}

fn our_lines() -> Vec<(Event, String)> {
    let opts = FormatOptions::new(
        Payload::Rfc5424,
        16,
        SeverityMapping::Fixed(6),
        "sensor-1",
        "4231",
        8192,
    );
    let mut n = 0u128;
    sample::all(
        cybriq::clock::Timestamp(1_778_432_892_482_000),
        || {
            n += 1;
            n
        },
        "hq-bldg-3",
    )
    .into_iter()
    .map(|e| {
        let (mut out, mut scratch) = (Vec::new(), String::new());
        opts.format(&e, &mut out, &mut scratch);
        (e, String::from_utf8(out).unwrap())
    })
    .collect()
}

/// Runs rsyslogd with the shipped parser configuration on `lines`; the parsed records.
fn parse_with_shipped_config(bin: &Path, lines: &[String]) -> Vec<Value> {
    let dir = rsyslog::scratch("conformance");
    let rx = rsyslog::Shipped::start(bin, &dir, &root().join("deploy/siem/rsyslog-cybriq.conf"));
    let mut conn = std::net::TcpStream::connect(("127.0.0.1", rx.tcp_port)).unwrap();
    for l in lines {
        // RFC 6587 octet counting, as the emitter frames TCP.
        write!(conn, "{} {l}", l.len()).unwrap();
    }
    conn.flush().unwrap();
    drop(conn);
    let records: Vec<Value> = rx
        .lines(lines.len(), Duration::from_secs(20))
        .iter()
        .map(|l| {
            serde_json::from_str::<Value>(l)
                .unwrap_or_else(|e| panic!("template output is not JSON ({e}): {l}"))
        })
        .collect();
    assert_eq!(
        records.len(),
        lines.len(),
        "rsyslogd parsed {} of {} lines: {}",
        records.len(),
        lines.len(),
        rx.log()
    );
    records
}

fn fields(rec: &Value) -> BTreeMap<String, String> {
    rec["fields"]
        .as_object()
        .unwrap_or_else(|| panic!("no structured data parsed: {rec}"))
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
        .collect()
}

#[test]
fn the_reference_samples_and_everything_we_send_parse_with_the_shipped_config() {
    let spec = reference();
    let table = field_table(&spec);
    assert!(table.len() >= 17, "field table: {table:?}");
    let refs = sample_lines(&spec);
    assert!(refs.len() >= 3, "sample lines: {refs:?}");
    let reference_names: BTreeSet<String> = refs
        .iter()
        .flat_map(|l| params(l).into_iter().map(|(k, _)| k))
        .collect();
    let extensions = documented_extensions();
    let ours = our_lines();

    let name = Regex::new(r"^[+~-][a-z0-9_-]+(\.[a-z0-9_-]+)+$").unwrap();
    // What we send, checked without rsyslog too.
    let mut sent = BTreeSet::new();
    for (e, line) in &ours {
        let p = params(line);
        for (k, v) in &p {
            sent.insert(k.clone());
            if matches!(k.as_str(), "mitre" | "controls" | "changed") {
                for item in v.split(',') {
                    assert!(!item.is_empty(), "{k}={v:?}");
                }
            }
            if k == "changed" {
                for item in v.split(',') {
                    assert!(
                        name.is_match(item),
                        "changed item {item:?} is not +family.feature"
                    );
                }
            }
        }
        // Change events carry the reference sample's fields in its order.
        if e.previous_dna.is_some() && e.device_dna.is_some() {
            let names: Vec<&str> = p.iter().map(|(k, _)| k.as_str()).collect();
            let want = [
                "event_id",
                "event",
                "severity",
                "timestamp",
                "site",
                "switch",
                "port",
                "previous_dna",
                "current_dna",
                "similarity",
                "threshold",
                "previous_vendor",
                "current_vendor",
                "mitre",
                "controls",
            ];
            let seq: Vec<&str> = names.iter().copied().filter(|n| want.contains(n)).collect();
            let present: Vec<&str> = want.iter().copied().filter(|w| names.contains(w)).collect();
            assert_eq!(seq, present, "{}: order {names:?}", e.event.as_str());
            let get = |k: &str| p.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
            assert_eq!(get("current_dna"), get("device_dna"), "{line}");
            assert!(get("current_vendor").is_some(), "{line}");
        } else {
            assert!(!line.contains("current_dna="), "{line}");
        }
    }
    let undocumented: Vec<&String> = sent
        .iter()
        .filter(|k| {
            !table.contains(*k) && !reference_names.contains(*k) && !extensions.contains(*k)
        })
        .collect();
    assert!(
        undocumented.is_empty(),
        "fields we send that are neither in the reference nor documented in docs/events.md as a cybriq extension: {undocumented:?}"
    );
    println!("reference table: {table:?}");
    println!(
        "reference samples add: {:?}",
        reference_names.difference(&table).collect::<Vec<_>>()
    );
    println!(
        "cybriq extensions sent: {:?}",
        sent.iter()
            .filter(|k| !table.contains(*k) && !reference_names.contains(*k))
            .collect::<Vec<_>>()
    );

    let Some(bin) = rsyslog::rsyslogd() else {
        return;
    };
    let lines: Vec<String> = refs
        .iter()
        .cloned()
        .chain(ours.iter().map(|(_, l)| l.clone()))
        .collect();
    let recs = parse_with_shipped_config(&bin, &lines);
    // rsyslog writes in arrival order.
    for (line, rec) in lines.iter().zip(&recs) {
        let got = fields(rec);
        let want: BTreeMap<String, String> = params(line).into_iter().collect();
        assert_eq!(got, want, "parsed differently: {line}");
        assert_eq!(rec["app"], "cybriq");
    }
    for ((e, _), rec) in ours.iter().zip(&recs[refs.len()..]) {
        assert_eq!(rec["msgid"], e.event.as_str());
        assert_eq!(fields(rec)["event_id"], e.event_id.to_string());
    }
}
