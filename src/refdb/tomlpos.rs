//! Positions in TOML text: line numbers of spans and of keys, so that every reference-database
//! error names the file, the line and the key.

use std::ops::Range;
use std::path::Path;

use super::error::RefdbError;

/// 1-based line of a byte offset.
pub fn line_at(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Line numbers of many offsets in one text, without rescanning it for each.
#[derive(Debug)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes the line starts of `text`.
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// 1-based line of a byte offset.
    pub fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset)
    }
}

/// 1-based line of `key = …` inside `span` (a table or inline table); the span's first line when
/// the key is not written there.
pub fn key_line(text: &str, span: &Range<usize>, key: &str) -> usize {
    let mut end = span.end.min(text.len());
    let start = span.start.min(end);
    // An `[[array]]` element's span may cover only its header: its keys run to the next header.
    if text[start..].starts_with('[') {
        let after = text[start..]
            .find('\n')
            .map_or(text.len(), |i| start + i + 1);
        let next = text[after..]
            .match_indices('\n')
            .map(|(i, _)| after + i + 1)
            .chain(std::iter::once(after))
            .filter(|&i| {
                i <= text.len() && text[i..].trim_start_matches([' ', '\t']).starts_with('[')
            })
            .min()
            .unwrap_or(text.len());
        end = end.max(next);
    }
    let body = &text[start..end];
    let mut pos = 0;
    while let Some(i) = body[pos..].find(key) {
        let at = pos + i;
        let before_ok = at == 0
            || body[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_whitespace() || c == '{' || c == ',');
        let rest = body[at + key.len()..].trim_start_matches([' ', '\t']);
        if before_ok && rest.starts_with('=') {
            return line_at(text, start + at);
        }
        pos = at + key.len();
    }
    line_at(text, start)
}

/// A TOML parse (or serde) error as a [`RefdbError`] naming the line and the key involved.
pub fn parse_error(file: &Path, text: &str, e: &toml::de::Error) -> RefdbError {
    let msg = e.message().trim().to_owned();
    let line = e.span().map_or(0, |s| line_at(text, s.start));
    let key = backticked(&msg)
        .or_else(|| {
            let l = text.lines().nth(line.checked_sub(1)?)?;
            let (k, _) = l.split_once('=')?;
            let k = k.trim();
            (!k.is_empty() && !k.contains(['[', '"', '\''])).then(|| k.to_owned())
        })
        .unwrap_or_else(|| "(syntax)".to_owned());
    RefdbError::invalid(file, line, key, msg)
}

fn backticked(msg: &str) -> Option<String> {
    let field = ["unknown field `", "missing field `"]
        .iter()
        .find_map(|p| msg.find(p).map(|i| i + p.len()))?;
    let end = msg[field..].find('`')?;
    Some(msg[field..field + end].to_owned())
}

/// Checks a data file's `format` and `version` keys against what its parser reads (`expected`,
/// version 1), naming the first wrong key and its line.
pub fn check_header(
    file: &Path,
    text: &str,
    format: &str,
    version: u32,
    expected: &str,
) -> Result<(), RefdbError> {
    if format == expected && version == 1 {
        return Ok(());
    }
    let key = if format != expected {
        "format"
    } else {
        "version"
    };
    Err(RefdbError::invalid(
        file,
        key_line(text, &(0..text.len()), key),
        key,
        format!("expected format \"{expected}\" version 1"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_key_lines() {
        let t = "a = 1\n[[rule]]\nsignal = \"x\"\nclass = \"y\"\n[[rule]]\nx = { class = 1, weight = 2 }\n";
        let second = t.find("[[rule]]\nsignal").unwrap()..t.rfind("[[rule]]").unwrap();
        assert_eq!(key_line(t, &second, "class"), 4);
        assert_eq!(key_line(t, &second, "weight"), 2);
        let inline = t.find('{').unwrap()..t.len();
        assert_eq!(key_line(t, &inline, "weight"), 6);
        assert_eq!(line_at(t, 0), 1);
        let ix = LineIndex::new(t);
        for off in [0, 5, 6, 7, t.len() - 1, t.len()] {
            assert_eq!(ix.line(off), line_at(t, off), "{off}");
        }
    }

    #[test]
    fn parse_errors_name_the_key() {
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct S {
            a: u8,
        }
        let t = "a = 1\nb = 2\n";
        let e = toml::from_str::<S>(t).unwrap_err();
        let r = parse_error(Path::new("f.toml"), t, &e).to_string();
        assert!(r.starts_with("f.toml:2: b:"), "{r}");
        let t = "a = \"x\"\n";
        let e = toml::from_str::<S>(t).unwrap_err();
        let r = parse_error(Path::new("f.toml"), t, &e).to_string();
        assert!(r.starts_with("f.toml:1: a:"), "{r}");
    }
}
