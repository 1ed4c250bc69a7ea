//! SSDP (UPnP Device Architecture 2.0, section 1): HTTP-over-UDP datagrams to or from port 1900.
//!
//! A start line (`NOTIFY * HTTP/1.1`, `M-SEARCH * HTTP/1.1`, or a status line such as
//! `HTTP/1.1 200 OK` for a search response), header lines `Name: value` ended by CRLF (a bare LF
//! is tolerated), and an empty line. Header names compare case-insensitively; values are trimmed
//! of spaces and tabs. At most [`MAX_HEADERS`] headers are kept (more is an anomaly); a line
//! without a colon is an anomaly and skipped; headers not closed by an empty line (a datagram cut
//! short) are an anomaly, and what parsed is kept.

use core::fmt;

use serde::Serialize;

use super::{Anomalies, Error, Result, Text};

/// The SSDP UDP port.
pub const PORT: u16 = 1900;
/// Headers kept at most.
pub const MAX_HEADERS: usize = 48;

/// What kind of message the start line says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// `NOTIFY * HTTP/1.1`: an advertisement (`ssdp:alive`, `ssdp:byebye`, `ssdp:update`).
    Notify,
    /// `M-SEARCH * HTTP/1.1`: a search from a control point.
    MSearch,
    /// `HTTP/1.x <status> …`: a search response.
    Response,
    /// Any other request method (kept: some devices send vendor methods).
    OtherMethod,
}

/// One header line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Header<'a> {
    /// Name as sent (trimmed).
    pub name: Text<'a>,
    /// Value as sent (trimmed).
    pub value: Text<'a>,
}

/// A decoded SSDP message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Repr<'a> {
    /// Kind of message.
    pub kind: Kind,
    /// The start line as sent (without its line end).
    pub start_line: Text<'a>,
    /// Status code of a response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Headers, in order.
    pub headers: Vec<Header<'a>>,
}

/// Splits the next line off `rest` (CRLF or LF); `None` when no line end follows.
fn next_line(rest: &[u8]) -> Option<(&[u8], &[u8])> {
    let nl = rest.iter().position(|&b| b == b'\n')?;
    let line = &rest[..nl];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    Some((line, &rest[nl + 1..]))
}

fn trim(b: &[u8]) -> &[u8] {
    let is_ws = |c: &u8| *c == b' ' || *c == b'\t';
    let start = b.iter().position(|c| !is_ws(c)).unwrap_or(b.len());
    let end = b.iter().rposition(|c| !is_ws(c)).map_or(start, |e| e + 1);
    &b[start..end]
}

/// Reads the start line's kind and status.
fn start_kind(line: &[u8]) -> Result<(Kind, Option<u16>)> {
    let bad = || Error::content("ssdp", 0, "not an HTTP-over-UDP start line");
    let mut parts = line.split(|&b| b == b' ').filter(|p| !p.is_empty());
    let first = parts.next().ok_or_else(bad)?;
    if first.len() > 5 && first[..5].eq_ignore_ascii_case(b"HTTP/") {
        let code = parts.next().ok_or_else(bad)?;
        let code = core::str::from_utf8(code).map_err(|_| bad())?;
        let status: u16 = code.parse().map_err(|_| bad())?;
        if !(100..=999).contains(&status) || code.len() != 3 {
            return Err(bad());
        }
        return Ok((Kind::Response, Some(status)));
    }
    let target = parts.next().ok_or_else(bad)?;
    let version = parts.next().ok_or_else(bad)?;
    if !version.starts_with(b"HTTP/") || target.is_empty() {
        return Err(bad());
    }
    if !first.iter().all(|b| b.is_ascii_uppercase() || *b == b'-') {
        return Err(bad());
    }
    let kind = match first {
        b"NOTIFY" => Kind::Notify,
        b"M-SEARCH" => Kind::MSearch,
        _ => Kind::OtherMethod,
    };
    Ok((kind, None))
}

