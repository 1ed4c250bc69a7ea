//! Everyday desks and the attacks on them (issue 11, DESIGN.md section 6 "Port model"): each
//! story is an office port written as real device stacks (corpus frames with MACs rewritten,
//! see `tests/desk_support`) and SNMP polls every 5 minutes, replayed through
//! `cybriq replay --json`. The events each story must raise are written down before it runs,
//! from the port model, not from what an engine happens to do: residents per port, maturity
//! before judgement, one page per change, presence patterns, trusted inputs.
//!
//! Everyday situations (silent after the appearances): a phone with a PC behind it over a
//! working week; phone + PC booting in every order; boots whose first frame is an ARP, then
//! DHCP, then CDP/LLDP seconds later; a host with two LLDP agents (interleaved, or the NIC's
//! agent first and the OS's minutes later); DHCP-only devices; laptops
//! returning each morning; a hot desk on a `transient` port; a partial SNMP walk and an SNMP
//! outage; a phone replaced while its PC stays behind it (three MACs for a few minutes); a
//! restart of the sensor with another `[dna].dimension` (baselines re-learnt quietly, nothing
//! raised twice).
//! Real changes (exactly one page each): a firmware update with a reboot; a like-for-like
//! replacement; a cloned-MAC swap with a laptop renewing DHCP every 30 minutes; a device
//! replaying the departed phone's CDP (impersonation); a forged EAP-Success on an 802.1X
//! port; a rogue switch behind an edge port; a known device moving to another port; a
//! Hikvision camera booting (NDAA, once); a port flipping between two stacks behind one MAC
//! (one page, marked flapping); three devices on a two-MAC desk (one port-topology-changed,
//! not one each morning the PC comes back).
//!
//! These need engine v2 (issue 11): on the one-occupant engine most of them fail the way the
//! issue reports.

mod desk_support;
mod scenario_support;

use cybriq::event::EventType as T;
use cybriq::wire::MacAddr;
use desk_support::*;

const CFG: &str = r#"
[sensor]
site = "hq-3"

[[port_profile]]
name = "desks"
switch = "desk-sw"
ports = ["Gi1/0/1-24"]
max_macs = 2
controls = ["SOC2/CC6.1"]
"#;

const PHONE_A: &str = "00:12:da:40:01:01";
const PHONE_B: &str = "00:12:da:40:02:02";
const PC: &str = "d4:be:d9:40:01:11";

/// Spans of `days` working days, `from`..`to` seconds into each.
fn workdays(days: i64, from: i64, to: i64) -> Vec<(i64, i64)> {
    (0..days).map(|d| (d * DAY + from, d * DAY + to)).collect()
}

fn ip(n: u8) -> [u8; 4] {
    [10, 20, 30, n]
}

/// A Cisco 7970 on `port` over `spans`: at each span start it boots (ARP, DHCP DISCOVER, its
/// first CDP 40 s later), then CDP every 60 s (hold time 180 s) and a DHCP renewal every 12 h.
fn phone(port: usize, m: MacAddr, spans: &[(i64, i64)], edits: &[(&str, &str)]) -> Vec<Speaker> {
    let dhcp = cisco_phone_dhcp(m);
    let mut v = Vec::new();
    for &(a, _) in spans {
        v.extend(boot(port, m, ip(m.0[5]), Some(&dhcp), a));
    }
    v.push(talk(port, m, phone7970_cdp(m, edits), 60, 40, spans));
    v.push(talk(port, m, dhcp, 12 * HOUR, 12 * HOUR, spans));
    v
}

/// A PC (DHCP frame `dhcp`) on `port` over `spans`: at each span start an ARP and a DHCP
/// request, then a renewal every `renew` seconds and an ARP every 20 minutes.
fn pc(port: usize, m: MacAddr, dhcp: Vec<u8>, renew: i64, spans: &[(i64, i64)]) -> Vec<Speaker> {
    let mut v = Vec::new();
    for &(a, _) in spans {
        v.extend(boot(port, m, ip(m.0[5]), Some(&dhcp), a));
    }
    v.push(talk(port, m, dhcp, renew, renew, spans));
    v.push(talk(
        port,
        m,
        arp_from(m, ip(m.0[5])),
        20 * MIN,
        20 * MIN,
        spans,
    ));
    v
}

/// The phone's CDP and the PC's DHCP: appeared once each, at their first frames.
fn appeared(port: usize, m: MacAddr, first: i64) -> Want {
    want(T::DeviceAppeared, port, m, first, first + 20 * MIN)
}

