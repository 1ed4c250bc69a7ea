//! Normal forms of the names attribution compares: LLDP/CDP identifiers, MAC addresses written
//! the ways switches and SNMP agents write them, and interface names in their long and short
//! spellings. Pure string work.

use crate::wire::MacAddr;

/// A MAC address written as `aa:bb:cc:dd:ee:ff`, `aa-bb-cc-dd-ee-ff`, `aa bb cc dd ee ff`
/// (groups of one or two hex digits), `aabb.ccdd.eeff` (Cisco) or `aabbccddeeff`; any case,
/// surrounding white space ignored. Anything else is `None` (a stricter reading than
/// `MacAddr::from_str`, so a text identifier that merely holds 12 hex digits stays text).
pub fn parse_mac(s: &str) -> Option<MacAddr> {
    let s = s.trim();
    let mut out = [0u8; 6];
    let hex = |t: &str| -> Option<u8> {
        if t.is_empty() || t.len() > 2 || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u8::from_str_radix(t, 16).ok()
    };
    for sep in [':', '-', ' '] {
        let parts: Vec<&str> = s
            .split(sep)
            .filter(|p| !(sep == ' ' && p.is_empty()))
            .collect();
        if parts.len() == 6 {
            for (o, p) in out.iter_mut().zip(&parts) {
                *o = hex(p)?;
            }
            return Some(MacAddr(out));
        }
    }
    let dotted: Vec<&str> = s.split('.').collect();
    let digits: String = if dotted.len() == 3 && dotted.iter().all(|p| p.len() == 4) {
        dotted.concat()
    } else if s.len() == 12 {
        s.to_owned()
    } else {
        return None;
    };
    if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&digits[i * 2..i * 2 + 2], 16).ok()?;
    }
    Some(MacAddr(out))
}

/// The form in which two LLDP/CDP identifiers are compared: a MAC in any of the spellings of
/// [`parse_mac`] becomes lower-case colon hex; other hex strings (`0A 0B 0C`, `0a:0b:0c`) become
/// lower-case colon hex; any other text is trimmed (white space, NULs, quotes) and lower-cased.
pub fn normalize_id(s: &str) -> String {
    let t = s.trim_matches(|c: char| c.is_whitespace() || c == '\0' || c == '"');
    if let Some(m) = parse_mac(t) {
        return m.to_string();
    }
    for sep in [':', ' '] {
        let parts: Vec<&str> = t.split(sep).filter(|p| !p.is_empty()).collect();
        if parts.len() >= 2
            && parts
                .iter()
                .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            return parts.join(":").to_ascii_lowercase();
        }
    }
    t.to_lowercase()
}

/// Long names of the interface-type prefixes switches abbreviate, by abbreviation (lower case).
/// Cisco IOS/NX-OS accept any unambiguous prefix; these are the spellings `show` commands,
/// ifName and DHCP snooping print.
const IF_PREFIXES: [(&str, &str); 27] = [
    ("fa", "fastethernet"),
    ("fastethernet", "fastethernet"),
    ("gi", "gigabitethernet"),
    ("gig", "gigabitethernet"),
    ("ge", "gigabitethernet"),
    ("gigabitethernet", "gigabitethernet"),
    ("te", "tengigabitethernet"),
    ("ten", "tengigabitethernet"),
    ("tengigabitethernet", "tengigabitethernet"),
    ("tw", "twogigabitethernet"),
    ("twogigabitethernet", "twogigabitethernet"),
    ("fi", "fivegigabitethernet"),
    ("fivegigabitethernet", "fivegigabitethernet"),
    ("twe", "twentyfivegige"),
    ("twentyfivegige", "twentyfivegige"),
    ("fo", "fortygigabitethernet"),
    ("fortygigabitethernet", "fortygigabitethernet"),
    ("hu", "hundredgige"),
    ("hundredgige", "hundredgige"),
    ("hundredgigabitethernet", "hundredgige"),
    ("e", "ethernet"),
    ("et", "ethernet"),
    ("eth", "ethernet"),
    ("ethernet", "ethernet"),
    ("po", "port-channel"),
    ("port-channel", "port-channel"),
    ("portchannel", "port-channel"),
];

