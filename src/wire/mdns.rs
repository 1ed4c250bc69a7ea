//! Multicast DNS (RFC 6762) and DNS-based service discovery (RFC 6763): the DNS message a UDP
//! datagram to or from port 5353 carries.
//!
//! A 12-byte header, then the question, answer, authority and additional sections. Names are
//! decoded with compression pointers followed (at most [`MAX_POINTER_HOPS`] per name, and a name
//! of at most [`MAX_NAME_LEN`] bytes uncompressed: a pointer loop or an endless name is an
//! error, never a hang). A [`Name`] is a view into the message (no copy); each section keeps at
//! most [`MAX_RECORDS`] entries (more is an anomaly), so a datagram cannot allocate more than
//! it holds. PTR, SRV, TXT, A, AAAA and HINFO data are decoded; other types are kept as bytes.
//!
//! A record whose header cannot be read ends the message (the rest cannot be found without it):
//! what parsed before it is kept, and the reason is an anomaly. A record whose data does not
//! decode as its type says is kept as bytes, with an anomaly, and the message goes on. `emit`
//! writes names uncompressed.

use core::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

use super::arp::code_enum;
use super::bytes::Cursor;
use super::{Anomalies, Error, Hex, Result, Text};

/// The mDNS UDP port.
pub const PORT: u16 = 5353;
/// Length of the DNS header.
pub const HEADER_LEN: usize = 12;
/// Longest name, uncompressed, in bytes (RFC 1035 3.1).
pub const MAX_NAME_LEN: usize = 255;
/// Compression pointers followed in one name at most.
pub const MAX_POINTER_HOPS: usize = 32;
/// Entries kept per section.
pub const MAX_RECORDS: usize = 128;

/// Byte ranges of the header.
mod field {
    use core::ops::Range;
    pub const ID: Range<usize> = 0..2;
    pub const FLAGS: Range<usize> = 2..4;
    pub const QDCOUNT: Range<usize> = 4..6;
    pub const ANCOUNT: Range<usize> = 6..8;
    pub const NSCOUNT: Range<usize> = 8..10;
    pub const ARCOUNT: Range<usize> = 10..12;
}

/// Header flag bits.
pub mod flags {
    /// Response (QR).
    pub const RESPONSE: u16 = 0x8000;
    /// Authoritative answer (AA).
    pub const AUTHORITATIVE: u16 = 0x0400;
    /// Truncated (TC): more known answers follow in another datagram.
    pub const TRUNCATED: u16 = 0x0200;
}

/// The top bit of a question's class asks for a unicast reply; of a record's, flushes caches.
const CLASS_TOP_BIT: u16 = 0x8000;

code_enum! {
    /// Resource record type.
    RrType: u16 {
        /// IPv4 address.
        A = 1 => "A",
        /// Name server.
        Ns = 2 => "NS",
        /// Canonical name.
        Cname = 5 => "CNAME",
        /// Domain name pointer (DNS-SD browsing).
        Ptr = 12 => "PTR",
        /// Host information (CPU and OS).
        Hinfo = 13 => "HINFO",
        /// Text strings (DNS-SD key=value pairs).
        Txt = 16 => "TXT",
        /// IPv6 address.
        Aaaa = 28 => "AAAA",
        /// Service location.
        Srv = 33 => "SRV",
        /// Next secure (mDNS negative answers).
        Nsec = 47 => "NSEC",
        /// Any type (queries).
        Any = 255 => "ANY",
    }
}