// ---------------------------------------------------------------------------------------------
// Everyday desks: silent after the appearances

#[test]
fn phone_with_a_pc_behind_it_over_a_working_week_is_silent() {
    let (ph, pcm) = (mac(PHONE_A), mac(PC));
    let end = 5 * DAY;
    let mut s = Story::new("phone-pc-week", CFG, 4, end);
    s.start = hm(0, 7, 0) - 150;
    // Monday 07:00 the PC speaks first (its DHCP request), the phone 30 s later; the PC goes
    // home at 17:00 and is back at 08:00, Monday to Friday.
    let mut pc_days = vec![(hm(0, 7, 0), hm(0, 17, 0))];
    pc_days.extend(workdays(5, 8 * HOUR, 17 * HOUR).into_iter().skip(1));
    s.extend(pc(1, pcm, windows_dhcp(pcm), 4 * HOUR, &pc_days));
    s.extend(phone(1, ph, &[(hm(0, 7, 0) + 30, end)], &[]));
    let ev = s.run();
    exactly(
        s.name,
        &ev,
        &[appeared(1, pcm, hm(0, 7, 0)), appeared(1, ph, hm(0, 7, 0))],
        &[],
    );
}

#[test]
fn phone_and_pc_boot_in_every_order() {
    let end = 2 * DAY;
    let mut s = Story::new("boot-orders", CFG, 4, end);
    // Port 1: phone first, PC 30 s later; port 2: PC first; port 3: both at once. Day 1 12:00
    // a power cut of 2 minutes, after which they come back in the other order.
    let cut = hm(1, 12, 0);
    let back = cut + 2 * MIN;
    let mut wants = Vec::new();
    for (port, phone_at, pc_at) in [(1usize, 0i64, 30i64), (2, 30, 0), (3, 0, 0)] {
        let ph = MacAddr([0x00, 0x12, 0xda, 0x40, port as u8, 0x01]);
        let pcm = MacAddr([0xd4, 0xbe, 0xd9, 0x40, port as u8, 0x11]);
        let morning = hm(0, 8, 0);
        s.extend(phone(
            port,
            ph,
            &[(morning + phone_at, cut), (back + pc_at, end)],
            &[],
        ));
        s.extend(pc(
            port,
            pcm,
            linux_dhcp(pcm),
            30 * MIN,
            &[
                (morning + pc_at, hm(0, 17, 0)),
                (hm(1, 8, 0), cut),
                (back + phone_at, hm(1, 17, 0)),
            ],
        ));
        wants.push(appeared(port, ph, morning));
        wants.push(appeared(port, pcm, morning));
    }
    let ev = s.run();
    exactly(s.name, &ev, &wants, &[]);
}

#[test]
fn boots_whose_first_frame_is_arp_then_dhcp_then_the_announcement() {
    let end = 3 * DAY;
    let mut s = Story::new("boot-arp-first", CFG, 4, end);
    let (ph, host, p7912) = (
        mac("00:12:da:40:03:01"),
        mac("00:23:54:40:03:02"),
        mac("00:1b:53:40:03:03"),
    );
    let t0 = hm(0, 9, 0);
    // Day 1 10:00 each reboots (link down 90 s) and goes through the same sequence.
    let rb = hm(1, 10, 0);
    let spans = [(t0, rb), (rb + 90, end)];
    // Port 1: Cisco 7970 (ARP, DHCP, CDP 40 s later).
    s.extend(phone(1, ph, &spans, &[]));
    // Port 2: a Linux host (ARP, dhclient, lldpd's first LLDPDU 30 s later, every 30 s).
    s.extend(pc(2, host, linux_dhcp(host), 30 * MIN, &spans));
    s.add(talk(2, host, os_lldpd(host), 30, 30, &spans));
    // Port 3: a Cisco 7912 without DHCP (static address): ARP, then CDP 20 s later.
    for &(a, _) in &spans {
        s.add(once(3, p7912, arp_from(p7912, ip(33)), &[a + 1]));
    }
    s.add(talk(3, p7912, phone7912_cdp(p7912), 60, 20, &spans));
    let ev = s.run();
    exactly(
        s.name,
        &ev,
        &[
            appeared(1, ph, t0),
            appeared(2, host, t0),
            appeared(3, p7912, t0),
        ],
        &[],
    );
}

