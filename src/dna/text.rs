//! Free-text normalisation: lower case, build noise removed, words, shapes.

use std::sync::OnceLock;

use regex::Regex;

/// Build noise removed from every text field before tokenising, whatever the vendor: copyright
/// and "compiled" lines, clock times, day-month-year dates, weekday and month names, year
/// ranges. Profiles add their own.
fn global_strip() -> &'static [Regex] {
    static R: OnceLock<Vec<Regex>> = OnceLock::new();
    R.get_or_init(|| {
        [
            r"(?im)^\s*copyright\b.*$",
            r"(?im)\bcompiled\b.*$",
            r"(?i)\b(?:technical support|tac support):?\s*\S*",
            r"\b\d{1,2}:\d{2}(?::\d{2})?\b",
            r"(?i)\b\d{1,2}-(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)-\d{2,4}\b",
            r"\b(?:19|20)\d{2}-(?:\d{2}-\d{2}|(?:19|20)\d{2}|20xx)\b",
            r"(?i)\b(?:mon|tue|wed|thu|fri|sat|sun)\b",
            r"(?i)\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\b",
        ]
        .iter()
        .map(|p| Regex::new(p).expect("built-in pattern"))
        .collect()
    })
}

/// The generic version pattern, used when no profile rule found a version in a field: a
/// dotted number with an optional suffix (`1.0.8.3`, `v7.4e.1`, `12.2(44)SE`, `5.10.0-21-amd64`).
pub(crate) fn generic_version() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(r"(?i)\b[vV]?(\d+(?:\.\d+)+[0-9A-Za-z()._+-]*|\d+\(\d+[0-9A-Za-z.]*\)[0-9A-Za-z()._+-]*)")
            .expect("built-in pattern")
    })
}

/// Removes the global build noise, then `extra` patterns, from `s`.
pub(crate) fn strip(s: &str, extra: &[Regex]) -> String {
    let mut out = s.to_owned();
    for r in global_strip().iter().chain(extra) {
        if r.is_match(&out) {
            out = r.replace_all(&out, " ").into_owned();
        }
    }
    out
}

/// Lower case, control characters and NULs dropped, whitespace collapsed, trimmed.
pub fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    normalise_into(&mut out, s);
    out
}

/// Feeds the characters of [`normalise`]`(s)` to `f`, without building the string.
#[inline]
fn normalise_each(s: &str, mut f: impl FnMut(char)) {
    let mut any = false;
    let mut space = false;
    if s.is_ascii() {
        // The same rules on bytes: ASCII whitespace and control characters are 0..=32 and 127.
        for &b in s.as_bytes() {
            if b <= b' ' || b == 0x7f {
                space = any;
                continue;
            }
            if space {
                f(' ');
                space = false;
            }
            any = true;
            f(char::from(b.to_ascii_lowercase()));
        }
        return;
    }
    for c in s.chars() {
        if c.is_whitespace() || c.is_control() {
            space = any;
            continue;
        }
        if space {
            f(' ');
            space = false;
        }
        any = true;
        if c.is_ascii() {
            f(c.to_ascii_lowercase());
        } else {
            c.to_lowercase().for_each(&mut f);
        }
    }
}

/// Appends [`normalise`]`(s)` to `out`.
pub fn normalise_into(out: &mut String, s: &str) {
    if s.is_ascii() {
        ascii_into::<false>(out, s);
    } else {
        out.reserve(s.len());
        normalise_each(s, |c| out.push(c));
    }
}

/// [`normalise_into`] (and, with `HASH_DIGITS`, [`port_shape_into`]) for ASCII text: bytes
/// pushed one by one after one reservation (the output is never longer than the input).
fn ascii_into<const HASH_DIGITS: bool>(out: &mut String, s: &str) {
    if s.len() <= 64 {
        // Short text (names, port descriptions): into a stack buffer, appended once.
        let mut buf = [0u8; 64];
        let mut n = 0;
        let mut any = false;
        let mut space = false;
        let mut last_hash = false;
        for &b in s.as_bytes() {
            if b <= b' ' || b == 0x7f {
                space = any;
                continue;
            }
            // Never past the end: a space is written only before a byte of the input.
            if space {
                buf[n] = b' ';
                n += 1;
                space = false;
                last_hash = false;
            }
            any = true;
            if HASH_DIGITS && b.is_ascii_digit() {
                if !last_hash {
                    buf[n] = b'#';
                    n += 1;
                }
                last_hash = true;
            } else {
                buf[n] = b.to_ascii_lowercase();
                n += 1;
                last_hash = false;
            }
        }
        out.push_str(std::str::from_utf8(&buf[..n]).expect("ASCII"));
        return;
    }
    out.reserve(s.len());
    let mut any = false;
    let mut space = false;
    let mut last_hash = false;
    for &b in s.as_bytes() {
        if b <= b' ' || b == 0x7f {
            space = any;
            continue;
        }
        if space {
            out.push(' ');
            space = false;
            last_hash = false;
        }
        any = true;
        if HASH_DIGITS && b.is_ascii_digit() {
            if !last_hash {
                out.push('#');
            }
            last_hash = true;
        } else {
            out.push(char::from(b.to_ascii_lowercase()));
            last_hash = false;
        }
    }
}

