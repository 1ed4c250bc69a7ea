//! Polls switches: walks every subtree of [`oid::poll_subtrees`] (and Cisco per-VLAN contexts
//! when needed) with a bounded number of walks in flight per switch and requests in flight
//! overall, then builds each switch's port table.

use std::collections::{BTreeSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use super::build::{BuildOptions, Walked, build, mark_cross_switch_uplinks};
use super::client::{Counters, Credentials, Session, Timing};
use super::error::SnmpError;
use super::oid;
use super::table::{PortTable, SwitchInfo};
use super::value::{Mib, Value, oid_to_string};
use super::walk::{WalkLimits, WalkResult, walk, walk_columns};

/// One switch to poll.
#[derive(Debug, Clone)]
pub struct Target {
    /// Name in the port table.
    pub name: String,
    /// `host:port`.
    pub address: String,
    /// Version and credentials.
    pub creds: Credentials,
    /// Timeout and retries.
    pub timing: Timing,
    /// GETBULK max-repetitions.
    pub max_repetitions: u32,
    /// Walks in flight at once for this switch (each on its own socket).
    pub max_in_flight: usize,
}

/// Poll-wide options.
#[derive(Debug, Clone, Copy)]
pub struct PollOptions {
    /// Requests in flight at once across all switches.
    pub global_in_flight: usize,
    /// Most variables one walk may return.
    pub max_varbinds_per_walk: usize,
    /// Port-table builder options.
    pub build: BuildOptions,
}

impl Default for PollOptions {
    fn default() -> Self {
        PollOptions {
            global_in_flight: 64,
            max_varbinds_per_walk: 200_000,
            build: BuildOptions::default(),
        }
    }
}

/// Request counts and wall time of one switch's poll.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PollStats {
    /// Requests sent (retries included).
    pub requests: u64,
    /// Replies decoded.
    pub responses: u64,
    /// Variables received.
    pub varbinds: u64,
    /// Attempts that timed out.
    pub timeouts: u64,
    /// Replies that could not be decoded.
    pub malformed: u64,
    /// Wall time of the poll.
    pub elapsed: Duration,
}

/// One switch's poll: its port table and counters.
#[derive(Debug, Clone)]
pub struct SwitchPoll {
    /// The port table (status `unreachable` when the switch did not answer).
    pub table: PortTable,
    /// Counters.
    pub stats: PollStats,
}

/// One finished walk: its context (VLAN), root and result.
type WalkOutcome = (Option<u16>, Vec<u32>, WalkResult);

#[derive(Debug, Clone)]
struct Job {
    vlan: Option<u16>,
    /// Subtrees walked in order; when the first is empty the others are skipped.
    roots: Vec<Vec<u32>>,
}

/// Polls every target concurrently, then marks ports that lead to another polled switch.
pub async fn poll_all(targets: &[Target], opts: &PollOptions) -> Vec<SwitchPoll> {
    poll_all_with(targets, &vec![opts.build; targets.len()], opts).await
}

/// [`poll_all`] with each switch's own table-builder options (`builds[i]` for `targets[i]`).
pub async fn poll_all_with(
    targets: &[Target],
    builds: &[BuildOptions],
    opts: &PollOptions,
) -> Vec<SwitchPoll> {
    let mut polls = poll_each(targets, builds, opts).await;
    mark_uplinks(&mut polls, &[]);
    polls
}

/// Marks, in each of `polls`, the ports behind which a MAC of another switch appears: of
/// another of `polls`, or one of `others` (the own MACs of switches polled earlier).
pub fn mark_uplinks(polls: &mut [SwitchPoll], others: &[BTreeSet<String>]) {
    let mut tables: Vec<PortTable> = polls
        .iter_mut()
        .map(|p| std::mem::take(&mut p.table))
        .collect();
    tables.extend(others.iter().map(|own| PortTable {
        own_macs: own.clone(),
        ..PortTable::default()
    }));
    mark_cross_switch_uplinks(&mut tables);
    for (p, t) in polls.iter_mut().zip(tables) {
        p.table = t;
    }
}

/// Polls every target concurrently, each with its own table-builder options (`builds[i]` for
/// `targets[i]`; `opts.build` is not used), and stamps the tables with the time of the poll.
/// Ports leading to another switch are not marked: the caller knows which switches to compare
/// against ([`mark_cross_switch_uplinks`]).
pub async fn poll_each(
    targets: &[Target],
    builds: &[BuildOptions],
    opts: &PollOptions,
) -> Vec<SwitchPoll> {
    let global = Arc::new(Semaphore::new(opts.global_in_flight.max(1)));
    let mut set = tokio::task::JoinSet::new();
    for (i, t) in targets.iter().enumerate() {
        let t = t.clone();
        let g = global.clone();
        let o = PollOptions {
            build: builds.get(i).copied().unwrap_or(opts.build),
            ..*opts
        };
        set.spawn(async move { (i, poll_switch(&t, g, &o).await) });
    }
    let mut out: Vec<Option<SwitchPoll>> = vec![None; targets.len()];
    while let Some(r) = set.join_next().await {
        match r {
            Ok((i, p)) => out[i] = Some(p),
            Err(e) => tracing::error!(error = %e, "A poll task failed."),
        }
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| crate::clock::Timestamp(i64::try_from(d.as_micros()).unwrap_or(i64::MAX)))
        .ok();
    out.into_iter()
        .enumerate()
        .map(|(i, p)| {
            let mut p = p.unwrap_or_else(|| SwitchPoll {
                table: PortTable::unreachable(info(&targets[i]), "poll task failed"),
                stats: PollStats::default(),
            });
            p.table.polled_at = now;
            p
        })
        .collect()
}