/// The form in which two interface names are compared: lower case, no white space, the type
/// prefix spelled out (`Gi1/0/24` and `GigabitEthernet 1/0/24` → `gigabitethernet1/0/24`,
/// `Et1` and `Ethernet1` → `ethernet1`). Names with a dash after the prefix (Junos `ge-0/0/1`)
/// are left as they are.
pub fn normalize_ifname(s: &str) -> String {
    let t: String = s
        .trim_matches(|c: char| c.is_whitespace() || c == '\0')
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase();
    let split = t
        .find(|c: char| c.is_ascii_digit())
        .filter(|&i| i > 0)
        .unwrap_or(0);
    let (prefix, rest) = t.split_at(split);
    match IF_PREFIXES.iter().find(|(a, _)| *a == prefix) {
        Some((_, long)) => format!("{long}{rest}"),
        None => t,
    }
}

/// The numbers of an interface name and the letters before them: `Gi1/0/24` → (`gi`, [1, 0,
/// 24]), `1/1/24` → (``, [1, 1, 24]), `ge-0/0/1` → (`ge-`, [0, 0, 1]). `None` when the name has
/// no digits or digits that are not separated by `/`.
pub fn if_numbers(name: &str) -> Option<(String, Vec<u32>)> {
    let t = name.trim().to_ascii_lowercase();
    let i = t.find(|c: char| c.is_ascii_digit())?;
    let (prefix, rest) = t.split_at(i);
    let nums: Option<Vec<u32>> = rest.split('/').map(|p| p.parse().ok()).collect();
    Some((prefix.trim().to_owned(), nums?))
}

/// Interface-type prefixes that never name a switch's physical edge port (SVIs, aggregates,
/// loopbacks, stack and management ports).
pub fn is_virtual_prefix(prefix: &str) -> bool {
    let p = prefix.trim_end_matches(['-', ' ', '.']);
    [
        "vlan",
        "vl",
        "po",
        "port-channel",
        "portchannel",
        "lo",
        "loopback",
        "nu",
        "null",
        "stackport",
        "stacksub-st",
        "tunnel",
        "tu",
        "mgmt",
        "management",
        "vlan-",
        "trk",
        "ae",
        "irb",
        "vme",
        "me",
        "bond",
        "lag",
    ]
    .contains(&p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macs_in_every_switch_spelling() {
        let want = "00:1b:54:0a:bc:de";
        for s in [
            "00:1b:54:0a:bc:de",
            "00-1B-54-0A-BC-DE",
            "00 1b 54 0a bc de",
            " 00 1B 54 0A BC DE ",
            "001b.540a.bcde",
            "001B540ABCDE",
            "0:1b:54:a:bc:de",
        ] {
            assert_eq!(
                parse_mac(s).map(|m| m.to_string()).as_deref(),
                Some(want),
                "{s}"
            );
        }
        for s in [
            "",
            "00:1b:54:0a:bc",
            "001b.540a.bcd",
            "switch-01",
            "00:1b:54:0a:bc:dg",
        ] {
            assert_eq!(parse_mac(s), None, "{s}");
        }
    }

    #[test]
    fn identifiers_compare_in_one_form() {
        assert_eq!(normalize_id("001B.540A.BCDE"), "00:1b:54:0a:bc:de");
        assert_eq!(normalize_id("0A 0B 0C 0D"), "0a:0b:0c:0d");
        assert_eq!(normalize_id("\"Gi1/0/24\""), "gi1/0/24");
        assert_eq!(
            normalize_id("  SW-Core.example.com\0"),
            "sw-core.example.com"
        );
    }

    #[test]
    fn interface_names_in_long_and_short_spelling() {
        assert_eq!(normalize_ifname("Gi1/0/24"), "gigabitethernet1/0/24");
        assert_eq!(
            normalize_ifname("GigabitEthernet 1/0/24"),
            "gigabitethernet1/0/24"
        );
        assert_eq!(normalize_ifname("Et1"), "ethernet1");
        assert_eq!(normalize_ifname("eth0/1"), "ethernet0/1");
        assert_eq!(normalize_ifname("ge-0/0/1"), "ge-0/0/1");
        assert_eq!(normalize_ifname("1/1/24"), "1/1/24");
        assert_eq!(
            if_numbers("Gi1/0/24"),
            Some(("gi".to_owned(), vec![1, 0, 24]))
        );
        assert_eq!(if_numbers("1/1/24"), Some((String::new(), vec![1, 1, 24])));
        assert_eq!(if_numbers("Vlan1"), Some(("vlan".to_owned(), vec![1])));
        assert_eq!(if_numbers("ge-0/0/1.0"), None);
        assert!(is_virtual_prefix("port-channel"));
        assert!(!is_virtual_prefix("gi"));
    }
}
