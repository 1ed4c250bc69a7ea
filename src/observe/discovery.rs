//! Service discovery (mDNS / DNS-SD and SSDP) `Repr`s to observations: service types, instance
//! and host names, the TXT pairs that name a make or model, SSDP product strings.

use super::{MDNS_IDENTITY_KEYS, MDNS_MAX_LEN, MDNS_MAX_VALUES, Mdns, Ssdp};
use crate::wire::mdns::{self, Name, RData, RrType};
use crate::wire::{Text, ssdp};

/// Lossy text, cut to [`MDNS_MAX_LEN`] bytes at a character boundary, trimmed; `None` if empty.
fn clip(b: &[u8]) -> Option<String> {
    let s = Text(b).to_str_lossy();
    let mut end = s.len().min(MDNS_MAX_LEN);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    let t = s[..end].trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// Adds a value once, up to [`MDNS_MAX_VALUES`].
fn push(v: &mut Vec<String>, s: Option<String>) {
    if let Some(s) = s
        && v.len() < MDNS_MAX_VALUES
        && !v.contains(&s)
    {
        v.push(s);
    }
}

/// Where a DNS-SD name's service type sits: the index of its `_tcp`/`_udp` label, when the
/// label before it is a `_service` label.
fn proto_index(labels: &[&[u8]]) -> Option<usize> {
    (1..labels.len()).rev().find(|&i| {
        (labels[i].eq_ignore_ascii_case(b"_tcp") || labels[i].eq_ignore_ascii_case(b"_udp"))
            && labels[i - 1].first() == Some(&b'_')
    })
}

/// The service type of a DNS-SD name (`_ipp._tcp` of `Office._ipp._tcp.local` or of
/// `_printer._sub._http._tcp.local`: `_http._tcp`), and its instance label if it has one.
/// The enumeration name `_services._dns-sd._udp` is not a service.
fn service_of<'a>(n: &Name<'a>) -> Option<(String, Option<&'a [u8]>)> {
    let labels: Vec<&'a [u8]> = n.labels().collect();
    let i = proto_index(&labels)?;
    let svc = format!("{}.{}", Text(labels[i - 1]), Text(labels[i]));
    if svc.eq_ignore_ascii_case("_dns-sd._udp") {
        return None;
    }
    let instance = (i >= 2 && labels[i - 2].first() != Some(&b'_')).then(|| labels[i - 2]);
    Some((svc, instance))
}

/// A host name without the `.local` domain; reverse-lookup names are not hosts.
fn host_of(n: &Name<'_>) -> Option<String> {
    if n.ends_with("arpa") {
        return None;
    }
    let first = n.labels().next()?;
    clip(first)
}

fn add_txt(m: &mut Mdns, t: &mdns::Txt<'_>) {
    for (k, v) in t.pairs() {
        let Some(key) = MDNS_IDENTITY_KEYS
            .iter()
            .find(|want| k.eq_ignore_ascii_case(want.as_bytes()))
        else {
            continue;
        };
        if let Some(v) = clip(v) {
            push(&mut m.txt, Some(format!("{key}={v}")));
        }
    }
}

fn add_record(m: &mut Mdns, r: &mdns::Record<'_>) {
    let owner = service_of(&r.name);
    if let Some((svc, inst)) = &owner {
        push(&mut m.services, Some(svc.clone()));
        push(&mut m.instances, inst.and_then(clip));
    }
    match &r.data {
        // Browsing: service type → instance; enumeration: `_services._dns-sd._udp` → type.
        RData::Ptr(target) => {
            if let Some((svc, inst)) = service_of(target) {
                push(&mut m.services, Some(svc));
                push(&mut m.instances, inst.and_then(clip));
            } else if r.name.ends_with("arpa") {
                // Reverse lookup: the address's host name.
                push(&mut m.hosts, host_of(target));
            }
        }
        RData::Srv { target, .. } => push(&mut m.hosts, host_of(target)),
        RData::Txt(t) if owner.is_some() => add_txt(m, t),
        RData::A(_) | RData::Aaaa(_) => push(&mut m.hosts, host_of(&r.name)),
        RData::Hinfo { cpu, os } if m.hinfo.is_none() => {
            m.hinfo = clip(format!("{cpu} {os}").as_bytes());
        }
        _ => {}
    }
}

pub(super) fn from_mdns(r: &mdns::Repr<'_>) -> Mdns {
    let mut m = Mdns {
        response: r.response,
        ..Mdns::default()
    };
    if r.response {
        for (_, rec) in r.records() {
            add_record(&mut m, rec);
        }
    } else {
        // A probe's authority section holds the records the device is about to claim.
        for rec in &r.authority {
            add_record(&mut m, rec);
        }
        for q in &r.questions {
            if matches!(q.qtype, RrType::Ptr | RrType::Any) {
                push(&mut m.queries, service_of(&q.name).map(|(s, _)| s));
            }
        }
    }
    m
}

fn opt(t: Option<Text<'_>>) -> Option<String> {
    t.and_then(|t| clip(t.0))
}

pub(super) fn from_ssdp(r: &ssdp::Repr<'_>) -> Ssdp {
    let (kind, device_type) = match r.kind {
        ssdp::Kind::Notify => ("notify", opt(r.nt())),
        ssdp::Kind::MSearch => ("m-search", None),
        ssdp::Kind::Response => ("response", opt(r.st())),
        ssdp::Kind::OtherMethod => ("other", None),
    };
    let device_types = device_type.into_iter().collect();
    Ssdp {
        kind: kind.to_owned(),
        server: opt(r.server()),
        user_agent: opt(r.user_agent()),
        device_types,
        nts: opt(r.nts()),
        usn: opt(r.usn()),
        location: opt(r.location()),
    }
}