/// Whether a word is a version or build number that escaped the profile (`1.0.8.3`, `(fc1)`).
fn volatile(w: &str) -> bool {
    let b = w.as_bytes();
    let digits = b.iter().filter(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return false;
    }
    // Dotted numbers and parenthesised builds.
    let mut prev_digit = false;
    for (i, &c) in b.iter().enumerate() {
        if (c == b'.' || c == b'(') && prev_digit && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
            return true;
        }
        prev_digit = c.is_ascii_digit();
    }
    // Long hexadecimal / numeric build ids (8+ characters, at least half digits).
    b.len() >= 8 && digits * 2 >= b.len() && b.iter().all(u8::is_ascii_alphanumeric)
}

/// Words of a text: normalised, split at spaces and punctuation that does not join model
/// names (`,;:()[]{}"'`), trimmed of dots and dashes at the ends; versions and build numbers
/// dropped. At most `limit` words.
pub fn words(s: &str, limit: usize) -> Vec<String> {
    let mut out = Vec::new();
    words_of_normalised(&normalise(s), limit, |w| out.push(w.to_owned()));
    out
}

/// The words of an already [`normalise`]d text, as [`words`] gives them, fed to `f` in order.
pub(crate) fn words_of_normalised<'a>(n: &'a str, limit: usize, mut f: impl FnMut(&'a str)) {
    let mut seen: Vec<&str> = Vec::new();
    for w in n.split(|c: char| c.is_whitespace() || ",;:()[]{}\"'<>=|".contains(c)) {
        let w = w.trim_matches(|c: char| ".-_/#*+!?".contains(c));
        if w.is_empty() || volatile(w) || seen.contains(&w) {
            continue;
        }
        seen.push(w);
        f(w);
        if seen.len() == limit {
            break;
        }
    }
}

/// The shape of a name: letters become `a`, digits `9`, runs collapsed, other characters kept;
/// at most 12 characters (`SEP001B53489EE0` → `a9a9a9`, `S1.cisco.com` → `a9.a.a`).
pub fn shape(s: &str) -> String {
    let mut out = String::new();
    shape_into(&mut out, s);
    out
}

/// Appends [`shape`]`(s)` to `out`.
pub fn shape_into(out: &mut String, s: &str) {
    if s.is_ascii() {
        // The same rules on bytes, into a stack buffer (at most 12 bytes come out).
        let mut buf = [0u8; 12];
        let mut n = 0;
        let mut last = 0u8;
        for &b in s.as_bytes() {
            let k = if b.is_ascii_alphabetic() {
                b'a'
            } else if b.is_ascii_digit() {
                b'9'
            } else if matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ') {
                b' '
            } else {
                b
            };
            if k != last {
                buf[n] = k;
                n += 1;
                last = k;
                if n == buf.len() {
                    break;
                }
            }
        }
        out.push_str(std::str::from_utf8(&buf[..n]).expect("ASCII"));
        return;
    }
    let start = out.len();
    let mut last = '\0';
    for c in s.chars() {
        let k = if c.is_alphabetic() {
            'a'
        } else if c.is_ascii_digit() {
            '9'
        } else if c.is_whitespace() {
            ' '
        } else {
            c
        };
        if k != last {
            out.push(k);
            last = k;
        }
        if out.len() - start >= 12 {
            break;
        }
    }
}

/// A port description with digits replaced by `#` (`GigabitEthernet1/0/2` →
/// `gigabitethernet#/#/#`).
pub fn port_shape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    port_shape_into(&mut out, s);
    out
}

