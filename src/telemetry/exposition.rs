//! A strict reader of the Prometheus text exposition format (version 0.0.4), for checking
//! what the sensor serves (the unit tests here and `tests/metrics.rs`).
//!
//! Every line is empty, `# HELP name text`, `# TYPE name kind`, or a sample
//! `name{label="value",…} value [timestamp]`; anything else is an error naming the line. A
//! sample's family (its name, or for a histogram or summary the name without `_bucket`, `_sum`
//! or `_count`) must have had its `# TYPE` line first, and a family is typed once.

use std::collections::BTreeMap;

/// One sample line.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Series name.
    pub name: String,
    /// Labels in the order written.
    pub labels: Labels,
    /// The value.
    pub value: f64,
}

impl Sample {
    /// The value of label `key`.
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// A parsed exposition.
#[derive(Debug, Clone, Default)]
pub struct Exposition {
    /// The samples in order.
    pub samples: Vec<Sample>,
    /// Family → declared type.
    pub types: BTreeMap<String, String>,
    /// Family → help text.
    pub help: BTreeMap<String, String>,
}

impl Exposition {
    /// The samples of `name` carrying every label of `labels`.
    pub fn find<'a>(
        &'a self,
        name: &'a str,
        labels: &'a [(&str, &str)],
    ) -> impl Iterator<Item = &'a Sample> {
        self.samples
            .iter()
            .filter(move |s| s.name == name && labels.iter().all(|(k, v)| s.label(k) == Some(*v)))
    }

    /// The value of the one sample of `name` with `labels` (`None` when there is none; the
    /// first when several match).
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        self.find(name, labels).next().map(|s| s.value)
    }
}

/// Why a text is not a valid exposition.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExpositionError {
    /// A line that is none of the allowed forms.
    #[error("line {line}: {what}: {text:?}")]
    Line {
        /// 1-based line number.
        line: usize,
        /// What was wrong.
        what: &'static str,
        /// The line.
        text: String,
    },
}

const KINDS: [&str; 5] = ["counter", "gauge", "histogram", "summary", "untyped"];

fn is_name(s: &str, colon: bool) -> bool {
    let mut b = s.bytes();
    let first = b.next();
    first.is_some_and(|c| c.is_ascii_alphabetic() || c == b'_' || (colon && c == b':'))
        && b.all(|c| c.is_ascii_alphanumeric() || c == b'_' || (colon && c == b':'))
}

fn value(s: &str) -> Option<f64> {
    match s {
        "+Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        "NaN" => Some(f64::NAN),
        _ if s
            .bytes()
            .all(|c| c.is_ascii_digit() || b"+-.eE".contains(&c)) =>
        {
            s.parse().ok()
        }
        _ => None,
    }
}

/// Label pairs in the order written.
type Labels = Vec<(String, String)>;

/// Reads `{k="v",…}` at the start of `s`; returns the labels and the rest.
fn labels(s: &str) -> Result<(Labels, &str), &'static str> {
    let mut out = Vec::new();
    let mut rest = s.strip_prefix('{').ok_or("expected `{`")?;
    loop {
        if let Some(r) = rest.strip_prefix('}') {
            return Ok((out, r));
        }
        let (key, r) = rest.split_once("=\"").ok_or("expected label=\"value\"")?;
        if !is_name(key, false) {
            return Err("bad label name");
        }
        let mut v = String::new();
        let mut chars = r.char_indices();
        let end = loop {
            match chars.next().ok_or("unterminated label value")? {
                (i, '"') => break i,
                (_, '\\') => match chars.next().ok_or("unterminated escape")?.1 {
                    '\\' => v.push('\\'),
                    '"' => v.push('"'),
                    'n' => v.push('\n'),
                    _ => return Err("bad escape in a label value"),
                },
                (_, '\n') => return Err("newline in a label value"),
                (_, c) => v.push(c),
            }
        };
        if out.iter().any(|(k, _)| k == key) {
            return Err("duplicate label");
        }
        out.push((key.to_owned(), v));
        rest = &r[end + 1..];
        if let Some(r) = rest.strip_prefix(',') {
            rest = r;
        } else if !rest.starts_with('}') {
            return Err("expected `,` or `}` after a label");
        }
    }
}

fn family<'a>(name: &'a str, types: &BTreeMap<String, String>) -> &'a str {
    for suffix in ["_bucket", "_sum", "_count"] {
        if let Some(f) = name.strip_suffix(suffix)
            && types
                .get(f)
                .is_some_and(|k| k == "histogram" || k == "summary")
        {
            return f;
        }
    }
    name
}

fn sample(text: &str, types: &BTreeMap<String, String>) -> Result<Sample, &'static str> {
    let end = text
        .find(['{', ' '])
        .ok_or("expected a value after the name")?;
    let name = &text[..end];
    if !is_name(name, true) {
        return Err("bad metric name");
    }
    let (labels, rest) = if text[end..].starts_with('{') {
        labels(&text[end..])?
    } else {
        (Vec::new(), &text[end..])
    };
    let rest = rest
        .strip_prefix(' ')
        .ok_or("expected one space before the value")?;
    let mut parts = rest.split(' ');
    let v = parts.next().and_then(value).ok_or("bad value")?;
    if let Some(ts) = parts.next()
        && ts.parse::<i64>().is_err()
    {
        return Err("bad timestamp");
    }
    if parts.next().is_some() {
        return Err("trailing text after the value");
    }
    if !types.contains_key(family(name, types)) {
        return Err("sample before its family's # TYPE line");
    }
    Ok(Sample {
        name: name.to_owned(),
        labels,
        value: v,
    })
}

/// Parses `text` strictly.
pub fn parse(text: &str) -> Result<Exposition, ExpositionError> {
    let mut e = Exposition::default();
    for (i, line) in text.lines().enumerate() {
        let err = |what| ExpositionError::Line {
            line: i + 1,
            what,
            text: line.to_owned(),
        };
        if line.is_empty() {
            continue;
        }
        if let Some(r) = line.strip_prefix("# HELP ") {
            let (name, help) = r.split_once(' ').unwrap_or((r, ""));
            if !is_name(name, true) || e.help.insert(name.into(), help.into()).is_some() {
                return Err(err("bad or repeated # HELP"));
            }
        } else if let Some(r) = line.strip_prefix("# TYPE ") {
            let (name, kind) = r
                .split_once(' ')
                .ok_or_else(|| err("# TYPE without a type"))?;
            if !is_name(name, true) || !KINDS.contains(&kind) {
                return Err(err("bad # TYPE"));
            }
            if e.types.insert(name.into(), kind.into()).is_some() {
                return Err(err("family typed twice"));
            }
        } else if line.starts_with('#') {
            return Err(err("a comment other than # HELP or # TYPE"));
        } else {
            e.samples.push(sample(line, &e.types).map_err(err)?);
        }
    }
    Ok(e)
}