/// A read-only or writable view of a DNS message; the header is known to be present.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking it.
    pub fn new_unchecked(buffer: T) -> Self {
        Packet { buffer }
    }

    /// Wraps a buffer holding at least the header.
    pub fn new_checked(buffer: T) -> Result<Self> {
        let len = buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(Error::len("mdns", 0, HEADER_LEN, len));
        }
        Ok(Packet { buffer })
    }

    fn u16_at(&self, r: core::ops::Range<usize>) -> u16 {
        let b = self.buffer.as_ref();
        u16::from_be_bytes([b[r.start], b[r.start + 1]])
    }

    /// Message ID (0 in multicast messages).
    pub fn id(&self) -> u16 {
        self.u16_at(field::ID)
    }

    /// The flags word.
    pub fn flags(&self) -> u16 {
        self.u16_at(field::FLAGS)
    }

    /// Questions announced.
    pub fn qdcount(&self) -> u16 {
        self.u16_at(field::QDCOUNT)
    }

    /// Answers announced.
    pub fn ancount(&self) -> u16 {
        self.u16_at(field::ANCOUNT)
    }

    /// Authority records announced.
    pub fn nscount(&self) -> u16 {
        self.u16_at(field::NSCOUNT)
    }

    /// Additional records announced.
    pub fn arcount(&self) -> u16 {
        self.u16_at(field::ARCOUNT)
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    fn set_u16(&mut self, r: core::ops::Range<usize>, v: u16) {
        self.buffer.as_mut()[r].copy_from_slice(&v.to_be_bytes());
    }

    /// Sets the message ID.
    pub fn set_id(&mut self, v: u16) {
        self.set_u16(field::ID, v)
    }

    /// Sets the flags word.
    pub fn set_flags(&mut self, v: u16) {
        self.set_u16(field::FLAGS, v)
    }

    /// Sets the four section counts.
    pub fn set_counts(&mut self, qd: u16, an: u16, ns: u16, ar: u16) {
        self.set_u16(field::QDCOUNT, qd);
        self.set_u16(field::ANCOUNT, an);
        self.set_u16(field::NSCOUNT, ns);
        self.set_u16(field::ARCOUNT, ar);
    }
}

/// A domain name: a view into the message at the name's first byte. It was walked once when
/// parsed (pointers in bounds, at most [`MAX_POINTER_HOPS`], at most [`MAX_NAME_LEN`] bytes), so
/// its labels can be read again without failing. Compares case-insensitively, label by label.
#[derive(Clone, Copy)]
pub struct Name<'a> {
    msg: &'a [u8],
    start: usize,
}

/// What walking a name found: where the name's bytes at its position end, and its length.
struct Walk {
    /// Offset just past the name's own bytes (after the root label or the first pointer).
    end: usize,
    /// Uncompressed length, root label included.
    wire_len: usize,
}

impl<'a> Name<'a> {
    /// Parses the name at `start` of `msg`.
    pub fn parse(msg: &'a [u8], start: usize) -> Result<(Name<'a>, usize)> {
        let walk = walk(msg, start, |_| {})?;
        Ok((Name { msg, start }, walk.end))
    }