/// Appends [`port_shape`]`(s)` to `out`.
pub fn port_shape_into(out: &mut String, s: &str) {
    if s.is_ascii() {
        return ascii_into::<true>(out, s);
    }
    let mut last_hash = false;
    normalise_each(s, |c| {
        if c.is_ascii_digit() {
            if !last_hash {
                out.push('#');
            }
            last_hash = true;
        } else {
            out.push(c);
            last_hash = false;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_words_and_shapes() {
        assert_eq!(
            normalise("  Cisco\tIP  Phone\n8851\0 "),
            "cisco ip phone 8851"
        );
        assert_eq!(
            words("ProCurve J4900A Switch 2626, revision H.10.74", 20),
            ["procurve", "j4900a", "switch", "2626", "revision"]
        );
        assert_eq!(
            words("SG 200-08P 8-Port (fc1) 1.0.8.3", 20),
            ["sg", "200-08p", "8-port", "fc1"]
        );
        assert_eq!(shape("SEP001B53489EE0"), "a9a9a9");
        assert_eq!(shape("S1.cisco.com"), "a9.a.a");
        assert_eq!(port_shape("GigabitEthernet1/0/2"), "gigabitethernet#/#/#");
    }

    /// The plain definition of `normalise`, one char at a time.
    fn normalise_reference(s: &str) -> String {
        let mut out = String::new();
        let mut space = false;
        for c in s.chars() {
            if c.is_whitespace() || c.is_control() {
                space = !out.is_empty();
                continue;
            }
            if space {
                out.push(' ');
                space = false;
            }
            out.extend(c.to_lowercase());
        }
        out
    }

    #[test]
    fn ascii_and_unicode_paths_agree_with_the_definition() {
        let mut cases: Vec<String> = [
            "",
            " ",
            "\x0b\x0c\x7f",
            " A\x0bB\x7fC ",
            "Gig\t1/0/2\r\n",
            "\0x\0",
            "ÄÖÜ İstanbul\u{2003}X",
            "Cisco IOS Software, C3560 Software (C3560-IPBASE-M), Version 12.2(44)SE",
        ]
        .map(String::from)
        .to_vec();
        // Every byte value as a char, in short mixed strings.
        for b in 0u8..=127 {
            cases.push(format!("a{}B{} é", char::from(b), char::from(b)));
            cases.push(format!("{}Z9", char::from(b)));
            cases.push(format!(" 1{}2 {}33x", char::from(b), char::from(b)));
        }
        // Longer than the 64-byte run buffer.
        cases.push("GigabitEthernet1/0/1 ".repeat(20));
        for c in &cases {
            assert_eq!(normalise(c), normalise_reference(c), "{c:?}");
            let mut want = String::from("prefix:");
            let mut last_hash = false;
            for ch in normalise_reference(c).chars() {
                if ch.is_ascii_digit() {
                    if !last_hash {
                        want.push('#');
                    }
                    last_hash = true;
                } else {
                    want.push(ch);
                    last_hash = false;
                }
            }
            let mut p = String::from("prefix:");
            port_shape_into(&mut p, c);
            assert_eq!(p, want, "{c:?}");
            let mut n = String::from("x");
            normalise_into(&mut n, c);
            assert_eq!(n, format!("x{}", normalise_reference(c)), "{c:?}");
        }
        assert_eq!(port_shape(" Gi 1/0/12 "), "gi #/#/#");
    }

    #[test]
    fn strip_removes_build_noise() {
        let s = strip(
            "Version 12.2(44)SE, RELEASE\nCopyright (c) 1986-2008 by Cisco\nCompiled Sat 05-Jan-08 00:15 by weiliu",
            &[],
        );
        assert!(
            !s.contains("weiliu") && !s.contains("1986") && !s.contains("00:15"),
            "{s}"
        );
        assert!(s.contains("12.2(44)SE"));
    }

    #[test]
    fn generic_version_finds_common_forms() {
        let v = |s: &str| {
            generic_version()
                .captures(s)
                .map(|c| c[1].to_owned())
                .unwrap_or_default()
        };
        assert_eq!(v("Summit300-48 - Version 7.4e.1 (Build 5)"), "7.4e.1");
        assert_eq!(v("SMCGS8P-Smart v3.20"), "3.20");
        assert_eq!(v("IOS 12.2(44)SE, RELEASE"), "12.2(44)SE");
        assert_eq!(v("Linux 5.10.0-21-amd64 #1"), "5.10.0-21-amd64");
    }
}
