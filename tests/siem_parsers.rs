//! The SIEM parser configurations in deploy/siem/ against what cybriq sends: the engine's events
//! of every type (the built-in micro-scenario `cybriq syslog-test` samples) plus the same with
//! RFC 5424's hard characters (`"`, `\`, `]`, also `[`, `=`, a trailing backslash, non-ASCII) in
//! every string field, delivered by cybriq's own emitter over TCP (octet counting) and UDP.
//! - rsyslog (`rsyslog-cybriq.conf`, `mmpstrucdata`) and syslog-ng (`syslog-ng-cybriq.conf`,
//!   `syslog-parser(flags(syslog-protocol))`) run for real on loopback; syslog-ng from Debian's
//!   syslog-ng-core unpacked by scripts/setup.sh (it conflicts with rsyslog).
//! - Splunk (`splunk/props.conf` + `transforms.conf`) and Elastic (`elastic-ingest-pipeline.json`)
//!   cannot run here: their patterns are read from the files and applied to the lines the
//!   emitter formats (Splunk's REGEX and EVAL replace() with the regex crate, which accepts
//!   them unchanged; Elastic's grok translated from its pattern definitions, the Painless
//!   script's two regexes applied with the script's own loop, which the test pins).
//!
//! For every parser, every event's parsed fields rebuild exactly that Event (same field names
//! as the Event's own, same values), and the header carries the event type as MSGID.
//! Skips with a printed reason when rsyslogd or syslog-ng is missing; fails under CI=true.

mod rsyslog;
mod syslog_ng;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

use cybriq::clock::Timestamp;
use cybriq::config::Config;
use cybriq::emit::{DrainOutcome, Emitter, Settings, format_options};
use cybriq::event::{Event, EventType, MovedFrom, sample};
use regex::Regex;
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn siem(file: &str) -> PathBuf {
    root().join("deploy/siem").join(file)
}

const HARD: &str = "q\"uote\" back\\slash ]close [open x=\"y\" caf\u{e9} \\\"]";

/// The engine's events of every type, then each again with hard characters in every string
/// field it carries (and a trailing backslash, the one escape a naive parser gets wrong).
fn test_events() -> Vec<Event> {
    let ts = Timestamp(1_778_432_892_482_000);
    let mut r = 1u128;
    let mut evs = sample::all(
        ts,
        || {
            r += 1;
            r
        },
        "hq-bldg-3",
    );
    for (i, t) in EventType::ALL.into_iter().enumerate() {
        let mut e = sample::event(
            t,
            Timestamp(ts.0 + 1000 * (i as i64 + 1)),
            1000 + i as u128,
            &format!("site {HARD}"),
        );
        e.port = format!("Gi1/0/{i} [uplink] {HARD}");
        e.switch = Some("sw-1 \"core\"]\\".into());
        let hard = |v: &mut Option<String>| {
            if let Some(v) = v {
                v.push_str(&format!(" {HARD} end\\"));
            }
        };
        hard(&mut e.vendor);
        hard(&mut e.previous_vendor);
        hard(&mut e.current_vendor);
        e.controls = vec!["PCI-4.0/12.5.1".into(), format!("ISO 27001 A.8.1] \"x\"\\")];
        if let Some(m) = &mut e.moved_from {
            m.port = format!("{} {HARD}", m.port);
        }
        evs.push(e);
    }
    evs
}

/// The Event a SIEM rebuilds from the parsed fields (all strings): numbers and booleans
/// parsed, lists split on ",", `moved_from` split at its first "/".
fn event_from_fields(f: &BTreeMap<String, String>) -> Event {
    let mut o = serde_json::Map::new();
    for (k, s) in f {
        let val = match k.as_str() {
            "similarity" | "threshold" | "confidence" => serde_json::json!(
                s.parse::<f64>()
                    .unwrap_or_else(|e| panic!("{k}={s:?}: {e}"))
            ),
            "change_window_match" | "unenrolled" | "flapping" | "impersonation" => {
                assert!(s == "true" || s == "false", "{k}={s:?}");
                serde_json::json!(s == "true")
            }
            "mitre" | "controls" | "changed" => serde_json::json!(s.split(',').collect::<Vec<_>>()),
            "moved_from" => {
                let (switch, port) = s.split_once('/').expect("moved_from is switch/port");
                serde_json::to_value(MovedFrom {
                    switch: switch.into(),
                    port: port.into(),
                })
                .unwrap()
            }
            _ => serde_json::json!(s),
        };
        o.insert(k.clone(), val);
    }
    serde_json::from_value(Value::Object(o)).unwrap_or_else(|e| panic!("{e}: {f:?}"))
}