#[test]
fn a_host_with_two_lldp_agents_behind_one_mac_is_one_device() {
    let end = 3 * DAY;
    let mut s = Story::new("two-lldp-agents", CFG, 4, end);
    let host = mac("50:6b:4b:40:04:01");
    let t0 = hm(0, 9, 0);
    let spans = [(t0, end)];
    // The NIC's firmware agent and the OS's lldpd, both every 30 s, interleaved; dhclient.
    s.add(talk(1, host, nic_firmware_lldp(host), 30, 5, &spans));
    s.add(talk(1, host, os_lldpd(host), 30, 20, &spans));
    s.extend(pc(1, host, linux_dhcp(host), 4 * HOUR, &spans));
    let ev = s.run();
    exactly(s.name, &ev, &[appeared(1, host, t0)], &[]);
}

#[test]
fn a_host_whose_firmware_agent_speaks_first_is_one_device() {
    let end = 3 * DAY;
    let mut s = Story::new("two-lldp-agents-slow", CFG, 4, end);
    let host = mac("50:6b:4b:40:04:02");
    let t0 = hm(0, 9, 0);
    let spans = [(t0, end)];
    // It boots (ARP, DHCP), the NIC's firmware agent speaks first (40 s later) and the OS's
    // lldpd ten minutes after it, each every 20 minutes: the baseline learns the fuller DNA
    // and the identity with it; moving between the two agents is no confidence change.
    s.extend(boot(1, host, ip(host.0[5]), Some(&linux_dhcp(host)), t0));
    s.add(talk(1, host, nic_firmware_lldp(host), 20 * MIN, 40, &spans));
    s.add(talk(
        1,
        host,
        os_lldpd(host),
        20 * MIN,
        10 * MIN + 40,
        &spans,
    ));
    s.add(talk(1, host, linux_dhcp(host), 4 * HOUR, 4 * HOUR, &spans));
    let ev = s.run();
    exactly(s.name, &ev, &[appeared(1, host, t0)], &[]);
}

#[test]
fn three_devices_on_a_two_mac_desk_page_once_not_each_morning() {
    let end = 5 * DAY;
    let mut s = Story::new("three-on-two", CFG, 4, end);
    let (ph, host, pcm) = (
        mac(PHONE_A),
        mac("00:23:54:40:05:01"),
        mac("d4:be:d9:40:05:11"),
    );
    let t0 = hm(0, 7, 0);
    // A phone and a Linux host there all week, a PC behind them 08:30-17:30 each working day:
    // one more resident than `max_macs = 2` allows. The port's set changes once (Monday
    // 08:30); the PC coming back each morning is the same set, not a new page.
    s.extend(phone(1, ph, &[(t0, end)], &[]));
    s.extend(boot(
        1,
        host,
        ip(host.0[5]),
        Some(&linux_dhcp(host)),
        t0 + 60,
    ));
    s.add(talk(1, host, os_lldpd(host), 30, 100, &[(t0 + 60, end)]));
    s.add(talk(
        1,
        host,
        linux_dhcp(host),
        4 * HOUR,
        4 * HOUR,
        &[(t0 + 60, end)],
    ));
    s.extend(pc(
        1,
        pcm,
        windows_dhcp(pcm),
        4 * HOUR,
        &workdays(5, 8 * HOUR + 30 * MIN, 17 * HOUR + 30 * MIN),
    ));
    let ev = s.run();
    let pc_in = hm(0, 8, 30);
    exactly(
        s.name,
        &ev,
        &[
            appeared(1, ph, t0),
            appeared(1, host, t0),
            appeared(1, pcm, pc_in),
            want_any(T::PortTopologyChanged, 1, pc_in, pc_in + 20 * MIN),
        ],
        &[],
    );
}

#[test]
fn dhcp_only_devices_are_silent() {
    let end = 5 * DAY;
    let mut s = Story::new("dhcp-only", CFG, 5, end);
    let t0 = hm(0, 6, 0);
    let win = mac("d4:be:d9:40:05:01");
    let iot = mac("00:1e:c0:40:05:02");
    let ap = mac("00:0b:86:40:05:03");
    let rpi = mac("b8:27:eb:40:05:04");
    s.extend(pc(1, win, windows_dhcp(win), 4 * HOUR, &[(t0, end)]));
    // The embedded device reboots on day 2 at 10:00 (link down 60 s).
    let rb = hm(2, 10, 0);
    s.extend(pc(
        2,
        iot,
        udhcp_dhcp(iot),
        30 * MIN,
        &[(t0, rb), (rb + 60, end)],
    ));
    s.extend(pc(3, ap, aruba_dhcp(ap), 4 * HOUR, &[(t0, end)]));
    s.extend(pc(4, rpi, rpi_dhcp(rpi), HOUR, &[(t0, end)]));
    let ev = s.run();
    exactly(
        s.name,
        &ev,
        &[
            appeared(1, win, t0),
            appeared(2, iot, t0),
            appeared(3, ap, t0),
            appeared(4, rpi, t0),
        ],
        &[],
    );
}

