//! Importer for the IEEE registry CSVs as Debian's `ieee-data` ships them
//! (`/usr/share/ieee-data/{oui,mam,oui36,iab}.csv`, columns
//! `Registry,Assignment,Organization Name,Organization Address`; quoted fields may hold commas,
//! doubled quotes and line breaks).

use std::path::Path;

use crate::refdb::error::RefdbError;
use crate::refdb::oui::{Assignment, parse_prefix};

/// The CSV files read from an `ieee-data` directory, in order (later ones refine earlier ones by
/// longer prefixes; a file that is missing is skipped, but `oui.csv` is required).
pub const IEEE_FILES: [&str; 4] = ["oui.csv", "mam.csv", "oui36.csv", "iab.csv"];

/// Splits CSV text into records of fields (RFC 4180), with the 1-based line each record starts on.
pub fn csv_records(text: &str) -> Vec<(usize, Vec<String>)> {
    let mut out = Vec::new();
    let mut rec: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut line = 1usize;
    let mut start = 1usize;
    let mut chars = text.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push(' ');
                }
                '\r' => {}
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' => {
                quoted = true;
                any = true;
            }
            ',' => {
                rec.push(std::mem::take(&mut field));
                any = true;
            }
            '\r' => {}
            '\n' => {
                if any || !field.is_empty() {
                    rec.push(std::mem::take(&mut field));
                    out.push((start, std::mem::take(&mut rec)));
                }
                any = false;
                line += 1;
                start = line;
            }
            _ => {
                field.push(c);
                any = true;
            }
        }
    }
    if any || !field.is_empty() {
        rec.push(field);
        out.push((start, rec));
    }
    out
}

/// Reads one IEEE CSV's assignments. `file` names it in errors.
pub fn parse_ieee_csv(text: &str, file: &Path) -> Result<Vec<Assignment>, RefdbError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    for (i, (line, rec)) in csv_records(text).into_iter().enumerate() {
        if i == 0 {
            if rec.first().map(|s| s.trim()) != Some("Registry")
                || rec.get(1).map(|s| s.trim()) != Some("Assignment")
            {
                return Err(RefdbError::invalid(
                    file,
                    line,
                    "header",
                    "expected the header `Registry,Assignment,Organization Name,Organization Address`",
                ));
            }
            continue;
        }
        if rec.len() < 3 {
            return Err(RefdbError::invalid(
                file,
                line,
                "Organization Name",
                format!("expected at least 3 columns, found {}", rec.len()),
            ));
        }
        let a = parse_prefix(&rec[1], &rec[2])
            .map_err(|m| RefdbError::invalid(file, line, "Assignment", m))?;
        if a.org.is_empty() {
            return Err(RefdbError::invalid(
                file,
                line,
                "Organization Name",
                "empty organisation name",
            ));
        }
        out.push(a);
    }
    Ok(out)
}

/// Reads every IEEE CSV of `dir` (see [`IEEE_FILES`]).
pub fn read_ieee_dir(dir: &Path) -> Result<Vec<Assignment>, RefdbError> {
    let mut all = Vec::new();
    for name in IEEE_FILES {
        let p = dir.join(name);
        let text = match std::fs::read_to_string(&p) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && name != "oui.csv" => continue,
            Err(e) => return Err(RefdbError::io(p, e)),
        };
        all.extend(parse_ieee_csv(&text, &p)?);
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_with_commas_quotes_and_line_breaks() {
        let t = "Registry,Assignment,Organization Name,Organization Address\n\
                 MA-L,00000C,\"Cisco Systems, Inc\",\"170 West Tasman\nSan Jose\"\n\
                 MA-M,208593B,\"IOG \"\"Products\"\" LLC\",x\n\
                 MA-S,70B3D5F2F,TELEPLATFORMS,\n";
        let v = parse_ieee_csv(t, Path::new("x.csv")).unwrap();
        assert_eq!(v.len(), 3);
        assert_eq!(v[0].org, "Cisco Systems, Inc");
        assert_eq!((v[0].bits, v[0].hex().as_str()), (24, "00000C"));
        assert_eq!(v[1].org, "IOG \"Products\" LLC");
        assert_eq!(v[1].bits, 28);
        assert_eq!(v[2].bits, 36);
    }

    #[test]
    fn bad_rows_name_line_and_column() {
        let t = "Registry,Assignment,Organization Name,Organization Address\n\
                 MA-L,00000C,\"A\nB\",x\n\
                 MA-L,0000G,C,x\n";
        let e = parse_ieee_csv(t, Path::new("x.csv"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("x.csv:4: Assignment:"), "{e}");
        let e = parse_ieee_csv("a,b\n", Path::new("x.csv"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("x.csv:1: header:"), "{e}");
    }
}