impl<'a> Repr<'a> {
    /// Decodes a datagram. `Err` when it has no complete start line of HTTP-over-UDP.
    pub fn parse(buf: &'a [u8], anomalies: &mut Anomalies) -> Result<Repr<'a>> {
        let (line, mut rest) =
            next_line(buf).ok_or(Error::len("ssdp", 0, buf.len() + 1, buf.len()))?;
        let (kind, status) = start_kind(line)?;
        let mut r = Repr {
            kind,
            start_line: Text(line),
            status,
            headers: Vec::new(),
        };
        loop {
            let off = buf.len() - rest.len();
            let Some((line, tail)) = next_line(rest) else {
                anomalies.push(Error::len("ssdp.headers", off, rest.len() + 2, rest.len()));
                // A last header without its line end still says something.
                r.header(rest, off, anomalies);
                break;
            };
            rest = tail;
            if line.is_empty() {
                break;
            }
            if !r.header(line, off, anomalies) {
                break;
            }
        }
        Ok(r)
    }

    /// Adds one header line; `false` when no more headers are kept.
    fn header(&mut self, line: &'a [u8], off: usize, anomalies: &mut Anomalies) -> bool {
        if line.is_empty() {
            return true;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            anomalies.push(Error::content(
                "ssdp.header",
                off,
                "header line without a colon",
            ));
            return true;
        };
        let name = trim(&line[..colon]);
        if name.is_empty() {
            anomalies.push(Error::content("ssdp.header", off, "empty header name"));
            return true;
        }
        if self.headers.len() == MAX_HEADERS {
            anomalies.push(Error::content("ssdp.headers", off, "more than 48 headers"));
            return false;
        }
        self.headers.push(Header {
            name: Text(name),
            value: Text(trim(&line[colon + 1..])),
        });
        true
    }

    /// The value of the first header called `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<Text<'a>> {
        self.headers
            .iter()
            .find(|h| h.name.0.eq_ignore_ascii_case(name.as_bytes()))
            .map(|h| h.value)
    }

    /// `SERVER`: the OS, UPnP version and product of the device (NOTIFY, responses).
    pub fn server(&self) -> Option<Text<'a>> {
        self.get("SERVER")
    }

    /// `USER-AGENT`: the control point's OS and product (M-SEARCH).
    pub fn user_agent(&self) -> Option<Text<'a>> {
        self.get("USER-AGENT")
    }

    /// `NT`: the notification type (a device or service type, `upnp:rootdevice`, a UUID).
    pub fn nt(&self) -> Option<Text<'a>> {
        self.get("NT")
    }

    /// `NTS`: `ssdp:alive`, `ssdp:byebye` or `ssdp:update`.
    pub fn nts(&self) -> Option<Text<'a>> {
        self.get("NTS")
    }

    /// `USN`: the unique service name.
    pub fn usn(&self) -> Option<Text<'a>> {
        self.get("USN")
    }

    /// `ST`: the search target (M-SEARCH) or what a response answers.
    pub fn st(&self) -> Option<Text<'a>> {
        self.get("ST")
    }

    /// `LOCATION`: URL of the device description.
    pub fn location(&self) -> Option<Text<'a>> {
        self.get("LOCATION")
    }

    /// Bytes `emit` writes.
    pub fn buffer_len(&self) -> usize {
        self.start_line.0.len()
            + 2
            + self
                .headers
                .iter()
                .map(|h| h.name.0.len() + 2 + h.value.0.len() + 2)
                .sum::<usize>()
            + 2
    }

    /// Writes the message into `buf` (at least `buffer_len()` bytes), CRLF line ends.
    pub fn emit(&self, buf: &mut [u8]) {
        let mut off = 0;
        let mut put = |b: &[u8]| {
            buf[off..off + b.len()].copy_from_slice(b);
            off += b.len();
        };
        put(self.start_line.0);
        put(b"\r\n");
        for h in &self.headers {
            put(h.name.0);
            put(b": ");
            put(h.value.0);
            put(b"\r\n");
        }
        put(b"\r\n");
    }
}

/// Decodes an SSDP datagram (the UDP payload).
pub fn decode<'a>(buf: &'a [u8], anomalies: &mut Anomalies) -> Result<Repr<'a>> {
    Repr::parse(buf, anomalies)
}

impl fmt::Display for Repr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.kind, self.status) {
            (Kind::Response, Some(s)) => write!(f, "response {s}")?,
            (Kind::Notify, _) => f.write_str("notify")?,
            (Kind::MSearch, _) => f.write_str("m-search")?,
            _ => write!(f, "{}", self.start_line)?,
        }
        for (label, v) in [
            ("nts", self.nts()),
            ("nt", self.nt()),
            ("st", self.st()),
            ("usn", self.usn()),
            ("server", self.server()),
            ("user-agent", self.user_agent()),
            ("location", self.location()),
        ] {
            if let Some(v) = v {
                write!(f, " {label} \"{v}\"")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
