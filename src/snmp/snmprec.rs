//! Reader for snmpsim's `.snmprec` recordings: one variable per line, `OID|TYPE|VALUE`.
//!
//! TYPE is the BER tag number (2 INTEGER, 4 OCTET STRING, 5 NULL, 6 OBJECT IDENTIFIER,
//! 64 IpAddress, 65 Counter32, 66 Gauge32, 67 TimeTicks, 68 Opaque, 70 Counter64); a trailing
//! `x` means VALUE is hex. Lets the port-table builder run on a recording without a network.

use super::value::{Value, Varbind, parse_oid};

/// A line that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SnmprecError {
    /// Not `OID|TYPE|VALUE`, or a part does not parse.
    #[error("snmprec line {line}: {what}")]
    Line {
        /// 1-based line number.
        line: usize,
        /// What was wrong.
        what: &'static str,
    },
}

/// Parses a whole recording. Blank lines and `#` comments are skipped; snmpsim variation
/// modules (`TYPE:module`) are read as their plain type.
pub fn parse(text: &str) -> Result<Vec<Varbind>, SnmprecError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let err = |what| SnmprecError::Line {
            line: line_no,
            what,
        };
        let mut parts = line.splitn(3, '|');
        let oid = parts.next().and_then(parse_oid).ok_or(err("bad OID"))?;
        let ty = parts.next().ok_or(err("missing type"))?;
        let raw = parts.next().ok_or(err("missing value"))?;
        let ty = ty.split(':').next().unwrap_or(ty);
        let (tag, hex) = match ty.strip_suffix('x') {
            Some(t) => (t, true),
            None => (ty, false),
        };
        let tag: u8 = tag.parse().map_err(|_| err("bad type"))?;
        let bytes = if hex {
            decode_hex(raw).ok_or(err("bad hex value"))?
        } else {
            raw.as_bytes().to_vec()
        };
        let text = || String::from_utf8_lossy(&bytes).trim().to_owned();
        let value = match tag {
            2 => Value::Int(text().parse().map_err(|_| err("bad INTEGER"))?),
            4 => Value::Str(bytes.clone()),
            5 => Value::Null,
            6 => Value::Oid(parse_oid(&text()).ok_or(err("bad OBJECT IDENTIFIER"))?),
            64 => {
                if hex && bytes.len() == 4 {
                    Value::Ip([bytes[0], bytes[1], bytes[2], bytes[3]])
                } else {
                    let a: std::net::Ipv4Addr = text().parse().map_err(|_| err("bad IpAddress"))?;
                    Value::Ip(a.octets())
                }
            }
            65 => Value::Counter32(text().parse().map_err(|_| err("bad Counter32"))?),
            66 => Value::Gauge32(text().parse().map_err(|_| err("bad Gauge32"))?),
            67 => Value::TimeTicks(text().parse().map_err(|_| err("bad TimeTicks"))?),
            68 => Value::Opaque(bytes.clone()),
            70 => Value::Counter64(text().parse().map_err(|_| err("bad Counter64"))?),
            _ => return Err(err("unknown type tag")),
        };
        out.push(Varbind { oid, value });
    }
    Ok(out)
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    let s = s.trim();
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_type() {
        let v = parse(
            "1.3.6.1.2.1.1.1.0|4|Cisco IOS\n1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.9.1.516\n\
             1.3.6.1.2.1.2.2.1.6.1|4x|001b54010203\n1.3.6.1.2.1.4.22.1.3.1.10.0.0.1|64|10.0.0.1\n\
             1.3.6.1.2.1.31.1.1.1.15.1|66|1000\n1.3.6.1.2.1.1.3.0|67|12345\n",
        )
        .unwrap();
        assert_eq!(v.len(), 6);
        assert_eq!(v[0].value, Value::Str(b"Cisco IOS".to_vec()));
        assert_eq!(v[1].value, Value::Oid(vec![1, 3, 6, 1, 4, 1, 9, 1, 516]));
        assert_eq!(v[2].value, Value::Str(vec![0, 0x1b, 0x54, 1, 2, 3]));
        assert_eq!(v[3].value, Value::Ip([10, 0, 0, 1]));
        assert_eq!(v[4].value, Value::Gauge32(1000));
    }

    #[test]
    fn bad_lines_are_errors_with_their_line() {
        assert_eq!(
            parse("1.3.6|4|ok\n1.3.x|4|bad\n").unwrap_err(),
            SnmprecError::Line {
                line: 2,
                what: "bad OID"
            }
        );
        assert!(parse("1.3.6|4x|0g\n").is_err());
        assert!(parse("1.3.6|99|1\n").is_err());
    }
}