/// The Event's own field list (the names it serialises, absent optionals left out).
fn field_names(e: &Event) -> BTreeSet<String> {
    serde_json::to_value(e)
        .unwrap()
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

/// The summary as the MSG carries it (control characters as spaces).
fn expected_msg(e: &Event) -> String {
    e.summary()
        .chars()
        .map(|c| if c.is_ascii_control() { ' ' } else { c })
        .collect()
}

/// One parsed record: its structured-data fields and the header's MSGID and MSG.
#[derive(Debug)]
struct Parsed {
    fields: BTreeMap<String, String>,
    msgid: String,
    msg: String,
}

/// Every event arrives `copies` times, each parsed into exactly its own fields.
fn check(parser: &str, recs: &[Parsed], evs: &[Event], copies: usize) {
    assert_eq!(
        recs.len(),
        evs.len() * copies,
        "{parser}: {} records for {} events x {copies}",
        recs.len(),
        evs.len()
    );
    let mut by_id: HashMap<&str, Vec<&Parsed>> = HashMap::new();
    for r in recs {
        let id = r
            .fields
            .get("event_id")
            .unwrap_or_else(|| panic!("{parser}: no event_id in {r:?}"));
        by_id.entry(id.as_str()).or_default().push(r);
    }
    let mut n_fields = 0;
    for e in evs {
        let id = e.event_id.to_string();
        let got = by_id.get(id.as_str()).map_or(&[][..], Vec::as_slice);
        assert_eq!(got.len(), copies, "{parser}: {id} ({})", e.event.as_str());
        for r in got {
            let names: BTreeSet<String> = r.fields.keys().cloned().collect();
            assert_eq!(names, field_names(e), "{parser}: field names of {id}");
            assert_eq!(event_from_fields(&r.fields), *e, "{parser}: fields of {id}");
            assert_eq!(r.msgid, e.event.as_str(), "{parser}: MSGID of {id}");
            assert_eq!(
                r.msg.trim_start_matches('\u{feff}'),
                expected_msg(e),
                "{parser}: MSG of {id}"
            );
            n_fields += names.len();
        }
    }
    println!(
        "{parser}: {} records, {n_fields} fields parsed and equal",
        recs.len()
    );
}

fn json_string_map(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .unwrap_or_else(|| panic!("no structured data parsed: {v}"))
        .iter()
        .map(|(k, v)| {
            let s = v
                .as_str()
                .unwrap_or_else(|| panic!("{k}: not a string: {v}"));
            (k.clone(), s.to_owned())
        })
        .collect()
}

fn parsed_json_lines(parser: &str, lines: &[String]) -> Vec<Parsed> {
    lines
        .iter()
        .map(|l| {
            let v: Value = serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("{parser}: output is not JSON ({e}): {l}"));
            assert_eq!(v["app"], "cybriq", "{parser}: {l}");
            assert_eq!(v["hostname"], "sensor-test", "{parser}: {l}");
            Parsed {
                fields: json_string_map(&v["fields"]),
                msgid: v["msgid"].as_str().unwrap_or_default().to_owned(),
                msg: v["msg"].as_str().unwrap_or_default().to_owned(),
            }
        })
        .collect()
}

fn config(rs_tcp: u16, rs_udp: u16, ng_tcp: u16, ng_udp: u16) -> Config {
    let mut toml = String::new();
    for (name, mode, port) in [
        ("rsyslog-tcp", "tcp", rs_tcp),
        ("rsyslog-udp", "udp", rs_udp),
        ("syslog-ng-tcp", "tcp", ng_tcp),
        ("syslog-ng-udp", "udp", ng_udp),
    ] {
        if port == 0 {
            continue;
        }
        toml.push_str(&format!(
            "[[destination]]\nname = \"{name}\"\nmode = \"{mode}\"\naddress = \"127.0.0.1:{port}\"\nconfirm_after_ms = 300\n{}",
            if mode == "udp" {
                "max_message_size = 8192\n"
            } else {
                ""
            }
        ));
    }
    Config::parse(&toml, "test").unwrap()
}

