//! The sensor pipeline: frames → observations → attribution → per-device DNA → engine → store
//! (and through the store's outbox to the emitter).
//!
//! [`Pipeline`] is driven by one thread, the same way live ([`daemon`]) and in replay
//! ([`replay`]): frames with their capture time, port tables from the SNMP poller, and clock
//! ticks. It takes its time only from what it is handed (the frame's timestamp, the poll's
//! time, the tick's time), so a week of captures replays in seconds with every timer exact.
//! It never blocks on I/O except through the store writer's bounded channel.

pub mod clock;
pub mod daemon;
pub mod devices;
pub mod fdb;
pub mod polling;
pub(crate) mod reload;
pub mod replay;
mod stats;
pub mod systemd;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::attribution::{Attributed, Attributor, PortRef, TapRule};
use crate::clock::Timestamp;
use crate::config::Config;
use crate::dna::{DnaBuilder, PortFacts};
use crate::engine::{Engine, PortSummary, Sighting};
use crate::event::Event;
use crate::observe::Observation;
use crate::refdb::RefDb;
use crate::snmp::{PortTable, Reachability};
use crate::store::{
    self, DeviceRow, DeviceSeenRow, ObservationRow, PortRow, PortStateRow, SwitchRow, Write, Writer,
};
use crate::wire::{LinkType, MacAddr};

pub use devices::{Devices, signal_key};
pub use stats::PipelineStats;

/// Tunables of the pipeline (not in the config file: sizing, not behaviour).
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Engine timers run at least this often (capture time), microseconds.
    pub tick_every_us: i64,
    /// What a sighting with nothing new changes (a device's last sighting and count, a port's
    /// last activity and the engine's quiet bookkeeping) is kept in memory and handed to the
    /// store when both this much processing time and [`flush_every_us`](Self::flush_every_us)
    /// of sensor time have passed (checked at each tick), and at the end. Events and the state
    /// of the ports that raised them are stored at once, together.
    pub flush_every: Duration,
    /// Sensor time between two such flushes, at least, µs (live: sensor time is processing
    /// time, so this governs; replay: a day of capture passes in seconds, so `flush_every`
    /// does).
    pub flush_every_us: i64,
    /// Observations waiting for the FDB, at most.
    pub max_pending: usize,
    /// Built DNAs kept in memory, at most. Few are needed: a device that says nothing new is
    /// handled by its DNA id (`Engine::observe_known`), and one that does is rebuilt anyway.
    pub dna_cache: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            tick_every_us: 10_000_000,
            flush_every: Duration::from_secs(60),
            flush_every_us: 60_000_000,
            max_pending: 100_000,
            dna_cache: 512,
        }
    }
}

/// Receives the events as they are raised (after they were handed to the store).
pub type EventSink = Box<dyn FnMut(&[Event]) + Send>;

/// The pipeline.
pub struct Pipeline {
    settings: Settings,
    attributor: Attributor,
    devices: Devices,
    builder: DnaBuilder,
    refdb: Arc<RefDb>,
    engine: Engine,
    store: Option<Arc<Writer>>,
    /// The token JSON of recent DNAs (many devices share one DNA: a model's fleet).
    tokens_json: TokenJson,
    /// Writes collected for the store, handed over together ([`store::HANDOFF`] at most; at
    /// once when they carry events, and at every tick, table and flush).
    outgoing: Vec<Write>,
    sink: Option<EventSink>,
    events: Vec<Event>,
    clock: Option<Timestamp>,
    next_tick: Option<Timestamp>,
    /// When (processing time, sensor time) what sightings changed quietly was last handed to
    /// the store.
    flushed: (Instant, Option<Timestamp>),
    /// Devices not seen for this long are forgotten (`[retention] observations_days`), µs.
    device_retention_us: i64,
    /// When the device table is next swept for them (sensor time).
    next_expiry: Option<Timestamp>,
    stats: PipelineStats,
    /// Interfaces whose mDNS/SSDP frames are used (`[[capture]] mdns_ssdp`; see
    /// [`discovery_interfaces`]).
    discovery: Vec<String>,
}

