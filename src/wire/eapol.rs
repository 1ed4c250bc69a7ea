//! IEEE 802.1X EAPOL (the bytes after EtherType 0x888e), with the EAP packet (RFC 3748) it
//! carries and the EAPOL-Key descriptor fields.
//!
//! EAPOL header: version (1), packet type (1), body length (2), body. The body is kept raw (so
//! `emit` reproduces it) and decoded into views: the EAP header, type and type-specific fields
//! (identity, NAK list, expanded vendor, TLS flags and length), or the key descriptor. Bytes after
//! the body are Ethernet padding. A body longer than the frame, or an EAP length that lies, is an
//! anomaly; the header and whatever fits are kept.

use core::fmt;

use serde::{Serialize, Serializer};

use super::arp::code_enum;
use super::bytes::{be_u16, be_u32};
use super::{Anomalies, Error, Result, Text};

/// Byte ranges of the EAPOL header and of the EAP header inside the body.
mod field {
    use core::ops::Range;
    pub const VERSION: usize = 0;
    pub const TYPE: usize = 1;
    pub const LENGTH: Range<usize> = 2..4;
    pub const BODY: usize = 4;

    pub const EAP_CODE: usize = 0;
    pub const EAP_ID: usize = 1;
    pub const EAP_LENGTH: Range<usize> = 2..4;
    pub const EAP_TYPE: usize = 4;
    pub const EAP_DATA: usize = 5;
}

/// Length of the EAPOL header.
pub const HEADER_LEN: usize = field::BODY;
/// Length of the EAP header (code, id, length).
pub const EAP_HEADER_LEN: usize = 4;

code_enum! {
    /// EAPOL packet type.
    PacketType: u8 {
        /// EAP packet.
        EapPacket = 0 => "eap-packet",
        /// EAPOL-Start.
        Start = 1 => "start",
        /// EAPOL-Logoff.
        Logoff = 2 => "logoff",
        /// EAPOL-Key.
        Key = 3 => "key",
        /// EAPOL-Encapsulated-ASF-Alert.
        EncapsulatedAsfAlert = 4 => "encapsulated-asf-alert",
        /// EAPOL-MKA.
        Mka = 5 => "mka",
        /// EAPOL-Announcement (generic).
        AnnouncementGeneric = 6 => "announcement-generic",
        /// EAPOL-Announcement (specific).
        AnnouncementSpecific = 7 => "announcement-specific",
        /// EAPOL-Announcement-Req.
        AnnouncementReq = 8 => "announcement-req",
    }
}

code_enum! {
    /// EAP code.
    EapCode: u8 {
        /// Request.
        Request = 1 => "request",
        /// Response.
        Response = 2 => "response",
        /// Success.
        Success = 3 => "success",
        /// Failure.
        Failure = 4 => "failure",
        /// Initiate (RFC 6696).
        Initiate = 5 => "initiate",
        /// Finish (RFC 6696).
        Finish = 6 => "finish",
    }
}

code_enum! {
    /// EAP method type.
    EapType: u8 {
        /// Identity.
        Identity = 1 => "identity",
        /// Notification.
        Notification = 2 => "notification",
        /// Legacy NAK.
        Nak = 3 => "nak",
        /// MD5-Challenge.
        Md5Challenge = 4 => "md5-challenge",
        /// One-time password.
        Otp = 5 => "otp",
        /// Generic token card.
        Gtc = 6 => "gtc",
        /// EAP-TLS.
        Tls = 13 => "tls",
        /// Cisco LEAP.
        Leap = 17 => "leap",
        /// EAP-SIM.
        Sim = 18 => "sim",
        /// EAP-TTLS.
        Ttls = 21 => "ttls",
        /// EAP-AKA.
        Aka = 23 => "aka",
        /// PEAP.
        Peap = 25 => "peap",
        /// EAP-MSCHAPv2.
        Mschapv2 = 26 => "mschapv2",
        /// EAP-TLV.
        Tlv = 33 => "tlv",
        /// EAP-FAST.
        Fast = 43 => "fast",
        /// EAP-PSK.
        Psk = 47 => "psk",
        /// EAP-AKA'.
        AkaPrime = 50 => "aka-prime",
        /// EAP-pwd.
        Pwd = 52 => "pwd",
        /// TEAP.
        Teap = 55 => "teap",
        /// Expanded type.
        Expanded = 254 => "expanded",
    }
}