/// Delivers `evs` with cybriq's emitter to every destination of `cfg`.
fn deliver(dir: &Path, cfg: &Config, evs: &[Event]) {
    let settings = Settings {
        db: dir.join("state").join("cybriq.sqlite3"),
        hostname: "sensor-test".into(),
        procid: "4242".into(),
    };
    let em = Emitter::start(&settings, &cfg.destination).unwrap();
    em.submit_batch(evs).unwrap();
    for (name, o) in em.drain(Duration::from_secs(30)).unwrap() {
        assert_eq!(o, DrainOutcome::Delivered, "{name}");
    }
    em.shutdown();
}

const SYSLOG_NG_MAIN: &str = r#"
@include "`conf`"
source s_cybriq {
  syslog(ip("127.0.0.1") port(`tcp_port`) transport("tcp") flags(no-parse));
  syslog(ip("127.0.0.1") port(`udp_port`) transport("udp") flags(no-parse));
};
destination d_cybriq { file("`out`" template(t_cybriq_json)); };
log { source(s_cybriq); parser(p_cybriq); filter(f_cybriq); destination(d_cybriq); };
"#;

#[test]
fn rsyslog_and_syslog_ng_parse_every_field_of_every_event_type() {
    let rs_bin = rsyslog::rsyslogd();
    let ng_root = syslog_ng::root();
    if rs_bin.is_none() && ng_root.is_none() {
        return;
    }
    let dir = rsyslog::scratch("siem-parsers");
    let rs = rs_bin.map(|bin| {
        let d = dir.join("rsyslog");
        std::fs::create_dir_all(&d).unwrap();
        rsyslog::Shipped::start(&bin, &d, &siem("rsyslog-cybriq.conf"))
    });
    let ng = ng_root.map(|r| {
        let d = dir.join("syslog-ng");
        std::fs::create_dir_all(&d).unwrap();
        let main = SYSLOG_NG_MAIN.replace(
            "`conf`",
            &siem("syslog-ng-cybriq.conf").display().to_string(),
        );
        syslog_ng::SyslogNg::start(&r, &d, &main)
    });
    let (rs_tcp, rs_udp) = rs.as_ref().map_or((0, 0), |s| (s.tcp_port, s.udp_port));
    let (ng_tcp, ng_udp) = ng.as_ref().map_or((0, 0), |s| (s.tcp_port, s.udp_port));
    let evs = test_events();
    deliver(&dir, &config(rs_tcp, rs_udp, ng_tcp, ng_udp), &evs);
    let want = 2 * evs.len();
    if let Some(rs) = &rs {
        let lines = rs.lines(want, Duration::from_secs(20));
        assert_eq!(lines.len(), want, "rsyslog: {}", rs.log());
        check("rsyslog", &parsed_json_lines("rsyslog", &lines), &evs, 2);
    }
    if let Some(ng) = &ng {
        let lines = ng.lines(want, Duration::from_secs(20));
        assert_eq!(lines.len(), want, "syslog-ng: {}", ng.log());
        check(
            "syslog-ng",
            &parsed_json_lines("syslog-ng", &lines),
            &evs,
            2,
        );
    }
}

/// The lines the emitter sends for `evs` (a TCP destination's format options).
fn formatted(evs: &[Event]) -> Vec<String> {
    let cfg = config(1468, 0, 0, 0);
    let opts = format_options(&cfg.destination[0], "sensor-test", "4242");
    evs.iter()
        .map(|e| {
            let (mut out, mut scratch) = (Vec::new(), String::new());
            opts.format(e, &mut out, &mut scratch);
            String::from_utf8(out).unwrap()
        })
        .collect()
}

