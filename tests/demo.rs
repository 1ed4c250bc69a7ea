//! `cybriq demo`: the bundled scenario (`deploy/demo/`) is what its generator writes, and the
//! built binary replays it, from any directory, to exactly the story's events.
//!
//! Regenerate the bundled files after changing the story or the corpus helpers:
//! `CYBRIQ_WRITE_DEMO=1 cargo test --test demo write_demo`.

mod demo_scenario;
mod scenario_support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cybriq::event::{Event, EventType as T};

fn demo_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/demo")
}

/// With `CYBRIQ_WRITE_DEMO=1`, writes `deploy/demo/{site.pcap,fdb.json,sensor.toml}`;
/// otherwise checks that the committed files are exactly what the generator produces.
#[test]
fn write_demo() {
    let files = demo_scenario::generate();
    let dir = demo_dir();
    if std::env::var_os("CYBRIQ_WRITE_DEMO").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("site.pcap"), &files.pcap).unwrap();
        std::fs::write(dir.join("fdb.json"), &files.fdb).unwrap();
        std::fs::write(dir.join("sensor.toml"), &files.config).unwrap();
        eprintln!(
            "wrote {}: site.pcap {} bytes, fdb.json {} bytes, sensor.toml {} bytes",
            dir.display(),
            files.pcap.len(),
            files.fdb.len(),
            files.config.len()
        );
        return;
    }
    let read = |name: &str| {
        std::fs::read(dir.join(name)).unwrap_or_else(|e| {
            panic!(
                "deploy/demo/{name}: {e} (regenerate: CYBRIQ_WRITE_DEMO=1 cargo test --test demo write_demo)"
            )
        })
    };
    let hint = "differs from what the generator writes; regenerate with \
                CYBRIQ_WRITE_DEMO=1 cargo test --test demo write_demo and commit";
    assert!(
        read("site.pcap") == files.pcap,
        "deploy/demo/site.pcap {hint}"
    );
    assert!(
        read("fdb.json") == files.fdb.as_bytes(),
        "deploy/demo/fdb.json {hint}"
    );
    assert!(
        read("sensor.toml") == files.config.as_bytes(),
        "deploy/demo/sensor.toml {hint}"
    );
    assert!(
        files.pcap.len() < 512 * 1024,
        "the bundled capture should stay small: {} bytes",
        files.pcap.len()
    );
}

/// A fresh scratch directory under the target's temporary directory (outside the repo's
/// sources), removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("demo-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        Scratch(d)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Run {
    stdout: String,
    stderr: String,
}

/// Runs `cybriq demo ARGS` from `cwd` (a directory with nothing of the repository in it) with
/// no `CYBRIQ_*` variable set, so it can only use what is built into the binary.
fn demo(cwd: &Path, args: &[&str]) -> Run {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_cybriq"));
    cmd.arg("demo").args(args).current_dir(cwd);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("CYBRIQ_") {
            cmd.env_remove(k);
        }
    }
    let started = std::time::Instant::now();
    let o = cmd.output().expect("run cybriq demo");
    let stdout = String::from_utf8(o.stdout).expect("UTF-8 stdout");
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(
        o.status.code() == Some(0),
        "cybriq demo {args:?} exited with {:?}:\n{stderr}",
        o.status
    );
    eprintln!("cybriq demo {args:?}: {:.2?}", started.elapsed());
    Run { stdout, stderr }
}

/// One parsed RFC 5424 message (RFC 5424 §6).
#[derive(Debug)]
struct Syslog {
    pri: u8,
    timestamp: String,
    app_name: String,
    msgid: String,
    sd_id: String,
    params: BTreeMap<String, String>,
    msg: String,
}

