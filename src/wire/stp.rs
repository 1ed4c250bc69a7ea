//! Spanning-tree BPDUs (IEEE 802.1D STP, 802.1w RSTP, 802.1s MSTP, and Cisco PVST+): the bytes
//! after the 802.2 LLC header (DSAP 0x42) or after the Cisco SNAP header (PID 0x010b).
//!
//! Layout: protocol id (2), version (1), BPDU type (1); a TCN BPDU ends there. Configuration and
//! RST BPDUs carry flags, root id, root path cost, bridge id, port id and four timers (35 bytes);
//! RST adds the version-1 length (36); MSTP adds the version-3 length, the MST configuration id,
//! the CIST fields and 16-byte MSTI records. Bytes after the BPDU (PVST+ TLVs, padding) are kept
//! raw so `emit` reproduces them; a PVST+ originating-VLAN TLV is decoded.

use core::fmt;

use serde::{Serialize, Serializer};

use super::arp::code_enum;
use super::{Anomalies, Error, Hex, MacAddr, Result, Text};

/// Byte ranges of the BPDU fields.
mod field {
    use core::ops::Range;
    pub const PROTOCOL: Range<usize> = 0..2;
    pub const VERSION: usize = 2;
    pub const TYPE: usize = 3;
    pub const FLAGS: usize = 4;
    pub const ROOT_ID: Range<usize> = 5..13;
    pub const ROOT_PATH_COST: Range<usize> = 13..17;
    pub const BRIDGE_ID: Range<usize> = 17..25;
    pub const PORT_ID: Range<usize> = 25..27;
    pub const MESSAGE_AGE: Range<usize> = 27..29;
    pub const MAX_AGE: Range<usize> = 29..31;
    pub const HELLO_TIME: Range<usize> = 31..33;
    pub const FORWARD_DELAY: Range<usize> = 33..35;
    pub const VERSION1_LEN: usize = 35;
    pub const VERSION3_LEN: Range<usize> = 36..38;
    pub const MST_FORMAT: usize = 38;
    pub const MST_NAME: Range<usize> = 39..71;
    pub const MST_REVISION: Range<usize> = 71..73;
    pub const MST_DIGEST: Range<usize> = 73..89;
    pub const CIST_INT_COST: Range<usize> = 89..93;
    pub const CIST_BRIDGE_ID: Range<usize> = 93..101;
    pub const CIST_HOPS: usize = 101;
    pub const MSTI: usize = 102;
}

/// Length of a TCN BPDU (and of the common header).
pub const TCN_LEN: usize = 4;
/// Length of a configuration BPDU.
pub const CONFIG_LEN: usize = 35;
/// Length of an RST BPDU.
pub const RST_LEN: usize = 36;
/// Length of an MST BPDU without MSTI records.
pub const MST_LEN: usize = field::MSTI;
/// Length of one MSTI configuration message.
pub const MSTI_LEN: usize = 16;
/// MSTI records kept at most (802.1s allows 64).
pub const MAX_MSTI: usize = 64;

code_enum! {
    /// BPDU type.
    BpduType: u8 {
        /// Configuration BPDU.
        Config = 0x00 => "config",
        /// Rapid / multiple spanning tree BPDU.
        Rst = 0x02 => "rst",
        /// Topology-change notification.
        Tcn = 0x80 => "tcn",
    }
}

code_enum! {
    /// Port role in the flags of an RST/MST BPDU.
    PortRole: u8 {
        /// Unknown.
        Unknown0 = 0 => "unknown",
        /// Alternate or backup.
        AlternateBackup = 1 => "alternate-backup",
        /// Root.
        Root = 2 => "root",
        /// Designated.
        Designated = 3 => "designated",
    }
}