/// `[stanza]` → key → value of a Splunk .conf file (comments and blank lines skipped).
fn splunk_conf(path: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut stanza = String::new();
    for l in text.lines().map(str::trim) {
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        if let Some(s) = l.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            stanza = s.to_owned();
            continue;
        }
        let (k, v) = l
            .split_once(" = ")
            .unwrap_or_else(|| panic!("{}: not key = value: {l}", path.display()));
        let prev = out
            .entry(stanza.clone())
            .or_default()
            .insert(k.to_owned(), v.to_owned());
        assert!(prev.is_none(), "{}: {k} twice", path.display());
    }
    out
}

/// A Splunk eval string literal's value (`\\` and `\"` escapes).
fn splunk_literal(s: &str) -> String {
    let mut out = String::new();
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c == '\\' {
            out.push(it.next().expect("dangling backslash in an eval literal"));
        } else {
            out.push(c);
        }
    }
    out
}

/// Splunk's search-time extraction of one event as props.conf/transforms.conf define it.
struct Splunk {
    sd: Regex,
    params: Regex,
    evals: BTreeMap<String, (Regex, String)>,
}

impl Splunk {
    fn load() -> Splunk {
        let props = splunk_conf(&siem("splunk/props.conf"));
        let transforms = splunk_conf(&siem("splunk/transforms.conf"));
        let st = &props["cybriq:sensor"];
        assert_eq!(st["REPORT-cybriq"], "cybriq_sd, cybriq_sd_params");
        assert_eq!(st["KV_MODE"], "none");
        let sd = &transforms["cybriq_sd"];
        assert_eq!(sd["FORMAT"], "cybriq_sd::$1");
        let params = &transforms["cybriq_sd_params"];
        assert_eq!(params["SOURCE_KEY"], "cybriq_sd");
        assert_eq!(params["FORMAT"], "$1::$2");
        let call =
            Regex::new(r#"^replace\(([a-z_]+), "((?:[^"\\]|\\.)*)", "((?:[^"\\]|\\.)*)"\)$"#)
                .unwrap();
        let backref = Regex::new(r"\\(\d)").unwrap();
        let evals = st
            .iter()
            .filter_map(|(k, v)| k.strip_prefix("EVAL-").map(|f| (f, v)))
            .map(|(f, v)| {
                let c = call.captures(v).unwrap_or_else(|| {
                    panic!("EVAL-{f} is not replace({f}, \"re\", \"with\"): {v}")
                });
                assert_eq!(&c[1], f, "EVAL-{f} reads another field");
                let re = Regex::new(&splunk_literal(&c[2])).expect("EVAL regex");
                let with = backref
                    .replace_all(&splunk_literal(&c[3]), "$${$1}")
                    .into_owned();
                (f.to_owned(), (re, with))
            })
            .collect();
        Splunk {
            sd: Regex::new(&sd["REGEX"]).expect("cybriq_sd REGEX"),
            params: Regex::new(&params["REGEX"]).expect("cybriq_sd_params REGEX"),
            evals,
        }
    }

    /// The fields, and what follows the structured data (the MSG after its separating space).
    fn fields<'l>(&self, line: &'l str) -> (BTreeMap<String, String>, &'l str) {
        let c = self
            .sd
            .captures(line)
            .unwrap_or_else(|| panic!("cybriq_sd does not match: {line}"));
        let rest = &line[c.get(0).unwrap().end()..];
        let sd = c[1].to_owned();
        let mut out = BTreeMap::new();
        for c in self.params.captures_iter(&sd) {
            let (k, raw) = (&c[1], &c[2]);
            let (re, with) = self
                .evals
                .get(k)
                .unwrap_or_else(|| panic!("no EVAL-{k} unescapes field {k}"));
            let v = re.replace_all(raw, with.as_str()).into_owned();
            assert!(out.insert(k.to_owned(), v).is_none(), "{k} twice: {line}");
        }
        (out, rest.strip_prefix(' ').unwrap_or(rest))
    }
}

/// Grok pattern definitions the pipeline uses, as regexes (from Elasticsearch's
/// `grok-patterns`: NONNEGINT `\b(?:[0-9]+)\b`, NOTSPACE `\S+`, GREEDYDATA `.*`).
fn grok_definition(name: &str) -> &'static str {
    match name {
        "NONNEGINT" => r"\b(?:[0-9]+)\b",
        "NOTSPACE" => r"\S+",
        "GREEDYDATA" => r".*",
        other => panic!("grok pattern {other} has no translation in this test"),
    }
}