    /// The labels, first (leftmost) first; the root label is not included.
    pub fn labels(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        let mut v: smallvec::SmallVec<[&'a [u8]; 8]> = smallvec::SmallVec::new();
        // The walk succeeded when the name was parsed; on the same bytes it succeeds again.
        let _ = walk(self.msg, self.start, |l| v.push(l));
        v.into_iter()
    }

    /// Uncompressed length on the wire, root label included.
    pub fn wire_len(&self) -> usize {
        walk(self.msg, self.start, |_| {}).map_or(1, |w| w.wire_len)
    }

    /// Writes the name uncompressed into `buf`; returns the bytes written.
    pub fn emit(&self, buf: &mut [u8]) -> usize {
        let mut off = 0;
        for l in self.labels() {
            buf[off] = l.len() as u8;
            buf[off + 1..off + 1 + l.len()].copy_from_slice(l);
            off += 1 + l.len();
        }
        buf[off] = 0;
        off + 1
    }

    /// Whether the name ends with the labels of `suffix` (case-insensitive; `suffix` dotted,
    /// e.g. `"_tcp.local"`).
    pub fn ends_with(&self, suffix: &str) -> bool {
        let want: Vec<&[u8]> = suffix.split('.').map(str::as_bytes).collect();
        let have: smallvec::SmallVec<[&[u8]; 8]> = self.labels().collect();
        have.len() >= want.len()
            && have[have.len() - want.len()..]
                .iter()
                .zip(&want)
                .all(|(a, b)| a.eq_ignore_ascii_case(b))
    }
}

/// Walks the name at `start`, handing each label to `label`.
fn walk<'a>(msg: &'a [u8], start: usize, mut label: impl FnMut(&'a [u8])) -> Result<Walk> {
    let mut pos = start;
    let mut end = None;
    let mut hops = 0;
    let mut wire_len = 0;
    loop {
        let Some(&b) = msg.get(pos) else {
            return Err(Error::len("mdns.name", pos, 1, 0));
        };
        match b & 0xc0 {
            0x00 if b == 0 => {
                wire_len += 1;
                return Ok(Walk {
                    end: end.unwrap_or(pos + 1),
                    wire_len,
                });
            }
            0x00 => {
                let l = usize::from(b);
                let Some(bytes) = msg.get(pos + 1..pos + 1 + l) else {
                    return Err(Error::len("mdns.label", pos, 1 + l, msg.len() - pos));
                };
                wire_len += 1 + l;
                if wire_len + 1 > MAX_NAME_LEN {
                    return Err(Error::content(
                        "mdns.name",
                        start,
                        "name longer than 255 bytes",
                    ));
                }
                label(bytes);
                pos += 1 + l;
            }
            0xc0 => {
                let Some(&lo) = msg.get(pos + 1) else {
                    return Err(Error::len("mdns.pointer", pos, 2, 1));
                };
                end.get_or_insert(pos + 2);
                hops += 1;
                if hops > MAX_POINTER_HOPS {
                    return Err(Error::content("mdns.name", pos, "compression pointer loop"));
                }
                let target = usize::from(b & 0x3f) << 8 | usize::from(lo);
                if target >= msg.len() {
                    return Err(Error::content(
                        "mdns.pointer",
                        pos,
                        "compression pointer past the end",
                    ));
                }
                pos = target;
            }
            _ => return Err(Error::content("mdns.label", pos, "reserved label type")),
        }
    }
}

impl PartialEq for Name<'_> {
    fn eq(&self, other: &Self) -> bool {
        let (mut a, mut b) = (self.labels(), other.labels());
        loop {
            match (a.next(), b.next()) {
                (None, None) => return true,
                (Some(x), Some(y)) if x.eq_ignore_ascii_case(y) => {}
                _ => return false,
            }
        }
    }
}

impl fmt::Display for Name<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut any = false;
        for (i, l) in self.labels().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{}", Text(l))?;
            any = true;
        }
        if !any {
            f.write_str(".")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Name<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Name({self})")
    }
}

impl Serialize for Name<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// TXT record data: length-prefixed strings (DNS-SD `key=value` pairs). Checked when parsed:
/// every string lies inside the data.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Txt<'a>(pub &'a [u8]);

impl<'a> Txt<'a> {
    fn check(data: &[u8], offset: usize) -> Result<()> {
        let mut c = Cursor::new(data, "mdns.txt");
        while !c.is_empty() {
            let l = usize::from(c.u8().map_err(|e| e.shifted(offset))?);
            c.take(l).map_err(|e| e.shifted(offset))?;
        }
        Ok(())
    }

    /// The strings, in order.
    pub fn items(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        let mut rest = self.0;
        core::iter::from_fn(move || {
            let (&l, tail) = rest.split_first()?;
            let item = tail.get(..usize::from(l))?;
            rest = &tail[usize::from(l)..];
            Some(item)
        })
    }

    /// `key=value` pairs (a string without `=` is a key with an empty value; empty strings are
    /// skipped).
    pub fn pairs(&self) -> impl Iterator<Item = (&'a [u8], &'a [u8])> + 'a {
        self.items()
            .filter(|i| !i.is_empty())
            .map(|i| match i.iter().position(|&b| b == b'=') {
                Some(p) => (&i[..p], &i[p + 1..]),
                None => (i, &i[i.len()..]),
            })
    }

    /// The value of the first pair whose key equals `key` (case-insensitive, RFC 6763 6.4).
    pub fn get(&self, key: &str) -> Option<&'a [u8]> {
        self.pairs()
            .find(|(k, _)| k.eq_ignore_ascii_case(key.as_bytes()))
            .map(|(_, v)| v)
    }
}