/// Parses `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD-ID PARAM="VALUE"...] MSG`: one
/// SD element, param values with `\"`, `\\` and `\]` escapes, as the emitter writes them.
fn parse_rfc5424(line: &str) -> Result<Syslog, String> {
    let rest = line.strip_prefix('<').ok_or("no PRI")?;
    let (pri, rest) = rest.split_once('>').ok_or("PRI not closed")?;
    if pri.is_empty() || pri.len() > 3 || !pri.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("PRI {pri:?}"));
    }
    let pri: u8 = pri.parse().map_err(|_| "PRI > 191")?;
    if pri > 191 {
        return Err(format!("PRI {pri}"));
    }
    let mut fields = rest.splitn(7, ' ');
    let mut next = |what: &str| fields.next().ok_or(format!("no {what}"));
    if next("VERSION")? != "1" {
        return Err("VERSION is not 1".into());
    }
    let timestamp = next("TIMESTAMP")?.to_owned();
    cybriq::event::parse_rfc3339(&timestamp).map_err(|e| format!("TIMESTAMP: {e}"))?;
    let header = [
        next("HOSTNAME")?,
        next("APP-NAME")?,
        next("PROCID")?,
        next("MSGID")?,
    ];
    for (h, max) in header.iter().zip([255, 48, 128, 32]) {
        if h.is_empty() || h.len() > max || !h.bytes().all(|b| (33..=126).contains(&b)) {
            return Err(format!("header field {h:?}"));
        }
    }
    let sd = next("STRUCTURED-DATA")?;
    let sd = sd.strip_prefix('[').ok_or("no SD element")?;
    let (sd_id, mut s) = sd.split_once(' ').ok_or("SD-ID")?;
    let mut params = BTreeMap::new();
    let msg = loop {
        if let Some(after) = s.strip_prefix(']') {
            break after.strip_prefix(' ').unwrap_or(after).to_owned();
        }
        s = s.strip_prefix(' ').unwrap_or(s);
        let (name, after) = s.split_once("=\"").ok_or(format!("param at {s:?}"))?;
        if name.is_empty() || name.len() > 32 || name.contains([' ', '=', ']', '"']) {
            return Err(format!("PARAM-NAME {name:?}"));
        }
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next() {
                Some((_, '\\')) => match chars.next() {
                    Some((_, c @ ('"' | '\\' | ']'))) => value.push(c),
                    Some((_, c)) => {
                        value.push('\\');
                        value.push(c);
                    }
                    None => return Err("escape at the end".into()),
                },
                Some((i, '"')) => break i,
                Some((_, ']')) => return Err(format!("unescaped ] in {name}")),
                Some((_, c)) => value.push(c),
                None => return Err(format!("value of {name} not closed")),
            }
        };
        if params.insert(name.to_owned(), value).is_some() {
            return Err(format!("{name} twice"));
        }
        s = &after[end + 1..];
    };
    Ok(Syslog {
        pri,
        timestamp,
        app_name: header[1].to_owned(),
        msgid: header[3].to_owned(),
        sd_id: sd_id.to_owned(),
        params,
        msg,
    })
}