#[test]
fn laptops_returning_each_morning_are_not_departed_nor_appeared() {
    let end = 5 * DAY;
    let mut s = Story::new("laptop-mornings", CFG, 4, end);
    let mbp = mac("3c:22:fb:40:06:01");
    let lin = mac("00:90:f5:40:06:02");
    // Port 1: a MacBook 08:30-17:30, Monday to Friday (link down at night).
    s.extend(pc(
        1,
        mbp,
        macos_dhcp(mbp),
        HOUR,
        &workdays(5, hm(0, 8, 30), hm(0, 17, 30)),
    ));
    // Port 2: a Linux laptop 09:00-18:00 with a lunch break unplugged 12:00-13:00.
    let mut spans = Vec::new();
    for d in 0..5 {
        spans.push((hm(d, 9, 0), hm(d, 12, 0)));
        spans.push((hm(d, 13, 0), hm(d, 18, 0)));
    }
    s.extend(pc(2, lin, linux_dhcp(lin), 30 * MIN, &spans));
    let ev = s.run();
    // Before a presence pattern exists (the first absences, up to the first morning) a
    // departure may be recorded; from then on nothing: every return is the port's known DNA.
    exactly(
        s.name,
        &ev,
        &[
            appeared(1, mbp, hm(0, 8, 30)),
            appeared(2, lin, hm(0, 9, 0)),
        ],
        &[
            want(T::DeviceDeparted, 1, mbp, hm(0, 17, 30), hm(1, 8, 30)),
            want(T::DeviceDeparted, 2, lin, hm(0, 12, 0), hm(1, 9, 0)),
            want(T::DeviceDeparted, 2, lin, hm(0, 12, 0), hm(1, 9, 0)),
        ],
    );
}

#[test]
fn a_hot_desk_on_a_transient_port_judges_no_newcomer() {
    let cfg = r#"
[sensor]
site = "hq-3"

[[port_profile]]
name = "hotdesk"
switch = "desk-sw"
ports = ["Gi1/0/10"]
transient = true
controls = ["SOC2/CC6.1"]

[[port_profile]]
name = "desks"
switch = "desk-sw"
ports = ["Gi1/0/1-24"]
controls = ["SOC2/CC6.1"]
"#;
    let end = 3 * DAY;
    let mut s = Story::new("hot-desk", cfg, 12, end);
    let mbp = mac("3c:22:fb:40:07:01");
    let win = mac("d4:be:d9:40:07:02");
    let lin = mac("00:90:f5:40:07:03");
    let rpi = mac("b8:27:eb:40:07:04");
    s.extend(pc(
        10,
        mbp,
        macos_dhcp(mbp),
        HOUR,
        &[(hm(0, 9, 0), hm(0, 12, 0)), (hm(2, 9, 0), hm(2, 11, 0))],
    ));
    s.extend(pc(
        10,
        win,
        windows_dhcp(win),
        4 * HOUR,
        &[(hm(0, 13, 0), hm(0, 17, 0)), (hm(2, 16, 30), hm(2, 18, 0))],
    ));
    s.extend(pc(
        10,
        lin,
        linux_dhcp(lin),
        30 * MIN,
        &[(hm(1, 8, 0), hm(1, 18, 0))],
    ));
    s.extend(pc(
        10,
        rpi,
        rpi_dhcp(rpi),
        HOUR,
        &[(hm(2, 11, 30), hm(2, 16, 0))],
    ));
    let ev = s.run();
    // No substitution, no firmware shift: a newcomer on a hot desk is no swap. Each laptop may
    // be recorded as appearing once and as leaving after each visit.
    let mut allowed = Vec::new();
    for m in [mbp, win, lin, rpi] {
        allowed.push(want(T::DeviceAppeared, 10, m, 0, end));
        allowed.push(want(T::DeviceDeparted, 10, m, 0, end));
        allowed.push(want(T::DeviceDeparted, 10, m, 0, end));
    }
    exactly(s.name, &ev, &[], &allowed);
}