impl EapType {
    /// Whether the method carries TLS records after a flags byte (TLS, TTLS, PEAP, FAST, TEAP).
    pub fn is_tls_based(self) -> bool {
        matches!(
            self,
            EapType::Tls | EapType::Ttls | EapType::Peap | EapType::Fast | EapType::Teap
        )
    }
}

code_enum! {
    /// EAPOL-Key descriptor type.
    KeyDescriptor: u8 {
        /// RC4 (802.1X-2001).
        Rc4 = 1 => "rc4",
        /// IEEE 802.11 RSN.
        Rsn = 2 => "rsn",
        /// WPA.
        Wpa = 254 => "wpa",
    }
}

/// A checked view of an EAPOL frame: the 4-byte header is present.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking.
    pub fn new_unchecked(buffer: T) -> Self {
        Packet { buffer }
    }

    /// Wraps a buffer holding at least the EAPOL header.
    pub fn new_checked(buffer: T) -> Result<Self> {
        let len = buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(Error::len("eapol", 0, HEADER_LEN, len));
        }
        Ok(Packet { buffer })
    }

    /// Protocol version.
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[field::VERSION]
    }

    /// Packet type.
    pub fn packet_type(&self) -> u8 {
        self.buffer.as_ref()[field::TYPE]
    }

    /// Body length as sent.
    pub fn body_len(&self) -> u16 {
        be_u16(self.buffer.as_ref(), field::LENGTH.start).unwrap_or(0)
    }

    /// The body bytes present (at most `body_len()`; fewer when the frame is cut short).
    pub fn body(&self) -> &[u8] {
        let b = self.buffer.as_ref();
        let end = (HEADER_LEN + usize::from(self.body_len())).min(b.len());
        &b[HEADER_LEN..end]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Sets the version.
    pub fn set_version(&mut self, v: u8) {
        self.buffer.as_mut()[field::VERSION] = v;
    }

    /// Sets the packet type.
    pub fn set_packet_type(&mut self, v: u8) {
        self.buffer.as_mut()[field::TYPE] = v;
    }

    /// Sets the body length.
    pub fn set_body_len(&mut self, v: u16) {
        self.buffer.as_mut()[field::LENGTH].copy_from_slice(&v.to_be_bytes());
    }

    /// The body bytes after the header, writable (the whole rest of the buffer).
    pub fn body_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[HEADER_LEN..]
    }
}

/// The desired auth types of a NAK, serialised as a list of names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NakTypes<'a>(pub &'a [u8]);

impl Serialize for NakTypes<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|&t| EapType::from(t)))
    }
}

/// Vendor of an expanded EAP type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ExpandedVendor {
    /// Vendor id (SMI enterprise number, 24 bits).
    pub vendor_id: u32,
    /// Vendor type.
    pub vendor_type: u32,
}

/// A decoded EAP packet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Eap<'a> {
    /// Code.
    pub code: EapCode,
    /// Identifier.
    pub id: u8,
    /// Length as sent.
    pub length: u16,
    /// Method type (requests and responses).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub eap_type: Option<EapType>,
    /// Identity (type 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<Text<'a>>,
    /// Desired types of a NAK (type 3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nak_types: Option<NakTypes<'a>>,
    /// Expanded type vendor (type 254).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expanded_vendor: Option<ExpandedVendor>,
    /// Flags byte of a TLS-based method.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_flags: Option<u8>,
    /// TLS message length, when the L flag is set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_length: Option<u32>,
    /// The type data after the type byte, as present.
    #[serde(skip)]
    pub data: &'a [u8],
}

