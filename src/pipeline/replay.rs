//! Replay: capture files through the whole pipeline with each frame's capture time as the
//! clock.
//!
//! Several files are merged by timestamp (a site's captures from several SPAN ports replay as
//! one stream). Port tables from `--fdb` files are applied at their `polled_at` time in the
//! stream of frames (a series of `cybriq poll --json` outputs replays as it was taken), and the
//! tables without one before the first frame, at its time.
//! Frames are attributed as captured on the interface [`REPLAY_INTERFACE`], which `--tap` maps.
//! As fast as possible by default; at the recorded pace on request.

use std::collections::BinaryHeap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::capture::{CaptureError, FileReader};
use crate::clock::Timestamp;
use crate::snmp::PortTable;
use crate::wire::LinkType;

use super::Pipeline;

/// The interface name replayed frames are attributed as captured on.
pub const REPLAY_INTERFACE: &str = "replay";

/// Pace of a replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pace {
    /// As fast as the pipeline goes.
    AsFastAsPossible,
    /// Sleeps so that frames are handed in at the pace they were captured.
    Recorded,
}

/// What a replay went through.
#[derive(Debug, Clone, Default)]
pub struct ReplayOutcome {
    /// Frames read.
    pub frames: u64,
    /// First and last capture time.
    pub span: Option<(Timestamp, Timestamp)>,
    /// Wall time.
    pub elapsed: Duration,
}

struct Head {
    ts: Timestamp,
    file: usize,
    link: LinkType,
    data: Vec<u8>,
}

impl PartialEq for Head {
    fn eq(&self, o: &Self) -> bool {
        (self.ts, self.file) == (o.ts, o.file)
    }
}
impl Eq for Head {}
impl PartialOrd for Head {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Head {
    // Min-heap on (time, file order).
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (o.ts, o.file).cmp(&(self.ts, self.file))
    }
}

fn next(readers: &mut [FileReader], i: usize) -> Result<Option<Head>, CaptureError> {
    let link = readers[i].link_type();
    Ok(readers[i].next_record()?.map(|r| Head {
        ts: r.ts,
        file: i,
        link,
        data: r.data.to_vec(),
    }))
}

/// Replays `captures` (merged by time) through `p`, after the `tables`.
pub fn replay(
    p: &mut Pipeline,
    captures: &[PathBuf],
    tables: &[PortTable],
    pace: Pace,
) -> Result<ReplayOutcome, CaptureError> {
    replay_with(p, captures, tables, pace, &mut |_| {})
}

/// Bytes a pcap record takes in its file: its data and the 16-byte record header (pcapng's
/// blocks take a little more: a progress estimate, not an offset).
pub const RECORD_OVERHEAD: u64 = 16;

/// [`replay`], calling `progress` after each frame with the bytes of capture read so far
/// (records' data plus [`RECORD_OVERHEAD`] each).
pub fn replay_with(
    p: &mut Pipeline,
    captures: &[PathBuf],
    tables: &[PortTable],
    pace: Pace,
    progress: &mut dyn FnMut(u64),
) -> Result<ReplayOutcome, CaptureError> {
    let mut read: u64 = 0;
    let started = Instant::now();
    let mut readers = Vec::with_capacity(captures.len());
    for c in captures {
        readers.push(FileReader::open(c)?);
    }
    let mut heap = BinaryHeap::new();
    for i in 0..readers.len() {
        if let Some(h) = next(&mut readers, i)? {
            heap.push(h);
        }
    }
    let mut out = ReplayOutcome::default();
    let (mut timed, untimed): (Vec<&PortTable>, Vec<&PortTable>) =
        tables.iter().partition(|t| t.polled_at.is_some());
    // Stable by time: tables polled at the same instant keep their file order.
    timed.sort_by_key(|t| t.polled_at);
    let mut timed = timed.into_iter().peekable();
    let mut tables_done = untimed.is_empty();
    let mut pace_origin: Option<(Timestamp, Instant)> = None;
    while let Some(h) = heap.pop() {
        if !tables_done {
            for t in &untimed {
                p.table(t, h.ts);
            }
            tables_done = true;
        }
        while let Some(t) = timed.next_if(|t| t.polled_at.is_some_and(|at| at <= h.ts)) {
            p.table(t, t.polled_at.unwrap_or(h.ts));
        }
        if pace == Pace::Recorded {
            let (t0, w0) = *pace_origin.get_or_insert((h.ts, Instant::now()));
            let due = Duration::from_micros((h.ts.0 - t0.0).max(0) as u64);
            let waited = w0.elapsed();
            if due > waited {
                std::thread::sleep(due - waited);
            }
        }
        p.frame(REPLAY_INTERFACE, h.link, h.ts, &h.data);
        out.frames += 1;
        read += h.data.len() as u64 + RECORD_OVERHEAD;
        progress(read);
        out.span = Some(match out.span {
            None => (h.ts, h.ts),
            Some((a, b)) => (a.min(h.ts), b.max(h.ts)),
        });
        if let Some(n) = next(&mut readers, h.file)? {
            heap.push(n);
        }
    }
    if !tables_done && let Some(t0) = out.span.map(|s| s.0) {
        for t in &untimed {
            p.table(t, t0);
        }
    }
    // Polls after the last frame still count (a port that went dark at the end).
    for t in timed {
        p.table(t, t.polled_at.unwrap_or_default());
    }
    p.finish();
    out.elapsed = started.elapsed();
    Ok(out)
}