#[test]
fn a_partial_snmp_walk_and_an_snmp_outage_depart_nobody() {
    let end = 5 * DAY;
    let mut s = Story::new("partial-walk", CFG, 4, end);
    let t0 = hm(0, 6, 0);
    let ap = mac("00:0b:86:40:08:01");
    let ph = mac("00:12:da:40:08:02");
    let win = mac("d4:be:d9:40:08:03");
    // The AP's DHCP client falls silent on day 1 (its link stays up, its MAC in the FDB).
    s.extend(pc(1, ap, aruba_dhcp(ap), 4 * HOUR, &[(t0, hm(1, 8, 0))]));
    s.add(silent(1, ap, &[(hm(1, 8, 0), end)]));
    s.extend(phone(2, ph, &[(t0, end)], &[]));
    s.extend(pc(3, win, windows_dhcp(win), 4 * HOUR, &[(t0, end)]));
    // Day 2 12:00 two polls whose FDB walk stopped after three entries (none of these ports'
    // MACs in them); day 3 the switch does not answer for three hours.
    let p1 = s.poll_at(hm(2, 12, 0));
    s.partial = vec![(p1, vec![1, 2, 3]), (p1 + s.poll_every, vec![1, 2, 3])];
    s.unreachable = vec![(hm(3, 9, 0), hm(3, 12, 0))];
    let ev = s.run();
    exactly(
        s.name,
        &ev,
        &[
            appeared(1, ap, t0),
            appeared(2, ph, t0),
            appeared(3, win, t0),
        ],
        &[],
    );
}

#[test]
fn a_phone_replaced_while_its_pc_stays_behind_it_is_no_topology_change() {
    let end = 4 * DAY;
    let mut s = Story::new("phone-replaced-pc-stays", CFG, 4, end);
    let (a, b, pcm) = (mac(PHONE_A), mac(PHONE_B), mac(PC));
    let t0 = hm(0, 8, 0);
    // Day 2 11:00 phone A is unplugged; 11:02 phone B (same model) plugged in, the PC
    // re-plugged behind it 30 s later; A's MAC lingers in the FDB until it ages out (5 min),
    // so the 11:02:30 poll shows three MACs.
    let swap = hm(2, 11, 0);
    s.extend(phone(1, a, &[(t0, swap)], &[]));
    s.add(silent(1, a, &[(swap, swap + 7 * MIN)]));
    s.extend(phone(1, b, &[(swap + 2 * MIN, end)], &[]));
    let mut pc_days = workdays(4, 8 * HOUR + 10 * MIN, 17 * HOUR);
    pc_days[2] = (hm(2, 8, 10), swap);
    pc_days.insert(3, (swap + 2 * MIN + 30, hm(2, 17, 0)));
    s.extend(pc(1, pcm, windows_dhcp(pcm), 4 * HOUR, &pc_days));
    let ev = s.run();
    exactly(
        s.name,
        &ev,
        &[
            appeared(1, a, t0),
            appeared(1, pcm, hm(0, 8, 10)),
            want(T::DeviceDeparted, 1, a, swap, swap + HOUR),
            appeared(1, b, swap + 2 * MIN),
        ],
        &[],
    );
}