/// The interfaces whose mDNS/SSDP frames are used: each `[[capture]]` with `mdns_ssdp = true`,
/// and the replay interface when any capture has it (a replayed file stands for the sensor's
/// own capture). Elsewhere such frames are not evidence, whatever a custom filter lets through.
fn discovery_interfaces(cfg: &Config) -> Vec<String> {
    let mut v: Vec<String> = cfg
        .capture
        .iter()
        .filter(|c| c.mdns_ssdp)
        .map(|c| c.interface.clone())
        .collect();
    if !v.is_empty() {
        v.push(replay::REPLAY_INTERFACE.to_owned());
    }
    v
}

/// Sensor time between two sweeps of the device table for devices past their retention, µs.
const EXPIRY_EVERY_US: i64 = 60_000_000;

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

/// The static tap rules of a configuration's `[[capture]]` tables, plus `extra` ones.
pub fn tap_rules(cfg: &Config, extra: &[TapRule]) -> Vec<TapRule> {
    let mut rules: Vec<TapRule> = extra.to_vec();
    for c in &cfg.capture {
        if let Some(t) = &c.tap {
            rules.push(TapRule {
                interface: c.interface.clone(),
                vlan: None,
                port: PortRef {
                    switch: t.switch.clone(),
                    port: t.port.clone(),
                },
            });
        }
        for v in &c.vlan {
            rules.push(TapRule {
                interface: c.interface.clone(),
                vlan: Some(v.vlan),
                port: PortRef {
                    switch: v.switch.clone(),
                    port: v.port.clone(),
                },
            });
        }
    }
    rules
}

impl Pipeline {
    /// A pipeline for `cfg`. `store` receives every write (None: nothing is kept, as in a
    /// dry replay); `taps` are the static tap rules.
    pub fn new(
        cfg: &Config,
        settings: Settings,
        builder: DnaBuilder,
        refdb: Arc<RefDb>,
        taps: Vec<TapRule>,
        store: Option<Arc<Writer>>,
    ) -> Pipeline {
        Pipeline {
            settings,
            attributor: Attributor::new(taps, settings.max_pending),
            devices: Devices::new(settings.dna_cache),
            builder,
            refdb,
            engine: Engine::new(cfg),
            store,
            outgoing: Vec::new(),
            tokens_json: TokenJson::default(),
            sink: None,
            events: Vec::new(),
            clock: None,
            next_tick: None,
            flushed: (Instant::now(), None),
            device_retention_us: cfg.retention.settings().observations_us,
            next_expiry: None,
            stats: PipelineStats::default(),
            discovery: discovery_interfaces(cfg),
        }
    }

    /// Uses a seeded engine (deterministic event ids).
    pub fn with_seed(mut self, seed: u64) -> Pipeline {
        self.engine = self.engine.with_seed(seed);
        self
    }

    /// Hands every batch of raised events to `sink` too (after the store).
    pub fn with_sink(mut self, sink: EventSink) -> Pipeline {
        self.sink = Some(sink);
        self
    }

    /// Resumes the engine from stored port states.
    pub fn restore(&mut self, rows: Vec<PortStateRow>) -> usize {
        let mut records = Vec::with_capacity(rows.len());
        for r in rows {
            match serde_json::from_str::<serde_json::Value>(&r.state) {
                Ok(_) => records.push(crate::engine::PortRecord {
                    switch: r.switch,
                    port: r.port,
                    baseline: r.baseline,
                    baseline_meta: r.baseline_meta,
                    state: r.state,
                }),
                Err(e) => tracing::warn!(switch = %r.switch, port = %r.port, error = %e,
                    "Stored port state unreadable; the port starts afresh."),
            }
        }
        let n = records.len();
        self.engine.restore(records);
        n
    }

    /// Applies a suppression or change window posted through the API: every event the engine
    /// raises from now on honours it.
    pub fn control(&mut self, c: crate::engine::Control) {
        let now = self.clock.unwrap_or(Timestamp(i64::MIN));
        self.engine.control(c, now);
    }

    /// Hands the engine every API suppression and change window stored and still in force at
    /// `now` (at start, after [`restore`](Self::restore)); how many.
    pub fn restore_controls(
        &mut self,
        conn: &rusqlite::Connection,
        now: Timestamp,
    ) -> Result<usize, crate::store::StoreError> {
        let list = crate::store::controls::active(conn, now)?;
        let n = list.len();
        for c in list {
            self.engine.control(c, now);
        }
        Ok(n)
    }