/// Elastic's pipeline on one line: grok (translated), then the Painless script's loop.
struct Elastic {
    grok: Regex,
    /// Capture group name → the document field grok writes.
    targets: Vec<(String, String)>,
    param: Regex,
    unescape: Regex,
}

impl Elastic {
    fn load() -> Elastic {
        let p: Value = serde_json::from_str(
            &std::fs::read_to_string(siem("elastic-ingest-pipeline.json")).unwrap(),
        )
        .unwrap();
        let procs = p["processors"].as_array().unwrap();
        let grok = &procs[0]["grok"];
        assert_eq!(grok["field"], "message");
        let pattern = grok["patterns"][0].as_str().unwrap();
        let sub = Regex::new(r"%\{([A-Z]+):([a-z_.]+)(?::[a-z]+)?\}").unwrap();
        let mut targets = Vec::new();
        let translated = sub.replace_all(pattern, |c: &regex::Captures| {
            let g = format!("g{}", targets.len());
            targets.push((g.clone(), c[2].to_owned()));
            format!("(?P<{g}>{})", grok_definition(&c[1]))
        });
        let script = procs[1]["script"]["source"].as_str().unwrap();
        // The loop this test reproduces; a change to it must change the test too.
        for fragment in [
            ".matcher(ctx.cybriq_sd);",
            "while (m.find()) { fields.put(m.group(1), ",
            ".matcher(m.group(2)).replaceAll('$1')); }",
            "ctx.cybriq = fields;",
        ] {
            assert!(
                script.contains(fragment),
                "script changed: {fragment} missing"
            );
        }
        let literal = Regex::new(r"/((?:[^/\\\n]|\\.)+)/\.matcher").unwrap();
        let res: Vec<&str> = literal
            .captures_iter(script)
            .map(|c| c.get(1).unwrap().as_str())
            .collect();
        assert_eq!(res.len(), 2, "the script's regex literals: {res:?}");
        Elastic {
            grok: Regex::new(&translated).expect("translated grok"),
            targets,
            param: Regex::new(res[0]).unwrap(),
            unescape: Regex::new(res[1]).unwrap(),
        }
    }

    /// The document's `cybriq` object, `event.action` and `message`.
    fn parse(&self, line: &str) -> Parsed {
        let c = self
            .grok
            .captures(line)
            .unwrap_or_else(|| panic!("grok does not match: {line}"));
        let get = |field: &str| {
            if let Some((g, _)) = self.targets.iter().find(|(_, f)| f == field) {
                return c[g.as_str()].to_owned();
            }
            c[field].to_owned()
        };
        let fields = self
            .param
            .captures_iter(&get("cybriq_sd"))
            .map(|p| {
                (
                    p[1].to_owned(),
                    self.unescape.replace_all(&p[2], "${1}").into_owned(),
                )
            })
            .collect();
        // Java's String.trim() strips every char <= ' '; then the BOM, as the script does.
        let msg = get("cybriq_msg");
        let msg = msg.trim_matches(|ch| ch <= ' ');
        Parsed {
            fields,
            msgid: get("event.action"),
            msg: msg.strip_prefix('\u{feff}').unwrap_or(msg).to_owned(),
        }
    }
}

#[test]
fn splunk_and_elastic_extractions_recover_every_field_of_every_event_type() {
    let evs = test_events();
    let lines = formatted(&evs);
    let splunk = Splunk::load();
    let recs: Vec<Parsed> = lines
        .iter()
        .map(|l| {
            let (fields, msg) = splunk.fields(l);
            Parsed {
                fields,
                msgid: l.split(' ').nth(5).unwrap().to_owned(),
                msg: msg.to_owned(),
            }
        })
        .collect();
    check("splunk", &recs, &evs, 1);
    let elastic = Elastic::load();
    let recs: Vec<Parsed> = lines.iter().map(|l| elastic.parse(l)).collect();
    check("elastic", &recs, &evs, 1);
}
