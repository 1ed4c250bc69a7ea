//! CEF payload: an RFC 5424 header with no structured data (`-`) and a CEF record as MSG:
//! `CEF:0|CybrIQ|Sensor|<version>|<event>|<title>|<0-10>|<extension>`.
//!
//! Header fields escape `\` and `|` (line breaks become spaces); extension values escape `\`,
//! `=` and line breaks (`\n`, `\r`). The mapping (also in docs/events.md):
//!
//! | event field | CEF |
//! |---|---|
//! | `event` | Signature ID; Name is the type's title |
//! | `severity` / priority | Severity 0–10: P1 high 9, P2 medium 6, P3 medium 5, P3 low 3, P4 low 2; also `cybriqSeverity`, `cybriqPriority` |
//! | `event_id` | `externalId` |
//! | `timestamp` | `rt` (milliseconds since the epoch) |
//! | sensor host name | `dvchost` |
//! | `mac` | `smac` |
//! | `site`, `switch`, `port`, `device_dna`, `previous_dna`, `vendor` | `cs1`..`cs6` with `cs1Label`..`cs6Label` = the field name |
//! | `similarity`, `threshold`, `confidence` | `cfp1`..`cfp3` with `cfp1Label`..`cfp3Label` |
//! | `ndaa_status`, `mitre` | `flexString1`, `flexString2` with their labels |
//! | `current_dna`, `previous_vendor`, `current_vendor`, `controls`, `change_window_match`, `changed`, `unenrolled` | `cybriqCurrentDna`, `cybriqPreviousVendor`, `cybriqCurrentVendor`, `cybriqControls`, `cybriqChangeWindowMatch`, `cybriqChanged`, `cybriqUnenrolled` |
//! | `flapping`, `impersonation`, `moved_from` (`switch/port`) | `cybriqFlapping`, `cybriqImpersonation`, `cybriqMovedFrom` |
//! | summary | `msg` (last, shortened to fit `max_message_size`) |

use crate::event::{Event, Severity};

use super::format::{FormatOptions, floor_char_boundary, push_f64, push_u64};

/// The product version in the CEF header.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// CEF severity (0–10) for an event.
pub fn cef_severity(ev: &Event) -> u8 {
    match (ev.priority().0, ev.severity) {
        (1, _) | (_, Severity::High) => 9,
        (2, _) => 6,
        (_, Severity::Medium) => 5,
        (3, _) => 3,
        _ => 2,
    }
}

/// Appends a CEF header field, escaping `\` and `|`; line breaks become spaces.
pub fn escape_header(out: &mut Vec<u8>, s: &str) {
    for &c in s.as_bytes() {
        match c {
            b'\\' | b'|' => {
                out.push(b'\\');
                out.push(c);
            }
            b'\n' | b'\r' => out.push(b' '),
            _ => out.push(c),
        }
    }
}

/// Appends a CEF extension value, escaping `\`, `=` and line breaks.
pub fn escape_ext(out: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    let mut start = 0;
    for (i, &c) in b.iter().enumerate() {
        let rep: &[u8] = match c {
            b'\\' => b"\\\\",
            b'=' => b"\\=",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            _ => continue,
        };
        out.extend_from_slice(&b[start..i]);
        out.extend_from_slice(rep);
        start = i + 1;
    }
    out.extend_from_slice(&b[start..]);
}

fn ext(out: &mut Vec<u8>, key: &str, value: &str) {
    out.push(b' ');
    out.extend_from_slice(key.as_bytes());
    out.push(b'=');
    escape_ext(out, value);
}

fn labelled(out: &mut Vec<u8>, key: &str, value: &Option<String>, label: &str) {
    if let Some(v) = value {
        ext(out, key, v);
        out.push(b' ');
        out.extend_from_slice(key.as_bytes());
        out.extend_from_slice(b"Label=");
        out.extend_from_slice(label.as_bytes());
    }
}