    /// The engine's suppressions and change windows.
    pub fn controls(&self) -> &crate::engine::Controls {
        self.engine.controls()
    }

    /// Replaces the engine (new configuration), the DNA builder and the reference data, keeping
    /// every port's state: the engine's state is carried over through its records.
    pub fn reload(
        &mut self,
        cfg: &Config,
        builder: DnaBuilder,
        refdb: Arc<RefDb>,
        taps: Vec<TapRule>,
    ) {
        let now = self.clock.unwrap_or(Timestamp(0));
        self.engine.reconfigure(cfg, now, &mut self.events);
        self.discovery = discovery_interfaces(cfg);
        self.flush_events();
        self.builder = builder;
        self.refdb = refdb;
        self.devices.invalidate();
        self.attributor.set_taps(taps);
        self.device_retention_us = cfg.retention.settings().observations_us;
    }

    /// The counters.
    pub fn stats(&self) -> PipelineStats {
        let mut s = self.stats.clone();
        s.devices = self.devices.len() as u64;
        s.dna_builds = self.devices.rebuilds();
        s.attribution = Some(self.attributor.stats());
        s
    }

    /// The latest time the pipeline was handed.
    pub fn clock(&self) -> Option<Timestamp> {
        self.clock
    }

    /// The per-port summary.
    pub fn ports(&self) -> Vec<PortSummary> {
        self.engine.ports()
    }

    /// One captured frame.
    pub fn frame(&mut self, interface: &str, link: LinkType, ts: Timestamp, data: &[u8]) {
        self.stats.frames += 1;
        let frame = crate::wire::frame::decode(link, data);
        let discovery = matches!(
            frame.payload,
            crate::wire::Payload::Mdns(_) | crate::wire::Payload::Ssdp(_)
        );
        let used = !discovery || self.discovery.iter().any(|i| i == interface);
        let o = if used {
            Observation::from_frame(ts, &frame)
        } else {
            None
        };
        match o {
            Some(o) => self.observation(interface, o),
            None => {
                self.stats.not_control_plane += 1;
                self.advance(ts);
            }
        }
    }

    /// One observation (from a frame captured on `interface`).
    pub fn observation(&mut self, interface: &str, o: Observation) {
        self.stats.observations += 1;
        let ts = o.ts;
        if o.anomalies > 0 {
            self.stats.anomalous += 1;
        }
        if o.mac.is_none() {
            self.stats.no_device += 1;
            self.advance(ts);
            return;
        }
        match self.attributor.attribute(interface, o) {
            Some(a) => self.sighting(a),
            None => self.stats.waiting += 1,
        }
        self.advance(ts);
    }

    /// A port table from the SNMP poller (or a `--fdb` file), as of `now`.
    pub fn table(&mut self, table: &PortTable, now: Timestamp) {
        self.stats.tables += 1;
        self.write_table(table, now);
        if table.status == Reachability::Ok {
            for p in &table.ports {
                let facts = PortFacts {
                    speed_mbps: p.speed_mbps.map(|s| s.min(u64::from(u32::MAX)) as u32),
                    full_duplex: None,
                    poe_class: p.poe.as_ref().and_then(|x| x.class),
                    poe_power_mw: None,
                };
                let key = PortRef {
                    switch: table.switch.name.clone(),
                    port: p.name.clone(),
                };
                self.devices.set_port_facts(&key, Some(facts));
            }
        }
        for a in self.attributor.update(table) {
            self.stats.released += 1;
            self.sighting(a);
        }
        self.engine.polled(table, now, &mut self.events);
        self.flush_events();
        self.advance(now);
        self.hand_over();
    }