/// A checked view of a BPDU: at least the 4-byte common header is present, and the fields of
/// the BPDU type are present up to the length `bpdu_len()` reports.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking.
    pub fn new_unchecked(buffer: T) -> Self {
        Packet { buffer }
    }

    /// Wraps a buffer holding at least the common header.
    pub fn new_checked(buffer: T) -> Result<Self> {
        let len = buffer.as_ref().len();
        if len < TCN_LEN {
            return Err(Error::len("stp", 0, TCN_LEN, len));
        }
        Ok(Packet { buffer })
    }

    fn b(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    fn u16_at(&self, r: core::ops::Range<usize>) -> Option<u16> {
        super::bytes::be_u16(self.b(), r.start)
    }

    fn u32_at(&self, r: core::ops::Range<usize>) -> Option<u32> {
        super::bytes::be_u32(self.b(), r.start)
    }

    fn id_at(&self, r: core::ops::Range<usize>) -> Option<BridgeId> {
        Some(BridgeId::from_bytes(self.b().get(r)?.try_into().ok()?))
    }

    /// Protocol identifier (0).
    pub fn protocol_id(&self) -> u16 {
        self.u16_at(field::PROTOCOL).unwrap_or(0)
    }

    /// Protocol version (0 STP, 2 RSTP, 3 MSTP).
    pub fn version(&self) -> u8 {
        self.b()[field::VERSION]
    }

    /// BPDU type.
    pub fn bpdu_type(&self) -> u8 {
        self.b()[field::TYPE]
    }

    /// Flags, when present.
    pub fn flags(&self) -> Option<u8> {
        self.b().get(field::FLAGS).copied()
    }

    /// Root bridge id.
    pub fn root_id(&self) -> Option<BridgeId> {
        self.id_at(field::ROOT_ID)
    }

    /// Root path cost.
    pub fn root_path_cost(&self) -> Option<u32> {
        self.u32_at(field::ROOT_PATH_COST)
    }

    /// Sending bridge id.
    pub fn bridge_id(&self) -> Option<BridgeId> {
        self.id_at(field::BRIDGE_ID)
    }

    /// Port id.
    pub fn port_id(&self) -> Option<u16> {
        self.u16_at(field::PORT_ID)
    }

    /// Message age in 1/256 s.
    pub fn message_age(&self) -> Option<u16> {
        self.u16_at(field::MESSAGE_AGE)
    }

    /// Max age in 1/256 s.
    pub fn max_age(&self) -> Option<u16> {
        self.u16_at(field::MAX_AGE)
    }

    /// Hello time in 1/256 s.
    pub fn hello_time(&self) -> Option<u16> {
        self.u16_at(field::HELLO_TIME)
    }

    /// Forward delay in 1/256 s.
    pub fn forward_delay(&self) -> Option<u16> {
        self.u16_at(field::FORWARD_DELAY)
    }

    /// Version-1 length (RST and MST BPDUs).
    pub fn version1_len(&self) -> Option<u8> {
        self.b().get(field::VERSION1_LEN).copied()
    }

    /// Version-3 length (MST BPDUs).
    pub fn version3_len(&self) -> Option<u16> {
        self.u16_at(field::VERSION3_LEN)
    }

    /// MST configuration name (32 bytes, NUL padded).
    pub fn mst_config_name(&self) -> Option<&[u8]> {
        self.b().get(field::MST_NAME)
    }

    /// MST configuration digest.
    pub fn mst_digest(&self) -> Option<&[u8]> {
        self.b().get(field::MST_DIGEST)
    }

    /// CIST bridge id.
    pub fn cist_bridge_id(&self) -> Option<BridgeId> {
        self.id_at(field::CIST_BRIDGE_ID)
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Sets the protocol id, version and BPDU type.
    pub fn set_header(&mut self, protocol: u16, version: u8, bpdu_type: u8) {
        let b = self.buffer.as_mut();
        b[field::PROTOCOL].copy_from_slice(&protocol.to_be_bytes());
        b[field::VERSION] = version;
        b[field::TYPE] = bpdu_type;
    }

    /// Sets the fields of a configuration BPDU (the buffer holds at least 35 bytes).
    #[allow(clippy::too_many_arguments)]
    pub fn set_config(
        &mut self,
        flags: u8,
        root: BridgeId,
        cost: u32,
        bridge: BridgeId,
        port: u16,
        timers: [u16; 4],
    ) {
        let b = self.buffer.as_mut();
        b[field::FLAGS] = flags;
        b[field::ROOT_ID].copy_from_slice(&root.to_bytes());
        b[field::ROOT_PATH_COST].copy_from_slice(&cost.to_be_bytes());
        b[field::BRIDGE_ID].copy_from_slice(&bridge.to_bytes());
        b[field::PORT_ID].copy_from_slice(&port.to_be_bytes());
        for (i, t) in timers.iter().enumerate() {
            let o = field::MESSAGE_AGE.start + 2 * i;
            b[o..o + 2].copy_from_slice(&t.to_be_bytes());
        }
    }

    /// Sets the version-1 length.
    pub fn set_version1_len(&mut self, v: u8) {
        self.buffer.as_mut()[field::VERSION1_LEN] = v;
    }

    /// Sets the MSTP fields up to the remaining hops (the buffer holds at least 102 bytes).
    pub fn set_mst(&mut self, m: &Mst<'_>) {
        let b = self.buffer.as_mut();
        b[field::VERSION3_LEN].copy_from_slice(&m.version3_len.to_be_bytes());
        b[field::MST_FORMAT] = m.format_selector;
        b[field::MST_NAME].copy_from_slice(&m.config_name.0[..32]);
        b[field::MST_REVISION].copy_from_slice(&m.revision.to_be_bytes());
        b[field::MST_DIGEST].copy_from_slice(&m.digest.0[..16]);
        b[field::CIST_INT_COST].copy_from_slice(&m.cist_internal_root_path_cost.to_be_bytes());
        b[field::CIST_BRIDGE_ID].copy_from_slice(&m.cist_bridge_id.to_bytes());
        b[field::CIST_HOPS] = m.remaining_hops;
    }
}

/// A bridge identifier: 4-bit priority, 12-bit system id extension, MAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BridgeId {
    /// Priority (a multiple of 4096).
    pub priority: u16,
    /// System id extension (the VLAN or MSTI with PVST+/MSTP).
    pub system_id: u16,
    /// Bridge MAC address.
    pub mac: MacAddr,
}