fn info(t: &Target) -> SwitchInfo {
    SwitchInfo {
        name: t.name.clone(),
        address: Some(t.address.clone()),
        ..SwitchInfo::default()
    }
}

/// Polls one switch. `global` bounds requests in flight across all switches.
pub async fn poll_switch(t: &Target, global: Arc<Semaphore>, opts: &PollOptions) -> SwitchPoll {
    let started = Instant::now();
    let counters = Arc::new(Counters::default());
    let limits = WalkLimits {
        max_repetitions: t.max_repetitions,
        max_varbinds: opts.max_varbinds_per_walk,
    };
    let stats = |c: &Counters| PollStats {
        requests: c.requests.load(Ordering::Relaxed),
        responses: c.responses.load(Ordering::Relaxed),
        varbinds: c.varbinds.load(Ordering::Relaxed),
        timeouts: c.timeouts.load(Ordering::Relaxed),
        malformed: c.malformed.load(Ordering::Relaxed),
        elapsed: started.elapsed(),
    };

    // Identity scalars first, in one GET: it decides whether the switch answers at all.
    let mut first = Session::new(
        &t.address,
        t.creds.clone(),
        t.timing,
        global.clone(),
        counters.clone(),
    );
    let unreachable = |reason: String| {
        tracing::warn!(switch = %t.name, address = %t.address, %reason, "Switch is unreachable.");
        SwitchPoll {
            table: PortTable::unreachable(info(t), reason),
            stats: stats(&counters),
        }
    };
    let mut walked = Walked::default();
    let skip: Vec<Vec<u32>> = match first.get(&oid::SCALARS).await {
        Ok(r) if r.status == 0 => {
            for vb in r.varbinds {
                walked.main.insert(vb.oid, vb.value);
            }
            oid::scalar_groups()
        }
        // Refused (v1 noSuchName for a missing object): walk the groups that hold them.
        Ok(_) => Vec::new(),
        Err(e) => return unreachable(e.to_string()),
    };
    if skip.is_empty() {
        let sys = walk(&mut first, oid::SYSTEM, limits).await;
        if sys.varbinds.is_empty() {
            return unreachable(match &sys.error {
                Some(e) => e.to_string(),
                None => "the agent returned no system group".to_owned(),
            });
        }
        absorb(&mut walked, None, oid::SYSTEM, sys);
    }

    let jobs: VecDeque<Job> = oid::poll_groups()
        .into_iter()
        .filter(|g| g[0].as_slice() != oid::SYSTEM && !skip.contains(&g[0]))
        .map(|roots| Job { vlan: None, roots })
        .collect();
    run_jobs(
        t,
        jobs,
        Some(first),
        &global,
        &counters,
        limits,
        &mut walked,
    )
    .await;

    // Cisco: no Q-BRIDGE FDB → BRIDGE-MIB per VLAN through `community@vlan`.
    let is_cisco = matches!(walked.main.get(oid::SYS_OBJECT_ID), Some(Value::Oid(o)) if o.starts_with(oid::CISCO_ENTERPRISE));
    if is_cisco && !walked.main.has_subtree(oid::DOT1Q_TP_FDB_PORT) {
        let vlans: Vec<u16> = walked
            .main
            .column(oid::VTP_VLAN_STATE)
            .filter(|(_, v)| v.as_i64() == Some(1))
            .filter_map(|(idx, _)| u16::try_from(*idx.last()?).ok())
            .filter(|v| !(1002..=1005).contains(v))
            .collect();
        if let (Some(&probe_vlan), Some(_)) = (vlans.first(), t.creds.for_vlan(1)) {
            poll_vlan_contexts(
                t,
                &vlans,
                probe_vlan,
                &global,
                &counters,
                limits,
                &mut walked,
            )
            .await;
        }
    }

    let table = build(info(t), &walked, &opts.build);
    SwitchPoll {
        table,
        stats: stats(&counters),
    }
}