impl fmt::Debug for Txt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.items().map(Text)).finish()
    }
}

impl Serialize for Txt<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(None)?;
        for i in self.items() {
            seq.serialize_element(&Text(i))?;
        }
        seq.end()
    }
}

/// Decoded record data.
#[derive(Debug, Clone, PartialEq)]
pub enum RData<'a> {
    /// A.
    A(Ipv4Addr),
    /// AAAA.
    Aaaa(Ipv6Addr),
    /// PTR: a service instance (DNS-SD browsing) or a host (reverse lookup).
    Ptr(Name<'a>),
    /// SRV.
    Srv {
        /// Priority.
        priority: u16,
        /// Weight.
        weight: u16,
        /// Port of the service.
        port: u16,
        /// Host offering it.
        target: Name<'a>,
    },
    /// TXT.
    Txt(Txt<'a>),
    /// HINFO: CPU and OS strings.
    Hinfo {
        /// CPU.
        cpu: Text<'a>,
        /// Operating system.
        os: Text<'a>,
    },
    /// Any other type, as sent.
    Other(Hex<'a>),
}

impl RData<'_> {
    fn len(&self) -> usize {
        match self {
            RData::A(_) => 4,
            RData::Aaaa(_) => 16,
            RData::Ptr(n) => n.wire_len(),
            RData::Srv { target, .. } => 6 + target.wire_len(),
            RData::Txt(t) => t.0.len(),
            RData::Hinfo { cpu, os } => 2 + cpu.0.len() + os.0.len(),
            RData::Other(h) => h.0.len(),
        }
    }

    fn emit(&self, buf: &mut [u8]) {
        match self {
            RData::A(a) => buf[..4].copy_from_slice(&a.octets()),
            RData::Aaaa(a) => buf[..16].copy_from_slice(&a.octets()),
            RData::Ptr(n) => {
                n.emit(buf);
            }
            RData::Srv {
                priority,
                weight,
                port,
                target,
            } => {
                buf[0..2].copy_from_slice(&priority.to_be_bytes());
                buf[2..4].copy_from_slice(&weight.to_be_bytes());
                buf[4..6].copy_from_slice(&port.to_be_bytes());
                target.emit(&mut buf[6..]);
            }
            RData::Txt(t) => buf[..t.0.len()].copy_from_slice(t.0),
            RData::Hinfo { cpu, os } => {
                buf[0] = cpu.0.len() as u8;
                buf[1..1 + cpu.0.len()].copy_from_slice(cpu.0);
                let o = 1 + cpu.0.len();
                buf[o] = os.0.len() as u8;
                buf[o + 1..o + 1 + os.0.len()].copy_from_slice(os.0);
            }
            RData::Other(h) => buf[..h.0.len()].copy_from_slice(h.0),
        }
    }
}

impl Serialize for RData<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        match self {
            RData::A(a) => s.collect_str(a),
            RData::Aaaa(a) => s.collect_str(a),
            RData::Ptr(n) => n.serialize(s),
            RData::Srv {
                priority,
                weight,
                port,
                target,
            } => {
                let mut m = s.serialize_map(Some(4))?;
                m.serialize_entry("priority", priority)?;
                m.serialize_entry("weight", weight)?;
                m.serialize_entry("port", port)?;
                m.serialize_entry("target", target)?;
                m.end()
            }
            RData::Txt(t) => t.serialize(s),
            RData::Hinfo { cpu, os } => {
                let mut m = s.serialize_map(Some(2))?;
                m.serialize_entry("cpu", cpu)?;
                m.serialize_entry("os", os)?;
                m.end()
            }
            RData::Other(h) => h.serialize(s),
        }
    }
}

impl fmt::Display for RData<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RData::A(a) => a.fmt(f),
            RData::Aaaa(a) => a.fmt(f),
            RData::Ptr(n) => n.fmt(f),
            RData::Srv { port, target, .. } => write!(f, "{target}:{port}"),
            RData::Txt(t) => {
                for (i, item) in t.items().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    write!(f, "\"{}\"", Text(item))?;
                }
                Ok(())
            }
            RData::Hinfo { cpu, os } => write!(f, "\"{cpu}\" \"{os}\""),
            RData::Other(h) => write!(f, "0x{h}"),
        }
    }
}