    /// The clock moved to `now` (live: the daemon's monotonic sensor time every second;
    /// replay: follows the frames). Hands what sightings changed quietly to the store when
    /// [`Settings::flush_every`] has passed.
    pub fn tick(&mut self, now: Timestamp) {
        self.clock = Some(self.clock.map_or(now, |c| c.max(now)));
        self.engine.tick(now, &mut self.events);
        self.engine.expire_controls(now);
        self.flush_events();
        let (at, sensor) = self.flushed;
        match sensor {
            None => self.flushed.1 = Some(now),
            Some(t) => {
                if now.0 - t.0 >= self.settings.flush_every_us
                    && at.elapsed() >= self.settings.flush_every
                {
                    self.flush();
                }
            }
        }
        self.next_tick = Some(Timestamp(now.0 + self.settings.tick_every_us));
        self.expire(now);
        self.hand_over();
        if let Some(s) = &self.store {
            s.clock(now);
        }
    }

    /// Once a minute of sensor time: forgets the devices not seen for their retention (the
    /// engine keeps its own residents; a device forgotten here and heard again is new to the
    /// table, and its row is written again in full), and observations that waited as long for
    /// a port table.
    fn expire(&mut self, now: Timestamp) {
        if self.next_expiry.is_some_and(|t| now < t) {
            return;
        }
        self.next_expiry = Some(Timestamp(now.0.saturating_add(EXPIRY_EVERY_US)));
        let before = Timestamp(now.0.saturating_sub(self.device_retention_us));
        let n = self.devices.expire(before);
        self.stats.expired += n as u64;
        self.attributor.expire(before);
    }

    /// Queues one write for the store (handed over with the next ones).
    fn put(&mut self, w: Write) {
        if self.store.is_none() {
            return;
        }
        if self.outgoing.capacity() == 0 {
            self.outgoing.reserve_exact(store::HANDOFF);
        }
        self.outgoing.push(w);
        if self.outgoing.len() >= store::HANDOFF {
            self.hand_over();
        }
    }

    /// Hands the collected writes to the store now.
    fn hand_over(&mut self) {
        if let Some(s) = &self.store
            && !self.outgoing.is_empty()
        {
            s.send_all(std::mem::take(&mut self.outgoing));
        }
    }

    /// Hands everything kept in memory to the store now: every changed port state and every
    /// device's last sighting and count (it does not wait for the commit).
    pub fn flush(&mut self) {
        self.flushed = (Instant::now(), self.clock);
        let now = self.clock.unwrap_or_default();
        self.write_states(now);
        self.write_seen();
        self.hand_over();
    }

    /// End of input: runs the timers at the last time seen, writes every state, waits for the
    /// store.
    pub fn finish(&mut self) {
        if let Some(now) = self.clock {
            self.tick(now);
        }
        self.flush();
        if let Some(s) = &self.store {
            s.flush();
        }
    }

    fn advance(&mut self, ts: Timestamp) {
        if self.clock.is_none_or(|c| ts > c) {
            self.clock = Some(ts);
        }
        match self.next_tick {
            None => self.next_tick = Some(Timestamp(ts.0 + self.settings.tick_every_us)),
            Some(t) if ts >= t => self.tick(ts),
            Some(_) => {}
        }
    }

    fn sighting(&mut self, a: Attributed) {
        let Attributed {
            port,
            via,
            fdb_vlan,
            observation: o,
        } = a;
        let Some(mac) = o.mac else { return };
        self.stats.attributed += 1;
        // The port's names are resolved once; the device table works by its id.
        let pid = self.devices.port_id(&port);
        let change = self.devices.observe(pid, mac, &o, fdb_vlan);
        // Nothing new from a device whose DNA was built before: the engine usually needs
        // neither its DNA nor its identity again (they are what they were).
        let known = if change.new || change.changed {
            None
        } else {
            self.devices.known_dna(pid, mac).cloned()
        };
        let handled = known.as_ref().is_some_and(|id| {
            self.engine
                .observe_known(&port, mac, &o, id, &mut self.events)
        });
        let dna_id = if handled {
            self.stats.known += 1;
            known.expect("handled implies known")
        } else {
            let Some((dna, identity)) = self.devices.built(pid, mac, &self.builder, &self.refdb)
            else {
                return;
            };
            self.engine.observe(
                &Sighting {
                    port: &port,
                    mac,
                    observation: &o,
                    dna,
                    identity,
                },
                &mut self.events,
            );
            dna.id.clone()
        };
        self.store_sighting(&port, pid, via, mac, &o, change, &dna_id);
        self.flush_events();
    }

