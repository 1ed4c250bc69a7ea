//! Rule 5: observations no rule could place wait here, keyed by their device MAC, until a port
//! table teaches where the MAC is. Bounded twice: at most `max_total` observations in all (the
//! oldest, whatever its MAC, is evicted first) and at most `max_per_mac` per MAC (that MAC's
//! oldest goes), every eviction counted; and by age ([`Pending::expire`], the pipeline's
//! retention). Observations keep their arrival order.

use std::collections::{BTreeMap, HashMap, VecDeque};

use crate::clock::Timestamp;
use crate::observe::Observation;
use crate::wire::MacAddr;

/// Default bound per MAC.
pub const DEFAULT_MAX_PER_MAC: usize = 64;

/// The waiting observations.
#[derive(Debug)]
pub struct Pending {
    by_mac: HashMap<MacAddr, VecDeque<(u64, Observation)>>,
    /// Arrival number → MAC, oldest first.
    order: BTreeMap<u64, MacAddr>,
    next: u64,
    max_total: usize,
    max_per_mac: usize,
    evicted: u64,
}

impl Pending {
    /// An empty queue with these bounds (`max_per_mac` at least 1).
    pub fn new(max_total: usize, max_per_mac: usize) -> Pending {
        Pending {
            by_mac: HashMap::new(),
            order: BTreeMap::new(),
            next: 0,
            max_total,
            max_per_mac: max_per_mac.max(1),
            evicted: 0,
        }
    }

    /// Keeps `obs` under `mac`, evicting what the bounds require. With `max_total` 0 nothing is
    /// kept (and the observation counts as evicted).
    pub fn push(&mut self, mac: MacAddr, obs: Observation) {
        if self.max_total == 0 {
            self.evicted += 1;
            return;
        }
        let seq = self.next;
        self.next += 1;
        let q = self.by_mac.entry(mac).or_default();
        if q.len() >= self.max_per_mac {
            if let Some((old, _)) = q.pop_front() {
                self.order.remove(&old);
                self.evicted += 1;
            }
        }
        q.push_back((seq, obs));
        self.order.insert(seq, mac);
        while self.order.len() > self.max_total {
            let Some((old, m)) = self.order.pop_first() else {
                break;
            };
            if let Some(q) = self.by_mac.get_mut(&m) {
                // Per-MAC queues are in arrival order, so the oldest overall is at the front.
                debug_assert_eq!(q.front().map(|(s, _)| *s), Some(old));
                q.pop_front();
                if q.is_empty() {
                    self.by_mac.remove(&m);
                }
            }
            self.evicted += 1;
        }
    }

    /// Takes every observation waiting under `mac`, oldest first, with its arrival number.
    pub fn take(&mut self, mac: &MacAddr) -> Vec<(u64, Observation)> {
        let Some(q) = self.by_mac.remove(mac) else {
            return Vec::new();
        };
        for (s, _) in &q {
            self.order.remove(s);
        }
        q.into()
    }

    /// Puts back observations taken with [`Pending::take`] that still have no port, keeping
    /// their arrival numbers (so their age, and the eviction order, is unchanged).
    pub fn put_back(&mut self, mac: MacAddr, items: Vec<(u64, Observation)>) {
        if items.is_empty() {
            return;
        }
        for (s, _) in &items {
            self.order.insert(*s, mac);
        }
        let q = self.by_mac.entry(mac).or_default();
        let mut all: Vec<(u64, Observation)> = q.drain(..).chain(items).collect();
        all.sort_by_key(|(s, _)| *s);
        *q = all.into();
    }

    /// Evicts the oldest arrivals while they are older than `before` (capture time); stops at
    /// the first younger one, so a sweep costs what it evicts. Returns how many (counted as
    /// evicted).
    pub fn expire(&mut self, before: Timestamp) -> usize {
        let mut n = 0;
        while let Some((&seq, &mac)) = self.order.first_key_value() {
            let Some(q) = self.by_mac.get_mut(&mac) else {
                self.order.pop_first();
                continue;
            };
            match q.front() {
                Some((s, o)) if *s == seq && o.ts < before => {
                    q.pop_front();
                    if q.is_empty() {
                        self.by_mac.remove(&mac);
                    }
                    self.order.pop_first();
                    n += 1;
                }
                _ => break,
            }
        }
        self.evicted += n as u64;
        n
    }

    /// MACs with waiting observations.
    pub fn macs(&self) -> impl Iterator<Item = &MacAddr> {
        self.by_mac.keys()
    }

    /// The observations waiting under `mac`.
    pub fn get(&self, mac: &MacAddr) -> impl Iterator<Item = &Observation> {
        self.by_mac.get(mac).into_iter().flatten().map(|(_, o)| o)
    }

    /// Observations waiting.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether none waits.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Observations evicted so far.
    pub fn evicted(&self) -> u64 {
        self.evicted
    }
}