/// One question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Question<'a> {
    /// The name asked about.
    pub name: Name<'a>,
    /// Type asked for.
    #[serde(rename = "type")]
    pub qtype: RrType,
    /// Class (1 = IN), without the unicast-response bit.
    pub class: u16,
    /// The querier asks for a unicast reply (RFC 6762 5.4).
    pub unicast_response: bool,
}

/// One resource record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record<'a> {
    /// Owner name.
    pub name: Name<'a>,
    /// Type.
    #[serde(rename = "type")]
    pub rtype: RrType,
    /// Class (1 = IN), without the cache-flush bit.
    pub class: u16,
    /// The record replaces cached ones (RFC 6762 10.2).
    pub cache_flush: bool,
    /// Time to live, seconds (0: goodbye, the record is withdrawn).
    pub ttl: u32,
    /// The data.
    pub data: RData<'a>,
}

impl Record<'_> {
    fn buffer_len(&self) -> usize {
        self.name.wire_len() + 10 + self.data.len()
    }
}

/// A decoded mDNS message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Repr<'a> {
    /// Message ID.
    pub id: u16,
    /// The flags word as sent.
    pub flags: u16,
    /// A response (else a query).
    pub response: bool,
    /// Questions.
    pub questions: Vec<Question<'a>>,
    /// Answers.
    pub answers: Vec<Record<'a>>,
    /// Authority records (a probe's proposed records).
    pub authority: Vec<Record<'a>>,
    /// Additional records.
    pub additional: Vec<Record<'a>>,
}

/// Minimum bytes of one question and one record (root name, fixed fields).
const MIN_QUESTION: usize = 5;
const MIN_RECORD: usize = 11;

impl<'a> Repr<'a> {
    /// Decodes a checked message; a section cut short or undecodable is an anomaly.
    pub fn parse(packet: &Packet<&'a [u8]>, anomalies: &mut Anomalies) -> Result<Repr<'a>> {
        let msg: &'a [u8] = packet.buffer;
        let flags = packet.flags();
        let mut r = Repr {
            id: packet.id(),
            flags,
            response: flags & flags::RESPONSE != 0,
            questions: Vec::new(),
            answers: Vec::new(),
            authority: Vec::new(),
            additional: Vec::new(),
        };
        let mut pos = HEADER_LEN;
        let qd = usize::from(packet.qdcount());
        r.questions = Vec::with_capacity(capacity(qd, msg.len() - pos, MIN_QUESTION));
        let mut ok = section(
            msg,
            &mut pos,
            qd,
            ("mdns.questions", MIN_QUESTION),
            anomalies,
            |msg, pos, _| parse_question(msg, pos).map(|q| r.questions.push(q)),
        );
        let counts = [packet.ancount(), packet.nscount(), packet.arcount()];
        let names = ["mdns.answers", "mdns.authority", "mdns.additional"];
        for (i, (count, layer)) in counts.into_iter().zip(names).enumerate() {
            let n = usize::from(count);
            let mut v = Vec::with_capacity(if ok {
                capacity(n, msg.len().saturating_sub(pos), MIN_RECORD)
            } else {
                0
            });
            if ok {
                ok = section(
                    msg,
                    &mut pos,
                    n,
                    (layer, MIN_RECORD),
                    anomalies,
                    |msg, pos, an| parse_record(msg, pos, an).map(|x| v.push(x)),
                );
            }
            match i {
                0 => r.answers = v,
                1 => r.authority = v,
                _ => r.additional = v,
            }
        }
        if ok && pos < msg.len() {
            anomalies.push(Error::content("mdns", pos, "bytes after the last record"));
        }
        Ok(r)
    }

    /// Bytes `emit` writes (names uncompressed).
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN
            + self
                .questions
                .iter()
                .map(|q| q.name.wire_len() + 4)
                .sum::<usize>()
            + self.records().map(|(_, r)| r.buffer_len()).sum::<usize>()
    }