    /// What a sighting writes: the device's full row and a timeline entry when it said
    /// something new, a timeline entry for a new kind of signal, else nothing now (its last
    /// sighting and count go with the next flush: [`Devices::observe`] listed it).
    #[allow(clippy::too_many_arguments)]
    fn store_sighting(
        &mut self,
        port: &PortRef,
        pid: devices::PortId,
        via: crate::attribution::Via,
        mac: MacAddr,
        o: &Observation,
        change: devices::Change,
        dna_id: &crate::dna::DnaId,
    ) {
        if self.store.is_none() {
            return;
        }
        if change.new || change.changed {
            let (first_seen, last_seen, observations, vlan, ip) = self
                .devices
                .get(pid, mac)
                .map(|d| (d.first_seen, d.last_seen, d.observations, d.vlan, d.ip))
                .expect("the device was just observed");
            // Said something new: the DNA was built for this sighting (a change clears
            // the known DNA), and is still cached. The full row carries the sighting.
            let (dna, identity) = self
                .devices
                .built(pid, mac, &self.builder, &self.refdb)
                .expect("built above");
            let row = Write::Device(DeviceRow {
                mac: mac.to_string(),
                switch: Some(port.switch.clone()),
                port: Some(port.port.clone()),
                vendor: identity.vendor.clone(),
                model: identity.model.clone(),
                class: Some(identity.class.as_str().to_owned()),
                confidence: Some(identity.confidence),
                ndaa_status: Some(identity.ndaa_status.as_str().to_owned()),
                serial: dna.identity.serials.first().cloned(),
                dna: Some(dna.id.to_string()),
                tokens: Some(self.tokens_json.get(dna)),
                vlan,
                ip: ip.map(|a| a.to_string()),
                first_seen,
                last_seen,
                observations,
            });
            self.put(row);
            self.devices.mark_written(pid, mac);
        }
        if change.new || change.changed || change.new_kind {
            self.put(Write::Observation(ObservationRow {
                mac: mac.to_string(),
                ts: o.ts,
                switch: Some(port.switch.clone()),
                port: Some(port.port.clone()),
                proto: o.proto().to_owned(),
                via: Some(via.as_str().to_owned()),
                dna: Some(dna_id.to_string()),
            }));
        }
    }

    fn flush_events(&mut self) {
        for (port, mac, at) in self.engine.take_resets() {
            let Some(pid) = self.devices.find_port(&port) else {
                continue;
            };
            // Its last sighting first: the row outlives what the pipeline forgets.
            if self.store.is_some()
                && self.devices.is_seen_pending(pid, mac)
                && let Some(d) = self.devices.get(pid, mac)
            {
                let row = Write::DeviceSeen(seen_row(&port, mac, d));
                self.put(row);
                self.devices.mark_written(pid, mac);
            }
            if self.devices.forget(pid, mac, at) {
                self.stats.forgotten += 1;
            }
        }
        if self.events.is_empty() {
            return;
        }
        let events = std::mem::take(&mut self.events);
        self.stats.events += events.len() as u64;
        crate::telemetry::events_raised(&events);
        // Stored (and put in the outbox) before anything else sees them, in one transaction
        // with the state of the ports that raised them: after a `kill -9` both are there or
        // neither is, so a restart neither raises a stored event again nor misses one.
        if self.store.is_some() {
            let now = self.clock.unwrap_or_default();
            let states = self
                .engine
                .take_dirty_of(
                    events
                        .iter()
                        .map(|e| (e.switch.as_deref().unwrap_or(""), e.port.as_str())),
                )
                .into_iter()
                .map(|r| state_row(r, now))
                .collect();
            // Handed over at once, with the writes queued before them.
            if self.sink.is_some() {
                self.put(Write::Events {
                    events: events.clone(),
                    states,
                });
                self.hand_over();
                if let Some(sink) = &mut self.sink {
                    sink(&events);
                }
            } else {
                self.put(Write::Events { events, states });
                self.hand_over();
            }
        } else if let Some(sink) = &mut self.sink {
            sink(&events);
        }
    }