impl BridgeId {
    /// Decodes the 8 bytes of a bridge id.
    pub fn from_bytes(b: [u8; 8]) -> Self {
        let p = u16::from_be_bytes([b[0], b[1]]);
        let mut m = [0u8; 6];
        m.copy_from_slice(&b[2..]);
        BridgeId {
            priority: p & 0xf000,
            system_id: p & 0x0fff,
            mac: MacAddr(m),
        }
    }

    /// The 8 bytes of the id.
    pub fn to_bytes(&self) -> [u8; 8] {
        let mut b = [0u8; 8];
        let p = (self.priority & 0xf000) | (self.system_id & 0x0fff);
        b[..2].copy_from_slice(&p.to_be_bytes());
        b[2..].copy_from_slice(&self.mac.0);
        b
    }
}

impl fmt::Display for BridgeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04x}.{}", self.priority | self.system_id, self.mac)
    }
}

/// STP flags byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flags(pub u8);

const FLAG_NAMES: [(u8, &str); 6] = [
    (0x01, "tc"),
    (0x02, "proposal"),
    (0x10, "learning"),
    (0x20, "forwarding"),
    (0x40, "agreement"),
    (0x80, "tca"),
];

impl Flags {
    /// The port role bits.
    pub fn port_role(self) -> PortRole {
        PortRole::from((self.0 >> 2) & 3)
    }
}

impl Serialize for Flags {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.collect_seq(
            FLAG_NAMES
                .iter()
                .filter(|(bit, _)| self.0 & bit != 0)
                .map(|(_, n)| *n),
        )
    }
}

/// Timer in 1/256 s, serialised as seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timer(pub u16);

impl Timer {
    /// Seconds.
    pub fn seconds(self) -> f64 {
        f64::from(self.0) / 256.0
    }
}

impl Serialize for Timer {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.serialize_f64(self.seconds())
    }
}