    /// Every record, with the name of its section (`answers`, `authority`, `additional`).
    pub fn records(&self) -> impl Iterator<Item = (&'static str, &Record<'a>)> {
        let a = self.answers.iter().map(|r| ("answers", r));
        let n = self.authority.iter().map(|r| ("authority", r));
        let d = self.additional.iter().map(|r| ("additional", r));
        a.chain(n).chain(d)
    }

    /// Writes the message into `buf` (at least `buffer_len()` bytes).
    pub fn emit(&self, buf: &mut [u8]) {
        let mut p = Packet::new_unchecked(&mut buf[..]);
        p.set_id(self.id);
        p.set_flags(self.flags);
        let c = |n: usize| u16::try_from(n).unwrap_or(u16::MAX);
        p.set_counts(
            c(self.questions.len()),
            c(self.answers.len()),
            c(self.authority.len()),
            c(self.additional.len()),
        );
        let mut off = HEADER_LEN;
        for q in &self.questions {
            off += q.name.emit(&mut buf[off..]);
            let class = q.class | if q.unicast_response { CLASS_TOP_BIT } else { 0 };
            buf[off..off + 2].copy_from_slice(&u16::from(q.qtype).to_be_bytes());
            buf[off + 2..off + 4].copy_from_slice(&class.to_be_bytes());
            off += 4;
        }
        for (_, r) in self.records() {
            off += r.name.emit(&mut buf[off..]);
            let class = r.class | if r.cache_flush { CLASS_TOP_BIT } else { 0 };
            let len = r.data.len();
            buf[off..off + 2].copy_from_slice(&u16::from(r.rtype).to_be_bytes());
            buf[off + 2..off + 4].copy_from_slice(&class.to_be_bytes());
            buf[off + 4..off + 8].copy_from_slice(&r.ttl.to_be_bytes());
            buf[off + 8..off + 10].copy_from_slice(&(len as u16).to_be_bytes());
            r.data.emit(&mut buf[off + 10..off + 10 + len]);
            off += 10 + len;
        }
    }
}

/// Entries to reserve for a section: what the count says, bounded by what the remaining bytes
/// can hold and by [`MAX_RECORDS`].
fn capacity(count: usize, remaining: usize, min: usize) -> usize {
    count.min(remaining / min).min(MAX_RECORDS)
}

/// Parses `count` entries of one section; `false` when the message cannot be read past it.
fn section<'a>(
    msg: &'a [u8],
    pos: &mut usize,
    count: usize,
    (layer, min): (&'static str, usize),
    anomalies: &mut Anomalies,
    mut one: impl FnMut(&'a [u8], &mut usize, &mut Anomalies) -> Result<()>,
) -> bool {
    for i in 0..count {
        if i == MAX_RECORDS {
            anomalies.push(Error::content(layer, *pos, "more than 128 entries"));
            return false;
        }
        if *pos >= msg.len() {
            anomalies.push(Error::len(layer, *pos, (count - i) * min, 0));
            return false;
        }
        if let Err(e) = one(msg, pos, anomalies) {
            anomalies.push(e);
            return false;
        }
    }
    true
}

fn parse_question<'a>(msg: &'a [u8], pos: &mut usize) -> Result<Question<'a>> {
    let (name, end) = Name::parse(msg, *pos)?;
    let mut c = Cursor::new(msg, "mdns.question");
    c.take(end)?;
    let qtype = RrType::from(c.u16()?);
    let class = c.u16()?;
    *pos = c.pos();
    Ok(Question {
        name,
        qtype,
        class: class & !CLASS_TOP_BIT,
        unicast_response: class & CLASS_TOP_BIT != 0,
    })
}

