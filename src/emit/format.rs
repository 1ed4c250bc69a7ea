//! Message formatting shared by both payloads: the RFC 5424 header, PRI, name sanitising and
//! the size limit. Pure.

use std::io::Write as _;

use crate::event::{Event, Severity};

/// RFC 5424 APP-NAME of every message.
pub const APP_NAME: &str = "cybriq";
/// Structured-data id: `event@` + CybrIQ's private enterprise number.
pub const SD_ID: &str = "event@29051";
/// UTF-8 byte-order mark that RFC 5424 puts before a UTF-8 MSG.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";
/// Smallest accepted `max_message_size` (RFC 5424 section 6.1: receivers must take 480).
pub const MIN_MESSAGE_SIZE: usize = 480;

/// Which payload a destination receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payload {
    /// RFC 5424 with the event in structured data `[event@29051 …]` and a human MSG.
    Rfc5424,
    /// RFC 5424 header, no structured data, a CEF record as MSG.
    Cef,
}

/// How the PRI's severity is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeverityMapping {
    /// Every event at this syslog severity (0–7); the reference's default is 6 (informational).
    Fixed(u8),
    /// From the event's severity.
    ByEvent {
        /// Syslog severity for `high`.
        high: u8,
        /// Syslog severity for `medium`.
        medium: u8,
        /// Syslog severity for `low`.
        low: u8,
    },
}

impl SeverityMapping {
    /// The syslog severity (0–7) for an event.
    pub fn syslog_severity(&self, s: Severity) -> u8 {
        match *self {
            SeverityMapping::Fixed(v) => v,
            SeverityMapping::ByEvent { high, medium, low } => match s {
                Severity::High => high,
                Severity::Medium => medium,
                Severity::Low => low,
            },
        }
    }
}

/// Everything a formatter needs besides the event: built once per destination.
#[derive(Debug, Clone)]
pub struct FormatOptions {
    /// Payload kind.
    pub payload: Payload,
    /// Syslog facility, 0–23 (default 16, local0).
    pub facility: u8,
    /// PRI severity choice.
    pub severity: SeverityMapping,
    /// HOSTNAME field (sanitised by [`FormatOptions::new`]).
    pub hostname: String,
    /// PROCID field (sanitised).
    pub procid: String,
    /// Maximum size of one message in bytes (the syslog message, without transport framing).
    /// The MSG is shortened to fit, the structured data never; a message whose header and
    /// structured data alone exceed it is sent whole, without MSG.
    pub max_message_size: usize,
}

impl FormatOptions {
    /// Options with the header fields sanitised to RFC 5424's character set and lengths.
    pub fn new(
        payload: Payload,
        facility: u8,
        severity: SeverityMapping,
        hostname: &str,
        procid: &str,
        max_message_size: usize,
    ) -> FormatOptions {
        FormatOptions {
            payload,
            facility: facility.min(23),
            severity,
            hostname: sanitize_header_field(hostname, 255),
            procid: sanitize_header_field(procid, 128),
            max_message_size: max_message_size.max(MIN_MESSAGE_SIZE),
        }
    }

    /// PRI value for an event: facility × 8 + severity.
    pub fn pri(&self, ev: &Event) -> u8 {
        self.facility * 8 + self.severity.syslog_severity(ev.severity).min(7)
    }

    /// Formats an event into `out` (cleared first), as this destination's payload.
    pub fn format(&self, ev: &Event, out: &mut Vec<u8>, scratch: &mut String) {
        out.clear();
        match self.payload {
            Payload::Rfc5424 => super::rfc5424::format(self, ev, out, scratch),
            Payload::Cef => super::cef::format(self, ev, out, scratch),
        }
    }

    /// Writes `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID ` (with the trailing space).
    pub(crate) fn write_header(&self, ev: &Event, out: &mut Vec<u8>) {
        out.push(b'<');
        push_u64(out, self.pri(ev) as u64);
        out.extend_from_slice(b">1 ");
        push_timestamp(out, ev);
        out.push(b' ');
        out.extend_from_slice(self.hostname.as_bytes());
        out.push(b' ');
        out.extend_from_slice(APP_NAME.as_bytes());
        out.push(b' ');
        out.extend_from_slice(self.procid.as_bytes());
        out.push(b' ');
        out.extend_from_slice(ev.event.as_str().as_bytes());
        out.push(b' ');
    }
}

/// An RFC 5424 header field: printable US-ASCII (33–126) only, others replaced by `_`, at most
/// `max` characters, `-` (the NILVALUE) when empty.
pub fn sanitize_header_field(s: &str, max: usize) -> String {
    let t: String = s
        .chars()
        .map(|c| if ('!'..='~').contains(&c) { c } else { '_' })
        .take(max)
        .collect();
    if t.is_empty() { "-".into() } else { t }
}

/// Appends the event's timestamp, RFC 3339 with milliseconds, UTC.
pub(crate) fn push_timestamp(out: &mut Vec<u8>, ev: &crate::event::Event) {
    // Infallible: writing to a Vec.
    let _ = write!(out, "{}", ev.timestamp.rfc3339_millis());
}

/// Appends a decimal number.
pub(crate) fn push_u64(out: &mut Vec<u8>, mut v: u64) {
    let mut b = [0u8; 20];
    let mut i = b.len();
    loop {
        i -= 1;
        b[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&b[i..]);
}

/// Appends a score (`0.31`): the shortest text that reads back as the same `f64`.
pub(crate) fn push_f64(out: &mut Vec<u8>, v: f64) {
    if v.is_finite() {
        let _ = write!(out, "{v}");
    } else {
        out.extend_from_slice(b"0");
    }
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
pub(crate) fn floor_char_boundary(s: &str, max: usize) -> &str {
    if max >= s.len() {
        return s;
    }
    let mut i = max;
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    &s[..i]
}

/// Replaces ASCII control characters (line breaks included) by spaces: the MSG is for line-
/// oriented viewers, and everything it says is also in the structured data.
pub(crate) fn clean_msg(s: &mut String) {
    if s.bytes().any(|b| b < 0x20 || b == 0x7f) {
        *s = s
            .chars()
            .map(|c| if c.is_ascii_control() { ' ' } else { c })
            .collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_fields_are_sanitised() {
        assert_eq!(sanitize_header_field("", 10), "-");
        assert_eq!(sanitize_header_field("a b\u{e9}c", 10), "a_b_c");
        assert_eq!(sanitize_header_field("abcdef", 3), "abc");
    }

    #[test]
    fn char_boundaries_and_numbers() {
        assert_eq!(floor_char_boundary("a\u{e9}b", 2), "a");
        assert_eq!(floor_char_boundary("a\u{e9}b", 3), "a\u{e9}");
        let mut v = Vec::new();
        push_u64(&mut v, 0);
        v.push(b' ');
        push_u64(&mut v, 18_446_744_073_709_551_615);
        v.push(b' ');
        push_f64(&mut v, 0.31);
        assert_eq!(v, b"0 18446744073709551615 0.31");
    }
}