/// One MSTI configuration message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Msti {
    /// MSTI number (from the regional root's system id extension).
    pub msti: u16,
    /// Flags.
    pub flags: Flags,
    /// Port role.
    pub port_role: PortRole,
    /// Regional root id.
    pub regional_root: BridgeId,
    /// Internal root path cost.
    pub internal_root_path_cost: u32,
    /// Bridge priority byte as sent (priority = top four bits × 4096).
    pub bridge_priority: u8,
    /// Port priority byte as sent (priority = top four bits × 16).
    pub port_priority: u8,
    /// Remaining hops.
    pub remaining_hops: u8,
}

impl Msti {
    fn parse(b: &[u8; MSTI_LEN]) -> Self {
        let mut id = [0u8; 8];
        id.copy_from_slice(&b[1..9]);
        let regional_root = BridgeId::from_bytes(id);
        Msti {
            msti: regional_root.system_id,
            flags: Flags(b[0]),
            port_role: Flags(b[0]).port_role(),
            regional_root,
            internal_root_path_cost: u32::from_be_bytes([b[9], b[10], b[11], b[12]]),
            bridge_priority: b[13],
            port_priority: b[14],
            remaining_hops: b[15],
        }
    }

    fn emit(&self, b: &mut [u8]) {
        b[0] = self.flags.0;
        b[1..9].copy_from_slice(&self.regional_root.to_bytes());
        b[9..13].copy_from_slice(&self.internal_root_path_cost.to_be_bytes());
        b[13] = self.bridge_priority;
        b[14] = self.port_priority;
        b[15] = self.remaining_hops;
    }
}

/// The MSTP part of an MST BPDU.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mst<'a> {
    /// Version-3 length as sent.
    pub version3_len: u16,
    /// MST configuration id format selector.
    pub format_selector: u8,
    /// MST configuration name (32 bytes as sent, shown without NUL padding).
    pub config_name: Text<'a>,
    /// Configuration revision.
    pub revision: u16,
    /// Configuration digest (HMAC-MD5 of the VLAN-to-MSTI table).
    pub digest: Hex<'a>,
    /// CIST internal root path cost.
    pub cist_internal_root_path_cost: u32,
    /// CIST bridge id.
    pub cist_bridge_id: BridgeId,
    /// Remaining hops.
    pub remaining_hops: u8,
    /// MSTI records.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub msti: Vec<Msti>,
}

/// A decoded BPDU.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Repr<'a> {
    /// `stp`, `rstp` or `mstp`, by the version and what decoded.
    pub protocol: &'static str,
    /// Protocol identifier as sent (0).
    #[serde(skip)]
    pub protocol_id: u16,
    /// Protocol version.
    pub version: u8,
    /// BPDU type.
    pub bpdu_type: BpduType,
    /// Flags (configuration and RST BPDUs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flags: Option<Flags>,
    /// Port role (RST and MST BPDUs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port_role: Option<PortRole>,
    /// Root bridge id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root_id: Option<BridgeId>,
    /// Root path cost.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root_path_cost: Option<u32>,
    /// Sending bridge id (CIST regional root with MSTP).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bridge_id: Option<BridgeId>,
    /// Port id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port_id: Option<u16>,
    /// Message age.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_age: Option<Timer>,
    /// Max age.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_age: Option<Timer>,
    /// Hello time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hello_time: Option<Timer>,
    /// Forward delay.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forward_delay: Option<Timer>,
    /// Version-1 length (RST and MST).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version1_length: Option<u8>,
    /// MSTP fields.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mst: Option<Mst<'a>>,
    /// PVST+ originating VLAN TLV.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pvst_vlan: Option<u16>,
    /// Bytes after the BPDU (PVST+ TLVs, padding), kept for `emit`.
    #[serde(skip)]
    pub trailer: &'a [u8],
}