/// One record. Data that does not decode as its type says (a TXT string running past the
/// record, an A record of 5 bytes) is an anomaly and kept as bytes: the record's length is known,
/// so the message goes on.
fn parse_record<'a>(
    msg: &'a [u8],
    pos: &mut usize,
    anomalies: &mut Anomalies,
) -> Result<Record<'a>> {
    let (name, end) = Name::parse(msg, *pos)?;
    let mut c = Cursor::new(msg, "mdns.record");
    c.take(end)?;
    let rtype = RrType::from(c.u16()?);
    let class = c.u16()?;
    let ttl = c.u32()?;
    let rdlen = usize::from(c.u16()?);
    let start = c.pos();
    let rdata = c.take(rdlen)?;
    let data = parse_rdata(msg, rtype, start, rdata).unwrap_or_else(|e| {
        anomalies.push(e);
        RData::Other(Hex(rdata))
    });
    *pos = c.pos();
    Ok(Record {
        name,
        rtype,
        class: class & !CLASS_TOP_BIT,
        cache_flush: class & CLASS_TOP_BIT != 0,
        ttl,
        data,
    })
}

/// A name inside record data: it must end inside the data, and the data must end with it.
fn rdata_name<'a>(msg: &'a [u8], at: usize, end: usize) -> Result<Name<'a>> {
    let (n, e) = Name::parse(&msg[..end], at)?;
    if e != end {
        return Err(Error::content(
            "mdns.rdata",
            e,
            "record data longer than its name",
        ));
    }
    // Pointers may reach back before the record; parse against the whole message.
    Ok(Name {
        msg,
        start: n.start,
    })
}

fn parse_rdata<'a>(msg: &'a [u8], rtype: RrType, start: usize, d: &'a [u8]) -> Result<RData<'a>> {
    let end = start + d.len();
    let fixed = |n: usize| {
        if d.len() == n {
            Ok(())
        } else {
            Err(Error::content("mdns.rdata", start, "wrong address length"))
        }
    };
    Ok(match rtype {
        RrType::A => {
            fixed(4)?;
            RData::A(Ipv4Addr::new(d[0], d[1], d[2], d[3]))
        }
        RrType::Aaaa => {
            fixed(16)?;
            let mut a = [0u8; 16];
            a.copy_from_slice(d);
            RData::Aaaa(Ipv6Addr::from(a))
        }
        RrType::Ptr => RData::Ptr(rdata_name(msg, start, end)?),
        RrType::Srv => {
            let mut c = Cursor::new(d, "mdns.srv");
            let sh = |e: Error| e.shifted(start);
            let (priority, weight, port) = (
                c.u16().map_err(sh)?,
                c.u16().map_err(sh)?,
                c.u16().map_err(sh)?,
            );
            let target = rdata_name(msg, start + 6, end)?;
            RData::Srv {
                priority,
                weight,
                port,
                target,
            }
        }
        RrType::Txt => {
            Txt::check(d, start)?;
            RData::Txt(Txt(d))
        }
        RrType::Hinfo => {
            let mut c = Cursor::new(d, "mdns.hinfo");
            let sh = |e: Error| e.shifted(start);
            let l = usize::from(c.u8().map_err(sh)?);
            let cpu = Text(c.take(l).map_err(sh)?);
            let l = usize::from(c.u8().map_err(sh)?);
            let os = Text(c.take(l).map_err(sh)?);
            if !c.is_empty() {
                return Err(Error::content(
                    "mdns.hinfo",
                    start + c.pos(),
                    "bytes after the OS string",
                ));
            }
            RData::Hinfo { cpu, os }
        }
        _ => RData::Other(Hex(d)),
    })
}

/// Decodes an mDNS message (the UDP payload). `Err` only when the 12-byte header is cut short.
pub fn decode<'a>(buf: &'a [u8], anomalies: &mut Anomalies) -> Result<Repr<'a>> {
    let p = Packet::new_checked(buf)?;
    Repr::parse(&p, anomalies)
}

impl fmt::Display for Repr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.response { "response" } else { "query" })?;
        for q in self.questions.iter().take(8) {
            write!(f, " ? {} {}", q.name, q.qtype)?;
        }
        for (_, r) in self.records().take(16) {
            write!(f, "; {} {} {}", r.name, r.rtype, r.data)?;
        }
        let more =
            self.questions.len().saturating_sub(8) + self.records().count().saturating_sub(16);
        if more > 0 {
            write!(f, "; (+{more} more)")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