async fn poll_vlan_contexts(
    t: &Target,
    vlans: &[u16],
    probe_vlan: u16,
    global: &Arc<Semaphore>,
    counters: &Arc<Counters>,
    limits: WalkLimits,
    walked: &mut Walked,
) {
    // Probe one VLAN context with at most one retry: many agents (and simulators) do not answer
    // it, and a switch that does not should not cost the full retry ladder on every poll; one
    // retry keeps a single lost datagram on a busy agent from dropping every VLAN of the poll.
    let Some(creds) = t.creds.for_vlan(probe_vlan) else {
        return;
    };
    let timing = Timing {
        timeout: t.timing.timeout,
        retries: t.timing.retries.min(1),
    };
    let mut probe = Session::new(&t.address, creds, timing, global.clone(), counters.clone());
    let r = walk(&mut probe, oid::DOT1D_BASE_PORT_IF_INDEX, limits).await;
    if r.varbinds.is_empty() && r.error.as_ref().is_some_and(SnmpError::is_silence) {
        walked.anomalies.push(format!(
            "no Q-BRIDGE FDB and the per-VLAN community (community@{probe_vlan}) is not answered: \
             MACs are known without their VLAN"
        ));
        return;
    }
    absorb(walked, Some(probe_vlan), oid::DOT1D_BASE_PORT_IF_INDEX, r);
    let mut jobs = VecDeque::new();
    for &vlan in vlans {
        let roots: Vec<Vec<u32>> = oid::vlan_context_subtrees()
            .into_iter()
            .filter(|r| vlan != probe_vlan || r.as_slice() != oid::DOT1D_BASE_PORT_IF_INDEX)
            .collect();
        jobs.push_back(Job {
            vlan: Some(vlan),
            roots,
        });
    }
    run_jobs(t, jobs, None, global, counters, limits, walked).await;
}

async fn run_jobs(
    t: &Target,
    jobs: VecDeque<Job>,
    first: Option<Session>,
    global: &Arc<Semaphore>,
    counters: &Arc<Counters>,
    limits: WalkLimits,
    walked: &mut Walked,
) {
    let queue = Arc::new(Mutex::new(jobs));
    let results: Arc<Mutex<Vec<WalkOutcome>>> = Arc::default();
    let dead_vlans: Arc<Mutex<std::collections::BTreeSet<u16>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let mut set = tokio::task::JoinSet::new();
    let mut first = first;
    for _ in 0..t.max_in_flight.max(1) {
        let queue = queue.clone();
        let results = results.clone();
        let dead = dead_vlans.clone();
        let stop = stop.clone();
        let t = t.clone();
        let global = global.clone();
        let counters = counters.clone();
        let mut session: Option<(Option<u16>, Session)> = first.take().map(|s| (None, s));
        set.spawn(async move {
            loop {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let Some(job) = queue.lock().expect("queue lock").pop_front() else {
                    break;
                };
                if job
                    .vlan
                    .is_some_and(|v| dead.lock().expect("lock").contains(&v))
                {
                    continue;
                }
                if session.as_ref().is_none_or(|(v, _)| *v != job.vlan) {
                    let creds = match job.vlan {
                        None => t.creds.clone(),
                        Some(v) => match t.creds.for_vlan(v) {
                            Some(c) => c,
                            None => continue,
                        },
                    };
                    session = Some((
                        job.vlan,
                        Session::new(
                            &t.address,
                            creds,
                            t.timing,
                            global.clone(),
                            counters.clone(),
                        ),
                    ));
                }
                let (_, s) = session.as_mut().expect("set above");
                let r = if job.roots.len() == 1 {
                    walk(s, &job.roots[0], limits).await
                } else {
                    walk_columns(s, &job.roots, limits).await
                };
                let silent =
                    r.varbinds.is_empty() && r.error.as_ref().is_some_and(SnmpError::is_silence);
                results
                    .lock()
                    .expect("results lock")
                    .push((job.vlan, job.roots[0].clone(), r));
                if silent {
                    match job.vlan {
                        // A VLAN context that does not answer: skip its other walks.
                        Some(v) => {
                            dead.lock().expect("lock").insert(v);
                        }
                        // The switch stopped answering mid-poll: do not wait out every walk.
                        None => stop.store(true, Ordering::Relaxed),
                    }
                }
            }
        });
    }
    while set.join_next().await.is_some() {}
    let results = std::mem::take(&mut *results.lock().expect("results lock"));
    for (vlan, root, r) in results {
        absorb(walked, vlan, &root, r);
    }
    if stop.load(Ordering::Relaxed) {
        let left = queue.lock().expect("queue lock").len();
        if left > 0 {
            walked.partial = true;
            walked.anomalies.push(format!(
                "the switch stopped answering during the poll; {left} walks were not attempted"
            ));
        }
    }
    let dead = dead_vlans.lock().expect("lock");
    if !dead.is_empty() {
        walked.partial = true;
        walked.anomalies.push(format!(
            "per-VLAN contexts not answered for VLANs {:?}",
            dead.iter().collect::<Vec<_>>()
        ));
    }
}

fn absorb(walked: &mut Walked, vlan: Option<u16>, root: &[u32], r: WalkResult) {
    if let Some(e) = &r.error {
        walked.partial = true;
        let ctx = vlan
            .map(|v| format!(" (VLAN {v} context)"))
            .unwrap_or_default();
        walked.anomalies.push(format!(
            "walk of {}{ctx} stopped after {} variables: {e}",
            oid_to_string(root),
            r.varbinds.len()
        ));
    }
    let mib: &mut Mib = match vlan {
        None => &mut walked.main,
        Some(v) => walked.vlan_contexts.entry(v).or_default(),
    };
    for vb in r.varbinds {
        mib.insert(vb.oid, vb.value);
    }
}