    fn write_states(&mut self, now: Timestamp) {
        // In chunks: after a poll of 200 switches every port changed, and 50,000 records at
        // once would be tens of MB.
        loop {
            let chunk = self.engine.take_dirty_some(STATE_CHUNK);
            if chunk.is_empty() {
                return;
            }
            for r in chunk {
                self.put(Write::PortState(state_row(r, now)));
            }
        }
    }

    fn write_seen(&mut self) {
        self.hand_over();
        let Some(store) = &self.store else {
            // Nothing keeps them: the list only needs clearing.
            self.devices.take_seen(|_, _, _| {});
            return;
        };
        let mut out = Vec::with_capacity(store::HANDOFF);
        self.devices.take_seen(|port, mac, d| {
            out.push(Write::DeviceSeen(seen_row(port, mac, d)));
            if out.len() >= store::HANDOFF {
                store.send_all(std::mem::replace(
                    &mut out,
                    Vec::with_capacity(store::HANDOFF),
                ));
            }
        });
        store.send_all(out);
    }

    fn write_table(&mut self, t: &PortTable, now: Timestamp) {
        if self.store.is_none() {
            return;
        }
        let up = t.status == Reachability::Ok;
        self.put(Write::Switch(SwitchRow {
            name: t.switch.name.clone(),
            status: if up { "ok" } else { "unreachable" }.into(),
            reason: t.reason.clone(),
            sys_descr: t.switch.sys_descr.clone(),
            sys_object_id: t.switch.sys_object_id.clone(),
            model: t.switch.model.clone(),
            serial: t.switch.serial.clone(),
            polled_at: now,
        }));
        if !up {
            return;
        }
        for p in &t.ports {
            self.put(Write::Port(PortRow {
                switch: t.switch.name.clone(),
                port: p.name.clone(),
                if_index: Some(p.if_index),
                alias: p.alias.clone(),
                oper_status: p.oper_status.clone(),
                speed_mbps: p.speed_mbps,
                uplink: p.uplink,
                macs: p.macs.len().min(u32::MAX as usize) as u32,
                poe_class: p.poe.as_ref().and_then(|x| x.class),
                dot1x: p.dot1x.as_ref().and_then(|d| d.pae_state.clone()),
                updated_at: now,
            }));
        }
    }
}

/// DNA token lists serialised as JSON, by DNA id, for the store's device rows: a DNA's tokens
/// are serialised once, not once per device that has it. Bounded (cleared when full); a hit
/// compares the tokens too, so two token lists that made one vector never share a JSON.
#[derive(Debug, Default)]
struct TokenJson {
    by_id: HashMap<
        crate::dna::DnaId,
        (Vec<crate::dna::WeightedToken>, String),
        foldhash::fast::RandomState,
    >,
}

/// DNAs whose token JSON is kept, at most.
const TOKEN_JSON_CACHE: usize = 256;

impl TokenJson {
    fn get(&mut self, dna: &crate::dna::Dna) -> String {
        if let Some((tokens, json)) = self.by_id.get(&dna.id)
            && *tokens == dna.tokens
        {
            return json.clone();
        }
        let json = serde_json::to_string(&dna.tokens).unwrap_or_default();
        if self.by_id.len() >= TOKEN_JSON_CACHE {
            self.by_id.clear();
        }
        self.by_id
            .insert(dna.id.clone(), (dna.tokens.clone(), json.clone()));
        json
    }
}

/// Port records taken from the engine at a time.
const STATE_CHUNK: usize = 256;

fn state_row(r: crate::engine::PortRecord, now: Timestamp) -> PortStateRow {
    PortStateRow {
        switch: r.switch,
        port: r.port,
        baseline: r.baseline,
        baseline_meta: r.baseline_meta,
        state: r.state,
        updated_at: now,
    }
}

fn seen_row(port: &PortRef, mac: MacAddr, d: &devices::Device) -> DeviceSeenRow {
    DeviceSeenRow {
        mac: mac.to_string(),
        switch: port.switch.clone(),
        port: port.port.clone(),
        vlan: d.vlan,
        ip: d.ip.map(|a| a.to_string()),
        last_seen: d.last_seen,
        observations: d.observations,
    }
}