impl<'a> Repr<'a> {
    /// Decodes a checked BPDU. A BPDU shorter than its type requires keeps the header and gives
    /// an anomaly.
    pub fn parse(packet: &Packet<&'a [u8]>, anomalies: &mut Anomalies) -> Result<Repr<'a>> {
        let buf: &'a [u8] = packet.buffer;
        let p = packet;
        let version = p.version();
        let bpdu_type = BpduType::from(p.bpdu_type());
        let mut r = Repr {
            protocol: "stp",
            protocol_id: p.protocol_id(),
            version,
            bpdu_type,
            flags: None,
            port_role: None,
            root_id: None,
            root_path_cost: None,
            bridge_id: None,
            port_id: None,
            message_age: None,
            max_age: None,
            hello_time: None,
            forward_delay: None,
            version1_length: None,
            mst: None,
            pvst_vlan: None,
            trailer: &[],
        };
        if r.protocol_id != 0 {
            anomalies.push(Error::content("stp", 0, "protocol id not 0"));
        }
        let mut end = TCN_LEN;
        if bpdu_type != BpduType::Tcn {
            if buf.len() < CONFIG_LEN {
                anomalies.push(Error::len(
                    "stp",
                    TCN_LEN,
                    CONFIG_LEN - TCN_LEN,
                    buf.len() - TCN_LEN,
                ));
                // Keep the header only: nothing of the body is emitted either.
                return Ok(r);
            }
            let flags = Flags(buf[field::FLAGS]);
            r.flags = Some(flags);
            r.root_id = p.root_id();
            r.root_path_cost = p.root_path_cost();
            r.bridge_id = p.bridge_id();
            r.port_id = p.port_id();
            r.message_age = p.message_age().map(Timer);
            r.max_age = p.max_age().map(Timer);
            r.hello_time = p.hello_time().map(Timer);
            r.forward_delay = p.forward_delay().map(Timer);
            end = CONFIG_LEN;
            if bpdu_type == BpduType::Rst {
                r.port_role = Some(flags.port_role());
                if version >= 2 {
                    r.protocol = "rstp";
                }
                match p.version1_len() {
                    Some(v) => {
                        r.version1_length = Some(v);
                        end = RST_LEN;
                    }
                    None => anomalies.push(Error::len("stp.rst", CONFIG_LEN, 1, 0)),
                }
                if version >= 3 && end == RST_LEN {
                    if buf.len() < MST_LEN {
                        anomalies.push(Error::len(
                            "stp.mst",
                            RST_LEN,
                            MST_LEN - RST_LEN,
                            buf.len() - RST_LEN,
                        ));
                    } else {
                        let (mst, mend) = parse_mst(buf, anomalies);
                        r.mst = Some(mst);
                        r.protocol = "mstp";
                        end = mend;
                    }
                }
            }
        }
        r.trailer = &buf[end..];
        // PVST+ originating-VLAN TLV (type 0, length 2), possibly after zero padding.
        if let Some(i) = r.trailer.len().checked_sub(6) {
            if let [0, 0, 0, 2, hi, lo] = r.trailer[i..] {
                if r.trailer[..i].iter().all(|&b| b == 0) {
                    r.pvst_vlan = Some(u16::from_be_bytes([hi, lo]));
                }
            }
        }
        Ok(r)
    }

    /// Bytes `emit` writes.
    pub fn buffer_len(&self) -> usize {
        let body = if self.flags.is_none() {
            TCN_LEN
        } else if let Some(m) = &self.mst {
            MST_LEN + m.msti.len() * MSTI_LEN
        } else if self.version1_length.is_some() {
            RST_LEN
        } else {
            CONFIG_LEN
        };
        body + self.trailer.len()
    }

    /// Writes the BPDU into `buf` (at least `buffer_len()` bytes).
    pub fn emit(&self, buf: &mut [u8]) {
        let mut p = Packet::new_unchecked(&mut buf[..]);
        p.set_header(self.protocol_id, self.version, u8::from(self.bpdu_type));
        let mut end = TCN_LEN;
        if let Some(flags) = self.flags {
            let zero = BridgeId::from_bytes([0; 8]);
            let t = |x: Option<Timer>| x.map_or(0, |t| t.0);
            p.set_config(
                flags.0,
                self.root_id.unwrap_or(zero),
                self.root_path_cost.unwrap_or(0),
                self.bridge_id.unwrap_or(zero),
                self.port_id.unwrap_or(0),
                [
                    t(self.message_age),
                    t(self.max_age),
                    t(self.hello_time),
                    t(self.forward_delay),
                ],
            );
            end = CONFIG_LEN;
            if let Some(v) = self.version1_length {
                p.set_version1_len(v);
                end = RST_LEN;
            }
            if let Some(m) = &self.mst {
                p.set_mst(m);
                end = MST_LEN;
                for x in &m.msti {
                    x.emit(&mut buf[end..end + MSTI_LEN]);
                    end += MSTI_LEN;
                }
            }
        }
        buf[end..end + self.trailer.len()].copy_from_slice(self.trailer);
    }
}

/// Decodes the MSTP part (the buffer holds at least `MST_LEN` bytes); returns it and where the
/// BPDU ends.
fn parse_mst<'a>(buf: &'a [u8], anomalies: &mut Anomalies) -> (Mst<'a>, usize) {
    let p = Packet::new_unchecked(buf);
    let v3 = p.version3_len().unwrap_or(0);
    let mut mst = Mst {
        version3_len: v3,
        format_selector: buf[field::MST_FORMAT],
        config_name: Text(&buf[field::MST_NAME]),
        revision: u16::from_be_bytes([
            buf[field::MST_REVISION.start],
            buf[field::MST_REVISION.start + 1],
        ]),
        digest: Hex(&buf[field::MST_DIGEST]),
        cist_internal_root_path_cost: super::bytes::be_u32(buf, field::CIST_INT_COST.start)
            .unwrap_or(0),
        cist_bridge_id: p.cist_bridge_id().unwrap_or(BridgeId::from_bytes([0; 8])),
        remaining_hops: buf[field::CIST_HOPS],
        msti: Vec::new(),
    };
    let fixed = MST_LEN - field::VERSION3_LEN.end; // 64: v3 length counts from after itself
    let v3 = usize::from(v3);
    if v3 < fixed || (v3 - fixed) % MSTI_LEN != 0 {
        anomalies.push(Error::content(
            "stp.mst",
            field::VERSION3_LEN.start,
            "bad version-3 length",
        ));
    }
    let mut want = v3.saturating_sub(fixed) / MSTI_LEN;
    let avail = (buf.len() - MST_LEN) / MSTI_LEN;
    if want > avail {
        anomalies.push(Error::len(
            "stp.msti",
            MST_LEN,
            want * MSTI_LEN,
            buf.len() - MST_LEN,
        ));
        want = avail;
    }
    if want > MAX_MSTI {
        anomalies.push(Error::content(
            "stp.msti",
            MST_LEN,
            "more than 64 MSTI records",
        ));
        want = MAX_MSTI;
    }
    let mut end = MST_LEN;
    for _ in 0..want {
        let rec: &[u8; MSTI_LEN] = buf[end..end + MSTI_LEN]
            .try_into()
            .unwrap_or(&[0; MSTI_LEN]);
        mst.msti.push(Msti::parse(rec));
        end += MSTI_LEN;
    }
    (mst, end)
}

/// Decodes a BPDU (after the LLC header or the PVST+ SNAP header). `Err` only when the 4-byte
/// common header is cut short.
pub fn decode<'a>(buf: &'a [u8], anomalies: &mut Anomalies) -> Result<Repr<'a>> {
    let p = Packet::new_checked(buf)?;
    Repr::parse(&p, anomalies)
}

impl fmt::Display for Repr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} v{} {}", self.protocol, self.version, self.bpdu_type)?;
        if let Some(r) = self.port_role {
            write!(f, " role {r}")?;
        }
        if let Some(id) = &self.root_id {
            write!(f, " root {id}")?;
        }
        if let Some(c) = self.root_path_cost {
            write!(f, " cost {c}")?;
        }
        if let Some(id) = &self.bridge_id {
            write!(f, " bridge {id}")?;
        }
        if let Some(p) = self.port_id {
            write!(f, " port {p:04x}")?;
        }
        if let Some(m) = &self.mst {
            write!(
                f,
                " mst \"{}\" rev {} msti {}",
                m.config_name,
                m.revision,
                m.msti.len()
            )?;
        }
        if let Some(v) = self.pvst_vlan {
            write!(f, " pvst vlan {v}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