impl<'a> Eap<'a> {
    /// Decodes an EAP packet from an EAPOL body.
    fn parse(body: &'a [u8], anomalies: &mut Anomalies) -> Option<Eap<'a>> {
        if body.len() < EAP_HEADER_LEN {
            anomalies.push(Error::len("eap", HEADER_LEN, EAP_HEADER_LEN, body.len()));
            return None;
        }
        let length = be_u16(body, field::EAP_LENGTH.start).unwrap_or(0);
        let mut eap = Eap {
            code: EapCode::from(body[field::EAP_CODE]),
            id: body[field::EAP_ID],
            length,
            eap_type: None,
            identity: None,
            nak_types: None,
            expanded_vendor: None,
            tls_flags: None,
            tls_length: None,
            data: &[],
        };
        let len = usize::from(length);
        let pkt = if len < EAP_HEADER_LEN {
            anomalies.push(Error::content(
                "eap",
                HEADER_LEN + 2,
                "length shorter than header",
            ));
            &body[..EAP_HEADER_LEN]
        } else if len > body.len() {
            anomalies.push(Error::len("eap", HEADER_LEN, len, body.len()));
            body
        } else {
            if len < body.len() {
                anomalies.push(Error::content(
                    "eap",
                    HEADER_LEN + len,
                    "bytes after the EAP packet",
                ));
            }
            &body[..len]
        };
        if !matches!(eap.code, EapCode::Request | EapCode::Response) || pkt.len() <= field::EAP_TYPE
        {
            if matches!(eap.code, EapCode::Request | EapCode::Response) {
                anomalies.push(Error::len("eap", HEADER_LEN + field::EAP_TYPE, 1, 0));
            }
            return Some(eap);
        }
        let t = EapType::from(pkt[field::EAP_TYPE]);
        eap.eap_type = Some(t);
        let data = &pkt[field::EAP_DATA..];
        eap.data = data;
        let off = HEADER_LEN + field::EAP_DATA;
        match t {
            EapType::Identity => eap.identity = Some(Text(data)),
            EapType::Nak => eap.nak_types = Some(NakTypes(data)),
            EapType::Expanded => match data.get(..7) {
                Some(v) => {
                    eap.expanded_vendor = Some(ExpandedVendor {
                        vendor_id: u32::from_be_bytes([0, v[0], v[1], v[2]]),
                        vendor_type: be_u32(v, 3).unwrap_or(0),
                    })
                }
                None => anomalies.push(Error::len("eap.expanded", off, 7, data.len())),
            },
            EapType::Sim | EapType::Aka | EapType::AkaPrime => {
                eap.identity = sim_identity(data).map(Text);
            }
            t if t.is_tls_based() => {
                if let Some(&flags) = data.first() {
                    eap.tls_flags = Some(flags);
                    if flags & 0x80 != 0 {
                        match be_u32(data, 1) {
                            Some(l) => eap.tls_length = Some(l),
                            None => {
                                anomalies.push(Error::len("eap.tls", off + 1, 4, data.len() - 1))
                            }
                        }
                    }
                } else if eap.code == EapCode::Request || !data.is_empty() {
                    anomalies.push(Error::len("eap.tls", off, 1, 0));
                }
            }
            _ => {}
        }
        Some(eap)
    }
}

/// The AT_IDENTITY attribute (14) of an EAP-SIM/AKA/AKA' packet (RFC 4186 §10.5): after the
/// subtype and two reserved bytes, attributes of type, length in 4-byte words, value; the
/// identity value is a 2-byte actual length and the identity.
fn sim_identity(data: &[u8]) -> Option<&[u8]> {
    let mut attrs = data.get(3..)?;
    // At most one attribute per 4 bytes: the walk is bounded by the data.
    while attrs.len() >= 4 {
        let len = usize::from(attrs[1]) * 4;
        if len == 0 || len > attrs.len() {
            return None;
        }
        if attrs[0] == 14 {
            let actual = usize::from(be_u16(attrs, 2)?);
            return attrs.get(4..(4 + actual).min(len));
        }
        attrs = &attrs[len..];
    }
    None
}

/// EAPOL-Key descriptor fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Key {
    /// Descriptor type.
    pub descriptor_type: KeyDescriptor,
    /// Key information (RSN and WPA descriptors).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_info: Option<u16>,
    /// Key length.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_length: Option<u16>,
    /// Replay counter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replay_counter: Option<u64>,
    /// Key index byte (RC4 descriptor): top bit unicast, low seven bits the index.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_index: Option<u8>,
    /// Key data length (RSN and WPA descriptors).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_data_length: Option<u16>,
}