fn labelled_f64(out: &mut Vec<u8>, key: &str, value: Option<f64>, label: &str) {
    if let Some(v) = value {
        out.push(b' ');
        out.extend_from_slice(key.as_bytes());
        out.push(b'=');
        push_f64(out, v);
        out.push(b' ');
        out.extend_from_slice(key.as_bytes());
        out.extend_from_slice(b"Label=");
        out.extend_from_slice(label.as_bytes());
    }
}

fn list(out: &mut Vec<u8>, key: &str, values: &[String]) {
    if !values.is_empty() {
        ext(out, key, &values.join(","));
    }
}

/// Appends the CEF record (`CEF:0|…`) for an event; `hostname` goes to `dvchost`. The `msg`
/// value is cut (never inside a character or an escape) so the record ends by `limit` bytes of
/// `out` when it can.
pub fn write_record(ev: &Event, hostname: &str, out: &mut Vec<u8>, summary: &str, limit: usize) {
    out.extend_from_slice(b"CEF:0|CybrIQ|Sensor|");
    escape_header(out, VERSION);
    out.push(b'|');
    escape_header(out, ev.event.as_str());
    out.push(b'|');
    escape_header(out, ev.event.title());
    out.push(b'|');
    push_u64(out, cef_severity(ev) as u64);
    out.extend_from_slice(b"|rt=");
    push_u64(out, (ev.timestamp.0.div_euclid(1000)).max(0) as u64);
    ext(out, "dvchost", hostname);
    out.extend_from_slice(b" externalId=");
    ev.event_id.write_to(out);
    labelled(out, "cs1", &Some(ev.site.clone()), "site");
    labelled(out, "cs2", &ev.switch, "switch");
    labelled(out, "cs3", &Some(ev.port.clone()), "port");
    labelled(out, "cs4", &ev.device_dna, "device_dna");
    labelled(out, "cs5", &ev.previous_dna, "previous_dna");
    labelled(out, "cs6", &ev.vendor, "vendor");
    labelled_f64(out, "cfp1", ev.similarity, "similarity");
    labelled_f64(out, "cfp2", ev.threshold, "threshold");
    labelled_f64(out, "cfp3", ev.confidence, "confidence");
    labelled(
        out,
        "flexString1",
        &ev.ndaa_status.map(|s| s.as_str().to_owned()),
        "ndaa_status",
    );
    if !ev.mitre.is_empty() {
        labelled(out, "flexString2", &Some(ev.mitre.join(",")), "mitre");
    }
    if let Some(m) = &ev.mac {
        ext(out, "smac", m);
    }
    ext(out, "cybriqSeverity", ev.severity.as_str());
    out.extend_from_slice(b" cybriqPriority=P");
    push_u64(out, ev.priority().0 as u64);
    if let Some(v) = &ev.current_dna {
        ext(out, "cybriqCurrentDna", v);
    }
    if let Some(v) = &ev.previous_vendor {
        ext(out, "cybriqPreviousVendor", v);
    }
    if let Some(v) = &ev.current_vendor {
        ext(out, "cybriqCurrentVendor", v);
    }
    list(out, "cybriqControls", &ev.controls);
    if let Some(b) = ev.change_window_match {
        ext(
            out,
            "cybriqChangeWindowMatch",
            if b { "true" } else { "false" },
        );
    }
    list(out, "cybriqChanged", &ev.changed);
    if let Some(b) = ev.unenrolled {
        ext(out, "cybriqUnenrolled", if b { "true" } else { "false" });
    }
    if let Some(b) = ev.flapping {
        ext(out, "cybriqFlapping", if b { "true" } else { "false" });
    }
    if let Some(b) = ev.impersonation {
        ext(out, "cybriqImpersonation", if b { "true" } else { "false" });
    }
    if let Some(m) = &ev.moved_from {
        ext(out, "cybriqMovedFrom", &m.joined());
    }
    // msg last, cut to fit.
    let room = limit.saturating_sub(out.len() + 5);
    if room > 0 {
        out.extend_from_slice(b" msg=");
        let mut esc = Vec::with_capacity(summary.len() + 8);
        for ch in summary.chars() {
            let mut tmp = [0u8; 4];
            let before = esc.len();
            escape_ext(&mut esc, ch.encode_utf8(&mut tmp));
            if esc.len() > room {
                esc.truncate(before);
                break;
            }
        }
        out.extend_from_slice(&esc);
    }
}