#[test]
fn a_dna_parameter_change_and_a_restart_relearn_quietly() {
    let end = 4 * DAY;
    let (ph, pcm, host, win) = (
        mac(PHONE_A),
        mac(PC),
        mac("00:23:54:40:0c:01"),
        mac("d4:be:d9:40:0c:02"),
    );
    let t0 = hm(0, 8, 0);
    let speakers = |s: &mut Story| {
        s.extend(phone(1, ph, &[(t0, end)], &[]));
        s.extend(pc(
            1,
            pcm,
            windows_dhcp(pcm),
            4 * HOUR,
            &workdays(4, hm(0, 8, 30), hm(0, 17, 0)),
        ));
        s.extend(pc(2, host, linux_dhcp(host), 30 * MIN, &[(t0, end)]));
        s.add(talk(2, host, os_lldpd(host), 30, 30, &[(t0, end)]));
        s.extend(pc(3, win, windows_dhcp(win), 4 * HOUR, &[(t0, end)]));
    };
    let data = tmp(&format!("desk-relearn-data-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).unwrap();
    // Days 0-1 with the defaults; the sensor stops.
    let mut first = Story::new("relearn-1", CFG, 4, 2 * DAY);
    speakers(&mut first);
    let ev = first.run_with(Some(&data));
    exactly(
        first.name,
        &ev,
        &[
            appeared(1, ph, t0),
            appeared(1, pcm, hm(0, 8, 30)),
            appeared(2, host, t0),
            appeared(3, win, t0),
        ],
        &[],
    );
    // Days 2-3: it starts again on the same state with another DNA dimension: baselines are
    // re-learnt quietly, and nothing it raised before is raised again.
    let cfg = format!("{CFG}\n[dna]\ndimension = 128\n");
    let mut second = Story::new("relearn-2", &cfg, 4, end);
    second.start = 2 * DAY;
    speakers(&mut second);
    let ev = second.run_with(Some(&data));
    exactly(second.name, &ev, &[], &[]);
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn a_hikvision_camera_booting_is_ndaa_prohibited_once() {
    let cfg = r#"
[sensor]
site = "hq-3"

[[port_profile]]
name = "cameras"
switch = "desk-sw"
ports = ["Gi1/0/30"]
expected_classes = ["camera"]
max_macs = 1
controls = ["NDAA-889"]
"#;
    let end = 3 * DAY;
    let mut s = Story::new("ndaa-camera", cfg, 30, end);
    let cam = mac("08:a1:89:40:0d:01");
    let t0 = hm(0, 9, 0);
    // The camera boots (ARP, udhcpc, its first LLDPDU 30 s later, every 30 s); day 1 14:00
    // it reboots (link down 80 s).
    let rb = hm(1, 14, 0);
    let spans = [(t0, rb), (rb + 80, end)];
    s.extend(pc(30, cam, udhcp_dhcp(cam), HOUR, &spans));
    s.add(talk(30, cam, hikvision_frame(cam), 30, 30, &spans));
    let ev = s.run();
    let got = exactly(
        s.name,
        &ev,
        &[
            appeared(30, cam, t0),
            want(T::NdaaProhibitedDetected, 30, cam, t0, t0 + 20 * MIN),
        ],
        &[],
    );
    let e = &got[1].event;
    assert!(e.confidence.is_some_and(|c| c >= 0.85), "{e:?}");
    assert!(
        e.vendor
            .as_deref()
            .is_some_and(|v| v.starts_with("Hikvision")),
        "{e:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Real changes: exactly one page each

#[test]
fn a_firmware_update_with_a_reboot_is_one_firmware_shift() {
    let end = 4 * DAY;
    let mut s = Story::new("firmware-reboot", CFG, 4, end);
    let (ph, pcm) = (mac(PHONE_A), mac(PC));
    let t0 = hm(0, 8, 0);
    // Day 2 10:00 the phone reboots into new firmware (link down 2 min): DHCP first, then CDP
    // with the new version 40 s later. The PC behind it loses its link meanwhile.
    let fw = hm(2, 10, 0);
    s.extend(phone(1, ph, &[(t0, fw)], &[]));
    s.extend(phone(1, ph, &[(fw + 2 * MIN, end)], &[(FW_OLD, FW_NEW)]));
    let mut pc_days = workdays(4, 8 * HOUR + 30 * MIN, 17 * HOUR);
    pc_days[2] = (hm(2, 8, 30), fw);
    pc_days.insert(3, (fw + 2 * MIN, hm(2, 17, 0)));
    s.extend(pc(1, pcm, windows_dhcp(pcm), 4 * HOUR, &pc_days));
    let ev = s.run();
    let got = exactly(
        s.name,
        &ev,
        &[
            appeared(1, ph, t0),
            appeared(1, pcm, hm(0, 8, 30)),
            want(T::DeviceFirmwareShift, 1, ph, fw, fw + 20 * MIN),
        ],
        &[],
    );
    let e = &got[2].event;
    let sim = e.similarity.expect("similarity");
    assert!((0.65..0.85).contains(&sim), "firmware shift at {sim}");
    assert_ne!(e.previous_dna, e.device_dna);
}

#[test]
fn a_like_for_like_replacement_is_departed_plus_appeared() {
    let end = 4 * DAY;
    let mut s = Story::new("like-for-like", CFG, 4, end);
    let (a, b) = (mac(PHONE_A), mac(PHONE_B));
    let t0 = hm(0, 8, 0);
    let out = hm(2, 9, 0);
    let inn = hm(2, 9, 20);
    s.extend(phone(1, a, &[(t0, out)], &[]));
    s.extend(phone(1, b, &[(inn, end)], &[]));
    let ev = s.run();
    exactly(
        s.name,
        &ev,
        &[
            appeared(1, a, t0),
            want(T::DeviceDeparted, 1, a, out, out + HOUR),
            appeared(1, b, inn),
        ],
        &[],
    );
}

#[test]
fn a_cloned_mac_swap_with_a_laptop_renewing_every_30_minutes_is_one_substitution() {
    let end = 4 * DAY;
    let mut s = Story::new("cloned-mac", CFG, 4, end);
    let ph = mac(PHONE_A);
    let t0 = hm(0, 8, 0);
    // Day 2 10:00 the phone is unplugged; 10:05 a Linux laptop with the phone's MAC: ARP,
    // dhclient, a renewal every 30 minutes, for two days. It never stops talking.
    let out = hm(2, 10, 0);
    let inn = out + 5 * MIN;
    s.extend(phone(1, ph, &[(t0, out)], &[]));
    s.extend(pc(1, ph, linux_dhcp(ph), 30 * MIN, &[(inn, end)]));
    let ev = s.run();
    let got = exactly(
        s.name,
        &ev,
        &[
            appeared(1, ph, t0),
            want(T::DeviceSubstituted, 1, ph, inn, inn + 20 * MIN),
        ],
        &[],
    );
    let e = &got[1].event;
    assert!(e.similarity.is_some_and(|x| x < 0.65), "{e:?}");
    assert_eq!(e.threshold, Some(0.65));
    assert!(
        e.previous_dna.is_some() && e.previous_dna != e.device_dna,
        "{e:?}"
    );
}

#[test]
fn a_device_replaying_the_phones_cdp_is_one_substitution_flagged_as_impersonation() {
    let end = 4 * DAY;
    let mut s = Story::new("cdp-spoof", CFG, 4, end);
    let ph = mac(PHONE_A);
    let rpi = mac("b8:27:eb:40:09:09");
    let t0 = hm(0, 8, 0);
    let out = hm(2, 10, 0);
    let inn = out + 5 * MIN;
    s.extend(phone(1, ph, &[(t0, out)], &[]));
    // A Raspberry Pi (its own MAC, dhcpcd, TTL 64) replays the phone's CDP frame byte for
    // byte (device ID SEP…, platform "Cisco IP Phone 7970", its firmware) every 60 s.
    let mut replayed = phone7970_cdp(ph, &[]);
    replayed[6..12].copy_from_slice(&rpi.0);
    s.extend(pc(1, rpi, rpi_dhcp(rpi), 30 * MIN, &[(inn, end)]));
    s.add(talk(1, rpi, replayed, 60, 20, &[(inn, end)]));
    let ev = s.run();
    let got = exactly(
        s.name,
        &ev,
        &[
            appeared(1, ph, t0),
            want(T::DeviceSubstituted, 1, rpi, inn, inn + 20 * MIN),
        ],
        &[want(T::DeviceDeparted, 1, ph, out, out + HOUR)],
    );
    let f = got[1];
    assert_eq!(
        f.json.get("impersonation"),
        Some(&serde_json::Value::Bool(true)),
        "impersonation flagged: {}",
        f.json
    );
    assert!(
        f.event.similarity.is_some_and(|x| x < 0.65),
        "{:?}",
        f.event
    );
}

#[test]
fn a_port_flipping_between_two_stacks_behind_one_mac_pages_once_marked_flapping() {
    let end = 3 * DAY;
    let mut s = Story::new("flapping", CFG, 4, end);
    let host = mac("00:23:54:40:0e:01");
    let t0 = hm(0, 8, 0);
    // A Linux host (lldpd every 30 s, dhclient) settled for two days; day 2 10:00 a BMC with
    // the host's MAC behind a hub on the same port takes turns with it: each speaks for two
    // minutes, then the other, for three hours. Then the BMC is gone.
    let (from, to) = (hm(2, 10, 0), hm(2, 13, 0));
    let mut host_spans = vec![(t0, from)];
    let mut bmc_spans = Vec::new();
    let mut t = from;
    while t < to {
        bmc_spans.push((t, t + 2 * MIN));
        host_spans.push((t + 2 * MIN, t + 4 * MIN));
        t += 4 * MIN;
    }
    host_spans.push((to, end));
    s.extend(pc(1, host, linux_dhcp(host), 30 * MIN, &[(t0, end)]));
    s.add(talk(1, host, os_lldpd(host), 30, 30, &host_spans));
    s.add(talk(1, host, ipmi_lldp(host), 30, 10, &bmc_spans));
    let ev = s.run();
    // The first contradiction is a clone (device-substituted); more than three flips in an
    // hour make one event marked flapping (that one, or one more); then quiet.
    exactly(
        s.name,
        &ev,
        &[
            appeared(1, host, t0),
            want(T::DeviceSubstituted, 1, host, from, from + HOUR),
        ],
        &[want(T::DeviceSubstituted, 1, host, from, from + 2 * HOUR)],
    );
    let flapping = ev
        .iter()
        .filter(|f| f.json.get("flapping") == Some(&serde_json::Value::Bool(true)))
        .count();
    assert_eq!(flapping, 1, "one event marked flapping:\n{}", listing(&ev));
}

#[test]
fn a_forged_eap_success_from_the_device_itself_is_still_unenrolled() {
    let cfg = r#"
[sensor]
site = "hq-3"

[[port_profile]]
name = "secure"
switch = "desk-sw"
ports = ["Gi1/0/20"]
dot1x_required = true
controls = ["SOC2/CC6.1"]
"#;
    let end = hm(0, 15, 0);
    let mut s = Story::new("forged-eap", cfg, 20, end);
    let lin = mac("00:90:f5:40:0a:01");
    let t0 = hm(0, 9, 0);
    // EAPOL-Start, then an EAP-Success the laptop sends itself; nothing from the
    // authenticator, and the switch's PAE state is not polled.
    s.extend(pc(20, lin, linux_dhcp(lin), 30 * MIN, &[(t0, end)]));
    s.add(once(20, lin, eapol_start(lin), &[t0 + 2]));
    s.add(once(20, lin, forged_eap_success(lin), &[t0 + 4]));
    let ev = s.run();
    exactly(
        s.name,
        &ev,
        &[
            appeared(20, lin, t0),
            // Flagged once: when the grace window (4 h after it appeared) ends without the
            // authenticator's word, or already at the forgery.
            want(T::UnenrolledFlagged, 20, lin, t0, t0 + 4 * HOUR + 30 * MIN),
        ],
        &[],
    );
}

#[test]
fn an_edge_port_whose_fdb_jumps_to_20_macs_is_one_topology_change() {
    let end = 3 * DAY;
    let mut s = Story::new("rogue-switch", CFG, 6, end);
    let win = mac("d4:be:d9:40:0b:01");
    let t0 = hm(0, 8, 0);
    s.extend(pc(5, win, windows_dhcp(win), 4 * HOUR, &[(t0, end)]));
    // Day 1 10:00 an unmanaged switch behind Gi1/0/5 with 19 more devices, all in the
    // forwarding table at the next poll; an hour later three of them speak DHCP, the others
    // never do. The jump shows in the FDB first.
    let rogue = hm(1, 10, 0);
    for k in 0..19u8 {
        let m = MacAddr([0x02, 0x00, 0x5e, 0x40, 0x0b, 0x10 + k]);
        let talk_from = rogue + HOUR + i64::from(k) * 10;
        if k < 3 {
            s.add(silent(5, m, &[(rogue, talk_from)]));
        }
        let span = [(talk_from, end)];
        match k {
            0 => s.extend(pc(5, m, linux_dhcp(m), HOUR, &span)),
            1 => s.extend(pc(5, m, macos_dhcp(m), HOUR, &span)),
            2 => s.extend(pc(5, m, rpi_dhcp(m), HOUR, &span)),
            _ => s.add(silent(5, m, &[(rogue, end)])),
        };
    }
    let ev = s.run();
    exactly(
        s.name,
        &ev,
        &[
            appeared(5, win, t0),
            want_any(T::PortTopologyChanged, 5, rogue, rogue + 30 * MIN),
        ],
        &[],
    );
}

#[test]
fn a_known_device_moving_to_another_port_appears_with_moved_from() {
    let end = 4 * DAY;
    let mut s = Story::new("move", CFG, 8, end);
    let ph = mac(PHONE_A);
    let t0 = hm(0, 8, 0);
    let out = hm(2, 10, 0);
    let inn = hm(2, 10, 30);
    s.extend(phone(1, ph, &[(t0, out)], &[]));
    s.extend(phone(7, ph, &[(inn, end)], &[]));
    let ev = s.run();
    let got = exactly(
        s.name,
        &ev,
        &[appeared(1, ph, t0), appeared(7, ph, inn)],
        &[want(T::DeviceDeparted, 1, ph, out, out + 2 * HOUR)],
    );
    let f = got[1];
    assert_eq!(
        f.json.get("moved_from"),
        Some(&serde_json::json!({"switch": SW, "port": "Gi1/0/1"})),
        "moved_from: {}",
        f.json
    );
}