#[test]
fn rfc5424_parser_reads_escapes_and_rejects_garbage() {
    let m = parse_rfc5424(
        r#"<134>1 2026-05-04T08:00:07.000Z h cybriq 1 device-appeared [event@29051 a="x\"y\]z\\" b=""] Hello."#,
    )
    .unwrap();
    assert_eq!(m.params["a"], r#"x"y]z\"#);
    assert_eq!(m.params["b"], "");
    assert_eq!(m.msg, "Hello.");
    for bad in [
        "134>1 2026-05-04T08:00:07.000Z h a 1 m [x a=\"1\"] M",
        "<134>2 2026-05-04T08:00:07.000Z h a 1 m [x a=\"1\"] M",
        "<134>1 yesterday h a 1 m [x a=\"1\"] M",
        "<134>1 2026-05-04T08:00:07.000Z h a 1 m [x a=\"1] M",
        "<134>1 2026-05-04T08:00:07.000Z h a 1 m [x a=\"1\"",
        "<999>1 2026-05-04T08:00:07.000Z h a 1 m [x a=\"1\"] M",
    ] {
        assert!(parse_rfc5424(bad).is_err(), "{bad}");
    }
}

type Key = (T, String, String);

fn as_counts(keys: impl IntoIterator<Item = Key>) -> BTreeMap<Key, usize> {
    let mut m = BTreeMap::new();
    for k in keys {
        *m.entry(k).or_default() += 1;
    }
    m
}

#[test]
fn demo_prints_the_story_as_rfc5424_lines_then_the_port_summary() {
    let cwd = Scratch::new("text");
    let run = demo(&cwd.0, &[]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    let first_event = lines
        .iter()
        .position(|l| l.starts_with('<'))
        .unwrap_or_else(|| panic!("no syslog line:\n{}", run.stdout));
    let header = &lines[..first_event];
    assert!(
        header.iter().any(|l| l.starts_with("cybriq demo:")),
        "{header:?}"
    );
    let summary_at = lines
        .iter()
        .position(|l| l.starts_with("SWITCH "))
        .unwrap_or_else(|| panic!("no port summary:\n{}", run.stdout));
    assert!(summary_at > first_event);
    let events: Vec<Syslog> = lines[first_event..summary_at]
        .iter()
        .map(|l| parse_rfc5424(l).unwrap_or_else(|e| panic!("not RFC 5424 ({e}): {l}")))
        .collect();

    let mut got = Vec::new();
    for m in &events {
        let p = &m.params;
        assert_eq!(m.pri, 134, "facility 16, severity 6");
        assert_eq!(m.app_name, "cybriq");
        assert_eq!(m.sd_id, "event@29051");
        assert_eq!(p["event"], m.msgid);
        assert_eq!(p["timestamp"], m.timestamp);
        assert_eq!(p["site"], demo_scenario::SITE);
        assert_eq!(p["switch"], demo_scenario::SW);
        assert!(p["event_id"].starts_with("evt_"), "{p:?}");
        assert!(!m.msg.is_empty());
        let t: T = m.msgid.parse().unwrap_or_else(|_| panic!("{}", m.msgid));
        got.push((
            t,
            p["port"].clone(),
            p.get("mac").cloned().unwrap_or_default(),
        ));
    }
    let ts: Vec<&str> = events.iter().map(|e| e.timestamp.as_str()).collect();
    let mut sorted = ts.clone();
    sorted.sort_unstable();
    assert_eq!(ts, sorted, "events in time order as they are raised");
    assert_eq!(
        as_counts(got),
        demo_scenario::expected(),
        "the demo's events are the story's"
    );
    // A few fields an analyst looks at first.
    let find = |t: &str| events.iter().find(|e| e.msgid == t).unwrap();
    let fw = find("device-firmware-shift");
    assert_eq!(fw.params["change_window_match"], "true");
    let sim: f64 = fw.params["similarity"].parse().unwrap();
    assert!((0.65..0.85).contains(&sim), "{sim}");
    let sub = find("device-substituted");
    let sim: f64 = sub.params["similarity"].parse().unwrap();
    assert!(sim < 0.65, "{sim}");
    assert!(sub.params["previous_vendor"].contains("7912"));
    assert_eq!(
        find("ndaa-prohibited-detected").params["ndaa_status"],
        "prohibited"
    );

    // The summary: one row per port of the site, the substituted port marked.
    let rows = &lines[summary_at + 1..];
    assert_eq!(rows.len(), 6, "{rows:#?}");
    for p in 1..=6 {
        let name = demo_scenario::port_name(p);
        let row = rows
            .iter()
            .find(|r| r.split_whitespace().nth(1) == Some(name.as_str()))
            .unwrap_or_else(|| panic!("no row for {name}: {rows:#?}"));
        assert!(row.starts_with(demo_scenario::SW), "{row}");
        if p == 2 {
            assert!(row.ends_with("substituted"), "{row}");
        }
    }
    // Nothing was written where it ran, and the temporary state is gone.
    assert_eq!(std::fs::read_dir(&cwd.0).unwrap().count(), 0);
    assert!(run.stderr.contains("16 events"), "{}", run.stderr);
}

#[test]
fn demo_json_prints_one_event_object_per_line_with_the_reference_fields() {
    let cwd = Scratch::new("json");
    let run = demo(&cwd.0, &["--json"]);
    let mut got = Vec::new();
    for l in run.stdout.lines() {
        let v: serde_json::Value =
            serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"));
        let obj = v
            .as_object()
            .unwrap_or_else(|| panic!("not an object: {l}"));
        for k in ["event_id", "event", "severity", "timestamp", "site", "port"] {
            assert!(obj.contains_key(k), "{k} missing: {l}");
        }
        // The engine's Event, which denies unknown fields: only the reference's names.
        let e: Event = serde_json::from_value(v.clone())
            .unwrap_or_else(|err| panic!("not an Event ({err}): {l}"));
        assert_eq!(e.site, demo_scenario::SITE);
        got.push((e.event, e.port.clone(), e.mac.clone().unwrap_or_default()));
    }
    assert_eq!(as_counts(got), demo_scenario::expected());
    // The header and the summary went to stderr.
    assert!(run.stderr.contains("cybriq demo:"), "{}", run.stderr);
    assert!(run.stderr.contains("SWITCH "), "{}", run.stderr);
}

#[test]
fn demo_keep_leaves_the_database_and_the_files() {
    let cwd = Scratch::new("keep-cwd");
    let keep = Scratch::new("keep");
    let dir = keep.0.join("state");
    let run = demo(&cwd.0, &["--json", "--keep", dir.to_str().unwrap()]);
    let n_stdout = run.stdout.lines().count();
    for f in ["site.pcap", "fdb.json", "sensor.toml", "cybriq.sqlite3"] {
        assert!(dir.join(f).is_file(), "{f} not kept");
    }
    let conn = rusqlite::Connection::open(dir.join("cybriq.sqlite3")).unwrap();
    let rows: Vec<(String, String, Option<String>)> = conn
        .prepare("SELECT event, port, mac FROM events ORDER BY seq")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows.len(), n_stdout, "every printed event is stored");
    let stored = as_counts(
        rows.into_iter()
            .map(|(e, p, m)| (e.parse::<T>().unwrap(), p, m.unwrap_or_default())),
    );
    assert_eq!(stored, demo_scenario::expected());
    // The kept files are the bundled ones.
    let files = demo_scenario::generate();
    assert!(std::fs::read(dir.join("site.pcap")).unwrap() == files.pcap);
    // A second run into the same directory would resume, not start the story again: refused.
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_cybriq"))
        .args(["demo", "--keep"])
        .arg(&dir)
        .current_dir(&cwd.0)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("already exists"));
}
