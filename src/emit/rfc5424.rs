//! RFC 5424 payload, as the reference shows:
//! `<134>1 2026-05-10T17:08:12.482Z HOST cybriq PROCID device-substituted [event@29051
//! event_id="…" event="…" severity="…" timestamp="…" site="…" switch="…" port="…" …] summary`.
//!
//! Structured-data parameters follow the order of [`Event`]'s fields (the reference samples'
//! order); absent optional fields are left out; lists are comma-separated. PARAM-VALUEs escape
//! `"`, `\` and `]` with a backslash (RFC 5424 section 6.3.3). The MSG is the event's summary,
//! preceded by a BOM when it is not pure ASCII, with control characters turned into spaces, and
//! shortened (at a character boundary) to keep the message within `max_message_size`.

use crate::event::Event;

use super::format::{BOM, FormatOptions, SD_ID, clean_msg, floor_char_boundary, push_f64};

/// Appends `value` escaped as an RFC 5424 PARAM-VALUE (without the quotes).
pub fn escape_param_value(out: &mut Vec<u8>, value: &str) {
    let b = value.as_bytes();
    let mut start = 0;
    for (i, &c) in b.iter().enumerate() {
        if matches!(c, b'"' | b'\\' | b']') {
            out.extend_from_slice(&b[start..i]);
            out.push(b'\\');
            out.push(c);
            start = i + 1;
        }
    }
    out.extend_from_slice(&b[start..]);
}

fn param(out: &mut Vec<u8>, name: &str, value: &str) {
    out.push(b' ');
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"=\"");
    escape_param_value(out, value);
    out.push(b'"');
}

fn param_opt(out: &mut Vec<u8>, name: &str, value: &Option<String>) {
    if let Some(v) = value {
        param(out, name, v);
    }
}

fn param_f64(out: &mut Vec<u8>, name: &str, value: Option<f64>) {
    if let Some(v) = value {
        out.push(b' ');
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b"=\"");
        push_f64(out, v);
        out.push(b'"');
    }
}

fn param_bool(out: &mut Vec<u8>, name: &str, value: Option<bool>) {
    if let Some(v) = value {
        param(out, name, if v { "true" } else { "false" });
    }
}

fn param_list(out: &mut Vec<u8>, name: &str, values: &[String]) {
    if values.is_empty() {
        return;
    }
    out.push(b' ');
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"=\"");
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        escape_param_value(out, v);
    }
    out.push(b'"');
}

/// Appends the structured-data element `[event@29051 …]`.
pub fn write_structured_data(ev: &Event, out: &mut Vec<u8>) {
    write_sd(ev, out, None);
}

/// As [`write_structured_data`]; `ts` is the already formatted timestamp when the caller has it.
fn write_sd(ev: &Event, out: &mut Vec<u8>, ts: Option<&[u8]>) {
    out.push(b'[');
    out.extend_from_slice(SD_ID.as_bytes());
    out.extend_from_slice(b" event_id=\"");
    ev.event_id.write_to(out);
    out.push(b'"');
    param(out, "event", ev.event.as_str());
    param(out, "severity", ev.severity.as_str());
    out.extend_from_slice(b" timestamp=\"");
    match ts {
        Some(t) => out.extend_from_slice(t),
        None => super::format::push_timestamp(out, ev),
    }
    out.push(b'"');
    param(out, "site", &ev.site);
    param_opt(out, "switch", &ev.switch);
    param(out, "port", &ev.port);
    param_opt(out, "device_dna", &ev.device_dna);
    param_opt(out, "previous_dna", &ev.previous_dna);
    param_opt(out, "current_dna", &ev.current_dna);
    param_f64(out, "similarity", ev.similarity);
    param_f64(out, "threshold", ev.threshold);
    param_opt(out, "previous_vendor", &ev.previous_vendor);
    param_opt(out, "current_vendor", &ev.current_vendor);
    param_opt(out, "vendor", &ev.vendor);
    param_f64(out, "confidence", ev.confidence);
    if let Some(s) = ev.ndaa_status {
        param(out, "ndaa_status", s.as_str());
    }
    param_list(out, "mitre", &ev.mitre);
    param_list(out, "controls", &ev.controls);
    param_bool(out, "change_window_match", ev.change_window_match);
    param_list(out, "changed", &ev.changed);
    param_bool(out, "unenrolled", ev.unenrolled);
    param_opt(out, "mac", &ev.mac);
    param_bool(out, "flapping", ev.flapping);
    param_bool(out, "impersonation", ev.impersonation);
    if let Some(m) = &ev.moved_from {
        param(out, "moved_from", &m.joined());
    }
    out.push(b']');
}

/// Formats one event as an RFC 5424 message into `out` (appending).
pub(crate) fn format(opts: &FormatOptions, ev: &Event, out: &mut Vec<u8>, scratch: &mut String) {
    let ts_at = out.len();
    opts.write_header(ev, out);
    // The header's timestamp follows `<PRI>1 `; reuse its bytes (same instant, same format).
    let start = ts_at
        + out[ts_at..]
            .iter()
            .position(|&b| b == b' ')
            .map_or(0, |p| p + 1);
    let end = start + out[start..].iter().position(|&b| b == b' ').unwrap_or(0);
    let mut ts = [0u8; 40];
    let len = (end - start).min(ts.len());
    ts[..len].copy_from_slice(&out[start..start + len]);
    write_sd(ev, out, Some(&ts[..len]));
    scratch.clear();
    ev.write_summary(scratch);
    clean_msg(scratch);
    let bom = !scratch.is_ascii();
    let overhead = 1 + if bom { BOM.len() } else { 0 };
    let budget = opts
        .max_message_size
        .saturating_sub(out.len())
        .saturating_sub(overhead);
    let msg = floor_char_boundary(scratch, budget);
    if !msg.is_empty() {
        out.push(b' ');
        if bom && !msg.is_ascii() {
            out.extend_from_slice(BOM);
        }
        out.extend_from_slice(msg.as_bytes());
    }
}

#[cfg(test)]
mod tests;