impl Key {
    fn parse(body: &[u8], anomalies: &mut Anomalies) -> Option<Key> {
        let Some(&d) = body.first() else {
            anomalies.push(Error::len("eapol.key", HEADER_LEN, 1, 0));
            return None;
        };
        let descriptor_type = KeyDescriptor::from(d);
        let u64_at = |o: usize| Some(u64::from_be_bytes(body.get(o..o + 8)?.try_into().ok()?));
        let mut k = Key {
            descriptor_type,
            key_info: None,
            key_length: None,
            replay_counter: None,
            key_index: None,
            key_data_length: None,
        };
        let need = match descriptor_type {
            KeyDescriptor::Rc4 => {
                k.key_length = be_u16(body, 1);
                k.replay_counter = u64_at(3);
                k.key_index = body.get(27).copied();
                44
            }
            KeyDescriptor::Rsn | KeyDescriptor::Wpa => {
                k.key_info = be_u16(body, 1);
                k.key_length = be_u16(body, 3);
                k.replay_counter = u64_at(5);
                k.key_data_length = be_u16(body, 93);
                95
            }
            KeyDescriptor::Unknown(_) => 1,
        };
        if body.len() < need {
            anomalies.push(Error::len("eapol.key", HEADER_LEN, need, body.len()));
        }
        Some(k)
    }
}

/// A decoded EAPOL frame.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Repr<'a> {
    /// Protocol version.
    pub version: u8,
    /// Packet type.
    pub packet_type: PacketType,
    /// Body length as sent.
    pub length: u16,
    /// The EAP packet (packet type 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eap: Option<Eap<'a>>,
    /// The key descriptor (packet type 3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<Key>,
    /// The body bytes present (for other packet types, and for `emit`).
    #[serde(skip)]
    pub body: &'a [u8],
}

impl<'a> Repr<'a> {
    /// Decodes a checked EAPOL frame.
    pub fn parse(packet: &Packet<&'a [u8]>, anomalies: &mut Anomalies) -> Result<Repr<'a>> {
        let buf: &'a [u8] = packet.buffer;
        let length = packet.body_len();
        let end = (HEADER_LEN + usize::from(length)).min(buf.len());
        let body = &buf[HEADER_LEN..end];
        if body.len() < usize::from(length) {
            anomalies.push(Error::len(
                "eapol",
                HEADER_LEN,
                usize::from(length),
                body.len(),
            ));
        }
        let packet_type = PacketType::from(packet.packet_type());
        let mut r = Repr {
            version: packet.version(),
            packet_type,
            length,
            eap: None,
            key: None,
            body,
        };
        match packet_type {
            PacketType::EapPacket => r.eap = Eap::parse(body, anomalies),
            PacketType::Key => r.key = Key::parse(body, anomalies),
            _ => {}
        }
        Ok(r)
    }

    /// Bytes `emit` writes: the header and the body present.
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN + self.body.len()
    }

    /// Writes the frame into `buf` (at least `buffer_len()` bytes).
    pub fn emit(&self, buf: &mut [u8]) {
        let mut p = Packet::new_unchecked(&mut buf[..]);
        p.set_version(self.version);
        p.set_packet_type(u8::from(self.packet_type));
        p.set_body_len(self.length);
        p.body_mut()[..self.body.len()].copy_from_slice(self.body);
    }
}

/// Decodes an EAPOL frame (the bytes after the EtherType). `Err` only when the 4-byte header is
/// cut short.
pub fn decode<'a>(buf: &'a [u8], anomalies: &mut Anomalies) -> Result<Repr<'a>> {
    let p = Packet::new_checked(buf)?;
    Repr::parse(&p, anomalies)
}

impl fmt::Display for Repr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "v{} {} len {}",
            self.version, self.packet_type, self.length
        )?;
        if let Some(e) = &self.eap {
            write!(f, " eap {} id {}", e.code, e.id)?;
            if let Some(t) = e.eap_type {
                write!(f, " {t}")?;
            }
            if let Some(i) = &e.identity {
                write!(f, " \"{i}\"")?;
            }
            if let Some(v) = &e.expanded_vendor {
                write!(f, " vendor {} type {}", v.vendor_id, v.vendor_type)?;
            }
            if let Some(fl) = e.tls_flags {
                write!(f, " flags {fl:#04x}")?;
            }
        }
        if let Some(k) = &self.key {
            write!(f, " key {}", k.descriptor_type)?;
            if let Some(l) = k.key_length {
                write!(f, " len {l}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