/// The union of two lists, `a`'s values first, at most [`MDNS_MAX_VALUES`].
fn union(a: &[String], b: &[String]) -> Vec<String> {
    let mut v: Vec<String> = a.iter().take(MDNS_MAX_VALUES).cloned().collect();
    for x in b {
        push(&mut v, Some(x.clone()));
    }
    v
}

/// `a` merged with the newer `b` (see `Observation::merge_discovery`).
pub(super) fn merge_mdns(a: &Mdns, b: &Mdns) -> Mdns {
    Mdns {
        response: a.response || b.response,
        services: union(&a.services, &b.services),
        instances: union(&a.instances, &b.instances),
        hosts: union(&a.hosts, &b.hosts),
        txt: union(&a.txt, &b.txt),
        hinfo: b.hinfo.clone().or_else(|| a.hinfo.clone()),
        queries: union(&a.queries, &b.queries),
    }
}

/// `a` merged with the newer `b`.
pub(super) fn merge_ssdp(a: &Ssdp, b: &Ssdp) -> Ssdp {
    let newer = |x: &Option<String>, y: &Option<String>| y.clone().or_else(|| x.clone());
    Ssdp {
        kind: b.kind.clone(),
        server: newer(&a.server, &b.server),
        user_agent: newer(&a.user_agent, &b.user_agent),
        device_types: union(&a.device_types, &b.device_types),
        nts: b.nts.clone(),
        usn: newer(&a.usn, &b.usn),
        location: newer(&a.location, &b.location),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::mdns::decode;

    fn name_msg(labels: &[&str]) -> Vec<u8> {
        let mut m = vec![0u8; 12];
        for l in labels {
            m.push(l.len() as u8);
            m.extend_from_slice(l.as_bytes());
        }
        m.push(0);
        m
    }

    #[test]
    fn service_types_and_instances() {
        let m = name_msg(&["Office Printer", "_ipp", "_tcp", "local"]);
        let (n, _) = Name::parse(&m, 12).unwrap();
        let (svc, inst) = service_of(&n).unwrap();
        assert_eq!(
            (svc.as_str(), inst),
            ("_ipp._tcp", Some(&b"Office Printer"[..]))
        );
        let m = name_msg(&["_printer", "_sub", "_http", "_tcp", "local"]);
        let (n, _) = Name::parse(&m, 12).unwrap();
        assert_eq!(service_of(&n), Some(("_http._tcp".into(), None)));
        let m = name_msg(&["_services", "_dns-sd", "_udp", "local"]);
        let (n, _) = Name::parse(&m, 12).unwrap();
        assert_eq!(service_of(&n), None);
        let m = name_msg(&["printer1", "local"]);
        let (n, _) = Name::parse(&m, 12).unwrap();
        assert_eq!(service_of(&n), None);
        assert_eq!(host_of(&n).as_deref(), Some("printer1"));
    }

    #[test]
    fn a_query_s_known_answers_are_not_the_sender_s() {
        // A query (flags 0) whose answer section lists another device's printer.
        let mut m = name_msg(&["_ipp", "_tcp", "local"]);
        m[5] = 1; // qdcount
        m[7] = 1; // ancount
        m.extend_from_slice(&[0, 12, 0, 1]);
        m.extend_from_slice(&[0xc0, 12, 0, 12, 0, 1, 0, 0, 0, 120, 0, 2, 0xc0, 12]);
        let r = decode(&m, &mut Vec::new()).unwrap();
        assert_eq!(r.answers.len(), 1);
        let o = from_mdns(&r);
        assert!(o.services.is_empty() && o.instances.is_empty());
        assert_eq!(o.queries, ["_ipp._tcp"]);
    }

    #[test]
    fn merging_keeps_the_union_bounded() {
        let a = Mdns {
            services: vec!["_ipp._tcp".into()],
            txt: vec!["usb_mfg=HP".into()],
            hinfo: Some("X86_64 LINUX".into()),
            ..Mdns::default()
        };
        let b = Mdns {
            response: true,
            services: vec!["_pdl-datastream._tcp".into(), "_ipp._tcp".into()],
            ..Mdns::default()
        };
        let m = merge_mdns(&a, &b);
        assert_eq!(m.services, ["_ipp._tcp", "_pdl-datastream._tcp"]);
        assert_eq!(
            (m.txt.len(), m.hinfo.as_deref(), m.response),
            (1, Some("X86_64 LINUX"), true)
        );
        let many: Vec<String> = (0..40).map(|i| i.to_string()).collect();
        let big = Mdns {
            hosts: many.clone(),
            ..Mdns::default()
        };
        assert_eq!(merge_mdns(&big, &big).hosts.len(), MDNS_MAX_VALUES);
        let s1 = Ssdp {
            device_types: vec!["upnp:rootdevice".into()],
            server: Some("x".into()),
            ..Ssdp::default()
        };
        let s2 = Ssdp {
            device_types: vec!["urn:schemas-upnp-org:device:MediaServer:1".into()],
            ..Ssdp::default()
        };
        let m = merge_ssdp(&s1, &s2);
        assert_eq!(m.device_types.len(), 2);
        assert_eq!(m.server.as_deref(), Some("x"));
    }

    #[test]
    fn values_are_clipped_and_bounded() {
        let long = vec![b'a'; 600];
        assert_eq!(clip(&long).unwrap().len(), MDNS_MAX_LEN);
        assert_eq!(clip(b"  "), None);
        let mut v = Vec::new();
        for i in 0..40 {
            push(&mut v, Some(i.to_string()));
        }
        push(&mut v, Some("0".into()));
        assert_eq!(v.len(), MDNS_MAX_VALUES);
    }
}