/// Formats one event as RFC 5424 header + CEF MSG into `out` (appending).
pub(crate) fn format(opts: &FormatOptions, ev: &Event, out: &mut Vec<u8>, scratch: &mut String) {
    opts.write_header(ev, out);
    out.extend_from_slice(b"- ");
    scratch.clear();
    ev.write_summary(scratch);
    let summary = floor_char_boundary(scratch, scratch.len());
    write_record(ev, &opts.hostname, out, summary, opts.max_message_size);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Timestamp;
    use crate::emit::format::{Payload, SeverityMapping};
    use crate::event::{EventType, sample};

    fn opts(max: usize) -> FormatOptions {
        FormatOptions::new(
            Payload::Cef,
            16,
            SeverityMapping::Fixed(6),
            "sensor-1",
            "42",
            max,
        )
    }

    #[test]
    fn header_and_extension_escaping() {
        let mut v = Vec::new();
        escape_header(&mut v, "a|b\\c\nd=e");
        assert_eq!(v, b"a\\|b\\\\c d=e");
        v.clear();
        escape_ext(&mut v, "a|b\\c\nd=e\r");
        assert_eq!(v, b"a|b\\\\c\\nd\\=e\\r");
    }

    #[test]
    fn substituted_record() {
        let e = sample::event(
            EventType::DeviceSubstituted,
            Timestamp(1_778_432_892_482_000),
            1,
            "hq=1",
        );
        let mut out = Vec::new();
        let mut s = String::new();
        opts(8192).format(&e, &mut out, &mut s);
        let t = String::from_utf8(out).unwrap();
        assert!(t.starts_with("<134>1 2026-05-10T17:08:12.482Z sensor-1 cybriq 42 device-substituted - CEF:0|CybrIQ|Sensor|"), "{t}");
        assert!(t.contains("|device-substituted|Device substituted|9|rt=1778432892482 dvchost=sensor-1 externalId=evt_"), "{t}");
        assert!(
            t.contains(
                " cs1=hq\\=1 cs1Label=site cs2=edge-sw-01 cs2Label=switch cs3=Gi1/0/1 cs3Label=port"
            ),
            "{t}"
        );
        // The engine's values (the sample is the event it raised on the micro-scenario).
        let sim = e.similarity.unwrap();
        assert!(sim < 0.65, "{sim}");
        assert!(
            t.contains(&format!(
                " cfp1={sim} cfp1Label=similarity cfp2=0.65 cfp2Label=threshold"
            )),
            "{t}"
        );
        let mac = e.mac.as_deref().unwrap();
        assert!(
            t.contains(&format!(
                " flexString2=T1200,T1556 flexString2Label=mitre smac={mac}"
            )),
            "{t}"
        );
        assert!(t.ends_with(" msg=Substituted device on port Gi1/0/1, switch edge-sw-01, site hq\\=1. Severity high."), "{t}");
    }

    #[test]
    fn msg_is_cut_to_the_limit_without_breaking_escapes() {
        let mut e = sample::event(EventType::PortOrphaned, Timestamp(0), 1, "s");
        e.port = "p=".repeat(100);
        let mut out = Vec::new();
        let mut s = String::new();
        opts(800).format(&e, &mut out, &mut s);
        let t = String::from_utf8(out).unwrap();
        let msg = &t[t.find(" msg=").unwrap() + 5..];
        assert!(!msg.ends_with('\\') || msg.ends_with("\\\\"));
        assert!(t.len() <= 800 || !t.contains(" msg="), "{}", t.len());
        assert_eq!(cef_severity(&e), 2);
    }
}
